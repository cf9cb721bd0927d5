"""`vetting demo`: a realistic demo data set, optionally served."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from vetting import db, jobs, migrate, warmup
from vetting.current import current_settings


@click.command("demo")
@click.option("--serve", is_flag=True, help="then start the web server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="wipe vendors/apps/BAAs first (asks to confirm)")
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="with --serve: do not run today's reminder sweep nor the background jobs",
)
@with_appcontext
def demo(serve: bool, host: str, port: int, reset: bool, no_scheduler: bool) -> None:
    """Load a realistic demo data set (idempotent) and optionally serve the app. Served, it
    also runs today's reminder sweep at once (the inbox shows real reminders) and the daily
    and delivery jobs in the background, as a deployment's scheduler would."""
    from vetting import demo as demo_data

    migrate.upgrade(db.engine())
    if reset:
        click.confirm("Delete all vendors, apps, assessments and BAAs?", abort=True)
    report = demo_data.load(
        db.session(),
        current_app.extensions["vetting.checklists"],
        reset=reset,
        warning_days=current_settings().baa_warning_days,
        base_url=f"http://{host}:{port}",
    )
    for line in report:
        click.echo(line)
    if serve:
        click.echo(f"serving on http://{host}:{port}/  (Ctrl-C to stop)")
        # Flask's app.run() refuses to run inside a `flask`-style CLI command; serve directly.
        from werkzeug.serving import run_simple

        # The demo server speaks plain http: a Secure cookie would never come back to it.
        current_app.config["SESSION_COOKIE_SECURE"] = False
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if not no_scheduler:
            click.echo(_start_jobs(app))
        if current_settings().warm_caches:
            warmup.start(app)
        run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]


def _start_jobs(app: Flask) -> str:
    """Today's sweep now (once a day, as the scheduler runs it), then the scheduler in the
    background for the rest of the session."""
    out = jobs.daily_job(app)
    swept = out.get("reminders", {})
    if "vetting.scheduler" not in app.extensions:
        scheduler = jobs.build(app)
        scheduler.start()
        app.extensions["vetting.scheduler"] = scheduler
    created = swept.get("created", 0)
    return (
        f"reminder sweep for today: {created} new reminder{'s' if created != 1 else ''} "
        "(see the Inbox); the daily and delivery jobs run in the background"
    )
