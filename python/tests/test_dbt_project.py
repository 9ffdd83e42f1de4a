"""The dbt project is complete: every model keyed and documented, every macro described."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import copy_of

from public_protection.catalog import python_tables
from public_protection.dbt import run_dbt
from public_protection.layout import read_layouts

pytestmark = pytest.mark.dbt

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def manifest(demo_warehouse, tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("parse") / "target"
    assert run_dbt(["parse", "--target-path", str(target)], ROOT, demo_warehouse)
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def project_nodes(manifest: dict, kind: str) -> dict[str, dict]:
    return {
        key: node
        for key, node in manifest["nodes"].items()
        if node["resource_type"] == kind and node["package_name"] == "public_protection"
    }


def enforced_primary_keys(manifest: dict) -> set[str]:
    """Models whose table DuckDB keys: a primary key constraint under an enforced contract."""
    keyed = set()
    for key, model in project_nodes(manifest, "model").items():
        if not model["contract"]["enforced"] or model["config"]["materialized"] != "table":
            continue
        constraints = [
            *model["constraints"],
            *(c for column in model["columns"].values() for c in column["constraints"]),
        ]
        if any(c["type"] == "primary_key" for c in constraints):
            keyed.add(key)
    return keyed


def test_every_model_has_a_primary_key_test_or_constraint(manifest):
    keyed: set[str] = enforced_primary_keys(manifest)
    column_tests: dict[tuple[str, str], set[str]] = {}
    for test in project_nodes(manifest, "test").values():
        metadata = test.get("test_metadata") or {}
        model = test.get("attached_node")
        if not model:
            continue
        if metadata.get("name") == "primary_key":
            keyed.add(model)
        elif metadata.get("name") in ("unique", "not_null") and test.get("column_name"):
            column_tests.setdefault((model, test["column_name"]), set()).add(metadata["name"])
    both = {"unique", "not_null"}
    keyed |= {model for (model, _), names in column_tests.items() if names >= both}
    models = set(project_nodes(manifest, "model"))
    assert len(models) >= 19
    assert sorted(models - keyed) == []


@pytest.mark.parametrize(
    "statement",
    [
        # a second row for a case and question: the key the data test used to check
        "insert into marts.fct_case_judgement select * from marts.fct_case_judgement limit 1",
        "insert into marts.dim_question_source select * from marts.dim_question_source limit 1",
        # columns whose not_null data tests became constraints
        "update marts.dim_case set area = null where case_key in "
        "(select case_key from marts.dim_case limit 1)",
        "update reporting.rpt_programme_trend set n = null where question_id = 8",
    ],
)
def test_the_tables_themselves_refuse_what_their_constraints_forbid(
    demo_warehouse, tmp_path, statement
):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_warehouse, copy)
    with duckdb.connect(str(copy)) as con, pytest.raises(duckdb.ConstraintException):
        con.execute(statement)


def test_every_macro_is_described(manifest):
    macros = {
        key: macro
        for key, macro in manifest["macros"].items()
        if macro["package_name"] == "public_protection"
    }
    assert len(macros) >= 19
    assert sorted(m["name"] for m in macros.values() if not m["description"].strip()) == []


def test_every_column_of_every_model_is_described(manifest, demo_warehouse):
    described = {
        (node["schema"], node["alias"]): {
            name for name, column in node["columns"].items() if column["description"].strip()
        }
        for node in project_nodes(manifest, "model").values()
    }
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where schema_name in ('staging', 'intermediate', 'marts', 'reporting')"
        ).fetchall()
    assert len(columns) > 200
    undescribed = [c for c in columns if c[2] not in described.get((c[0], c[1]), set())]
    assert undescribed == []


def test_the_dq_tables_are_written_as_declared(demo_warehouse):
    # `regress` checks its own tables against the declaration as it writes them.
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        for (schema, name), spec in python_tables().items():
            if schema != "dq":
                continue
            written = con.execute(
                "select column_name, lower(data_type) from duckdb_columns() "
                "where schema_name = ? and table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
            assert written == [(c.name, c.data_type) for c in spec.columns], name
            described = con.execute(
                "select count(*) from duckdb_columns() where schema_name = ? "
                "and table_name = ? and comment is not null",
                [schema, name],
            ).fetchone()[0]
            assert described == len(spec.columns), name


def test_a_writer_whose_columns_differ_from_the_declaration_is_refused():
    spec = python_tables()[("analysis", "regression_steps")]
    names = [c.name for c in spec.columns]
    spec.require_columns(names)
    with pytest.raises(ValueError, match=r"not written: \['p_value'\]; not declared: \['p'\]"):
        spec.require_columns([*names[:-1], "p"])


def test_switching_warehouses_keeps_dbt_partial_parse(demo_warehouse, tmp_path, capfd):
    """The CLI on one warehouse, plain `dbt` on another, the CLI on a third: one parse.

    dbt parses the whole project again when its rendered profile changes; the
    warehouse path is read when dbt connects, so no switch changes the profile.
    """
    import subprocess

    from public_protection import cli
    from public_protection.settings import ENV_DB

    first = copy_of(demo_warehouse, tmp_path)
    second = shutil.copy(demo_warehouse, tmp_path / "second.duckdb")  # another file name
    landing = ["--landing", str(demo_warehouse.parent / "landing")]
    assert cli.main(["build", "--db", str(first), *landing]) == cli.EXIT_OK  # may parse in full
    capfd.readouterr()
    plain_dbt = str(Path(sys.executable).parent / "dbt")  # the one beside this Python
    plain = subprocess.run(
        [plain_dbt, "ls", "--resource-type", "model"],
        cwd=ROOT,
        env={**os.environ, ENV_DB: str(tmp_path / "elsewhere" / "other.duckdb")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert plain.returncode == 0, plain.stdout
    assert "Unable to do partial parsing" not in plain.stdout
    assert "rpt_sample_flow" in plain.stdout
    assert cli.main(["build", "--db", str(second), *landing]) == cli.EXIT_OK
    again = capfd.readouterr().out
    assert "Unable to do partial parsing" not in again
    assert "PASS=" in again


def test_the_dbt_unit_tests_pass(demo_warehouse, tmp_path, capfd):
    """`build` leaves the unit tests (model logic on fixed inputs) to the test suite: here."""
    db = copy_of(demo_warehouse, tmp_path)
    assert run_dbt(["test", "--select", "resource_type:unit_test"], ROOT, db)
    out = capfd.readouterr().out
    passed = [line for line in out.splitlines() if " PASS " in line]
    assert len(passed) >= 6, out[-2000:]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping with the same key twice (dbt keeps the last)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ValueError(f"{key!r} twice, {key_node.start_mark}")
        seen.add(key)
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def test_no_project_yaml_says_a_key_twice():
    # A second `data_tests:` under one table silently replaced the first once.
    files = [ROOT / "dbt_project.yml", *ROOT.glob("models/**/*.yml"), *ROOT.glob("seeds/*.yml")]
    files += [*ROOT.glob("macros/*.yml"), *ROOT.glob("config/**/*.yml")]
    assert len(files) > 10
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)


def test_every_raw_table_is_balanced_against_its_screened_rows(manifest):
    landed = {table.name for table in read_layouts(ROOT)}  # every programme's raw tables
    sources = {
        key
        for key, node in manifest["sources"].items()
        if node["schema"] == "raw" and node["name"] in landed
    }
    balanced = {
        node
        for test in project_nodes(manifest, "test").values()
        if (test.get("test_metadata") or {}).get("name") == "equal_row_count"
        for node in test["depends_on"]["nodes"]
    }
    assert len(sources) == len(landed)
    assert sorted(sources - balanced) == []
