"""A small builder for integer programs solved by HiGHS (``scipy.optimize.milp``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


class Infeasible(Exception):
    """HiGHS proved there is no solution (or found none in the time allowed)."""


@dataclass
class IntegerProgram:
    """Variables with bounds, linear constraints ``lo <= a.x <= hi``, a linear objective."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    row_lo: list[float] = field(default_factory=list)
    row_hi: list[float] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)

    def variable(self, lo: float = 0, hi: float = np.inf, cost: float = 0.0, integer=True) -> int:
        self.lower.append(lo)
        self.upper.append(hi)
        self.cost.append(cost)
        self.integer.append(1 if integer else 0)
        return len(self.lower) - 1

    def constrain(self, terms: dict[int, float] | list[int], lo: float, hi: float, name="") -> None:
        """Add ``lo <= sum(coef * x[var]) <= hi``; a list of variables means coefficients 1."""
        if not isinstance(terms, dict):
            terms = dict.fromkeys(terms, 1.0)
        row = len(self.row_lo)
        for var, coef in terms.items():
            if coef:
                self.rows.append(row)
                self.cols.append(var)
                self.vals.append(coef)
        self.row_lo.append(lo)
        self.row_hi.append(hi)
        self.row_names.append(name)

    def solve(self, time_limit: float = 120.0, what: str = "model") -> np.ndarray:
        n = len(self.lower)
        matrix = coo_matrix((self.vals, (self.rows, self.cols)), shape=(len(self.row_lo), n))
        result = milp(
            c=np.array(self.cost),
            integrality=np.array(self.integer),
            bounds=Bounds(np.array(self.lower), np.array(self.upper)),
            constraints=LinearConstraint(
                matrix.tocsr(), np.array(self.row_lo), np.array(self.row_hi)
            ),
            options={"time_limit": time_limit, "presolve": True},
        )
        if result.x is None:
            raise Infeasible(f"{what}: {result.message}")
        return np.round(result.x).astype(np.int64)
