"""POST /api/v1/imports/{apps,vendors,baas}: the report, dry runs, 422 naming every cell."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from vetting import db
from vetting.models import App, AuditEvent

APPS = (
    b"Name,Platform,Store ID,Vendor\n"
    b"Ward Notes,ios,com.wardnotes.app,Wardly Ltd\n"
    b"Ward Notes,android,com.wardnotes.app,Wardly Ltd\n"
)


def post(client, headers, kind: str, data: bytes, name: str = "apps.csv", query: str = ""):
    return client.post(
        f"/api/v1/imports/{kind}{query}",
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def app_count(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(App))


def test_dry_run_then_import(client, admin, app):
    dry = post(client, admin, "apps", APPS, query="?dry_run=true")
    assert dry.status_code == 200, dry.json
    assert dry.json["counts"]["created"] == 2 and not dry.json["applied"]
    assert app_count(app) == 0
    done = post(client, admin, "apps", APPS)
    assert done.status_code == 200 and done.json["applied"]
    assert [r["outcome"] for r in done.json["rows"]] == ["created", "created"]
    assert done.json["vendors_created"] == ["Wardly Ltd"] and len(done.json["sha256"]) == 64
    assert app_count(app) == 2
    with app.app_context():
        [event] = db.session().scalars(select(AuditEvent).where(AuditEvent.action == "app.import"))
        assert event.after["sha256"] == done.json["sha256"]


def test_a_refused_row_is_a_422_with_every_cell_and_nothing_written(client, admin, app):
    bad = APPS + b"Broken,ios,not an id,Wardly Ltd\nAlso,,com.x.y,V\n"
    r = post(client, admin, "apps", bad, name="inventory.csv")
    assert r.status_code == 422
    errors = r.json["report"]["errors"]
    assert [(e["file"], e["sheet"], e["row"], e["column"]) for e in errors] == [
        ("inventory.csv", None, 4, "C"),
        ("inventory.csv", None, 5, "B"),
    ]
    assert r.json["errors"][0]["message"].startswith("inventory.csv: row 4, column C: Store ID")
    assert app_count(app) == 0


def test_a_refused_file_is_a_json_422(client, admin):
    r = post(client, admin, "vendors", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "v.xls")
    assert r.status_code == 422
    assert "save it as .xlsx without protection" in r.json["errors"][0]["message"]


def test_a_zip_bomb_is_refused(client, admin):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<x/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    r = post(client, admin, "apps", out.getvalue(), "bomb.xlsx")
    assert r.status_code == 422 and "zip bomb" in r.json["errors"][0]["message"]


def test_roles(client, make_token):
    assert post(client, make_token("viewer"), "apps", APPS).status_code == 403
    assert post(client, make_token("legal"), "apps", APPS).status_code == 403
    legal = post(client, make_token("legal"), "baas", b"Vendor,Effective Date\nX,2025-01-01\n")
    assert legal.status_code == 422  # allowed, and the unknown vendor is refused
    assert post(client, {}, "apps", APPS).status_code == 401


def test_missing_file_and_bad_query_are_4xx(client, admin):
    r = client.post("/api/v1/imports/apps", headers=admin, data={},
                    content_type="multipart/form-data")  # fmt: skip
    assert r.status_code in (400, 422)
    assert post(client, admin, "baas", APPS, query="?date_order=ymd").status_code in (400, 422)
