"""Assessments, answers and decisions."""

from __future__ import annotations

from flask import Response, g
from pydantic import BaseModel
from sqlmodel import Session
from werkzeug.datastructures import FileStorage

from vetting import db
from vetting.api import bp
from vetting.api.checklists import registry
from vetting.api.spec import page_of, route
from vetting.current import current_settings, current_store
from vetting.downloads import stored_file
from vetting.models import Decision
from vetting.queries import decisions as waiting
from vetting.schemas import (
    AnswerIn,
    AssessmentCreate,
    AssessmentDetail,
    AssessmentOut,
    AssessmentQuery,
    ConditionMetIn,
    DecisionIn,
    DecisionList,
    DecisionOut,
    EvidenceOut,
    Page,
    QuestionnaireImportOut,
    QuestionnaireImportQuery,
    ReconfirmIn,
    RefusalIn,
)
from vetting.services import assessments as svc
from vetting.services import decisions, evidence, questionnaires
from vetting.services.evidence import FileUpload, Limits


@route(
    bp,
    "/assessments",
    "GET",
    summary="List assessments",
    tag="assessments",
    scope="assessments:read",
    query=AssessmentQuery,
    response=Page[AssessmentOut],
)
def list_assessments(query: AssessmentQuery) -> BaseModel:
    return page_of(
        AssessmentOut,
        svc.list_(db.session(), query.page, query.per_page, query.app_id, query.status),
    )


@route(
    bp,
    "/assessments",
    "POST",
    summary="Start an assessment of an app",
    tag="assessments",
    scope="assessments:write",
    body=AssessmentCreate,
    response=AssessmentDetail,
    status=201,
)
def create_assessment(body: AssessmentCreate) -> AssessmentDetail:
    s = db.session()
    assessment = svc.create(s, g.principal, registry(), body)
    assert assessment.id is not None  # assigned by the insert
    return AssessmentDetail.from_view(svc.get(s, assessment.id), registry())


@route(
    bp,
    "/assessments/<int:assessment_id>",
    "GET",
    summary="Score, verdict and per-capability explanation",
    tag="assessments",
    scope="assessments:read",
    response=AssessmentDetail,
)
def get_assessment(assessment_id: int) -> AssessmentDetail:
    return AssessmentDetail.from_view(
        svc.get(db.session(), assessment_id, current_settings().decision_rules), registry()
    )


@route(
    bp,
    "/assessments/<int:assessment_id>/answers/<capability_key>",
    "PUT",
    summary="Answer one capability",
    tag="assessments",
    scope="assessments:write",
    body=AnswerIn,
    response=AssessmentDetail,
)
def put_answer(assessment_id: int, capability_key: str, body: AnswerIn) -> AssessmentDetail:
    return AssessmentDetail.from_view(
        svc.answer(db.session(), g.principal, assessment_id, capability_key, body), registry()
    )


@route(
    bp,
    "/assessments/<int:assessment_id>/answers/<capability_key>/evidence",
    "POST",
    summary="Attach an evidence file to one capability's answer (PDF, PNG, JPEG, DOCX or text)",
    tag="assessments",
    scope="assessments:write",
    files=("file",),
    response=EvidenceOut,
    status=201,
    description="multipart/form-data with a `file` part; the type is judged by content. Stored "
    "once by SHA-256 and never altered; the same bytes for the same capability return the "
    "existing file (200). A `verified` answer needs an evidence URL or such a file: upload it "
    "before (or after) saving the answer; until then a verified answer counts as attested.",
)
def upload_evidence(
    assessment_id: int, capability_key: str, files: dict[str, FileStorage]
) -> Response | EvidenceOut:
    part = files["file"]
    result = svc.attach_evidence(
        db.session(),
        g.principal,
        assessment_id,
        capability_key,
        FileUpload(part.stream, part.filename or "", part.mimetype or None),
        _limits(),
    )
    out = EvidenceOut.of(result.file)
    if not result.created:
        return Response(out.model_dump_json(), status=200, mimetype="application/json")
    return out


