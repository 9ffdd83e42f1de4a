"""A JSON export's bytes: checked as UTF-8 JSON, its fields before the list of records
parsed, and values as the text ``raw`` keeps. Used by ``json_files``, which reads the
list itself with DuckDB."""

from __future__ import annotations

import codecs
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from public_protection.layout import RawTable
from public_protection.readers.base import (
    BLOCK_BYTES,
    FileRejected,
    sniff_kind,
)

# DuckDB reads values JSON has no place for (NaN, Infinity, nan, inf, ...): found by
# their text, then placed by Python's parser, which refuses them.
NON_FINITE = ("nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity")
# Python's parser, nesting in Python frames, stops near the recursion limit; the
# same limit is applied to a value DuckDB read, so the refusal does not depend on
# which reader saw the file.
MAX_DEPTH = sys.getrecursionlimit()
TOO_DEEP = (
    "nested too deeply to read (lists or objects inside one another beyond "
    f"the reader's limit of about {MAX_DEPTH:,} levels)"
)
# A record DuckDB reads whole may be as long as the list (one huge free-text field).
MIN_OBJECT_BYTES = 16 * 1024 * 1024
_WHITESPACE = b" \t\r\n"


# --- the export's bytes and its fields outside the list ----------------------------


def check_start(file: str, head: bytes) -> None:
    """Refuse an export by its first bytes: empty, a byte-order mark, not text."""
    if not head:
        raise FileRejected(file, "file is empty (0 bytes)")
    if head.startswith(b"\xef\xbb\xbf"):
        raise FileRejected(file, "starts with a UTF-8 byte-order mark; the export must be UTF-8")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            file, "is UTF-16 text (it starts with a UTF-16 byte-order mark); the export must be "
            "UTF-8 without a byte-order mark",
        )  # fmt: skip
    kind = sniff_kind(head[:512])
    if kind != "text":
        raise FileRejected(file, f"has a .json name but is {kind}")


class NotJson(ValueError):
    """A NaN or Infinity literal: Python's json module reads them, JSON has none."""


def not_json(literal: str):
    raise NotJson(literal)


# A JSON string, or one of the literals Python's json module reads and JSON lacks.
_STRING_OR_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN')


def _place(text: str) -> tuple[int, int]:
    """Line and column (from 1) of the first NaN or Infinity outside a string in ``text``."""
    offset = next(
        (m.start() for m in _STRING_OR_LITERAL.finditer(text) if not m[0].startswith('"')), 0
    )
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


_DECODER = json.JSONDecoder(parse_constant=not_json)


