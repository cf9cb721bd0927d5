"""Answer suggestions of an assessment (list, accept, dismiss), a vendor's standard
questionnaire (CAIQ v4.0.x, HECVAT 4.x / 3.x) uploaded into them, and answer links through
which a vendor answers without an account."""

from __future__ import annotations

from flask import g, url_for
from werkzeug.datastructures import FileStorage

from vetting import db
from vetting.api import bp
from vetting.api.spec import route
from vetting.models import AnswerLink
from vetting.schemas import (
    AnswerLinkIn,
    AnswerLinkList,
    AnswerLinkOut,
    QuestionnaireQuery,
    QuestionnaireReadOut,
    SuggestionChoice,
    SuggestionList,
    SuggestionOut,
)
from vetting.services import answer_links, standard_questionnaires, suggestions
from vetting.services.suggestions import Pending

MAX_READ = 20 * 1024 * 1024 + 1  # one byte over the spreadsheet gate's cap: it says so


def _out(p: Pending) -> SuggestionOut:
    out = SuggestionOut.model_validate(p.suggestion)
    if p.current is not None:
        out.current_value = p.current.value
        out.current_source = p.current.source
    out.overrides = p.overrides
    return out


def _listed(assessment_id: int) -> SuggestionList:
    return SuggestionList(items=[_out(p) for p in suggestions.pending(db.session(), assessment_id)])


@route(
    bp,
    "/assessments/<int:assessment_id>/suggestions",
    "GET",
    summary="Pending answer suggestions (a vendor's questionnaire …), each with the answer now",
    tag="assessments",
    scope=suggestions.READ_SCOPE,
    response=SuggestionList,
    description="Suggestions count for nothing until accepted. `overrides`: accepting one "
    "replaces a person's answer (`current_value`, `current_source`).",
)
def list_suggestions(assessment_id: int) -> SuggestionList:
    return _listed(assessment_id)


@route(
    bp,
    "/assessments/<int:assessment_id>/suggestions/accept",
    "POST",
    summary="Accept pending suggestions: each becomes the capability's answer",
    tag="assessments",
    scope=suggestions.WRITE_SCOPE,
    body=SuggestionChoice,
    response=SuggestionList,
    description='`{"ids": [1, 2]}` or `{"all": true}`. All or none: an id that is not a '
    "pending suggestion of this assessment, two for one capability, or answers that "
    "contradict each other refuse the request (422). Returns the suggestions still pending.",
)
def accept_suggestions(assessment_id: int, body: SuggestionChoice) -> SuggestionList:
    suggestions.accept(db.session(), g.principal, assessment_id, body.ids)
    return _listed(assessment_id)


@route(
    bp,
    "/assessments/<int:assessment_id>/suggestions/dismiss",
    "POST",
    summary="Dismiss pending suggestions (no answer changes)",
    tag="assessments",
    scope=suggestions.WRITE_SCOPE,
    body=SuggestionChoice,
    response=SuggestionList,
    description='`{"ids": [1, 2]}` or `{"all": true}`. Returns the suggestions still pending.',
)
def dismiss_suggestions(assessment_id: int, body: SuggestionChoice) -> SuggestionList:
    suggestions.dismiss(db.session(), g.principal, assessment_id, body.ids)
    return _listed(assessment_id)


@route(
    bp,
    "/assessments/<int:assessment_id>/questionnaires",
    "POST",
    summary="Read a vendor's completed CAIQ v4.0.x or HECVAT 4.x / 3.x into answer suggestions",
    tag="assessments",
    scope=suggestions.WRITE_SCOPE,
    files=("file",),
    query=QuestionnaireQuery,
    response=QuestionnaireReadOut,
    status=201,
    description="multipart/form-data with a `file` part (.xlsx). The workbook is recognised "
    "by its layout and version (others refused by name), only read, never written back. "
    "Mapped answers become pending `attested` suggestions (question ID and the vendor's "
    "words as the note) that count once accepted; `unmapped` lists the capabilities left "
    "unanswered, `refused` the answers that could not be used (cell and reason). "
    "`?dry_run=true` reports the same and records nothing. A file that is not such a "
    "questionnaire, or whose answers map onto nothing, is a 422 naming the file, sheet and "
    "reason.",
)
def upload_questionnaire(
    assessment_id: int, files: dict[str, FileStorage], query: QuestionnaireQuery
) -> QuestionnaireReadOut:
    part = files["file"]
    data = part.stream.read(MAX_READ)
    result = standard_questionnaires.read_into(
        db.session(),
        g.principal,
        assessment_id,
        data,
        part.filename or "questionnaire.xlsx",
        dry_run=query.dry_run,
    )
    return QuestionnaireReadOut.model_validate(result.as_dict())


def _link_out(link: AnswerLink, url: str | None = None) -> AnswerLinkOut:
    out = AnswerLinkOut.model_validate(link)
    out.state = answer_links.state(link)
    out.url = url
    return out


@route(
    bp,
    "/assessments/<int:assessment_id>/answer-links",
    "POST",
    summary="Create an answer link: the vendor answers this assessment without an account",
    tag="assessments",
    scope=suggestions.WRITE_SCOPE,
    body=AnswerLinkIn,
    response=AnswerLinkOut,
    status=201,
    description="The response's `url` carries the secret: it is shown once (only its SHA-256 "
    "is kept). The link opens this assessment's questions and nothing else; answers sent "
    "through it wait as suggestions.",
)
def create_answer_link(assessment_id: int, body: AnswerLinkIn) -> AnswerLinkOut:
    made = answer_links.create(
        db.session(), g.principal, assessment_id, body.days, body.recipient_email, body.single_use
    )
    return _link_out(made.link, url_for("answer_links.show", token=made.token, _external=True))


@route(
    bp,
    "/assessments/<int:assessment_id>/answer-links",
    "GET",
    summary="The assessment's answer links and their state (active, expired, revoked, used)",
    tag="assessments",
    scope=suggestions.READ_SCOPE,
    response=AnswerLinkList,
)
def list_answer_links(assessment_id: int) -> AnswerLinkList:
    return AnswerLinkList(
        items=[_link_out(link) for link in answer_links.list_(db.session(), assessment_id)]
    )


@route(
    bp,
    "/answer-links/<int:link_id>/revoke",
    "POST",
    summary="Revoke an answer link (it stops working at once)",
    tag="assessments",
    scope=suggestions.WRITE_SCOPE,
    response=AnswerLinkOut,
)
def revoke_answer_link(link_id: int) -> AnswerLinkOut:
    return _link_out(answer_links.revoke(db.session(), g.principal, link_id))
