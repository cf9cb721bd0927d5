"""`vetting backup` and `vetting restore`: the database and the signed documents in one zip
archive (thin: parse, call vetting.services.backup, print)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.current import current_store


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="overwrite PATH if it exists")
@with_appcontext
def backup(path: Path, force: bool) -> None:
    """Write every table and every stored BAA document to one zip archive at PATH."""
    from vetting.services import backup as svc

    done = svc.backup(db.engine(), current_store(), path, force=force)
    for sha in done.missing_documents:
        click.echo(
            f"warning: document {sha} is missing or altered in the store; not archived", err=True
        )
    click.echo(
        f"wrote {done.path}: {done.tables} tables, {done.rows:,} rows, "
        f"{done.documents} documents, {done.bytes:,} bytes"
    )


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def restore(path: Path) -> None:
    """Restore an archive written by `vetting backup` into the configured, empty database."""
    from vetting.services import backup as svc

    done = svc.restore(db.engine(), current_store(), path)
    click.echo(
        f"restored {path} (from {done.source_dialect}, revision {done.revision}) into "
        f"{db.dialect()}: {done.tables} tables, {done.rows:,} rows, {done.documents} documents"
    )
    if done.audit.ok:
        click.echo(f"audit chain ok: {done.audit.checked} events, chain intact")
        return
    click.echo(
        f"audit chain BROKEN at seq {done.audit.first_bad_seq}: {done.audit.reason} "
        f"({done.audit.checked} events verified before it)",
        err=True,
    )
    sys.exit(1)
