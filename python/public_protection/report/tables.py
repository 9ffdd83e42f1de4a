"""The bulletin's tables laid out for display, with disclosure control applied.

One layout feeds the HTML report, the Excel workbook and the CSVs, so the three
always show the same figures and hide the same cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from public_protection.report.data import ReportData
from public_protection.report.disclosure import Relation, Suppression, suppress

PROGRAMMES = ("All", "OMI2", "Q&I")
AGENCIES = ("CRC", "NPS")

VARIABLE_LABELS = {
    "all": "All cases",
    "programme": "Inspection programme",
    "gender": "Gender",
    "age_group": "Age group",
    "ethnic_group": "Ethnic group",
    "supervision_type": "Supervision type",
    "rosh_level": "RoSH level",
    "mappa_eligible": "MAPPA eligible",
    "area": "Area",
    "offence_category": "Offence category",
    "domestic_abuse_perpetrator": "Domestic abuse perpetrator",
    "iom_case": "IOM case",
    "child_protection_case": "Child protection case",
}

# The bulletin's table titles (Tables 2-8 are questions 1-7).
TABLE_TITLES = {
    1: "OMI2 and Q&I cases by area",
    2: "Inspector judgements regarding the correct identification of RoSH level",
    3: "Inspector judgements regarding the assessment of risk of harm to the public",
    4: "Inspector judgements regarding the assessment of risk of harm to known adults",
    5: "Inspector judgements regarding the assessment of risk of harm to children and young people",
    6: "Inspector judgements regarding the reviewing of progress",
    7: "Inspector judgements regarding responses to changes in risk of harm",
    8: "Inspector judgements regarding the taking of all reasonable action",
}
FIGURE_TITLE = "Change in quality of public protection work from OMI2 to Q&I; CRC vs NPS"
TREND_TITLE = "The trend across inspection programmes, by question and agency"


@dataclass(frozen=True)
class Cell:
    """One n / % yes cell; every figure is None when the cell is suppressed."""

    n: int | None
    n_yes: int | None = None
    pct_yes: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: str | None = None  # "primary" / "secondary"


@dataclass(frozen=True)
class SubgroupRow:
    variable: str
    variable_label: str
    category: str
    cells: dict[str, Cell]  # programme -> cell


@dataclass(frozen=True)
class SubgroupTable:
    table_no: int
    question_id: int
    title: str
    wording: str
    rows: list[SubgroupRow]


@dataclass(frozen=True)
class AreaRow:
    area: str
    cells: dict[str, Cell]  # "OMI2" / "Q&I" / "Total"


@dataclass(frozen=True)
class AgencyChange:
    question_id: int
    short_name: str
    agency: str
    omi2: Cell
    qi: Cell
    change_pp: float | None
    p_value: float | None
    is_significant: bool | None

    @property
    def suppressed(self) -> bool:
        return self.change_pp is None


@dataclass(frozen=True)
class ReconciliationRow:
    """One published figure beside the warehouse's, as the report may print it."""

    check_id: str
    published_in: str
    description: str
    published_value: float
    warehouse_value: float | None  # None when missing, or hidden (``suppressed``)
    decimals: int
    is_match: bool
    suppressed: bool = False


@dataclass(frozen=True)
class TrendRow:
    """One row of the trend across programmes (reporting.rpt_programme_trend)."""

    question_id: int
    short_name: str
    programme: str
    agency: str  # All, CRC, NPS
    scope: str  # matched areas, national
    cell: Cell
    comparability: str | None
    baseline: str | None
    change_pp: float | None  # None when there is no baseline figure or a level is hidden
    p_value: float | None
    change_hidden: bool = False  # a level is hidden, so the change is too


@dataclass
class Layout:
    minimum_n: int
    suppression: Suppression
    areas: list[AreaRow]
    subgroup_tables: list[SubgroupTable]
    agency: list[AgencyChange]
    trend: list[TrendRow]
    # Bulletin mode only: every published figure beside the warehouse's.
    reconciliation: list[ReconciliationRow]


def _area_key(area: str, column: str) -> tuple:
    return ("table1", area, column)


def _subgroup_key(question: int, variable: str, category: str, programme: str) -> tuple:
    return ("subgroup", question, variable, category, programme)


def _agency_key(question: int, agency: str, programme: str) -> tuple:
    return ("agency", question, agency, programme)


def _trend_key(question: int, programme: str, agency: str, scope: str) -> tuple:
    return ("trend", question, programme, agency, scope)


