"""Work out today's costly pages before anyone asks: at start-up and just after midnight.

At 50,000 apps the dashboard and the BAA timeline take a few hundred milliseconds the first
time they are computed for a day in a process (the release's list is parsed, every
agreement's state worked out); after that a change costs tens of milliseconds (see
`queries.live_list` and `queries.dashboard`). A serving process therefore computes them in
the background when it starts and again a minute after each midnight (UTC, the web's day),
so the first person of the day does not wait. Off in tests and `vetting …` commands; turn off
with VETTING_WARM_CACHES=off.
"""

from __future__ import annotations

import atexit
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from flask import Flask

from vetting import clock, db
from vetting.current import settings_of

log = logging.getLogger("vetting.warmup")


def warm(app: Flask) -> dict[str, float]:
    """Compute today's dashboard and BAA timeline into the process's caches, and the
    register's kept states for today into the database; returns the milliseconds each took."""
    from vetting.queries import baa_timeline, cache, dashboard
    from vetting.services import baa_states

    took: dict[str, float] = {}
    warning_days = settings_of(app).baa_warning_days
    try:
        with app.app_context():
            s = db.session()
            today = clock.today()  # the web's day
            # what was kept for the days before goes first, freed here rather than by the
            # request whose result would push it out of its cache (a whole list each)
            start = time.perf_counter()
            cache.forget_before(today)
            took["forget earlier days"] = round((time.perf_counter() - start) * 1000, 1)
            for name, compute in (
                ("dashboard", lambda: dashboard.overview(s, today, warning_days)),
                ("baa timeline", lambda: baa_timeline.lanes(s, today, warning_days)),
                # the register's kept states for the day (its state filters read them)
                ("baa states", lambda: baa_states.ensure(db.engine(), today, warning_days)),
            ):
                start = time.perf_counter()
                compute()
                took[name] = round((time.perf_counter() - start) * 1000, 1)
    finally:  # (also after a failure: what an earlier warm-up set aside is let back in)
        start = time.perf_counter()
        # the collector stops walking what was just kept, request after request; its one
        # full collection holds every thread of the process meanwhile (a few hundred ms)
        cache.settle_kept()
        took["settle"] = round((time.perf_counter() - start) * 1000, 1)
    return took


def _safe_warm(app: Flask) -> None:
    try:
        log.info("caches warmed (ms): %s", warm(app))
    except Exception:  # a warm-up that fails only means the first request computes it
        log.exception("warming the caches failed")


def start(app: Flask) -> Any:
    """Warm now (in the background) and a minute after every midnight UTC."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        _safe_warm,
        DateTrigger(datetime.now().astimezone() + timedelta(seconds=1)),
        args=[app],
        id="warm-start",
    )
    scheduler.add_job(
        _safe_warm,
        CronTrigger(hour=0, minute=1, timezone=clock.zone()),
        args=[app],
        id="warm-daily",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    app.extensions["vetting.warmup"] = scheduler
    atexit.register(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)
    return scheduler


def init_app(app: Flask) -> None:
    """Start warming in serving processes (not `vetting …` commands, not tests)."""
    if not settings_of(app).warm_caches or not app.config.get("START_SCHEDULER", True):
        return
    if app.testing:
        return
    start(app)
