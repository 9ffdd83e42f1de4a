"""Solve for a set of cases that reproduces every published figure exactly.

The problem: each programme's population is
barely larger than its largest question n, so which cases answer which
question and which attributes they carry must be chosen together. Solved in
two integer programs (HiGHS via ``scipy.optimize.milp``):

1. **Masks and attributes, per programme.** A case's *mask* is the set of
   questions it is counted in (answered Yes or No). With ``m[M]`` cases per
   mask, every published n is a linear constraint on how many cases of each
   mask carry each category, one attribute at a time: gender, age group,
   ethnic group, supervision type, and the joint risk attribute
   RoSH x MAPPA (x allocated agency for Q&I), which carries the proxy rule
   (486 OMI2 NPS cases; 383 Q&I NPS cases, 64 disagreeing with the proxy).
   Attributes meet only through ``m[M]``, so cases are then formed by pairing,
   within each mask, one category of every attribute.

2. **Yes or No, per question.** Given the cases, choose which answered cases
   say Yes so that every printed percentage (each programme, each category,
   and the All column) rounds to the printed figure, with the CRC/NPS
   statements and the Q7 flag statements. The objective pushes Yes towards
   cases with a high latent "quality" score, so answers are correlated within
   a case and the bulletin's adjusted effects (e.g. deterioration concentrated
   in CRC cases) have structure to show through.

3. **The significance statements** (``significance``): the questions whose
   stepwise models disagree with the bulletin, or agree without room to spare,
   have their Yes/No program solved again with the linearised tests as extra
   rows and the fewest changed answers as the objective.

Steps 1 and 2 are exact: a solution meets every constraint, or HiGHS proves none
exists and this module raises, naming the step.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from public_protection.categories import OFFENCE_CATEGORIES
from public_protection.demo.milp import IntegerProgram
from public_protection.demo.targets import (
    AGENCY_CHANGE_PP,
    AGENCY_LEVEL_PCT,
    NPS_CASES,
    PROGRAMME_SIZE,
    PROGRAMMES,
    Q7_FLAG_PCT,
    QI_PROXY_DISAGREEMENTS,
    QUESTIONS,
    VARIABLES,
    Cell,
    count_range,
    read_area_sample,
    read_subgroup_cells,
)

UNKNOWN = None
# Tiny margin so exact half-way values are not relied on.
EPS = 1e-6
MASKS = range(1 << len(QUESTIONS))
ROSH = ("Low", "Medium", "High/Very high", UNKNOWN)
MAPPA = ("Yes", "No", UNKNOWN)
SIMPLE_ATTRIBUTES = ("gender", "age_group", "ethnic_group", "supervision_type")
# Attributes every case has (supervision comes from the sentence type, required).
NEVER_UNKNOWN = {"supervision_type"}


def _risk_agency(category: tuple) -> str:
    rosh, mappa, agency = category
    return proxy_agency(rosh, mappa) if agency == "proxy" else agency


def answers(mask: int, question: int) -> bool:
    return bool(mask >> (question - 1) & 1)


def proxy_agency(rosh: str | None, mappa: str | None) -> str:
    """The bulletin's proxy: MAPPA eligible or High/Very high RoSH is NPS."""
    return "NPS" if mappa == "Yes" or rosh == "High/Very high" else "CRC"


@dataclass
class PlannedCase:
    """One case of the comparison sample, before any personal detail is invented."""

    programme: str
    mask: int
    gender: str | None
    age_group: str | None
    ethnic_group: str | None
    supervision_type: str
    rosh_level: str | None
    mappa_eligible: str | None
    agency: str  # proxy for OMI2, allocated for Q&I
    area: str = ""
    domestic_abuse_perpetrator: bool | None = None
    child_protection_case: bool | None = None
    iom_case: bool | None = None
    offence_category: str = ""
    quality: float = 0.0  # latent score that makes answers correlate
    answers: tuple[str, ...] = ()  # per question: "Yes", "No" or "" (not counted)


