"""`vetting tokens create|list|revoke`: API tokens for machines."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from vetting import auth, clock, db
from vetting.cli.helpers import actor, echo_row


@click.group()
def tokens() -> None:
    """API tokens for machines (MDM pulls, scripts)."""


@tokens.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="limit the token to these scopes (default: all the role allows)",
)
@click.option("--expires-days", type=click.IntRange(min=1), default=None)
@with_appcontext
def tokens_create(name: str, role: str, scopes: tuple[str, ...], expires_days: int | None) -> None:
    """Create a token and print it once (it is stored only as a hash)."""
    expires = clock.now() + timedelta(days=expires_days) if expires_days else None
    token, secret = auth.create_token(db.session(), actor(), name, role, list(scopes), expires)
    click.echo(secret)
    click.echo(
        f"token {token.id} {token.name!r} role={token.role} "
        f"scopes={','.join(token.scopes)} — shown once, store it now",
        err=True,
    )


@tokens.command("list")
@with_appcontext
def tokens_list() -> None:
    """List tokens (never their secrets)."""
    from sqlmodel import col, select

    from vetting.models import ApiToken

    for t in db.session().scalars(select(ApiToken).order_by(col(ApiToken.id))):
        state = "revoked" if t.revoked_at else "active"
        echo_row(t.id, t.name, t.role, f"{t.prefix}…", state, ",".join(t.scopes))


@tokens.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def tokens_revoke(token_id: int) -> None:
    """Revoke a token at once."""
    token = auth.revoke_token(db.session(), actor(), token_id)
    click.echo(f"revoked token {token.id} {token.name!r}")
