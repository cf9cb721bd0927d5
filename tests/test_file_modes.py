"""What holds PHI-adjacent data is created owner-only: the SQLite file (0600), the instance
folder and the documents store (0700) — not readable by other accounts on the host."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from sqlalchemy import text

from vetting import db, settings
from vetting.services.documents import store_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_file_and_its_folder_are_owner_only(tmp_path):
    target = tmp_path / "new" / "vetting.db"
    saved = os.umask(0)  # a permissive umask must not matter
    try:
        engine = db.make_engine(f"sqlite:///{target}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        engine.dispose()
    finally:
        os.umask(saved)
    assert mode(target) == 0o600
    assert mode(target.parent) & 0o077 == 0


def test_the_instance_folder_is_owner_only(tmp_path):
    instance = tmp_path / "instance"
    settings.load(instance, env={})
    assert mode(instance) & 0o077 == 0
    assert mode(instance / "secret_key") == 0o600


def test_the_documents_store_is_owner_only(app, make_token, client):
    from tests.api.register_helpers import PDF

    headers = make_token("legal")
    vid = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=make_token()).json["id"]
    baa = client.post(
        "/api/v1/baas",
        json={"vendor_id": vid, "effective_date": "2026-01-01", "status": "pending_signature"},
        headers=headers,
    ).json
    r = client.post(
        f"/api/v1/baas/{baa['id']}/document",
        data={"file": (io.BytesIO(PDF), "signed.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert r.status_code in (200, 201), r.json
    folder = store_dir(Path(app.instance_path))
    assert mode(folder) & 0o077 == 0
    for f in folder.iterdir():
        assert mode(f) & 0o077 == 0, f
