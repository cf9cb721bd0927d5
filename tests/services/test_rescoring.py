"""`vetting rescore`: every assessment scored again under its pinned checklist; only what
changed is written, audited once; a second run changes nothing."""

from __future__ import annotations

import json
import random

from sqlalchemy import select, update
from sqlmodel import col

from tests.answers import answer_everything
from tests.cli.helpers import invoke
from vetting import auth, db
from vetting.models import Assessment, AuditEvent
from vetting.schemas import AnswerIn, AppCreate, AssessmentCreate, VendorCreate
from vetting.services import apps, assessments, vendors
from vetting.services.rescoring import rescore

ACTOR = auth.CLI_PRINCIPAL


def _assessments(s, checklists, n: int) -> list[int]:
    rng = random.Random(4)
    v = vendors.create(s, ACTOR, VendorCreate(name="Acme Health")).id
    ids = []
    for i in range(n):
        app = apps.create(s, ACTOR, AppCreate(vendor_id=v, name=f"App {i}", platform="web"))
        checklist_id = rng.choice(sorted(checklists))
        a = assessments.create(
            s, ACTOR, checklists, AssessmentCreate(app_id=app.id, checklist_id=checklist_id)
        )
        if i % 3:  # some stay unanswered
            answer_everything(s, checklists[checklist_id], a.id)
            if i % 2:
                assessments.answer(
                    s, ACTOR, a.id, "baa_signed", AnswerIn(value=False, source="attested")
                )
        ids.append(a.id)
    return ids


def test_rescore_stores_what_the_rules_give_and_only_what_changed(app, runner):
    with app.app_context():
        s = db.session()
        checklists = app.extensions["vetting.checklists"]
        ids = _assessments(s, checklists, 9)
        truth = {i: assessments.get(s, i).score.score for i in ids}
        assert rescore(s, "test").changed == 0  # stored under today's rules already
        # As if stored under older rules: three assessments carry a stale score and verdict.
        stale = ids[:3]
        s.execute(
            update(Assessment)
            .where(col(Assessment.id).in_(stale))
            .values(score=1.5, verdict="approved")
        )
        s.commit()
        dry = rescore(s, "test", dry_run=True)
        assert (dry.assessments, dry.changed) == (9, 3)
        assert s.scalar(select(Assessment.score).where(Assessment.id == stale[0])) == 1.5
        events = s.scalar(select(AuditEvent.seq).order_by(col(AuditEvent.seq).desc()).limit(1))

    result = invoke(runner, "rescore", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # the progress bar writes to stderr
    assert (summary["assessments"], summary["changed"]) == (9, 3)
    assert {e["assessment_id"] for e in summary["examples"]} == set(stale)

    with app.app_context():
        s = db.session()
        for i in ids:
            stored = s.get(Assessment, i)
            view = assessments.get(s, i)
            assert (stored.score, stored.verdict) == (view.score.score, view.score.verdict)
            assert stored.score == truth[i]
        last = s.scalars(select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)).one()
        assert last.seq == events + 1 and last.action == "assessment.rescore"
        assert last.after["changed"] == 3
    again = invoke(runner, "rescore")
    assert again.exit_code == 0 and "0 changed" in again.output


def _stale(s, ids: list[int]) -> None:
    s.execute(update(Assessment).where(col(Assessment.id).in_(ids)).values(score=1.5))
    s.commit()


def test_rescore_of_one_checklist_reads_its_answers_and_leaves_the_others(app, runner):
    """`--checklist ID` rescores that checklist's open assessments from their answers (not
    as if unanswered) and does not touch any other checklist's, however stale."""
    with app.app_context():
        s = db.session()
        checklists = app.extensions["vetting.checklists"]
        ids = _assessments(s, checklists, 12)
        truth = {i: assessments.get(s, i).score.score for i in ids}
        of = {i: s.get(Assessment, i).checklist_id for i in ids}
        chosen = of[ids[1]]  # an answered one
        assert len(set(of.values())) > 1 and truth[ids[1]] != 1.5
        _stale(s, ids)

    result = invoke(runner, "assessments", "rescore", "--checklist", chosen, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # the progress goes to stderr
    mine = [i for i in ids if of[i] == chosen]
    assert (summary["checklist"], summary["assessments"]) == (chosen, len(mine))
    assert "rescoring" in result.stderr
    with app.app_context():
        s = db.session()
        for i in ids:
            score = s.scalar(select(Assessment.score).where(Assessment.id == i))
            assert score == (truth[i] if of[i] == chosen else 1.5), (i, of[i])
        last = s.scalars(select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)).one()
        assert last.action == "assessment.rescore" and last.after["checklist"] == chosen


def test_rescore_refuses_an_unknown_checklist_and_writes_nothing(app, runner):
    with app.app_context():
        s = db.session()
        ids = _assessments(s, app.extensions["vetting.checklists"], 3)
        _stale(s, ids)
        events = s.scalar(select(AuditEvent.seq).order_by(col(AuditEvent.seq).desc()).limit(1))
    result = invoke(runner, "assessments", "rescore", "--checklist", "clinical-fotos")
    assert result.exit_code == 2, result.output
    assert "clinical-fotos" in result.output and "clinical-photo" in result.output
    with app.app_context():
        s = db.session()
        assert set(s.scalars(select(Assessment.score).where(col(Assessment.id).in_(ids)))) == {1.5}
        assert s.scalar(select(AuditEvent.seq).order_by(col(AuditEvent.seq).desc()).limit(1)) == (
            events
        )


def test_rescore_reports_progress_up_to_the_total(app, monkeypatch):
    from vetting.services import rescoring

    monkeypatch.setattr(rescoring, "PROGRESS_EVERY", 2)
    with app.app_context():
        s = db.session()
        _assessments(s, app.extensions["vetting.checklists"], 7)
        seen: list[tuple[int, int]] = []
        summary = rescore(s, "test", progress=lambda done, total: seen.append((done, total)))
    assert summary.assessments == 7
    assert [d for d, _ in seen] == [2, 4, 6, 7] and {t for _, t in seen} == {7}
