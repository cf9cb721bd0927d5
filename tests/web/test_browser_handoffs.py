"""Where the roles hand work to each other, in the real browser (issue 15): each role's
scenario end to end, clicking what a person clicks — legal follows a reminder from the inbox
to its BAA and the header's count drops; an admin adds an e-mail channel and sends it a test
(to an SMTP server on 127.0.0.1); IT adds an Intune target and tests its connection (against a
local identity endpoint); procurement sorts the BAA register, filters it and downloads the
CSV as the page shows it; legal opens the dashboard's queue of non-conforming BAAs."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from tests import reminder_data
from tests.configure import use_notify
from tests.integrations.fake_apis import fake_api
from tests.notify_servers import smtp_server
from tests.web.browser_fixtures import BROWSER_MARKS
from tests.web.conftest import ACTOR, Register
from vetting import clock, db
from vetting.models import AuditEvent, Notification, SyncTarget
from vetting.schemas import BaaCreate, VendorCreate
from vetting.services import baa_provisions, baas, vendors
from vetting.services.reminders import run_reminders

pytestmark = BROWSER_MARKS
pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def _unread(page: object) -> int:
    """The header's unread count (0 when the badge is not shown)."""
    badge = page.locator("a.inbox-link .count")  # type: ignore[attr-defined]
    return int(badge.inner_text()) if badge.count() else 0


def test_legal_follows_a_reminder_to_its_baa_and_the_count_drops(app, people, register: Register):
    with app.app_context():
        run_reminders(db.session(), clock.today(), settings=reminder_data.settings())
        mine = (
            db.session()
            .scalars(
                select(Notification).where(
                    Notification.channel == "in-app", Notification.subject_kind == "baa"
                )
            )
            .all()
        )
    assert mine, "the sweep made no BAA reminder"
    legal = people("legal")
    page = legal.page
    before = _unread(page)
    assert before >= 1
    assert page.locator("a.inbox-link .count").get_attribute("aria-label") == f"{before} unread"
    page.click("a.inbox-link")
    page.wait_for_selector("h1:has-text('Inbox')")
    row = page.locator("tr.unread", has_text="BAA with Acme Health").first
    assert row.count() == 1
    legal.shot("handoff-legal-inbox")
    row.locator("button:has-text('Open BAA')").click()
    page.wait_for_url(f"{legal.base}/baas/{register.baa_id}")
    assert "Acme BAA" in page.locator("h1").inner_text()
    assert _unread(page) == before - 1  # read on opening: the header says so at once
    legal.go("/notifications")
    assert page.locator("tr.unread", has_text="BAA with Acme Health").count() == len(mine) - 1
    legal.shot("handoff-legal-baa")