class Published:
    """Lookup of the printed n and % by (programme, question, variable, category)."""

    def __init__(self, cells: list[Cell]):
        self.cells = {(c.programme, c.question, c.variable, c.category): c for c in cells}

    def n(self, programme: str, question: int, variable: str, category: str) -> int:
        return self.cells[(programme, question, variable, category)].n

    def cell(self, programme: str, question: int, variable: str, category: str) -> Cell:
        return self.cells[(programme, question, variable, category)]

    def all_n(self, programme: str, question: int) -> int:
        return self.n(programme, question, "all", "All cases")


# --- agency levels ----------------------------------------------------------------------


def fixed_agency_levels() -> dict[tuple[int, str, str], int]:
    """Whole-percent % yes by (question, agency, programme) that the text fixes.

    Printed levels (Q5 Q&I, Q6), and the other programme's level where a
    printed level and a printed change meet (Q5 OMI2). Q3 and Q4 have changes
    only: their levels are chosen by the solver (``LEVEL_WINDOW``).
    """
    levels = dict(AGENCY_LEVEL_PCT)
    for q, changes in AGENCY_CHANGE_PP.items():
        for agency, change in changes.items():
            if (q, agency, "Q&I") in levels:
                levels.setdefault((q, agency, "OMI2"), levels[(q, agency, "Q&I")] - change)
            elif (q, agency, "OMI2") in levels:
                levels.setdefault((q, agency, "Q&I"), levels[(q, agency, "OMI2")] + change)
    return levels


# OMI2 levels the solver may choose, around the question's overall rate.
LEVEL_WINDOW = 15


# --- step 1: masks and attributes ---------------------------------------------------


