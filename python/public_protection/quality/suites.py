"""The Great Expectations suites guarding the warehouse, as code.

Each guarded table is a ``Guard``: the SQL that selects what its suite needs
(only the columns it checks, and aggregates where the check is about a
distribution, so memory stays bounded however big the warehouse is), and the
expectations, each marked ``critical`` (fails the run) or ``warning``.

No expectation looks at a personal column's values: the raw suites check
codes, dates and presence, never names, references or free text, so nothing
personal can reach ``dq`` through an unexpected-values list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from public_protection.layout import RawTable
from public_protection.sql import quote_literal

CRITICAL, WARNING = "critical", "warning"


@dataclass(frozen=True)
class Scope:
    """What the guards range over, read from the warehouse's reference data (seeds, marts)."""

    prefixes: dict[str, str]  # programme -> its column prefix (programmes seed), in order
    bulletin: tuple[str, ...]  # the bulletin's programmes, the baseline first
    questions: dict[str, tuple[int, ...]]  # programme -> the questions it collects
    areas: tuple[str, ...]  # every area a case may be in (areas seed)

    @property
    def bulletin_ratio(self) -> str | None:
        """The metric comparing the bulletin's two programmes' sizes (omi2_per_qi_case)."""
        if len(self.bulletin) != 2:
            return None
        first, second = (self.prefixes[p] for p in self.bulletin)
        return f"{first}_per_{second}_case"


@dataclass(frozen=True)
class Check:
    """One expectation: its GX class name, arguments, and how bad a failure is."""

    expectation: str
    kwargs: dict[str, Any]
    severity: str = CRITICAL
    why: str = ""


@dataclass
class Guard:
    """A suite: the frame it validates and its checks."""

    name: str
    table: str
    sql: str
    checks: list[Check] = field(default_factory=list)


