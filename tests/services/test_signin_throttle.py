"""The sign-in throttle: attempts are reserved before the password is checked (50 concurrent
guesses make at most 5 checks, on SQLite and PostgreSQL), unknown e-mails cost one hash check
like known ones, waits grow, one address's lock does not stop another, admins unlock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlmodel import Session

from tests.cli.helpers import clean_error, invoke, ok
from tests.web.conftest import ACTOR, PASSWORD
from vetting import auth, clock
from vetting.core.signin import ThrottleRules
from vetting.errors import Invalid, NotFound, TooManyRequests, Unauthorized
from vetting.models import AuditEvent, LoginThrottle
from vetting.services import signin

EMAIL = "legal@hospital.example"
WRONG = "wrong password!!"


@pytest.fixture
def user(s: Session) -> str:
    auth.create_user(s, ACTOR, EMAIL, PASSWORD, "legal")
    return EMAIL


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every password hash check, counted (thread-safe)."""
    calls: list[str] = []
    lock = threading.Lock()
    real = auth.check_password_hash

    def counted(stored: str, password: str) -> bool:
        with lock:
            calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", counted)
    yield calls


def attempt(s: Session, password: str, ip: str = "10.0.0.1", email: str = EMAIL) -> str:
    """What one sign-in comes to: "ok", "wrong" or the wait message."""
    try:
        signin.sign_in(s, email, password, ip)
    except Unauthorized:
        return "wrong"
    except TooManyRequests as exc:
        return exc.errors[0].message
    return "ok"


def test_fifty_concurrent_bad_passwords_make_at_most_five_checks(app: Flask, user, checks):
    engine = app.extensions["vetting.engine"]
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(50)

    def guess() -> None:
        try:
            with Session(engine, expire_on_commit=False) as own:
                start.wait()
                results.append(attempt(own, WRONG))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guess) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(results) == 50
    assert len(checks) <= 5
    assert results.count("wrong") == len(checks)
    assert all(
        r.startswith("too many failed sign-in attempts; wait") for r in results if r != "wrong"
    )
    with Session(engine) as s:
        pair = s.scalar(select(LoginThrottle).where(LoginThrottle.email == EMAIL))
        assert pair is not None and pair.failures == 5


def test_an_unknown_email_costs_one_hash_check_like_a_known_one(s, user, checks):
    assert attempt(s, WRONG, email="nobody@hospital.example") == "wrong"
    assert len(checks) == 1
    assert attempt(s, WRONG) == "wrong"
    assert len(checks) == 2
    # The dummy hash is made the way real ones are: same method and parameters.
    dummy, real = checks
    assert dummy.split("$")[0] == real.split("$")[0]


def test_a_disabled_account_costs_one_check_and_is_refused(s, user, checks):
    from vetting.models import User
    from vetting.services import accounts

    uid = s.scalar(select(User.id).where(User.email == EMAIL))
    accounts.update_user(s, ACTOR, uid, active=False)
    assert attempt(s, PASSWORD) == "wrong"
    assert len(checks) == 1


def test_the_wait_doubles_with_each_failure_after_the_fifth(s, user):
    for _ in range(5):
        assert attempt(s, WRONG) == "wrong"
    assert "wait 1 minute and try again" in attempt(s, PASSWORD)
    now = clock.now()
    with clock.travel(now + timedelta(minutes=1)):
        assert attempt(s, WRONG) == "wrong"
        assert "wait 2 minutes" in attempt(s, WRONG)
    with clock.travel(now + timedelta(minutes=3)):
        assert attempt(s, WRONG) == "wrong"
        assert "wait 4 minutes" in attempt(s, WRONG)
    with clock.travel(now + timedelta(minutes=7)):
        assert attempt(s, WRONG) == "wrong"
        assert "wait 8 minutes" in attempt(s, PASSWORD)
    with clock.travel(now + timedelta(minutes=15)):
        assert attempt(s, PASSWORD) == "ok"  # a success starts the count again
        for _ in range(4):
            assert attempt(s, WRONG) == "wrong"
        assert attempt(s, PASSWORD) == "ok"


def test_the_wait_is_capped():
    rules = ThrottleRules()
    assert rules.wait_after(4, 5) is None
    assert rules.wait_after(5, 5) == timedelta(minutes=1)
    assert rules.wait_after(7, 5) == timedelta(minutes=4)
    assert rules.wait_after(11, 5) == timedelta(hours=1)
    assert rules.wait_after(10_000, 5) == timedelta(hours=1)


def test_waiting_out_one_wait_does_not_restart_the_count(s, user):
    for _ in range(5):
        attempt(s, WRONG)
    with clock.travel(clock.now() + timedelta(minutes=20)):
        assert attempt(s, WRONG) == "wrong"
        assert "wait 2 minutes" in attempt(s, WRONG)


