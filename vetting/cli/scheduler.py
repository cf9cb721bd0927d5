"""`vetting scheduler`: the process that runs the reminder sweep and outbox delivery."""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from vetting.current import current_settings


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the daily reminder sweep and the outbox delivery on schedule (blocks; Ctrl-C or
    SIGTERM stops it). Safe next to other instances: the database lock and the outbox's
    unique key prevent duplicates."""
    from vetting import jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = current_settings().notify
    sched = jobs.build(app, blocking=True)

    def stop(_signum: int, _frame: Any) -> None:
        click.echo("stopping scheduler", err=True)
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    hour, minute = settings.sweep_at
    zone = current_settings().timezone
    click.echo(
        f"scheduler: reminder sweep daily at {hour:02d}:{minute:02d} {zone}, "
        f"outbox delivery every {settings.delivery_interval_seconds} s"
        + (", auto-publish on" if settings.auto_publish else "")
    )
    for job in sched.get_jobs():
        click.echo(f"  job {job.id}: {job.name}")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        sched.start()
    click.echo("scheduler stopped", err=True)
