"""The UI in a real browser: Debian's Chromium driven by Playwright against the app served on
127.0.0.1. One story from a candidate app to the MDM profile, told by the roles that do it
in a hospital, and a viewer who can neither see nor use a write button.

Screenshots of every main page are kept as test output (tests/web/browser_fixtures.py says
where).
"""

from __future__ import annotations

import re

import pytest

from tests.web.browser_fixtures import BROWSER_MARKS

pytestmark = BROWSER_MARKS
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def _choose(page: object, selector: str) -> None:
    """Click a radio button as a person does. The form saves each answer as it is entered and
    the score above it is redrawn when that save returns; on a loaded machine a redraw can land
    between Playwright's aim and its click, so a click that did not take is made again (the
    answer is then checked like any other)."""
    for attempt in range(3):
        try:
            page.check(selector)  # type: ignore[attr-defined]
            return
        except sync_api.Error:
            if attempt == 2:
                raise


def _answer_everything_well(page: object, checklist: object) -> None:
    for cap in checklist.capabilities:  # type: ignore[attr-defined]
        if cap.kind == "bool":
            _choose(page, f"#f-v-{cap.key}-1")
        elif cap.kind == "choice":
            best = max(cap.options, key=lambda o: o[1])[0]
            page.select_option(f"#f-v-{cap.key}", best)  # type: ignore[attr-defined]
        else:
            page.fill(f"#f-v-{cap.key}", "3" if cap.kind == "max_days" else "7")  # type: ignore[attr-defined]
        page.select_option(f"#f-src-{cap.key}", "verified")  # type: ignore[attr-defined]
        page.fill(f"#f-ev-{cap.key}", "https://vendor.example/trust/assurance-pack")  # type: ignore[attr-defined]


def test_from_candidate_app_to_mdm_profile(app, people, tmp_path):
    checklist = app.extensions["vetting.checklists"]["clinical-photo"]

    # Procurement: vendor, app, assessment, decision.
    proc = people("procurement")
    page = proc.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # keyboard first stop
    proc.shot("dashboard-empty")
    proc.go("/vendors")
    page.click("text=New vendor")
    page.fill("#f-name", "Acme Health")
    page.fill("#f-website", "not a url")
    page.click("button:has-text('Add vendor')")
    assert (
        page.locator(".field-error")
        .first.inner_text()
        .endswith("must be an http:// or https:// URL")
    )
    assert page.input_value("#f-name") == "Acme Health"  # what was typed stays
    page.fill("#f-website", "https://acme.example")
    page.click("button:has-text('Add vendor')")
    page.wait_for_selector("text=Vendor Acme Health added.")
    page.click("text=Add app")
    page.fill("#f-name", "Acme Camera")
    page.select_option("#f-platform", "ios")
    page.fill("#f-store_id", "com.acme.camera")
    page.click("button:has-text('Add app')")
    page.wait_for_selector("text=App Acme Camera added.")
    page.select_option("#checklist_id", "clinical-photo")
    page.click("button:has-text('Start assessment')")
    page.wait_for_selector("h1:has-text('answers')")
    proc.shot("assessment-form")
    _answer_everything_well(page, checklist)
    page.click("button:has-text('Save and view scorecard')")
    page.wait_for_selector("h1:has-text('scorecard')")
    assert "Approved" in page.locator(".verdict").inner_text()
    assert page.locator(".score-num").first.inner_text() == "100"
    proc.shot("scorecard")
    page.check("#f-decision-approved")
    page.click("button:has-text('Record decision')")
    page.wait_for_selector("text=Decision recorded: approved")
    proc.go("/apps")
    proc.shot("apps")
    proc.go("/assessments")
    proc.shot("assessments")

    # Legal: the BAA that makes the decision count.
    legal = people("legal")
    page = legal.page
    legal.go("/vendors")
    page.click("text=Acme Health")
    proc_vendor_url = page.url
    page.click("text=Record BAA")
    page.fill("#f-title", "Acme BAA 2026")
    page.fill("#f-effective_date", "2026-01-01")
    page.fill("#f-expiration_date", "2027-03-01")
    page.fill("#f-breach_value", "5")
    page.select_option("#f-breach_unit", "calendar_days")
    page.select_option("#f-subcontractor_flowdown", "yes")
    page.fill("#f-signed_copy_note", "signed original in the contracts share")
    page.click("button:has-text('Record BAA')")
    page.wait_for_selector("text=BAA recorded.")
    assert "In force today" in page.locator(".listing").inner_text()
    legal.go("/baas")
    assert page.locator("svg.timeline rect.bar").count() == 1
    legal.shot("baa-register")
    legal.go(proc_vendor_url.removeprefix(legal.base))
    legal.shot("vendor-detail")

    # IT: the app is on the list; publish; download the Apple profile.
    it = people("it")
    page = it.page
    it.go("/allowlist")
    assert (
        page.locator("section:has(h2:has-text('On the list')) td")
        .first.inner_text()
        .startswith("Acme Camera")
    )
    it.shot("approved-list")
    page.click("a:has-text('Review and publish')")
    page.wait_for_selector("h1:has-text('Publish today')")
    assert "Acme Camera" in page.locator("ul.diff").inner_text()
    it.shot("publish-review")
    page.fill("#f-note", "Acme Camera approved")
    page.click("button:has-text('Publish 1 apps')")
    page.wait_for_selector("text=published release 1")
    assert page.locator("h1").inner_text() == "Release #1"
    it.shot("release")
    with page.expect_download() as info:
        page.click("ul.downloads a[href$='/export/mobileconfig']")
    profile = tmp_path / "profile.mobileconfig"
    info.value.save_as(profile)
    body = profile.read_bytes()
    assert b"com.acme.camera" in body and b"<plist" in body
    it.go("/")
    it.shot("dashboard")

    # Admin pages and the audit log tell what happened.
    admin = people("admin")
    admin.go("/audit")
    assert admin.page.locator("code:has-text('allowlist.publish')").count() == 1
    admin.shot("audit")
    admin.go("/admin")
    admin.shot("admin")
    admin.go("/vendors")
    admin.shot("vendors")


