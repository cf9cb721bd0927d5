"""APScheduler set-up: which service runs when (no logic of its own).

Two jobs. The daily job, at VETTING_SWEEP_AT in the organisation's time zone: the reminder
sweep for today (vetting/clock.py), then — when VETTING_AUTO_PUBLISH is on — the list
release's publish_if_changed and, with VETTING_AUTO_SYNC, a push of the latest release to
the active sync targets, with VETTING_STORE_REFRESH a store lookup of every app on the list,
the watched vendor pages fetched again, then one delivery pass. And outbox delivery every
VETTING_DELIVERY_INTERVAL seconds. They run inside the web process when
VETTING_SCHEDULER=on, or in `vetting scheduler`, a process of its own. Every instance may run
them: the sweep's database lock and the outbox's unique key make that safe. Each run opens
its own app context, hence its own database session.
"""

from __future__ import annotations

import atexit
import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from vetting import clock, db
from vetting.core.statuses import JobStatus
from vetting.current import settings_of
from vetting.models import JobRun
from vetting.queries import cache

if TYPE_CHECKING:
    from sqlmodel import Session

    from vetting.services.reminders import SweepSummary
    from vetting.settings import NotifySettings

log = logging.getLogger("vetting.jobs")

DAILY = "daily"
DELIVERY = "deliver"
CATCH_UP = "daily-catch-up"


def daily_job(app: Flask) -> dict[str, Any]:
    """The reminder sweep for today, the optional auto-publish hook, then a delivery pass."""
    settings = settings_of(app).notify
    out: dict[str, Any] = {}
    with app.app_context():
        today = clock.today()
        summary = sweep(db.session(), today, settings, "system:scheduler", once_a_day=True)
        out["reminders"] = summary.as_dict()
        log.info("reminder sweep %s: %s", today, summary.as_dict())
    if summary.skipped:
        # Another instance's scheduler has this day (or is on it): publishing, syncing and
        # anchoring are its to do, once. Delivery stays: every instance may share the outbox.
        out["delivery"] = delivery_job(app)
        return out
    if settings.auto_publish:
        out["publish"] = _auto_publish(app, today)
        if settings_of(app).auto_sync:
            out["sync"] = _auto_sync(app)
    out["anchor"] = _anchor(app)
    out["baa_states"] = _baa_states(app, today)
    if settings_of(app).store_refresh:
        out["stores"] = _store_refresh(app, today)
    out["pages"] = _watched_pages(app)
    out["delivery"] = delivery_job(app)
    return out


def sweep(
    s: Session,
    day: date,
    settings: NotifySettings,
    actor: str,
    dry_run: bool = False,
    once_a_day: bool = False,
) -> SweepSummary:
    """The reminder sweep as the daily job and `vetting reminders run` run it: with the
    cyclic garbage collector paused (vetting/queries/cache.py, the one place that may), as
    it builds ~100,000 tuples and dicts that all live until its insert — collections walking
    them again and again were the largest single cost at 100,000 agreements (about 1.5 s of
    3.4 s). Use cases keep no such switch themselves: the caller holds it."""
    from vetting.services import reminders

    with cache.gc_paused():
        return reminders.run_reminders(
            s, day, dry_run, settings=settings, actor=actor, once_a_day=once_a_day
        )


def _store_refresh(app: Flask, today: date) -> dict[str, Any] | str:
    """VETTING_STORE_REFRESH: look up every app on today's list in its store (only by the
    instance whose sweep has the day). A failure is logged and never stops the rest."""
    from vetting.services import store_lookup

    try:
        with app.app_context():
            summary = store_lookup.refresh_listed(
                db.session(), today, store_lookup.options_from(settings_of(app))
            )
    except Exception as exc:
        log.exception("store refresh failed")
        return f"failed: {exc}"
    log.info("store refresh %s: %s", today, summary.as_dict())
    return summary.as_dict()


def _baa_states(app: Flask, today: date) -> dict[str, Any] | str:
    """The register's kept states moved to the new day, so its first filtered page is fast.
    A failure is logged (the first filtered read rebuilds instead)."""
    from vetting.services import baa_states

    try:
        built = baa_states.rebuild(
            app.extensions["vetting.engine"], today, settings_of(app).baa_warning_days
        )
    except Exception as exc:
        log.exception("BAA state rebuild failed")
        return f"failed: {exc}"
    if built is None:  # only without waiting; the job waits
        return "skipped"
    return {"on": built.on.isoformat(), "rows": built.rows}


def _watched_pages(app: Flask) -> dict[str, int] | str:
    """Every watched vendor page fetched again: its claims renewed, suggestions made, and an
    alert for a claim it no longer makes (delivered by the pass that follows). A failed
    page is recorded on it; a failure here never stops the rest of the job."""
    from vetting import auth
    from vetting.services import page_watch

    system = auth.Principal(
        "system:scheduler", "admin", frozenset(auth.SCOPES), kind="cli", person="system:scheduler"
    )
    try:
        with app.app_context():
            rows = page_watch.refresh(
                db.session(),
                system,
                app.extensions["vetting.checklists"],
                settings_of(app).notify,
            )
    except Exception as exc:
        log.exception("watched pages failed")
        return f"failed: {exc}"
    failed = sum(1 for r in rows if "error" in r)
    alerts = sum(len(r.get("alerts", ())) for r in rows)
    log.info("watched pages: %d fetched, %d failed, %d alerts", len(rows), failed, alerts)
    return {"fetched": len(rows) - failed, "failed": failed, "alerts": alerts}