def disclosure_cells(data: ReportData) -> tuple[dict[tuple, int], list[Relation]]:
    """Every published count and the sums that link them."""
    cells: dict[tuple, int] = {}
    relations: list[Relation] = []
    areas = list(data.areas["area"])
    for row in data.areas.itertuples():
        for column, n in (("OMI2", row.omi2_n), ("Q&I", row.qi_n), ("Total", row.total_n)):
            cells[_area_key(row.area, column)] = int(n)
        relations.append(
            Relation(
                _area_key(row.area, "Total"),
                (_area_key(row.area, "OMI2"), _area_key(row.area, "Q&I")),
            )
        )
    for column, source in (("OMI2", "omi2_n"), ("Q&I", "qi_n"), ("Total", "total_n")):
        cells[_area_key("Total", column)] = int(data.areas[source].sum())
        relations.append(
            Relation(_area_key("Total", column), tuple(_area_key(a, column) for a in areas))
        )
    relations.append(
        Relation(
            _area_key("Total", "Total"), (_area_key("Total", "OMI2"), _area_key("Total", "Q&I"))
        )
    )

    sub = data.subgroups
    for row in sub.itertuples():
        cells[_subgroup_key(row.question_id, row.variable, row.category, row.programme)] = int(
            row.n
        )
    # OMI2 + Q&I = All, for every row of every table.
    for (question, variable, category), _ in sub.groupby(
        ["question_id", "variable", "category"], sort=False
    ):
        relations.append(
            Relation(
                _subgroup_key(question, variable, category, "All"),
                tuple(_subgroup_key(question, variable, category, p) for p in ("OMI2", "Q&I")),
            )
        )
    # The categories of a variable add up to (at most) the All cases row.
    for (question, variable, programme), group in sub[sub["variable"] != "all"].groupby(
        ["question_id", "variable", "programme"], sort=False
    ):
        relations.append(
            Relation(
                _subgroup_key(question, "all", "All cases", programme),
                tuple(_subgroup_key(question, variable, c, programme) for c in group["category"]),
            )
        )
    # CRC + NPS = the programme's All cases n (Figure 1 against Tables 2-8).
    for row in data.agency.itertuples():
        cells[_agency_key(row.question_id, row.responsible_agency, "OMI2")] = int(row.omi2_n)
        cells[_agency_key(row.question_id, row.responsible_agency, "Q&I")] = int(row.qi_n)
    for question in sorted(set(data.agency["question_id"])):
        for programme in ("OMI2", "Q&I"):
            relations.append(
                Relation(
                    _subgroup_key(question, "all", "All cases", programme),
                    tuple(_agency_key(question, a, programme) for a in AGENCIES),
                )
            )
    # The trend: CRC + NPS = All per question, programme and scope; where a trend
    # cell is a figure the bulletin's tables also publish, the two are one cell.
    for row in data.trend.itertuples():
        key = _trend_key(row.question_id, row.programme, row.responsible_agency, row.scope)
        cells[key] = int(row.n)
        if row.scope != "matched areas":
            continue
        if row.responsible_agency == "All":
            same = _subgroup_key(row.question_id, "all", "All cases", row.programme)
        else:
            same = _agency_key(row.question_id, row.responsible_agency, row.programme)
        if same in cells:
            relations.append(Relation(same, (key,)))
    for (question, programme, scope), _ in data.trend.groupby(
        ["question_id", "programme", "scope"], sort=False
    ):
        relations.append(
            Relation(
                _trend_key(question, programme, "All", scope),
                tuple(_trend_key(question, programme, a, scope) for a in AGENCIES),
            )
        )
    return cells, relations


TABLE1_COLUMNS = {"omi2_n": "OMI2", "qi_n": "Q&I", "total_n": "Total"}
TEXT_AGENCY_FACT = re.compile(r"q(?P<question>\d)_(?P<agency>crc|nps)_(?P<programme>omi2|qi)_pct")


def reconciliation_cell(check_id: str) -> tuple | None:
    """The layout cell a reconciliation figure is taken from, when there is one."""
    parts = check_id.split(":")
    if parts[0] == "table1" and len(parts) == 3 and parts[2] in TABLE1_COLUMNS:
        return _area_key(parts[1], TABLE1_COLUMNS[parts[2]])
    if parts[0].startswith("table") and len(parts) == 5:
        question = int(parts[0].removeprefix("table")) - 1
        return _subgroup_key(question, parts[1], parts[2], parts[3])
    if parts[0] == "text" and (match := TEXT_AGENCY_FACT.match(parts[1])):
        programme = "OMI2" if match["programme"] == "omi2" else "Q&I"
        return _agency_key(int(match["question"]), match["agency"].upper(), programme)
    return None


def reconciliation_rows(
    frame: pd.DataFrame, hidden: Suppression, minimum_n: int
) -> list[ReconciliationRow]:
    """The reconciliation under the tables' disclosure rule.

    A warehouse figure equal to the published one reveals nothing the bulletin
    did not print, so it is shown. One that differs is shown only when the cell
    it comes from is shown in the tables; a differing count not in the tables
    (the text's facts) only when it is at least the minimum n; anything else
    is hidden.
    """
    rows = []
    for r in frame.itertuples():
        value = None if pd.isna(r.warehouse_value) else float(r.warehouse_value)
        cell = reconciliation_cell(r.check_id)
        if r.is_match or value is None:
            hide = False
        elif cell is not None:
            hide = cell in hidden
        else:
            is_count = (
                int(r.decimals) == 0
                and "%" not in r.description
                and "points" not in (r.description)
            )
            hide = not is_count or 0 < value < minimum_n
        rows.append(
            ReconciliationRow(
                check_id=r.check_id,
                published_in=r.published_in,
                description=r.description,
                published_value=float(r.published_value),
                warehouse_value=None if hide else value,
                decimals=int(r.decimals),
                is_match=bool(r.is_match),
                suppressed=hide,
            )
        )
    return sorted(rows, key=lambda row: (natural_key(row.published_in), natural_key(row.check_id)))


