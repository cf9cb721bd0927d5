"""Forms: what was typed comes back with a message on the field at fault, nothing is half
written, and a correct form goes all the way to the database (and the audit log)."""

from __future__ import annotations

import hashlib
import re
from html import unescape

from sqlalchemy import func, select

from tests.web.conftest import Register, publish_list
from vetting import db
from vetting.models import BAA, Answer, ApiToken, App, AuditEvent, Decision, User, Vendor


def txt(resp) -> str:
    """The page as a reader sees it (entities such as &#39; unescaped)."""
    return unescape(resp.text)


def _count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


def test_new_vendor_errors_keep_what_was_typed(app, browser):
    b = browser("procurement")
    resp = b.post(
        "/vendors/new",
        {
            "name": "Acme Health",
            "website": "ftp://acme",
            "contact_email": "not-an-email",
            "notes": "typed notes",
        },
    )
    assert resp.status_code == 422
    assert "must be an http:// or https:// URL" in txt(resp)
    assert "must be an email address" in txt(resp)
    assert 'value="Acme Health"' in txt(resp) and "typed notes" in txt(resp)
    assert 'aria-invalid="true"' in txt(resp)
    assert _count(app, Vendor) == 0


def test_new_vendor_is_created_and_audited(app, browser):
    b = browser("procurement")
    resp = b.post("/vendors/new", {"name": "Acme Health", "website": "https://acme.example"})
    assert resp.status_code == 302
    page = b.get(resp.headers["Location"])
    assert "Vendor Acme Health added." in txt(page)
    assert "vendor.create" in txt(page)  # its history
    dup = b.post("/vendors/new", {"name": "acme health"})
    assert dup.status_code == 422 and "already exists" in dup.text


def test_vendor_edit_and_delete(app, browser, register: Register):
    b = browser("admin")
    resp = b.post(f"/vendors/{register.vendor_id}/edit", {"name": ""})
    assert resp.status_code == 422 and "cannot be empty" in txt(resp)
    resp = b.post(
        f"/vendors/{register.vendor_id}/edit",
        {"name": "Acme Health Inc.", "contact_email": "sec@acme.example"},
    )
    assert resp.status_code == 302
    refused = b.post(f"/vendors/{register.vendor_id}/delete")
    assert "Not deleted" in b.get(refused.headers["Location"]).text
    empty = b.post("/vendors/new", {"name": "Empty Vendor"}).headers["Location"]
    assert b.post(f"{empty}/delete").status_code == 302
    assert _count(app, Vendor) == 2


def test_new_app_reports_a_bad_store_id_on_its_field(app, browser, register: Register):
    b = browser("procurement")
    resp = b.post(
        "/apps/new",
        {
            "vendor_id": str(register.vendor_id),
            "name": "Acme Chat",
            "platform": "ios",
            "store_id": "not a bundle id",
        },
    )
    assert resp.status_code == 422
    assert "an iOS bundle ID looks like com.example.app" in txt(resp)
    assert 'value="not a bundle id"' in txt(resp)
    assert f'<option value="{register.vendor_id}" selected>' in txt(resp)
    resp = b.post(
        "/apps/new",
        {
            "vendor_id": str(register.vendor_id),
            "name": "Acme Chat",
            "platform": "ios",
            "store_id": "com.acme.camera",
        },
    )
    assert resp.status_code == 422 and "already exists" in txt(resp)
    resp = b.post(
        "/apps/new",
        {
            "vendor_id": str(register.vendor_id),
            "name": "Acme Chat",
            "platform": "ios",
            "store_id": "com.acme.chat",
        },
    )
    assert resp.status_code == 302
    assert _count(app, App) == 3