def test_a_few_failures_are_forgotten_after_the_window(s, user):
    for _ in range(4):
        attempt(s, WRONG)
    with clock.travel(clock.now() + timedelta(minutes=15)):
        for _ in range(4):
            assert attempt(s, WRONG) == "wrong"
        assert attempt(s, PASSWORD) == "ok"


def test_a_lock_from_one_address_does_not_stop_another(s, user):
    for _ in range(5):
        attempt(s, WRONG, ip="10.0.0.1")
    assert "wait" in attempt(s, PASSWORD, ip="10.0.0.1")
    assert attempt(s, WRONG, ip="10.0.0.2") == "wrong"
    assert attempt(s, PASSWORD, ip="10.0.0.2") == "ok"
    assert "wait" in attempt(s, PASSWORD, ip="10.0.0.1")  # still waiting there


def test_the_per_address_ceiling_holds_across_emails(s, user):
    for i in range(20):
        assert attempt(s, WRONG, email=f"nobody{i}@hospital.example") == "wrong"
    assert "wait 1 minute" in attempt(s, PASSWORD)
    assert attempt(s, PASSWORD, ip="10.0.0.9") == "ok"


def test_a_success_gives_back_its_reservation_on_the_address(s, user):
    for i in range(19):
        attempt(s, WRONG, email=f"nobody{i}@hospital.example")
    assert attempt(s, PASSWORD) == "ok"  # the 20th attempt from here, but a success
    assert attempt(s, WRONG, email="someone@hospital.example") == "wrong"  # the 20th failure
    assert "wait" in attempt(s, PASSWORD)


def test_an_admin_unlocks_a_user_audited(s, user):
    for ip in ("10.0.0.1", "10.0.0.2"):
        for _ in range(5):
            attempt(s, WRONG, ip=ip)
    assert signin.unlock(s, ACTOR, EMAIL.upper()) == 2
    assert attempt(s, PASSWORD, ip="10.0.0.1") == "ok"
    assert attempt(s, PASSWORD, ip="10.0.0.2") == "ok"
    events = s.scalars(select(AuditEvent).where(AuditEvent.action == "user.unlock")).all()
    assert len(events) == 1 and events[0].after == {"cleared": 2}
    with pytest.raises(NotFound):
        signin.unlock(s, ACTOR, "nobody@hospital.example")


def test_empty_or_absurd_input_is_a_field_error(s, user, checks):
    with pytest.raises(Invalid) as exc:
        signin.sign_in(s, "", "", "10.0.0.1")
    assert {e.field for e in exc.value.errors} == {"email", "password"}
    with pytest.raises(Invalid):
        signin.sign_in(s, "a" * 400 + "@x.example", PASSWORD, "10.0.0.1")
    with pytest.raises(Invalid):
        signin.sign_in(s, EMAIL, "p" * 5000, "10.0.0.1")
    assert checks == []
    assert s.scalars(select(LoginThrottle)).all() == []


def test_the_cli_unlocks(app, s, user, runner):
    for _ in range(5):
        attempt(s, WRONG)
    assert "unlocked" in ok(invoke(runner, "users", "unlock", EMAIL))
    assert attempt(s, PASSWORD) == "ok"
    clean_error(invoke(runner, "users", "unlock", "nobody@hospital.example"), "no user")


def test_an_addresss_ceiling_does_not_escalate_all_day(s, user):
    """Twenty typos behind one hospital NAT address make it wait a minute; once that wait and
    the window are over, one more typo does not double the wait for everyone there (a pair's
    count, by contrast, escalates: see waiting_out_one_wait above)."""
    for i in range(20):
        attempt(s, WRONG, email=f"nobody{i}@hospital.example")
    assert "wait 1 minute" in attempt(s, PASSWORD)
    with clock.travel(clock.now() + timedelta(minutes=17)):
        assert attempt(s, WRONG, email="someone@hospital.example") == "wrong"
        assert attempt(s, PASSWORD) == "ok"


def test_an_ipv6_subscriber_block_counts_as_one_client(s, user):
    """Each of a /64's 2**64 addresses would otherwise get five guesses of its own."""
    for n in range(5):
        assert attempt(s, WRONG, ip=f"2001:db8:1:2::{n + 1:x}") == "wrong"
    assert "wait" in attempt(s, PASSWORD, ip="2001:db8:1:2:ffff::9")
    assert attempt(s, PASSWORD, ip="2001:db8:1:3::1") == "ok"  # another block
    assert attempt(s, PASSWORD, ip="::ffff:10.0.0.1") == "ok"  # IPv4 inside is IPv4


def test_client_keys():
    from vetting.core.signin import client_key

    assert client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert client_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_key("192.0.2.7") == "192.0.2.7"
    assert client_key("fe80::1%eth0") == "fe80::/64"
    assert client_key("unknown") == "unknown"