def test_an_admin_adds_an_email_channel_and_its_test_reaches_the_mailbox(app, people):
    with smtp_server() as (port, box):
        use_notify(app, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        admin = people("admin")
        page = admin.page
        admin.go("/admin")
        page.click("a[href='/admin/channels']")
        page.wait_for_selector("h1:has-text('Notification channels')")
        page.select_option("#f-kind", "email")
        page.fill("#f-name", "Legal team")
        page.fill("#f-address", "not an address")
        page.click("button:has-text('Add channel')")
        # the browser itself refuses it (an e-mail field): nothing is sent, nothing is lost
        assert page.eval_on_selector("#f-address", "e => e.validity.valid") is False
        assert page.input_value("#f-name") == "Legal team"
        assert "No channel yet" in page.locator("table.data").inner_text()
        page.fill("#f-address", "legal-team@hospital.example")
        page.click("button:has-text('Add channel')")
        page.wait_for_selector("text=Channel Legal team added.")
        row = page.locator("tr", has_text="Legal team")
        row.locator("button:has-text('Send test')").click()
        page.wait_for_selector("text=Test of Legal team: sent to legal-team@hospital.example")
        admin.shot("handoff-admin-channel-test")
        assert len(box.messages) == 1
        assert box.messages[0]["To"] == "legal-team@hospital.example"
        assert box.messages[0]["Subject"] == "Test message from Vetting"


def test_it_adds_an_intune_target_and_tests_its_connection(app, people, monkeypatch):
    use_notify(app, allow_private_urls=True)
    monkeypatch.setenv("INTUNE_SECRET", "client-secret-for-browser-tests")
    with fake_api() as api:
        api.on("POST", "/contoso.example/oauth2/v2.0/token", (200, {"access_token": "t0k"}))
        it = people("it")
        page = it.page
        it.go("/allowlist")
        it.go("/allowlist/targets")
        page.select_option("#f-kind", "intune")
        page.click("button:has-text('Next: its settings')")
        page.wait_for_selector("h1:has-text('New target')")
        page.fill("#f-name", "Intune (production)")
        page.fill("#f-settings-tenant_id", "contoso.example")
        page.fill("#f-settings-client_id", "app-id")
        page.fill("#f-settings-client_secret_env", "INTUNE_SECRET")
        page.fill("#f-settings-policy_id", "policy-1")
        page.fill("#f-settings-authority_url", api.url)
        page.fill("#f-settings-graph_url", api.url)
        page.click("button:has-text('Add target')")
        page.wait_for_selector("text=Sync target Intune (production) added.")
        row = page.locator("tr", has_text="Intune (production)")
        row.locator("button:has-text('Test connection')").click()
        page.wait_for_selector("text=Test of Intune (production): OK")
        it.shot("handoff-it-target-test")
        assert [m for m, _ in api.calls()] == ["POST"]  # the token only: nothing changed
    with app.app_context():
        s = db.session()
        target = s.scalar(select(SyncTarget).where(SyncTarget.name == "Intune (production)"))
        assert target is not None and target.settings["client_secret_env"] == "INTUNE_SECRET"
        assert "client-secret-for-browser-tests" not in str(target.settings)
        tested = s.scalars(select(AuditEvent).where(AuditEvent.action == "sync.test")).all()
        assert [e.after["ok"] for e in tested] == [True]


def _register_rows(page: object) -> list[str]:
    cells = page.locator("table.data tbody tr td:first-child a")  # type: ignore[attr-defined]
    return [cells.nth(i).inner_text() for i in range(cells.count())]


def test_procurement_sorts_the_register_and_downloads_it_as_shown(app, people, tmp_path):
    with app.app_context():
        s = db.session()
        for name, end in (
            ("Quill Labs", date(2027, 5, 31)),
            ("Orbit Care", date(2026, 12, 15)),
            ("Pylon Health", date(2027, 2, 28)),
            ("Nimbus Med", date(2026, 3, 31)),  # expired: the filter leaves it out
        ):
            vendor = vendors.create(s, ACTOR, VendorCreate(name=name)).id
            baas.create(
                s,
                ACTOR,
                BaaCreate(
                    vendor_id=vendor,
                    title=f"{name} BAA",
                    effective_date=date(2025, 1, 1),
                    expiration_date=end,
                    signed_copy_note="signed copy on file",
                ),
            )
    proc = people("procurement")
    page = proc.page
    proc.go("/baas")
    assert _register_rows(page) == ["Nimbus Med", "Orbit Care", "Pylon Health", "Quill Labs"]
    header = page.locator("th", has_text="In force through")
    header.locator("a").click()
    page.wait_for_url("**sort=term_end**")
    assert header.get_attribute("aria-sort") == "ascending"
    assert _register_rows(page) == ["Nimbus Med", "Orbit Care", "Pylon Health", "Quill Labs"]
    page.locator("th", has_text="In force through").locator("a").click()
    page.wait_for_url("**desc=1**")
    assert page.locator("th", has_text="In force through").get_attribute("aria-sort") == (
        "descending"
    )
    assert _register_rows(page) == ["Quill Labs", "Pylon Health", "Orbit Care", "Nimbus Med"]
    page.select_option("#filter", "in-force")
    page.click("form.filters button:has-text('Filter')")
    page.wait_for_url("**filter=in-force**")
    # the new filter kept the sort
    assert _register_rows(page) == ["Quill Labs", "Pylon Health", "Orbit Care"]
    proc.shot("handoff-procurement-register-sorted")
    with page.expect_download() as info:
        page.click("a.button:has-text('.csv')")
    saved = tmp_path / "register.csv"
    info.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert [r["Vendor"] for r in rows] == ["Quill Labs", "Pylon Health", "Orbit Care"]


def test_legal_opens_the_non_conforming_queue_and_its_register_filter(app, people):
    with app.app_context():
        s = db.session()
        ids = {}
        for name in ("Sable Health", "Tundra Apps"):
            vendor = vendors.create(s, ACTOR, VendorCreate(name=name)).id
            ids[name] = baas.create(
                s,
                ACTOR,
                BaaCreate(
                    vendor_id=vendor,
                    title=f"{name} BAA",
                    effective_date=date(2026, 1, 1),
                    expiration_date=date(2027, 12, 31),
                    signed_copy_note="signed copy on file",
                ),
            ).id
        baa_provisions.set_provision(s, ACTOR, ids["Sable Health"], "access", "absent", None, None)
    legal = people("legal")
    page = legal.page
    queue = page.locator("#nonconforming")
    assert "Non-conforming BAAs (1)" in queue.locator("h2").inner_text()
    legal.shot("handoff-legal-nonconforming-queue")
    queue.locator("a", has_text="Sable Health").click()
    page.wait_for_url(f"{legal.base}/baas/{ids['Sable Health']}")
    legal.go("/")
    page.locator("#nonconforming a", has_text="Show them in the register").click()
    page.wait_for_url("**filter=needs-legal**")
    assert _register_rows(page) == ["Sable Health"]
    assert page.locator("#filter").input_value() == "needs-legal"