def solve_masks_and_attributes(published: Published) -> dict[str, dict]:
    """Return, per programme, mask counts and per attribute counts by (mask, category).

    Besides every published n, the model carries aggregate yes counts so that
    the printed percentages are known to be reachable before any case is
    formed: per attribute the category yes counts must add up to the same
    question total (with the unknowns taking the rest), the All column must
    round right across both programmes, and the RoSH, MAPPA and agency rates
    must be met by one set of yes counts per risk category (they overlap: the
    agency is a function of RoSH and MAPPA).
    """
    ip = IntegerProgram()
    levels = fixed_agency_levels()
    # Levels the text leaves open (changes only): one binary per candidate OMI2 level.
    level_choice: dict[tuple[int, str], dict[int, int]] = {}
    for q, changes in AGENCY_CHANGE_PP.items():
        for agency in changes:
            if (q, agency, "OMI2") in levels:
                continue
            centre = round(published.cell("OMI2", q, "all", "All cases").pct)
            window = range(max(1, centre - LEVEL_WINDOW), min(99, centre + LEVEL_WINDOW) + 1)
            level_choice[(q, agency)] = {v: ip.variable(0, 1) for v in window}
            ip.constrain(list(level_choice[(q, agency)].values()), 1, 1, "one level")
        if all((q, a) in level_choice for a in ("NPS", "CRC")):
            # NPS work is at least as good as CRC work (Figure 1).
            terms = {b: float(v) for v, b in level_choice[(q, "NPS")].items()}
            for v, b in level_choice[(q, "CRC")].items():
                terms[b] = terms.get(b, 0.0) - v
            ip.constrain(terms, 0, np.inf, "NPS >= CRC")
    mask_count: dict[tuple[str, int], int] = {}
    counts: dict[tuple, int] = {}  # (programme, attribute, mask, category) -> variable
    question_yes: dict[tuple[str, int], int] = {}
    category_yes: dict[tuple, int] = {}  # (programme, q, variable, printed) -> variable
    risk_categories: dict[str, list[tuple]] = {}

    for programme in PROGRAMMES:
        size = PROGRAMME_SIZE[programme]
        for m in MASKS:
            mask_count[(programme, m)] = ip.variable()
        ip.constrain([mask_count[(programme, m)] for m in MASKS], size, size, "population")
        for q in QUESTIONS:
            n = published.all_n(programme, q)
            ip.constrain(
                [mask_count[(programme, m)] for m in MASKS if answers(m, q)], n, n, f"n Q{q}"
            )
            cell = published.cell(programme, q, "all", "All cases")
            question_yes[(programme, q)] = ip.variable(*count_range(cell.n, cell.pct))

        def add_attribute(name: str, categories, cost, programme=programme) -> None:
            for m in MASKS:
                for category in categories:
                    counts[(programme, name, m, category)] = ip.variable(cost=cost(category))
                terms = {counts[(programme, name, m, c)]: 1.0 for c in categories}
                terms[mask_count[(programme, m)]] = -1.0
                ip.constrain(terms, 0, 0, f"{name} mask {m}")

        def answered(name: str, q: int, categories, programme=programme) -> list[int]:
            return [
                counts[(programme, name, m, c)] for m in MASKS if answers(m, q) for c in categories
            ]

        for attribute in SIMPLE_ATTRIBUTES:
            unknown = () if attribute in NEVER_UNKNOWN else (UNKNOWN,)
            categories = VARIABLES[attribute] + unknown
            # Unknowns only where the tables need them.
            add_attribute(attribute, categories, lambda c: 1.0 if c is UNKNOWN else 0.0)
            for q in QUESTIONS:
                printed_yes = []
                for printed in VARIABLES[attribute]:
                    cell = published.cell(programme, q, attribute, printed)
                    ip.constrain(answered(attribute, q, [printed]), cell.n, cell.n, "n")
                    y = ip.variable(*count_range(cell.n, cell.pct))
                    category_yes[(programme, q, attribute, printed)] = y
                    printed_yes.append(y)
                # The unknowns' yes count lies between 0 and their n.
                n_unknown = published.all_n(programme, q) - sum(
                    published.n(programme, q, attribute, c) for c in VARIABLES[attribute]
                )
                terms = {question_yes[(programme, q)]: 1.0, **{y: -1.0 for y in printed_yes}}
                ip.constrain(terms, 0, n_unknown, f"{attribute} unknown yes Q{q}")

        agencies = ("NPS", "CRC") if programme == "Q&I" else ("proxy",)
        risk = list(itertools.product(ROSH, MAPPA, agencies))
        risk_categories[programme] = risk

        def risk_cost(category) -> float:
            rosh, mappa, _ = category
            cost = 0.0
            if mappa == "Yes" and rosh == "Low":
                cost += 3.0  # MAPPA cases are mostly medium or high RoSH
            cost += 1.0 if rosh is UNKNOWN else 0.0
            cost += 1.0 if mappa is UNKNOWN else 0.0
            return cost

        add_attribute("risk", risk, risk_cost)
        proxy_nps = [c for c in risk if proxy_agency(*c[:2]) == "NPS"]
        if programme == "OMI2":
            nps = NPS_CASES[programme]
            ip.constrain(
                [counts[(programme, "risk", m, c)] for m in MASKS for c in proxy_nps],
                nps,
                nps,
                "OMI2 proxy NPS",
            )
        else:
            nps = NPS_CASES[programme]
            ip.constrain(
                [counts[(programme, "risk", m, c)] for m in MASKS for c in risk if c[2] == "NPS"],
                nps,
                nps,
                "Q&I allocated NPS",
            )
            ip.constrain(
                [
                    counts[(programme, "risk", m, c)]
                    for m in MASKS
                    for c in risk
                    if proxy_agency(*c[:2]) != c[2]
                ],
                QI_PROXY_DISAGREEMENTS,
                QI_PROXY_DISAGREEMENTS,
                "Q&I proxy disagreements",
            )
        for q in QUESTIONS:
            # Yes counts per risk category, bounded by that category's n.
            risk_yes = {}
            for c in risk:
                y = ip.variable()
                risk_yes[c] = y
                ip.constrain(
                    {y: 1.0, **{v: -1.0 for v in answered("risk", q, [c])}},
                    -np.inf,
                    0,
                    "risk yes <= n",
                )
            ip.constrain(
                {**{y: 1.0 for y in risk_yes.values()}, question_yes[(programme, q)]: -1.0},
                0,
                0,
                "risk yes total",
            )
            for variable, position in (("rosh_level", 0), ("mappa_eligible", 1)):
                for printed in VARIABLES[variable]:
                    members = [c for c in risk if c[position] == printed]
                    cell = published.cell(programme, q, variable, printed)
                    ip.constrain(answered("risk", q, members), cell.n, cell.n, "n")
                    y = ip.variable(*count_range(cell.n, cell.pct))
                    category_yes[(programme, q, variable, printed)] = y
                    ip.constrain({y: 1.0, **{risk_yes[c]: -1.0 for c in members}}, 0, 0, "")
            for agency in ("NPS", "CRC"):
                members = [c for c in risk if _risk_agency(c) == agency]
                n_terms = answered("risk", q, members)
                yes_terms = [risk_yes[c] for c in members]
                if (q, agency, programme) in levels:
                    candidates = {levels[(q, agency, programme)]: None}
                elif (q, agency) in level_choice:
                    shift = AGENCY_CHANGE_PP[q][agency] if programme == "Q&I" else 0
                    candidates = {v + shift: b for v, b in level_choice[(q, agency)].items()}
                else:
                    continue
                big = 100.0 * PROGRAMME_SIZE[programme]
                for level, chosen in candidates.items():
                    # n * (level - 0.5) < 100 * yes < n * (level + 0.5), when chosen.
                    low = {**{y: 100.0 for y in yes_terms}, **{v: -(level - 0.5) for v in n_terms}}
                    high = {
                        **{y: 100.0 for y in yes_terms},
                        **{v: -(level + 0.5) for v in n_terms},
                    }
                    slack = 0.0
                    if chosen is not None:
                        low[chosen] = -big
                        high[chosen] = big
                        slack = big
                    ip.constrain(low, EPS - slack, np.inf, f"Q{q} {agency} level low")
                    ip.constrain(high, -np.inf, slack - EPS, f"Q{q} {agency} level high")

    # The All column: both programmes together round to the printed figure.
    for q in QUESTIONS:
        cell = published.cell("All", q, "all", "All cases")
        ip.constrain([question_yes[(p, q)] for p in PROGRAMMES], *count_range(cell.n, cell.pct))
        for variable, categories in VARIABLES.items():
            for printed in categories:
                cell = published.cell("All", q, variable, printed)
                ip.constrain(
                    [category_yes[(p, q, variable, printed)] for p in PROGRAMMES],
                    *count_range(cell.n, cell.pct),
                )

    solution = ip.solve(what="masks and attributes")
    for (q, agency), choice in level_choice.items():
        (omi2_level,) = [v for v, b in choice.items() if solution[b]]
        levels[(q, agency, "OMI2")] = omi2_level
        levels[(q, agency, "Q&I")] = omi2_level + AGENCY_CHANGE_PP[q][agency]
    result: dict[str, dict] = {"levels": levels}
    for programme in PROGRAMMES:
        result[programme] = {"masks": {m: int(solution[mask_count[(programme, m)]]) for m in MASKS}}
    for (programme, name, m, category), variable in counts.items():
        if solution[variable]:
            result[programme].setdefault(name, defaultdict(dict))[m][category] = int(
                solution[variable]
            )
    return result


