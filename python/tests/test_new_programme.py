"""A fourth programme is files, not changes: added to a copy of the project, it reaches
every output, and the bulletin's view of the warehouse is untouched.

The fictitious programme X24 (2023-2024, one UTF-8 CSV per export, its judgements as
columns) is added with only the files listed in ``ADDED`` and rows appended to two seeds,
then the whole pipeline runs on the demo extracts beside it, in bulletin mode.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

pytestmark = pytest.mark.dbt

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests",
                 "analysis", "config")  # fmt: skip

LAYOUT = """\
programme: X24
folder: x24
extension: .csv
tables:
  - name: x24_cases
    encoding: utf-8
    columns: [Case, Area, Agency, Gender, Age, Ethnicity, Supervision, RoSH, MAPPA,
              Offence, DA, IOM, CP, Q1, Q2, Q8]
    checks:
      - {column: Case, required: true}
      - {name: age, value: 'try_cast(trim("Age") as integer)', between: [18, 110]}
"""

SOURCES = """\
version: 2
sources:
  - name: x24
    schema: raw
    tables:
      - name: x24_cases
"""

# The columns of the standard shapes, as every programme's staging ends.
CASE_ROWS = """\
with

source as (
    select * from {{ source('x24', 'x24_cases') }}
),

received as (
    select
        *,
        trim("Case") as case_ref,
        {{ pseudonymise(
            "to_json(struct_pack(*columns(* exclude ("
            ~ "_source_file, _source_sha256, _source_row, _loaded_at))))"
        ) }} as row_fingerprint
    from source
),

areas as (
    select * from {{ ref('areas') }}
),

final as (
    select
        'X24' as programme,
        {{ pseudonymise("'X24:' || received.case_ref") }} as case_key,
        received._source_file as source_file,
        received._source_row as source_row,
        received.row_fingerprint,
        'X24-' || trim(received."Area") as inspection_id,
        date '2024-01-01' as fieldwork_month,
        trim(received."Area") as area,
        coalesce(areas.is_matched_area, false) as is_matched_area,
        cast(null as varchar) as unmatched_area_rule,
        false as is_superseded_inspection,
        cast(null as varchar) as superseded_rule,
        false as is_custody,
        trim(received."Agency") as allocated_agency,
        case trim(received."Gender") when 'M' then 'Male' when 'F' then 'Female' end as gender,
        {{ age_group('try_cast(received."Age" as integer)') }} as age_group,
        case trim(received."Ethnicity")
            when 'W' then 'White' when 'B' then 'Black, Asian & Minority Ethnic'
        end as ethnic_group,
        case trim(received."Supervision")
            when 'CS' then 'Community sentence' when 'PC' then 'Post-custody'
        end as supervision_type,
        case trim(received."RoSH")
            when 'L' then 'Low' when 'M' then 'Medium' when 'H' then 'High/Very high'
        end as rosh_level,
        trim(received."MAPPA") = 'Y' as mappa_eligible,
        trim(received."Offence") as offence_category,
        trim(received."DA") = 'Y' as domestic_abuse_perpetrator,
        trim(received."IOM") = 'Y' as iom_case,
        trim(received."CP") = 'Y' as child_protection_case,
        case
            when received.case_ref is null then 'missing case reference'
            when trim(received."Agency") not in ('NPS', 'CRC') then 'unknown code: Agency'
        end as read_problem
    from received
    left join areas on trim(received."Area") = areas.area
)

select * from final
"""

JUDGEMENT_ROWS = """\
with

source as (
    select *, trim("Case") as case_ref from {{ source('x24', 'x24_cases') }}
),

