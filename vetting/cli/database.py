"""`vetting init-db`: create or upgrade the schema, then rescore every assessment."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from vetting import db, migrate


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    from vetting.cli.helpers import actor
    from vetting.services.rescoring import rescore

    migrate.upgrade(db.engine())
    click.echo(f"database at revision {migrate.current(db.engine())}")
    # Scoring rules may have changed with the code: every stored verdict follows them.
    summary = rescore(db.session(), actor().name)
    if summary.changed:
        click.echo(
            f"rescored {summary.assessments} assessments under their pinned checklists: "
            f"{summary.changed} changed ({summary.verdicts_changed} verdicts)"
        )
