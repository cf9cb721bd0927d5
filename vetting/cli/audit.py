"""`vetting audit verify|list|anchor|rekey`: the keyed, hash-chained audit log."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from vetting import audit as audit_log
from vetting import db
from vetting.cli.helpers import actor, echo_row
from vetting.current import current_settings
from vetting.settings import secret_from_env


@click.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option(
    "--anchors",
    "anchor_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also check the chain against the heads anchored in this file (`vetting audit "
    "anchor --file`): catches removal of the newest events",
)
@with_appcontext
def audit_verify(anchor_file: Path | None) -> None:
    """Check the chain (and its anchors); exit 1 naming the first altered or missing event."""
    from vetting.services import anchors

    s = db.session()
    found = anchors.read_file(anchor_file) if anchor_file is not None else []
    result = audit_log.verify(s)
    if not result.ok:
        click.echo(
            f"BROKEN at seq {result.first_bad_seq}: {result.reason} "
            f"({result.checked} events verified before it)",
            err=True,
        )
        sys.exit(1)
    problems = audit_log.check_anchors(s, found)
    for problem in problems:
        click.echo(f"ANCHOR: {problem}", err=True)
    if problems:
        sys.exit(1)
    anchored = f"; matches {len(found)} anchor{'s' * (len(found) != 1)}" if found else ""
    click.echo(f"ok: {result.checked} events, chain intact{anchored}")


@audit.command("anchor")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="append the head as a JSON line (default: VETTING_AUDIT_ANCHOR_FILE)",
)
@click.option("--url", help="POST the head as JSON (default: VETTING_AUDIT_ANCHOR_URL)")
@with_appcontext
def audit_anchor(path: Path | None, url: str | None) -> None:
    """Write the chain's head (count, newest hash, time) outside the database, so a later
    `vetting audit verify --anchors FILE` notices removed events."""
    from vetting.services import anchors

    settings = current_settings()
    path = path or settings.audit_anchor_file
    url = url or settings.audit_anchor_url
    if path is None and not url:
        raise click.UsageError(
            "say where: --file PATH or --url URL (or set VETTING_AUDIT_ANCHOR_FILE / _URL)"
        )
    head = audit_log.head(db.session())
    if path is not None:
        anchors.to_file(head, path)
    if url:
        anchors.to_url(
            head,
            url,
            settings.audit_anchor_secret,
            timeout=settings.notify.webhook_timeout,
            allow_private=settings.notify.allow_private_urls,
        )
    where = " and ".join(w for w in (str(path) if path else "", url or "") if w)
    click.echo(f"anchored: {head.count} events, head {head.hash[:16]}… → {where}")


@audit.command("rekey")
@click.option(
    "--old-key-env",
    "old_key_envs",
    multiple=True,
    metavar="VARIABLE",
    help="an environment variable holding a key the chain was signed with before (rotation)",
)
@click.option(
    "--accept-unkeyed",
    is_flag=True,
    help="also sign the chain's leading events that carry no key (written before "
    "VETTING_AUDIT_KEY was set): only after checking they are genuine",
)
@with_appcontext
def audit_rekey(old_key_envs: tuple[str, ...], accept_unkeyed: bool) -> None:
    """Sign the whole chain with VETTING_AUDIT_KEY: once after setting the key on a chain
    written without one, or to rotate keys. The chain must verify first; nothing changes
    otherwise. Older anchors then no longer match: write a new one."""
    old = []
    for name in old_key_envs:
        value = secret_from_env(name)
        if not value:
            raise click.UsageError(f"environment variable {name} is not set")
        old.append(value.encode())
    result = audit_log.rekey(db.session(), actor().name, old, accept_unkeyed=accept_unkeyed)
    click.echo(
        f"signed {result.signed} events with the audit key ({result.already} already were; "
        f"{result.unkeyed} had no key)"
    )


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
