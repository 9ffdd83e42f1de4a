"""The bulletin's tables laid out for display, with disclosure control applied.

One layout feeds the HTML report, the Excel workbook and the CSVs, so the three
always show the same figures and hide the same cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from public_protection.categories import AGENCIES
from public_protection.report.data import ReportData
from public_protection.report.disclosure import Relation, Suppression, suppress

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

# The bulletin's table titles (Tables 2-8 are questions 1-7; Table 1's names the
# programmes: Bulletin.table_1_title).
TABLE_TITLES = {
    2: "Inspector judgements regarding the correct identification of RoSH level",
    3: "Inspector judgements regarding the assessment of risk of harm to the public",
    4: "Inspector judgements regarding the assessment of risk of harm to known adults",
    5: "Inspector judgements regarding the assessment of risk of harm to children and young people",
    6: "Inspector judgements regarding the reviewing of progress",
    7: "Inspector judgements regarding responses to changes in risk of harm",
    8: "Inspector judgements regarding the taking of all reasonable action",
}
TREND_TITLE = "The trend across inspection programmes, by question and agency"


@dataclass(frozen=True)
class Bulletin:
    """The bulletin's programmes (dim_programme, in_bulletin), in order: its tables' columns."""

    programmes: tuple[str, ...]
    prefixes: dict[str, str]  # programme -> its column prefix (omi2_n)
    baseline: str  # Figure 1's "from"
    later: str  # Figure 1's "to"
    questions: dict[int, int]  # bulletin table number -> its question (Table 2: question 1)

    @classmethod
    def read(cls, frame: pd.DataFrame, questions: pd.DataFrame) -> Bulletin:
        programmes = tuple(frame["programme"])
        later = next(
            (r.programme for r in frame.itertuples() if r.baseline_programme in programmes),
            programmes[-1],
        )
        baseline = next(
            (str(r.baseline_programme) for r in frame.itertuples() if r.programme == later),
            programmes[0],
        )
        tables = {
            int(row.bulletin_table_no): int(row.question_id)
            for row in questions.itertuples()
            if not pd.isna(row.bulletin_table_no)
        }
        prefixes = dict(zip(frame["programme"], frame["column_prefix"], strict=True))
        return cls(programmes, prefixes, baseline, later, tables)

    @property
    def columns(self) -> tuple[str, ...]:
        """The subgroup tables' columns: all cases, then each programme."""
        return ("All", *self.programmes)

    @property
    def title(self) -> str:
        """The bulletin's title: "The quality of public protection work: OMI2 and Q&I compared"."""
        return f"The quality of public protection work: {' and '.join(self.programmes)} compared"

    @property
    def table_1_title(self) -> str:
        return f"{' and '.join(self.programmes)} cases by area"

    @property
    def figure_title(self) -> str:
        return (
            f"Change in quality of public protection work from {self.baseline} to "
            f"{self.later}; CRC vs NPS"
        )


@dataclass(frozen=True)
class Programme:
    """A programme loaded into the warehouse (cases in the sample), in the programmes' order."""

    code: str
    label: str
    start_year: int
    end_year: int
    cases: int
    national_sample: bool  # its sample covers every area (the trend's national scope)

    @property
    def years(self) -> str:
        return f"{self.start_year}–{self.end_year}"


def loaded_programmes(frame: pd.DataFrame) -> list[Programme]:
    return [
        Programme(
            str(r.programme),
            str(r.label),
            int(r.fieldwork_start_year),
            int(r.fieldwork_end_year),
            int(r.cases),
            bool(r.national_sample),
        )
        for r in frame.itertuples()
        if r.cases > 0
    ]


@dataclass(frozen=True)
class Cell:
    """One n / % yes cell; every figure is None when the cell is suppressed."""

    n: int | None
    n_yes: int | None = None
    pct_yes: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: str | None = None  # "primary" / "secondary"

    @classmethod
    def of(cls, row) -> Cell:
        """The cell of a reporting row with n, n_yes, pct_yes, ci_low and ci_high."""
        return cls(
            int(row.n),
            int(row.n_yes),
            _none_if_na(row.pct_yes),
            _none_if_na(row.ci_low),
            _none_if_na(row.ci_high),
        )


@dataclass(frozen=True)
class SubgroupRow:
    variable: str
    variable_label: str
    category: str
    cells: dict[str, Cell]  # programme -> cell


@dataclass(frozen=True)
class SubgroupTable:
    table_no: int | None  # the bulletin's table number; None for a question outside it
    question_id: int
    title: str
    wording: str
    rows: list[SubgroupRow]