# --- forming cases -------------------------------------------------------------------


def _expand(counts: dict) -> list:
    return [category for category, k in counts.items() for _ in range(k)]


def form_cases(programme: str, solved: dict, rng: np.random.Generator) -> list[PlannedCase]:
    """Pair one category of every attribute within each mask, plausibly.

    Within a mask the pairing is free (the tables do not see it), so it is
    used for realism: post-custody cases lean to the more serious risk
    categories and to older ages; gender and ethnicity are independent.
    """
    cases: list[PlannedCase] = []
    severity = {"High/Very high": 2.0, "Medium": 1.0, "Low": 0.0, None: 0.8}
    for m in MASKS:
        size = solved["masks"][m]
        if not size:
            continue
        risk = _expand(solved["risk"][m])
        rng.shuffle(risk)
        score = np.array(
            [severity[r] + (1.0 if mp == "Yes" else 0.0) for r, mp, _ in risk]
        ) + rng.normal(0, 1.0, size)
        by_severity = np.argsort(-score, kind="stable")
        supervision = sorted(
            _expand(solved["supervision_type"][m]), key=lambda s: s != "Post-custody"
        )
        supervision_of = [""] * size
        for rank, index in enumerate(by_severity):
            supervision_of[index] = supervision[rank]
        age_order = {a: i for i, a in enumerate(VARIABLES["age_group"])}
        ages = sorted(
            _expand(solved["age_group"][m]),
            key=lambda a: -1 if a is None else -age_order[a],
        )
        known_ages = [a for a in ages if a is not None]
        unknown_ages = [a for a in ages if a is None]
        older_first = np.argsort(
            -(
                np.array([s == "Post-custody" for s in supervision_of]) * 0.8
                + rng.normal(0, 1.0, size)
            ),
            kind="stable",
        )
        age_of: list[str | None] = [None] * size
        ordered_ages = known_ages + unknown_ages
        # Unknown ages go to random cases, known ones by the post-custody lean.
        unknown_slots = set(rng.choice(size, len(unknown_ages), replace=False).tolist())
        known_iter = iter(known_ages)
        for index in older_first:
            if index in unknown_slots:
                continue
            age_of[index] = next(known_iter)
        assert len(ordered_ages) == size
        genders = _expand(solved["gender"][m])
        ethnic = _expand(solved["ethnic_group"][m])
        rng.shuffle(genders)
        rng.shuffle(ethnic)
        for i in range(size):
            rosh, mappa, agency = risk[i]
            cases.append(
                PlannedCase(
                    programme=programme,
                    mask=m,
                    gender=genders[i],
                    age_group=age_of[i],
                    ethnic_group=ethnic[i],
                    supervision_type=supervision_of[i],
                    rosh_level=rosh,
                    mappa_eligible=mappa,
                    agency=proxy_agency(rosh, mappa) if agency == "proxy" else agency,
                )
            )
    return cases