@route(
    bp,
    "/assessments/<int:assessment_id>/evidence/<int:evidence_id>",
    "GET",
    summary="Download an evidence file",
    tag="assessments",
    scope=evidence.READ_SCOPE,
    produces=(
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
    ),
)
def download_evidence(assessment_id: int, evidence_id: int) -> Response:
    row, found = evidence.open_file(
        db.session(),
        g.principal,
        assessment_id,
        evidence_id,
        store=current_store(),
    )
    return stored_file(found, row.content_type, row.filename, row.sha256)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@route(
    bp,
    "/assessments/<int:assessment_id>/questionnaire.xlsx",
    "GET",
    summary="The assessment's questionnaire as a workbook for the vendor to fill in",
    tag="assessments",
    scope="assessments:read",
    produces=(XLSX,),
    description="An .xlsx with an Instructions sheet and a Questions sheet (theme, question, "
    "guidance, an Answer cell with a dropdown of the allowed values or a number validation, "
    "evidence URL and comment cells); hidden capability keys and a signed, very hidden _meta "
    "sheet let an upload map back to this assessment and checklist version.",
)
def export_questionnaire(assessment_id: int) -> Response:
    out = questionnaires.export(
        db.session(), g.principal, assessment_id, current_settings().secret_key
    )
    return Response(
        out.data,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


@route(
    bp,
    "/assessments/<int:assessment_id>/questionnaire",
    "POST",
    summary="Import a filled questionnaire workbook as attested answers",
    tag="assessments",
    scope="assessments:write",
    files=("file",),
    query=QuestionnaireImportQuery,
    response=QuestionnaireImportOut,
    description="multipart/form-data with a `file` part: a workbook exported by GET "
    "…/questionnaire.xlsx for this assessment and filled in. Checked whole: every error names "
    "its cell (`Questions!D14: 'Maybe' is not one of Yes, No, N/A`) and nothing is written "
    "(422); a workbook for another assessment or checklist version, or with a changed key "
    "column, is refused. Answers are recorded `attested` with the file's SHA-256 and row in "
    "their note; blank answers change nothing; the same file again changes nothing. "
    "`dry_run=true` reports the same changes and writes nothing.",
)
def import_questionnaire(
    assessment_id: int, files: dict[str, FileStorage], query: QuestionnaireImportQuery
) -> QuestionnaireImportOut:
    part = files["file"]
    report = questionnaires.import_file(
        db.session(),
        g.principal,
        part.stream.read(current_settings().max_request_bytes + 1),
        part.filename or "",
        current_settings().secret_key,
        assessment_id=assessment_id,
        dry_run=query.dry_run,
    )
    return QuestionnaireImportOut.model_validate(report.as_dict())


def _limits() -> Limits:
    settings = current_settings()
    return Limits(
        current_store(),
        settings.max_document_bytes,
        settings.max_document_unpacked_bytes,
    )


@route(
    bp,
    "/assessments/<int:assessment_id>/decision",
    "POST",
    summary="Record the human decision",
    description="A decision that differs from the verdict needs a justification (a minimum "
    "number of letters or digits); `valid_until` is capped; a conditional approval needs "
    "structured conditions (text, due date, owner). On an incomplete assessment only a "
    "rejection can be decided (422 naming what is not answered). A decision more permissive "
    "than the verdict is `pending` (the app stays off the list) until a different person "
    "confirms it.",
    tag="assessments",
    scope="decisions:write",
    body=DecisionIn,
    response=DecisionOut,
    status=201,
)
def post_decision(assessment_id: int, body: DecisionIn) -> DecisionOut:
    s, rules = db.session(), current_settings().decision_rules
    return _out(s, decisions.decide(s, g.principal, assessment_id, body, rules))


def _out(s: Session, decision: Decision) -> DecisionOut:
    return DecisionOut.from_view(
        decisions.views(s, [decision], current_settings().decision_rules)[0]
    )


@route(
    bp,
    "/decisions/pending",
    "GET",
    summary="Decisions waiting for a second person",
    tag="assessments",
    scope="assessments:read",
    response=DecisionList,
)
def list_pending() -> DecisionList:
    s = db.session()
    rules = current_settings().decision_rules
    pending = decisions.views(s, waiting.awaiting_second(s), rules)
    return DecisionList(items=[DecisionOut.from_view(v) for v in pending])


@route(
    bp,
    "/decisions/<int:decision_id>/confirm",
    "POST",
    summary="Confirm a pending decision (a second person)",
    description="Refused (403) for the decision's own author; 409 when it is not pending.",
    tag="assessments",
    scope="decisions:write",
    response=DecisionOut,
)
def confirm_decision(decision_id: int) -> DecisionOut:
    s = db.session()
    return _out(s, decisions.confirm(s, g.principal, decision_id))


@route(
    bp,
    "/decisions/<int:decision_id>/refuse",
    "POST",
    summary="Refuse (or withdraw) a pending decision",
    description="It never takes effect; the assessment opens again for a new decision.",
    tag="assessments",
    scope="decisions:write",
    body=RefusalIn,
    response=DecisionOut,
)
def refuse_decision(decision_id: int, body: RefusalIn) -> DecisionOut:
    s = db.session()
    return _out(s, decisions.refuse(s, g.principal, decision_id, body.reason))


@route(
    bp,
    "/decisions/<int:decision_id>/reconfirm",
    "POST",
    summary="Re-confirm a decision after its app's store ID, platform or vendor changed",
    description="Creates a pending decision bound to the app as it is now, with the same "
    "outcome, validity and conditions; a second person confirms it (409 when nothing changed).",
    tag="assessments",
    scope="decisions:write",
    body=ReconfirmIn,
    response=DecisionOut,
    status=201,
)
def reconfirm_decision(decision_id: int, body: ReconfirmIn) -> DecisionOut:
    s, rules = db.session(), current_settings().decision_rules
    return _out(s, decisions.reconfirm(s, g.principal, decision_id, body.justification, rules))


@route(
    bp,
    "/decisions/conditions/<int:condition_id>/met",
    "POST",
    summary="Mark a condition of a decision met",
    tag="assessments",
    scope="decisions:write",
    body=ConditionMetIn,
    response=DecisionOut,
)
def condition_met(condition_id: int, body: ConditionMetIn) -> DecisionOut:
    s = db.session()
    c = decisions.meet_condition(s, g.principal, condition_id, body.note)
    decision = s.get(Decision, c.decision_id)
    assert decision is not None  # a condition's decision
    return _out(s, decision)
