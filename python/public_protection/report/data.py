"""Everything the report shows, read read-only from the warehouse.

The report reads the ``reporting``, ``analysis`` and ``dq`` schemas and
``marts.dim_question``; it computes nothing the warehouse does not already hold
except layout, suppression and sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from public_protection.build_info import BuildInfo, BuildInfoMissing, read_build_info

QUERIES = {
    "questions": "select question_id, stage, short_name, wording, bulletin_table_no "
    "from marts.dim_question order by question_id",
    # every programme, in order, with its cases in the sample (0: not loaded)
    "programmes": "select programme, label, column_prefix, baseline_programme, "
    "fieldwork_start_year, fieldwork_end_year, agency_basis, in_bulletin, national_sample, "
    "sort_order, (select count(*) from marts.dim_case "
    "where dim_case.programme = dim_programme.programme) as cases "
    "from marts.dim_programme order by sort_order",
    "sources": "select programme, question_id, comparability, comparability_note "
    "from marts.dim_question_source order by question_id, programme",
    "areas": "select * from reporting.rpt_sample_by_area order by area",
    "subgroups": "select * from reporting.rpt_judgement_by_subgroup "
    "order by question_id, variable_order, category_order, programme",
    "agency": "select * from reporting.rpt_agency_change order by question_id, responsible_agency",
    # in the programmes' order, not by name
    "flow": "select * from reporting.rpt_sample_flow "
    "order by programme_order, flow, step_order, step",
    "trend": "select * from reporting.rpt_programme_trend "
    "order by question_id, scope, sort_order, responsible_agency",
    "reconciliation": "select * from reporting.rpt_published_reconciliation order by check_id",
    "models": "select * from analysis.regression_models order by question_id, sample",
    "terms": "select * from analysis.regression_terms order by model_id, model_kind, "
    "step_entered nulls last, variable, level",
    "vs_bulletin": "select * from analysis.regression_vs_bulletin order by question_id, sample",
    "checks": "select checked_by, run_id, checked_at, check_name, severity, success, detail "
    "from dq.all_checks order by checked_by, check_name",
}


class ReportInputMissing(RuntimeError):
    """A table the report needs is not in the warehouse; says which stage makes it."""


STAGE_FOR_SCHEMA = {
    "marts": "build",
    "reporting": "build",
    "analysis": "regress",
    "dq": "validate",
}


@dataclass
class ReportData:
    questions: pd.DataFrame
    programmes: pd.DataFrame
    sources: pd.DataFrame
    areas: pd.DataFrame
    subgroups: pd.DataFrame
    agency: pd.DataFrame
    flow: pd.DataFrame
    trend: pd.DataFrame
    reconciliation: pd.DataFrame
    models: pd.DataFrame
    terms: pd.DataFrame
    vs_bulletin: pd.DataFrame
    checks: pd.DataFrame
    build: BuildInfo


def read_report_data(db: Path) -> ReportData:
    """Read every input of the report, or say which stage has not run."""
    if not db.exists():
        raise ReportInputMissing(f"no warehouse at {db}: run `public-protection run` first")
    frames: dict[str, pd.DataFrame] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        present = {
            f"{schema}.{name}"
            for schema, name in con.sql(
                "select schema_name, table_name from duckdb_tables() "
                "union all select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        }
        for key, query in QUERIES.items():
            table = query.split(" from ", 1)[1].split()[0]
            if table not in present:
                stage = STAGE_FOR_SCHEMA[table.split(".")[0]]
                raise ReportInputMissing(
                    f"{db} has no {table}: run `public-protection {stage}` first"
                )
            frames[key] = con.sql(query).df()
    try:
        build = read_build_info(db)
    except BuildInfoMissing as missing:
        raise ReportInputMissing(str(missing)) from None
    return ReportData(**frames, build=build)
