"""Rescoring every open assessment under its pinned checklist version: after the scoring rules
change (an upgrade), each stored score and verdict is what the rules give today (a decided one
keeps what it was decided on).

One pass: the answers are streamed in assessment order with plain Core rows, each assessment
is scored by the same tally and verdict rules the pages use (`score_many`: without the
per-capability lines and their explanations), and only the assessments whose score or
verdict changed are written, in batches, with one audit event for the run. Decisions keep
the verdict they were made on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session, col

from vetting import audit
from vetting.core.scoring import AnswerInput, ScoringPlan, Source, plan, score_many
from vetting.core.statuses import AssessmentStatus
from vetting.db import transaction
from vetting.models import AnswerEvidence, Assessment
from vetting.queries.checklists import pinned

BATCH = 5000
PROGRESS_EVERY = 1000  # assessments scored between two calls of the progress callback

Progress = Callable[[int, int], None]  # (scored so far, how many in all)


@dataclass
class RescoreSummary:
    checklist: str | None = None  # only this checklist's assessments (None: all)
    assessments: int = 0
    changed: int = 0
    verdicts_changed: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)  # the first few changes

    def as_dict(self) -> dict[str, Any]:
        return {
            "checklist": self.checklist,
            "assessments": self.assessments,
            "changed": self.changed,
            "verdicts_changed": self.verdicts_changed,
            "examples": self.examples,
        }


_ANSWERS_SQL = (
    "SELECT assessment_id, capability_key, value, source, evidence_url FROM answer{where} "
    "ORDER BY assessment_id, id"
)
# Only the answers of one checklist's open assessments (the marker is the driver's own).
_ONE_CHECKLIST = (
    " WHERE assessment_id IN (SELECT id FROM assessment WHERE checklist_id = {mark} "
    "AND status = {mark})"
)


def _answers(
    s: Session, checklist_id: str | None = None
) -> Iterator[tuple[int, dict[str, AnswerInput]]]:
    """(assessment id, its answers) for every assessment with answers (with `checklist_id`,
    every open one of that checklist), in id order.

    Read with the driver's own cursor (a server-side one on PostgreSQL): at a million answers
    the ORM's per-row processing would cost more than the scoring. SQLite hands the JSON column
    back as text (numbers as numbers), PostgreSQL's driver decodes it; the few distinct texts
    (true, false, option names) are decoded once each.
    """
    files: dict[tuple[int, str], int] = {
        (r[0], r[1]): r[2]
        for r in s.execute(
            select(
                col(AnswerEvidence.assessment_id),
                col(AnswerEvidence.capability_key),
                func.count(),
            ).group_by(col(AnswerEvidence.assessment_id), col(AnswerEvidence.capability_key))
        )
    }
    conn = s.connection()
    raw = conn.connection.dbapi_connection
    assert raw is not None  # a live connection
    server_side = conn.dialect.name == "postgresql"
    cursor = raw.cursor(name="rescore") if server_side else raw.cursor()
    decoded: dict[str, Any] = {}

    def value_of(stored: Any) -> Any:
        if not isinstance(stored, str):
            return stored
        found = decoded.get(stored, decoded)
        if found is decoded:
            found = decoded[stored] = json.loads(stored)
        return found

    sources = {m.value: m for m in Source}
    params: tuple[str, ...] = ()
    if checklist_id is None:
        sql = _ANSWERS_SQL.format(where="")
    else:
        mark = "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"
        where = _ONE_CHECKLIST.format(mark=mark)
        sql, params = _ANSWERS_SQL.format(where=where), (checklist_id, AssessmentStatus.OPEN.value)
    try:
        cursor.execute(sql, params)
        current: int | None = None
        answers: dict[str, AnswerInput] = {}
        while rows := cursor.fetchmany(BATCH):
            for assessment_id, key, value, source, url in rows:
                if assessment_id != current:
                    if current is not None:
                        yield current, answers
                    current, answers = assessment_id, {}
                answers[key] = AnswerInput(
                    value_of(value) if server_side is False else value,
                    sources[source],
                    url,
                    None,
                    files.get((assessment_id, key), 0) if files else 0,
                )
        if current is not None:
            yield current, answers
    finally:
        cursor.close()


def rescore(
    s: Session,
    actor: str,
    dry_run: bool = False,
    *,
    checklist_id: str | None = None,
    progress: Progress | None = None,
) -> RescoreSummary:
    """Score every open assessment (with `checklist_id`, every open one made against any
    version of that checklist) again under its pinned checklist; store what changed. A
    decided assessment keeps the score and verdict it was decided on. `progress(done, total)`
    is called as the scoring goes (every PROGRESS_EVERY assessments, and at the end)."""
    summary = RescoreSummary(checklist=checklist_id)
    only = () if checklist_id is None else (col(Assessment.checklist_id) == checklist_id,)
    stored = {
        r[0]: (r[1], r[2], r[3])
        for r in s.execute(
            select(
                col(Assessment.id),
                col(Assessment.checklist_sha256),
                col(Assessment.score),
                col(Assessment.verdict),
            ).where(col(Assessment.status) == AssessmentStatus.OPEN, *only)
        )
    }
    total = len(stored)
    plans: dict[str, ScoringPlan] = {}
    for sha in {sha for sha, _, _ in stored.values()}:
        plans[sha] = plan(pinned(s, sha))
    changes: list[dict[str, Any]] = []
    answered: set[int] = set()
    empty = {sha: score_many(p, {}) for sha, p in plans.items()}

    def compare(assessment_id: int, score: float, verdict: str) -> None:
        _, old_score, old_verdict = stored[assessment_id]
        summary.assessments += 1
        if progress is not None and summary.assessments % PROGRESS_EVERY == 0:
            progress(summary.assessments, total)
        if (old_score, old_verdict) == (score, verdict):
            return
        summary.changed += 1
        summary.verdicts_changed += old_verdict != verdict
        change = {"b_id": assessment_id, "score": score, "verdict": verdict}
        changes.append(change)
        if len(summary.examples) < 20:
            summary.examples.append(
                {
                    "assessment_id": assessment_id,
                    "score": [old_score, score],
                    "verdict": [old_verdict, verdict],
                }
            )

    for assessment_id, answers in _answers(s, checklist_id):
        answered.add(assessment_id)
        if assessment_id not in stored:
            continue
        compare(assessment_id, *score_many(plans[stored[assessment_id][0]], answers))
    for assessment_id, (sha, _, _) in stored.items():
        if assessment_id not in answered:
            compare(assessment_id, *empty[sha])
    if progress is not None:
        progress(summary.assessments, total)
    if dry_run or not changes:
        return summary
    with transaction(s):
        stmt = (
            update(Assessment)
            .where(col(Assessment.id) == bindparam("b_id"))
            .values(score=bindparam("score"), verdict=bindparam("verdict"))
        )
        conn = s.connection()
        for start in range(0, len(changes), BATCH):
            conn.execute(stmt, changes[start : start + BATCH])
        audit.record(
            s,
            actor,
            "assessment.rescore",
            "assessment",
            None,
            None,
            json.loads(json.dumps(summary.as_dict(), default=str)),
        )
    s.expire_all()
    return summary
