"""A minimal, deterministic .xlsx writer for the demo workbooks.

openpyxl stamps the time into every zip entry and the document properties, so
two runs never give the same bytes; it is also slow for a million rows. This
writer emits the few parts a workbook needs, with inline strings, fixed
timestamps and a fixed entry order. openpyxl and Excel both read it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

FIXED_TIME = (2018, 1, 1, 0, 0, 0)
EXCEL_MAX_ROWS = 1_048_576

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}"
    "</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{rels}</Relationships>"
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
)


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, number = "", index + 1
        while number:
            number, remainder = divmod(number - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _cell(ref: str, value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(str(value))
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _sheet_xml(rows: Iterable[Sequence], width: int, height: int) -> Iterable[str]:
    letters = _column_letters(width)
    # The dimension lets streaming readers pad short rows to the full width.
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{letters[-1]}{height}"/><sheetData>'
    )
    for number, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{letters[i]}{number}", v) for i, v in enumerate(row))
        yield f'<row r="{number}">{cells}</row>'
    yield "</sheetData></worksheet>"


def write_workbook(path: Path, sheets: dict[str, tuple[Sequence[str], Sequence[Sequence]]]) -> None:
    """Write ``{sheet name: (header, rows)}`` to ``path``; byte-identical for the same input."""

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    names = list(sheets)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            entry("[Content_Types].xml"),
            _CONTENT_TYPES.format(
                sheets="".join(_SHEET_TYPE.format(n=i + 1) for i in range(len(names)))
            ),
        )
        archive.writestr(entry("_rels/.rels"), _ROOT_RELS)
        archive.writestr(
            entry("xl/workbook.xml"),
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{escape(name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                    for i, name in enumerate(names)
                )
            ),
        )
        archive.writestr(
            entry("xl/_rels/workbook.xml.rels"),
            _WORKBOOK_RELS.format(
                rels="".join(_SHEET_REL.format(n=i + 1) for i in range(len(names)))
            ),
        )
        for i, name in enumerate(names):
            header, rows = sheets[name]

            def all_rows(header=header, rows=rows):
                yield header
                yield from rows

            with archive.open(entry(f"xl/worksheets/sheet{i + 1}.xml"), "w") as handle:
                buffer: list[str] = []
                for chunk in _sheet_xml(all_rows(), len(header), len(rows) + 1):
                    buffer.append(chunk)
                    if len(buffer) >= 2000:
                        handle.write("".join(buffer).encode("utf-8"))
                        buffer.clear()
                handle.write("".join(buffer).encode("utf-8"))