def test_revoking_an_app_takes_it_off_the_list(app, browser, register: Register):
    b = browser("procurement")
    assert "On the approved list" in b.get(f"/apps/{register.app_id}").text
    resp = b.post(
        f"/apps/{register.app_id}/edit",
        {
            "vendor_id": str(register.vendor_id),
            "name": "Acme Camera",
            "platform": "ios",
            "store_id": "com.acme.camera",
            "revoked_on": "2026-11-20",
            "revoked_reason": "vendor ended support",
        },
    )
    assert resp.status_code == 302
    page = b.get(f"/apps/{register.app_id}").text
    assert "Not on the approved list" in page
    assert "revoked 2026-11-20: vendor ended support" in page


def test_starting_an_assessment_from_the_app_page(app, browser, register: Register):
    b = browser("procurement")
    picker = b.get("/assessments/new?q=borealis")
    assert "Borealis Snap" in txt(picker)
    resp = b.post("/assessments/new", {"app_id": "999", "checklist_id": "clinical-photo"})
    assert resp.status_code == 422 and "no app with id 999" in txt(resp)
    resp = b.post("/assessments/new", {"app_id": str(register.open_app_id), "checklist_id": "nope"})
    assert resp.status_code == 422 and "no checklist 'nope'" in txt(resp)
    resp = b.post(
        "/assessments/new",
        {"app_id": str(register.open_app_id), "checklist_id": "secure-messaging"},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/answers")
    form = b.get(resp.headers["Location"])
    title = app.extensions["vetting.checklists"]["secure-messaging"].title
    assert form.status_code == 200 and title in txt(form)


# Three answers the checklist accepts: a verified gate with its evidence, a deadline in words,
# a choice.
THREE_GOOD = {
    "v.baa_signed": "yes",
    "src.baa_signed": "verified",
    "ev.baa_signed": "https://borealis.example/baa.pdf",
    "v.breach_notification_days": "72 hours",
    "src.breach_notification_days": "attested",
    "v.key_custody": "customer_managed",
    "src.key_custody": "attested",
}


def _answers_of(app, assessment_id: int) -> dict[str, object]:
    with app.app_context():
        rows = db.session().scalars(select(Answer).where(Answer.assessment_id == assessment_id))
        return {a.capability_key: a.value for a in rows}


def test_a_bad_answer_refuses_only_its_own_question_and_keeps_input(
    app, browser, register: Register
):
    b = browser("procurement")
    page = b.get(f"/assessments/{register.open_id}/answers")
    assert "Gate" in txt(page) and "45 CFR 164.410(b)" in txt(page)  # guidance, references
    before = _count(app, Answer)
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.baa_signed": "yes",
            "src.baa_signed": "verified",
            "ev.baa_signed": "https://borealis.example/baa.pdf",
            "v.breach_notification_days": "72 minutes",
            "src.breach_notification_days": "attested",
            "v.key_custody": "customer_managed",
            "src.key_custody": "attested",
            "ev.encryption_at_rest": "javascript:alert(1)",
            "v.encryption_at_rest": "yes",
            "src.encryption_at_rest": "attested",
        },
    )
    assert resp.status_code == 422
    assert "expects a number of days" in txt(resp)
    assert "must be an http:// or https:// URL" in txt(resp)
    assert 'value="72 minutes"' in txt(resp)
    assert 'value="https://borealis.example/baa.pdf"' in txt(resp)
    assert 'value="javascript:alert(1)"' in txt(resp)  # the refused ones keep what was typed
    assert "Saved 2 answers" in txt(resp) and "were not saved: fix them" in txt(resp)
    stored = _answers_of(app, register.open_id)
    assert _count(app, Answer) == before + 2
    assert stored["baa_signed"] is True and stored["key_custody"] == "customer_managed"
    # The refused questions were not written, not even their valid parts.
    assert "breach_notification_days" not in stored and "encryption_at_rest" not in stored
    # Fixing them saves them; the saved ones are not rewritten.
    events = _count(app, AuditEvent)
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            **THREE_GOOD,
            "ev.encryption_at_rest": "https://borealis.example/enc.pdf",
            "v.encryption_at_rest": "yes",
            "src.encryption_at_rest": "attested",
        },
    )
    assert resp.status_code == 302
    assert _count(app, Answer) == before + 4
    assert _count(app, AuditEvent) == events + 2