def natural_key(text: str) -> tuple:
    """Sort key reading the numbers in a text as numbers: "Table 2" before "Table 10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _none_if_na(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def build_layout(data: ReportData, minimum_n: int) -> Layout:
    """Lay out Table 1, Tables 2-8 and Figure 1's data, suppressing small cells."""
    cells, relations = disclosure_cells(data)
    hidden = suppress(cells, relations, minimum_n)

    def shown(key: tuple, cell: Cell) -> Cell:
        """``cell``, or an empty one saying why when disclosure control hides it."""
        if key in hidden:
            return Cell(None, suppressed=hidden.reasons[key])
        return cell

    area_rows = [
        AreaRow(
            area,
            {
                c: shown(_area_key(area, c), Cell(cells[_area_key(area, c)]))
                for c in ("OMI2", "Q&I", "Total")
            },
        )
        for area in [*data.areas["area"], "Total"]
    ]

    questions = data.questions.set_index("question_id")
    tables: list[SubgroupTable] = []
    for question, frame in data.subgroups.groupby("question_id", sort=True):
        rows: list[SubgroupRow] = []
        for (variable, category), group in frame.groupby(["variable", "category"], sort=False):
            by_programme: dict[str, Cell] = {}
            for row in group.itertuples():
                by_programme[row.programme] = shown(
                    _subgroup_key(question, variable, category, row.programme),
                    Cell(
                        int(row.n),
                        int(row.n_yes),
                        _none_if_na(row.pct_yes),
                        _none_if_na(row.ci_low),
                        _none_if_na(row.ci_high),
                    ),
                )
            rows.append(SubgroupRow(variable, VARIABLE_LABELS[variable], category, by_programme))
        tables.append(
            SubgroupTable(
                table_no=int(question) + 1,
                question_id=int(question),
                title=TABLE_TITLES[int(question) + 1],
                wording=str(questions.loc[question, "wording"]),
                rows=rows,
            )
        )

    agency: list[AgencyChange] = []
    for row in data.agency.itertuples():
        omi2 = shown(
            _agency_key(row.question_id, row.responsible_agency, "OMI2"),
            Cell(int(row.omi2_n), int(row.omi2_n_yes), float(row.omi2_pct_yes)),
        )
        qi = shown(
            _agency_key(row.question_id, row.responsible_agency, "Q&I"),
            Cell(int(row.qi_n), int(row.qi_n_yes), float(row.qi_pct_yes)),
        )
        # The change is shown only when both of its levels are.
        both = not (omi2.suppressed or qi.suppressed)
        agency.append(
            AgencyChange(
                question_id=int(row.question_id),
                short_name=str(questions.loc[row.question_id, "short_name"]),
                agency=row.responsible_agency,
                omi2=omi2,
                qi=qi,
                change_pp=float(row.change_pp) if both else None,
                p_value=float(row.p_value) if both else None,
                is_significant=bool(row.is_significant_at_05) if both else None,
            )
        )
    reconciliation = (
        reconciliation_rows(data.reconciliation, hidden, minimum_n)
        if data.build.is_bulletin_mode
        else []
    )
    return Layout(
        minimum_n, hidden, area_rows, tables, agency, trend_rows(data, cells, shown), reconciliation
    )


def trend_rows(data: ReportData, cells: dict[tuple, int], shown) -> list[TrendRow]:
    """The trend's rows; a change is shown only when both of its levels are."""
    questions = data.questions.set_index("question_id")
    rows = []
    for row in data.trend.itertuples():
        key = _trend_key(row.question_id, row.programme, row.responsible_agency, row.scope)
        cell = shown(
            key,
            Cell(
                int(row.n),
                int(row.n_yes),
                _none_if_na(row.pct_yes),
                _none_if_na(row.ci_low),
                _none_if_na(row.ci_high),
            ),
        )
        baseline = None if pd.isna(row.baseline_programme) else str(row.baseline_programme)
        baseline_key = (
            _trend_key(row.question_id, baseline, row.responsible_agency, row.scope)
            if baseline
            else None
        )
        has_change = baseline_key in cells and not pd.isna(row.change_pp)
        both = (
            has_change
            and not cell.suppressed
            and not shown(baseline_key, Cell(cells[baseline_key])).suppressed
        )
        rows.append(
            TrendRow(
                question_id=int(row.question_id),
                short_name=str(questions.loc[row.question_id, "short_name"]),
                programme=str(row.programme),
                agency=str(row.responsible_agency),
                scope=str(row.scope),
                cell=cell,
                comparability=None if pd.isna(row.comparability) else str(row.comparability),
                baseline=baseline,
                change_pp=_none_if_na(row.change_pp) if both else None,
                p_value=_none_if_na(row.p_value) if both else None,
                change_hidden=has_change and not both,
            )
        )
    return rows
