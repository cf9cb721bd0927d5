"""`vetting backup` / `vetting restore`: one zip archive of every table and stored document,
restored whole or not at all into an empty database — on either database."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlmodel import SQLModel

from tests.api.register_helpers import PDF
from tests.cli.helpers import handled
from tests.conftest import TODAY, _empty_tables
from tests.databases import throwaway_database
from vetting import audit, auth, clock, db, demo, migrate
from vetting.app import create_app
from vetting.cli import cli
from vetting.current import settings_of, store_of
from vetting.models import BAA
from vetting.schemas import VendorCreate
from vetting.services import baa_documents, vendors

Rows = dict[str, list[tuple[Any, ...]]]


def invoke(runner: FlaskCliRunner, *args: str) -> Any:
    return runner.invoke(cli, list(args))


def make_app(url: str, instance: Path) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "AUDIT_KEY": "test-audit-key",  # restores verify the chain: the same key
            "INSTANCE_PATH": instance,
            "TESTING": True,
        }
    )


def every_row(app: Flask) -> Rows:
    """Every table's rows as Python values, in primary-key order."""
    with app.app_context(), db.engine().connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key))]
            for t in SQLModel.metadata.sorted_tables
        }


def attach(app: Flask, baa_id: int, body: bytes = PDF) -> str:
    """Upload a signed document through the service; its SHA-256."""
    with app.app_context():
        baa_documents.attach(
            db.session(),
            auth.CLI_PRINCIPAL,
            baa_id,
            io.BytesIO(body),
            "signed.pdf",
            None,
            store=store_of(app),
            max_bytes=settings_of(app).max_document_bytes,
            max_unpacked=settings_of(app).max_document_unpacked_bytes,
        )
    return hashlib.sha256(body).hexdigest()