def test_compare_is_printable(app, people, register):
    proc = people("procurement")
    proc.go(f"/compare?checklist=clinical-photo&app={register.app_id}&app={register.open_app_id}")
    page = proc.page
    assert page.locator("tr.differs").count() > 10
    proc.shot("compare")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("form.no-print").is_visible()
    assert page.locator("table.compare").is_visible()
    proc.shot("compare-print")


def test_viewer_sees_no_write_buttons_and_a_forged_post_gets_403(app, people, register):
    viewer = people("viewer")
    page = viewer.page
    for path in ("/vendors", f"/vendors/{register.vendor_id}", "/apps", "/assessments",
                 f"/assessments/{register.open_id}", "/baas", f"/baas/{register.baa_id}",
                 "/allowlist"):  # fmt: skip
        viewer.go(path)
        assert page.locator("main form[method=post]").count() == 0, path
        for text in ("New vendor", "New app", "New assessment", "Record BAA", "Publish",
                     "Record decision", "Edit", "Delete", "Upload"):  # fmt: skip
            for role in ("button", "link"):
                found = page.get_by_role(role, name=re.compile(text)).count()
                assert found == 0, (path, role, text)
    token = page.locator("header input[name=csrf_token]").input_value()
    resp = page.request.post(
        f"{viewer.base}/vendors/new", form={"csrf_token": token, "name": "Forged Health"}
    )
    assert resp.status == 403
    assert "You do not have permission" in resp.text()
    viewer.go("/vendors")
    assert "Forged Health" not in page.content()


def test_pages_read_well_on_a_phone(app, people, register):
    proc = people("procurement", width=390)
    for path, name in (
        ("/", "phone-dashboard"),
        (f"/assessments/{register.decided_id}", "phone-scorecard"),
        ("/baas", "phone-baas"),
    ):
        proc.go(path)
        # Nothing but wide tables may scroll sideways: the page itself fits the screen.
        assert proc.page.evaluate("document.documentElement.scrollWidth") <= 390, path
        proc.shot(name)


def test_legal_subscribes_to_the_calendar_and_the_address_works(app, people, register):
    legal = people("legal")
    page = legal.page
    legal.go("/baas")
    page.click("a:has-text('Subscribe in your calendar')")
    page.wait_for_selector("h1:has-text('Subscribe to BAA deadlines')")
    assert page.locator("#f-kind-notice_deadline").is_checked()
    page.click("button:has-text('Create feed address')")
    address = page.locator("#new-token").input_value()
    assert "/api/v1/baas.ics?token=" in address
    legal.shot("calendar-subscribe")
    got = page.request.get(address)
    assert got.status == 200 and "BEGIN:VCALENDAR" in got.text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Revoke')")
    page.wait_for_selector("text=Feed revoked")
    assert page.request.get(address).status == 401
