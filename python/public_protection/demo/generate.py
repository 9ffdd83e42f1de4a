"""Entry points for ``demo-data`` and ``calibrate``."""

from __future__ import annotations

import shutil
from pathlib import Path

from public_protection.demo.render import Manifest, render


def user_files_in(landing: Path) -> list[str]:
    """Whatever in ``landing`` the demo generator did not write, byte for byte."""
    from public_protection.load import demo_file_hashes, discover, sha256_of

    if not landing.exists():
        return []
    found = discover(landing)
    demo = demo_file_hashes(landing)
    theirs = [r.file for r in found.rejected]
    theirs += [name for name, path in found.files if demo.get(name) != sha256_of(path)]
    return theirs


def write_demo(landing: Path, seed: int = 0, scale: int = 1) -> Manifest:
    """Replace the landing folder's demo extracts with new ones.

    Refuses when the folder holds anything the generator did not write: demo
    data never overwrites, or sits beside, a user's extracts.
    """
    from public_protection.demo.plan import check_plan, read_plan

    theirs = user_files_in(landing)
    if theirs:
        shown = ", ".join(theirs[:5]) + (f" and {len(theirs) - 5} more" if len(theirs) > 5 else "")
        raise ValueError(
            f"{landing} holds {len(theirs)} file(s) that are not demo extracts ({shown}); "
            "demo data is written only into an empty folder or over earlier demo data"
        )

    plan = read_plan()
    misses = check_plan(plan)
    if misses:  # the committed plan no longer reproduces the bulletin
        raise RuntimeError(
            "the case plan misses published figures (run `public-protection calibrate`):\n  "
            + "\n  ".join(misses[:10])
        )
    for folder in ("omi2", "qi", "pi18"):
        target = landing / folder
        if not target.exists():
            continue
        # Hidden files stay: a checkout keeps the folders with a tracked .gitkeep.
        for entry in target.iterdir():
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    return render(plan, landing, seed=seed, scale=scale)


def recalibrate(seed: int, path: Path | None = None) -> tuple[Path, list[str], list]:
    """Solve the case plan again from ``seed`` and write it.

    Returns the path, the published figures missed (none is good) and the answers the
    significance statements changed, per question (``significance.QuestionChange``).
    """
    from public_protection.demo.calibrate import calibrate
    from public_protection.demo.plan import PLAN_PATH, check_plan, plan_to_csv

    cases, changes = calibrate(seed)
    misses = check_plan(cases)
    target = path or PLAN_PATH
    target.write_text(plan_to_csv(cases), encoding="utf-8")
    return target, misses, changes
