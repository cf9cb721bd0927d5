"""`score_many` (rescoring) gives exactly the score and verdict of `score_assessment`, on
random answer sets of both shipped checklists: N/A where allowed and where not, scanner
suggestions, verified answers with and without evidence, structured deadlines."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.answers import best_value
from vetting.core.checklist import NA, Capability, Kind, load_directory
from vetting.core.scoring import AnswerInput, Source, plan, score_assessment, score_many
from vetting.settings import REPO_ROOT

CHECKLISTS = load_directory(REPO_ROOT / "checklists")


def _value(cap: Capability, rng: random.Random, complete: bool, best: bool = False) -> Any:
    if best:
        return best_value(cap)
    if rng.random() < 0.08 and (cap.allow_na or not complete):
        return NA  # allowed or not: both paths
    if cap.kind == Kind.BOOL:
        return rng.random() < 0.93
    if cap.kind == Kind.CHOICE:
        return rng.choice(cap.options)[0]
    if cap.kind == Kind.MAX_DAYS:
        return cap.normalise(
            rng.choice([1, 3, 9, "72 hours", "5 business days", 45, 90, "unstated"])
        )
    return rng.choice([0, cap.number_levels[-1].min, cap.number_levels[0].min])


def _answers(checklist, rng: random.Random) -> dict[str, AnswerInput]:
    out: dict[str, AnswerInput] = {}
    complete = rng.random() < 0.7  # every gate and required capability answered
    best = complete and rng.random() < 0.4  # full credit everywhere
    sources = [Source.VERIFIED, Source.VERIFIED, Source.ATTESTED]
    for cap in checklist.capabilities:
        if not complete and rng.random() < 0.15:
            continue  # unanswered
        source = rng.choice(sources if complete else [*sources, Source.DISCOVERED])
        url = "https://vendor.example/proof" if rng.random() < 0.6 else None
        files = 1 if url is None and rng.random() < 0.3 else 0
        out[cap.key] = AnswerInput(_value(cap, rng, complete, best), source, url, None, files)
    return out


@pytest.mark.parametrize("checklist_id", sorted(CHECKLISTS))
def test_score_many_is_score_assessment_without_the_lines(checklist_id: str) -> None:
    checklist = CHECKLISTS[checklist_id]
    prepared = plan(checklist)
    rng = random.Random(checklist_id)
    verdicts = set()
    for _ in range(3000):
        answers = _answers(checklist, rng)
        full = score_assessment(checklist, answers)
        assert score_many(prepared, answers) == (full.score, full.verdict), answers
        verdicts.add(full.verdict)
    assert verdicts == {"approved", "conditional", "rejected", "incomplete"}
