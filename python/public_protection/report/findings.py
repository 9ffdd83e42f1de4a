"""The regression findings as plain sentences, generated from ``analysis``.

Every sentence is built from the stored models, terms and the comparison with
the bulletin's statements; nothing is typed in by hand, so a rerun on new
extracts says what those extracts show.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd

from public_protection.regression.models import CANDIDATES, level_label
from public_protection.report.data import ReportData
from public_protection.report.disclosure import SUPPRESSED
from public_protection.report.tables import VARIABLE_LABELS

SAMPLE_PHRASES = {
    "All": "all cases",
    "CRC": "cases now allocated to CRCs",
    "NPS": "cases now allocated to the NPS",
}


@dataclass(frozen=True)
class OddsRow:
    """One level of a selected variable in a model: its odds ratio against the reference."""

    variable: str  # as the tables print it
    level: str
    reference: str
    odds_ratio: float | None  # None when not estimable (separation)
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


@dataclass(frozen=True)
class ModelFindings:
    model_id: str
    sample: str
    headline: str  # one short sentence: n, what was selected, programme's verdict
    notes: list[str]  # listwise deletion, reliability, separation
    odds: list[OddsRow]  # the final model's odds ratios, in the order the variables entered

    @property
    def paragraph(self) -> str:
        return " ".join([self.headline, *self.notes])


@dataclass(frozen=True)
class QuestionFindings:
    question_id: int
    models: list[ModelFindings]  # one per sample (All, CRC, NPS)
    against_bulletin: list[str]  # one line per bulletin statement about this question

    @property
    def sentences(self) -> list[str]:
        """One paragraph per model: headline and notes (the odds ratios are tabled)."""
        return [model.paragraph for model in self.models]


def format_p(p: float | None) -> str:
    if p is None or pd.isna(p):
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _label(variable: str) -> str:
    return VARIABLE_LABELS.get(variable, variable.replace("_", " "))


# A stored separation warning: "rosh_level=High/Very high: every case yes".
SEPARATION = re.compile(r"(?P<variable>\w+)=(?P<level>[^:;]+): every case (?P<answer>yes|no)")
# Beyond these the estimate is an artefact of (quasi-)separation, not a finding.
MAX_ABS_COEFFICIENT = 10.0


def _separated(model) -> set[tuple[str, str]]:
    text = model.separation_warnings if isinstance(model.separation_warnings, str) else ""
    return {(m["variable"], m["level"].strip()) for m in SEPARATION.finditer(text)}


def _is_estimable(row, separated: set[tuple[str, str]]) -> bool:
    return (
        (row.variable, str(row.level)) not in separated
        and not pd.isna(row.odds_ratio)
        and abs(row.coefficient) <= MAX_ABS_COEFFICIENT
        and row.ci_low > 0
    )


def _level_order(variable: str) -> list[str]:
    """Levels in the order the regressions list them (the bulletin's table order)."""
    return [level_label(level) for level in CANDIDATES.get(variable, [])]


def _odds_rows(
    chosen: list[str], separated: set[tuple[str, str]], terms: pd.DataFrame
) -> list[OddsRow]:
    """The selected variables' levels (programme included), in order of entry."""
    rows = []
    stepwise = terms[terms["model_kind"] == "stepwise"]
    for variable in chosen:
        levels = stepwise[stepwise["variable"] == variable]
        if levels.empty:
            continue
        order = [str(level) for level in _level_order(variable)]
        levels = levels.assign(
            _order=[order.index(str(v)) if str(v) in order else len(order) for v in levels["level"]]
        ).sort_values(["_order", "level"])
        for row in levels.itertuples():
            estimable = _is_estimable(row, separated)
            rows.append(
                OddsRow(
                    variable=_label(variable),
                    level=str(row.level),
                    reference=str(row.reference_level),
                    odds_ratio=float(row.odds_ratio) if estimable else None,
                    ci_low=float(row.ci_low) if estimable else None,
                    ci_high=float(row.ci_high) if estimable else None,
                    p_value=float(row.p_value) if estimable else None,
                )
            )
    return rows


def _count(value: int, minimum_n: int) -> str:
    """A count as the tables would print it: hidden when 0 < value < minimum_n."""
    return SUPPRESSED if 0 < value < minimum_n else f"{value:,}"


def _listwise_sentence(model, minimum_n: int) -> str | None:
    """How many cases listwise deletion left out of the model, and for which variables."""
    removed = int(model.n_dropped_listwise)
    if not removed:
        return None
    missing = json.loads(model.missing_by_variable or "{}")
    detail = ", ".join(
        f"{_label(variable)} {_count(count, minimum_n)}"
        for variable, count in sorted(missing.items())
    )
    share = removed / model.n_before_listwise_deletion
    return (
        f"Listwise deletion left out {share:.0%} of the cases answered, those missing a value "
        f"of a candidate variable (cases missing each: {detail}; a case may miss several)."
    )


def _separation_sentence(
    separated: set[tuple[str, str]], terms: pd.DataFrame, minimum_n: int
) -> str | None:
    """Name the separated groups of at least ``minimum_n`` cases; only count the others.

    "Every case in this group had the same judgement" is an attribute of each
    member, so a small group is not named (the tables hide it for the same reason).
    """
    if not separated:
        return None
    # Cases at a level are the same in every model of a sample (stepwise, full,
    # programme forced); a level separated in the full model only is in its terms.
    sizes = {
        (row.variable, str(row.level)): row.cases_at_level
        for row in terms.itertuples()
        if not pd.isna(row.cases_at_level)
    }
    named = sorted(g for g in separated if sizes.get(g, 0) >= minimum_n)
    unnamed = len(separated) - len(named)
    groups = [f"{_label(v)} {level}" for v, level in named]
    if unnamed:
        groups.append(
            f"{unnamed} smaller group(s), not named as they hold fewer than {minimum_n} cases"
        )
    return (
        f"Every case in some groups had the same judgement ({'; '.join(groups)}), so their "
        "odds ratios cannot be estimated."
    )


def _odds_phrase(term) -> str:
    return (
        f"odds ratio {term.odds_ratio:.2f}, 95% CI {term.ci_low:.2f} to {term.ci_high:.2f}, "
        f"{format_p(term.p_value)}"
    )


def _programme_verdict(model, terms: pd.DataFrame) -> str:
    """What the model says of programme, naming only the levels that differ.

    With two programmes the one level is the variable's whole effect. With more, the
    variable's joint test (p of adding or removing it) says that the programmes
    differ somewhere, not that every programme differs from the reference: each level
    is named by its own Wald test against the reference programme.
    """
    if model.model_set == "programme":
        return "A single programme's cases: no programme comparison."
    stepwise = terms[(terms["model_kind"] == "stepwise") & (terms["variable"] == "programme")]
    if not (bool(model.programme_selected) and len(stepwise)):
        return (
            "Inspection programme was not selected "
            f"({format_p(model.programme_p_value)} when added to the final model)."
        )
    reference = stepwise.iloc[0].reference_level
    if len(stepwise) == 1:
        term = stepwise.iloc[0]
        direction = "lower" if term.odds_ratio < 1 else "higher"
        return (
            f"Inspection programme was selected: {term.level} cases had {direction} odds "
            f"than {reference} cases of a positive judgement "
            f"({format_p(model.programme_p_value)})."
        )
    differ = [t for t in stepwise.itertuples() if t.p_value < 0.05]
    same = [t for t in stepwise.itertuples() if t.p_value >= 0.05]
    parts = [
        f"{t.level} cases had {'lower' if t.odds_ratio < 1 else 'higher'} odds of a positive "
        f"judgement ({_odds_phrase(t)})"
        for t in differ
    ]
    if same:
        parts.append(
            " and ".join(f"{t.level} cases" for t in same)
            + f" did not differ significantly from {reference} cases ("
            + "; ".join(f"{t.level}: {_odds_phrase(t)}" for t in same)
            + ")"
        )
    return (
        f"Inspection programme was selected ({format_p(model.programme_p_value)} for the "
        f"programmes together). Against {reference} cases, adjusted for the other variables "
        f"selected: {'; '.join(parts)}."
    )


def _partial_programmes(data: ReportData, model) -> list[str]:
    """The model's programmes whose source of its question is graded ``partial``."""
    sources = data.sources
    partial = sources[
        (sources["question_id"] == model.question_id) & (sources["comparability"] == "partial")
    ]
    programmes = [p.strip() for p in str(model.programmes).split(",")]
    return [p for p in programmes if p in set(partial["programme"])]


def question_findings(
    data: ReportData, question_id: int, minimum_n: int, model_set: str = "bulletin"
) -> QuestionFindings:
    """A question's models of one set (the bulletin's, the trend's, or a single
    programme's), in words and tables."""
    models = data.models[
        (data.models["question_id"] == question_id) & (data.models["model_set"] == model_set)
    ]
    per_model: list[ModelFindings] = []
    for model in models.itertuples():
        terms = data.terms[data.terms["model_id"] == model.model_id]
        chosen = [v.strip() for v in (model.variables_selected or "").split(",") if v.strip()]
        # Positive judgements, hidden when they or the negatives are a small count
        # (n and the one give the other).
        # (n and the one give the other); and hidden with a hidden n (all yes: events = n)
        small = min(model.events, model.n - model.events)
        tiny = 0 < small < minimum_n or 0 < model.n < minimum_n
        events = SUPPRESSED if tiny else f"{model.events:,}"
        selection = (
            "chose, in order: " + ", ".join(_label(v) for v in chosen)
            if chosen
            else "chose no variable"
        )
        sample = (
            f"For {SAMPLE_PHRASES.get(model.sample, model.sample)} (n = "
            f"{_count(model.n, minimum_n)} with {events} positive judgements)"
        )
        if pd.isna(model.log_likelihood):  # stored with the reason it could not be fitted
            headline = f"{sample}, the model could not be fitted."
        else:
            headline = (
                f"{sample}, forward stepwise selection {selection}. "
                f"{_programme_verdict(model, terms)}"
            )
        separated = _separated(model)
        notes = []
        if model_set == "trend" and (partial := _partial_programmes(data, model)):
            notes.append(
                f"{' and '.join(partial)}: the question only partly matches its baseline "
                "programme's (comparability partial), so a difference between programmes "
                "here is not a like-for-like change."
            )
        if listwise := _listwise_sentence(model, minimum_n):
            notes.append(listwise)
        if not model.is_reliable:
            notes.append(
                f"Not reliable: {model.reliability_note}; read the selection and odds ratios "
                "as indicative only."
            )
        if separation := _separation_sentence(separated, terms, minimum_n):
            notes.append(separation)
        per_model.append(
            ModelFindings(
                model.model_id, model.sample, headline, notes, _odds_rows(chosen, separated, terms)
            )
        )

    # the bulletin's statements are about its own models, not the trend's
    statements = data.vs_bulletin[data.vs_bulletin["question_id"] == question_id]
    if model_set != "bulletin":
        statements = statements.iloc[0:0]
    against: list[str] = []
    for row in statements.itertuples():
        said = "significant" if row.bulletin_significant else "not significant"
        found = "selected" if row.warehouse_selected else "not selected"
        verdict = "agrees" if row.agrees else "differs"
        tested = "" if pd.isna(row.p_value) else f" ({_test_phrase(row.test, row.p_value)})"
        against.append(
            f"The bulletin ({row.bulletin_passage}) reports {_label(row.variable)} as {said} for "
            f"{SAMPLE_PHRASES.get(row.sample, row.sample)}; here it is {found}{tested}: {verdict}."
        )
    return QuestionFindings(question_id, per_model, against)


def _test_phrase(test: str, p_value: float) -> str:
    """``likelihood-ratio p = .003`` or ``score test p = .41`` (p below .001 as such)."""
    name = "likelihood-ratio" if test == "lr" else "score test"
    shown = "< .001" if p_value < 0.001 else f"= {p_value:.3f}".replace("0.", ".", 1)
    return f"{name} p {shown}"
