"""Every page renders for every role, validates, and shows only what the role may do; the
server refuses the rest with a 403 page whatever the page showed."""

from __future__ import annotations

import pytest

from tests.web.conftest import Register
from tests.web.html_check import problems
from vetting.auth import ROLE_SCOPES

# page → the scope it needs (None: any signed-in user)
PAGES = {
    "/": None,
    "/vendors": "vendors:read",
    "/vendors?q=acme&sort=apps&desc=1": "vendors:read",
    "/vendors/{vendor_id}": "vendors:read",
    "/apps": "apps:read",
    "/apps?q=camera&platform=ios&sort=vendor": "apps:read",
    "/apps/{app_id}": "apps:read",
    "/assessments": "assessments:read",
    "/assessments?status=open&verdict=incomplete": "assessments:read",
    "/assessments/{decided_id}": "assessments:read",
    "/assessments/{open_id}": "assessments:read",
    "/compare": "assessments:read",
    "/compare?checklist=clinical-photo&app={app_id}&app={open_app_id}": "assessments:read",
    "/baas": "baas:read",
    "/baas?filter=expiring": "baas:read",
    "/baas/{baa_id}": "baas:read",
    "/allowlist": "allowlist:read",
    "/allowlist?as_of=2027-02-01": "allowlist:read",
    "/audit": "audit:read",
    "/audit?action=vendor.create&since=2026-01-01": "audit:read",
    "/audit/verify": "audit:read",
    "/admin": "admin",
    "/vendors/new": "vendors:write",
    "/vendors/{vendor_id}/edit": "vendors:write",
    "/apps/new": "apps:write",
    "/apps/{app_id}/edit": "apps:write",
    "/assessments/new": "assessments:write",
    "/assessments/new?q=acme": "assessments:write",
    "/assessments/{open_id}/answers": "assessments:write",
    "/baas/new": "baas:write",
    "/baas/{baa_id}/edit": "baas:write",
}

# Buttons and links that write: (page, text that shows them, the scope they need).
WRITE_CONTROLS = [
    ("/vendors", 'href="/vendors/new"', "vendors:write"),
    ("/vendors/{vendor_id}", "Edit vendor", "vendors:write"),
    ("/vendors/{vendor_id}", "Add app", "apps:write"),
    ("/vendors/{vendor_id}", "Record BAA", "baas:write"),
    ("/apps", 'href="/apps/new"', "apps:write"),
    ("/apps/{app_id}", "Edit or revoke", "apps:write"),
    ("/apps/{open_app_id}", "Start assessment", "assessments:write"),
    ("/assessments", 'href="/assessments/new"', "assessments:write"),
    ("/assessments/{open_id}", "Answer questions", "assessments:write"),
    ("/assessments/{open_id}", "Record decision", "decisions:write"),
    ("/assessments/{decided_id}", "Start reassessment", "assessments:write"),
    ("/baas", 'href="/baas/new"', "baas:write"),
    ("/baas/{baa_id}", "Edit terms", "baas:write"),
    ("/baas/{baa_id}", "Record renewal", "baas:write"),
    ("/baas/{baa_id}", ">Terminate</button>", "baas:write"),
    ("/baas/{baa_id}", "Upload the signed agreement", "baas:write"),
    ("/allowlist", "Review and publish", "allowlist:write"),
    ("/", 'href="/audit"', "audit:read"),
    ("/", 'href="/admin"', "admin"),
]


def _url(template: str, r: Register) -> str:
    return template.format(**r.__dict__)


@pytest.mark.parametrize("role", ["admin", "procurement", "legal", "it", "viewer"])
def test_every_page_renders_valid_html_or_403_for_each_role(browser, register, role):
    b = browser(role)
    scopes = ROLE_SCOPES[role]
    for template, scope in PAGES.items():
        url = _url(template, register)
        resp = b.get(url)
        allowed = scope is None or scope in scopes
        assert resp.status_code == (200 if allowed else 403), (role, url, resp.status_code)
        assert problems(resp.text) == [], (role, url)
        if not allowed:
            assert "You do not have permission" in resp.text


@pytest.mark.parametrize("role", ["admin", "procurement", "legal", "it", "viewer"])
def test_write_buttons_show_only_for_roles_that_may_use_them(browser, register, role):
    b = browser(role)
    scopes = ROLE_SCOPES[role]
    for template, marker, scope in WRITE_CONTROLS:
        url = _url(template, register)
        resp = b.get(url)
        assert resp.status_code == 200, (role, url)
        assert (marker in resp.text) is (scope in scopes), (role, url, marker)


