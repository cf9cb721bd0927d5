"""The dashboard's queue of non-conforming BAAs (issue 15, item 4): signed agreements not yet
ended that lack a required provision or allow more than 60 days to report a breach, with no
exception counting today — each linked, and the register filtered to the same set."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.web.conftest import ACTOR
from tests.web.test_list_sorting import register_order
from vetting import auth, clock, db
from vetting.schemas import BaaCreate, BaaRenew, VendorCreate
from vetting.services import baa_provisions, baas, reminders, vendors

SIGNED = "signed copy in the contracts share"
# an exception needs a second person with baas:write
SECOND = auth.Principal("counsel@hospital.example", "legal", auth.ROLE_SCOPES["legal"], "user")


def _baa(s, name: str, **terms) -> int:
    vendor = vendors.create(s, ACTOR, VendorCreate(name=name)).id
    terms.setdefault("effective_date", date(2026, 1, 1))
    terms.setdefault("expiration_date", date(2027, 12, 31))
    baa = baas.create(
        s, ACTOR, BaaCreate(vendor_id=vendor, title=f"{name} BAA", signed_copy_note=SIGNED, **terms)
    )
    assert baa.id is not None
    return baa.id


def _lacks(s, baa_id: int, key: str = "access") -> None:
    baa_provisions.set_provision(s, ACTOR, baa_id, key, "absent", None, None)


def _excepted(s, baa_id: int, ends_on: date, confirm: bool = True) -> None:
    e = baa_provisions.add_exception(
        s, ACTOR, baa_id, "accepted while the amendment is negotiated", ends_on
    )
    if confirm:
        baa_provisions.confirm_exception(s, SECOND, e.id)


@pytest.fixture
def agreements(app) -> dict[str, int]:
    today = clock.today()
    with app.app_context():
        s = db.session()
        ids = {
            "lacks access": _baa(s, "Aster"),
            "breach 90 days": _baa(s, "Birch", breach_notification_days=90),
            "exception not confirmed": _baa(s, "Cedar"),
            "starts next month": _baa(s, "Dahlia", effective_date=today + timedelta(days=30)),
            # out of the queue:
            "conforming": _baa(s, "Elm", breach_notification_days=30),
            "confirmed exception": _baa(s, "Fir"),
            "terminated": _baa(s, "Gorse", breach_notification_days=90),
            "draft": _baa(s, "Hazel", status="draft", breach_notification_days=90),
            "expired": _baa(
                s, "Iris", expiration_date=date(2026, 6, 30), breach_notification_days=90
            ),
            "superseded": _baa(s, "Juniper", breach_notification_days=90),
            # still in force today, though already terminated or renewed from a later day
            "terminates next month": _baa(s, "Kale", breach_notification_days=90),
            "replaced next month": _baa(s, "Laurel", breach_notification_days=90),
        }
        for name in ("lacks access", "exception not confirmed", "starts next month"):
            _lacks(s, ids[name])
        _lacks(s, ids["confirmed exception"], "subcontractors")
        _excepted(s, ids["confirmed exception"], today + timedelta(days=30))
        _excepted(s, ids["exception not confirmed"], today + timedelta(days=30), confirm=False)
        baas.terminate(s, ACTOR, ids["terminated"], today - timedelta(days=3), "vendor left")
        # the renewal takes over (and inherits the 90-day breach clause): it is in the queue,
        # the agreement it replaced is not
        renewal = baas.renew(
            s,
            ACTOR,
            ids["superseded"],
            BaaRenew(
                effective_date=today - timedelta(days=10),
                expiration_date=date(2028, 12, 31),
                signed_copy_note=SIGNED,
            ),
        )
        assert renewal.id is not None
        ids["renewal"] = renewal.id
        baas.terminate(
            s, ACTOR, ids["terminates next month"], today + timedelta(days=30), "vendor leaving"
        )
        later = baas.renew(
            s,
            ACTOR,
            ids["replaced next month"],
            BaaRenew(
                effective_date=today + timedelta(days=30),
                expiration_date=date(2028, 12, 31),
                signed_copy_note=SIGNED,
            ),
        )
        assert later.id is not None
        ids["renewal next month"] = later.id
        return ids


QUEUED = {
    "lacks access",
    "breach 90 days",
    "exception not confirmed",
    "starts next month",
    "renewal",
    "terminates next month",
    "replaced next month",
    "renewal next month",
}


def queue(html: str) -> tuple[list[int], int]:
    """The BAA ids the dashboard's queue links to, and the count in its heading."""
    section = html.split('id="nonconforming"', 1)[1].split("</section>", 1)[0]
    count = int(re.search(r"Non-conforming BAAs \((\d+)\)", section).group(1))
    return [int(i) for i in re.findall(r'href="/baas/(\d+)"', section)], count


