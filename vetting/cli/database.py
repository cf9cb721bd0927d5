"""`vetting init-db`: create or upgrade the schema."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from vetting import db, migrate


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    migrate.upgrade(db.engine())
    click.echo(f"database at revision {migrate.current(db.engine())}")
