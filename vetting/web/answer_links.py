"""The vendor's side of an answer link: no account, one assessment's questions and nothing
else. Answer in the form (the same checks and wording as ours) or upload a completed CAIQ /
HECVAT; either way the answers wait as suggestions for procurement to review. A wrong, expired,
revoked or used link is a plain 404 page; guessing is throttled (429)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue

from integrations.spreadsheets.writing import MEDIA_TYPE
from vetting import db
from vetting.core.checklist import Kind
from vetting.core.signin import ThrottleRules
from vetting.current import current_settings
from vetting.errors import FieldError, Invalid
from vetting.services import answer_links
from vetting.services.answer_links import VendorAnswer
from vetting.web.base import Form, area

bp = area("answer_links", __name__, public=True)
MAX_READ = 20 * 1024 * 1024 + 1  # one byte over the spreadsheet gate's cap: it says so


def by_link(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page whose only authorisation is the link's secret (checked by the service)."""
    view.required_scope = "answer-link"  # type: ignore[attr-defined]  # tests check every view
    return view


def _ip() -> str:
    return request.remote_addr or "unknown"


def _page(
    token: str,
    opened: answer_links.Opened,
    form: Form | None = None,
    upload_form: Form | None = None,
    status: int = 200,
    done: str = "",
) -> ResponseReturnValue:
    return render_template(
        "answer_links/form.html",
        token=token,
        link=opened.link,
        checklist=opened.checklist,
        form=form or Form(),
        upload_form=upload_form or Form(),
        done=done,
        kinds=Kind,
    ), status


def _rules() -> ThrottleRules:
    return current_settings().throttle_rules


@bp.get("/answer/<token>")
@by_link
def show(token: str) -> ResponseReturnValue:
    opened = answer_links.open_link(db.session(), token, _ip(), _rules())
    return _page(token, opened)


def _answers(values: dict[str, str]) -> dict[str, VendorAnswer]:
    """The answered questions (`v.<key>`, with the comment `c.<key>`); blanks are skipped."""
    return {
        name.removeprefix("v."): VendorAnswer(raw.strip(), values.get(f"c.{name[2:]}", ""))
        for name, raw in values.items()
        if name.startswith("v.") and raw.strip()
    }


@bp.post("/answer/<token>")
@by_link
def submit(token: str) -> ResponseReturnValue:
    s = db.session()
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    form = Form(values=values)
    try:
        n = answer_links.submit_answers(s, token, _ip(), _rules(), _answers(values))
    except Invalid as exc:
        for e in exc.errors:
            field = f"v.{e.field.removesuffix('.value')}" if e.field else "_"
            form.errors.setdefault(field, e.message)
        opened = answer_links.open_link(s, token, _ip(), _rules(), action="view")
        return _page(token, opened, form=form, status=422)
    return render_template("answer_links/done.html", count=n), 200


@bp.get("/answer/<token>/questionnaire.xlsx")
@by_link
def questionnaire(token: str) -> ResponseReturnValue:
    """The questionnaire workbook of the link's assessment (no account: the link is the key)."""
    out = answer_links.questionnaire(
        db.session(), token, _ip(), _rules(), current_settings().secret_key
    )
    return Response(
        out.data,
        mimetype=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{out.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.post("/answer/<token>/workbook")
@by_link
def upload(token: str) -> ResponseReturnValue:
    s = db.session()
    form = Form()
    part = request.files.get("file")
    try:
        if part is None or not part.filename:
            raise Invalid("", errors=[FieldError("file", "choose your completed workbook")])
        n = answer_links.submit_workbook(
            s,
            token,
            _ip(),
            _rules(),
            part.stream.read(MAX_READ),
            part.filename,
            current_settings().secret_key,
        )
    except Invalid as exc:
        # each problem with where it is (a cell of the workbook: "filled.xlsx: Questions!D14")
        form.errors["file"] = "; ".join(
            f"{e.field}: {e.message}" if e.field and e.field != "file" else e.message
            for e in exc.errors
        )
        opened = answer_links.open_link(s, token, _ip(), _rules(), action="view")
        return _page(token, opened, upload_form=form, status=422)
    return render_template("answer_links/done.html", count=n, file=part.filename), 200