def test_a_refused_question_is_not_saved_even_when_it_would_resolve_a_contradiction(
    app, browser, register: Register
):
    """The careless case: the answers kept are checked against the stored ones, not against
    a refused answer that will not be written."""
    b = browser("procurement")
    b.post(
        f"/assessments/{register.open_id}/answers",
        {"v.encryption_at_rest": "yes", "src.encryption_at_rest": "attested"},
    )
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.encryption_at_rest": "no",
            "src.encryption_at_rest": "verified",  # refused: no evidence
            "v.key_custody": "none",  # contradicts the stored "yes", which stays
            "src.key_custody": "attested",
            "v.audit_logging": "yes",
            "src.audit_logging": "attested",
        },
    )
    assert resp.status_code == 422
    page = txt(resp)
    assert "a verified answer needs evidence" in page
    assert "these answers contradict each other" in page
    stored = _answers_of(app, register.open_id)
    assert stored["encryption_at_rest"] is True and "key_custody" not in stored
    assert stored["audit_logging"] is True


def test_answer_form_saves_scores_and_reports(app, browser, register: Register):
    b = browser("procurement")
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            **THREE_GOOD,
            "note.key_custody": "BYOK via Azure Key Vault",
            "then": "scorecard",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/{register.open_id}")
    card = b.get(resp.headers["Location"]).text
    assert "Saved 3 answers" in card
    assert "72 hours (3 calendar days, rounded up) → credit 1" in card  # the words are kept
    assert "BYOK via Azure Key Vault" in card
    # Re-sending the same answers changes nothing and audits nothing.
    events = _count(app, AuditEvent)
    b.post(
        f"/assessments/{register.open_id}/answers",
        {
            **THREE_GOOD,
            "note.key_custody": "BYOK via Azure Key Vault",
        },
    )
    assert _count(app, AuditEvent) == events
    # A recorded answer cannot be blanked out.
    resp = b.post(f"/assessments/{register.open_id}/answers", {"v.baa_signed": ""})
    assert resp.status_code == 422 and "cannot be left empty" in txt(resp)


def test_na_only_where_the_capability_allows_it(app, browser, register: Register):
    b = browser("procurement")
    checklist = app.extensions["vetting.checklists"]["clinical-photo"]
    allowed = next(c for c in checklist.capabilities if c.allow_na)
    refused = next(c for c in checklist.capabilities if not c.allow_na and c.kind == "bool")
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {f"v.{refused.key}": "n/a", f"src.{refused.key}": "attested"},
    )
    assert resp.status_code == 422 and "does not allow N/A" in txt(resp)
    field = (
        f"na.{allowed.key}" if allowed.kind in ("max_days", "min_number") else f"v.{allowed.key}"
    )
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {field: "on" if field.startswith("na.") else "n/a", f"src.{allowed.key}": "attested"},
    )
    assert resp.status_code == 302


def test_decision_override_needs_a_justification(app, browser, register: Register):
    b = browser("procurement")
    url = f"/assessments/{register.open_id}/decision"
    page = b.get(f"/assessments/{register.open_id}").text
    # incomplete: the form offers only a rejection
    assert 'id="f-decision-rejected"' in page and 'id="f-decision-approved"' not in page
    resp = b.post(url, {"decision": "rejected", "valid_until": "2027-06-01"})
    assert resp.status_code == 422
    assert "a justification is required" in txt(resp)
    assert 'value="2027-06-01"' in txt(resp)
    for decision in ("approved", "conditional"):
        resp = b.post(url, {"decision": decision, "justification": "pilot only"})
        assert resp.status_code == 422
        assert "only a rejection can be decided on an incomplete assessment" in txt(resp)
        assert "baa_signed" in txt(resp) and "pilot only" in txt(resp)
    assert _count(app, Decision) == 1
    resp = b.post(
        url,
        {"decision": "rejected", "justification": "no BAA", "valid_until": "2027-06-01"},
    )
    assert resp.status_code == 422
    assert "a justification needs at least 20 letters or digits" in txt(resp)
    resp = b.post(
        url,
        {
            "decision": "rejected",
            "justification": "no BAA offered by the vendor",
            "valid_until": "2027-06-01",
        },
    )
    assert resp.status_code == 302
    card = b.get(resp.headers["Location"]).text
    assert "overrides the verdict" in card and "no BAA offered by the vendor" in card
    assert "Record decision" not in card  # decided: no second decision form


