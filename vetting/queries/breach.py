"""The register's breach clause as the source of an assessment's breach answer: which BAA it
is for an app, and where an assessment's answer differs from it (vetting/core/breach.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting.core.breach import (
    ANSWER_KEY,
    Candidate,
    clause_from,
    difference,
    source_of,
    words,
)
from vetting.core.checklist import Capability, Checklist, Kind
from vetting.core.scoring import Source
from vetting.models import BAA, Answer, App, Assessment, BaaApp, Vendor
from vetting.queries.checklists import pinned
from vetting.services.baas import terms_of


@dataclass(frozen=True)
class BreachSource:
    """The BAA an app's breach answer answers to, and its clause."""

    baa_id: int
    vendor_name: str
    clause: dict[str, Any]

    @property
    def words(self) -> str:
        return words(self.clause)


@dataclass(frozen=True)
class BreachCheck:
    """An assessment's breach answer against its source."""

    source: BreachSource
    answer: dict[str, Any] | None  # the counted answer, structured; None: not answered
    message: str | None  # the difference in words; None: they agree (or no answer)

    @property
    def differs(self) -> bool:
        return self.message is not None

    @property
    def answer_words(self) -> str:
        return words(self.answer) if self.answer is not None else "not answered"


def capability(checklist: Checklist) -> Capability | None:
    """The checklist's breach-deadline capability, if it has one."""
    cap = checklist.capability(ANSWER_KEY)
    return cap if cap is not None and cap.kind == Kind.MAX_DAYS else None


def _candidates(s: Session, vendor_id: int) -> list[tuple[BAA, Candidate]]:
    baas = list(s.scalars(select(BAA).where(col(BAA.vendor_id) == vendor_id)).all())
    scoped: dict[int, set[int]] = defaultdict(set)
    ids = [b.id for b in baas]
    if ids:
        for baa_id, app_id in s.execute(
            select(col(BaaApp.baa_id), col(BaaApp.app_id)).where(col(BaaApp.baa_id).in_(ids))
        ):
            scoped[baa_id].add(app_id)
    return [
        (b, Candidate(b.id or 0, terms_of(b), b.all_products, frozenset(scoped[b.id or 0])))
        for b in baas
    ]


def _source(
    found: list[tuple[BAA, Candidate]], vendor_name: str, app_id: int, on: date
) -> BreachSource | None:
    baa_id = source_of((c for _, c in found), app_id, on)
    if baa_id is None:
        return None
    baa = next(b for b, _ in found if b.id == baa_id)
    clause = clause_from(baa)
    return BreachSource(baa_id, vendor_name, clause) if clause is not None else None


def source_for(s: Session, app_id: int, on: date) -> BreachSource | None:
    """The breach clause an app's assessments answer to on `on`: that of the newest signed BAA
    in force covering the app, when it records one; None otherwise."""
    row = s.execute(
        select(col(App.vendor_id), col(Vendor.name))
        .join(Vendor, col(Vendor.id) == App.vendor_id)
        .where(col(App.id) == app_id)
    ).first()
    if row is None:
        return None
    return _source(_candidates(s, row[0]), row[1], app_id, on)


def answer_of(cap: Capability, value: Any, source: str) -> dict[str, Any] | None:
    """A stored answer in its structured form; None for a scanner's suggestion (it counts for
    nothing until a person accepts it) or a value that no longer reads."""
    if source == Source.DISCOVERED:
        return None
    try:
        normal = cap.normalise(value)
    except ValueError:
        return None
    return dict(normal) if isinstance(normal, Mapping) else None


def check(
    s: Session, app_id: int, checklist: Checklist, answers: Iterable[Answer], on: date
) -> BreachCheck | None:
    """The assessment's breach answer against the register; None when the checklist has no
    breach question or no BAA in force covering the app records a clause."""
    cap = capability(checklist)
    if cap is None:
        return None
    source = source_for(s, app_id, on)
    if source is None:
        return None
    row = next((a for a in answers if a.capability_key == cap.key), None)
    answer = answer_of(cap, row.value, row.source) if row is not None else None
    return BreachCheck(source, answer, difference(source.vendor_name, source.clause, answer))


@dataclass(frozen=True)
class AppDifference:
    app_id: int
    app_name: str
    assessment_id: int
    answer: str
    message: str


def differences(s: Session, baa: BAA, on: date) -> list[AppDifference]:
    """The apps this BAA is the breach source of on `on` whose latest assessment answers the
    breach question differently from its clause (an unanswered one is not a difference)."""
    clause = clause_from(baa)
    if clause is None:
        return []
    vendor_name = s.scalar(select(col(Vendor.name)).where(col(Vendor.id) == baa.vendor_id)) or ""
    found = _candidates(s, baa.vendor_id)
    apps = s.execute(
        select(col(App.id), col(App.name))
        .where(col(App.vendor_id) == baa.vendor_id)
        .order_by(col(App.name), col(App.id))
    ).all()
    mine = [(a, n) for a, n in apps if source_of((c for _, c in found), a, on) == baa.id]
    if not mine:
        return []
    latest = dict(
        s.execute(
            select(col(Assessment.app_id), func.max(Assessment.id))
            .where(col(Assessment.app_id).in_([a for a, _ in mine]))
            .group_by(col(Assessment.app_id))
        ).all()
    )
    out: list[AppDifference] = []
    for app_id, name in mine:
        assessment_id = latest.get(app_id)
        if assessment_id is None:
            continue
        assessment = s.get(Assessment, assessment_id)
        assert assessment is not None
        cap = capability(pinned(s, assessment.checklist_sha256))
        if cap is None:
            continue
        row = s.scalar(
            select(Answer).where(
                col(Answer.assessment_id) == assessment_id, col(Answer.capability_key) == cap.key
            )
        )
        answer = answer_of(cap, row.value, row.source) if row is not None else None
        message = difference(vendor_name, clause, answer)
        if answer is not None and message is not None:
            out.append(AppDifference(app_id, name, assessment_id, words(answer), message))
    return out
