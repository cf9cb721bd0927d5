"""Answer links: a vendor answers one assessment without an account.

Procurement creates a link for an open assessment (an expiry, optionally the recipient's
e-mail, single use or until revoked/expired) and gets its secret once; only its SHA-256 is
kept. The vendor opening it sees that assessment's questions and nothing else, answers them
(the same validation and wording as ours) or uploads their CAIQ / HECVAT, and submits: the
answers become pending `attested` suggestions for a person to review. Every use is audited;
every presentation of a secret is throttled per client address (a wrong one counts as a
failed attempt, the same counters as sign-in), so guessing stops.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from integrations.spreadsheets import questionnaire as qworkbook
from integrations.spreadsheets import reading
from vetting import audit, auth, clock
from vetting.auth import Principal
from vetting.core.checklist import AnswerValueError, Checklist
from vetting.core.signin import ThrottleRules
from vetting.core.statuses import AssessmentStatus, OriginKind
from vetting.db import transaction
from vetting.errors import FieldError, Invalid, NotFound
from vetting.models import AnswerLink, Assessment
from vetting.queries.checklists import pinned
from vetting.services import questionnaires, signin, standard_questionnaires, suggestions
from vetting.services.common import get_or_404

MAX_DAYS = 90  # the longest a link may live
KIND = "answer-link"
NOT_VALID = "this answer link is not valid (mistyped, expired, revoked or already used)"


@dataclass(frozen=True)
class Created:
    link: AnswerLink
    token: str  # the secret: shown once, never stored


@dataclass(frozen=True)
class Opened:
    link: AnswerLink
    assessment: Assessment
    checklist: Checklist
    actor: Principal  # the link itself, allowed only to propose answers


def state(link: AnswerLink) -> str:
    """active | expired | revoked | used"""
    if link.revoked_at is not None:
        return "revoked"
    if link.single_use and link.submissions > 0:
        return "used"
    if link.expires_at <= clock.now():
        return "expired"
    return "active"


def create(
    s: Session,
    actor: Principal,
    assessment_id: int,
    days: int,
    recipient_email: str | None = None,
    single_use: bool = True,
) -> Created:
    actor.require(suggestions.WRITE_SCOPE)
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"a link lives 1 to {MAX_DAYS} days", "days")
    email = (recipient_email or "").strip().lower() or None
    if email is not None and ("@" not in email or len(email) > 320 or " " in email):
        raise Invalid("is not an e-mail address", "recipient_email")
    token = secrets.token_urlsafe(32)
    with transaction(s):
        suggestions.open_assessment(s, assessment_id)
        link = AnswerLink(
            assessment_id=assessment_id,
            token_sha256=auth.hash_token(token),
            recipient_email=email,
            single_use=single_use,
            expires_at=clock.now() + timedelta(days=days),
            created_by=actor.name,
        )
        s.add(link)
        s.flush()
        audit.record(
            s, actor.name, "answer_link.create", "assessment", assessment_id, None,
            audit.snapshot(link, exclude=("token_sha256",)),
        )  # fmt: skip
    return Created(link, token)


def list_(s: Session, assessment_id: int) -> list[AnswerLink]:
    get_or_404(s, Assessment, assessment_id, "assessment")
    return list(
        s.scalars(
            select(AnswerLink)
            .where(col(AnswerLink.assessment_id) == assessment_id)
            .order_by(col(AnswerLink.id).desc())
        ).all()
    )


def revoke(s: Session, actor: Principal, link_id: int) -> AnswerLink:
    actor.require(suggestions.WRITE_SCOPE)
    with transaction(s):
        link = get_or_404(s, AnswerLink, link_id, "answer link")
        if link.revoked_at is None:
            before = audit.snapshot(link, exclude=("token_sha256",))
            link.revoked_at = clock.now()
            link.revoked_by = actor.name
            audit.record(
                s, actor.name, "answer_link.revoke", "assessment", link.assessment_id, before,
                audit.snapshot(link, exclude=("token_sha256",)),
            )  # fmt: skip
    return link


def _principal(link: AnswerLink) -> Principal:
    name = f"answer-link:{link.id}"
    return Principal(
        name,
        "vendor",
        frozenset({suggestions.PROPOSE_SCOPE}),
        kind="link",
        person=link.recipient_email or name,
    )


def open_link(
    s: Session, token: str, ip: str, rules: ThrottleRules, *, action: str = "open"
) -> Opened:
    """The link this secret opens, audited as `answer_link.<action>`; 404 for anything but an
    active link (and a failed attempt counted for the client), 429 while throttled."""
    reserved = signin.reserve_attempt(s, KIND, ip, rules, "answer-link attempts")
    token = (token or "").strip()
    with transaction(s):
        link = (
            s.scalars(
                select(AnswerLink).where(col(AnswerLink.token_sha256) == auth.hash_token(token))
            ).first()
            if 20 <= len(token) <= 100
            else None
        )
        if link is None:
            raise NotFound(NOT_VALID)
        assessment = get_or_404(s, Assessment, link.assessment_id, "assessment")
        why = state(link)
        if why == "active" and assessment.status == AssessmentStatus.DECIDED:
            why = "assessment decided"
        if why != "active":  # a real link used too late: on the record, then refused
            audit.record(
                s, f"answer-link:{link.id}", "answer_link.refused", "assessment", assessment.id,
                None, {"link_id": link.id, "ip": ip, "action": action, "state": why},
            )  # fmt: skip
    if why != "active":
        raise NotFound(NOT_VALID)
    with transaction(s):
        signin.give_back(s, reserved, rules)
        audit.record(
            s, f"answer-link:{link.id}", f"answer_link.{action}", "assessment", assessment.id,
            None, {"link_id": link.id, "ip": ip},
        )  # fmt: skip
    return Opened(link, assessment, pinned(s, assessment.checklist_sha256), _principal(link))


@dataclass(frozen=True)
class VendorAnswer:
    value: Any  # as typed: "yes", an option name, "72 hours", a number, "n/a"
    comment: str = ""


def submit_answers(
    s: Session, token: str, ip: str, rules: ThrottleRules, answers: Mapping[str, VendorAnswer]
) -> int:
    """The vendor's answers as pending suggestions; errors name `<key>.value` with the same
    words as our answer form; all or none. Returns how many were recorded."""
    opened = open_link(s, token, ip, rules, action="submit")
    checklist = opened.checklist
    errors: list[FieldError] = []
    items: list[suggestions.NewSuggestion] = []
    for key, given in answers.items():
        cap = checklist.capability(key)
        if cap is None:
            errors.append(FieldError(key, f"checklist {checklist.id} has no capability {key!r}"))
            continue
        try:
            value = cap.normalise(given.value)
        except AnswerValueError as exc:
            errors.append(FieldError(f"{key}.value", str(exc)))
            continue
        comment = " ".join(given.comment.split())[:2000]
        note = f"Answered by the vendor through answer link {opened.link.id}"
        items.append(
            suggestions.NewSuggestion(
                key,
                value,
                OriginKind.LINK,
                f"answer link {opened.link.id}",
                note=f'{note}. Vendor: "{comment}"' if comment else note,
            )
        )
    if not errors and not items:
        errors.append(FieldError(None, "answer at least one question"))
    if errors:
        raise Invalid("", errors=errors)
    with transaction(s):
        _use(s, opened.link)
        suggestions.create_within(s, opened.actor, opened.assessment.id or 0, items)
    return len(items)


def submit_workbook(
    s: Session,
    token: str,
    ip: str,
    rules: ThrottleRules,
    data: bytes,
    filename: str,
    secret: str = "",
) -> int:
    """The vendor's workbook read into pending suggestions: our own questionnaire workbook
    (services/questionnaires.py, checked with `secret`, the key it was signed with), or a
    CAIQ / HECVAT (services/standard_questionnaires.py). Returns how many were suggested."""
    opened = open_link(s, token, ip, rules, action="upload")
    assert opened.assessment.id is not None  # a row read from the table
    link = opened.link
    if secret and _is_ours(data, filename):
        report = questionnaires.suggest_from_file(
            s,
            opened.actor,
            opened.assessment.id,
            data,
            filename,
            secret,
            before_record=lambda s: _use(s, link),
        )
        return report.changed
    result = standard_questionnaires.read_into(
        s,
        opened.actor,
        opened.assessment.id,
        data,
        filename,
        before_record=lambda s: _use(s, link),
    )
    return len(result.applied.proposals)


def questionnaire(
    s: Session, token: str, ip: str, rules: ThrottleRules, secret: str
) -> questionnaires.Exported:
    """The questionnaire workbook of the link's assessment, for the vendor to fill in and
    upload through the same link (opening it is audited as `answer_link.download`)."""
    opened = open_link(s, token, ip, rules, action="download")
    assert opened.assessment.id is not None  # a row read from the table
    return questionnaires.workbook_of(s, opened.assessment.id, secret)


def _is_ours(data: bytes, filename: str) -> bool:
    """Whether an upload is a questionnaire workbook exported by Vetting (its _meta sheet)."""
    try:
        book = reading.open_workbook(reading.check(data, filename or "upload.xlsx"))
    except reading.SpreadsheetError:
        return False  # the standard readers refuse it with their own words
    return qworkbook.META in book.sheetnames


def _use(s: Session, link: AnswerLink) -> None:
    """Count a submission, the link's row locked: of two submissions racing through a
    single-use link, the second finds it used (404) and records nothing."""
    row = s.scalars(
        select(AnswerLink)
        .where(col(AnswerLink.id) == link.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if state(row) != "active":
        raise NotFound(NOT_VALID)
    row.submissions += 1
    row.last_submitted_at = clock.now()
