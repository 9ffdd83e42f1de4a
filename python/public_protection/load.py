"""Land raw extracts in DuckDB's ``raw`` schema, as received, with provenance.

Promises (``docs/input-contract.md``, section 4):

- every column lands as text under its received name, plus ``_source_file``,
  ``_source_sha256``, ``_source_row`` and ``_loaded_at``;
- a file already loaded with the same content changes nothing; a file whose
  content changed replaces its own rows only;
- the batch is one transaction: if any file is rejected nothing is written
  except the rejection records in ``raw.load_log``;
- every file-level problem is named (file, row, column, reason).
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from public_protection.layout import (
    DEMO_MANIFEST,
    LANDING_FOLDERS,
    PROVENANCE_COLUMNS,
    RAW_TABLES,
    RawTable,
)
from public_protection.readers import (
    FileRejected,
    LandingFile,
    StagedTable,
    check_readable,
    reader_for,
)
from public_protection.sql import quote_identifier, quote_literal

LOAD_LOG_DDL = """
create table if not exists raw.load_log (
    batch_id varchar not null,
    file varchar not null,
    file_kind varchar,
    sha256 varchar,
    rows bigint,
    status varchar not null,
    message varchar,
    started_at timestamp not null,
    finished_at timestamp not null
)
"""

# What is in raw now: one row per landing file whose rows are loaded.
SOURCE_FILES_DDL = """
create table if not exists raw.source_files (
    file varchar primary key,
    file_kind varchar not null,
    sha256 varchar not null,
    rows bigint not null,
    loaded_at timestamp not null,
    is_demo boolean not null default false
)
"""


class LandingEmpty(Exception):
    """The landing folder does not exist or holds no extract: nothing to load."""


def check_landing(landing: Path) -> Landing:
    """What ``landing`` holds, or ``LandingEmpty`` naming it when there is nothing to load."""
    check_readable()  # every layout's files have a reader
    if not landing.is_dir():
        what = "is not a folder" if landing.exists() else "does not exist"
        raise LandingEmpty(f"the landing folder {landing} {what}")
    found = discover(landing)
    if found.is_empty:
        folders = " and ".join(f"{f}/*{e}" for f, e in LANDING_FOLDERS.items())
        raise LandingEmpty(
            f"the landing folder {landing} holds no extract (expected {folders}; "
            "`public-protection demo-data` writes the synthetic demo there)"
        )
    return found


class LoadFailed(Exception):
    """The batch was rolled back. ``rejections`` lists every rejected file."""

    def __init__(self, rejections: list[FileRejected]):
        self.rejections = rejections
        lines = "\n".join(f"  - {r}" for r in rejections)
        super().__init__(
            f"{len(rejections)} file(s) rejected; nothing was loaded "
            f"(the warehouse is unchanged):\n{lines}"
        )


@dataclass
class FileOutcome:
    """What happened to one landing file in a batch."""

    file: str
    kind: str
    sha256: str
    status: str  # loaded | replaced | unchanged | rejected
    rows: int = 0
    is_demo: bool = False
    message: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    batch_id: str
    outcomes: list[FileOutcome]
    notes: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return self.notes + [w for o in self.outcomes for w in o.warnings]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Landing:
    """What a landing folder holds: extracts to load, files refused, files skipped."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    rejected: list[FileRejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.files and not self.rejected


# Files a landing folder may hold beside the extracts: the demo's manifest.
LANDING_ROOT_FILES = {DEMO_MANIFEST}


