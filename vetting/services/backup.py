"""Backup and restore: the whole database and the stored documents (signed BAAs, answer
evidence) in one zip archive.

The archive is plain data, not a database dump, so a backup taken on SQLite restores into
PostgreSQL and the other way round: `manifest.json` (format, time, Alembic revision, source
dialect, per table its row count and SHA-256, per document its SHA-256 and size), one JSON
Lines member per table (`tables/<name>.jsonl`, rows in primary-key order, dates as ISO text,
JSON columns as JSON values) and `documents/<sha256>` for every stored document, read from the
configured document store (the instance folder or an S3 bucket) and restored into whichever
store the restoring app is configured with.

A backup reads every table in one transaction (REPEATABLE READ on PostgreSQL, one read
transaction on SQLite), so it never pairs rows from before a change with rows from after it,
and is written to a temporary file that is renamed into place only when complete.

A restore checks the whole archive (members, SHA-256 of each, every row's table and columns,
the revision) before it writes anything, then inserts every row in one transaction: it
applies whole or not at all. Documents are placed only after that transaction commits.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, ValidationError
from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Table,
    TypeDecorator,
    literal,
    select,
    text,
)
from sqlalchemy.exc import OperationalError, StatementError
from sqlmodel import Session, SQLModel, col

import vetting.models  # noqa: F401  (registers every table in SQLModel.metadata)
from vetting import __version__, audit, clock, migrate
from vetting.errors import Conflict, Invalid, NotFound, VettingError
from vetting.models import AnswerEvidence, BaaDocument, BaaReturnCertificate
from vetting.services.documents import (
    DocumentMissing,
    DocumentStore,
    StoredBytesChanged,
    StoreUnavailable,
    read_checked,
)

FORMAT = "vetting.backup/v1"
MANIFEST = "manifest.json"
_SHA256 = r"^[0-9a-f]{64}$"
_CHUNK = 1 << 16
_MANIFEST_MAX_BYTES = 16 * 1024 * 1024
# Rows are read and inserted in batches bounded by count and by size: a release row holds
# the whole list (tens of thousands of entries), so a count alone could fill memory.
_READ_BATCH = 200
_INSERT_BATCH_ROWS = 1000
_INSERT_BATCH_BYTES = 16 * 1024 * 1024
# What zipfile raises reading a damaged member (bad CRC, broken deflate stream, odd method).
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


class TableEntry(BaseModel):
    """A table's member: its row count and SHA-256, checked before any row is written."""

    rows: int = Field(ge=0)
    sha256: str = Field(pattern=_SHA256)


class DocumentEntry(BaseModel):
    """A stored document (keyed by its SHA-256, which is also its member's name)."""

    size: int = Field(ge=0)


class Manifest(BaseModel):
    """What `manifest.json` holds; restore trusts nothing in the archive it does not list."""

    format: str
    created_at: datetime
    revision: str
    dialect: str
    vetting_version: str
    tables: dict[str, TableEntry]
    documents: dict[Annotated[str, StringConstraints(pattern=_SHA256)], DocumentEntry]


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    tables: int
    rows: int
    documents: int
    bytes: int
    missing_documents: tuple[str, ...]  # recorded in the database, absent or altered in the store


@dataclass(frozen=True)
class RestoreSummary:
    tables: int
    rows: int
    documents: int
    revision: str
    source_dialect: str
    audit: audit.VerifyResult


def _table_member(name: str) -> str:
    """Members are named by convention, never by the manifest: no path can come from it."""
    return f"tables/{name}.jsonl"


def _document_member(sha256: str) -> str:
    return f"documents/{sha256}"


# --- backup ----------------------------------------------------------------------------------


