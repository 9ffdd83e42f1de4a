"""The function-length rule of `make lint` (tools/check_function_length.py)."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

from public_protection.settings import find_project_dir

TOOL = find_project_dir() / "tools" / "check_function_length.py"


def load_tool():
    spec = importlib.util.spec_from_file_location("check_function_length", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_project(root: Path, body_lines: int, exceptions: str = "") -> Path:
    package = root / "pkg"
    package.mkdir(parents=True, exist_ok=True)
    body = "\n".join(f"    x{i} = {i}" for i in range(body_lines))
    (package / "mod.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        textwrap.dedent(
            """\
            [tool.public-protection.function-length]
            max-lines = 10
            paths = ["pkg"]

            [tool.public-protection.function-length.exceptions]
            """
        )
        + exceptions
    )
    return pyproject


def test_a_long_function_fails_unless_listed_with_a_reason(tmp_path):
    tool = load_tool()
    pyproject = write_project(tmp_path, body_lines=10)  # 11 lines with its def
    assert tool.main(["x", str(pyproject)]) == 1
    write_project(tmp_path, 10, '"pkg/mod.py::long" = "a table written row by row"\n')
    assert tool.main(["x", str(pyproject)]) == 0
    write_project(tmp_path, 10, '"pkg/mod.py::long" = ""\n')
    assert tool.main(["x", str(pyproject)]) == 1


def test_the_limit_is_inclusive_and_a_listed_function_that_got_short_must_leave(tmp_path, capsys):
    tool = load_tool()
    pyproject = write_project(tmp_path, body_lines=9)  # exactly 10 lines
    assert tool.main(["x", str(pyproject)]) == 0
    write_project(tmp_path, 9, '"pkg/mod.py::long" = "was long"\n')
    assert tool.main(["x", str(pyproject)]) == 1
    assert "pkg/mod.py::long: listed as long but is not" in capsys.readouterr().out


def test_a_docstring_does_not_count(tmp_path):
    tool = load_tool()
    pyproject = write_project(tmp_path, body_lines=9)  # 10 lines: at the limit
    module = tmp_path / "pkg" / "mod.py"
    doc = '    """A docstring\n\n    over several lines.\n    """\n'
    module.write_text(module.read_text().replace("def long():\n", "def long():\n" + doc))
    assert tool.main(["x", str(pyproject)]) == 0
    module.write_text(module.read_text().replace("    x0 = 0\n", "    x0 = 0\n    y = 1\n"))
    assert tool.main(["x", str(pyproject)]) == 1


def test_the_project_s_own_list_names_only_functions_that_are_long():
    tool = load_tool()
    import tomllib

    config = tomllib.loads((find_project_dir() / "pyproject.toml").read_text())
    section = config["tool"]["public-protection"]["function-length"]
    assert section["max-lines"] == 60
    assert tool.problems(section, find_project_dir()) == []