def discover(landing: Path) -> Landing:
    """List the landing files to load, and reject anything that does not belong.

    Sub-folder names match case-insensitively (``ABC/`` is ``abc/``). Hidden
    files (``.gitkeep``) and Excel's lock files (``~$name.xlsx``, left while a
    workbook is open) are skipped, the latter with a note. Anything else that
    is not an extract in its folder is rejected by name, so a file put in the
    wrong place is never silently left out.
    """
    found = Landing()
    if not landing.is_dir():
        return found
    folders = {folder: None for folder in LANDING_FOLDERS}
    for entry in sorted(landing.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and entry.name.lower() in folders:
            if folders[entry.name.lower()] is not None:
                found.rejected.append(
                    FileRejected(
                        entry.name,
                        f"two folders for one programme: {folders[entry.name.lower()].name}/ "
                        f"and {entry.name}/ (folder names match case-insensitively)",
                    )
                )
                continue
            folders[entry.name.lower()] = entry
        elif entry.is_dir():
            found.rejected.append(
                FileRejected(
                    entry.name,
                    "unexpected folder in the landing folder (extracts go in "
                    + " or ".join(f"{f}/" for f in LANDING_FOLDERS)
                    + ")",
                )
            )
        elif entry.name not in LANDING_ROOT_FILES:
            found.rejected.append(
                FileRejected(
                    entry.name,
                    "file at the landing folder's root: extracts go in "
                    + " or ".join(f"{f}/" for f in LANDING_FOLDERS)
                    + ", where the loader reads them",
                )
            )
    for folder, extension in LANDING_FOLDERS.items():
        directory = folders[folder]
        if directory is None:
            continue
        for path in sorted(directory.iterdir()):
            # Named by the canonical folder, whatever its case on disk, so a
            # renamed folder does not make every file look new.
            name = f"{folder}/{path.name}"
            if path.name.startswith("."):
                continue
            if path.name.startswith("~$"):
                found.notes.append(
                    f"{directory.name}/{path.name}: skipped, an Excel lock file "
                    "(the workbook is open somewhere; close it and load again to be sure "
                    "the saved version is read)"
                )
                continue
            if path.is_symlink() and not path.exists():
                found.rejected.append(
                    FileRejected(name, f"is a link to {path.readlink()}, which does not exist")
                )
            elif path.is_dir():
                found.rejected.append(
                    FileRejected(name, "unexpected folder inside the landing folder")
                )
            elif path.suffix.lower() != extension:
                found.rejected.append(
                    FileRejected(
                        name,
                        f"unknown file type {path.suffix or '(none)'!r}: "
                        f"{folder}/ holds only {extension} files",
                    )
                )
            else:
                found.files.append((name, path))
    return found


def demo_file_hashes(landing: Path) -> dict[str, str]:
    """The demo generator's files (name -> SHA-256) listed in the landing's manifest.

    A file counts as demo data only if its content is byte for byte what the
    generator wrote; anything else is the user's.
    """
    manifest = landing / DEMO_MANIFEST
    if not manifest.is_file():
        return {}
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
        return {name: entry["sha256"] for name, entry in listed.items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``raw`` schema and its tables (empty) if they are missing."""
    con.execute("create schema if not exists raw")
    con.execute(LOAD_LOG_DDL)
    con.execute(SOURCE_FILES_DDL)
    # Warehouses loaded before demo provenance was recorded: their files count as
    # the user's, the safe side (they need a key and no bulletin is assumed).
    con.execute(
        "alter table raw.source_files add column if not exists is_demo boolean default false"
    )
    for table in RAW_TABLES:
        columns = ", ".join(f'"{c}" varchar' for c in table.columns)
        con.execute(
            f"create table if not exists {table.qualified_name} ({columns}, "
            "_source_file varchar not null, _source_sha256 varchar not null, "
            "_source_row integer not null, _loaded_at timestamp not null)"
        )


def _loaded_files(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The files raw holds now (name -> SHA-256); none before the first load."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'source_files'"
    ).fetchone()[0]
    if not exists:
        return {}
    return dict(con.execute("select file, sha256 from raw.source_files").fetchall())


def _existing_columns(con: duckdb.DuckDBPyConnection, table: RawTable) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'raw' and table_name = ?",
        [table.name],
    ).fetchall()
    return {r[0] for r in rows}


@dataclass
class StagedFile:
    """One landing file read whole into the scratch database, and what it will become."""

    outcome: FileOutcome
    sheets: list[StagedTable]
    replacing: bool


def _tables_of(name: str) -> list[RawTable]:
    """The raw tables a landing file feeds (its folder's layout)."""
    folder = name.split("/", 1)[0]
    return [t for t in RAW_TABLES if t.folder == folder]


def _stage_file(
    scratch: duckdb.DuckDBPyConnection,
    number: int,
    name: str,
    path: Path,
    sha256: str,
    loaded_at: dt.datetime,
    replacing: bool,
    is_demo: bool,
    workdir: Path,
) -> StagedFile:
    """Read one file whole into the scratch database; ``FileRejected`` if it cannot be.

    The file's reader is the one registered for its suffix (``readers.READERS``).
    """
    source = LandingFile(
        name, path, _tables_of(name), sha256, loaded_at, scratch, f"file_{number}", workdir
    )
    read = reader_for(path.suffix)(source)
    staged, warnings = read.tables, list(read.warnings)
    total = sum(s.rows for s in staged)
    # per sheet (workbooks), per table (JSON exports feed two), or the file's rows (CSV)
    counts = [
        f"{s.table.sheet or (s.table.name if s.table.json else 'rows')}: {s.rows}" for s in staged
    ]
    for sheet in staged:
        if sheet.extra_columns:
            label = f" [{sheet.table.sheet or sheet.table.name}]" if len(staged) > 1 else ""
            warnings.append(
                f"{name}{label}: kept unknown column(s) {', '.join(sheet.extra_columns)} "
                f"in {sheet.table.qualified_name}"
            )
    if total == 0:
        warnings.append(f"{name}: header only, loaded 0 rows")
    outcome = FileOutcome(
        file=name,
        kind=_kind(name),
        sha256=sha256,
        status="replaced" if replacing else "loaded",
        rows=total,
        is_demo=is_demo,
        message="; ".join(counts + warnings),
        warnings=warnings,
    )
    return StagedFile(outcome, staged, replacing)


def _move_in(con: duckdb.DuckDBPyConnection, staged: StagedFile, loaded_at: dt.datetime) -> None:
    """Inside the batch's transaction: the file's rows from scratch into ``raw``."""
    outcome = staged.outcome
    if staged.replacing:
        for table in RAW_TABLES:
            con.execute(
                f"delete from {table.qualified_name} where _source_file = ?", [outcome.file]
            )
    for sheet in staged.sheets:
        existing = {c.lower() for c in _existing_columns(con, sheet.table)}
        for extra in sheet.extra_columns:
            if extra.lower() not in existing:
                con.execute(
                    f"alter table {sheet.table.qualified_name} "
                    f"add column {quote_identifier(extra)} varchar"
                )
        # the raw table's columns by name: a JSON export's staged table has working
        # columns beside them
        columns = ", ".join(
            quote_identifier(c)
            for c in (*sheet.table.columns, *sheet.extra_columns, *PROVENANCE_COLUMNS)
        )
        con.execute(
            f"insert into {sheet.table.qualified_name} by name "
            f"select {columns} from scratch.{sheet.scratch_table}"
        )
    con.execute(
        "insert or replace into raw.source_files "
        "(file, file_kind, sha256, rows, loaded_at, is_demo) values (?, ?, ?, ?, ?, ?)",
        [outcome.file, outcome.kind, outcome.sha256, outcome.rows, loaded_at, outcome.is_demo],
    )


def _log(con, batch_id: str, outcome: FileOutcome, started: dt.datetime) -> None:
    con.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch_id,
            outcome.file,
            outcome.kind,
            outcome.sha256 or None,
            outcome.rows,
            outcome.status,
            outcome.message,
            started,
            utc_now(),
        ],
    )


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# DuckDB's memory cap while loading (scratch and warehouse): past it DuckDB
# evicts cached blocks or spills to disk, so a big extract needs no more memory.
LOAD_MEMORY_LIMIT = "256MB"


@contextmanager
def owner_only() -> Iterator[None]:
    """Files and folders created meanwhile are readable by their owner only (umask 077)."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def scratch_folder(db: Path) -> Path:
    """Where a load keeps its scratch copy of the extracts (personal data): a folder
    beside the warehouse, where the warehouse's own protection applies, that only its
    owner may enter."""
    return db.with_name(f".{db.name}.loading")


def remove_leftovers(db: Path) -> list[str]:
    """Remove what a killed load left beside ``db`` (its scratch folder, or an older
    version's scratch file and its .wal); return the names removed.

    Call only while holding a connection to ``db``: a running load holds the warehouse
    open for writing from start to end, so then no load is running whose scratch this
    could be.
    """
    removed = []
    for path in sorted(db.parent.glob(f".{glob.escape(db.name)}.loading*")):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def leftovers_note(removed: list[str]) -> str:
    return (
        f"removed {len(removed)} scratch file(s) an interrupted load had left beside the "
        f"warehouse ({', '.join(removed)}): copies of extracts, never part of the warehouse"
    )


@dataclass
class Batch:
    """One load: the landing's files, what each becomes, and where its rows wait."""

    batch_id: str
    started: dt.datetime
    files: list[tuple[str, Path]]
    rejections: list[FileRejected]
    demo_hashes: dict[str, str]
    folder: Path  # owner-only scratch folder beside the warehouse
    loaded: dict[str, str] = field(default_factory=dict)  # name -> SHA-256, in raw before
    outcomes: list[FileOutcome] = field(default_factory=list)
    staged: list[StagedFile] = field(default_factory=list)

    @property
    def scratch_path(self) -> Path:
        return self.folder / f"batch-{self.batch_id[:8]}.duckdb"


def load_landing(
    db: Path,
    landing: Path,
    on_file: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load every extract in ``landing`` into ``db`` as one atomic batch.

    Two phases. First every new or changed file is read whole into a scratch
    database beside the warehouse (so a bad file anywhere is found before
    anything is written, and memory stays flat with file size); then one
    transaction moves the rows into ``raw``. The scratch file is removed either
    way; if the load is killed before it can, the next load (or any stage that opens
    the warehouse) removes it with a note. It lives in ``scratch_folder(db)``, created
    owner-only, its files too.

    ``on_file`` is called with each file name before it is read (for progress).
    Raises ``LandingEmpty`` when there is nothing to load, and ``LoadFailed``
    (after recording the rejections) if any file is rejected.
    """
    db.parent.mkdir(parents=True, exist_ok=True)
    found = check_landing(landing)
    batch = Batch(
        str(uuid.uuid4()),
        utc_now(),
        found.files,
        found.rejected,
        demo_file_hashes(landing),
        scratch_folder(db),
    )
    try:
        con = duckdb.connect(str(db))
    except duckdb.IOException as error:
        raise RuntimeError(f"cannot open the warehouse {db}: {error}") from None
    notes = list(found.notes)
    try:
        # Holding the warehouse: no other load is running, so these are a killed one's.
        if removed := remove_leftovers(db):
            notes.append(leftovers_note(removed))
        batch.folder.mkdir(mode=0o700)  # 700 whatever the umask: masked, never widened
        # A cache, not a need: past it DuckDB evicts or spills, keeping memory flat.
        con.execute(f"set memory_limit = '{LOAD_MEMORY_LIMIT}'")
        con.execute("create schema if not exists raw")
        con.execute(LOAD_LOG_DDL)
        batch.loaded = _loaded_files(con)
        _stage_batch(batch, on_file)
        if batch.rejections:
            _record_rejections(con, batch.batch_id, batch.rejections, batch.started)
            raise LoadFailed(batch.rejections)
        _commit_batch(con, batch)
    finally:
        con.close()
        shutil.rmtree(batch.folder, ignore_errors=True)
    return LoadReport(batch.batch_id, _outcomes_in_order(batch), notes)


def _unreadable(name: str, error: OSError) -> FileRejected:
    return FileRejected(name, f"cannot be read ({error.strerror or error})")


def _stage_batch(batch: Batch, on_file: Callable[[str], None] | None) -> None:
    """Phase one: every new or changed file read into the scratch database, or refused."""
    by_hash = {sha: name for name, sha in batch.loaded.items()}
    # the scratch database and its WAL and spill files: owner only, like the folder
    with owner_only(), duckdb.connect(str(batch.scratch_path)) as scratch:
        scratch.execute(f"set memory_limit = '{LOAD_MEMORY_LIMIT}'")
        for number, (name, path) in enumerate(batch.files):
            if on_file:
                on_file(name)
            try:
                sha256 = sha256_of(path)
            except OSError as error:
                batch.rejections.append(_unreadable(name, error))
                continue
            if batch.loaded.get(name) == sha256:
                batch.outcomes.append(FileOutcome(name, _kind(name), sha256, "unchanged"))
                continue
            if sha256 in by_hash and by_hash[sha256] != name:
                # The same bytes under another name, loaded earlier or in this batch.
                earlier = by_hash[sha256]
                where = (
                    f"the already loaded {earlier}"
                    if earlier in batch.loaded
                    else f"{earlier} in this batch"
                )
                warning = f"{name}: same content as {where}; not loaded twice"
                batch.outcomes.append(
                    FileOutcome(name, _kind(name), sha256, "unchanged", warnings=[warning])
                )
                continue
            by_hash[sha256] = name
            try:
                batch.staged.append(
                    _stage_file(
                        scratch,
                        number,
                        name,
                        path,
                        sha256,
                        batch.started,
                        replacing=name in batch.loaded,
                        is_demo=batch.demo_hashes.get(name) == sha256,
                        workdir=batch.folder,
                    )
                )
            except OSError as error:
                batch.rejections.append(_unreadable(name, error))
            except FileRejected as rejected:
                rejected.sha256 = sha256
                batch.rejections.append(rejected)


def _commit_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """Phase two: the staged rows moved into ``raw`` in one transaction."""
    con.execute(f"attach {quote_literal(str(batch.scratch_path))} as scratch (read_only)")
    try:
        con.begin()
        try:
            # Inside the transaction: a failed first load leaves no raw tables.
            ensure_raw_schema(con)
            for file in batch.staged:
                _move_in(con, file, batch.started)
                _log(con, batch.batch_id, file.outcome, batch.started)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        con.execute("detach scratch")


def _outcomes_in_order(batch: Batch) -> list[FileOutcome]:
    """Each file's outcome in landing order, then the loaded files no longer landed."""
    outcomes = batch.outcomes + [file.outcome for file in batch.staged]
    order = {name: i for i, (name, _) in enumerate(batch.files)}
    outcomes.sort(key=lambda o: order.get(o.file, len(order)))
    for name in sorted(set(batch.loaded) - {n for n, _ in batch.files}):
        warning = (
            f"{name}: loaded earlier but no longer in the landing folder; its rows stay in raw"
        )
        outcomes.append(
            FileOutcome(name, _kind(name), batch.loaded[name], "unchanged", warnings=[warning])
        )
    return outcomes


def _kind(name: str) -> str:
    return name.split("/", 1)[0]


def _record_rejections(
    con: duckdb.DuckDBPyConnection,
    batch_id: str,
    rejections: list[FileRejected],
    started: dt.datetime,
) -> None:
    """Write one load_log record per rejected file, outside the rolled-back batch."""
    for rejected in rejections:
        outcome = FileOutcome(
            file=rejected.file,
            kind=_kind(rejected.file),
            sha256=rejected.sha256,
            status="rejected",
            message=str(rejected),
        )
        _log(con, batch_id, outcome, started)
