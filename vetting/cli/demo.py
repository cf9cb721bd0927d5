"""`vetting demo`: a realistic demo data set, optionally served."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from vetting import db, migrate, warmup
from vetting.current import current_settings


@click.command("demo")
@click.option("--serve", is_flag=True, help="then start the web server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="wipe vendors/apps/BAAs first (asks to confirm)")
@with_appcontext
def demo(serve: bool, host: str, port: int, reset: bool) -> None:
    """Load a realistic demo data set (idempotent) and optionally serve the app."""
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
        if current_settings().warm_caches:
            warmup.start(current_app._get_current_object())  # type: ignore[attr-defined]
        run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
