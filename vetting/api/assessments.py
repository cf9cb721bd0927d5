"""Assessments, answers and decisions."""

from __future__ import annotations

from flask import g
from pydantic import BaseModel

from vetting import db
from vetting.api import bp
from vetting.api.checklists import registry
from vetting.api.spec import page_of, route
from vetting.current import current_settings
from vetting.schemas import (
    AnswerIn,
    AssessmentCreate,
    AssessmentDetail,
    AssessmentOut,
    AssessmentQuery,
    DecisionIn,
    DecisionOut,
    Page,
)
from vetting.services import assessments as svc


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
    return AssessmentDetail.from_view(svc.get(db.session(), assessment_id), registry())


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
    "/assessments/<int:assessment_id>/decision",
    "POST",
    summary="Record the human decision",
    description="A decision that differs from the verdict needs a justification; on an "
    "incomplete assessment only a rejection can be decided (422 naming what is not answered).",
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
