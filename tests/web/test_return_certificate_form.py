"""The return/destroy certificate in the browser: a form on a terminated BAA's page (CSRF,
baas:write) records the date, a reference and the file; errors come back on the form with what
was typed; afterwards the page says "certificate received D (ref) — download". Recording it
stops the follow-up's reminders. Today is 2026-11-25 (tests/conftest.py)."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from html import unescape
from io import BytesIO

from sqlalchemy import func, select

from tests import reminder_data
from tests.web.conftest import ACTOR, Register
from vetting import db
from vetting.models import AuditEvent, BaaReturnCertificate, Notification
from vetting.services import baas
from vetting.services.reminders import run_reminders

PDF = b"%PDF-1.4\n% certificate of destruction\n%%EOF\n"
EMAIL = reminder_data.settings(smtp_host="127.0.0.1", legal_emails=("legal@example.org",))
HTML = b"<!doctype html><html><body><h1>Certificate</h1></body></html>\n"


def txt(resp) -> str:
    return unescape(resp.text)


def _terminate(app, register: Register, on: date = date(2026, 11, 1)) -> str:
    with app.app_context():
        baas.terminate(db.session(), ACTOR, register.baa_id, on, "vendor exits")
    return f"/baas/{register.baa_id}"


def _count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


def _send(b, url: str, data: bytes | None = PDF, filename: str = "cert.pdf", **fields: str):
    form: dict = {"certified_on": "2026-11-20", "reference": "CD-7", **fields}
    if data is not None:
        form["file"] = (BytesIO(data), filename)
    return b.post(f"{url}/return-destroy", form, content_type="multipart/form-data")


def test_the_form_records_the_certificate_and_the_page_offers_the_download(
    app, store, browser, register: Register
):
    url = _terminate(app, register)
    legal = browser("legal")
    page = txt(legal.get(url))
    assert "certificate due 2026-12-01" in page
    assert "POST /api/v1/baas" not in page  # no hand-off to the command line any more
    assert f'action="/baas/{register.baa_id}/return-destroy"' in page
    resp = _send(legal, url, PDF, "Acme destruction.pdf")
    assert resp.status_code == 302, txt(resp)[:2000]
    sha = hashlib.sha256(PDF).hexdigest()
    assert store.names() == [sha]
    page = txt(legal.get(url))
    assert "certificate received 2026-11-20 (CD-7) — download" in re.sub(r"<[^>]+>", "", page)
    assert f'href="/baas/{register.baa_id}/return-destroy/certificate"' in page
    got = legal.get(f"{url}/return-destroy/certificate")
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Disposition"] == 'attachment; filename="Acme destruction.pdf"'
    assert got.headers["X-Document-SHA256"] == sha
    with app.app_context():
        actions = list(db.session().scalars(select(AuditEvent.action)))
    assert "baa.return_destroy.certificate" in actions
    # A viewer sees that it came in, but neither the form nor the download.
    viewer = browser("viewer")
    seen = txt(viewer.get(url))
    assert "certificate received 2026-11-20 (CD-7)" in seen
    assert "return-destroy/certificate" not in seen and "Record certificate" not in seen
    assert viewer.get(f"{url}/return-destroy/certificate").status_code == 403
    assert viewer.post(f"{url}/return-destroy").status_code == 403


def test_errors_are_shown_on_the_form_keeping_what_was_typed(
    app, store, browser, register: Register
):
    url = _terminate(app, register)
    legal = browser("legal")
    # An HTML page renamed .pdf.
    resp = _send(legal, url, HTML, "certificate.pdf", reference="typed ref 1")
    page = txt(resp)
    assert resp.status_code == 422
    assert "is named as a PDF but its content is plain text" in page
    assert 'value="typed ref 1"' in page and 'value="2026-11-20"' in page
    # A date before the termination.
    resp = _send(legal, url, certified_on="2026-10-30", reference="typed ref 2")
    page = txt(resp)
    assert resp.status_code == 422
    assert "cannot be before the termination took effect (2026-11-01)" in page
    assert 'value="typed ref 2"' in page and 'value="2026-10-30"' in page
    # In the future; no file; no date.
    assert "cannot be in the future" in txt(_send(legal, url, certified_on="2026-12-01"))
    assert "choose the certificate to upload" in txt(_send(legal, url, None))
    assert "is required" in txt(_send(legal, url, certified_on=""))
    assert store.names() == [] and _count(app, BaaReturnCertificate) == 0
    assert "certificate due 2026-12-01" in txt(legal.get(url))


def test_without_the_csrf_token_nothing_is_recorded(app, store, browser, register: Register):
    url = _terminate(app, register)
    legal = browser("legal")
    resp = legal.client.post(
        f"{url}/return-destroy",
        data={"certified_on": "2026-11-20", "file": (BytesIO(PDF), "c.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert store.names() == [] and _count(app, BaaReturnCertificate) == 0


def test_an_active_baa_has_no_form_and_refuses_a_certificate(
    app, store, browser, register: Register
):
    legal = browser("legal")
    url = f"/baas/{register.baa_id}"
    assert "Record certificate" not in legal.get(url).text
    resp = _send(legal, url)
    assert resp.status_code == 422 and "is not terminated" in txt(resp)
    assert store.names() == [] and _count(app, BaaReturnCertificate) == 0


def test_a_termination_not_yet_in_effect_refuses_it(app, store, browser, register: Register):
    url = _terminate(app, register, date(2026, 12, 20))
    resp = _send(browser("legal"), url, certified_on="2026-11-24")
    assert resp.status_code == 422 and "takes effect on 2026-12-20" in txt(resp)
    assert store.names() == []


def test_recording_the_certificate_stops_the_return_destroy_reminders(
    app, store, browser, register: Register
):
    url = _terminate(app, register)
    legal = browser("legal")
    with app.app_context():
        s = db.session()
        run_reminders(s, date(2026, 11, 25), settings=EMAIL)
        s.commit()
        pending = s.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "return_destroy", Notification.status == "pending")
        )
    assert pending, "the follow-up had reminders pending"
    assert _send(legal, url).status_code == 302
    with app.app_context():
        s = db.session()
        summary = run_reminders(s, date(2026, 11, 26), settings=EMAIL)
        s.commit()
        rows = list(s.scalars(select(Notification).where(Notification.kind == "return_destroy")))
        later = run_reminders(s, date(2026, 12, 2), settings=EMAIL)  # past due: nothing new
        s.commit()
    assert summary.cancelled >= 1
    assert rows and not [n for n in rows if n.status == "pending"]
    assert [n.status for n in rows if n.channel == "email"] == ["cancelled"]
    assert later.created == 0