@dataclass(frozen=True)
class AreaRow:
    area: str
    cells: dict[str, Cell]  # each bulletin programme, and "Total"


@dataclass(frozen=True)
class AgencyChange:
    question_id: int
    short_name: str
    agency: str
    baseline: Cell  # the bulletin's baseline programme (OMI2)
    later: Cell  # the programme compared with it (Q&I)
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


@dataclass(frozen=True)
class Parts:
    """Which parts the report has, from the programmes loaded.

    The bulletin's (Table 1, Tables 2-8, Figure 1) when both of its programmes are
    loaded, or in bulletin mode; the trend when two or more programmes are; a
    programme's own tables and models when it is the only one.
    """

    programmes: tuple[Programme, ...]
    has_bulletin: bool
    has_trend: bool

    @property
    def single(self) -> Programme | None:
        return self.programmes[0] if len(self.programmes) == 1 else None

    @classmethod
    def of(cls, data: ReportData, bulletin: Bulletin) -> Parts:
        programmes = tuple(loaded_programmes(data.programmes))
        codes = {p.code for p in programmes}
        has_bulletin = data.build.is_bulletin_mode or (
            bool(bulletin.programmes) and all(p in codes for p in bulletin.programmes)
        )
        return cls(programmes, has_bulletin, len(programmes) >= 2)


@dataclass
class Layout:
    bulletin: Bulletin
    minimum_n: int
    suppression: Suppression
    areas: list[AreaRow]
    subgroup_tables: list[SubgroupTable]
    agency: list[AgencyChange]
    trend: list[TrendRow]
    # Bulletin mode only: every published figure beside the warehouse's.
    reconciliation: list[ReconciliationRow]
    parts: Parts
    # a programme loaded alone: its own tables by subgroup, one per question it collects
    programme_tables: list[SubgroupTable] = field(default_factory=list)


def _area_key(area: str, column: str) -> tuple:
    return ("table1", area, column)


def _subgroup_key(question: int, variable: str, category: str, programme: str) -> tuple:
    return ("subgroup", question, variable, category, programme)


def _agency_key(question: int, agency: str, programme: str) -> tuple:
    return ("agency", question, agency, programme)


def _trend_key(question: int, programme: str, agency: str, scope: str) -> tuple:
    return ("trend", question, programme, agency, scope)


