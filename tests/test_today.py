"""One "today": the organisation's calendar day (VETTING_TIMEZONE) for pages, API, CLI and jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask

from tests import reminder_data as data
from tests.cli.helpers import invoke, ok
from vetting import auth, clock, db, jobs
from vetting.app import create_app
from vetting.queries import allowlist

# Kiritimati is UTC+14: its midnight is 10:00 UTC the day before.
BEFORE = datetime(2026, 11, 25, 9, 59, tzinfo=UTC)  # 2026-11-25 23:59 there
AFTER = datetime(2026, 11, 25, 10, 1, tzinfo=UTC)  # 2026-11-26 00:01 there


def zoned_app(database_url: str, tmp_path: Path, zone: str) -> Flask:
    return create_app(
        {
            "ENV": {"VETTING_TIMEZONE": zone, "SECRET_KEY": "x"},
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": tmp_path / "instance",
            "TESTING": True,
        }
    )


@pytest.fixture
def far_east(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    yield zoned_app(database_url, tmp_path, "Pacific/Kiritimati")
    clock.set_zone(UTC)


@pytest.fixture
def far_west(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    yield zoned_app(database_url, tmp_path, "America/New_York")
    clock.set_zone(UTC)


def token(app: Flask) -> dict[str, str]:
    with app.app_context():
        _, secret = auth.create_token(db.session(), auth.CLI_PRINCIPAL, "t", "admin")
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("instant", "day"), [(BEFORE, date(2026, 11, 25)), (AFTER, date(2026, 11, 26))]
)
def test_pages_api_cli_and_jobs_share_the_far_east_day_across_midnight(
    far_east: Flask, instant: datetime, day: date
) -> None:
    clock.freeze(instant)
    assert clock.today() == day
    headers = token(far_east)
    client = far_east.test_client()

    listed = client.get("/api/v1/allowlist", headers=headers)
    assert listed.status_code == 200
    assert listed.json["as_of"] == day.isoformat()
    csv = client.get("/api/v1/allowlist?format=csv", headers=headers)
    assert f"allowlist-{day.isoformat()}.csv" in csv.headers["Content-Disposition"]

    assert jobs.daily_job(far_east)["reminders"]["as_of"] == day.isoformat()

    out = ok(invoke(far_east.test_cli_runner(), "reminders", "run", "--json"))
    assert json.loads(out)["as_of"] == day.isoformat()


def test_a_frozen_day_is_that_day_in_any_zone(far_east: Flask) -> None:
    clock.freeze(date(2026, 11, 25))
    assert clock.today() == date(2026, 11, 25)


def test_a_decision_made_in_the_evening_west_of_utc_counts_that_evening(far_west: Flask) -> None:
    """Decided 21:00 in New York on 25 November (02:00 UTC on the 26th): the app is on the
    list of the 25th there, not only from the UTC day after."""
    s = data.session(far_west)
    v = data.vendor(s)
    data.baa(s, v.id, expiration_date=date(2027, 6, 29))
    decided = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    d = data.decision(s, v.id, date(2027, 6, 1), decided_at=decided)
    clock.freeze(datetime(2026, 11, 26, 2, 30, tzinfo=UTC))  # 21:30 on the 25th there
    assert clock.today() == date(2026, 11, 25)
    on_list = allowlist.compute(s, clock.today())
    assert [e.app_id for e in on_list.entries] == [d.app_id]
    before = allowlist.compute(s, date(2026, 11, 24))
    assert before.entries == ()
    s.close()


def test_pages_show_an_instant_on_the_organisations_day(far_east: Flask) -> None:
    from vetting.web.format import date_

    assert date_(AFTER) == "2026-11-26"  # 10:01 UTC on the 25th is the 26th in Kiritimati
    assert date_(BEFORE) == "2026-11-25"


def test_the_audit_log_filters_by_the_organisations_days(far_east: Flask) -> None:
    from vetting import audit
    from vetting.queries import audit_log

    with far_east.app_context():
        s = db.session()
        clock.freeze(AFTER)  # the 26th there, still the 25th in UTC
        with s.begin():
            audit.record(s, "t", "test.late", "test", 1, None, {})
        late = audit_log.AuditFilter(action="test.late")
        on_26 = audit_log.list_events(s, replace(late, since=date(2026, 11, 26)))
        on_25 = audit_log.list_events(s, replace(late, until=date(2026, 11, 25)))
    assert (on_26.total, on_25.total) == (1, 0)


def test_the_zone_must_be_one_the_database_can_name() -> None:
    from datetime import timedelta, timezone

    with pytest.raises(TypeError):
        clock.set_zone(timezone(timedelta(hours=5)))


def test_the_live_list_and_the_sweep_see_an_evening_decision_on_its_local_day(
    far_west: Flask,
) -> None:
    """The patched live list and the reminder sweep count a decision from the organisation's
    day, as the full list does: 21:00 in New York on the 25th is the 26th in UTC."""
    from sqlalchemy import select

    from vetting.queries import live_list
    from vetting.services import reminders

    s = data.session(far_west)
    v = data.vendor(s)
    d = data.decision(s, v.id, date(2027, 6, 1), decided_at=datetime(2026, 11, 26, 2, tzinfo=UTC))
    assert live_list._apps_dated_between(s, date(2026, 11, 24), date(2026, 11, 25)) == {d.app_id}
    assert live_list._apps_dated_between(s, date(2026, 11, 25), date(2026, 11, 26)) == set()
    latest = select(reminders.DECISION.c.id)
    assert s.scalars(latest.where(reminders._is_latest(date(2026, 11, 25)))).all() == [d.id]
    assert s.scalars(latest.where(reminders._is_latest(date(2026, 11, 24)))).all() == []
    s.close()
