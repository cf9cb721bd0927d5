"""Assessments, answers and decisions."""

from __future__ import annotations

from flask import g

from vetting import db
from vetting.api import bp
from vetting.api.checklists import registry
from vetting.api.spec import page_of, route
from vetting.app import current_settings
from vetting.schemas import (
    AnswerIn,
    AssessmentCreate,
    AssessmentDetail,
    AssessmentOut,
    AssessmentQuery,
    CapabilityScore,
    DecisionIn,
    DecisionOut,
    Page,
)
from vetting.services import assessments as svc


def detail(view: svc.AssessmentView) -> AssessmentDetail:
    a, score = view.assessment, view.score
    return AssessmentDetail(
        **AssessmentOut.model_validate(a).model_dump(),
        reasons=list(score.reasons),
        answered=score.answered,
        total=score.total,
        gating_failures=list(score.gating_failures),
        gating_unanswered=list(score.gating_unanswered),
        capabilities=[CapabilityScore.model_validate(c) for c in score.capabilities],
        decisions=[DecisionOut.model_validate(d) for d in view.decisions],
    )


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
def list_assessments(query: AssessmentQuery):  # type: ignore[no-untyped-def]
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
    return detail(svc.get(s, assessment.id))


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
    return detail(svc.get(db.session(), assessment_id))


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
    return detail(svc.answer(db.session(), g.principal, assessment_id, capability_key, body))


@route(
    bp,
    "/assessments/<int:assessment_id>/decision",
    "POST",
    summary="Record the human decision",
    tag="assessments",
    scope="decisions:write",
    body=DecisionIn,
    response=DecisionOut,
    status=201,
)
def post_decision(assessment_id: int, body: DecisionIn) -> DecisionOut:
    months = current_settings().decision_valid_months
    return DecisionOut.model_validate(
        svc.decide(db.session(), g.principal, assessment_id, body, months)
    )
