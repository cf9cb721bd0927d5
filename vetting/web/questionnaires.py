"""The questionnaire workbook on the assessment pages (and on a vendor's page, before any
assessment): download it, upload a filled one, review each change, then confirm — the confirm
step applies exactly the reviewed file (its bytes signed into the form, for an hour) and only
if the changes are still those reviewed."""

from __future__ import annotations

import base64
import zlib

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from vetting import db
from vetting.current import current_settings
from vetting.errors import VettingError
from vetting.queries import browse
from vetting.services import assessments as assessment_service
from vetting.services import checklists
from vetting.services import questionnaires as svc
from vetting.web.base import area, error_page, requires

bp = area("questionnaires", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_REVIEW_BYTES = 2 * 1024 * 1024  # a filled questionnaire is tens of kilobytes
REVIEW_SECONDS = 3600
SALT = "questionnaire-import"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


@bp.get("/assessments/<int:assessment_id>/questionnaire.xlsx")
@requires("assessments:read")
def download(assessment_id: int) -> ResponseReturnValue:
    out = svc.export(db.session(), g.principal, assessment_id, current_settings().secret_key)
    return Response(
        out.data,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


@bp.get("/vendors/<int:vendor_id>/questionnaire.xlsx")
@requires("assessments:read")
def vendor_download(vendor_id: int) -> ResponseReturnValue:
    checklist = checklists.get(
        current_app.extensions["vetting.checklists"], request.args.get("checklist", "")
    )
    out = svc.export_for_vendor(
        db.session(), g.principal, vendor_id, checklist, current_settings().secret_key
    )
    return Response(
        out.data,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


def _page(
    assessment_id: int,
    errors: list[str],
    report: svc.Report | None = None,
    payload: str = "",
    status: int = 200,
) -> ResponseReturnValue:
    s = db.session()
    view = assessment_service.get(s, assessment_id)
    return render_template(
        "assessments/questionnaire.html",
        view=view,
        context=browse.assessment_context(s, view.assessment),
        errors=errors,
        report=report,
        payload=payload,
    ), status


@bp.get("/assessments/<int:assessment_id>/questionnaire")
@requires("assessments:write")
def upload_form(assessment_id: int) -> ResponseReturnValue:
    return _page(assessment_id, [])


@bp.post("/assessments/<int:assessment_id>/questionnaire")
@requires("assessments:write")
def review(assessment_id: int) -> ResponseReturnValue:
    """Check the uploaded file whole and list what importing it would change."""
    part = request.files.get("file")
    if part is None or not part.filename:
        return _page(assessment_id, ["Choose the filled questionnaire (.xlsx)."], status=422)
    data = part.stream.read(MAX_REVIEW_BYTES + 1)
    if len(data) > MAX_REVIEW_BYTES:
        too_big = (
            f"{part.filename}: the file is over {MAX_REVIEW_BYTES // (1024 * 1024)} MiB, far "
            "more than a filled questionnaire: is it the right file?"
        )
        return _page(assessment_id, [too_big], status=422)
    try:
        report = svc.import_file(
            db.session(),
            g.principal,
            data,
            part.filename,
            current_settings().secret_key,
            assessment_id=assessment_id,
            dry_run=True,
        )
    except VettingError as exc:
        if exc.status >= 500 or exc.status in (401, 403, 404):
            raise
        return _page(assessment_id, _messages(exc), status=422)
    payload = _signer().dumps(
        {
            "assessment_id": assessment_id,
            "name": part.filename,
            "data": base64.b64encode(zlib.compress(data)).decode(),
            "plan": report.plan,
        }
    )
    return _page(assessment_id, [], report, payload)


@bp.post("/assessments/<int:assessment_id>/questionnaire/confirm")
@requires("assessments:write")
def confirm(assessment_id: int) -> ResponseReturnValue:
    """Apply exactly the reviewed file, if its changes are still those reviewed."""
    try:
        found = _signer().loads(request.form.get("payload", ""), max_age=REVIEW_SECONDS)
    except SignatureExpired:
        return error_page(
            400, "The review expired", ["More than an hour passed: upload the file again."]
        )
    except BadSignature:
        return error_page(
            400, "The review could not be used", ["It was changed: upload the file again."]
        )
    if found.get("assessment_id") != assessment_id:
        return error_page(400, "The review could not be used", ["It is for another assessment."])
    try:
        report = svc.import_file(
            db.session(),
            g.principal,
            zlib.decompress(base64.b64decode(found["data"])),
            found["name"],
            current_settings().secret_key,
            assessment_id=assessment_id,
            plan=found["plan"],
        )
    except VettingError as exc:
        if exc.status >= 500 or exc.status in (401, 403, 404):
            raise
        return _page(assessment_id, _messages(exc), status=exc.status)
    flash(
        f"Imported {found['name']}: {report.count(svc.CREATE)} created, "
        f"{report.count(svc.UPDATE)} updated, {report.count(svc.UNCHANGED)} unchanged, "
        f"all attested.",
        "ok",
    )
    return redirect(url_for("assessments.detail", assessment_id=assessment_id))


def _messages(exc: VettingError) -> list[str]:
    return [f"{e.field}: {e.message}" if e.field else e.message for e in exc.errors]
