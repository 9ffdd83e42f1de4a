"""Run dbt against the warehouse chosen by ``--db``.

dbt runs in this process (dbt's programmatic runner): a child process would
start Python and import dbt again for every `build` and `publish`, a few
seconds each. dbt-duckdb keeps its DuckDB connection open after a command, which
would hold the warehouse's lock against the later stages, so every run ends by
closing it.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from public_protection.settings import ENV_DB


@contextmanager
def _as_plain_dbt(project_dir: Path, db: Path) -> Iterator[None]:
    """The working folder and environment a plain `dbt` in the project would have.

    The warehouse reaches dbt through ``PUBLIC_PROTECTION_DB``, which the
    project's dbt-duckdb plugin reads as dbt connects; the profile dbt hashes
    for its partial parse does not hold the path, so the CLI and plain dbt share
    one partial parse whichever warehouse each works on.
    """
    saved_cwd, saved_db = Path.cwd(), os.environ.get(ENV_DB)
    try:
        os.chdir(project_dir)
        os.environ[ENV_DB] = str(db)
        yield
    finally:
        os.chdir(saved_cwd)
        if saved_db is None:
            os.environ.pop(ENV_DB, None)
        else:
            os.environ[ENV_DB] = saved_db


def _release_warehouse() -> None:
    """Close dbt-duckdb's connection, so that the warehouse's lock is free again."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    # The connection is kept open for the whole command (its main database is
    # in memory): close it here rather than when the environment is collected.
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


def run_dbt(args: Sequence[str], project_dir: Path, db: Path) -> bool:
    """Run a dbt command (e.g. ``["build"]``) and return whether it succeeded.

    The warehouse path reaches dbt through ``PUBLIC_PROTECTION_DB``, the same
    variable a user sets when running ``dbt build`` by hand.
    """
    try:
        from dbt.cli.main import dbtRunner
    except ImportError:
        raise RuntimeError("dbt is not installed in this environment") from None
    command = [*args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    with _as_plain_dbt(project_dir, db):
        try:
            result = dbtRunner().invoke(command)
        finally:
            _release_warehouse()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        print(f"dbt: {result.exception}", file=sys.stderr)
    return bool(result.success)