def test_baa_form_errors_and_register_actions(app, browser, register: Register):
    b = browser("legal")
    resp = b.post(
        "/baas/new",
        {
            "vendor_id": str(register.other_vendor_id),
            "effective_date": "2026-05-01",
            "expiration_date": "2025-12-31",
            "breach_value": "-3",
            "breach_unit": "calendar_days",
            "title": "Borealis BAA",
        },
    )
    assert resp.status_code == 422
    assert "value must be a number ≥ 0" in txt(resp)
    assert 'value="Borealis BAA"' in txt(resp)
    resp = b.post(
        "/baas/new",
        {
            "vendor_id": str(register.other_vendor_id),
            "effective_date": "2026-05-01",
            "expiration_date": "2025-12-31",
        },
    )
    assert resp.status_code == 422 and (
        "the last day in force cannot be before the effective date" in txt(resp)
    )
    # Notice in days and in months at once: refused, nothing saved.
    before = b.get("/baas").text.count("Borealis")
    resp = b.post(
        "/baas/new",
        {
            "vendor_id": str(register.other_vendor_id),
            "status": "active",
            "title": "Borealis two notices",
            "effective_date": "2026-05-01",
            "expiration_date": "2027-04-30",
            "auto_renews": "on",
            "renewal_term_months": "12",
            "notice_days": "60",
            "notice_months": "2",
            "signed_copy_note": "signed original in the contracts share",
        },
    )
    assert resp.status_code == 422 and "in days or in months, not both" in txt(resp)
    assert "Borealis two notices" not in b.get("/baas").text
    assert b.get("/baas").text.count("Borealis") == before
    resp = b.post(
        "/baas/new",
        {
            "vendor_id": str(register.other_vendor_id),
            "status": "active",
            "effective_date": "2026-05-01",
            "expiration_date": "2027-04-30",
            "auto_renews": "on",
            "renewal_term_months": "12",
            "notice_days": "60",
            "subcontractor_flowdown": "yes",
            "signed_copy_note": "signed original in the contracts share",
        },
    )
    assert resp.status_code == 302
    baa_url = resp.headers["Location"]
    page = b.get(baa_url).text
    assert "auto-renews every 12 months" in page and "notice deadline 2027-03-02" in page
    # Renew: the old one stays in force until the renewal takes effect.
    bad = b.post(
        f"{baa_url}/renew", {"effective_date": "2026-01-01", "expiration_date": "2027-12-31"}
    )
    assert bad.status_code == 422 and "must be after the effective date" in txt(bad)
    unsigned = b.post(
        f"{baa_url}/renew", {"effective_date": "2027-05-01", "expiration_date": "2029-04-30"}
    )
    assert unsigned.status_code == 422 and "needs its signed copy" in txt(unsigned)
    renewed = b.post(
        f"{baa_url}/renew",
        {
            "effective_date": "2027-05-01",
            "expiration_date": "2029-04-30",
            "signed_copy_note": "signed original in the contracts share",
        },
    )
    assert renewed.status_code == 302
    assert "Renewal chain" in b.get(renewed.headers["Location"]).text
    # Terminate the renewal: a reason is required.
    bad = b.post(f"{renewed.headers['Location']}/terminate", {"on": "2027-06-01"})
    assert bad.status_code == 422 and "is required" in txt(bad)
    done = b.post(
        f"{renewed.headers['Location']}/terminate",
        {"on": "2027-06-01", "reason": "vendor acquired"},
    )
    assert done.status_code == 302
    assert "vendor acquired" in b.get(renewed.headers["Location"]).text
    assert _count(app, BAA) == 3