def shown_subgroups(
    data: ReportData, bulletin: Bulletin, parts: Parts
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of rpt_judgement_by_subgroup the report shows, as (the bulletin's
    tables, a single programme's own tables): the bulletin's view (its questions; its
    programmes and All) when it has that part, a programme's own rows (every question
    it collects) when it is loaded alone; each empty otherwise."""
    sub = data.subgroups
    view = sub["question_id"].isin(list(bulletin.questions.values())) & sub["programme"].isin(
        bulletin.columns
    )
    own = sub["programme"] == (parts.single.code if parts.single else None)
    return sub[view & parts.has_bulletin], sub[own]


def disclosure_cells(
    data: ReportData, bulletin: Bulletin, parts: Parts
) -> tuple[dict[tuple, int], list[Relation]]:
    """Every published count and the sums that link them (of the parts the report has)."""
    cells: dict[tuple, int] = {}
    relations: list[Relation] = []
    if parts.has_bulletin:
        _table_1_cells(data, bulletin, cells, relations)
    _subgroup_cells(pd.concat(shown_subgroups(data, bulletin, parts)), bulletin, cells, relations)
    if parts.has_bulletin:
        _agency_cells(data, bulletin, cells, relations)
    if parts.has_trend:
        _trend_cells(data, cells, relations)
    return cells, relations


def _table_1_cells(
    data: ReportData, bulletin: Bulletin, cells: dict[tuple, int], relations: list[Relation]
) -> None:
    areas = list(data.areas["area"])
    table_1 = {p: f"{bulletin.prefixes[p]}_n" for p in bulletin.programmes} | {"Total": "total_n"}
    for row in data.areas.to_dict("records"):
        for column, source in table_1.items():
            cells[_area_key(row["area"], column)] = int(row[source])
        relations.append(
            Relation(
                _area_key(row["area"], "Total"),
                tuple(_area_key(row["area"], p) for p in bulletin.programmes),
            )
        )
    for column, source in table_1.items():
        cells[_area_key("Total", column)] = int(data.areas[source].sum())
        relations.append(
            Relation(_area_key("Total", column), tuple(_area_key(a, column) for a in areas))
        )
    relations.append(
        Relation(
            _area_key("Total", "Total"),
            tuple(_area_key("Total", p) for p in bulletin.programmes),
        )
    )


def _subgroup_cells(
    sub: pd.DataFrame, bulletin: Bulletin, cells: dict[tuple, int], relations: list[Relation]
) -> None:
    for row in sub.itertuples():
        cells[_subgroup_key(row.question_id, row.variable, row.category, row.programme)] = int(
            row.n
        )
    # The programmes add up to All (OMI2 + Q&I), for every row of the bulletin's tables.
    for (question, variable, category), _ in sub[sub["programme"] == "All"].groupby(
        ["question_id", "variable", "category"], sort=False
    ):
        relations.append(
            Relation(
                _subgroup_key(question, variable, category, "All"),
                tuple(_subgroup_key(question, variable, category, p) for p in bulletin.programmes),
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


def _agency_cells(
    data: ReportData, bulletin: Bulletin, cells: dict[tuple, int], relations: list[Relation]
) -> None:
    # CRC + NPS = the programme's All cases n (Figure 1 against Tables 2-8).
    pair = (bulletin.baseline, bulletin.later)
    for row in data.agency.to_dict("records"):
        for programme in pair:
            cells[_agency_key(row["question_id"], row["responsible_agency"], programme)] = int(
                row[f"{bulletin.prefixes[programme]}_n"]
            )
    for question in sorted(set(data.agency["question_id"])):
        for programme in pair:
            relations.append(
                Relation(
                    _subgroup_key(question, "all", "All cases", programme),
                    tuple(_agency_key(question, a, programme) for a in AGENCIES),
                )
            )


def _trend_cells(data: ReportData, cells: dict[tuple, int], relations: list[Relation]) -> None:
    # The trend: CRC + NPS = All per question, programme and scope; where a trend
    # cell is a figure the bulletin's tables (or a programme's own) also publish, the
    # two are one cell.
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


def reconciliation_cell(check_id: str, bulletin: Bulletin) -> tuple | None:
    """The layout cell a reconciliation figure is taken from, when there is one."""
    by_prefix = {prefix: programme for programme, prefix in bulletin.prefixes.items()}
    table_1 = {f"{prefix}_n": programme for prefix, programme in by_prefix.items()}
    table_1["total_n"] = "Total"
    parts = check_id.split(":")
    if parts[0] == "table1" and len(parts) == 3 and parts[2] in table_1:
        return _area_key(parts[1], table_1[parts[2]])
    if parts[0].startswith("table") and len(parts) == 5:
        table_no = int(parts[0].removeprefix("table"))
        return _subgroup_key(bulletin.questions.get(table_no), parts[1], parts[2], parts[3])
    prefixes = "|".join(re.escape(p) for p in by_prefix)
    fact = re.compile(rf"q(?P<question>\d+)_(?P<agency>crc|nps)_(?P<prefix>{prefixes})_pct")
    if parts[0] == "text" and (match := fact.match(parts[1])):
        return _agency_key(
            int(match["question"]), match["agency"].upper(), by_prefix[match["prefix"]]
        )
    return None


def reconciliation_rows(
    frame: pd.DataFrame, hidden: Suppression, minimum_n: int, bulletin: Bulletin
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
        cell = reconciliation_cell(r.check_id, bulletin)
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
    """Lay out the parts the programmes loaded call for, suppressing small cells."""
    bulletin = Bulletin.read(data.programmes[data.programmes["in_bulletin"]], data.questions)
    parts = Parts.of(data, bulletin)
    cells, relations = disclosure_cells(data, bulletin, parts)
    hidden = suppress(cells, relations, minimum_n)

    def shown(key: tuple, cell: Cell) -> Cell:
        """``cell``, or an empty one saying why when disclosure control hides it."""
        if key in hidden:
            return Cell(None, suppressed=hidden.reasons[key])
        return cell

    area_rows = (
        [
            AreaRow(
                area,
                {
                    c: shown(_area_key(area, c), Cell(cells[_area_key(area, c)]))
                    for c in (*bulletin.programmes, "Total")
                },
            )
            for area in [*data.areas["area"], "Total"]
        ]
        if parts.has_bulletin
        else []
    )

    questions = data.questions.set_index("question_id")
    bulletin_rows, own_rows = shown_subgroups(data, bulletin, parts)
    tables = subgroup_tables(bulletin_rows, questions, shown)
    programme_tables = subgroup_tables(own_rows, questions, shown)

    agency: list[AgencyChange] = []
    for row in data.agency.to_dict("records") if parts.has_bulletin else []:
        baseline, later = (
            shown(
                _agency_key(row["question_id"], row["responsible_agency"], programme),
                Cell(
                    int(row[f"{bulletin.prefixes[programme]}_n"]),
                    int(row[f"{bulletin.prefixes[programme]}_n_yes"]),
                    float(row[f"{bulletin.prefixes[programme]}_pct_yes"]),
                ),
            )
            for programme in (bulletin.baseline, bulletin.later)
        )
        # The change is shown only when both of its levels are.
        both = not (baseline.suppressed or later.suppressed)
        agency.append(
            AgencyChange(
                question_id=int(row["question_id"]),
                short_name=str(questions.loc[row["question_id"], "short_name"]),
                agency=row["responsible_agency"],
                baseline=baseline,
                later=later,
                change_pp=float(row["change_pp"]) if both else None,
                p_value=float(row["p_value"]) if both else None,
                is_significant=bool(row["is_significant_at_05"]) if both else None,
            )
        )
    reconciliation = (
        reconciliation_rows(data.reconciliation, hidden, minimum_n, bulletin)
        if data.build.is_bulletin_mode
        else []
    )
    return Layout(
        bulletin,
        minimum_n,
        hidden,
        area_rows,
        tables,
        agency,
        trend_rows(data, cells, hidden, shown) if parts.has_trend else [],
        reconciliation,
        parts,
        programme_tables,
    )


def subgroup_tables(frame: pd.DataFrame, questions: pd.DataFrame, shown) -> list[SubgroupTable]:
    """A table per question of rpt_judgement_by_subgroup's rows, a column per programme.

    A bulletin question keeps its table's number and title; another is numbered by
    its question (``table_no`` is the bulletin's, or None).
    """
    tables: list[SubgroupTable] = []
    for question, rows_of in frame.groupby("question_id", sort=True):
        rows: list[SubgroupRow] = []
        for (variable, category), group in rows_of.groupby(["variable", "category"], sort=False):
            by_programme = {
                row.programme: shown(
                    _subgroup_key(question, variable, category, row.programme), Cell.of(row)
                )
                for row in group.itertuples()
            }
            rows.append(SubgroupRow(variable, VARIABLE_LABELS[variable], category, by_programme))
        number = questions.loc[question, "bulletin_table_no"]
        table_no = None if pd.isna(number) else int(number)
        title = (
            TABLE_TITLES[table_no]
            if table_no in TABLE_TITLES
            else f"Inspector judgements regarding {questions.loc[question, 'short_name'].lower()}"
        )
        tables.append(
            SubgroupTable(
                table_no=table_no,
                question_id=int(question),
                title=title,
                wording=str(questions.loc[question, "wording"]),
                rows=rows,
            )
        )
    return tables


def trend_rows(
    data: ReportData, cells: dict[tuple, int], hidden: Suppression, shown
) -> list[TrendRow]:
    """The trend's rows; a change is shown only when both of its levels are."""
    questions = data.questions.set_index("question_id")
    rows = []
    for row in data.trend.itertuples():
        key = _trend_key(row.question_id, row.programme, row.responsible_agency, row.scope)
        cell = shown(key, Cell.of(row))
        baseline = None if pd.isna(row.baseline_programme) else str(row.baseline_programme)
        baseline_key = (
            _trend_key(row.question_id, baseline, row.responsible_agency, row.scope)
            if baseline
            else None
        )
        has_change = baseline_key in cells and not pd.isna(row.change_pp)
        both = has_change and key not in hidden and baseline_key not in hidden
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


@dataclass(frozen=True)
class GradeNote:
    """Why a programme's question is graded as it is against its baseline's."""

    programme: str
    question_id: int
    short_name: str
    grade: str
    baseline: str
    note: str


def grade_notes(rows: list[TrendRow], sources: pd.DataFrame) -> list[GradeNote]:
    """The reasons for each grade other than ``same`` of a programme in the trend, in
    the programmes' order, then by question."""
    reasons = {
        (s.programme, s.question_id): "" if pd.isna(s.comparability_note) else s.comparability_note
        for s in sources.itertuples()
    }
    graded = {
        (row.programme, row.question_id): row
        for row in rows
        if row.comparability and row.comparability != "same"
    }
    order = list(dict.fromkeys(row.programme for row in rows))  # the programmes' order
    return [
        GradeNote(
            row.programme,
            row.question_id,
            row.short_name,
            row.comparability,
            str(row.baseline),
            str(reasons.get(key, "")),
        )
        for key, row in sorted(graded.items(), key=lambda i: (order.index(i[0][0]), i[0][1]))
    ]