OFFENCES = OFFENCE_CATEGORIES
OFFENCE_WEIGHTS = (0.30, 0.05, 0.05, 0.08, 0.14, 0.04, 0.05, 0.11, 0.07, 0.05, 0.06)


def assign_context(cases: list[PlannedCase], published: Published, rng) -> None:
    """Area (Table 1 counts exactly), offence, flags and the latent quality score.

    Q7's flag statements (75% vs 59% for domestic abuse perpetrators, 73% vs 63%
    for child protection) fix what share of the Q7 cases carry each flag: with
    the overall Q7 rate r, the share is (r - no) / (yes - no). Those counts are
    given exactly, leaning to the more serious cases; the rest are drawn.
    """
    areas = read_area_sample()
    for programme in PROGRAMMES:
        mine = [c for c in cases if c.programme == programme]
        labels = [a for a, n in areas.items() for _ in range(n[programme])]
        assert len(labels) == len(mine), (programme, len(labels), len(mine))
        rng.shuffle(labels)
        for case, area in zip(mine, labels, strict=True):
            case.area = area
    # Flags lean to the more serious cases, and to OMI2 (flagging practice changed).
    serious = np.array(
        [
            (1.6 if c.rosh_level in ("High/Very high", "Medium") else 1.0)
            * (1.5 if c.programme == "OMI2" else 1.0)
            for c in cases
        ]
    )
    q7 = np.array([answers(c.mask, 7) for c in cases])
    overall = published.cell("All", 7, "all", "All cases").pct
    for flag, levels in Q7_FLAG_PCT.items():
        share = (overall - levels[False]) / (levels[True] - levels[False])
        values: list[bool | None] = [None] * len(cases)
        for in_q7 in (True, False):
            pool = np.flatnonzero(q7 == in_q7)
            blanks = round(0.02 * len(pool))
            n_yes = round(share * (len(pool) - blanks))
            order = _weighted_order(serious[pool], rng)
            for rank, index in enumerate(pool[order]):
                values[index] = None if rank >= len(pool) - blanks else rank < n_yes
        for case, value in zip(cases, values, strict=True):
            setattr(case, flag, value)
    for case in cases:
        weights = np.array(OFFENCE_WEIGHTS)
        if case.mappa_eligible == "Yes":
            weights = weights * np.array([2.5, 6, 2, 1, 0.4, 0.3, 0.5, 0.5, 0.3, 0.6, 0.6])
        case.offence_category = OFFENCES[rng.choice(len(OFFENCES), p=weights / weights.sum())]
        # IOM grew between the programmes (introduced 2009-10, widespread by 2016).
        case.iom_case = _flag(rng, 0.08 if case.programme == "OMI2" else 0.35, 0.03)
        case.quality = float(rng.normal())


