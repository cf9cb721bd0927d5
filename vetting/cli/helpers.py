"""What every `vetting …` command shares: who the shell user acts as, reading a date option,
printing JSON and tab-separated rows, validating input with the API's models, and turning
user-fixable errors into a one-line message instead of a traceback."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date
from typing import Any

import click
from flask.cli import FlaskGroup
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError

from vetting import auth, clock
from vetting.core.checklist import ChecklistError
from vetting.core.statuses import Role
from vetting.errors import Invalid, VettingError, errors_from_pydantic
from vetting.settings import SettingsError

# --- who -------------------------------------------------------------------------------------


def actor() -> auth.Principal:
    """The shell user, as an administrator; their writes are audited as `cli:<login>`."""
    try:
        who = getpass.getuser()
    except Exception:
        who = "unknown"
    return auth.Principal(f"cli:{who}", Role.ADMIN, frozenset(auth.SCOPES), kind="cli")


# --- input -----------------------------------------------------------------------------------


def parse_date(value: str | None, hint: str | None = None) -> date:
    """A YYYY-MM-DD option as a date; today (the organisation's day) when it was not given.
    `hint` names the option in the usage error (exit status 2)."""
    if value is None:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=hint) from None


def validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """Validate CLI input with the API's own model, so both refuse the same things alike."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("", errors=errors_from_pydantic(exc, "")) from None


# --- output ----------------------------------------------------------------------------------


def echo_json(data: Any) -> None:
    """`--json` output: indented, one document."""
    click.echo(json.dumps(data, indent=2))


def echo_row(*cells: object, last: object = None) -> None:
    """One tab-separated line; `last` is a final column printed only when it has a value (a
    note, an error)."""
    click.echo("\t".join(str(c) for c in (*cells, *([last] if last else []))))


# --- errors ----------------------------------------------------------------------------------


class VettingGroup(FlaskGroup):
    """Turns user-fixable errors into a one-line message and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (VettingError, ChecklistError, SettingsError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except OperationalError as exc:
            click.echo(f"Error: database unavailable: {exc.orig}", err=True)
            sys.exit(1)
