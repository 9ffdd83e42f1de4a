"""What a validation run found: each expectation's outcome, and the run's report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from public_protection.build_info import BuildInfo
from public_protection.quality.suites import CRITICAL


@dataclass
class Outcome:
    suite: str
    table: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: str | None
    unexpected_count: int | None
    element_count: int | None
    kwargs: dict[str, Any]
    why: str


@dataclass
class ValidationReport:
    run_id: str
    run_at: dt.datetime
    outcomes: list[Outcome] = field(default_factory=list)
    build: BuildInfo | None = None
    reference: str = ""  # what the distribution guards compared with
    metrics: dict[str, float | None] = field(default_factory=dict)

    @property
    def critical_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == CRITICAL]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity != CRITICAL]

    @property
    def sets_baseline(self) -> bool:
        """A passing user-mode run becomes the reference for the next one."""
        return (
            self.build is not None
            and not self.build.is_bulletin_mode
            and not self.critical_failures
        )