def _weighted_order(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order in which heavier items tend to come first (Efraimidis-Spirakis)."""
    keys = rng.random(len(weights)) ** (1.0 / weights)
    return np.argsort(-keys, kind="stable")


def _flag(rng: np.random.Generator, p_yes: float, p_blank: float) -> bool | None:
    draw = rng.random()
    if draw < p_blank:
        return None
    return bool(draw < p_blank + p_yes)


# --- step 2: yes or no ----------------------------------------------------------------


def solve_answers(
    question: int,
    cases: list[PlannedCase],
    published: Published,
    levels: dict[tuple[int, str, str], int],
    rng: np.random.Generator,
) -> dict[int, bool]:
    """Choose Yes/No for every case counted in ``question``; returns index -> is_yes."""
    noise = rng.normal(0, 1.0, len(cases))
    ip, yes = answer_program(question, cases, published, levels)
    for i, variable in yes.items():
        # Maximise latent quality (negative cost): answers correlate within a case.
        ip.cost[variable] = -(cases[i].quality + noise[i] + _effects(cases[i], question))
    solution = ip.solve(what=f"answers to Q{question}")
    return {i: bool(solution[v]) for i, v in yes.items()}


def answer_program(
    question: int,
    cases: list[PlannedCase],
    published: Published,
    levels: dict[tuple[int, str, str], int],
) -> tuple[IntegerProgram, dict[int, int]]:
    """The 0/1 program of every published constraint on ``question``'s answers.

    Returns the program, without an objective, and each counted case's variable
    (case index -> variable, 1 for Yes).
    """
    ip = IntegerProgram()
    counted = [i for i, c in enumerate(cases) if answers(c.mask, question)]
    yes = {i: ip.variable(0, 1) for i in counted}

    def within(indices: list[int], n: int, pct: float, decimals: int, name: str) -> None:
        lo, hi = count_range(n, pct, decimals)
        assert len(indices) == n, (name, len(indices), n)
        ip.constrain([yes[i] for i in indices], lo, hi, name)

    for programme in (*PROGRAMMES, "All"):
        pool = [i for i in counted if programme in ("All", cases[i].programme)]
        cell = published.cell(programme, question, "all", "All cases")
        within(pool, cell.n, cell.pct, 1, f"{programme} all")
        for variable, categories in VARIABLES.items():
            for category in categories:
                members = [i for i in pool if getattr(cases[i], variable) == category]
                cell = published.cell(programme, question, variable, category)
                within(members, cell.n, cell.pct, 1, f"{programme} {variable}={category}")

    def agency_pool(programme: str, agency: str) -> list[int]:
        return [i for i in counted if cases[i].programme == programme and cases[i].agency == agency]

    rounded: dict[tuple[str, str], int] = {}

    def rounded_level(programme: str, agency: str) -> int:
        """An integer variable equal to the agency's % yes rounded to a whole number."""
        key = (programme, agency)
        if key not in rounded:
            pool = agency_pool(programme, agency)
            level = ip.variable(0, 100)
            n = len(pool)
            # n * (r - 0.5) <= 100 * yes < n * (r + 0.5)
            terms = {yes[i]: 100.0 for i in pool}
            terms[level] = -float(n)
            ip.constrain(terms, -0.5 * n + EPS, 0.5 * n - EPS, f"{key} rounded level")
            rounded[key] = level
        return rounded[key]

    for (q, agency, programme), pct in levels.items():
        if q == question:
            level = rounded_level(programme, agency)
            ip.constrain([level], pct, pct, f"Q{q} {agency} {programme} = {pct}%")
    for agency, change in AGENCY_CHANGE_PP.get(question, {}).items():
        before, after = agency_pool("OMI2", agency), agency_pool("Q&I", agency)
        # The change of rounded levels, and the rounded change, both equal the text.
        ip.constrain(
            {rounded_level("Q&I", agency): 1.0, rounded_level("OMI2", agency): -1.0},
            change,
            change,
            f"Q{question} {agency} change of levels",
        )
        nb, na = len(before), len(after)
        terms = {yes[i]: 100.0 * nb for i in after}
        terms.update({yes[i]: -100.0 * na for i in before})
        ip.constrain(
            terms,
            (change - 0.5) * na * nb + EPS,
            (change + 0.5) * na * nb - EPS,
            f"Q{question} {agency} rounded change",
        )
    if question == 7:
        for flag, levels in Q7_FLAG_PCT.items():
            for value, pct in levels.items():
                pool = [i for i in counted if getattr(cases[i], flag) is value]
                lo, hi = count_range(len(pool), pct, 0)
                ip.constrain([yes[i] for i in pool], lo, hi, f"Q7 {flag}={value}")
    return ip, yes


def _effects(case: PlannedCase, question: int) -> float:
    """Shape of the joint structure the regressions should find (issue #6).

    The printed margins fix each variable's own rates; these weights only
    decide which cases, among those a margin allows, say Yes. Programme
    differences are concentrated in CRC cases for Q3-Q5, as the bulletin says.
    """
    effect = 0.0
    if case.programme == "Q&I" and case.agency == "CRC" and question in (3, 4, 5, 6):
        effect -= 0.6
    # Q&I cases allocated to the NPS although the proxy says CRC (lower risk,
    # no MAPPA) were assessed less well: the NPS fall on Q3-Q4 is theirs, so it
    # shows as RoSH/MAPPA, not as programme, once those are in the model.
    if (
        case.programme == "Q&I"
        and case.agency != proxy_agency(case.rosh_level, case.mappa_eligible)
        and question in (3, 4)
    ):
        effect -= 1.5
    # Seriousness: low-RoSH cases were least likely to be judged sufficient on Q3.
    if question == 3:
        effect += {"Low": -1.0, "High/Very high": 0.5}.get(case.rosh_level, 0.0)
    # IOM cases (far more common by Q&I) did worse on RoSH identification (Q1),
    # the public assessment (Q2) and overall action (Q7): the programme gap
    # there is the IOM mix.
    if question in (1, 2, 7) and case.iom_case:
        effect -= 1.0
    if question == 7:
        effect += 0.5 * bool(case.domestic_abuse_perpetrator)
        effect += 0.4 * bool(case.child_protection_case)
    return effect


# --- the whole plan --------------------------------------------------------------------


def calibrate(seed: int = 0) -> tuple[list[PlannedCase], list]:
    """Solve the whole plan: every case of both programmes with its answers.

    Returns the cases and, per question whose answers the significance statements
    changed, what changed (``significance.QuestionChange``).
    """
    from public_protection.demo.significance import agree

    rng = np.random.default_rng(seed)
    published = Published(read_subgroup_cells())
    cases: list[PlannedCase] = []
    solved = solve_masks_and_attributes(published)
    levels = solved["levels"]
    for programme in PROGRAMMES:
        cases += form_cases(programme, solved[programme], rng)
    assign_context(cases, published, rng)
    chosen: dict[int, list[str]] = defaultdict(lambda: [""] * len(QUESTIONS))
    for q in QUESTIONS:
        for i, is_yes in solve_answers(q, cases, published, levels, rng).items():
            chosen[i][q - 1] = "Yes" if is_yes else "No"
    for i, case in enumerate(cases):
        case.answers = tuple(chosen[i])
    # 3. The regressions' statements, from the freedom listwise deletion leaves.
    changes = agree(cases, published, levels)
    return cases, changes
