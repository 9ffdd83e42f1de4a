"""The fast workbook reader (calamine) sees what openpyxl sees, cell for cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from conftest import qi_sheets, write_workbook

from public_protection.layout import QI_CASES, QI_JUDGEMENTS
from public_protection.readers import cell_text, open_workbook, read_sheet


def rows_by_openpyxl(path: Path, sheet: str, width: int) -> list[tuple[int, list[str | None]]]:
    """The oracle: openpyxl's values through the same cell_text, empty rows skipped."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    worksheet = workbook[sheet]
    worksheet.reset_dimensions()
    rows = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number == 1 or values is None or all(cell_text(v) is None for v in values):
            continue
        texts = [cell_text(v) for v in values[:width]]
        rows.append((number, texts + [None] * (width - len(texts))))
    workbook.close()
    return rows


def rows_by_loader(path: Path, table) -> list[tuple[int, list[str | None]]]:
    workbook = open_workbook(path.name, path, path.read_bytes()[:512])
    reader = read_sheet(path.name, workbook, table)
    return [row for chunk in reader.chunks for row in chunk]


def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path):
    odd_cases = [
        ["QI-X-1", "QI-2017-04-NOR", " Kent ", "CRC", "A1", "Zoë O’Brien", 34, "Female",
         "White British", "Licence", "Medium", "Not MAPPA", "Theft", True, False, None,
         "line one\nline two & <three>"],
        ["QI-X-2", "QI-2017-04-NOR", "Kent", "nps", "A2", "Al", 52.5, "male", None, None,
         "High", "Category 2", "Robbery", None, "Yes", "No", None],
        [None] * 17,  # an empty row: skipped by both
        ["QI-X-3", "QI-2017-04-NOR", "Kent", "CRC", "A3", "Bo", dt.datetime(2017, 3, 4),
         "Male", "x", "Licence", "Low", None, None, None, None, None,
         dt.datetime(2017, 3, 4, 10, 30)],
        ["QI-X-4", "QI-2017-04-NOR", "Kent", "CRC", "A4", "Cy", 1e-3, "Male", "x", "Licence",
         "Low", None, None, None, None, None, 12345678901],
    ]  # fmt: skip
    path = write_workbook(tmp_path / "QI_odd.xlsx", qi_sheets(cases=odd_cases))
    width = len(QI_CASES.columns)
    assert rows_by_loader(path, QI_CASES) == rows_by_openpyxl(path, "Cases", width)
    assert rows_by_loader(path, QI_JUDGEMENTS) == rows_by_openpyxl(
        path, "Judgements", len(QI_JUDGEMENTS.columns)
    )


def test_leading_blank_rows_keep_their_row_numbers(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Cases"
    sheet.append(list(QI_CASES.columns))
    sheet.append([None] * 3)
    sheet.append([None] * 3)
    sheet["A4"] = "QI-X-9"
    sheet["C4"] = "Kent"
    judgements = workbook.create_sheet("Judgements")
    judgements.append(list(QI_JUDGEMENTS.columns))
    path = tmp_path / "QI_gaps.xlsx"
    workbook.save(path)
    rows = rows_by_loader(path, QI_CASES)
    assert [number for number, _ in rows] == [4]
    assert rows == rows_by_openpyxl(path, "Cases", len(QI_CASES.columns))


@pytest.mark.dbt
def test_demo_workbooks_read_the_same_with_both_readers(demo_warehouse):
    landing = demo_warehouse.parent / "landing" / "qi"
    for path in sorted(landing.glob("*.xlsx"))[:3]:
        assert rows_by_loader(path, QI_CASES) == rows_by_openpyxl(
            path, "Cases", len(QI_CASES.columns)
        )
        assert rows_by_loader(path, QI_JUDGEMENTS) == rows_by_openpyxl(
            path, "Judgements", len(QI_JUDGEMENTS.columns)
        )
