"""dbt-duckdb plugin: the warehouse dbt works in, and the keyed hash behind every key.

``profiles.yml`` loads this module as a plugin. When dbt connects it

- attaches the warehouse file as the database ``public_protection`` (the name
  every model is built under, whatever the file is called) and makes it the
  current database of the connection and of every cursor dbt takes from it. The
  file is ``PUBLIC_PROTECTION_DB``, else ``warehouse/public_protection.duckdb``
  (relative to the folder dbt runs in), read here rather than rendered in the
  profile: dbt hashes the rendered profile for its partial parse and parses the
  whole project again when it changes, so a path in the profile would make every
  switch of warehouse (``--db``) a full parse. DuckDB's temporary files go beside
  the warehouse, as they do when a file is opened directly;
- (re)creates the DuckDB macro ``pp_hmac_sha256(text)`` in the warehouse:
  HMAC-SHA256 of the text under the secret in ``PUBLIC_PROTECTION_KEY``. The key is
  folded into the macro's inner and outer pads here, in Python, so it never appears
  in compiled SQL, dbt's logs or ``target/``. The macro lives in the restricted
  warehouse only (publishing copies tables, not macros).

Without ``PUBLIC_PROTECTION_KEY`` the documented demo key is used: fine for the
synthetic demo, never for real extracts. The macro ``pp_key_mode()`` says which
(``demo`` or ``secret``, never the key): the project's ``on-run-start`` hook
refuses to build files that are not the demo's in ``demo`` mode, and
``reporting.rpt_build_info`` records it.
"""

from __future__ import annotations

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from public_protection.settings import DEFAULT_DB, DEMO_KEY, ENV_DB, ENV_KEY, key_mode

BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)
# The database every model is built in (profiles.yml's `database`).
DATABASE = "public_protection"


def hmac_pads(key: bytes) -> tuple[str, str]:
    """The HMAC inner and outer padded keys, as hex."""
    import hashlib

    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key).hex()
    outer = bytes(b ^ 0x5C for b in key).hex()
    return inner, outer


def hmac_macro_sql(key: bytes) -> str:
    inner, outer = hmac_pads(key)
    return (
        "create or replace macro pp_hmac_sha256(message) as "
        f"sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode(message))))"
    )


def warehouse_path() -> str:
    """The warehouse file dbt works in: ``PUBLIC_PROTECTION_DB``, else the default."""
    return os.environ.get(ENV_DB) or str(DEFAULT_DB)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        warehouse = warehouse_path()
        conn.execute(f"attach if not exists {_literal(warehouse)} as {DATABASE}")
        conn.execute(f"use {DATABASE}")
        conn.execute(f"set temp_directory = {_literal(warehouse + '.tmp')}")
        key = os.environ.get(ENV_KEY) or None
        conn.execute(hmac_macro_sql((key or DEMO_KEY).encode("utf-8")))
        conn.execute(f"create or replace macro pp_key_mode() as '{key_mode(key)}'")

    def configure_cursor(self, cursor) -> None:
        # A cursor is a connection of its own, which starts in the in-memory database.
        cursor.execute(f"use {DATABASE}")
