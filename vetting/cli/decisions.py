"""`vetting decisions pending|confirm|refuse|condition-met`: the second person's part of a
decision, and conditions being met, from the shell."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.auth import Principal
from vetting.cli.helpers import actor, echo_json, echo_row
from vetting.core.decisions import DecisionRules


@click.group()
def decisions() -> None:
    """Decisions waiting for a second person, and conditions of conditional approvals."""


def _rules() -> DecisionRules:
    from vetting.current import current_settings

    return current_settings().decision_rules


def _person(email: str) -> Principal:
    """The signed-up person the shell user confirms as: a second person is a person (a
    `cli:<login>` could otherwise confirm anyone's decision unnamed)."""
    from sqlmodel import select

    from vetting import auth
    from vetting.errors import Invalid
    from vetting.models import User

    user = db.session().scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise Invalid(f"no active user {email!r}", "as")
    person = auth.principal_for_user(user)
    if not person.can("decisions:write"):
        raise Invalid(f"{email} (role {user.role}) may not confirm decisions", "as")
    return person


def _print(decision_id: int, as_json: bool) -> None:
    from vetting.models import Decision
    from vetting.schemas import DecisionOut
    from vetting.services import decisions as svc

    s = db.session()
    found = s.get(Decision, decision_id)
    assert found is not None  # just acted on
    (view,) = svc.views(s, [found], _rules())
    if as_json:
        echo_json(DecisionOut.from_view(view).model_dump(mode="json"))
        return
    d = view.decision
    click.echo(
        f"decision {d.id}: {d.decision} of assessment {d.assessment_id} by {d.decided_by} — "
        f"{view.confirmation}"
    )


@decisions.command("pending")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def pending(as_json: bool) -> None:
    """List decisions waiting for a second person (one per line, oldest first)."""
    from vetting.queries.decisions import awaiting_second
    from vetting.schemas import DecisionOut
    from vetting.services import decisions as svc

    s = db.session()
    views = svc.views(s, awaiting_second(s), _rules())
    if as_json:
        echo_json([DecisionOut.from_view(v).model_dump(mode="json") for v in views])
        return
    for v in views:
        d = v.decision
        echo_row(d.id, d.assessment_id, d.app_id, d.decision, d.decided_by, d.confirmation_reason)
    if not views:
        click.echo("no decision is waiting for a second person", err=True)


@decisions.command("confirm")
@click.argument("decision_id", type=int)
@click.option(
    "--as", "as_email", required=True, help="the user (procurement or admin) confirming it"
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def confirm(decision_id: int, as_email: str, as_json: bool) -> None:
    """Confirm a pending decision as the second person (a user other than its author)."""
    from vetting.services import decisions as svc

    svc.confirm(db.session(), _person(as_email), decision_id)
    _print(decision_id, as_json)


@decisions.command("refuse")
@click.argument("decision_id", type=int)
@click.option("--reason", required=True, help="why it is refused (kept in the audit log)")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def refuse(decision_id: int, reason: str, as_json: bool) -> None:
    """Refuse (or, as its author, withdraw) a pending decision."""
    from vetting.services import decisions as svc

    svc.refuse(db.session(), actor(), decision_id, reason)
    _print(decision_id, as_json)


@decisions.command("condition-met")
@click.argument("condition_id", type=int)
@click.option("--note", required=True, help="how it was met")
@click.option(
    "--as", "as_email", required=True, help="the user (not the decision's author) confirming it"
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def condition_met(condition_id: int, note: str, as_email: str, as_json: bool) -> None:
    """Mark a condition of a conditional approval met."""
    from vetting.services import decisions as svc

    condition = svc.meet_condition(db.session(), _person(as_email), condition_id, note)
    _print(condition.decision_id, as_json)
