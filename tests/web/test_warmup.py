"""Today's costly pages are computed ahead in serving processes (vetting/warmup.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from tests.web.conftest import Register
from vetting import clock, db, warmup
from vetting.app import create_app
from vetting.current import settings_of
from vetting.models import BaaStateMeta
from vetting.queries import baa_timeline, cache, dashboard, live_list
from vetting.services import baa_states


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    """A warm-up sets the process's objects aside from collections: not for later tests."""
    yield
    gc.unfreeze()


def spy(monkeypatch, module, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_warmed_process_serves_the_dashboard_and_register_without_computing_them(
    app, browser, register: Register, monkeypatch
):
    b = browser("admin")
    computed = {
        "baa section": spy(monkeypatch, dashboard, "_baa_section"),
        "work section": spy(monkeypatch, dashboard, "_work_section"),
        "list": spy(monkeypatch, live_list, "compute"),
        "timeline": spy(monkeypatch, baa_timeline, "_compute"),
    }
    rebuilt = spy(monkeypatch, baa_states, "rebuild")
    with app.app_context():  # a new day: the register's kept states are for another one
        db.session().execute(delete(BaaStateMeta))
        db.session().commit()
    cache.clear_all()
    took = warmup.warm(app)
    assert set(took) == {"forget earlier days", "dashboard", "baa timeline", "baa states", "settle"}
    assert all(len(calls) == 1 for calls in computed.values()), computed
    assert len(rebuilt) == 1  # the register's states for today were kept
    assert b.get("/").status_code == 200
    assert b.get("/baas").status_code == 200
    assert b.get("/baas?filter=expiring").status_code == 200
    assert all(len(calls) == 1 for calls in computed.values()), computed  # nothing again
    assert len(rebuilt) == 1

    cache.clear_all()  # a process that was not warmed computes on its first request
    b.get("/")
    assert len(computed["baa section"]) == 2


def test_serving_processes_warm_up_and_commands_and_tests_do_not(database_url, tmp_path: Path):
    def make(**config):
        base = {"DATABASE_URL": database_url, "SECRET_KEY": "x", "INSTANCE_PATH": tmp_path}
        return create_app({**base, **config})

    served = make(TESTING=False)
    try:
        scheduler = served.extensions["vetting.warmup"]
        assert scheduler.get_job("warm-daily") is not None  # a minute after each midnight
    finally:
        served.extensions["vetting.warmup"].shutdown(wait=True)
    assert "vetting.warmup" not in make(TESTING=True).extensions
    assert "vetting.warmup" not in make(TESTING=False, START_SCHEDULER=False).extensions
    assert "vetting.warmup" not in make(TESTING=False, WARM_CACHES=False).extensions


def test_the_warm_up_after_midnight_frees_the_days_before_not_a_request(
    app, browser, register: Register
):
    """Yesterday's dashboard holds yesterday's whole list: the warm-up drops it, so the first
    request whose result would push it out of its cache does not pay for freeing it."""
    today = clock.today()
    days = settings_of(app).baa_warning_days
    cache.clear_all()
    warmup.warm(app)
    with app.app_context():
        yesterday = weakref.ref(dashboard.overview(db.session(), today, days))
        kept_list = weakref.ref(dashboard.list_changes(db.session(), today).current)
    with clock.travel(today + timedelta(days=1)):
        warmup.warm(app)
        gc.collect()
        assert yesterday() is None and kept_list() is None  # freed by the warm-up
        with app.app_context():  # today's are kept: served without computing again
            s = db.session()
            assert dashboard.overview(s, clock.today(), days) is dashboard.overview(
                s, clock.today(), days
            )
        assert browser("admin").get("/").status_code == 200
