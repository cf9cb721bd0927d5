"""Answer suggestions of an assessment: upload a vendor's CAIQ / HECVAT, then review what it
suggests (current → proposed, origin, the vendor's words) and accept or dismiss the selected
ones. Suggestions count for nothing until accepted. Answer links for the vendor are made and
revoked here too."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.errors import FieldError, Invalid, VettingError
from vetting.queries import browse
from vetting.services import answer_links, standard_questionnaires, suggestions
from vetting.services import assessments as assessment_service
from vetting.web.base import Form, area, form_values, requires

bp = area("suggestions", __name__)
MAX_READ = 20 * 1024 * 1024 + 1  # one byte over the spreadsheet gate's cap: it says so


def _page(
    assessment_id: int,
    upload_form: Form | None = None,
    review_form: Form | None = None,
    status: int = 200,
    link_form: Form | None = None,
    new_link: str | None = None,
) -> ResponseReturnValue:
    s = db.session()
    view = assessment_service.get(s, assessment_id)
    links = answer_links.list_(s, assessment_id)
    return render_template(
        "assessments/suggestions.html",
        view=view,
        context=browse.assessment_context(s, view.assessment),
        pending=suggestions.pending(s, assessment_id),
        caps={c.key: c for c in view.checklist.capabilities},
        upload_form=upload_form or Form(),
        review_form=review_form or Form(),
        link_form=link_form or Form(values={"days": "14", "single_use": "on"}),
        links=[(link, answer_links.state(link)) for link in links],
        new_link=new_link,
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
        result = standard_questionnaires.read_into(
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


@bp.post("/assessments/<int:assessment_id>/answer-links")
@requires(suggestions.WRITE_SCOPE)
def create_link(assessment_id: int) -> ResponseReturnValue:
    values = form_values()
    form = Form(values=values)
    try:
        try:
            days = int(values.get("days") or "14")
        except ValueError:
            raise Invalid("a whole number of days", "days") from None
        made = answer_links.create(
            db.session(),
            g.principal,
            assessment_id,
            days,
            values.get("recipient_email") or None,
            single_use=values.get("single_use") == "on",
        )
    except VettingError as exc:
        if exc.status >= 500:
            raise
        form.add(exc)
        return _page(assessment_id, link_form=form, status=exc.status)
    # Shown once, on this response only: never put in a flash (the session cookie).
    url = url_for("answer_links.show", token=made.token, _external=True)
    return _page(assessment_id, new_link=url)


@bp.post("/answer-links/<int:link_id>/revoke")
@requires(suggestions.WRITE_SCOPE)
def revoke_link(link_id: int) -> ResponseReturnValue:
    link = answer_links.revoke(db.session(), g.principal, link_id)
    flash(f"Answer link {link.id} revoked: it no longer opens.", "ok")
    return redirect(url_for("suggestions.review", assessment_id=link.assessment_id))