def test_the_queue_holds_exactly_the_agreements_legal_must_fix(browser, agreements):
    html = browser("legal").get("/").text
    linked, count = queue(html)
    by_id = {v: k for k, v in agreements.items()}
    assert {by_id[i] for i in linked} == QUEUED
    assert count == len(QUEUED) == len(linked)
    # the tile and the section link to the register filtered to the same agreements
    assert html.count('href="/baas?filter=needs-legal"') == 2
    assert "2 required provision" not in html and "1 required provision absent" in html
    assert "breach notice up to 90 days" in html


def test_the_register_filter_is_the_same_set(browser, agreements):
    b = browser("procurement")
    page = b.get("/baas?filter=needs-legal")
    assert page.status_code == 200
    by_id = {v: k for k, v in agreements.items()}
    assert {by_id[i] for i in register_order(page.text)} == QUEUED
    assert 'value="needs-legal" selected' in page.text
    # the plain "non-conforming" filter still shows every non-conforming agreement
    every = {by_id[i] for i in register_order(b.get("/baas?filter=non-conforming").text)}
    assert every > QUEUED and {"confirmed exception", "terminated", "draft"} <= every


def test_the_queue_agrees_with_the_reminders(app, agreements):
    """The sweep's non-conforming reminders are about the same agreements, with two known
    differences: the sweep keeps reminding about a signed agreement past its end (the queue
    leaves it to the lapsed list), and it only knows agreements whose audit trail says they
    became non-conforming — a renewal that inherits a 60+-day breach clause records no such
    event, so the sweep misses it while the queue does not."""
    with app.app_context():
        found = set(reminders._nonconforming(db.session(), clock.today()))
    by_id = {v: k for k, v in agreements.items()}
    assert {by_id[i] for i in found} - {"expired"} == QUEUED - {"renewal", "renewal next month"}


def test_the_queue_follows_an_exception_confirmed_and_one_that_ends(app, browser, agreements):
    b = browser("legal")
    assert agreements["exception not confirmed"] in queue(b.get("/").text)[0]
    with app.app_context():
        s = db.session()
        (waiting,) = [
            e
            for e in baa_provisions.standing(
                s, baas.get(s, agreements["exception not confirmed"])
            ).exceptions
        ]
        baa_provisions.confirm_exception(s, SECOND, waiting.id)
    linked, count = queue(b.get("/").text)  # the kept dashboard is recomputed
    assert agreements["exception not confirmed"] not in linked and count == len(QUEUED) - 1
    # 31 days on, both exceptions have ended: the agreements are back in the queue
    clock.freeze(clock.today() + timedelta(days=31))
    linked, _ = queue(browser("admin").get("/").text)  # (legal's session timed out)
    assert agreements["exception not confirmed"] in linked
    assert agreements["confirmed exception"] in linked


def test_an_empty_queue_says_so(browser, register):
    html = browser("viewer").get("/").text
    linked, count = queue(html)
    assert linked == [] and count == 0
    assert "Every BAA in force conforms or is under a confirmed exception" in html