def backup(
    engine: Engine, store: DocumentStore, dest: Path, *, force: bool = False
) -> BackupSummary:
    """Write the database and the stored documents to `dest` (a zip archive). Refuses to
    overwrite an existing file unless `force`; a failure leaves no partial archive behind."""
    dest = Path(dest)
    if dest.is_dir():
        raise Invalid(f"{dest}: is a folder; name the .zip file to write")
    if dest.exists() and not force:
        raise Conflict(f"{dest}: already exists; pass --force to overwrite it")
    if not dest.parent.is_dir():
        raise NotFound(f"{dest.parent}: no such folder")
    revision, head = migrate.current(engine), migrate.head(engine)
    if revision != head:
        raise Conflict(
            f"the database is at revision {revision or 'none'}, not {head}: "
            "run `vetting init-db` first"
        )
    try:
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as exc:
        raise VettingError(f"{dest}: cannot write: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)  # mkstemp makes it 0600: the archive holds password and token hashes
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                with _snapshot(engine) as conn:
                    tables = {t.name: _write_table(conn, zf, t) for t in _tables()}
                    shas = sorted(
                        set(conn.scalars(select(col(BaaDocument.sha256))))
                        | set(conn.scalars(select(col(BaaReturnCertificate.sha256))))
                        | set(conn.scalars(select(col(AnswerEvidence.sha256))))
                    )
                documents, missing = _write_documents(zf, store, shas)
                manifest = Manifest(
                    format=FORMAT,
                    created_at=clock.now(),
                    revision=revision,
                    dialect=engine.dialect.name,
                    vetting_version=__version__,
                    tables=tables,
                    documents=documents,
                )
                zf.writestr(MANIFEST, manifest.model_dump_json(indent=2) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        raise VettingError(f"{dest}: cannot write: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return BackupSummary(
        dest,
        len(tables),
        sum(t.rows for t in tables.values()),
        len(documents),
        dest.stat().st_size,
        tuple(missing),
    )


def _tables() -> list[Table]:
    """Every table, parents before children: the order rows must be inserted in."""
    return list(SQLModel.metadata.sorted_tables)


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction that sees the database as of its first query."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            if conn.dialect.name == "sqlite":
                # pysqlite opens transactions only before writes; without BEGIN every SELECT
                # would see the database as of its own start.
                conn.exec_driver_sql("BEGIN")
            yield conn


def _plain(value: Any) -> Any:
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to a backup")


def _write_table(conn: Connection, zf: zipfile.ZipFile, table: Table) -> TableEntry:
    names = [c.name for c in table.columns]
    query = select(table).order_by(*table.primary_key.columns)
    digest = hashlib.sha256()
    rows = 0
    with zf.open(_table_member(table.name), "w", force_zip64=True) as out:
        for row in conn.execute(query.execution_options(yield_per=_READ_BATCH)):
            line = json.dumps(
                dict(zip(names, row, strict=True)),
                ensure_ascii=False,
                separators=(",", ":"),
                default=_plain,
            )
            data = (line + "\n").encode()
            digest.update(data)
            out.write(data)
            rows += 1
    return TableEntry(rows=rows, sha256=digest.hexdigest())


def _write_documents(
    zf: zipfile.ZipFile, store: DocumentStore, shas: list[str]
) -> tuple[dict[str, DocumentEntry], list[str]]:
    """Add each stored document that is present and intact; return the others apart,
    because an altered file under its old name would make the whole archive unrestorable."""
    documents: dict[str, DocumentEntry] = {}
    missing: list[str] = []
    for sha in shas:
        try:
            found = read_checked(store, sha)
        except (DocumentMissing, StoredBytesChanged):
            missing.append(sha)
            continue
        except StoreUnavailable as exc:  # unreadable (permissions, the network): fix, rerun
            raise VettingError(f"{exc}") from None
        with found.file as src, zf.open(_document_member(sha), "w") as out:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
        documents[sha] = DocumentEntry(size=found.size)
    return documents, missing


# --- restore ---------------------------------------------------------------------------------


def restore(engine: Engine, store: DocumentStore, archive: Path) -> RestoreSummary:
    """Restore an archive written by `backup` into an empty database at the same revision,
    whole or not at all, then place its documents and verify the audit chain."""
    archive = Path(archive)
    try:
        zf = zipfile.ZipFile(archive)
    except FileNotFoundError:
        raise NotFound(f"{archive}: no such file") from None
    except IsADirectoryError:
        raise Invalid(f"{archive}: is a folder, not a backup archive") from None
    except zipfile.BadZipFile as exc:
        raise Invalid(f"{archive}: not a zip archive ({exc})") from None
    except OSError as exc:
        raise Invalid(f"{archive}: cannot read: {exc.strerror or exc}") from None
    with zf:
        manifest = _read_manifest(zf, archive)
        head = migrate.head(engine)
        if manifest.revision != head:
            raise Conflict(
                f"{archive}: {MANIFEST}: the archive is at revision {manifest.revision} but this "
                f"database's head revision is {head}; restore it with the Vetting version that "
                "wrote it, then upgrade"
            )
        tables = _check_members(zf, archive, manifest)
        _verify_members(zf, archive, manifest)
        for table in tables:  # every row readable and fitting its table, before any write
            for _ in _rows(zf, archive, table, manifest.tables[table.name]):
                pass
        migrate.upgrade(engine)
        rows = _insert(engine, zf, archive, manifest, tables)
        _place_documents(zf, archive, manifest, store)
    with Session(engine) as s:
        result = audit.verify(s)
    return RestoreSummary(
        len(tables), rows, len(manifest.documents), manifest.revision, manifest.dialect, result
    )


def _refused(archive: Path, member: str, reason: str) -> Invalid:
    return Invalid(f"{archive}: {member}: {reason}")


@contextlib.contextmanager
def _reading(archive: Path, member: str) -> Iterator[None]:
    """A damaged member is refused naming it."""
    try:
        yield
    except _DAMAGED as exc:
        raise _refused(archive, member, f"unreadable ({exc})") from None


def _read_manifest(zf: zipfile.ZipFile, archive: Path) -> Manifest:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise _refused(archive, MANIFEST, "missing (not a Vetting backup)") from None
    with _reading(archive, MANIFEST), zf.open(info) as fh:
        raw = fh.read(_MANIFEST_MAX_BYTES + 1)
    if len(raw) > _MANIFEST_MAX_BYTES:
        raise _refused(archive, MANIFEST, f"larger than {_MANIFEST_MAX_BYTES} bytes")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _refused(archive, MANIFEST, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _refused(archive, MANIFEST, "not a JSON object")
    if data.get("format") != FORMAT:
        raise _refused(archive, MANIFEST, f"unknown format {data.get('format')!r} (want {FORMAT})")
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _refused(archive, MANIFEST, f"{where}: {first['msg']}") from None


def _check_members(zf: zipfile.ZipFile, archive: Path, manifest: Manifest) -> list[Table]:
    """The archive holds exactly the members its manifest lists, for exactly our tables."""
    known = {t.name: t for t in _tables()}
    for name in manifest.tables:
        if name not in known:
            raise _refused(archive, MANIFEST, f"unknown table {name!r}")
    for name in known:
        if name not in manifest.tables:
            raise _refused(archive, MANIFEST, f"table {name!r} is missing")
    names = [n for n in zf.namelist() if not n.endswith("/")]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _refused(archive, name, "appears twice in the archive")
        seen.add(name)
    expected = {MANIFEST} | {_table_member(n) for n in known}
    expected |= {_document_member(sha) for sha in manifest.documents}
    for name in sorted(seen - expected):
        raise _refused(archive, name, f"unexpected member (not listed in {MANIFEST})")
    for name in sorted(expected - seen):
        raise _refused(archive, name, f"missing (listed in {MANIFEST})")
    return list(known.values())


def _verify_members(zf: zipfile.ZipFile, archive: Path, manifest: Manifest) -> None:
    """Every member's SHA-256 (and a document's size) as the manifest says."""
    wanted: dict[str, tuple[str, int | None]] = {
        _table_member(n): (e.sha256, None) for n, e in manifest.tables.items()
    }
    wanted |= {_document_member(sha): (sha, e.size) for sha, e in manifest.documents.items()}
    for member, (sha, size) in wanted.items():
        digest = hashlib.sha256()
        count = 0
        with _reading(archive, member), zf.open(member) as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                count += len(chunk)
        if digest.hexdigest() != sha:
            raise _refused(
                archive, member, "SHA-256 does not match the manifest (altered or damaged)"
            )
        if size is not None and count != size:
            raise _refused(archive, member, f"is {count} bytes, the manifest says {size}")


def _decoder(column: Column[Any]) -> Callable[[Any], Any] | None:
    """How a column's JSON value becomes what its type binds: ISO text back to dates."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    return None


def _rows(
    zf: zipfile.ZipFile, archive: Path, table: Table, entry: TableEntry
) -> Iterator[tuple[dict[str, Any], int]]:
    """Each row of a table's member, decoded, with its size in bytes; refuses a line that is
    not a JSON object of exactly the table's columns, naming the line and column."""
    member = _table_member(table.name)
    columns = [c.name for c in table.columns]
    known = set(columns)
    decoders = {c.name: d for c in table.columns if (d := _decoder(c)) is not None}
    count = 0
    with _reading(archive, member), zf.open(member) as fh:
        for line in fh:
            count += 1
            where = f"line {count}"
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise _refused(archive, member, f"{where}: not valid JSON ({exc})") from None
            if not isinstance(row, dict):
                raise _refused(archive, member, f"{where}: not a JSON object")
            for key in row:
                if key not in known:
                    raise _refused(archive, member, f"{where}: unknown column {key!r}")
            for key in columns:
                if key not in row:
                    raise _refused(archive, member, f"{where}: column {key!r} is missing")
            for key, decode in decoders.items():
                if row[key] is not None:
                    try:
                        row[key] = decode(row[key])
                    except (TypeError, ValueError) as exc:
                        raise _refused(archive, member, f"{where}: column {key!r}: {exc}") from None
            yield row, len(line)
    if count != entry.rows:
        raise _refused(archive, member, f"has {count} rows, the manifest says {entry.rows}")


def _insert(
    engine: Engine, zf: zipfile.ZipFile, archive: Path, manifest: Manifest, tables: list[Table]
) -> int:
    """Every row in one transaction, parents before children; on PostgreSQL each id sequence
    then continues after the largest id restored, so new rows never collide."""
    total = 0
    with engine.connect() as conn, conn.begin():
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the emptiness check and inserts as one
        _require_empty(conn, engine)
        for table in tables:
            batch: list[dict[str, Any]] = []
            size = 0
            try:
                for row, n in _rows(zf, archive, table, manifest.tables[table.name]):
                    batch.append(row)
                    size += n
                    if len(batch) >= _INSERT_BATCH_ROWS or size >= _INSERT_BATCH_BYTES:
                        conn.execute(table.insert(), batch)
                        total += len(batch)
                        batch, size = [], 0
                if batch:
                    conn.execute(table.insert(), batch)
                    total += len(batch)
            except OperationalError:
                raise  # the database is unavailable, not the archive wrong
            except StatementError as exc:  # a value the column's type or a constraint refuses
                reason = str(exc.orig).strip().splitlines()[0]
                raise _refused(
                    archive, _table_member(table.name), f"the database refused a row: {reason}"
                ) from None
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, tables)
    return total


def _require_empty(conn: Connection, engine: Engine) -> None:
    for table in _tables():
        if conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None:
            raise Conflict(
                f"{engine.url.render_as_string(hide_password=True)}: table {table.name!r} "
                "already has rows; restore needs an empty database (point DATABASE_URL at a "
                "fresh one)"
            )


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Inserting explicit ids does not move PostgreSQL's sequences; set each to its max id."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        name, col = quote(table.name), quote(column.name)
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({col}), 1), "
                f"MAX({col}) IS NOT NULL) FROM {name}"
            ),
            {"t": name, "c": column.name},
        )