def _anchor(app: Flask) -> dict[str, Any] | str | None:
    """VETTING_AUDIT_ANCHOR_FILE / _URL: the audit chain's head written elsewhere. A failure
    is logged and never stops the rest of the job."""
    from vetting.services import anchors

    try:
        with app.app_context():
            anchor = anchors.write_configured(db.session(), settings_of(app))
    except Exception as exc:
        log.exception("audit anchor failed")
        return f"failed: {exc}"
    return None if anchor is None else anchor.as_json()


def _auto_sync(app: Flask) -> list[str] | None:
    """VETTING_AUTO_SYNC: push the latest release to every active target not yet synced to
    it (a failed target is retried the next day). A failure here never stops delivery."""
    from vetting.queries import releases
    from vetting.services import sync

    try:
        with app.app_context():
            s = db.session()
            tag = releases.latest_tag(s)
            if tag is None:
                return None
            results = sync.sync_active(s, tag.id, sync.SyncOptions.from_settings(settings_of(app)))
    except Exception:
        log.exception("auto-sync failed")
        return None
    for line in results:
        log.info("auto-sync: %s", line)
    return results


def _auto_publish(app: Flask, today: date) -> Any:
    """Publish the approved list when it changed."""
    from vetting.queries import live_list
    from vetting.services import releases

    with app.app_context():
        try:
            result = releases.publish_if_changed(
                db.session(), today, settings_of(app).publish_max_drop_percent
            )
        except releases.Shrinks as exc:
            # A person checks a list that empties or drops too far; the latest stays served.
            log.warning("auto-publish %s skipped: %s", today, exc)
            return f"skipped: {exc}"
        live_list.published(db.session(), result.release, result.listed)
        log.info("auto-publish %s: %s", today, result)
        return repr(result)


def delivery_job(app: Flask) -> dict[str, Any]:
    """One pass over the outbox."""
    from vetting.services import outbox

    with app.app_context():
        summary = outbox.deliver_due(db.session(), clock.now(), settings=settings_of(app).notify)
    if summary.claimed or summary.cancelled:
        log.info("outbox delivery: %s", summary.as_dict())
    return summary.as_dict()


def _safe(job: Any, app: Flask) -> None:
    """A failing run is logged and recorded (JobRun) by the service; the scheduler goes on."""
    try:
        job(app)
    except Exception:
        log.exception("scheduled job %s failed", getattr(job, "__name__", job))


def sweep_missed(app: Flask) -> bool:
    """True when today's sweep time has passed without a successful sweep for today (the
    process was down at that hour): the scheduler then runs it once at start-up."""
    settings = settings_of(app).notify
    now = clock.now().astimezone(clock.zone())
    hour, minute = settings.sweep_at
    if (now.hour, now.minute) < (hour, minute):
        return False
    try:
        with app.app_context():
            done = db.session().scalar(
                select(JobRun.id).where(
                    JobRun.job == "reminders",
                    JobRun.as_of == now.date(),
                    JobRun.status == JobStatus.OK,
                )
            )
    except SQLAlchemyError as exc:  # no schema yet (before `vetting init-db`): not fatal
        log.warning("cannot tell whether today's sweep ran: %s", exc)
        return False
    return done is None


def build(app: Flask, *, blocking: bool = False) -> BaseScheduler:
    """A scheduler with the daily and delivery jobs (not started)."""
    settings = settings_of(app).notify
    zone = clock.zone()
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler: BaseScheduler = cls(timezone=zone)
    hour, minute = settings.sweep_at
    scheduler.add_job(
        _safe,
        CronTrigger(hour=hour, minute=minute, timezone=zone),
        args=[daily_job, app],
        id=DAILY,
        name="reminder sweep (daily)",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=6 * 3600,
    )
    scheduler.add_job(
        _safe,
        IntervalTrigger(seconds=settings.delivery_interval_seconds, timezone=zone),
        args=[delivery_job, app],
        id=DELIVERY,
        name="outbox delivery",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(zone) + timedelta(seconds=1),
    )
    if sweep_missed(app):
        scheduler.add_job(
            _safe,
            DateTrigger(datetime.now(zone) + timedelta(seconds=2), timezone=zone),
            args=[daily_job, app],
            id=CATCH_UP,
            name="reminder sweep (catch-up after start)",
        )
    return scheduler


def init_app(app: Flask) -> None:
    """Start the background scheduler inside this process when VETTING_SCHEDULER=on — not in
    `vetting …` commands (START_SCHEDULER=False: `vetting scheduler` is the process for that)
    and not in tests unless they ask (SCHEDULER_IN_TESTS)."""
    if not settings_of(app).notify.scheduler or not app.config.get("START_SCHEDULER", True):
        return
    if app.testing and not app.config.get("SCHEDULER_IN_TESTS"):
        return
    scheduler = build(app)
    scheduler.start()
    app.extensions["vetting.scheduler"] = scheduler
    atexit.register(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)
    log.info("scheduler started: %s", [j.id for j in scheduler.get_jobs()])