unpivoted as (
    {% for column in ['Q1', 'Q2', 'Q8'] %}
        select
            {{ pseudonymise("'X24:' || case_ref") }} as case_key,
            _source_file as source_file,
            _source_row as source_row,
            '{{ column }}' as source_column,
            '{{ column }}' as source_ref,
            nullif(trim("{{ column }}"), '') as answer_code
        from source
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    'X24' as programme,
    case_key,
    source_file,
    source_row,
    source_column,
    false as is_received_row,
    source_ref,
    case answer_code when 'Y' then 'Yes' when 'N' then 'No' end as answer,
    case
        when answer_code not in ('Y', 'N') then 'unknown code: ' || source_column
    end as read_problem
from unpivoted
"""

REGISTRATION = "{% macro programme_staging__x24() %}stg_x24{% endmacro %}\n"

# The files the programme adds, beside its rows in seeds/programmes.csv,
# seeds/question_sources.csv and seeds/areas.csv (an area beyond the bulletin's 12).
ADDED = {
    "config/landing/x24.yml": LAYOUT,
    "models/staging/x24/_x24__sources.yml": SOURCES,
    "models/staging/x24/stg_x24__case_rows.sql": CASE_ROWS,
    "models/staging/x24/stg_x24__judgement_rows.sql": JUDGEMENT_ROWS,
    "macros/programmes/x24.sql": REGISTRATION,
}
SEED_ROWS = {
    "programmes.csv": ["X24,Fictitious inspections 2024,2023,2024,4,allocated,Q&I,x24,false,true"],
    "question_sources.csv": [
        "X24,1,Q1,close,a fictitious programme's question",
        "X24,2,Q2,partial,a fictitious programme's question",
        "X24,8,Q8,close,a fictitious programme's question",
    ],
    "areas.csv": ["Isle of Man,false,"],
}
MATCHED = ["Durham", "Kent", "London", "North Yorkshire"]
X24_ROWS = 240


def write_extract(path: Path) -> dict[str, int]:
    """X24's extract: a fixed pseudo-random sample; returns what its outputs must count."""
    rng = np.random.default_rng(24)
    path.parent.mkdir(parents=True)
    header = ["Case", "Area", "Agency", "Gender", "Age", "Ethnicity", "Supervision", "RoSH",
              "MAPPA", "Offence", "DA", "IOM", "CP", "Q1", "Q2", "Q8"]  # fmt: skip
    counts = {"matched": 0, "q8_answered": 0, "q8_matched_answered": 0}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number in range(X24_ROWS):
            area = "Isle of Man" if number % 4 == 0 else MATCHED[number % len(MATCHED)]
            counts["matched"] += area != "Isle of Man"
            q8 = str(rng.choice(["Y", "N", ""], p=[0.6, 0.3, 0.1]))
            counts["q8_answered"] += q8 != ""
            counts["q8_matched_answered"] += q8 != "" and area != "Isle of Man"
            writer.writerow(
                [
                    f"X24/{number:04d}", area, str(rng.choice(["NPS", "CRC"])),
                    str(rng.choice(["M", "F"])), int(rng.integers(18, 70)),
                    str(rng.choice(["W", "B"])), str(rng.choice(["CS", "PC"])),
                    str(rng.choice(["L", "M", "H"])), str(rng.choice(["Y", "N"])),
                    str(rng.choice(["Violence", "Theft", "Drugs"])),
                    str(rng.choice(["Y", "N"])), str(rng.choice(["Y", "N"])),
                    str(rng.choice(["Y", "N"])),
                    str(rng.choice(["Y", "N"], p=[0.8, 0.2])),
                    str(rng.choice(["Y", "N"], p=[0.7, 0.3])), q8,
                ]
            )  # fmt: skip
    return counts


@pytest.fixture(scope="module")
def with_x24(tmp_path_factory):
    """A copy of the project with X24 added, run whole on the demo extracts and X24's."""
    root = tmp_path_factory.mktemp("x24")
    project = root / "project"
    project.mkdir()
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        else:
            shutil.copy(source, project / part)
    before = {p.relative_to(project) for p in project.rglob("*") if p.is_file()}
    for name, text in ADDED.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    for seed, rows in SEED_ROWS.items():
        with (project / "seeds" / seed).open("a", encoding="utf-8") as handle:
            handle.write("".join(f"{row}\n" for row in rows))
    added = {p.relative_to(project) for p in project.rglob("*") if p.is_file()} - before

    env = {
        **os.environ,
        "PUBLIC_PROTECTION_PROJECT_DIR": str(project),
        "PUBLIC_PROTECTION_KEY": "a-secret-for-the-x24-test",
    }
    env.pop("PUBLIC_PROTECTION_DB", None)
    landing, db = root / "landing", root / "w.duckdb"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "public_protection.cli", *args],
            cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip

    assert cli("demo-data", "--landing", str(landing)).returncode == 0
    counts = write_extract(landing / "x24" / "x24_cases.csv")
    run = cli("run", "--landing", str(landing), "--db", str(db), "--bulletin")
    assert run.returncode == 0, run.stderr[-3000:]
    return db, root / "report", counts, added, run.stderr


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_programme_is_the_listed_files_alone(with_x24):
    *_, added, _ = with_x24
    assert {str(p) for p in added} == set(ADDED)


