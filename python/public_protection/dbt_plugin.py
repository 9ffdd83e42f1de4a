"""dbt-duckdb plugin: the keyed hash behind every pseudonymous key.

``profiles.yml`` loads this module as a plugin. On each connection it
(re)creates the DuckDB macro ``pp_hmac_sha256(text)``: HMAC-SHA256 of the text
under the secret in ``PUBLIC_PROTECTION_KEY``. The key is folded into the
macro's inner and outer pads here, in Python, so it never appears in compiled
SQL, dbt's logs or ``target/``. The macro lives in the restricted warehouse
only (publishing copies tables, not macros).

Without ``PUBLIC_PROTECTION_KEY`` the documented demo key is used: fine for the
synthetic demo, never for real extracts. The macro ``pp_key_mode()`` says which
(``demo`` or ``secret``, never the key): the project's ``on-run-start`` hook
refuses to build files that are not the demo's in ``demo`` mode, and
``reporting.rpt_build_info`` records it.
"""

from __future__ import annotations

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from public_protection.settings import DEMO_KEY, ENV_KEY, key_mode

BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)


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


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        key = os.environ.get(ENV_KEY) or None
        conn.execute(hmac_macro_sql((key or DEMO_KEY).encode("utf-8")))
        conn.execute(f"create or replace macro pp_key_mode() as '{key_mode(key)}'")
