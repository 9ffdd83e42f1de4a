"""PI18's JSON exports land in raw as received, flattened, or are refused by name."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pytest

from public_protection.load import LoadFailed, load_landing

INSPECTION = "PI18-2018-09-DTV"

CASE = {
    "case_id": "PI18-DTV-0001",
    "crn": "X123456",
    "name": "Alex Example",
    "date_of_birth": "1985-03-02",
    "start_date": "2018-01-15",
    "pcc_area": "Durham",
    "sex": "Male",
    "ethnicity": "White",
    "sentence": "Community order",
    "rosh": "Medium",
    "mappa": {"eligible": False, "category": None, "level": None},
    "offence": "Violence",
    "flags": {"domestic_abuse": True, "iom": False, "child_protection": None},
    "rosh_classification_reasonable": "Yes",
    "ratings": [
        {"ref": "2.1.3", "rating": "No", "rationale": "..."},
        {"ref": "2.1.3a", "rating": "Yes", "rationale": "..."},
    ],
    "notes": "...",
}


def export(*cases: dict, inspection: str = INSPECTION, **fields) -> dict:
    document = {
        "format": "pi18-case-export/1",
        "exported_at": "2019-07-02T10:14:00Z",
        "inspection": {
            "id": inspection,
            "service": "Durham Tees Valley CRC",
            "agency": "CRC",
            "fieldwork_start": "2018-09-03",
            "fieldwork_end": "2018-09-14",
        },
        "cases": list(cases) or [CASE],
    }
    document.update(fields)
    return document


def case(case_id: str, **fields) -> dict:
    made = copy.deepcopy(CASE)
    made.update(case_id=case_id, **fields)
    return made


def write(landing: Path, name: str, document: dict | str) -> Path:
    path = landing / "pi18" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else json.dumps(document, indent=1)
    path.write_text(text, encoding="utf-8")
    return path


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def reject(landing: Path, db: Path, name: str, document: dict | str) -> str:
    write(landing, name, document)
    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)
    (only,) = failure.value.rejections
    assert only.file == f"pi18/{name}"
    return str(only)


def test_each_case_and_rating_is_a_raw_row_with_provenance(landing, db):
    second = case("PI18-DTV-0002", mappa={"eligible": True, "category": 2, "level": 1})
    second["ratings"] = [{"ref": "2.4.3", "rating": "N/A", "rationale": "none"}]
    write(landing, f"PI18_{INSPECTION}.json", export(CASE, second))
    load_landing(db, landing)
    assert query(
        db,
        'select case_id, "inspection.id", "mappa.eligible", "mappa.category", '
        '"flags.child_protection", _source_row from raw.pi18_cases order by _source_row',
    ) == [
        ("PI18-DTV-0001", INSPECTION, "false", None, None, 1),
        ("PI18-DTV-0002", INSPECTION, "true", "2", None, 2),
    ]
    # a rating's row number counts the file's ratings; its case is named beside it
    assert query(
        db, "select case_id, ref, rating, _source_row from raw.pi18_ratings order by _source_row"
    ) == [
        ("PI18-DTV-0001", "2.1.3", "No", 1),
        ("PI18-DTV-0001", "2.1.3a", "Yes", 2),
        ("PI18-DTV-0002", "2.4.3", "N/A", 3),
    ]
    assert query(db, "select file, rows from raw.source_files where file like 'pi18/%'") == [
        (f"pi18/PI18_{INSPECTION}.json", 5)
    ]


def test_a_re_export_lands_beside_the_first(landing, db):
    write(landing, f"PI18_{INSPECTION}.json", export())
    write(landing, f"PI18_{INSPECTION}_2.json", export(exported_at="2019-07-09T10:00:00Z"))
    load_landing(db, landing)
    assert query(db, "select _source_file, exported_at from raw.pi18_cases order by 1") == [
        (f"pi18/PI18_{INSPECTION}.json", "2019-07-02T10:14:00Z"),
        (f"pi18/PI18_{INSPECTION}_2.json", "2019-07-09T10:00:00Z"),
    ]


def test_an_unknown_field_is_kept_as_a_column(landing, db):
    write(landing, f"PI18_{INSPECTION}.json", export(case("PI18-DTV-0001", team="North")))
    report = load_landing(db, landing)
    assert query(db, "select team from raw.pi18_cases") == [("North",)]
    (outcome,) = [o for o in report.outcomes if o.file.startswith("pi18/")]
    assert "pi18_cases: 1; pi18_ratings: 2" in outcome.message
    assert "[pi18_cases]: kept unknown column(s) team in raw.pi18_cases" in outcome.message


def test_invalid_json_is_refused_with_its_line_and_column(landing, db):
    text = json.dumps(export(), indent=1).replace('"crn": "X123456",', '"crn": "X123456"', 1)
    message = reject(landing, db, f"PI18_{INSPECTION}.json", text)
    assert "invalid JSON at line" in message and ", column " in message
    line = int(message.split("invalid JSON at line ")[1].split(",")[0])
    assert '"name"' in text.splitlines()[line - 1]  # the line after the missing comma


def test_an_unknown_format_version_is_refused_naming_it(landing, db):
    message = reject(landing, db, f"PI18_{INSPECTION}.json", export(format="pi18-case-export/2"))
    assert "format 'pi18-case-export/2' is not one this loader reads" in message
    assert "pi18-case-export/1" in message


@pytest.mark.parametrize("n", [2, 9, 10, 19, 20, 100, 199])
def test_a_re_export_numbered_from_2_up_is_named_for_its_inspection(landing, db, n):
    # the number is a number: _10 to _19 (and _100 up) are re-exports like _2 to _9
    write(landing, f"PI18_{INSPECTION}_{n}.json", export())
    load_landing(db, landing)
    assert query(db, "select count(*) from raw.pi18_cases") == [(1,)]


@pytest.mark.parametrize(
    "name",
    [
        "PI18_PI18-2018-09-ESX.json",
        f"PI18_{INSPECTION}_1.json",
        f"PI18_{INSPECTION}_0.json",
        f"PI18_{INSPECTION}_02.json",
        "cases.json",
    ],
)
def test_a_file_name_that_disagrees_with_the_inspection_id_is_refused(landing, db, name):
    message = reject(landing, db, name, export())
    assert f"another inspection than its inspection.id '{INSPECTION}'" in message
    named = f"it must be named PI18_{INSPECTION}.json (re-exported: PI18_{INSPECTION}_<n>.json"
    assert named in message


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("mappa.eligible", "cases item 1 has no field 'mappa.eligible'"),
        ("sex", "cases item 1 has no field 'sex'"),
        ("case_id", "cases item 1 has no field 'case_id'"),
        ("ratings", "cases item 1 has no field 'ratings'"),
    ],
)
def test_a_missing_required_field_is_refused_naming_it(landing, db, path, reason):
    broken = case("PI18-DTV-0001")
    *parents, leaf = path.split(".")
    holder = broken
    for key in parents:
        holder = holder[key]
    del holder[leaf]
    message = reject(landing, db, f"PI18_{INSPECTION}.json", export(broken))
    assert reason in message and f"column {path!r}" in message and "row 1" in message


def test_a_missing_export_field_is_refused_naming_it(landing, db):
    document = export()
    del document["inspection"]["fieldwork_end"]
    message = reject(landing, db, f"PI18_{INSPECTION}.json", document)
    assert "missing required field 'inspection.fieldwork_end'" in message


def test_a_case_id_given_twice_in_a_file_is_refused(landing, db):
    document = export(case("PI18-DTV-0001"), case("PI18-DTV-0002"), case("PI18-DTV-0001"))
    message = reject(landing, db, f"PI18_{INSPECTION}.json", document)
    assert "case_id 'PI18-DTV-0001' is given twice in the file (cases items 1 and 3)" in message
    assert "row 3" in message


def test_a_rating_missing_a_field_is_named_by_its_case_and_its_place(landing, db):
    broken = case("PI18-DTV-0002")
    del broken["ratings"][1]["rating"]
    document = export(case("PI18-DTV-0001"), broken)
    message = reject(landing, db, f"PI18_{INSPECTION}.json", document)
    # the file's fourth rating: two in the first case, then the second case's second
    assert "cases item 2, ratings item 2 has no field 'rating'" in message
    assert "row 4" in message and "column 'rating'" in message


def test_of_several_faults_the_first_record_s_is_named(landing, db):
    late = case("PI18-DTV-0001")  # repeats the first case's id, as the third case
    early = case("PI18-DTV-0002")
    del early["sex"]
    document = export(case("PI18-DTV-0001"), early, late)
    message = reject(landing, db, f"PI18_{INSPECTION}.json", document)
    assert "cases item 2 has no field 'sex'" in message and "row 2" in message
    swapped = export(case("PI18-DTV-0001"), case("PI18-DTV-0001"), early)
    message = reject(landing, db, f"PI18_{INSPECTION}.json", swapped)
    assert "given twice in the file (cases items 1 and 2)" in message


def test_a_refused_export_leaves_the_warehouse_as_it_was(landing, db):
    write(landing, f"PI18_{INSPECTION}.json", export())
    load_landing(db, landing)
    before = query(db, "select * from raw.pi18_cases order by all")
    write(landing, "PI18_PI18-2018-10-ESX.json", "{ not json")
    write(landing, f"PI18_{INSPECTION}.json", export(case("PI18-DTV-0009")))  # changed too
    with pytest.raises(LoadFailed):
        load_landing(db, landing)
    assert query(db, "select * from raw.pi18_cases order by all") == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xef\xbb\xbf{}", "byte-order mark"),
        (b"", "file is empty"),
        (b'{"format": "caf\xe9"}', "is not UTF-8 text: byte 15"),
        (b"[1, 2]", "holds a JSON list, not one object"),
        ("{}".encode("utf-16"), "is UTF-16 text (it starts with a UTF-16 byte-order mark)"),
        (b'{\n "format": NaN}', "line 2, column 12: NaN is not a JSON value"),
        (b'{"a": "Infinity", "b": [1, -Infinity]}', "column 28: -Infinity is not a JSON"),
    ],
)
def test_bytes_that_are_not_one_utf8_object_are_refused(landing, db, content, reason):
    path = landing / "pi18" / f"PI18_{INSPECTION}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)
    assert reason in str(failure.value.rejections[0])


def test_an_export_nested_too_deeply_is_refused_and_the_batch_goes_on(landing, db):
    # 100,000 lists inside one another in a case's notes: refused by name, and a second
    # bad file of the same batch is still reported
    deep = json.dumps(export()).replace(
        '"notes": "..."', '"notes": ' + "[" * 100_000 + "]" * 100_000
    )
    write(landing, f"PI18_{INSPECTION}.json", deep)
    write(landing, "PI18_PI18-2018-09-ESX.json", "{not json")
    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)
    reasons = {r.file: str(r) for r in failure.value.rejections}
    assert "nested too deeply to read" in reasons[f"pi18/PI18_{INSPECTION}.json"]
    assert "invalid JSON at line 1" in reasons["pi18/PI18_PI18-2018-09-ESX.json"]
    logged = query(db, "select file, status from raw.load_log order by file")
    assert sorted(logged) == sorted(
        [
            ("pi18/PI18_PI18-2018-09-ESX.json", "rejected"),
            (f"pi18/PI18_{INSPECTION}.json", "rejected"),
        ]
    )


@pytest.mark.dbt
def test_of_exports_made_at_the_same_time_the_higher_re_export_number_counts(
    landing, db, secret_key
):
    # _20 is later than _9 (as file names, "_9" sorts after "_20")
    from public_protection import cli

    at = "2019-07-09T10:00:00Z"
    write(landing, f"PI18_{INSPECTION}_9.json", export(case("PI18-DTV-0009"), exported_at=at))
    write(landing, f"PI18_{INSPECTION}_20.json", export(case("PI18-DTV-0020"), exported_at=at))
    for verb in ("load", "build"):
        assert cli.main([verb, "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    sampled = query(
        db,
        'select received."case_id" from raw.pi18_cases as received '
        "inner join intermediate.int_case_rows_screened as screened "
        "on screened.source_file = received._source_file "
        "and screened.source_row = received._source_row where screened.outcome = 'sample'",
    )
    assert sampled == [("PI18-DTV-0020",)]


@pytest.mark.dbt
def test_a_superseded_export_s_rows_are_superseded_whatever_their_faults(landing, db, secret_key):
    """A re-export corrects an impossible date and an unknown rating ref: the first
    export's rows are counted as superseded, not quarantined (nothing to correct)."""
    from public_protection import cli

    faulty = case("PI18-DTV-0001", start_date="2018-02-30")
    second = case("PI18-DTV-0002")
    second["ratings"] = [*second["ratings"], {"ref": "9.9.9", "rating": "Yes", "rationale": ""}]
    write(landing, f"PI18_{INSPECTION}.json", export(faulty, second))
    corrected = export(case("PI18-DTV-0001"), case("PI18-DTV-0002"))
    write(
        landing, f"PI18_{INSPECTION}_2.json", {**corrected, "exported_at": "2019-07-09T10:00:00Z"}
    )
    for verb in ("load", "build"):
        assert cli.main([verb, "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    flows = {
        flow: dict(steps)
        for flow in ("PI18 cases", "PI18 judgements")
        for steps in [
            query(
                db,
                "select step, row_count from reporting.rpt_sample_flow "
                f"where flow = '{flow}' and step_kind <> 'received'",
            )
        ]
    }
    superseded = "excluded: superseded export (a later export of the inspection counts)"
    assert flows["PI18 cases"] == {superseded: 2, "in the sample": 2}
    # the first export's five ratings, the unknown ref among them
    assert flows["PI18 judgements"][superseded] == 5
    assert not [step for step in flows["PI18 judgements"] if step.startswith("quarantined")]
    quarantined = "select count(*) from intermediate.int_rows_quarantined where programme = 'PI18'"
    assert query(db, quarantined) == [(0,)]
    # The flows list the programmes in the programmes seed's order, not by name.
    order = dict(query(db, "select programme, sort_order from marts.dim_programme"))
    listed = query(db, "select distinct programme, programme_order from reporting.rpt_sample_flow")
    assert sorted(listed) == sorted((p, order[p]) for p, _ in listed) and len(listed) == 3
    flows = [r[0] for r in query(db, "select flow from reporting.rpt_sample_flow")]
    assert list(dict.fromkeys(flows)) == sorted(set(flows), key=lambda f: (order[f.split()[0]], f))


def outcomes(db: Path, table: str = "pi18_cases", column: str = "case_id") -> list[tuple]:
    """(value of ``column``, outcome, reason) of every raw row, in file and row order."""
    screened = "int_case_rows_screened" if table == "pi18_cases" else "int_judgement_rows_screened"
    return query(
        db,
        f'select received."{column}", screened.outcome, screened.outcome_reason '
        f"from raw.{table} as received inner join intermediate.{screened} as screened "
        "on screened.source_file = received._source_file "
        "and screened.source_row = received._source_row "
        "order by received._source_file, received._source_row",
    )


@pytest.mark.dbt
def test_pi18_dates_follow_the_programme_s_fieldwork_and_an_age_bound(landing, db, secret_key):
    """As for OMI2: fieldwork in the programme's years (seeds/programmes.csv), nothing
    after the inspection, and an age bound (with no date of birth, the span a life
    allows) quarantine a case, each with its reason."""
    from public_protection import cli

    undated = {"date_of_birth": None}
    write(
        landing,
        f"PI18_{INSPECTION}.json",
        export(
            case("PI18-DTV-0001"),
            case("PI18-DTV-0002", start_date="2018-10-01"),  # fieldwork ends 14 September
            case("PI18-DTV-0003", start_date="2031-05-01"),
            case("PI18-DTV-0004", start_date="1810-05-01", **undated),
            case("PI18-DTV-0005", start_date="0018-05-01", **undated),
            case("PI18-DTV-0006", start_date="1927-01-01", **undated),  # 91 years: kept
            case("PI18-DTV-0007", start_date="2018-1-15"),  # not YYYY-MM-DD
            case("PI18-DTV-0008", date_of_birth="85-03-02"),
            case("PI18-DTV-0009", rosh_classification_reasonable="N/A"),  # Yes or No
        ),
    )
    # an inspection in 2031, and three whose export time or fieldwork cannot be right
    for inspection, exported_at, fieldwork in (
        ("PI18-2031-05-ESX", "2031-06-01T10:00:00Z", ("2031-05-05", "2031-05-16")),
        ("PI18-2018-10-MER", "2031-01-01T10:00:00Z", ("2018-10-01", "2018-10-12")),
        ("PI18-2018-10-LON", "2018-09-20T10:00:00Z", ("2018-10-01", "2018-10-12")),
        ("PI18-2018-10-CL", "2018-11-01T10:00:00Z", ("2018-10-12", "2018-10-01")),
    ):
        document = export(
            case(f"PI18-{inspection.rsplit('-', 1)[1]}-0001", start_date="2018-01-15"),
            exported_at=exported_at,
        )
        document["inspection"].update(
            id=inspection, fieldwork_start=fieldwork[0], fieldwork_end=fieldwork[1]
        )
        write(landing, f"PI18_{inspection}.json", document)
    for verb in ("load", "build"):
        assert cli.main([verb, "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    after = "quarantined", "start date after the inspection's fieldwork"
    too_early = "quarantined", "start date more than 92 years before the inspection"
    assert {ref: (outcome, reason) for ref, outcome, reason in outcomes(db)} == {
        "PI18-DTV-0001": ("sample", None),
        "PI18-DTV-0002": after,
        "PI18-DTV-0003": after,
        "PI18-DTV-0004": too_early,
        "PI18-DTV-0005": too_early,
        "PI18-DTV-0006": ("sample", None),
        "PI18-DTV-0007": ("quarantined", "unreadable date: start_date"),
        "PI18-DTV-0008": ("quarantined", "unreadable date: date_of_birth"),
        "PI18-DTV-0009": ("quarantined", "unknown code: rosh_classification_reasonable"),
        "PI18-ESX-0001": ("quarantined", "fieldwork outside the programme's fieldwork (2018-2019)"),
        "PI18-MER-0001": ("quarantined", "exported_at in the future"),
        "PI18-LON-0001": ("quarantined", "exported_at before the fieldwork"),
        "PI18-CL-0001": ("quarantined", "fieldwork ends before it starts"),
    }


@pytest.mark.dbt
def test_earlier_exports_are_superseded_not_compared_and_each_unreadable_ref_is_its_own(
    landing, db, secret_key
):
    """Three exports of one inspection: the two earlier ones are superseded, their
    rows neither duplicates nor conflicts of each other. Unreadable refs of one case
    are each quarantined, not counted as copies of one NULL ref."""
    from public_protection import cli

    same, changed = case("PI18-DTV-0001"), case("PI18-DTV-0002")
    write(landing, f"PI18_{INSPECTION}.json", export(same, changed))
    write(
        landing,
        f"PI18_{INSPECTION}_2.json",
        export(same, case("PI18-DTV-0002", offence="Theft"), exported_at="2019-07-09T10:00:00Z"),
    )
    unreadable = case("PI18-DTV-0003")
    unreadable["ratings"] = [
        {"ref": ref, "rating": "Yes", "rationale": "..."} for ref in ("Q2.1.3a", "2,1,3", None)
    ]
    write(
        landing,
        f"PI18_{INSPECTION}_3.json",
        export(same, changed, unreadable, exported_at="2019-07-16T10:00:00Z"),
    )
    for verb in ("load", "build"):
        assert cli.main([verb, "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    superseded = "excluded", "superseded export (a later export of the inspection counts)"
    cases = outcomes(db)
    assert [row[1:] for row in cases[:4]] == [superseded] * 4
    assert [row[1:] for row in cases[4:]] == [("sample", None)] * 3
    ratings = outcomes(db, "pi18_ratings", "ref")
    assert [row[1:] for row in ratings[:8]] == [superseded] * 8
    assert ratings[-3:] == [
        ("Q2.1.3a", "quarantined", "unknown question ref"),
        ("2,1,3", "quarantined", "unknown question ref"),
        (None, "quarantined", "missing question ref"),
    ]
    flow = dict(
        query(
            db,
            "select step, row_count from reporting.rpt_sample_flow "
            "where flow = 'PI18 judgements' and step_kind <> 'received'",
        )
    )
    assert flow["quarantined: unknown question ref"] == 2
    assert flow["quarantined: missing question ref"] == 1
    assert not [step for step in flow if "duplicate" in step]


def test_unknown_fields_are_kept_at_every_level_with_a_warning_naming_their_path(landing, db):
    kept = case("PI18-DTV-0001", team="North")
    kept["mappa"]["band"] = "B"
    kept["flags"]["mental_health"] = True
    kept["ratings"][0]["score"] = 3
    document = export(kept, source_system="CAT 2.1")
    document["inspection"]["region"] = "North East"
    write(landing, f"PI18_{INSPECTION}.json", document)
    report = load_landing(db, landing)
    assert query(
        db,
        'select source_system, "inspection.region", team, "mappa.band", '
        '"flags.mental_health" from raw.pi18_cases',
    ) == [("CAT 2.1", "North East", "North", "B", "true")]
    assert query(db, "select ref, score from raw.pi18_ratings order by _source_row") == [
        ("2.1.3", "3"),
        ("2.1.3a", None),
    ]
    (outcome,) = [o for o in report.outcomes if o.file.startswith("pi18/")]
    name = f"pi18/PI18_{INSPECTION}.json"
    assert (
        f"{name} [pi18_cases]: kept unknown column(s) inspection.region, source_system, "
        "team, mappa.band, flags.mental_health in raw.pi18_cases"  # a record's, then its objects'
    ) in outcome.warnings
    assert f"{name} [pi18_ratings]: kept unknown column(s) score in raw.pi18_ratings" in (
        outcome.warnings
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"ROSH": "High"}, "cases item 2 has both 'rosh' and 'ROSH': names that differ only"),
        ({"Team": "N", "team": "S"}, "cases item 2 has both 'Team' and 'team'"),
    ],
)
def test_keys_differing_only_in_letter_case_are_refused_naming_the_case(
    landing, db, fields, reason
):
    document = export(case("PI18-DTV-0001"), case("PI18-DTV-0002", **fields))
    message = reject(landing, db, f"PI18_{INSPECTION}.json", document)
    assert reason in message and "row 2" in message


def test_a_contract_field_spelt_in_another_letter_case_is_refused_naming_both(landing, db):
    spelt = case("PI18-DTV-0002")
    spelt["Sex"] = spelt.pop("sex")
    message = reject(landing, db, f"PI18_{INSPECTION}.json", export(case("PI18-DTV-1"), spelt))
    assert "cases item 2 has 'Sex' where the layout names 'sex'" in message


@pytest.mark.parametrize(("holder", "leaf"), [("mappa", "eligible"), ("flags", "domestic_abuse")])
def test_a_null_object_is_refused_as_a_missing_field_naming_the_case(landing, db, holder, leaf):
    document = export(case("PI18-DTV-0001"), case("PI18-DTV-0002", **{holder: None}))
    message = reject(landing, db, f"PI18_{INSPECTION}.json", document)
    assert f"cases item 2 has no field '{holder}.{leaf}' ('{holder}' is null" in message
    assert "row 2" in message and f"column '{holder}.{leaf}'" in message


def test_a_rating_may_repeat_its_own_case_id_but_not_another(landing, db):
    repeating = case("PI18-DTV-0002")
    repeating["ratings"][1]["case_id"] = "PI18-DTV-0002"
    write(landing, f"PI18_{INSPECTION}.json", export(case("PI18-DTV-0001"), repeating))
    load_landing(db, landing)
    assert query(db, "select case_id, ref from raw.pi18_ratings where _source_row = 4") == [
        ("PI18-DTV-0002", "2.1.3a")
    ]
    assert (
        "case_id"
        not in [c for (c,) in query(db, "select column_name from (describe raw.pi18_ratings)")][1:]
    )
    repeating["ratings"][1]["case_id"] = "PI18-DTV-0001"
    message = reject(
        landing, db, f"PI18_{INSPECTION}.json", export(case("PI18-DTV-0001"), repeating)
    )
    assert (
        "cases item 2 (case_id 'PI18-DTV-0002'), ratings item 2 gives case_id 'PI18-DTV-0001'"
    ) in message
    assert "row 4" in message


def test_a_key_given_twice_in_one_object_is_refused_naming_the_place(landing, db):
    text = json.dumps(export(case("PI18-DTV-0001"), case("PI18-DTV-0002")))
    twice = text.replace('"rating": "No"', '"rating": "No", "rating": "Yes"', 1)
    message = reject(landing, db, f"PI18_{INSPECTION}.json", twice)
    assert "cases item 1, ratings item 1 gives the key 'rating' twice in one object" in message
    twice = text.replace('"sex": "Male"', '"sex": "Male", "sex": "Female"', 1)
    message = reject(landing, db, f"PI18_{INSPECTION}.json", twice)
    assert "cases item 1 gives the key 'sex' twice in one object" in message


def test_a_provenance_name_in_a_record_is_refused_naming_the_place(landing, db):
    document = export(case("PI18-DTV-0001"), case("PI18-DTV-0002", _source_row="7"))
    message = reject(landing, db, f"PI18_{INSPECTION}.json", document)
    assert "cases item 2: its field '_source_row' is a reserved name" in message


def test_an_export_whose_cases_are_not_its_last_field_loads_the_same(landing, db):
    document = export(case("PI18-DTV-0001"), case("PI18-DTV-0002"))
    write(landing, f"PI18_{INSPECTION}.json", document)
    load_landing(db, landing)
    rows = "select * exclude (_loaded_at, _source_sha256) from raw.{} order by all"
    before = [query(db, rows.format(t)) for t in ("pi18_cases", "pi18_ratings")]
    reordered = {"cases": document.pop("cases"), **document}
    write(landing, f"PI18_{INSPECTION}.json", reordered)
    load_landing(db, landing)
    assert [query(db, rows.format(t)) for t in ("pi18_cases", "pi18_ratings")] == before
    assert [len(rows) for rows in before] == [2, 4]


@pytest.mark.parametrize(
    ("literal", "reason"),
    [
        ("NaN", "NaN is not a JSON value"),
        ("-Infinity", "-Infinity is not a JSON value"),
        ("nan", "Expecting value"),
        ("inf", "Expecting value"),
    ],
)
def test_a_value_json_has_no_place_for_in_a_record_is_refused_with_its_place(
    landing, db, literal, reason
):
    text = json.dumps(export(case("PI18-DTV-0001"), case("PI18-DTV-0002")), indent=1)
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if '"notes"' in line][1]
    lines[at] = lines[at].replace('"..."', literal)
    message = reject(landing, db, f"PI18_{INSPECTION}.json", "\n".join(lines))
    column = lines[at].index(literal) + 1
    assert f"invalid JSON at line {at + 1}, column {column}: {reason}" in message