def test_its_cases_and_judgements_reach_the_marts(with_x24):
    db, _, counts, *_ = with_x24
    assert rows(db, "select count(*) from marts.dim_case where programme = 'X24'") == [(X24_ROWS,)]
    assert rows(
        db, "select count(*) from marts.dim_case where programme = 'X24' and is_matched_area"
    ) == [(counts["matched"],)]
    assert rows(
        db,
        "select question_id, count(*), count(is_sufficient) from marts.fct_case_judgement "
        "inner join marts.dim_case using (case_key) where programme = 'X24' group by 1 order by 1",
    ) == [(1, X24_ROWS, X24_ROWS), (2, X24_ROWS, X24_ROWS), (8, X24_ROWS, counts["q8_answered"])]
    assert rows(db, "select label from marts.dim_programme where programme = 'X24'") == [
        ("Fictitious inspections 2024",)
    ]


def test_its_raw_table_has_a_quality_suite_from_its_layout(with_x24):
    db, *_ = with_x24
    assert rows(
        db,
        "select expectation, column_name, success from dq.validation_results "
        "where suite = 'raw_x24_cases' order by 2",
    ) == [
        ("expect_column_values_to_be_between", "age", True),
        ("expect_column_values_to_be_in_set", "has_case", True),
    ]


def test_the_sample_flow_counts_its_rows(with_x24):
    db, *_ = with_x24
    assert rows(
        db,
        "select step, row_count from reporting.rpt_sample_flow "
        "where flow = 'X24 cases' order by step_order",
    ) == [("rows received", X24_ROWS), ("in the sample", X24_ROWS)]


def test_its_trend_against_its_baseline(with_x24):
    db, _, counts, *_ = with_x24
    trend = rows(
        db,
        "select question_id, scope, n, comparability, baseline_programme, "
        "change_pp is not null from reporting.rpt_programme_trend "
        "where programme = 'X24' and responsible_agency = 'All' order by 1, 2",
    )
    assert trend == [
        (1, "matched areas", counts["matched"], "close", "Q&I", True),
        (1, "national", X24_ROWS, "close", "Q&I", False),  # Q&I has no national sample
        (2, "matched areas", counts["matched"], "partial", "Q&I", True),
        (2, "national", X24_ROWS, "partial", "Q&I", False),
        (8, "matched areas", counts["q8_matched_answered"], "close", "Q&I", True),
        (8, "national", counts["q8_answered"], "close", "Q&I", False),
    ]


def test_a_trend_model_over_every_programme_that_collects_the_question(with_x24):
    db, _, counts, *_ = with_x24
    assert rows(
        db,
        "select model_id, programmes, n > 0 from analysis.regression_models "
        "where model_set = 'trend' and sample = 'All' and programmes like '%X24%' order by 1",
    ) == [
        ("trend_q1_all", "OMI2, Q&I, PI18, X24", True),
        ("trend_q2_all", "OMI2, Q&I, PI18, X24", True),
        ("trend_q8_all", "OMI2, Q&I, PI18, X24", True),
    ]
    # X24's cases are in the trend model, beside every other programme's answering Q1
    (bulletin, trend) = rows(
        db,
        "select n_before_listwise_deletion from analysis.regression_models "
        "where model_id in ('q1_all', 'trend_q1_all') order by model_set",
    )
    # every model compares like for like: the cases of the 12 matched areas
    ((pi18,),) = rows(
        db,
        "select count(is_sufficient) from marts.fct_case_judgement "
        "inner join marts.dim_case using (case_key) "
        "where programme = 'PI18' and question_id = 1 and is_matched_area",
    )
    assert trend[0] == bulletin[0] + pi18 + counts["matched"]


def test_a_column_for_it_in_the_report_and_the_bulletin_untouched(with_x24):
    db, report, *_, err = with_x24
    html = (report / "public_protection_report.html").read_text(encoding="utf-8")
    assert 'data-programme="X24"' in html
    with (report / "csv" / "programme_trend.csv").open(encoding="utf-8") as handle:
        programmes = {row["Programme"] for row in csv.DictReader(handle)}
    assert programmes == {"OMI2", "Q&I", "PI18", "X24"}
    # The bulletin's view is its two programmes and seven questions: every figure reconciles.
    assert rows(
        db, "select count(*), count(*) filter (where is_match) "
        "from reporting.rpt_published_reconciliation"
    ) == [(829, 829)]  # fmt: skip
    assert "reconciliation 829 of 829 published figures match" in " ".join(err.split())
