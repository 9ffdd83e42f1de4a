"""case_key is the keyed HMAC of the documented input, and nothing weaker.

The staging models call ``pseudonymise()`` (macros/pseudonymise.sql) on
``'OMI2:' || CaseRef`` and ``'Q&I:' || Case ID``; on DuckDB it calls the macro
the dbt plugin creates from ``PUBLIC_PROTECTION_KEY``. Both are checked here
against Python's ``hmac``, without dbt.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import duckdb
import jinja2
import pytest

from public_protection.dbt_plugin import Plugin, hmac_macro_sql
from public_protection.settings import DEMO_KEY, ENV_DB, ENV_KEY

MACROS = Path(__file__).resolve().parents[2] / "macros" / "pseudonymise.sql"
REFERENCES = ["OMI2/KEN/0001", "QI-LON-18-0123", "O'Brien, Amélie", ""]


def keyed(con: duckdb.DuckDBPyConnection, expression: str, value: str) -> str:
    module = jinja2.Environment().from_string(MACROS.read_text(encoding="utf-8")).module
    sql = module.duckdb__pseudonymise(expression)
    return con.execute(f"select {sql} from (select ? as case_ref)", [value]).fetchone()[0]


@pytest.mark.parametrize(
    "key", ["a-team-secret", "k" * 64, "a key longer than one SHA-256 block " * 4, "clé"]
)
def test_case_key_is_the_hmac_of_the_prefixed_reference(key):
    con = duckdb.connect()
    con.execute(hmac_macro_sql(key.encode("utf-8")))
    for reference in REFERENCES:
        for prefix in ("OMI2:", "Q&I:"):
            expected = hmac.new(
                key.encode("utf-8"), f"{prefix}{reference}".encode(), hashlib.sha256
            ).hexdigest()
            assert keyed(con, f"'{prefix}' || case_ref", reference) == expected


def test_case_key_is_no_plain_hash_and_depends_on_the_key():
    con = duckdb.connect()
    con.execute(hmac_macro_sql(b"one key"))
    first = keyed(con, "'OMI2:' || case_ref", "OMI2/KEN/0001")
    con.execute(hmac_macro_sql(b"another key"))
    second = keyed(con, "'OMI2:' || case_ref", "OMI2/KEN/0001")
    assert first != second
    for unkeyed in ("OMI2:OMI2/KEN/0001", "OMI2/KEN/0001"):
        assert hashlib.sha256(unkeyed.encode()).hexdigest() not in (first, second)


def test_the_key_never_appears_in_the_sql_the_plugin_writes():
    key = "a-secret-that-must-not-leak"
    sql = hmac_macro_sql(key.encode())
    assert key not in sql and key.encode().hex() not in sql


@pytest.mark.parametrize("key", [None, "", "the-team's-secret"])
def test_each_dbt_connection_keys_with_the_secret_in_the_environment(monkeypatch, tmp_path, key):
    # What dbt-duckdb calls on every connection: the macro must use the key set.
    monkeypatch.setenv(ENV_DB, str(tmp_path / "w.duckdb"))  # the warehouse it attaches
    if key is None:
        monkeypatch.delenv(ENV_KEY, raising=False)
    else:
        monkeypatch.setenv(ENV_KEY, key)
    con = duckdb.connect()
    Plugin.configure_connection(None, con)
    used = key or DEMO_KEY
    expected = hmac.new(used.encode(), b"OMI2:OMI2/KEN/0001", hashlib.sha256).hexdigest()
    assert con.execute("select pp_hmac_sha256('OMI2:OMI2/KEN/0001')").fetchone()[0] == expected
    mode = con.execute("select pp_key_mode()").fetchone()[0]
    assert mode == ("secret" if key else "demo")


def test_each_dbt_connection_works_in_the_warehouse_the_environment_names(monkeypatch, tmp_path):
    # The path is read as dbt connects (not rendered in the profile dbt hashes), under
    # one database name whatever the file is called; each cursor dbt takes works there.
    warehouse = tmp_path / "it's a warehouse.duckdb"
    monkeypatch.setenv(ENV_DB, str(warehouse))
    con = duckdb.connect()
    Plugin.configure_connection(None, con)
    cursor = con.cursor()
    Plugin.configure_cursor(None, cursor)
    cursor.execute("create table t as select pp_hmac_sha256('x') as h")
    assert cursor.execute("select current_database()").fetchone()[0] == "public_protection"
    temp = con.execute("select current_setting('temp_directory')").fetchone()[0]
    assert temp == f"{warehouse}.tmp"  # DuckDB's spill files beside the warehouse
    cursor.close()
    con.close()
    with duckdb.connect(str(warehouse), read_only=True) as opened:  # the macro stays there
        assert opened.execute(
            "select count(*) from t where h = pp_hmac_sha256('x')"
        ).fetchone() == (1,)
