"""Signed documents on a storage backend chosen by setting (issue #12, item 4): the S3 store
against a real S3-compatible server (moto's, on 127.0.0.1), the local store beside it.
Uploads land in the bucket under `<prefix>documents/<sha256>`, come back byte-exact with the
download headers, leave nothing behind when their transaction fails, are refused when the
object was altered, travel through backup and restore between the two kinds of store, and
are shared by every app instance on the same database and bucket."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.api.chain import app_, assess, baa, vendor
from tests.api.expect import error
from tests.api.register_helpers import PDF, upload
from tests.conftest import _empty_tables
from tests.databases import throwaway_database
from tests.document_stores import PREFIX, Stored, s3_config, use_s3
from vetting import audit, auth, db
from vetting.app import create_app
from vetting.cli import cli
from vetting.current import store_of
from vetting.models import AnswerEvidence, BaaDocument

SCREENSHOT = b"\x89PNG\r\n\x1a\n" + b"MDM console: app protection policy applied" + bytes(16)
PDF_SHA = hashlib.sha256(PDF).hexdigest()

Headers = dict[str, str]


def base_config(url: str, instance: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "AUDIT_KEY": "test-audit-key",  # a restore verifies the chain: the same key
        "INSTANCE_PATH": instance,
        "TESTING": True,
    }


def token(app: Flask, role: str = "admin") -> Headers:
    with app.app_context():
        _, secret = auth.create_token(db.session(), auth.CLI_PRINCIPAL, f"t-{role}", role)
    return {"Authorization": f"Bearer {secret}"}


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


def download(app: Flask, headers: Headers, baa_id: int) -> Any:
    return app.test_client().get(f"/api/v1/baas/{baa_id}/document", headers=headers)


def attach_evidence(app: Flask, headers: Headers, aid: int, data: bytes, name: str) -> Any:
    return app.test_client().post(
        f"/api/v1/assessments/{aid}/answers/audit_logging/evidence",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
    )


@pytest.fixture
def s3_app(
    database_url: str, tmp_path: Path, frozen_clock: Any, s3_endpoint: str, bucket: str
) -> Iterator[Callable[[str], Flask]]:
    """s3_app("a") → an app made from settings (VETTING_DOCUMENT_STORE=s3 …) on the test
    database and the test's bucket, with an instance folder of its own."""
    made: list[Flask] = []

    def make(name: str) -> Flask:
        config = base_config(database_url, tmp_path / f"instance-{name}")
        made.append(create_app({**config, **s3_config(s3_endpoint, bucket)}))
        return made[-1]

    yield make
    if made:
        _empty_tables(made[0])


# --- an app configured for S3 ---------------------------------------------------------------


def test_an_app_configured_for_s3_keeps_documents_in_the_bucket_and_serves_them_back(
    s3_app: Callable[[str], Flask], s3: Any, bucket: str
) -> None:
    app = s3_app("a")
    admin = token(app)
    client = app.test_client()
    b = baa(client, admin, vendor(client, admin))
    r = upload(client, admin, b["id"], PDF, "Acme BAA (signed).pdf")
    assert r.status_code == 201, r.json
    assert r.json["sha256"] == PDF_SHA
    found = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in found] == [f"{PREFIX}documents/{PDF_SHA}"]
    assert s3.get_object(Bucket=bucket, Key=found[0]["Key"])["Body"].read() == PDF
    instance = Path(app.instance_path)
    assert not (instance / "documents").exists()  # nothing kept on this machine
    assert list((instance / "staging").iterdir()) == []  # not even a temporary file

    got = download(app, admin, b["id"])
    assert got.status_code == 200 and got.data == PDF  # served, never redirected to S3
    assert "Location" not in got.headers
    assert got.mimetype == "application/pdf"
    assert got.headers["Content-Length"] == str(len(PDF))
    assert got.headers["Content-Disposition"] == 'attachment; filename="Acme BAA _signed_.pdf"'
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Cache-Control"] == "private, no-store"
    assert got.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert got.headers["ETag"] == f'"{PDF_SHA}"'
    assert got.headers["X-Document-SHA256"] == PDF_SHA
    assert list((instance / "staging").iterdir()) == []

    # Evidence shares the store: one object per distinct content.
    aid = assess(client, admin, app_(client, admin, vendor(client, admin, "Borealis")))["id"]
    up = attach_evidence(app, admin, aid, SCREENSHOT, "console.png")
    assert up.status_code == 201, up.json
    ev = client.get(up.json["download"], headers=admin)
    assert ev.status_code == 200 and ev.data == SCREENSHOT and ev.mimetype == "image/png"
    assert ev.headers["X-Content-Type-Options"] == "nosniff"
    again = attach_evidence(app, admin, aid, PDF, "the baa again.pdf")  # bytes already stored
    assert again.status_code == 201, again.json
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == 2