def _place_documents(
    zf: zipfile.ZipFile, archive: Path, manifest: Manifest, store: DocumentStore
) -> None:
    """Copy the documents into the store once the rows that point at them are committed:
    each to a temporary file, hash checked, then put into the store (read-only, like an
    upload; a document already there is left as it is)."""
    for sha in manifest.documents:
        member = _document_member(sha)
        try:
            placed = _place_document(zf, member, sha, store)
        except _DAMAGED as exc:
            placed = f"unreadable ({exc})"
        except OSError as exc:
            placed = f"cannot write to {store.where}: {exc.strerror or exc}"
        except StoreUnavailable as exc:
            placed = f"cannot write to the document store: {exc}"
        if placed is not None:
            raise VettingError(
                f"{archive}: {member}: {placed}; the database was restored, but this document "
                f"and the ones after it are not in {store.where}"
            )


def _place_document(zf: zipfile.ZipFile, member: str, sha: str, store: DocumentStore) -> str | None:
    """Write one document into the store; the reason it was not, or None."""
    fd, tmp_name = tempfile.mkstemp(dir=store.staging, prefix=".restore-")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, zf.open(member) as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha:
            return "SHA-256 does not match the manifest (the archive changed during the restore)"
        store.put(sha, tmp)
        return None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
