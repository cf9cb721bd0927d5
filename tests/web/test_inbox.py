"""The inbox (issue 15, item 1): the daily sweep's in-app reminders shown to each person by
what their role acts on, an unread count in the header, each linked to its BAA or assessment,
read marks that are each person's own."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests import reminder_data
from tests.web.conftest import Browser, Register
from tests.web.html_check import problems
from vetting import clock, db
from vetting.models import Notification
from vetting.services.reminders import run_reminders


def sweep(app) -> int:
    with app.app_context():
        s = db.session()
        run_reminders(s, clock.today(), settings=reminder_data.settings())
        return len(s.scalars(select(Notification).where(Notification.channel == "in-app")).all())


def add(app, kind: str, title: str, subject_kind: str = "baa", subject_id: int = 1) -> None:
    with app.app_context():
        s = db.session()
        s.add(
            Notification(
                subject_kind=subject_kind,
                subject_id=subject_id,
                kind=kind,
                term_end=date(2027, 1, 31),
                threshold_days=30,
                channel="in-app",
                recipient="dashboard",
                title=title,
                body="words",
                payload={},
                status="sent",
            )
        )
        s.commit()


def test_the_sweeps_reminders_reach_the_inbox_and_open_their_baa(app, browser, register: Register):
    assert sweep(app) >= 1
    legal = browser("legal")
    home = legal.get("/").text
    assert 'href="/notifications"' in home and 'aria-label="' in home and "unread" in home
    inbox = legal.get("/notifications")
    assert inbox.status_code == 200 and problems(inbox.text) == []
    assert "BAA with Acme Health" in inbox.text
    with app.app_context():
        row_id = db.session().scalar(
            select(Notification.id).where(
                Notification.channel == "in-app", Notification.subject_kind == "baa"
            )
        )
    opened = legal.post("/notifications/read", {"id": str(row_id), "open": "1"})
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/baas/{register.baa_id}")
    after = legal.get("/notifications").text
    assert f'name="id" value="{row_id}"' not in after  # read: gone from the unread list
    assert f'name="id" value="{row_id}"' in legal.get("/notifications?show=all").text


def test_read_marks_are_each_persons_own_and_mark_all_clears_the_count(
    app, browser, make_user, register
):
    add(app, "term_end", "BAA with Acme Health ends in 30 days")
    add(app, "notice_deadline", "Notice deadline for Acme Health")
    first = browser("legal")
    assert "Mark all 2 read" in first.get("/notifications").text
    done = first.post("/notifications/read", {"all": "1"})
    assert done.status_code == 302
    assert "No unread reminders" in first.get("/notifications").text
    assert 'aria-label="2 unread"' not in first.get("/").text
    second = Browser(app.test_client())
    second.login(make_user("legal", "second.legal@hospital.example"))
    assert 'aria-label="2 unread"' in second.get("/").text


def test_each_role_sees_what_it_acts_on(app, browser, register):
    add(app, "notice_deadline", "Notice deadline for Acme Health")
    add(app, "reassessment", "Acme Camera is due for reassessment", "assessment", 1)
    add(app, "term_end", "BAA with Acme Health ends")
    seen = {}
    for role in ("legal", "procurement", "it", "admin"):
        text = browser(role).get("/notifications").text
        seen[role] = {t for t in ("Notice deadline", "reassessment", "ends") if t in text}
    assert seen["legal"] == {"Notice deadline", "ends"}
    assert seen["procurement"] == {"reassessment", "ends"}
    assert seen["it"] == {"reassessment", "ends"}
    assert seen["admin"] == {"Notice deadline", "reassessment", "ends"}


def test_an_assessment_reminder_opens_its_assessment_and_marking_needs_csrf(app, browser, register):
    add(app, "reassessment", "Acme Camera is due for reassessment", "assessment", 7)
    proc = browser("procurement")
    with app.app_context():
        row_id = db.session().scalar(select(Notification.id))
    forged = proc.client.post("/notifications/read", data={"id": str(row_id)})
    assert forged.status_code == 400
    opened = proc.post("/notifications/read", {"id": str(row_id), "open": "1"})
    assert opened.headers["Location"].endswith("/assessments/7")
    # a reminder id from elsewhere, or garbage, marks nothing and does not fail
    assert proc.post("/notifications/read", {"id": "x' or 1=1"}).status_code == 302


def test_a_watched_page_alert_reaches_legal_and_opens_the_vendor(app, browser, register):
    with app.app_context():
        s = db.session()
        s.add(
            Notification(
                subject_kind="page",
                subject_id=3,
                kind="page_claim_lost",
                term_end=date(2026, 11, 25),
                threshold_days=2,
                channel="in-app",
                recipient="dashboard",
                title="Acme Health: https://acme.example/trust no longer says what it said",
                body="words",
                payload={"vendor_id": register.vendor_id, "page_id": 3},
                status="sent",
            )
        )
        s.commit()
        row_id = s.scalar(select(Notification.id))
    legal = browser("legal")
    assert "no longer says what it said" in legal.get("/notifications").text
    assert "no longer says what it said" not in browser("it").get("/notifications").text
    opened = legal.post("/notifications/read", {"id": str(row_id), "open": "1"})
    assert opened.headers["Location"].endswith(f"/vendors/{register.vendor_id}#h-pages")


def test_the_baa_page_and_the_scorecard_list_the_reminders_coming(app, browser, register):
    legal = browser("legal")
    page = legal.get(f"/baas/{register.baa_id}").text
    section = page.split('id="h-reminders"')[1].split("</section>")[0]
    # the register's BAA ends 2026-12-31 (lapses 2027-01-01); today is 2026-11-25
    assert "2026-12-02" in section and "30 days before the term ends (2027-01-01)" in section
    assert "on the day the term ends (2027-01-01)" in section
    sweep(app)
    page = legal.get(f"/baas/{register.baa_id}").text
    assert "Sent (" in page.split('id="h-reminders"')[1].split("</section>")[0]
    proc = browser("procurement")
    card = proc.get(f"/assessments/{register.decided_id}").text
    assert "Reminders (0 coming)" in card  # valid a year: nothing within the thresholds
    from vetting.models import Decision

    with app.app_context():
        s = db.session()
        s.get(Decision, 1).valid_until = date(2026, 12, 20)
        s.commit()
    card = proc.get(f"/assessments/{register.decided_id}").text
    assert "14 days before the decision runs out (2026-12-20)" in card


def test_a_reminder_outside_ones_inbox_opens_nothing(app, browser, register):
    add(app, "notice_deadline", "Notice deadline for Acme Health")  # IT does not see these
    with app.app_context():
        row_id = db.session().scalar(select(Notification.id))
    it = browser("it")
    opened = it.post("/notifications/read", {"id": str(row_id), "open": "1"})
    assert opened.status_code == 302 and "/baas/" not in opened.headers["Location"]