def test_an_upload_on_one_instance_downloads_from_another(
    s3_app: Callable[[str], Flask], s3: Any, bucket: str
) -> None:
    """Two app instances behind a load balancer: same database, same bucket, own disks."""
    first, second = s3_app("first"), s3_app("second")
    admin = token(first)
    client = first.test_client()
    b = baa(client, admin, vendor(client, admin))
    assert upload(client, admin, b["id"], PDF).status_code == 201
    got = download(second, admin, b["id"])
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["X-Document-SHA256"] == PDF_SHA

    # The same bytes uploaded on the other instance (another BAA) are the same object.
    other = baa(second.test_client(), admin, vendor(second.test_client(), admin, "Other Co"))
    assert upload(second.test_client(), admin, other["id"], PDF).status_code == 201
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == 1
    assert download(first, admin, other["id"]).data == PDF


def test_an_unreachable_bucket_refuses_the_upload_naming_it_and_records_nothing(
    app: Flask, client: Any, admin: Headers, s3_endpoint: str
) -> None:
    use_s3(app, s3_endpoint, "no-such-bucket")
    b = baa(client, admin, vendor(client, admin))
    r = upload(client, admin, b["id"], PDF)
    error(r, 503, None, "s3://no-such-bucket/")
    assert "NoSuchBucket" in str(r.json)
    assert count(app, BaaDocument) == 0


# --- both stores ----------------------------------------------------------------------------


