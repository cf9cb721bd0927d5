"""2–4 candidate apps side by side on one checklist, printable for a committee."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.downloads import table_file
from vetting.errors import VettingError
from vetting.queries import compare as svc
from vetting.queries import sheets
from vetting.web.base import Form, area, arg_str, requires

bp = area("compare", __name__)


def _chosen() -> list[int]:
    return [int(v) for v in request.args.getlist("app") if v.isdigit() and len(v) < 10]


@bp.get("/compare/export.<fmt>")
@requires("assessments:read")
def export(fmt: str) -> ResponseReturnValue:
    """The comparison the page shows for ?checklist=…&app=…&app=…."""
    result = svc.compare(db.session(), arg_str("checklist", 64) or "", _chosen())
    return table_file(sheets.comparison(result), fmt)


@bp.get("/compare")
@requires("assessments:read")
def index() -> ResponseReturnValue:
    registry = current_app.extensions["vetting.checklists"]
    checklists = [(c.id, f"{c.title} ({c.id})") for _, c in sorted(registry.items())]
    checklist_id = arg_str("checklist", 64) or (checklists[0][0] if checklists else "")
    chosen = _chosen()
    form = Form(values={"checklist": checklist_id})
    s = db.session()
    comparison = None
    status = 200
    if request.args.getlist("app"):
        try:
            comparison = svc.compare(s, checklist_id, chosen)
        except VettingError as exc:
            form.add(exc)
            status = 422
    return render_template(
        "compare.html",
        form=form,
        checklists=checklists,
        checklist_id=checklist_id,
        candidates=svc.candidates(s, checklist_id, arg_str("q")),
        chosen=set(chosen),
        comparison=comparison,
        q=arg_str("q"),
        max_apps=svc.MAX_APPS,
    ), status
