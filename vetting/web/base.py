"""What every UI blueprint shares: sign-in check, scope checks, error pages, form handling.

Pages are thin: they read the query or form, validate with the same pydantic models as the
API (vetting/schemas.py), call a service, and render. A user's mistake comes back as field
messages on the same form with what was typed; a missing permission is a 403 page whatever
the page showed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from flask import (
    Blueprint,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from pydantic import BaseModel, ValidationError

from vetting import auth, clock, db
from vetting.current import current_settings
from vetting.errors import Unauthorized, VettingError, errors_from_pydantic
from vetting.models import User, WebSession
from vetting.services import web_sessions

M = TypeVar("M", bound=BaseModel)


# --- blueprints -----------------------------------------------------------------------------


def area(name: str, import_name: str, public: bool = False) -> Blueprint:
    """A UI blueprint whose pages need a signed-in user (unless `public`) and whose errors
    render as HTML pages instead of the API's JSON."""
    bp = Blueprint(name, import_name)
    if not public:
        bp.before_request(require_user)
    bp.register_error_handler(VettingError, _vetting_error)
    bp.register_error_handler(CSRFError, _csrf_error)
    return bp


SESSION_KEY = "sid"  # the signed cookie carries only the server-side session's token


def signed_in() -> tuple[User, WebSession] | None:
    """The user and session the cookie's token stands for, if it is still open."""
    token = session.get(SESSION_KEY)
    return web_sessions.resume(db.session(), token, current_settings().session_rules)


def require_user() -> ResponseReturnValue | None:
    """Load the signed-in user; send anyone else to the sign-in page."""
    found = signed_in()
    if found is None:
        session.clear()
        if wants_json():
            return {"error": "not signed in", "message": "sign in again"}, 401
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))
    g.user, g.web_session = found
    g.principal = auth.principal_for_user(g.user)
    return None


def requires(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The page or action needs this scope; otherwise a 403 page (buttons are hidden too,
    but the server never relies on that)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.principal.require(scope)
            return view(*args, **kwargs)

        wrapper.required_scope = scope  # type: ignore[attr-defined]  # tests check every view
        return wrapper

    return decorator


def can(scope: str) -> bool:
    principal = g.get("principal")
    return principal is not None and principal.can(scope)


def wants_json() -> bool:
    """The page's own script asked (autosave): answer in JSON rather than with a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_page(status: int, title: str, messages: list[str]) -> ResponseReturnValue:
    if wants_json():
        return {"error": title, "message": "; ".join(messages)}, status
    return render_template("error.html", status=status, title=title, messages=messages), status


_TITLES = {
    400: "This request could not be used",
    403: "You do not have permission to do this",
    404: "Not found",
    409: "This conflicts with the current data",
    422: "This could not be saved",
    429: "Too many attempts",
}


def _vetting_error(exc: VettingError) -> ResponseReturnValue:
    if isinstance(exc, Unauthorized):
        return redirect(url_for("auth.login"))
    messages = [f"{e.field}: {e.message}" if e.field else e.message for e in exc.errors]
    return error_page(exc.status, _TITLES.get(exc.status, "Something is wrong"), messages)


def _csrf_error(exc: CSRFError) -> ResponseReturnValue:
    return error_page(
        400,
        "The form could not be accepted",
        [
            "It expired or did not come from this site (missing or invalid CSRF token). "
            "Go back, reload the page and send it again."
        ],
    )


# --- forms ----------------------------------------------------------------------------------


@dataclass
class Form:
    """What a form page needs to re-render: the values typed and a message per field."""

    values: Mapping[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    prefix: str = ""  # keeps element ids unique when a page has several forms

    @property
    def general(self) -> list[str]:
        return [m for f, m in self.errors.items() if f == "_"]

    def add(self, exc: VettingError) -> None:
        for e in exc.errors:
            self.errors.setdefault(e.field or "_", e.message)


def form_values() -> dict[str, str]:
    """The submitted form without the CSRF token, stripped."""
    return {k: v.strip() for k, v in request.form.items() if k != "csrf_token"}


def optional(data: Mapping[str, str], *names: str) -> dict[str, Any]:
    """Empty form fields mean "no value" (None), as a JSON client would send null."""
    return {n: (data.get(n) or None) for n in names}


def validate(model: type[M], data: Mapping[str, Any], form: Form) -> M | None:
    """The model, or None with the field messages added to `form` (the API's wording, except
    that an empty field "is required", in words a person expects)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err, error in zip(exc.errors(), errors_from_pydantic(exc, "_"), strict=True):
            empty = err["type"] == "missing" or (
                err.get("input") is None and err["type"].endswith("_type")
            )
            form.errors.setdefault(error.field or "_", "is required" if empty else error.message)
        return None


def vendor_ref(s: Any, form: Form, name: str = "vendor_id") -> int | None:
    """The vendor a form's vendor field names: an id from the select, or a name typed into
    the field a large set of vendors gets (see browse.vendor_picker). A name that matches no
    vendor is a message on that field."""
    from vetting.queries import browse

    typed = str(form.values.get(name) or "").strip()
    if not typed:
        return None
    if typed.isdigit() and not browse.vendor_picker_is_text(s):
        return int(typed)  # the select's value: an id (the schema checks its range)
    found = browse.vendor_by_name(s, typed)
    if found is None:
        form.errors.setdefault(
            name, f"no vendor is named {typed!r}: type its name as recorded, or add it first"
        )
    return found


# --- query strings --------------------------------------------------------------------------


def arg_int(name: str, default: int = 1, lo: int = 1, hi: int = 2**31 - 1) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    return min(max(value, lo), hi)


def arg_str(name: str, max_len: int = 200) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value[:max_len] or None


def arg_date(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise VettingError(f"{value!r} is not a date (YYYY-MM-DD)", name) from None


def today() -> date:
    return clock.today()


def warning_days() -> int:
    return current_settings().baa_warning_days
