"""`vetting notifications list|deliver` (the outbox) and `vetting channels …` (where reminders
go besides in-app)."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from vetting import clock, db
from vetting.cli.helpers import actor, echo_json, echo_row
from vetting.core.reminders import Channel, NotificationStatus, SubjectKind
from vetting.core.statuses import values
from vetting.current import current_settings
from vetting.settings import secret_from_env

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
@click.option("--status", type=click.Choice(values(NotificationStatus)), default=None)
@click.option("--channel", type=click.Choice(values(Channel)), default=None)
@click.option("--subject", "subject_kind", type=click.Choice(values(SubjectKind)))
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
        echo_json(rows)
        return
    for r in rows:
        echo_row(
            r["id"],
            f"{r['subject_kind']} {r['subject_id']}",
            r["kind"],
            r["term_end"],
            f"{r['threshold_days']}d",
            r["channel"],
            r["recipient"],
            r["status"],
            f"attempts={r['attempts']}",
            r["created_at"],
            r["sent_at"] or "-",
            last=r["last_error"] if r["status"] != NotificationStatus.SENT else None,
        )
    if page.total > len(rows):
        click.echo(f"({page.total - len(rows)} more; use --limit)", err=True)


@notifications.command("deliver")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def notifications_deliver(as_json: bool) -> None:
    """Send the pending notifications that are due now (what the scheduler does each minute)."""
    from vetting.services import outbox

    summary = outbox.deliver_due(db.session(), clock.now(), settings=current_settings().notify)
    if as_json:
        echo_json(summary.as_dict())
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

    c = svc.add_email(db.session(), actor(), name, address)
    click.echo(f"added email channel {c.id} {c.name!r} → {c.target}")
    if not current_settings().notify.email_enabled:
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
    from vetting.services import notifications as svc

    allow_private = current_settings().notify.allow_private_urls
    c = svc.add_webhook(db.session(), actor(), name, url, secret_env, allow_private=allow_private)
    click.echo(
        f"added webhook channel {c.id} {c.name!r} → {c.target} (secret from ${c.secret_env})"
    )
    if not secret_from_env(secret_env):
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
        echo_json(rows)
        return
    for r in rows:
        state = "active" if r["active"] else "disabled"
        secret = f"secret ${r['secret_env']}" if r["secret_env"] else None
        echo_row(r["id"], r["kind"], r["name"], r["target"], state, last=secret)


@channels.command("disable")
@click.argument("name")
@with_appcontext
def channels_disable(name: str) -> None:
    """Stop sending to a channel (its pending rows are cancelled at their next attempt)."""
    from vetting.services import notifications as svc

    c = svc.set_active(db.session(), actor(), name, False)
    click.echo(f"disabled channel {c.name!r}")


@channels.command("enable")
@click.argument("name")
@with_appcontext
def channels_enable(name: str) -> None:
    """Send to a disabled channel again (from the next reminder on)."""
    from vetting.services import notifications as svc

    c = svc.set_active(db.session(), actor(), name, True)
    click.echo(f"enabled channel {c.name!r}")
