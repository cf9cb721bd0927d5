"""`vetting audit verify|list`: the hash-chained audit log."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from vetting import audit as audit_log
from vetting import db
from vetting.cli.helpers import echo_row


@click.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check the chain; exit 1 naming the first altered or missing event."""
    result = audit_log.verify(db.session())
    if result.ok:
        click.echo(f"ok: {result.checked} events, chain intact")
        return
    click.echo(
        f"BROKEN at seq {result.first_bad_seq}: {result.reason} "
        f"({result.checked} events verified before it)",
        err=True,
    )
    sys.exit(1)


@audit.command("list")
@click.option("--limit", type=click.IntRange(1, 10000), default=50)
@with_appcontext
def audit_list(limit: int) -> None:
    """The most recent events, newest first."""
    from sqlmodel import col, select

    from vetting.models import AuditEvent

    rows = db.session().scalars(
        select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(limit)
    )
    for ev in rows:
        echo_row(ev.seq, ev.at.isoformat(), ev.actor, ev.action, f"{ev.entity_type}:{ev.entity_id}")