def _failing(monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    """Make the audit event of `action` fail: the transaction recording the upload rolls back
    after the document was put into the store."""
    record = audit.record

    def failing(s: Any, actor: str, what: str, *args: Any, **kwargs: Any) -> Any:
        if what == action:
            raise RuntimeError("the database went away")
        return record(s, actor, what, *args, **kwargs)

    monkeypatch.setattr(audit, "record", failing)


def _post_failing(send: Callable[[], Any]) -> None:
    try:
        r = send()
    except RuntimeError:
        return  # propagated by the test client
    assert r.status_code == 500


def test_an_upload_whose_transaction_fails_leaves_no_document(
    app: Flask, client: Any, admin: Headers, store: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = baa(client, admin, vendor(client, admin))
    aid = assess(client, admin, app_(client, admin, vendor(client, admin, "Borealis")))["id"]
    _failing(monkeypatch, "baa.document.upload")
    _post_failing(lambda: upload(client, admin, b["id"], PDF))
    assert store.names() == []  # the document was placed, then removed again
    assert count(app, BaaDocument) == 0
    _failing(monkeypatch, "assessment.evidence.upload")
    _post_failing(lambda: attach_evidence(app, admin, aid, SCREENSHOT, "console.png"))
    assert store.names() == []
    assert count(app, AnswerEvidence) == 0
    monkeypatch.undo()
    assert upload(client, admin, b["id"], PDF).status_code == 201
    assert store.names() == [PDF_SHA]


def test_bytes_already_stored_survive_a_failed_upload_of_the_same_bytes(
    app: Flask, client: Any, admin: Headers, store: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = baa(client, admin, vendor(client, admin))
    assert upload(client, admin, first["id"], PDF).status_code == 201
    second = baa(client, admin, vendor(client, admin, "Other Co"))
    _failing(monkeypatch, "baa.document.upload")
    _post_failing(lambda: upload(client, admin, second["id"], PDF))
    assert store.names() == [PDF_SHA]  # another row points at them: kept
    assert download(app, admin, first["id"]).data == PDF


def test_a_damaged_document_is_left_out_of_a_backup_and_named(
    app: Flask, client: Any, admin: Headers, store: Stored, tmp_path: Path
) -> None:
    b = baa(client, admin, vendor(client, admin))
    upload(client, admin, b["id"], PDF)
    store.tamper(PDF_SHA, b"%PDF-1.7 forged")
    r = app.test_cli_runner().invoke(cli, ["backup", str(tmp_path / "b.zip")])
    assert r.exit_code == 0, r.output
    assert f"document {PDF_SHA} is missing or altered in the store" in r.output
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        assert f"documents/{PDF_SHA}" not in zf.namelist()


# --- backup and restore across stores -------------------------------------------------------


@pytest.fixture
def restored(tmp_path: Path) -> Iterator[Callable[[str], Flask]]:
    """restored("name") → an app on a fresh, empty database (local store) to restore into."""
    made: list[tuple[Flask, Any]] = []

    def make(name: str) -> Flask:
        ctx = throwaway_database("vetting_restore")
        url = ctx.__enter__()
        application = create_app(base_config(url, tmp_path / f"restored-{name}"))
        made.append((application, ctx))
        return application

    yield make
    for application, ctx in made:
        application.extensions["vetting.engine"].dispose()
        ctx.__exit__(None, None, None)


def test_backup_from_s3_restores_into_a_local_store_and_back_into_s3(
    app: Flask,
    client: Any,
    admin: Headers,
    s3_endpoint: str,
    s3: Any,
    bucket: str,
    restored: Callable[[str], Flask],
    tmp_path: Path,
) -> None:
    use_s3(app, s3_endpoint, bucket)
    b = baa(client, admin, vendor(client, admin))
    assert upload(client, admin, b["id"], PDF).status_code == 201
    aid = assess(client, admin, app_(client, admin, vendor(client, admin, "Borealis")))["id"]
    ev = attach_evidence(app, admin, aid, SCREENSHOT, "console.png").json
    shas = sorted([PDF_SHA, ev["sha256"]])

    # s3 → archive: every document read from the bucket.
    archive = tmp_path / "from-s3.zip"
    r = app.test_cli_runner().invoke(cli, ["backup", str(archive)])
    assert r.exit_code == 0, r.output
    assert "2 documents" in r.output
    with zipfile.ZipFile(archive) as zf:
        assert zf.read(f"documents/{PDF_SHA}") == PDF
        assert zf.read(f"documents/{ev['sha256']}") == SCREENSHOT

    # archive → local: the files as an upload leaves them (0400 in a 0700 folder).
    local = restored("local")
    r = local.test_cli_runner().invoke(cli, ["restore", str(archive)])
    assert r.exit_code == 0, r.output
    folder = Path(local.instance_path) / "documents"
    assert sorted(p.name for p in folder.iterdir()) == shas
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / PDF_SHA).stat().st_mode) == 0o400
    assert (folder / ev["sha256"]).read_bytes() == SCREENSHOT
    assert download(local, token(local), b["id"]).data == PDF

    # local → archive → another bucket.
    archive2 = tmp_path / "from-local.zip"
    r = local.test_cli_runner().invoke(cli, ["backup", str(archive2)])
    assert r.exit_code == 0, r.output
    into_s3 = restored("s3")
    other_bucket = f"{bucket}-restored"
    s3.create_bucket(Bucket=other_bucket)
    target = use_s3(into_s3, s3_endpoint, other_bucket)
    r = into_s3.test_cli_runner().invoke(cli, ["restore", str(archive2)])
    assert r.exit_code == 0, r.output
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=other_bucket)["Contents"])
    assert keys == [target.key(sha) for sha in shas]
    assert not (Path(into_s3.instance_path) / "documents").exists()
    got = download(into_s3, token(into_s3), b["id"])
    assert got.status_code == 200 and got.data == PDF
    assert store_of(into_s3) is target