def load_bounds(project_dir: Path) -> dict[str, Any]:
    with (project_dir / "config" / "quality.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _in_set(column: str, values, mostly: float | None = None, severity=CRITICAL, why=""):
    kwargs: dict[str, Any] = {"column": column, "value_set": list(values)}
    if mostly is not None:
        kwargs["mostly"] = mostly
    return Check("ExpectColumnValuesToBeInSet", kwargs, severity, why)


def _between(column: str, low=None, high=None, mostly=None, severity=CRITICAL, why=""):
    kwargs: dict[str, Any] = {"column": column, "min_value": low, "max_value": high}
    if mostly is not None:
        kwargs["mostly"] = mostly
    return Check("ExpectColumnValuesToBeBetween", kwargs, severity, why)


def _not_null(column: str, mostly: float | None = None, why=""):
    kwargs: dict[str, Any] = {"column": column}
    if mostly is not None:
        kwargs["mostly"] = mostly
    return Check("ExpectColumnValuesToNotBeNull", kwargs, CRITICAL, why)


def _norm(column: str) -> str:
    """Trimmed, upper-case, blank as NULL: how the spec says codes compare."""
    return f"nullif(upper(trim({_quoted(column)})), '')"


# --- raw ---------------------------------------------------------------------------


def raw_schema_guard(tables: tuple[RawTable, ...]) -> Guard:
    # every raw table of the landing layout (config/landing/), with its required columns
    checks = [
        Check(
            "ExpectColumnDistinctValuesToContainSet",
            {"column": "qualified_column", "value_set": [f"{t.name}.{c}" for c in t.columns]},
            CRITICAL,
            f"raw.{t.name} has every column of the input contract",
        )
        for t in tables
    ]
    return Guard(
        name="raw_columns",
        table="raw (all tables)",
        sql=(
            "select table_name || '.' || column_name as qualified_column "
            "from information_schema.columns where table_schema = 'raw'"
        ),
        checks=checks,
    )


def raw_codes_guard(table: RawTable, bounds: dict, allowed: Callable[[dict], list[str]]) -> Guard:
    """A raw table's codes, dates and presence, as its landing layout's ``checks`` say.

    ``allowed(check)`` gives the values a ``code_list`` or ``seed`` check admits (from
    the seeds). Values compare trimmed and in upper case, blank as missing.
    """
    tolerance = bounds["raw_code_tolerance"]
    select: dict[str, str] = {}
    checks = []
    for check in table.checks:
        column = check.get("column")
        name = check.get("name") or _frame_name(column)
        why = check.get("why", "")
        if check.get("required"):
            has = f"has_{name}"
            select[has] = f"(nullif(trim({_quoted(column)}), '') is not null)"
            checks.append(_in_set(has, [True], why=why))
            continue
        select[name] = check["value"] if column is None else _norm(column)
        if "present" in check:
            share = check["present"]
            checks.append(_not_null(name, None if share is True else float(share), why=why))
        elif "between" in check:
            low, high = check["between"]
            checks.append(_between(name, low, high, tolerance, why=why))
        else:
            values = sorted({value.strip().upper() for value in allowed(check)})
            checks.append(_in_set(name, values, tolerance, why=why))
    columns = [f"{expression} as {name}" for name, expression in select.items()]
    sql = _select(columns, table.qualified_name)
    return Guard(f"raw_{table.name}", table.qualified_name, sql, checks)


def _frame_name(column: str) -> str:
    """A raw column's name in a suite's frame: lower case, words joined by _."""
    return re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _select(columns: list[str], table: str) -> str:
    return "select\n    " + ",\n    ".join(columns) + f"\nfrom {table}"


# --- marts -------------------------------------------------------------------------


def dim_case_guard(scope: Scope) -> Guard:
    # The proxy rule written again on purpose, apart from macros/proxy_agency.sql: an
    # independent check of the built agency, so the macro is not checked against itself.
    sql = """
        select
            case_key,
            programme,
            area,
            responsible_agency,
            agency_basis,
            proxy_agency = case
                when coalesce(mappa_eligible, false)
                    or coalesce(rosh_level = 'High/Very high', false) then 'NPS'
                else 'CRC'
            end as proxy_rule_holds,
            agency_basis <> 'proxy' or responsible_agency = proxy_agency
                as proxy_basis_takes_the_proxy,
            programme in (select programme from marts.dim_programme) as programme_is_known
        from marts.dim_case
    """
    checks = [
        Check("ExpectColumnValuesToBeUnique", {"column": "case_key"}, CRITICAL),
        _not_null("case_key"),
        _in_set("programme_is_known", [True], why="every programme is in dim_programme"),
        _not_null("area"),
        _in_set("area", list(scope.areas), why="the areas of the areas seed"),
        _in_set("responsible_agency", ["NPS", "CRC"]),
        _in_set("agency_basis", ["proxy", "allocated"]),
        _in_set("proxy_rule_holds", [True], why="proxy = MAPPA or High/Very high RoSH"),
        _in_set(
            "proxy_basis_takes_the_proxy",
            [True],
            why="a programme whose agency basis is the proxy (OMI2) takes it for every case",
        ),
    ]
    return Guard("marts_dim_case", "marts.dim_case", sql, checks)


def fct_case_judgement_guard() -> Guard:
    # One row per case (from dim_case, so a case with no judgements shows its
    # programme's every question missing).
    sql = """
        with per_case as (
            select
                case_key,
                count(*) as questions,
                count(*) filter (
                    where not (
                        (answer = 'Yes' and is_sufficient is true)
                        or (answer = 'No' and is_sufficient is false)
                        or (answer not in ('Yes', 'No') and is_sufficient is null)
                    )
                ) as inconsistent_answers
            from marts.fct_case_judgement
            group by case_key
        ),
        collected as (
            select programme, count(*) as questions
            from marts.dim_question_source
            group by programme
        )
        select
            coalesce(collected.questions, 0) - coalesce(per_case.questions, 0)
                as questions_missing,
            coalesce(per_case.inconsistent_answers, 0) as inconsistent_answers
        from marts.dim_case
        left join per_case on dim_case.case_key = per_case.case_key
        left join collected on dim_case.programme = collected.programme
    """
    checks = [
        _between(
            "questions_missing",
            0,
            0,
            why="one row per case and question its programme collects (dim_question_source)",
        ),
        _between("inconsistent_answers", 0, 0, why="is_sufficient is true for Yes, false for No"),
    ]
    return Guard("marts_fct_case_judgement", "marts.fct_case_judgement", sql, checks)


# --- reporting ---------------------------------------------------------------------


def subgroup_guard() -> Guard:
    sql = """
        select
            subgroup.pct_yes,
            subgroup.ci_low <= subgroup.pct_yes and subgroup.pct_yes <= subgroup.ci_high
                as interval_contains_estimate,
            subgroup.n <= all_cases.n as n_within_all_cases
        from reporting.rpt_judgement_by_subgroup as subgroup
        inner join reporting.rpt_judgement_by_subgroup as all_cases
            on subgroup.question_id = all_cases.question_id
            and subgroup.programme = all_cases.programme
            and all_cases.variable = 'all'
    """
    checks = [
        _between("pct_yes", 0, 100),
        _in_set("interval_contains_estimate", [True]),
        _in_set("n_within_all_cases", [True], why="a subgroup never outnumbers all cases"),
    ]
    return Guard(
        "reporting_judgement_by_subgroup", "reporting.rpt_judgement_by_subgroup", sql, checks
    )


def agency_change_guard(scope: Scope) -> Guard:
    # the bulletin's two programmes' columns (omi2_n, qi_n)
    counts = [f"{scope.prefixes[p]}_n" for p in scope.bulletin]
    sql = f"select p_value, {', '.join(counts)} from reporting.rpt_agency_change"
    checks = [_between("p_value", 0, 1), *(_between(c, 1) for c in counts)]
    return Guard("reporting_agency_change", "reporting.rpt_agency_change", sql, checks)


def programme_trend_guard() -> Guard:
    """The trend across programmes: consistent counts, rates, intervals and grades."""
    sql = """
        with

        trend as (
            select * from reporting.rpt_programme_trend
        ),

        agencies as (
            select
                question_id,
                programme,
                scope,
                max(n) filter (where responsible_agency = 'All') as all_n,
                sum(n) filter (where responsible_agency <> 'All') as agencies_n
            from trend
            group by all
        )

        select
            trend.n_yes between 0 and trend.n as yes_within_n,
            trend.pct_yes,
            trend.ci_low <= trend.pct_yes and trend.pct_yes <= trend.ci_high
                as interval_holds_the_rate,
            trend.comparability,
            (trend.baseline_programme is null) = (trend.comparability is null)
                as graded_against_its_baseline,
            trend.p_value,
            agencies.all_n = agencies.agencies_n as agencies_add_up
        from trend
        inner join agencies using (question_id, programme, scope)
    """
    checks = [
        _in_set("yes_within_n", [True], why="n yes is a part of n"),
        _between("pct_yes", 0, 100),
        _in_set("interval_holds_the_rate", [True], why="the Wilson interval holds the rate"),
        _in_set("comparability", ["same", "close", "partial"]),
        _in_set(
            "graded_against_its_baseline",
            [True],
            why="a comparability grade exactly where there is a baseline programme",
        ),
        _between("p_value", 0, 1),
        _in_set("agencies_add_up", [True], why="CRC + NPS = All, per question and scope"),
    ]
    return Guard("reporting_programme_trend", "reporting.rpt_programme_trend", sql, checks)


# --- distributions ------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """What the distribution guards compare the data with.

    In bulletin mode the bulletin's own figures; in user mode the metrics of the
    last validation of this warehouse that passed (``dq.distribution_baseline``),
    or nothing on the first one. Keys are the distribution frame's column names
    (``omi2_cases``, ``qi_q3_yes_rate``, ``omi2_q6_answered_share``, ...).
    """

    source: str  # "bulletin", or "previous validation <run id> (<date>)"
    metrics: dict[str, float]
    notes: dict[str, str] = field(default_factory=dict)  # metric -> how the bulletin put it

    @property
    def is_bulletin(self) -> bool:
        return self.source == "bulletin"


def distribution_sql(scope: Scope) -> str:
    """One row: per programme, cases, unknown shares, each question's yes-rate and answered share.

    The frame has one column per metric, so a single validation row checks them all.
    """
    columns = []
    for programme, prefix in scope.prefixes.items():
        where = f"programme = {quote_literal(programme)}"
        columns += [
            f"count(*) filter (where {where}) as {prefix}_cases",
            f"avg((age_group is null)::int) filter (where {where}) as {prefix}_unknown_age_share",
            f"avg((ethnic_group is null)::int) filter (where {where}) "
            f"as {prefix}_unknown_ethnicity_share",
        ]
    case_sql = "select " + ", ".join(columns) + " from marts.dim_case"
    rate_columns = []
    for programme, prefix in scope.prefixes.items():
        for q in scope.questions.get(programme, ()):
            where = f"dim_case.programme = {quote_literal(programme)} and question_id = {q}"
            rate_columns += [
                f"100.0 * count(*) filter (where {where} and is_sufficient)"
                f" / nullif(count(is_sufficient) filter (where {where}), 0)"
                f" as {prefix}_q{q}_yes_rate",
                f"count(is_sufficient) filter (where {where}) * 1.0"
                f" / nullif(count(distinct fct_case_judgement.case_key) filter"
                f" (where dim_case.programme = {quote_literal(programme)}), 0)"
                f" as {prefix}_q{q}_answered_share",
            ]
    rate_sql = (
        "select "
        + (", ".join(rate_columns) or "null as no_question")
        + " from marts.fct_case_judgement inner join marts.dim_case"
        " on fct_case_judgement.case_key = dim_case.case_key"
    )
    ratio = ""
    if scope.bulletin_ratio:
        first, second = (scope.prefixes[p] for p in scope.bulletin)
        ratio = f", {first}_cases * 1.0 / nullif({second}_cases, 0) as {scope.bulletin_ratio}"
    return (
        f"select *{ratio} from ({case_sql}) as case_metrics cross join ({rate_sql}) as rate_metrics"
    )


def _against_reference(
    bounds: dict, reference: Reference, programmes: list[str], scope: Scope
) -> list[Check]:
    """Yes-rates and answered shares may move only so far from the reference."""
    checks = []
    tolerance = bounds["yes_rate_tolerance_pp"]
    share_tolerance = bounds["answered_share_tolerance"]
    for programme in programmes:
        prefix = scope.prefixes[programme]
        for q in scope.questions.get(programme, ()):
            rate, share = f"{prefix}_q{q}_yes_rate", f"{prefix}_q{q}_answered_share"
            if reference.metrics.get(rate) is not None:
                value = reference.metrics[rate]
                checks.append(
                    _between(
                        rate,
                        max(0.0, value - tolerance),
                        min(100.0, value + tolerance),
                        severity=bounds["yes_rate_severity"],
                        why=reference.notes.get(rate)
                        or f"{reference.source}: {value:.1f}% yes, +/- {tolerance} points",
                    )
                )
            if reference.metrics.get(share) is not None:
                value = reference.metrics[share]
                checks.append(
                    _between(
                        share,
                        max(0.0, round(value - share_tolerance, 3)),
                        min(1.0, round(value + share_tolerance, 3)),
                        severity=bounds["answered_share_severity"],
                        why=reference.notes.get(share)
                        or f"{reference.source}: {value:.3f} answered, +/- {share_tolerance}",
                    )
                )
    return checks


def distribution_guard(
    bounds: dict, reference: Reference | None, programmes: list[str], scope: Scope
) -> Guard:
    """Shares and rates per programme against bounds from config/quality.yml.

    Bulletin mode (``reference.is_bulletin``): the bulletin's figures with the
    top-level bounds. User mode: the ``user_mode`` bounds, which hold for any
    data, and the previous passing validation as the reference when there is
    one. ``programmes`` are those with cases in the sample: a programme the
    user did not load is not guarded.
    """
    sql = distribution_sql(scope)
    if reference is not None and reference.is_bulletin:
        # the bulletin's programmes, with the bounds config/quality.yml gives each
        floor = bounds["minimum_cases"]
        checks = [
            _between(f"{scope.prefixes[p]}_cases", floor[p], None, severity=floor["severity"])
            for p in scope.bulletin
        ]
        if scope.bulletin_ratio:
            ratio = bounds[scope.bulletin_ratio]
            checks.append(
                _between(scope.bulletin_ratio, ratio["min"], ratio["max"], severity=WARNING)
            )
        for variable, label in (("age_group", "age"), ("ethnic_group", "ethnicity")):
            for programme in scope.bulletin:
                ceiling = bounds["unknown_share"][variable][programme]
                checks.append(
                    _between(
                        f"{scope.prefixes[programme]}_unknown_{label}_share",
                        0,
                        ceiling,
                        severity=WARNING,
                    )
                )
        checks += _against_reference(bounds, reference, list(scope.bulletin), scope)
        return Guard("distribution_guards", "marts (per programme)", sql, checks)

    user = bounds["user_mode"]
    checks = []
    for programme in programmes:
        prefix = scope.prefixes[programme]
        floor = user["minimum_cases"]
        checks.append(
            _between(
                f"{prefix}_cases",
                floor["cases"],
                None,
                severity=floor["severity"],
                why=f"fewer than {floor['cases']} cases: estimates too imprecise to compare",
            )
        )
        for label in ("age", "ethnicity"):
            ceiling = user["unknown_share"]
            checks.append(
                _between(
                    f"{prefix}_unknown_{label}_share",
                    0,
                    ceiling["max"],
                    severity=ceiling["severity"],
                    why=f"{label} unknown for more than {ceiling['max']:.0%} of cases",
                )
            )
        answered = user["minimum_answered_share"]
        for q in scope.questions.get(programme, ()):
            checks.append(
                _between(
                    f"{prefix}_q{q}_answered_share",
                    answered["share"],
                    None,
                    severity=answered["severity"],
                    why=f"question {q}: fewer than {answered['share']:.0%} of cases answered "
                    "Yes or No (a column missing or shifted?)",
                )
            )
        if reference is not None and reference.metrics.get(f"{prefix}_cases"):
            before = reference.metrics[f"{prefix}_cases"]
            drop = user["maximum_case_drop"]
            checks.append(
                _between(
                    f"{prefix}_cases",
                    round(before * (1 - drop["share"]), 3),
                    None,
                    severity=drop["severity"],
                    why=f"{reference.source}: {before:.0f} cases; a fall of more than "
                    f"{drop['share']:.0%} looks like a truncated extract",
                )
            )
    if reference is not None:
        checks += _against_reference(bounds, reference, programmes, scope)
    return Guard("distribution_guards", "marts (per programme)", sql, checks)
