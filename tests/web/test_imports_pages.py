"""The import pages: upload, a per-row preview that writes nothing, and a confirm button that
applies exactly the previewed file (same person, same bytes, not expired, same counts)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from vetting import clock, db
from vetting.models import App, PendingImport

APPS = (
    b"Name,Platform,Store ID,Vendor\n"
    b"Ward Notes,ios,com.wardnotes.app,Wardly Ltd\n"
    b"Excel,Windows,,Big Soft\n"
)


def upload(b, kind: str, data: bytes, name: str = "apps.csv", **fields: str):
    return b.post(
        f"/import/{kind}",
        {"file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def pending_fields(html: str) -> dict[str, str]:
    return {
        "pending_id": re.search(r'name="pending_id" value="(\d+)"', html)[1],
        "sha256": re.search(r'name="sha256" value="([0-9a-f]{64})"', html)[1],
    }


def apps(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(App))


def test_preview_then_confirm_imports_the_previewed_file(app, browser):
    b = browser("procurement")
    assert "Import apps from a spreadsheet" in b.get("/import/apps").text
    page = upload(b, "apps", APPS)
    assert page.status_code == 200
    assert "Ward Notes" in page.text and "created" in page.text and "skipped" in page.text
    assert apps(app) == 0  # the preview writes nothing
    done = b.post("/import/apps/confirm", pending_fields(page.text))
    assert done.status_code == 302 and done.headers["Location"].endswith("/apps")
    assert apps(app) == 1
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(PendingImport)) == 0
    again = b.post("/import/apps/confirm", pending_fields(page.text))
    assert again.status_code == 404  # applied once only


def test_a_refused_row_shows_every_problem_and_no_confirm_button(app, browser):
    b = browser("procurement")
    page = upload(b, "apps", APPS + b"Bad,ios,not an id,V\n", name="inv.csv")
    assert page.status_code == 422
    assert "inv.csv: row 4, column C: Store ID: &#39;not an id&#39;" in page.text
    assert 'name="pending_id"' not in page.text


def test_a_legacy_xls_is_refused_on_the_form(browser):
    page = upload(
        browser("legal"), "baas", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 99, "a.xls"
    )
    assert page.status_code == 422 and "save it as .xlsx without protection" in page.text


def test_confirm_refuses_another_file_another_person_or_an_expired_preview(app, browser):
    b = browser("procurement")
    page = upload(b, "apps", APPS)
    fields = pending_fields(page.text)
    changed = b.post("/import/apps/confirm", {**fields, "sha256": "0" * 64})
    assert changed.status_code == 409 and "not the one previewed" in changed.text
    other = browser("admin").post("/import/apps/confirm", fields)
    assert other.status_code == 403
    with app.app_context():
        s = db.session()
        s.execute(update(PendingImport).values(expires_at=clock.now() - timedelta(minutes=1)))
        s.commit()
    expired = b.post("/import/apps/confirm", fields)
    assert expired.status_code == 409 and "expired" in expired.text
    assert apps(app) == 0


def test_confirm_refuses_when_the_data_changed_since_the_preview(app, browser):
    b = browser("procurement")
    page = upload(b, "apps", APPS)
    upload(b, "apps", APPS)  # another preview of the same file: fine
    b.post("/import/apps/confirm", pending_fields(upload(b, "apps", APPS).text))
    stale = b.post("/import/apps/confirm", pending_fields(page.text))
    assert stale.status_code == 409 and "changed since the preview" in stale.text
    assert apps(app) == 1


def test_roles_and_csrf(app, browser):
    assert browser("viewer").get("/import/apps").status_code == 403
    legal = browser("legal")
    assert legal.get("/import/apps").status_code == 403
    assert legal.get("/import/baas").status_code == 200
    b = browser("procurement")
    b.token = "forged"
    assert upload(b, "apps", APPS).status_code == 400


def test_the_pages_are_valid_accessible_html(browser):
    from tests.web.html_check import problems

    b = browser("admin")
    for kind in ("apps", "vendors", "baas"):
        assert problems(b.get(f"/import/{kind}").text) == [], kind
    assert problems(upload(b, "apps", APPS).text) == []
    assert problems(upload(b, "apps", APPS + b"Bad,ios,x,V\n").text) == []
    assert problems(upload(b, "apps", b"nothing here").text) == []


def test_the_audit_log_and_the_lists_show_an_import(app, browser):
    b = browser("admin")
    b.post("/import/apps/confirm", pending_fields(upload(b, "apps", APPS).text))
    log = b.get("/audit")
    assert log.status_code == 200 and "app.import" in log.text
    for path in ("/", "/apps", "/vendors", "/baas", "/allowlist"):
        assert b.get(path).status_code == 200, path


def test_baa_preview_reads_the_chosen_date_order_and_confirm_keeps_it(app, browser):
    b = browser("admin")
    b.post("/import/vendors/confirm",
           pending_fields(upload(b, "vendors", b"Vendor\nWardly Ltd\n", "v.csv").text))  # fmt: skip
    sheet = b"Vendor,Effective Date,Signed Copy\nWardly Ltd,03/04/2025,drawer 2\n"
    refused = upload(b, "baas", sheet, "baas.csv")
    assert refused.status_code == 422 and "could be day/month or month/day" in refused.text
    page = upload(b, "baas", sheet, "baas.csv", date_order="mdy")
    assert page.status_code == 200 and "in force from 2025-03-04" in page.text
    assert b.post("/import/baas/confirm", pending_fields(page.text)).status_code == 302
    from vetting.models import BAA

    with app.app_context():
        assert str(db.session().scalar(select(BAA.effective_date))) == "2025-03-04"


def test_a_person_keeps_only_their_newest_previews(app, browser):
    b = browser("procurement")
    first = upload(b, "apps", APPS)
    for _ in range(5):
        upload(b, "apps", APPS)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(PendingImport)) == 5
    assert b.post("/import/apps/confirm", pending_fields(first.text)).status_code == 404
