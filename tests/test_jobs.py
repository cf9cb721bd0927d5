"""The scheduler (vetting/jobs.py): what runs when, inside the app when asked, and as
`vetting scheduler`, a process of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import reminder_data as data
from tests.configure import use as use_settings
from tests.configure import use_notify
from tests.notify_servers import smtp_server
from vetting import clock, db, jobs
from vetting.app import create_app
from vetting.current import settings_of
from vetting.models import AllowlistRelease, JobRun
from vetting.services import reminders
from vetting.settings import REPO_ROOT


def use(app, timezone=None, **overrides):
    use_notify(app, **overrides)
    if timezone is not None:
        use_settings(app, timezone=timezone)


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_daily_sweep_runs_at_the_configured_time_and_zone_and_delivery_on_its_interval(app):
    use(app, sweep_at=(7, 30), timezone="Europe/Berlin", delivery_interval_seconds=90)
    scheduler = jobs.build(app)
    daily, deliver = scheduler.get_job(jobs.DAILY), scheduler.get_job(jobs.DELIVERY)
    fields = {f.name: str(f) for f in daily.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("7", "30")
    assert str(daily.trigger.timezone) == "Europe/Berlin"
    assert deliver.trigger.interval == timedelta(seconds=90)
    assert (daily.max_instances, deliver.max_instances) == (1, 1)


def test_the_daily_job_sweeps_today_in_the_zone_then_delivers(app):
    s = data.session(app)
    v = data.vendor(s)
    # 2026-11-25 12:00 UTC, already 2026-11-26 01:00 in Auckland.
    clock.freeze(datetime(2026, 11, 25, 12, tzinfo=UTC))
    data.baa(s, v.id, expiration_date=date(2026, 12, 2), owner_email="o@example.org")
    with smtp_server() as (port, box):
        use(
            app,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            timezone="Pacific/Auckland",
        )
        out = jobs.daily_job(app)
    assert out["reminders"]["as_of"] == "2026-11-26"
    assert out["reminders"]["created"] == 2
    assert out["delivery"]["sent"] == 1
    assert box.messages[0]["Subject"] == (
        "BAA with Acme Health lapses in 7 days: in force through 2026-12-02"
    )
    assert {n.status for n in data.rows(s)} == {"sent"}
    s.close()


def test_auto_publish_is_called_by_the_daily_job_only_when_on(app):
    s = data.session(app)
    count = lambda: s.scalar(select(func.count()).select_from(AllowlistRelease))  # noqa: E731
    jobs.daily_job(app)
    assert count() == 0
    use(app, auto_publish=True)
    # An empty list would leave supervised iPhones with their system apps only: the job
    # leaves it for a person (the latest release, if any, stays what MDMs pull).
    clock.freeze(clock.today() + timedelta(days=1))  # the daily job runs once a day
    out = jobs.daily_job(app)
    assert "skipped" in out["publish"] and "not published: the list is empty" in out["publish"]
    assert count() == 0
    _approved_app(app)
    clock.freeze(clock.today() + timedelta(days=1))
    out = jobs.daily_job(app)
    assert out["publish"].startswith("PublishResult(release=")
    assert count() == 1
    s.close()


def _approved_app(app) -> None:
    from tests.answers import answer_everything
    from vetting import auth, db
    from vetting.schemas import AppCreate, AssessmentCreate, BaaCreate, DecisionIn, VendorCreate
    from vetting.services import apps, assessments, baas, decisions, vendors

    actor = auth.CLI_PRINCIPAL
    with app.app_context():
        s = db.session()
        checklists = app.extensions["vetting.checklists"]
        v = vendors.create(s, actor, VendorCreate(name="Acme Health")).id
        baas.create(
            s,
            actor,
            BaaCreate(
                vendor_id=v,
                effective_date=date(2026, 1, 1),
                signed_copy_note="countersigned copy in the contracts folder",
            ),
        )
        a = apps.create(s, actor, AppCreate(vendor_id=v, name="Acme Camera", platform="web"))
        made = assessments.create(
            s, actor, checklists, AssessmentCreate(app_id=a.id, checklist_id="clinical-photo")
        )
        answer_everything(s, checklists["clinical-photo"], made.id)
        decisions.decide(s, actor, made.id, DecisionIn(decision="approved"))


def test_the_scheduler_starts_inside_the_app_only_when_asked(database_url, tmp_path):
    def make(env, **extra):
        return create_app(
            {
                "DATABASE_URL": database_url,
                "INSTANCE_PATH": tmp_path / "i",
                "SECRET_KEY": "t",
                "TESTING": True,
                "ENV": env,
                **extra,
            }
        )

    assert "vetting.scheduler" not in make({}).extensions
    assert "vetting.scheduler" not in make({"VETTING_SCHEDULER": "on"}).extensions  # tests
    cli_app = make({"VETTING_SCHEDULER": "on"}, SCHEDULER_IN_TESTS=True, START_SCHEDULER=False)
    assert "vetting.scheduler" not in cli_app.extensions
    app = make(
        {"VETTING_SCHEDULER": "on", "VETTING_DELIVERY_INTERVAL": "3600"}, SCHEDULER_IN_TESTS=True
    )
    scheduler = app.extensions["vetting.scheduler"]
    try:
        assert scheduler.running
        assert {j.id for j in scheduler.get_jobs()} >= {jobs.DAILY, jobs.DELIVERY}
    finally:
        scheduler.shutdown(wait=True)
        app.extensions["vetting.engine"].dispose()


def test_a_running_scheduler_delivers_the_outbox_on_its_interval(app):
    s = data.session(app)
    v = data.vendor(s)
    data.baa(s, v.id, expiration_date=date(2026, 12, 1))
    with smtp_server() as (port, box):
        use(
            app,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            legal_emails=("legal@example.org",),
            delivery_interval_seconds=1,
        )
        from vetting.services.reminders import run_reminders

        run_reminders(s, date(2026, 11, 25), settings=settings_of(app).notify)
        scheduler = jobs.build(app)
        scheduler.start()
        try:
            assert wait_for(lambda: len(box.messages) == 1)
        finally:
            scheduler.shutdown(wait=True)
    assert [n.status for n in data.rows(s, channel="email")] == ["sent"]
    s.close()


@pytest.mark.slow
def test_vetting_scheduler_runs_as_its_own_process_and_stops_on_sigterm(
    app, database_url, tmp_path
):
    """The real command: it catches up on today's sweep at start, delivers by SMTP, and
    exits cleanly on SIGTERM."""
    s = data.session(app)
    v = data.vendor(s)
    today = datetime.now(UTC).date()
    data.baa(s, v.id, expiration_date=today + timedelta(days=7), owner_email="o@example.org")
    with smtp_server() as (port, box):
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "VETTING_AUDIT_KEY": "test-audit-key",  # required with PostgreSQL
            "VETTING_SMTP_HOST": "127.0.0.1",
            "VETTING_SMTP_PORT": str(port),
            "VETTING_SMTP_STARTTLS": "off",
            "VETTING_SWEEP_AT": "00:00",
            "VETTING_TIMEZONE": "UTC",
            "VETTING_DELIVERY_INTERVAL": "1",
            "VETTING_INSTANCE_PATH": str(tmp_path / "instance"),  # not the checkout's
        }
        proc = subprocess.Popen(
            [sys.executable, "-c", "from vetting.cli import main; main()", "scheduler"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            # generous: a loaded CI machine starts Python, imports and connects slowly
            delivered = wait_for(
                lambda: len(box.messages) == 1 or proc.poll() is not None, timeout=120
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=20)
        assert delivered and len(box.messages) == 1, f"no mail delivered:\n{output}"
    assert proc.returncode == 0, output
    assert "scheduler: reminder sweep daily at 00:00 UTC, outbox delivery every 1 s" in output
    assert "job daily-catch-up" in output
    assert box.messages[0]["To"] == "o@example.org"
    s.close()


def test_the_daily_job_sweeps_a_day_once_however_many_instances_run_it(app):
    """Every instance may run the scheduler: the second daily job of a day skips the sweep
    (recorded as skipped); a person's `vetting reminders run` still sweeps again."""
    s = data.session(app)
    v = data.vendor(s)
    data.baa(s, v.id, expiration_date=date(2026, 12, 3), owner_email="o@example.org")
    first = jobs.daily_job(app)
    second = jobs.daily_job(app)
    assert first["reminders"]["created"] >= 1 and not first["reminders"].get("skipped")
    assert second["reminders"]["skipped"] is True and second["reminders"]["created"] == 0
    runs = s.scalars(select(JobRun.status).order_by(JobRun.id)).all()
    assert runs == ["ok", "skipped"]
    with app.app_context():
        by_hand = reminders.run_reminders(
            db.session(), clock.today(), settings=settings_of(app).notify
        )
    assert not by_hand.skipped
    s.close()
