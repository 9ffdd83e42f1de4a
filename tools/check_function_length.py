"""Refuse functions longer than the limit, except those listed with a reason.

Ruff counts statements and branches, not lines; this counts lines (``def`` to the
last line of the body, comments included, the docstring not: documenting a function
should never push it over), the measure a reader meets.
The limit and the listed exceptions are in ``pyproject.toml``
(``[tool.public-protection.function-length]``): an exception names
``path::function`` and says why it is long. A listed function that has become short
enough, or no longer exists, is reported too, so the list only shrinks.

    python tools/check_function_length.py [pyproject.toml]
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path


def _docstring_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    first = node.body[0]
    is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return (
        first.end_lineno - first.lineno + 1 if is_doc and isinstance(first.value.value, str) else 0
    )


def long_functions(base: Path, root: str, limit: int) -> dict[str, int]:
    """``path::function`` -> lines, for every function under ``root`` over ``limit``
    lines (paths relative to ``base``, the project)."""
    found: dict[str, int] = {}
    for path in sorted((base / root).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1 - _docstring_lines(node)
                if lines > limit:
                    found[f"{path.relative_to(base).as_posix()}::{node.name}"] = lines
    return found


def problems(config: dict, base: Path) -> list[str]:
    """What breaks the rule: unlisted long functions, listed ones that are not long."""
    limit = int(config["max-lines"])
    listed: dict[str, str] = config.get("exceptions", {})
    found: dict[str, int] = {}
    for root in config["paths"]:
        found.update(long_functions(base, root, limit))
    faults = [
        f"{name}: {lines} lines, over {limit}: split it, or list it with a reason"
        for name, lines in sorted(found.items())
        if name not in listed
    ]
    faults += [
        f"{name}: listed as long but is not (or is gone): take it off the list"
        for name in sorted(listed)
        if name not in found
    ]
    faults += [f"{name}: listed without a reason" for name, why in listed.items() if not why]
    return faults


def main(argv: list[str]) -> int:
    pyproject = Path(argv[1]) if len(argv) > 1 else Path("pyproject.toml")
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    section = config["tool"]["public-protection"]["function-length"]
    faults = problems(section, pyproject.resolve().parent)
    for fault in faults:
        print(fault)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
