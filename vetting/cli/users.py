"""`vetting users create-admin|create`: people who sign in."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from vetting import auth, db
from vetting.cli.helpers import actor
from vetting.core.statuses import Role


@click.group()
def users() -> None:
    """People who sign in."""


@users.command("create-admin")
@click.argument("email")
@click.option("--password", help="prompted for (hidden, twice) when absent")
@with_appcontext
def users_create_admin(email: str, password: str | None) -> None:
    """Create an administrator."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = auth.create_user(db.session(), actor(), email, password, Role.ADMIN)
    click.echo(f"created admin {user.email} (id {user.id})")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--password", help="prompted for (hidden, twice) when absent")
@with_appcontext
def users_create(email: str, role: str, password: str | None) -> None:
    """Create a user with a role."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = auth.create_user(db.session(), actor(), email, password, role)
    click.echo(f"created {user.role} {user.email} (id {user.id})")
