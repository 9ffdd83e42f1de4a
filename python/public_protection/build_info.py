"""How the warehouse was built: ``reporting.rpt_build_info``, read by every later stage.

``build`` decides the two settings once (dbt's ``bulletin_mode`` var and the key
in ``PUBLIC_PROTECTION_KEY``); ``validate``, ``regress`` and ``report`` follow
what the warehouse records rather than guessing again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb


class BuildInfoMissing(RuntimeError):
    """The warehouse has no build record: it was not built, or by an older version."""


@dataclass(frozen=True)
class BuildInfo:
    key_mode: str  # demo | secret
    is_bulletin_mode: bool
    bulletin_mode_setting: str  # auto | on | off
    files_loaded: int
    demo_files_loaded: int
    programmes: str | None
    fieldwork_from: dt.date | None
    fieldwork_to: dt.date | None
    # the demo's --scale: the published counts are multiplied by it (1 for real data)
    bulletin_scale: int = 1
    demo_programmes: str | None = None  # programmes whose every case is from a demo file

    @property
    def compares_statements(self) -> bool:
        """The bulletin's significance statements are about its sample size: compared in
        bulletin mode at scale 1 only (at scale K every test statistic grows about K-fold)."""
        return self.is_bulletin_mode and self.bulletin_scale == 1

    @property
    def mode_label(self) -> str:
        return "bulletin mode" if self.is_bulletin_mode else "user mode"

    @property
    def period(self) -> str:
        """The sample's fieldwork period, e.g. ``March 2010 to November 2017``."""
        if self.fieldwork_from is None or self.fieldwork_to is None:
            return "no cases in the sample"
        start, end = (f"{d:%B %Y}" for d in (self.fieldwork_from, self.fieldwork_to))
        return start if start == end else f"{start} to {end}"

    def describe(self) -> str:
        key = (
            "case keys made with the public demo key (demo extracts only)"
            if self.key_mode == "demo"
            else "case keys made with the secret in PUBLIC_PROTECTION_KEY"
        )
        if self.is_bulletin_mode:
            mode = "bulletin mode: every published figure is compared with the bulletin"
        else:
            mode = "user mode: no comparison with the published bulletin"
        return f"{mode}; {key} (reporting.rpt_build_info)"


def read_build_info(db: Path) -> BuildInfo:
    """The build record of ``db`` (opened read-only)."""
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute(
                "select key_mode, is_bulletin_mode, bulletin_mode_setting, files_loaded, "
                "demo_files_loaded, programmes, fieldwork_from, fieldwork_to, bulletin_scale, "
                "demo_programmes "
                "from reporting.rpt_build_info"
            ).fetchone()
    except duckdb.Error as error:
        raise BuildInfoMissing(
            f"{db} has no build record (reporting.rpt_build_info: {error}); "
            "run `public-protection build` first"
        ) from None
    if row is None:
        raise BuildInfoMissing(f"{db}: reporting.rpt_build_info is empty; build again")
    return BuildInfo(*row)
