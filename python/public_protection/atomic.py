"""Outputs replaced whole or not at all: a temporary beside the target, moved over it.

A reader holding the previous file open (a BI tool, a browser) keeps reading it; a
failure part way leaves the previous output as it was and no temporary behind.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _beside(target: Path, suffix: str) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{suffix}")


@contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """A temporary path to write; moved over the file ``target`` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _beside(target, "tmp")
    temporary.unlink(missing_ok=True)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def folder_replaced(folder: Path) -> Iterator[Path]:
    """A temporary folder to fill; swapped in for ``folder`` only if the block succeeds.

    A folder cannot be renamed over one that has files, so the old one is moved
    aside first and removed only once the new one is in place.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = _beside(folder, "tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        yield staging
        retired = _beside(folder, "old")
        if folder.exists():
            folder.rename(retired)
        staging.rename(folder)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
