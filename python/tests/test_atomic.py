"""Outputs replaced whole or not at all (public_protection.atomic)."""

from __future__ import annotations

import pytest

from public_protection.atomic import folder_replaced, replaced_atomically


def test_a_failed_folder_replacement_leaves_the_old_folder_and_nothing_else(tmp_path):
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "old.html").write_text("old")
    with pytest.raises(RuntimeError), folder_replaced(folder) as staging:
        (staging / "new.html").write_text("new")
        raise RuntimeError("failed part way")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    assert [p.name for p in folder.iterdir()] == ["old.html"]
    with folder_replaced(folder) as staging:
        (staging / "new.html").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    assert [p.name for p in folder.iterdir()] == ["new.html"]


def test_a_failed_file_replacement_leaves_the_old_file_and_nothing_else(tmp_path):
    target = tmp_path / "published.duckdb"
    target.write_text("old")
    with pytest.raises(RuntimeError), replaced_atomically(target) as temporary:
        temporary.write_text("new")
        raise RuntimeError("failed part way")
    assert [p.name for p in tmp_path.iterdir()] == ["published.duckdb"]
    assert target.read_text() == "old"
    with replaced_atomically(target) as temporary:
        temporary.write_text("new")
    assert [p.name for p in tmp_path.iterdir()] == ["published.duckdb"]
    assert target.read_text() == "new"
