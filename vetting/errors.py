"""Errors a user can fix: one type carrying field and message, turned into a 4xx by one handler."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "message": self.message}


def errors_from_pydantic(exc: ValidationError, where: str) -> list[FieldError]:
    """One FieldError per pydantic error, in its order: the field's dotted path (or `where`)
    and the message without pydantic's "Value error, " prefix; API and forms word it alike."""
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if p != "__root__")
        msg = err["msg"]
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if kind == "extra_forbidden":
            msg = "unknown field"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        elif kind in ("literal_error", "enum") and "expected" in ctx:
            # "Input should be 'ios', 'android' or 'web'" is pydantic's wording, not ours
            msg = f"must be one of {ctx['expected']}"
        elif kind in ("int_parsing", "int_type", "int_from_float"):
            msg = "must be a whole number"
        elif kind.startswith("date") and kind.endswith(("parsing", "type")):
            msg = "must be a date (YYYY-MM-DD)"
        elif kind == "missing":
            msg = "is required"
        errors.append(FieldError(loc or where, msg))
    return errors


class VettingError(Exception):
    """Base for user-fixable errors; `status` is the HTTP status, the CLI prints the message."""

    status = 400

    def __init__(
        self, message: str, field: str | None = None, *, errors: list[FieldError] | None = None
    ):
        self.errors = errors or [FieldError(field, message)]
        super().__init__(
            "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in self.errors)
        )


class BadRequest(VettingError):
    status = 400


class Unauthorized(VettingError):
    status = 401


class Forbidden(VettingError):
    status = 403


class NotFound(VettingError):
    status = 404


class Conflict(VettingError):
    status = 409


class TooLarge(VettingError):
    """An upload over its size limit (HTTP 413)."""

    status = 413


class Invalid(VettingError):
    """Well-formed input that breaks a rule (wrong kind of value, dates out of order…)."""

    status = 422


class TooManyRequests(VettingError):
    """Too many attempts in a short time (sign-in throttling); try again later."""

    status = 429