def backup(runner: FlaskCliRunner, path: Path) -> None:
    r = invoke(runner, "backup", str(path))
    assert r.exit_code == 0, r.output


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Flask]:
    """A second app on a second, empty (not even migrated) database with its own instance."""
    with throwaway_database("vetting_restore") as url:
        application = make_app(url, tmp_path / "restored-instance")
        yield application
        application.extensions["vetting.engine"].dispose()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One empty, unmigrated database shared by the refusals: each must leave it so."""
    with throwaway_database("vetting_restore") as url:
        application = make_app(url, tmp_path_factory.mktemp("pristine-instance"))
        yield application
        application.extensions["vetting.engine"].dispose()


def untouched(app: Flask) -> bool:
    """Nothing written: no schema, no documents."""
    with app.app_context():
        revision = migrate.current(db.engine())
    return revision is None and not (Path(app.instance_path) / "documents").exists()


# --- the demo data set, backed up once and restored ------------------------------------------


@dataclass(frozen=True)
class DemoBackup:
    archive: Path
    rows: Rows
    document: str  # SHA-256 of the uploaded BAA document


@pytest.fixture(scope="class")
def demo_backup(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoBackup]:
    """The demo (plus a document, a release, reminders and a channel) backed up once, then the
    source emptied: a load costs seconds, the restores below reuse the archive."""
    clock.freeze(TODAY)
    source = make_app(database_url, tmp_path_factory.mktemp("source-instance"))
    runner = source.test_cli_runner()
    with source.app_context():
        demo.load(db.session(), source.extensions["vetting.checklists"])
        baa_id = db.session().scalar(select(BAA.id).order_by(BAA.id).limit(1))
    sha = attach(source, baa_id)
    for args in (
        ("allowlist", "publish"),
        ("reminders", "run"),
        ("channels", "add-email", "legal", "legal@example.org"),
    ):
        r = invoke(runner, *args)
        assert r.exit_code == 0, r.output
    archive = tmp_path_factory.mktemp("backups") / "vetting.zip"
    r = invoke(runner, "backup", str(archive))
    assert r.exit_code == 0, r.output
    rows = every_row(source)
    assert r.output.strip() == (
        f"wrote {archive}: {len(rows)} tables, {sum(map(len, rows.values())):,} rows, "
        f"1 documents, {archive.stat().st_size:,} bytes"
    )
    yield DemoBackup(archive, rows, sha)
    _empty_tables(source)
    clock.freeze(None)


class TestDemoRoundTrip:
    def test_restore_reproduces_every_row_document_and_the_audit_chain(
        self, demo_backup: DemoBackup, target: Flask
    ) -> None:
        assert all(demo_backup.rows[t] for t in ("vendor", "baa_document", "allowlist_release"))
        assert all(demo_backup.rows[t] for t in ("notification", "notification_channel"))
        r = invoke(target.test_cli_runner(), "restore", str(demo_backup.archive))
        assert r.exit_code == 0, r.output
        first, second = r.output.splitlines()
        with target.app_context():
            dialect, head = db.dialect(), migrate.head(db.engine())
        total = sum(map(len, demo_backup.rows.values()))
        assert first.endswith(
            f"revision {head}) into {dialect}: {len(demo_backup.rows)} tables, "
            f"{total:,} rows, 1 documents"
        )
        events = len(demo_backup.rows["audit_event"])
        assert second == f"audit chain ok: {events} events, chain intact"
        assert every_row(target) == demo_backup.rows
        stored = Path(target.instance_path) / "documents" / demo_backup.document
        assert stored.read_bytes() == PDF
        assert os.stat(stored).st_mode & 0o777 == 0o400
        with target.app_context():
            assert audit.verify(db.session()).ok

    def test_new_rows_after_a_restore_get_fresh_ids(
        self, demo_backup: DemoBackup, target: Flask
    ) -> None:
        assert invoke(target.test_cli_runner(), "restore", str(demo_backup.archive)).exit_code == 0
        with target.app_context():
            s = db.session()
            v = vendors.create(s, auth.CLI_PRINCIPAL, VendorCreate(name="Fresh Vendor"))
            assert v.id == max(row[0] for row in demo_backup.rows["vendor"]) + 1
            result = audit.verify(s)
        assert (result.ok, result.checked) == (True, len(demo_backup.rows["audit_event"]) + 1)

    def test_an_archive_crosses_databases_both_ways(
        self, demo_backup: DemoBackup, target: Flask, tmp_path: Path
    ) -> None:
        """Suite database → SQLite file → back up there → a fresh suite database: on
        PostgreSQL runs that is PostgreSQL → SQLite → PostgreSQL."""
        sqlite = make_app(f"sqlite:///{tmp_path / 'middle.db'}", tmp_path / "middle-instance")
        assert invoke(sqlite.test_cli_runner(), "restore", str(demo_backup.archive)).exit_code == 0
        again = tmp_path / "from-sqlite.zip"
        backup(sqlite.test_cli_runner(), again)
        with zipfile.ZipFile(again) as zf:
            assert json.loads(zf.read("manifest.json"))["dialect"] == "sqlite"
        r = invoke(target.test_cli_runner(), "restore", str(again))
        assert r.exit_code == 0, r.output
        assert every_row(target) == demo_backup.rows
        assert (Path(target.instance_path) / "documents" / demo_backup.document).read_bytes() == PDF
        sqlite.extensions["vetting.engine"].dispose()


# --- refusals --------------------------------------------------------------------------------


@pytest.fixture
def small_backup(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> Path:
    """A vendor, a BAA with a signed document, and their audit events, backed up."""
    with app.app_context():
        s = db.session()
        vendor = vendors.create(s, auth.CLI_PRINCIPAL, VendorCreate(name="Acme Health"))
        baa = BAA(vendor_id=vendor.id, effective_date=TODAY)  # type: ignore[arg-type]
        s.add(baa)
        s.commit()
    attach(app, baa.id)  # type: ignore[arg-type]
    archive = tmp_path / "small.zip"
    backup(runner, archive)
    return archive


def rewrite(
    archive: Path,
    dest: Path,
    members: Callable[[dict[str, bytes]], None] = lambda m: None,
    manifest: Callable[[dict[str, Any]], None] = lambda m: None,
    fix_hashes: bool = True,
) -> Path:
    """A copy of an archive with members and manifest edited (hashes recomputed unless told
    not to: the archive a careful forger would make)."""
    with zipfile.ZipFile(archive) as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    data = json.loads(content.pop("manifest.json"))
    members(content)
    manifest(data)
    if fix_hashes:
        for name, entry in data["tables"].items():
            body = content.get(f"tables/{name}.jsonl", b"")
            entry["sha256"] = hashlib.sha256(body).hexdigest()
            entry["rows"] = body.count(b"\n")
    with zipfile.ZipFile(dest, "w") as zf:
        zf.writestr("manifest.json", json.dumps(data))
        for name, body in content.items():
            zf.writestr(name, body)
    return dest


def edit_vendor(m: dict[str, bytes]) -> None:
    m["tables/vendor.jsonl"] = m["tables/vendor.jsonl"].replace(b"Acme Health", b"Evil Health")


def add_column(m: dict[str, bytes]) -> None:
    row = json.loads(m["tables/vendor.jsonl"])
    m["tables/vendor.jsonl"] = json.dumps({**row, "colour": "red"}).encode() + b"\n"


def add_table(m: dict[str, bytes]) -> None:
    m["tables/spaceship.jsonl"] = b'{"id": 1}\n'


def add_table_entry(d: dict[str, Any]) -> None:
    d["tables"]["spaceship"] = {"rows": 1, "sha256": "0" * 64}


def alter_document(m: dict[str, bytes]) -> None:
    name = next(n for n in m if n.startswith("documents/"))
    m[name] = m[name].replace(b"1.7", b"1.6")


def not_a_zip(archive: Path, dest: Path) -> Path:
    dest.write_bytes(b"PK\x03\x04 but not really a zip archive")
    return dest


def without_manifest(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(dest, "w") as out:
        for name in src.namelist():
            if name != "manifest.json":
                out.writestr(name, src.read(name))
    return dest


def variant(**kw: Any) -> Callable[[Path, Path], Path]:
    return lambda archive, dest: rewrite(archive, dest, **kw)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (not_a_zip, ("not a zip archive",)),
        (without_manifest, ("manifest.json: missing (not a Vetting backup)",)),
        (
            variant(manifest=lambda d: d.update(format="vetting.backup/v9")),
            ("manifest.json: unknown format 'vetting.backup/v9'",),
        ),
        (
            variant(manifest=lambda d: d.update(revision="0002")),
            ("manifest.json: the archive is at revision 0002", "head revision is {head}"),
        ),
        (
            variant(members=edit_vendor, fix_hashes=False),
            ("tables/vendor.jsonl: SHA-256 does not match the manifest",),
        ),
        (variant(members=alter_document), ("documents/", "SHA-256 does not match the manifest")),
        (variant(members=add_column), ("tables/vendor.jsonl: line 1: unknown column 'colour'",)),
        (
            variant(members=add_table, manifest=add_table_entry),
            ("manifest.json: unknown table 'spaceship'",),
        ),
        (variant(members=add_table), ("tables/spaceship.jsonl: unexpected member",)),
        (
            variant(manifest=lambda d: d["tables"].pop("vendor")),
            ("manifest.json: table 'vendor' is missing",),
        ),
    ],
    ids=[
        "not-a-zip",
        "no-manifest",
        "unknown-format",
        "revision-mismatch",
        "tampered-table",
        "tampered-document",
        "unknown-column",
        "unknown-table",
        "unlisted-member",
        "missing-table",
    ],
)
def test_restore_refuses_bad_archives_in_one_line_writing_nothing(
    small_backup: Path, pristine: Flask, tmp_path: Path, make: Any, words: tuple[str, ...]
) -> None:
    bad = make(small_backup, tmp_path / "bad.zip")
    with pristine.app_context():
        head = migrate.head(db.engine())
    r = invoke(pristine.test_cli_runner(), "restore", str(bad))
    assert r.exit_code == 1, r.output
    handled(r)
    assert len(r.output.strip().splitlines()) == 1, r.output
    assert r.output.startswith(f"Error: {bad}: "), r.output
    for word in words:
        assert word.format(head=head) in r.output, r.output
    assert untouched(pristine)


def test_restore_is_whole_or_nothing(small_backup: Path, target: Flask, tmp_path: Path) -> None:
    """An archive whose hashes hold but whose rows the database refuses (the vendor twice)
    leaves every table empty, including those inserted before the vendor's."""

    def twice(m: dict[str, bytes]) -> None:
        m["tables/vendor.jsonl"] *= 2

    bad = rewrite(small_backup, tmp_path / "twice.zip", members=twice)
    r = invoke(target.test_cli_runner(), "restore", str(bad))
    assert r.exit_code == 1, r.output
    assert r.output.startswith(f"Error: {bad}: tables/vendor.jsonl: the database refused a row")
    assert len(r.output.strip().splitlines()) == 1, r.output
    assert not any(every_row(target).values())
    assert not (Path(target.instance_path) / "documents").exists()


