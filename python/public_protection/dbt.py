"""Run dbt against the warehouse chosen by ``--db``.

dbt runs in a child process: dbt-duckdb keeps its DuckDB connection open for
the life of the process, which would hold the file lock after ``build`` and
clash with later stages that open the warehouse (read-only) themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from public_protection.settings import DEFAULT_DB, ENV_DB


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's virtual environment)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(args: Sequence[str], project_dir: Path, db: Path) -> bool:
    """Run a dbt command (e.g. ``["build"]``) and return whether it succeeded.

    The warehouse path reaches ``profiles.yml`` through ``PUBLIC_PROTECTION_DB``,
    the same variable a user sets when running ``dbt build`` by hand.
    """
    env = dict(os.environ)
    # dbt re-parses the whole project when its profile changes, and the profile
    # holds the warehouse path: give dbt the path as a plain `dbt build` would
    # see it (the profile's own default, or the variable as the user set it).
    # dbt runs in the project folder, where a relative path is resolved.
    as_dbt_sees_it = project_dir / (env.get(ENV_DB) or DEFAULT_DB)
    if as_dbt_sees_it.resolve() != db.resolve():
        env[ENV_DB] = str(db)
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
    ]
    try:
        completed = subprocess.run(command, cwd=project_dir, env=env, check=False)
    except FileNotFoundError:
        raise RuntimeError("dbt is not installed in this environment") from None
    return completed.returncode == 0
