"""`vetting reminders|notifications|channels|scheduler`: thin — parse, call services, print."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from datetime import date
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from vetting import clock, db


def _settings() -> Any:
    return current_app.config["NOTIFY"]


def _actor() -> Any:
    from vetting.cli import actor

    return actor()


def _date(value: str | None) -> date:
    if value is None:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not a date (YYYY-MM-DD)"
        raise click.BadParameter(msg, param_hint="--as-of") from None


# --- reminders ------------------------------------------------------------------------------


@click.group()
def reminders() -> None:
    """The reminder sweep (BAA term ends, notice deadlines, reassessments)."""


@reminders.command("run")
@click.option("--as-of", "as_of", help="sweep as if today were this date (YYYY-MM-DD)")
@click.option("--dry-run", is_flag=True, help="show what would be created; write nothing")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@with_appcontext
def reminders_run(as_of: str | None, dry_run: bool, as_json: bool) -> None:
    """Put every reminder due on a date into the outbox (exactly once; safe to rerun)."""
    from vetting.services import reminders as svc

    day = _date(as_of)
    summary = svc.run_reminders(
        db.session(), day, dry_run, settings=_settings(), actor=_actor().name
    )
    if as_json:
        click.echo(json.dumps(summary.as_dict(with_rows=dry_run), indent=2))
        return
    if summary.skipped:
        click.echo(f"{day}: another sweep is running; skipped (it does the same work)")
        return
    verb = "would create" if dry_run else "created"
    channels = ", ".join(f"{n} {c}" for c, n in sorted(summary.by_channel.items())) or "none"
    click.echo(
        f"{day}: {summary.subjects} agreements/decisions looked at, {summary.due} reminders "
        f"due; {verb} {summary.created} notifications ({channels}); "
        f"{summary.existing} already in the outbox; "
        f"{'would cancel' if dry_run else 'cancelled'} {summary.cancelled}"
    )
    if dry_run:
        for r in summary.planned:
            click.echo(
                f"  {r['subject_kind']} {r['subject_id']}\t{r['kind']}\t{r['term_end']}\t"
                f"{r['threshold_days']:>4}d\t{r['channel']}\t{r['recipient']}\t{r['title']}"
            )


# --- the outbox ------------------------------------------------------------------------------


@click.group()
def notifications() -> None:
    """The outbox: every reminder and its delivery."""


def row_dict(n: Any) -> dict[str, Any]:
    """One outbox row as `vetting notifications list --json` prints it."""
    return {
        "id": n.id,
        "subject_kind": n.subject_kind,
        "subject_id": n.subject_id,
        "kind": n.kind,
        "term_end": n.term_end.isoformat(),
        "threshold_days": n.threshold_days,
        "channel": n.channel,
        "recipient": n.recipient,
        "status": n.status,
        "attempts": n.attempts,
        "last_error": n.last_error,
        "next_attempt_at": n.next_attempt_at.isoformat() if n.next_attempt_at else None,
        "title": n.title,
        "created_at": n.created_at.isoformat(),
        "sent_at": n.sent_at.isoformat() if n.sent_at else None,
    }


@notifications.command("list")
@click.option("--json", "as_json", is_flag=True, help="one JSON array")
@click.option(
    "--status", type=click.Choice(["pending", "sent", "failed", "cancelled"]), default=None
)
@click.option("--channel", type=click.Choice(["in-app", "email", "webhook"]), default=None)
@click.option("--subject", "subject_kind", type=click.Choice(["baa", "assessment"]))
@click.option("--limit", type=click.IntRange(1, 100000), default=500, show_default=True)
@with_appcontext
def notifications_list(
    as_json: bool, status: str | None, channel: str | None, subject_kind: str | None, limit: int
) -> None:
    """List outbox rows, newest first."""
    from vetting.services import notifications as svc

    page = svc.list_(
        db.session(), status=status, channel=channel, subject_kind=subject_kind, per_page=limit
    )
    rows = [row_dict(n) for n in page.items]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        err = f"\t{r['last_error']}" if r["last_error"] and r["status"] != "sent" else ""
        click.echo(
            f"{r['id']}\t{r['subject_kind']} {r['subject_id']}\t{r['kind']}\t{r['term_end']}\t"
            f"{r['threshold_days']}d\t{r['channel']}\t{r['recipient']}\t{r['status']}\t"
            f"attempts={r['attempts']}\t{r['created_at']}\t{r['sent_at'] or '-'}{err}"
        )
    if page.total > len(rows):
        click.echo(f"({page.total - len(rows)} more; use --limit)", err=True)


@notifications.command("deliver")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def notifications_deliver(as_json: bool) -> None:
    """Send the pending notifications that are due now (what the scheduler does each minute)."""
    from vetting.services import outbox

    summary = outbox.deliver_due(db.session(), clock.now(), settings=_settings())
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
        return
    click.echo(
        f"sent {summary.sent}, retrying {summary.retrying}, failed {summary.failed}, "
        f"cancelled {summary.cancelled}"
    )
    for line in summary.errors:
        click.echo(f"  {line}", err=True)


# --- channels --------------------------------------------------------------------------------


@click.group()
def channels() -> None:
    """Where reminders go besides in-app: email distribution addresses and webhooks."""


@channels.command("add-email")
@click.argument("name")
@click.argument("address")
@with_appcontext
def channels_add_email(name: str, address: str) -> None:
    """Send every reminder to a distribution ADDRESS (e.g. legal@example.org)."""
    from vetting.services import notifications as svc

    c = svc.add_email(db.session(), _actor(), name, address)
    click.echo(f"added email channel {c.id} {c.name!r} → {c.target}")
    if not _settings().email_enabled:
        click.echo("note: VETTING_SMTP_HOST is not set, so no email is sent yet", err=True)


@channels.command("add-webhook")
@click.argument("name")
@click.argument("url")
@click.option(
    "--secret-env",
    required=True,
    metavar="VAR",
    help="the environment variable that holds the HMAC signing secret",
)
@with_appcontext
def channels_add_webhook(name: str, url: str, secret_env: str) -> None:
    """POST every reminder as signed JSON to URL (Slack, Teams or any receiver)."""
    import os

    from vetting.services import notifications as svc

    c = svc.add_webhook(
        db.session(), _actor(), name, url, secret_env, allow_private=_settings().allow_private_urls
    )
    click.echo(
        f"added webhook channel {c.id} {c.name!r} → {c.target} (secret from ${c.secret_env})"
    )
    if not os.environ.get(secret_env):
        click.echo(f"note: ${secret_env} is not set here; deliveries wait until it is", err=True)


@channels.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def channels_list(as_json: bool) -> None:
    """List channels (never secrets: only the name of the variable that holds one)."""
    from vetting.services import notifications as svc

    rows = [
        {
            "id": c.id,
            "kind": c.kind,
            "name": c.name,
            "target": c.target,
            "secret_env": c.secret_env,
            "active": c.active,
        }
        for c in svc.channels(db.session())
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        state = "active" if r["active"] else "disabled"
        secret = f"\tsecret ${r['secret_env']}" if r["secret_env"] else ""
        click.echo(f"{r['id']}\t{r['kind']}\t{r['name']}\t{r['target']}\t{state}{secret}")


@channels.command("disable")
@click.argument("name")
@with_appcontext
def channels_disable(name: str) -> None:
    """Stop sending to a channel (its pending rows are cancelled at their next attempt)."""
    from vetting.services import notifications as svc

    c = svc.set_active(db.session(), _actor(), name, False)
    click.echo(f"disabled channel {c.name!r}")


@channels.command("enable")
@click.argument("name")
@with_appcontext
def channels_enable(name: str) -> None:
    """Send to a disabled channel again (from the next reminder on)."""
    from vetting.services import notifications as svc

    c = svc.set_active(db.session(), _actor(), name, True)
    click.echo(f"enabled channel {c.name!r}")


# --- the scheduler -----------------------------------------------------------------------------


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the daily reminder sweep and the outbox delivery on schedule (blocks; Ctrl-C or
    SIGTERM stops it). Safe next to other instances: the database lock and the outbox's
    unique key prevent duplicates."""
    from vetting import jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = _settings()
    sched = jobs.build(app, blocking=True)

    def stop(_signum: int, _frame: Any) -> None:
        click.echo("stopping scheduler", err=True)
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    hour, minute = settings.sweep_at
    click.echo(
        f"scheduler: reminder sweep daily at {hour:02d}:{minute:02d} {settings.timezone}, "
        f"outbox delivery every {settings.delivery_interval_seconds} s"
        + (", auto-publish on" if settings.auto_publish else "")
    )
    for job in sched.get_jobs():
        click.echo(f"  job {job.id}: {job.name}")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        sched.start()
    click.echo("scheduler stopped", err=True)


def register(cli: click.Group) -> None:
    for command in (reminders, notifications, channels, scheduler):
        cli.add_command(command)