def test_restore_refuses_a_database_that_is_not_empty_and_leaves_it_alone(
    app: Flask, runner: FlaskCliRunner, small_backup: Path
) -> None:
    before = every_row(app)
    r = invoke(runner, "restore", str(small_backup))
    assert r.exit_code == 1, r.output
    handled(r)
    assert "table 'audit_event' already has rows; restore needs an empty database" in r.output
    assert every_row(app) == before


def test_restore_refuses_a_missing_file(pristine: Flask, tmp_path: Path) -> None:
    r = invoke(pristine.test_cli_runner(), "restore", str(tmp_path / "nope.zip"))
    assert (r.exit_code, r.output) == (1, f"Error: {tmp_path / 'nope.zip'}: no such file\n")
    assert untouched(pristine)


def test_backup_refuses_to_overwrite_without_force(
    runner: FlaskCliRunner, small_backup: Path
) -> None:
    before = small_backup.read_bytes()
    r = invoke(runner, "backup", str(small_backup))
    assert r.exit_code == 1, r.output
    assert r.output == f"Error: {small_backup}: already exists; pass --force to overwrite it\n"
    assert small_backup.read_bytes() == before
    r = invoke(runner, "backup", str(small_backup), "--force")
    assert r.exit_code == 0, r.output
    assert zipfile.ZipFile(small_backup).testzip() is None
    assert [p.name for p in small_backup.parent.iterdir() if p.is_file()] == ["small.zip"]