def test_baa_document_upload_and_download(app, store, browser, register: Register):
    legal = browser("legal")
    url = f"/baas/{register.baa_id}"
    resp = legal.post(f"{url}/document", {})
    assert resp.status_code == 422 and "choose the signed agreement" in txt(resp)
    from io import BytesIO

    resp = legal.post(
        f"{url}/document",
        {"file": (BytesIO(b"MZ\x90\x00binary"), "baa.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "baa.pdf" in txt(resp)
    pdf = b"%PDF-1.4\n% signed BAA\n%%EOF\n"
    resp = legal.post(
        f"{url}/document",
        {"file": (BytesIO(pdf), "acme-baa.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert store.names() == [hashlib.sha256(pdf).hexdigest()]  # whichever store is configured
    page = legal.get(url).text
    assert "acme-baa.pdf" in page and "Download signed document" in page
    got = legal.get(f"{url}/document")
    assert got.status_code == 200 and got.data == pdf
    assert got.headers["Content-Disposition"].startswith("attachment")
    viewer = browser("viewer")
    assert "Download signed document" not in viewer.get(url).text
    assert viewer.get(f"{url}/document").status_code == 403


def test_calendar_download(browser, register: Register):
    viewer = browser("viewer")
    resp = viewer.get("/baas/calendar.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    assert b"BEGIN:VCALENDAR" in resp.data and b"Acme Health" in resp.data
    assert resp.headers["Content-Disposition"].startswith("attachment")
    # conditional, as the API's feed: the same ETag gets 304 with no body
    again = viewer.get("/baas/calendar.ics", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # the API feed's window and filters: another vendor's or a window without the agreement's
    # dates has no event; a filter changes the ETag
    other = viewer.get(f"/baas/calendar.ics?vendor_id={register.other_vendor_id}")
    assert other.status_code == 200 and b"Acme Health" not in other.data
    assert other.headers["ETag"] != resp.headers["ETag"]
    early = viewer.get("/baas/calendar.ics?from=2020-01-01&to=2020-02-01")
    assert b"BEGIN:VEVENT" not in early.data
    # read as the API reads it: a repeated kind means both; a parameter not the feed's is
    # refused, naming it
    unknown = viewer.get("/baas/calendar.ics?colour=red")
    assert unknown.status_code == 422 and "colour" in unknown.text
    both = viewer.get("/baas/calendar.ics?kind=term_end&kind=notice_deadline")
    one = viewer.get("/baas/calendar.ics?kind=term_end")
    assert both.status_code == one.status_code == 200
    assert (
        both.headers["ETag"]
        == viewer.get("/baas/calendar.ics?kind=notice_deadline,term_end").headers["ETag"]
    )
    assert both.headers["ETag"] != one.headers["ETag"]
    # a mistake is a clear 422 naming the field, not a file or a 500
    bad = viewer.get("/baas/calendar.ics?to=next-week")
    assert bad.status_code == 422 and "must be a date as YYYY-MM-DD" in bad.text


def test_a_release_note_longer_than_the_api_allows_is_refused_on_the_form(browser, register):
    it = browser("it")
    resp = publish_list(it, "x" * 1001)
    assert resp.status_code == 422
    assert "at most 1000 characters" in resp.text and "x" * 1001 in resp.text  # kept as typed
    assert "The first release" in resp.text


def test_publish_and_download_every_format(app, browser, register: Register):
    it = browser("it")
    page = it.get("/allowlist").text
    assert "no release published yet" in page
    assert "Acme Camera" in page and "Borealis Snap" in page
    resp = publish_list(it, "first release")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/allowlist/releases/1")
    page = it.get("/allowlist").text
    assert "published release 1" in page and "is the same as release #1" in page
    links = sorted(set(re.findall(r'href="(/allowlist/releases/1/export/[^"]+)"', page)))
    assert len(links) >= 5, links
    for link in links:
        got = it.get(link.replace("&amp;", "&"))
        assert got.status_code == 200, link
        assert got.headers["Content-Disposition"].startswith("attachment"), link
        assert got.data, link
    csv = it.get("/allowlist/current.csv")
    assert csv.status_code == 200 and b"com.acme.camera" in csv.data
    assert it.get("/allowlist/current.xml").status_code == 422
    again = it.get("/allowlist/publish")
    assert "there is nothing to publish" in again.text and 'name="plan"' not in again.text


def test_admin_creates_people_and_tokens(app, browser):
    b = browser("admin")
    resp = b.post(
        "/admin/users", {"email": "new@hospital.example", "password": "short", "role": "legal"}
    )
    assert resp.status_code == 422 and "at least 12 characters" in txt(resp)
    assert 'value="new@hospital.example"' in txt(resp)
    assert (
        b.post(
            "/admin/users",
            {"email": "new@hospital.example", "password": "long enough password", "role": "legal"},
        ).status_code
        == 302
    )
    resp = b.post("/admin/tokens", {"name": "mdm", "role": "it", "scopes": ["admin"]})
    assert resp.status_code == 422 and "cannot hold" in txt(resp)
    resp = b.post(
        "/admin/tokens",
        {"name": "intune-pull", "role": "it", "scopes": ["allowlist:read"], "expires_days": "30"},
    )
    assert resp.status_code == 200
    secret = re.search(r'value="(vt_[^"]+)"', txt(resp)).group(1)
    assert resp.headers["Cache-Control"] == "no-store"
    assert (
        b.client.get("/api/v1/allowlist", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    assert secret not in b.get("/admin").text  # shown once
    with app.app_context():
        token_id = db.session().scalar(select(ApiToken.id).where(ApiToken.name == "intune-pull"))
    assert b.post(f"/admin/tokens/{token_id}/revoke").status_code == 302
    assert (
        b.client.get("/api/v1/allowlist", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


def test_admin_changes_roles_but_never_removes_the_last_admin(app, browser):
    b = browser("admin")
    with app.app_context():
        me = db.session().scalar(select(User.id).where(User.email == "admin@hospital.example"))
    resp = b.post(f"/admin/users/{me}", {"role": "viewer"})
    assert "last active admin" in b.get(resp.headers["Location"]).text
    resp = b.post(f"/admin/users/{me}", {"active": "0"})
    assert "last active admin" in b.get(resp.headers["Location"]).text
    b.post(
        "/admin/users",
        {"email": "other@hospital.example", "password": "long enough password", "role": "viewer"},
    )
    with app.app_context():
        other = db.session().scalar(select(User.id).where(User.email == "other@hospital.example"))
    b.post(f"/admin/users/{other}", {"role": "legal"})
    b.post(f"/admin/users/{other}", {"active": "0"})
    with app.app_context():
        user = db.session().get(User, other)
        assert (user.role, user.active) == ("legal", False)


def test_audit_page_filters(browser, register: Register):
    b = browser("legal")
    page = b.get("/audit?action=baa.create").text
    assert "baa.create" in page and "vendor.create</code>" not in page
    assert "1 events" in page
    assert "Chain intact" in b.get("/audit/verify").text


def test_compare_lines_up_apps_and_marks_differences(browser, register: Register):
    b = browser("viewer")
    resp = b.get(f"/compare?checklist=clinical-photo&app={register.app_id}")
    assert resp.status_code == 422 and "choose between 2 and 4 different apps" in txt(resp)
    resp = b.get(
        f"/compare?checklist=clinical-photo&app={register.app_id}&app={register.open_app_id}"
    )
    assert resp.status_code == 200
    assert "Acme Camera" in txt(resp) and "Borealis Snap" in txt(resp)
    assert txt(resp).count("diff-mark") >= 20
    assert "data-print" in txt(resp)
    resp = b.get(
        f"/compare?checklist=secure-messaging&app={register.app_id}&app={register.open_app_id}"
    )
    assert resp.status_code == 422 and "no assessment on checklist" in txt(resp)


def test_scorecard_shows_each_tier_what_is_missing_and_the_conditions(
    app, browser, register: Register
):
    from tests.web.conftest import ACTOR, good_answer
    from vetting.schemas import AnswerIn
    from vetting.services import assessments

    b = browser("viewer")
    page = txt(b.get(f"/assessments/{register.open_id}"))
    words = re.sub(r"<[^>]+>", "", page)
    assert "Incomplete: missing Business Associate Agreement signed (gate), " in words
    assert "Legal hold (required)" in words
    assert "Remote wipe of app data (scored)" not in words  # scored: never blocks
    rows = re.findall(r'<span class="tier tier-(\w+)">(\w+)</span>', page)
    assert {t for t, _ in rows} == {"gate", "required", "scored"}
    assert len(rows) == 29  # one per capability row
    with app.app_context():
        s = db.session()
        checklist = app.extensions["vetting.checklists"]["clinical-photo"]
        answers = {
            c.key: AnswerIn(
                value=good_answer(c.kind, c.options),
                source="verified",
                evidence_url="https://borealis.example/trust/soc2-bridge-letter.pdf",
            )
            for c in checklist.capabilities
        }
        answers["legal_hold"] = AnswerIn(
            value=False,
            source="verified",
            evidence_url="https://borealis.example/trust/soc2-bridge-letter.pdf",
        )
        assessments.answer_many(s, ACTOR, register.open_id, answers)
    page = txt(b.get(f"/assessments/{register.open_id}"))
    assert "Incomplete: missing" not in page
    assert "Legal hold: no credit — required for approval" in page


def _answer_all(app, assessment_id: int, **overrides) -> None:
    from tests.answers import answer_everything
    from vetting import auth
    from vetting.schemas import AnswerIn
    from vetting.services import assessments

    with app.app_context():
        s = db.session()
        checklist = app.extensions["vetting.checklists"]["clinical-photo"]
        answer_everything(s, checklist, assessment_id)
        for key, value in overrides.items():
            assessments.answer(
                s, auth.CLI_PRINCIPAL, assessment_id, key, AnswerIn(value=value, source="attested")
            )


def test_an_override_waits_for_a_second_person_in_the_browser_forms(
    app, browser, register: Register
):
    _answer_all(app, register.open_id, encryption_at_rest=False)  # a failed gate: rejected
    author, second = browser("procurement"), browser("admin")
    url = f"/assessments/{register.open_id}"
    page = author.get(url).text
    assert "takes effect only when a second person confirms it" in page
    resp = author.post(
        f"{url}/decision",
        {"decision": "approved", "justification": "compensating control: MDM encrypts the device"},
    )
    assert resp.status_code == 302
    card = author.get(url).text
    assert (
        "Awaiting a second person" in card and "approved although the verdict is rejected" in card
    )
    assert "another person with the procurement or admin role must confirm it" in card
    assert "Confirm as second person" not in card
    assert "Decisions awaiting a second person" in second.get("/").text
    with app.app_context():
        decision_id = db.session().scalars(select(Decision.id)).all()[-1]
    # The author's own confirmation is refused (a forged post gets the same answer).
    resp = author.post(f"/decisions/{decision_id}/confirm")
    assert resp.status_code == 302
    assert "cannot confirm it" in txt(author.client.get(url))
    card = second.get(url).text
    assert "Confirm as second person" in card
    resp = second.post(f"/decisions/{decision_id}/confirm")
    assert resp.status_code == 302
    card = second.get(url).text
    assert "Decision confirmed" in card and "Confirmed by admin@hospital.example" in card
    assert "Decisions awaiting a second person" not in second.get("/").text


def test_conditions_are_rows_with_due_dates_and_owners(app, browser, register: Register):
    _answer_all(app, register.open_id, mdm_app_protection="partial_support")  # conditional
    b = browser("procurement")
    url = f"/assessments/{register.open_id}"
    page = b.get(url).text
    # The verdict's condition is offered as the first row's text.
    assert 'name="conditions.0.text"' in page and "required for approval" in page

    def decide(due: str, owner: str):
        return b.post(
            f"{url}/decision",
            {
                "decision": "conditional",
                "conditions.0.text": "Intune app protection on every device",
                "conditions.0.due_date": due,
                "conditions.0.owner": owner,
            },
        )

    resp = decide("2026-11-20", "not-an-email")
    assert resp.status_code == 422
    body = txt(resp)
    assert "Condition 1 owner</a>: must be an email address" in body
    assert 'value="Intune app protection on every device"' in body  # what was typed is kept
    resp = decide("2026-11-20", "it@hospital.example")
    assert resp.status_code == 422
    assert "Condition 1 due date</a>: must be after today (2026-11-25)" in txt(resp)
    resp = decide("2027-01-31", "it@hospital.example")
    assert resp.status_code == 302, txt(resp)
    card = b.get(url).text
    assert "Intune app protection on every device" in card and "2027-01-31" in card
    assert "Mark met" not in card  # its author does not mark its own conditions met
    assert "Mark met" in browser("admin").get(url).text


def test_a_deadline_is_entered_as_value_unit_trigger_and_quote_and_shown_back(
    app, browser, register: Register
):
    b = browser("procurement")
    clause = "The vendor reports a breach to the hospital within 4 business days of discovery."
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.breach_notification_days": "4",
            "u.breach_notification_days": "business_days",
            "t.breach_notification_days": "discovery",
            "qt.breach_notification_days": clause,
            "src.breach_notification_days": "attested",
            "then": "scorecard",
        },
    )
    assert resp.status_code == 302, txt(resp)
    card = txt(b.get(resp.headers["Location"]))
    assert "4 business days (6 calendar days at worst) from discovery" in card
    assert clause in card
    form = txt(b.get(f"/assessments/{register.open_id}/answers"))
    assert 'name="v.breach_notification_days" value="4"' in form
    assert '<option value="business_days" selected>' in form
    assert '<option value="discovery" selected>' in form
    assert clause in form
    # wording without a number is the 60-day legal maximum, in words
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.breach_notification_days": "without unreasonable delay",
            "src.breach_notification_days": "attested",
            "then": "scorecard",
        },
    )
    card = txt(b.get(resp.headers["Location"]))
    assert "unstated (60-day legal maximum)" in card
    assert "“without unreasonable delay”" in card


def test_answers_that_contradict_each_other_are_refused_on_the_form(
    app, browser, register: Register
):
    b = browser("procurement")
    before = _count(app, Answer)
    resp = b.post(
        f"/assessments/{register.open_id}/answers",
        {
            "v.encryption_at_rest": "yes",
            "src.encryption_at_rest": "attested",
            "v.key_custody": "none",
            "src.key_custody": "attested",
        },
    )
    assert resp.status_code == 422
    page = txt(resp)
    assert "these answers contradict each other" in page
    assert "(encryption_at_rest) = yes" in page and "(key_custody) = none" in page
    assert _count(app, Answer) == before


def test_the_scorecard_of_an_older_pinned_version_says_to_reassess(app, browser):
    from tests.older_version import assessment_on_older_version

    with app.app_context():
        aid = assessment_on_older_version(db.session())
    page = txt(browser("viewer").get(f"/assessments/{aid}"))
    assert "Newer checklist:" in page
    assert "reassess against v2.0.0: clinical-photo v2.0.0 is loaded" in page
    assert "v1.9.0" in page


def test_a_new_assessment_chooses_the_app_by_name_not_by_number(browser, register):
    b = browser("procurement")
    page = b.get("/assessments/new").text
    assert 'type="number"' not in page and "First find the app" in page
    assert "disabled" in page.split("Start assessment")[0].rsplit("<button", 1)[1]
    found = b.get("/assessments/new?q=borealis").text
    assert "Borealis Snap" in found
    chosen = b.get(f"/assessments/new?app_id={register.open_app_id}&q=borealis").text
    assert "App: <strong>Borealis Snap</strong>" in chosen