def test_viewer_sees_no_write_form_anywhere(browser, register):
    b = browser("viewer")
    for template in PAGES:
        text = b.get(_url(template, register)).text
        # The only form that posts is signing out.
        assert text.count('method="post"') == text.count('action="/logout"'), template


WRITES = [
    ("/vendors/new", {"name": "Sneaky Health"}, "vendors:write"),
    ("/vendors/{vendor_id}/edit", {"name": "Renamed"}, "vendors:write"),
    ("/vendors/{other_vendor_id}/delete", {}, "vendors:write"),
    ("/apps/new", {"vendor_id": "{vendor_id}", "name": "X", "platform": "ios"}, "apps:write"),
    ("/apps/{app_id}/edit", {"name": "Renamed"}, "apps:write"),
    ("/apps/{app_id}/delete", {}, "apps:write"),
    (
        "/assessments/new",
        {"app_id": "{app_id}", "checklist_id": "clinical-photo"},
        "assessments:write",
    ),
    ("/assessments/{open_id}/answers", {"v.baa_signed": "yes"}, "assessments:write"),
    (
        "/assessments/{open_id}/decision",
        {"decision": "rejected", "justification": "reviewed by the security committee"},
        "decisions:write",
    ),
    ("/baas/new", {"vendor_id": "{vendor_id}", "effective_date": "2026-01-01"}, "baas:write"),
    ("/baas/{baa_id}/edit", {"effective_date": "2026-01-01"}, "baas:write"),
    ("/baas/{baa_id}/renew", {"effective_date": "2027-01-01"}, "baas:write"),
    ("/baas/{baa_id}/terminate", {"on": "2026-12-01", "reason": "x"}, "baas:write"),
    ("/allowlist/publish", {}, "allowlist:write"),
    (
        "/admin/users",
        {"email": "x@y.example", "password": "long enough pw!", "role": "admin"},
        "admin",
    ),
    ("/admin/tokens", {"name": "x", "role": "admin"}, "admin"),
]


@pytest.mark.parametrize("role", ["procurement", "legal", "it", "viewer"])
def test_every_write_is_refused_with_403_without_its_scope(app, browser, register, role):
    from sqlalchemy import func, select

    from vetting import db
    from vetting.models import AuditEvent

    b = browser(role)
    scopes = ROLE_SCOPES[role]
    with app.app_context():
        events = db.session().scalar(select(func.count()).select_from(AuditEvent))
    for path, data, scope in WRITES:
        if scope in scopes:
            continue
        url = _url(path, register)
        resp = b.post(url, {k: _url(v, register) for k, v in data.items()})
        assert resp.status_code == 403, (role, url, resp.status_code)
        assert "You do not have permission" in resp.text
    with app.app_context():
        # Nothing was written: only the sign-in itself is in the log.
        assert db.session().scalar(select(func.count()).select_from(AuditEvent)) == events


def test_unknown_records_are_404_pages(browser):
    b = browser("admin")
    for url in (
        "/vendors/999",
        "/apps/999",
        "/assessments/999",
        "/baas/999",
        "/vendors/99999999999",
    ):
        resp = b.get(url)
        assert resp.status_code == 404, url
        assert problems(resp.text) == []


def test_bad_query_values_do_not_break_pages(browser, register):
    b = browser("admin")
    for url in (
        "/apps?page=abc&sort=evil&desc=x",
        "/vendors?page=-5",
        "/baas?filter=nope",
        "/assessments?status=weird&page=99999999999",
        "/compare?app=1&app=abc",
    ):
        assert b.get(url).status_code in (200, 422), url
    resp = b.get("/audit?since=yesterday")
    assert resp.status_code == 400 and "is not a date" in resp.text


def test_timeline_marks_a_notice_deadline_whose_term_ends_beyond_the_window(app, browser):
    from datetime import date

    from tests.web.conftest import ACTOR
    from vetting import db
    from vetting.schemas import BaaCreate, VendorCreate
    from vetting.services import baas, vendors

    with app.app_context():
        s = db.session()
        v = vendors.create(s, ACTOR, VendorCreate(name="Halcyon Health Cloud"))
        baas.create(s, ACTOR, BaaCreate(
            vendor_id=v.id, effective_date=date(2025, 1, 1), expiration_date=date(2027, 12, 29),
            auto_renews=True, renewal_term_months=36, notice_days=120,
            signed_copy_note="signed original held by legal"))  # fmt: skip
    page = browser("legal").get("/baas").text
    assert "2027-09-01: notice deadline" in page  # term end 2027-12-30 is beyond 12 months
    assert ": term ends" not in page
