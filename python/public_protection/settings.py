"""Paths and settings shared by every CLI verb.

Defaults and environment variables (README, "What it does"):
``--db`` / ``PUBLIC_PROTECTION_DB`` and ``--landing`` / ``PUBLIC_PROTECTION_LANDING``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = Path("warehouse/public_protection.duckdb")
DEFAULT_PUBLISHED_DB = Path("warehouse/public_protection_published.duckdb")
DEFAULT_AGGREGATE_DB = Path("warehouse/public_protection_aggregate.duckdb")
# DuckDB 1.0 and later read files written in this storage version (publish.py).
DEFAULT_STORAGE_VERSION = "v1.0.0"
DEFAULT_LANDING = Path("data/landing")
DEFAULT_REPORT_DIR = Path("warehouse/report")

ENV_DB = "PUBLIC_PROTECTION_DB"
ENV_PUBLISHED_DB = "PUBLIC_PROTECTION_PUBLISHED_DB"
ENV_AGGREGATE_DB = "PUBLIC_PROTECTION_AGGREGATE_DB"
ENV_STORAGE_VERSION = "PUBLIC_PROTECTION_STORAGE_VERSION"
ENV_LANDING = "PUBLIC_PROTECTION_LANDING"
ENV_REPORT_DIR = "PUBLIC_PROTECTION_REPORT_DIR"
ENV_PROJECT_DIR = "PUBLIC_PROTECTION_PROJECT_DIR"

# The secret behind every case_key (docs/input-contract.md, "The key"). Without
# it the public demo key is used, which only the synthetic demo may be keyed with.
ENV_KEY = "PUBLIC_PROTECTION_KEY"
DEMO_KEY = "public-protection-demo-key-not-secret"


def key_mode(key: str | None) -> str:
    """``demo`` when no key is set or the key is the public demo key, else ``secret``."""
    return "secret" if key and key != DEMO_KEY else "demo"


@dataclass(frozen=True)
class Settings:
    """Where this run reads and writes."""

    db: Path
    landing: Path
    project_dir: Path
    published: Path
    report_dir: Path
    aggregate: Path = Path(DEFAULT_AGGREGATE_DB.name)
    storage_version: str = DEFAULT_STORAGE_VERSION
    # True when no --landing and no PUBLIC_PROTECTION_LANDING chose the folder:
    # only then may `run` write the demo extracts into it unasked.
    landing_is_default: bool = False


def find_project_dir(start: Path | None = None) -> Path:
    """Locate the dbt project (the repository root).

    The CLI can be called from any folder; the dbt project is found from
    ``PUBLIC_PROTECTION_PROJECT_DIR``, else by walking up from the working
    directory, else beside the installed package (editable installs).
    """
    if os.environ.get(ENV_PROJECT_DIR):
        return Path(os.environ[ENV_PROJECT_DIR]).resolve()
    candidates = [Path(start or Path.cwd()).resolve()]
    candidates += list(candidates[0].parents)
    candidates += list(Path(__file__).resolve().parents)
    for folder in candidates:
        if (folder / "dbt_project.yml").is_file():
            return folder
    raise FileNotFoundError(
        f"cannot find dbt_project.yml; run from the repository or set {ENV_PROJECT_DIR}"
    )


def resolve_settings(
    db: str | None,
    landing: str | None,
    published: str | None = None,
    report_dir: str | None = None,
    aggregate: str | None = None,
    storage_version: str | None = None,
) -> Settings:
    """Apply the precedence: command-line option, then environment, then default.

    Relative defaults are taken from the repository root so that the CLI and
    ``dbt build`` run from the root agree on the same warehouse file.
    """
    project_dir = find_project_dir()

    def pick(option: str | None, env: str, default: Path) -> Path:
        if option:
            return Path(option).resolve()
        if os.environ.get(env):
            return Path(os.environ[env]).resolve()
        return (project_dir / default).resolve()

    restricted = pick(db, ENV_DB, DEFAULT_DB)
    published = pick(published, ENV_PUBLISHED_DB, restricted.parent / DEFAULT_PUBLISHED_DB.name)
    return Settings(
        db=restricted,
        landing=pick(landing, ENV_LANDING, DEFAULT_LANDING),
        project_dir=project_dir,
        # Beside the restricted file unless told otherwise: the contract's default
        # warehouse/public_protection_published.duckdb when --db is the default.
        published=published,
        # The aggregate file lives beside the analyst file unless told otherwise.
        aggregate=pick(aggregate, ENV_AGGREGATE_DB, published.parent / DEFAULT_AGGREGATE_DB.name),
        storage_version=storage_version
        or os.environ.get(ENV_STORAGE_VERSION)
        or DEFAULT_STORAGE_VERSION,
        # Likewise warehouse/report/ beside the restricted file by default.
        report_dir=pick(report_dir, ENV_REPORT_DIR, restricted.parent / DEFAULT_REPORT_DIR.name),
        landing_is_default=not landing and not os.environ.get(ENV_LANDING),
    )
