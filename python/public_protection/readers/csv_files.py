"""CSV extracts (OMI2): a header row, then rows of text in the layout's encoding."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

from public_protection.layout import RawTable
from public_protection.readers.base import (
    BLOCK_BYTES,
    CHUNK_ROWS,
    FileRejected,
    LandingFile,
    SheetReader,
    StagedRows,
    match_header,
    shape_row,
    sniff_kind,
    stage_sheets,
)

# Bytes Windows-1252 leaves undefined: Python's cp1252 codec refuses them.
CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# A free-text field may be long (inspectors' rationales); Python's csv module
# stops at 131,072 characters by default. Past this limit a field is refused
# by name rather than mistaken for a truncated file.
MAX_FIELD_CHARS = 16 * 1024 * 1024


def check_cp1252(file: str, path: Path) -> list[str]:
    """Check a Windows-1252 CSV extract's bytes in one streaming pass; return warnings.

    Refused: an empty file, one that is not text, a UTF-8 byte-order mark, UTF-8
    text (non-ASCII bytes that decode as UTF-8 almost never occur in real
    cp1252 text), and bytes undefined in Windows-1252 (named by line and offset).
    Memory stays flat: the file is read a block at a time.
    """
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, is_ascii = True, True
    first_undefined: tuple[int, int, int] | None = None  # (byte, line, offset)
    lines = crlf = 0
    offset, last = 0, b""
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            if offset == 0:
                if block.startswith(b"\xef\xbb\xbf"):
                    raise FileRejected(
                        file, "starts with a UTF-8 byte-order mark; this extract must be cp1252"
                    )
                kind = sniff_kind(block[:512])
                if kind != "text":
                    raise FileRejected(file, f"has a .csv name but is {kind}")
            if is_ascii and not block.isascii():
                is_ascii = False
            if not is_ascii and is_utf8:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    is_utf8 = False
            if first_undefined is None and (match := CP1252_UNDEFINED.search(block)):
                line = lines + block.count(b"\n", 0, match.start()) + 1
                first_undefined = (block[match.start()], line, offset + match.start())
            lines += block.count(b"\n")
            crlf += block.count(b"\r\n")
            if last == b"\r" and block.startswith(b"\n"):
                crlf += 1  # a CRLF split across two blocks
            offset += len(block)
            last = block[-1:]
    if offset == 0:
        raise FileRejected(file, "file is empty (0 bytes)")
    if not is_ascii and is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if not is_ascii and is_utf8:
        raise FileRejected(
            file,
            "is UTF-8 encoded (non-ASCII text decodes as UTF-8); "
            "this extract must be cp1252 (Windows-1252)",
        )
    if first_undefined is not None:
        byte, line, at = first_undefined
        raise FileRejected(
            file,
            f"byte 0x{byte:02x} at line {line} (byte offset {at}) is not valid Windows-1252 text",
        )
    warnings = []
    if lines and crlf == 0:
        warnings.append(f"{file}: uses LF line endings; the spec says CRLF (loaded anyway)")
    if last not in (b"\n", b"\r"):
        warnings.append(f"{file}: does not end with a line break; check the last row is complete")
    return warnings


def check_encoding(file: str, path: Path, encoding: str) -> list[str]:
    """A CSV file in another encoding than Windows-1252: it must decode whole.

    The first byte that cannot be read is named. Memory stays flat, as in
    ``check_cp1252``: the file is decoded a block at a time.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0

    def decode(block: bytes, final: bool = False) -> None:
        # a character split across blocks waits in the decoder's buffer
        start = offset - len(decoder.getstate()[0])
        try:
            decoder.decode(block, final=final)
        except UnicodeDecodeError as error:
            raise FileRejected(
                file, f"is not {encoding} text: byte {start + error.start} cannot be read"
            ) from None

    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            decode(block)
            offset += len(block)
    if offset == 0:
        raise FileRejected(file, "file is empty (0 bytes)")
    decode(b"", final=True)
    return []


def read_csv(file: str, path: Path, table: RawTable) -> SheetReader:
    """Read a CSV extract as a stream of row chunks. ``file`` is the name used in messages."""
    encoding = table.encoding
    if encoding == "cp1252":
        warnings = check_cp1252(file, path)
    else:
        warnings = check_encoding(file, path, encoding)
    csv.field_size_limit(MAX_FIELD_CHARS)
    handle = path.open(encoding=encoding, newline="")
    reader = csv.reader(handle, strict=True)

    def next_record() -> list[str] | None:
        try:
            return next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                reason = (
                    f"a field near line {reader.line_num} is longer than "
                    f"{MAX_FIELD_CHARS:,} characters; is a quote left open?"
                )
            else:
                reason = (
                    f"malformed CSV near line {reader.line_num} ({error}); "
                    "the file may be truncated"
                )
            raise FileRejected(file, reason, row=None) from None

    try:
        header = next_record()
    except FileRejected:
        handle.close()
        raise
    if header is None or not any(cell.strip() for cell in header):
        handle.close()
        raise FileRejected(file, "has no header row")
    try:
        names, extras, blanks = match_header(file, table, header)
    except FileRejected:
        handle.close()
        raise
    # Trailing blank header cells (a trailing comma) are harmless; inner ones too,
    # as long as no row puts data under them.

    def chunks() -> Iterator[list[tuple[int, list[str | None]]]]:
        blank_lines = empty_rows = 0
        chunk: list[tuple[int, list[str | None]]] = []
        row_number = 1
        with handle:
            while (record := next_record()) is not None:
                if not record:  # an empty line between records
                    blank_lines += 1
                    continue
                row_number += 1
                if not any(value.strip() for value in record):
                    empty_rows += 1  # Excel's empty rows: only commas
                    continue
                if len(record) < len(names):
                    raise FileRejected(
                        file,
                        f"has {len(record)} fields where the header has {len(names)} "
                        f"(line {reader.line_num}); the row is truncated or malformed",
                        row=row_number,
                    )
                # A blank CSV field cannot be told from a missing one: both land as NULL.
                texts = [value or None for value in record]
                chunk.append((row_number, shape_row(file, row_number, texts, len(names), blanks)))
                if len(chunk) >= CHUNK_ROWS:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk
        if blank_lines:
            warnings.append(f"{file}: skipped {blank_lines} empty line(s)")
        if empty_rows:
            warnings.append(
                f"{file}: skipped {empty_rows} row(s) with no values (only commas: "
                "empty rows saved from Excel)"
            )

    kept = [n for i, n in enumerate(names) if i not in blanks]
    return SheetReader(table, kept, extras, chunks(), warnings)


def stage(source: LandingFile) -> StagedRows:
    """The reader of ``.csv`` files: one table per layout table, read a chunk at a time."""
    return stage_sheets(source, [read_csv(source.name, source.path, t) for t in source.tables])