def test_a_failed_backup_leaves_no_archive_behind(
    app: Flask, runner: FlaskCliRunner, small_backup: Path, tmp_path: Path
) -> None:
    """A stored document that cannot be read stops the backup after the tables are written:
    neither the archive nor its temporary file is left."""
    stored = Path(app.instance_path) / "documents" / hashlib.sha256(PDF).hexdigest()
    stored.unlink()
    stored.mkdir()  # a folder where the file should be
    out = tmp_path / "out"
    out.mkdir()
    r = invoke(runner, "backup", str(out / "failed.zip"))
    assert r.exit_code == 1, r.output
    assert r.output.startswith(f"Error: {stored}: cannot read"), r.output
    assert list(out.iterdir()) == []


def test_backup_warns_about_a_missing_document_and_archives_the_rest(
    app: Flask, runner: FlaskCliRunner, small_backup: Path, tmp_path: Path
) -> None:
    sha = hashlib.sha256(PDF).hexdigest()
    (Path(app.instance_path) / "documents" / sha).unlink()
    r = invoke(runner, "backup", str(tmp_path / "again.zip"))
    assert r.exit_code == 0, r.output
    assert f"warning: document {sha} is missing or altered in the store" in r.output
    with zipfile.ZipFile(tmp_path / "again.zip") as zf:
        assert json.loads(zf.read("manifest.json"))["documents"] == {}
        assert "tables/baa_document.jsonl" in zf.namelist()


def test_evidence_files_travel_with_the_backup(
    app: Flask, runner: FlaskCliRunner, tmp_path, target
):
    """An evidence file is a stored document too: backed up, checked and placed on restore."""
    from tests.api.chain import app_, assess, vendor
    from vetting.services import assessments
    from vetting.services.evidence import FileUpload, Limits

    client = app.test_client()
    with app.app_context():
        _, secret = auth.create_token(db.session(), auth.CLI_PRINCIPAL, "backup", "admin")
    headers = {"Authorization": f"Bearer {secret}"}
    aid = assess(client, headers, app_(client, headers, vendor(client, headers)))["id"]
    screenshot = b"\x89PNG\r\n\x1a\n" + b"audit console, retention 7 years" + bytes(16)
    with app.app_context():
        settings = settings_of(app)
        assessments.attach_evidence(
            db.session(),
            auth.CLI_PRINCIPAL,
            aid,
            "audit_logging",
            FileUpload(io.BytesIO(screenshot), "siem.png", None),
            Limits(store_of(app), settings.max_document_bytes, 10 * 1024 * 1024),
        )
    sha = hashlib.sha256(screenshot).hexdigest()
    archive = tmp_path / "with-evidence.zip"
    backup(runner, archive)
    with zipfile.ZipFile(archive) as zf:
        assert f"documents/{sha}" in zf.namelist()
    r = invoke(target.test_cli_runner(), "restore", str(archive))
    assert r.exit_code == 0, r.output
    assert (Path(target.instance_path) / "documents" / sha).read_bytes() == screenshot


def test_a_return_destroy_certificate_is_backed_up_with_its_file(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """The certificate's bytes are a stored document like a signed agreement's: in the
    archive, and in its table."""
    from datetime import date

    from vetting.services import baa_certificates, baas

    scan = b"\x89PNG\r\n\x1a\n certificate of destruction"
    with app.app_context():
        s = db.session()
        vendor = vendors.create(s, auth.CLI_PRINCIPAL, VendorCreate(name="Acme Health"))
        baa = BAA(vendor_id=vendor.id, effective_date=date(2025, 1, 1))  # type: ignore[arg-type]
        s.add(baa)
        s.commit()
        baas.terminate(s, auth.CLI_PRINCIPAL, baa.id, date(2026, 11, 1), "ended")  # type: ignore[arg-type]
        baa_certificates.record(
            s,
            auth.CLI_PRINCIPAL,
            baa.id,  # type: ignore[arg-type]
            date(2026, 11, 20),
            None,
            io.BytesIO(scan),
            "scan.png",
            None,
            store=store_of(app),
            max_bytes=settings_of(app).max_document_bytes,
            max_unpacked=settings_of(app).max_document_unpacked_bytes,
        )
    archive = tmp_path / "certificate.zip"
    backup(runner, archive)
    sha = hashlib.sha256(scan).hexdigest()
    with zipfile.ZipFile(archive) as zf:
        assert sha in json.loads(zf.read("manifest.json"))["documents"]
        assert zf.read(f"documents/{sha}") == scan
        assert "tables/baa_return_certificate.jsonl" in zf.namelist()