def parse_json(file: str, text: str, decode=None) -> Any:
    """Parse JSON text, refusing it with the place Python's parser names."""
    try:
        return (decode or _DECODER.decode)(text)
    except json.JSONDecodeError as error:
        raise FileRejected(
            file, f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except NotJson as literal:
        line, column = _place(text)
        raise FileRejected(
            file, f"invalid JSON at line {line}, column {column}: {literal.args[0]} is not a "
            "JSON value (JSON has no NaN or Infinity)",
        ) from None  # fmt: skip
    except RecursionError:
        raise FileRejected(file, TOO_DEEP) from None


def read_json_document(file: str, path: Path) -> dict:
    """Parse a JSON export whole: UTF-8 without a byte-order mark, one object.

    The diagnosis for a file DuckDB could not read, and the reader of one whose
    list of records is not its last field: memory in proportion to the file.
    """
    data = path.read_bytes()
    check_start(file, data[:512])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRejected(file, f"is not UTF-8 text: byte {error.start} cannot be read") from None
    del data
    document = parse_json(file, text)
    if not isinstance(document, dict):
        raise FileRejected(file, f"holds a JSON {type(document).__name__}, not one object")
    return document


@dataclass
class ExportHead:
    """The export's fields before its list of records, and where the list's bytes are."""

    fields: dict[str, Any]
    list_start: int  # byte offset of the list's ``[``
    list_end: int  # byte offset just past its ``]``


def _decode_prefix(data: bytes, final: bool) -> str:
    """UTF-8 text of a file's first bytes (a character cut at the end waits)."""
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        raise _NotHead from None


class _NeedMore(Exception):
    """The bytes read so far end inside a value: read more and scan again."""


class _NotHead(Exception):
    """The start of the file is not an object's fields: the whole file is parsed."""


_WS = re.compile(r"[ \t\n\r]*")


def _scan_fields(text: str, complete: bool, list_key: str) -> tuple[dict, int] | None:
    """The top-level object's fields up to ``list_key``, and the character offset of its
    value; None if the text is not an object whose ``list_key`` is a list."""
    pos = _WS.match(text, 0).end()
    if pos >= len(text):
        if complete:
            return None
        raise _NeedMore
    if text[pos] != "{":
        return None
    pos += 1
    fields: dict[str, Any] = {}
    while True:
        pos = _WS.match(text, pos).end()
        if pos >= len(text):
            raise _NeedMore
        if text[pos] == "}" and not fields:
            return None  # an empty object: no list
        key, pos = _value(text, pos, complete)
        if not isinstance(key, str):
            return None
        pos = _WS.match(text, pos).end()
        if pos >= len(text):
            raise _NeedMore
        if text[pos] != ":":
            return None
        pos = _WS.match(text, pos + 1).end()
        if pos >= len(text):
            raise _NeedMore
        if key == list_key:
            return (fields, pos) if text[pos] == "[" else None
        fields[key], pos = _value(text, pos, complete)
        pos = _WS.match(text, pos).end()
        if pos >= len(text):
            raise _NeedMore
        if text[pos] != ",":
            return None
        pos += 1


def _value(text: str, pos: int, complete: bool) -> tuple[Any, int]:
    """One JSON value at ``pos``: ``_NeedMore`` if it may run past the text read,
    ``_NotHead`` if it is not JSON (the whole file's parse then names the place)."""
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as error:
        if not complete and (error.pos > len(text) - 64 or error.msg.startswith("Unterminated")):
            raise _NeedMore from None
        raise _NotHead from None
    except (NotJson, RecursionError):
        raise _NotHead from None


def scan_head(file: str, path: Path, list_key: str) -> ExportHead | None:
    """Read an export's fields before ``list_key`` and find its list's bytes, streaming.

    None when the export is not laid out as one object ending in that list (another
    order of fields, or not JSON): the caller then parses it whole, and a file that is
    not JSON is refused with the place Python's parser names, as before.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        wanted = BLOCK_BYTES
        while True:
            handle.seek(0)
            data = handle.read(wanted)
            check_start(file, data[:512])
            complete = len(data) >= size
            try:
                text = _decode_prefix(data, complete)
                found = _scan_fields(text, complete, list_key)
                break
            except _NotHead:
                return None
            except _NeedMore:
                if complete:
                    return None
                wanted *= 4
        if found is None:
            return None
        fields, start = found
        list_start = len(text[:start].encode("utf-8"))
        # The list is the object's last field: the file ends ``]``, ``}``, whitespace.
        tail_at = max(list_start, size - 4096)
        handle.seek(tail_at)
        tail = handle.read().rstrip(_WHITESPACE)
    if not tail.endswith(b"}"):
        return None
    tail = tail[:-1].rstrip(_WHITESPACE)
    if not tail.endswith(b"]"):
        return None
    list_end = tail_at + len(tail)
    if list_end <= list_start:
        return None
    return ExportHead(fields, list_start, list_end)


def copy_bytes(source: Path, start: int, end: int, target: Path) -> None:
    """Copy bytes [start, end) of ``source`` to ``target``, a block at a time."""
    with source.open("rb") as reading, target.open("wb") as writing:
        reading.seek(start)
        left = end - start
        while left > 0:
            block = reading.read(min(BLOCK_BYTES, left))
            if not block:
                break
            writing.write(block)
            left -= len(block)


# --- values as raw keeps them ---------------------------------------------------


def json_text(value: Any) -> str | None:
    """A JSON value as the text raw keeps: strings as received, null as NULL, true and
    false as ``true`` and ``false``, numbers as written, lists and objects as compact
    JSON (as DuckDB writes them)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


MISSING = object()


def field_at(record: dict, path: str) -> Any:
    """The value at a dotted path, or ``MISSING`` if a key on the way is absent."""
    value: Any = record
    for key in path.split("."):
        if type(value) is not dict or key not in value:
            return MISSING
        value = value[key]
    return value


def check_json_document(file: str, file_name: str, document: dict, table: RawTable) -> None:
    """The export's format version and inspection id, against the layout and the file name."""
    spec = table.json
    assert spec is not None
    if spec.format_field:
        received = field_at(document, spec.format_field)
        if received is MISSING:
            raise FileRejected(
                file, f"has no {spec.format_field!r} field", column=spec.format_field
            )
        if received not in spec.formats:
            raise FileRejected(
                file,
                f"format {received!r} is not one this loader reads ({', '.join(spec.formats)})",
                column=spec.format_field,
            )
    if spec.inspection_field:
        inspection = field_at(document, spec.inspection_field)
        if inspection is MISSING or not isinstance(inspection, str) or not inspection.strip():
            raise FileRejected(file, "has no inspection id", column=spec.inspection_field)
        if not table.names_inspection(file_name, inspection):
            before, _, after = (table.file_name or "{inspection}").partition("{inspection}")
            name = f"{before}{inspection.strip()}{after}"
            if table.reexport_suffix:  # e.g. X_<id>_<n>.json, n = 2, 3, ...
                suffix = table.reexport_suffix.replace("{n}", "<n>")
                name += f" (re-exported: {before}{inspection.strip()}{suffix}{after}, n from 2)"
            raise FileRejected(
                file,
                f"is named for another inspection than its {spec.inspection_field} "
                f"{inspection.strip()!r}: it must be named {name}",
                column=spec.inspection_field,
            )
