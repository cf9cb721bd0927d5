"""Answer suggestions of an assessment: upload a vendor's CAIQ / HECVAT, then review what it
suggests (current → proposed, origin, the vendor's words) and accept or dismiss the selected
ones. Suggestions count for nothing until accepted."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.errors import FieldError, Invalid, VettingError
from vetting.queries import browse
from vetting.services import assessments as assessment_service
from vetting.services import questionnaires, suggestions
from vetting.web.base import Form, area, requires

bp = area("suggestions", __name__)
MAX_READ = 20 * 1024 * 1024 + 1  # one byte over the spreadsheet gate's cap: it says so


def _page(
    assessment_id: int,
    upload_form: Form | None = None,
    review_form: Form | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    s = db.session()
    view = assessment_service.get(s, assessment_id)
    return render_template(
        "assessments/suggestions.html",
        view=view,
        context=browse.assessment_context(s, view.assessment),
        pending=suggestions.pending(s, assessment_id),
        caps={c.key: c for c in view.checklist.capabilities},
        upload_form=upload_form or Form(),
        review_form=review_form or Form(),
    ), status


@bp.get("/assessments/<int:assessment_id>/suggestions")
@requires(suggestions.READ_SCOPE)
def review(assessment_id: int) -> ResponseReturnValue:
    return _page(assessment_id)


@bp.post("/assessments/<int:assessment_id>/suggestions")
@requires(suggestions.WRITE_SCOPE)
def decide(assessment_id: int) -> ResponseReturnValue:
    form = Form(values={"action": request.form.get("action", "")})
    action = request.form.get("action")
    try:
        raw = request.form.getlist("ids")
        if not raw:
            raise Invalid("choose at least one suggestion", "ids")
        try:
            ids = [int(v) for v in raw]
        except ValueError:
            raise Invalid("not a suggestion id", "ids") from None
        if action == "accept":
            done = suggestions.accept(db.session(), g.principal, assessment_id, ids)
        elif action == "dismiss":
            done = suggestions.dismiss(db.session(), g.principal, assessment_id, ids)
        else:
            raise Invalid("choose Accept selected or Dismiss selected", "action")
    except VettingError as exc:
        if exc.status >= 500:
            raise
        form.add(exc)
        return _page(assessment_id, review_form=form, status=exc.status)
    n = len(done)
    verb = "Accepted" if action == "accept" else "Dismissed"
    flash(f"{verb} {n} suggestion{'s' * (n != 1)}.", "ok")
    return redirect(url_for("suggestions.review", assessment_id=assessment_id))


@bp.post("/assessments/<int:assessment_id>/questionnaires")
@requires(suggestions.WRITE_SCOPE)
def upload(assessment_id: int) -> ResponseReturnValue:
    form = Form()
    part = request.files.get("file")
    try:
        if part is None or not part.filename:
            raise Invalid("", errors=[FieldError("file", "choose the vendor's workbook")])
        result = questionnaires.read_into(
            db.session(), g.principal, assessment_id, part.stream.read(MAX_READ), part.filename
        )
    except VettingError as exc:
        if exc.status >= 500:
            raise
        form.add(exc)
        if len(exc.errors) > 1:  # every reason (answers that could not be used), in one line
            form.errors["file"] = "; ".join(e.message for e in exc.errors)
        return _page(assessment_id, upload_form=form, status=exc.status)
    out = result.as_dict()
    n = len(out["suggestions"])
    flash(
        f"Read {out['file']} ({out['questionnaire'].upper()} {out['version']}): {n} "
        f"suggestion{'s' * (n != 1)} to review. Left unanswered: "
        f"{', '.join(out['unmapped']) or 'none'}.",
        "ok",
    )
    for k in out["refused"]:
        flash(f"Not used: {k['cell']} {k['question_id']}: {k['reason']}", "info")
    return redirect(url_for("suggestions.review", assessment_id=assessment_id))
