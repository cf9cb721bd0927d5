"""`vetting users create-admin|create|set-password|sessions|end-sessions|unlock`: people who
sign in, their web sessions and their sign-in waits."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from vetting import auth, db
from vetting.cli.helpers import actor, echo_json, echo_row
from vetting.core.statuses import Role
from vetting.current import current_settings
from vetting.queries import web_sessions as sessions_query
from vetting.services import accounts, signin, web_sessions


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


@users.command("set-password")
@click.argument("email")
@click.option("--password", help="prompted for (hidden, twice) when absent")
@with_appcontext
def users_set_password(email: str, password: str | None) -> None:
    """Give a user a new password; every web session of theirs ends."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    user = accounts.set_password(db.session(), actor(), email, password)
    click.echo(f"password of {user.email} changed; their sessions ended")


@users.command("sessions")
@click.option("--email", help="only this user's sessions")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@with_appcontext
def users_sessions(email: str | None, as_json: bool) -> None:
    """Open web sessions: id, user, started, last seen, client address."""
    rows = sessions_query.active(db.session(), current_settings().session_rules, email)
    if as_json:
        echo_json(
            [
                {
                    "id": r.id,
                    "email": r.email,
                    "started": r.started.isoformat(),
                    "last_seen": r.last_seen.isoformat(),
                    "ip": r.ip,
                    "user_agent": r.user_agent,
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        echo_row(r.id, r.email, r.started.isoformat(), r.last_seen.isoformat(), r.ip)


@users.command("end-session")
@click.argument("session_id", type=click.IntRange(min=1))
@with_appcontext
def users_end_session(session_id: int) -> None:
    """End one web session (its id from `vetting users sessions`)."""
    row = web_sessions.end_one(db.session(), actor(), session_id)
    click.echo(f"session {row.id} ended")


@users.command("end-sessions")
@click.argument("email")
@with_appcontext
def users_end_sessions(email: str) -> None:
    """End every web session of a user."""
    ended = web_sessions.end_all_of(
        db.session(), actor(), sessions_query.user_id(db.session(), email)
    )
    click.echo(f"{ended} session{'s' * (ended != 1)} of {email.strip().lower()} ended")


@users.command("unlock")
@click.argument("email")
@with_appcontext
def users_unlock(email: str) -> None:
    """Lift the sign-in waits on a user, from every client address."""
    cleared = signin.unlock(db.session(), actor(), email)
    click.echo(
        f"{email.strip().lower()} unlocked ({cleared} counter{'s' * (cleared != 1)} cleared)"
    )
