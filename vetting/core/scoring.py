"""Answers + checklist → score, verdict and a per-capability explanation.

The rules: docs/rules.md, "Score".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vetting.core.checklist import NA, Checklist, Kind


class Source(StrEnum):
    """Where an answer comes from; a discovered answer counts for nothing until accepted."""

    VERIFIED = "verified"  # a reviewer checked the evidence
    ATTESTED = "attested"  # the vendor says so
    DISCOVERED = "discovered"  # a scanner's suggestion


class Verdict(StrEnum):
    """The recommendation the score gives."""

    APPROVED = "approved"
    CONDITIONAL = "conditional"
    REJECTED = "rejected"
    INCOMPLETE = "incomplete"


class Outcome(StrEnum):
    """What a person decided: like a verdict, but never incomplete."""

    APPROVED = "approved"
    CONDITIONAL = "conditional"
    REJECTED = "rejected"


class CapabilityStatus(StrEnum):
    """How one capability counted in the score."""

    ANSWERED = "answered"
    NA = "na"
    UNANSWERED = "unanswered"
    SUGGESTED = "suggested"  # a discovered answer: scored as unanswered


@dataclass(frozen=True)
class AnswerInput:
    """One recorded answer: a value already normalised by Capability.normalise."""

    value: Any
    source: Source
    evidence_url: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class CapabilityResult:
    key: str
    title: str
    theme: str
    gating: bool
    weight: float
    status: CapabilityStatus
    value: Any
    credit: float | None
    points: float
    possible: float
    source: str | None
    evidence_url: str | None
    note: str | None
    explanation: str


@dataclass(frozen=True)
class Score:
    score: float
    verdict: Verdict
    reasons: tuple[str, ...]
    capabilities: tuple[CapabilityResult, ...]
    answered: int
    total: int
    gating_failures: tuple[str, ...] = ()
    gating_unanswered: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def score_assessment(checklist: Checklist, answers: Mapping[str, AnswerInput]) -> Score:
    """Score = 100 × Σ weight·credit / Σ weight over applicable capabilities.

    N/A (only where the capability allows it) leaves the denominator; an unanswered
    capability stays in it at credit 0; a `discovered` answer is a suggestion that
    counts for nothing until a person accepts it (it is scored as unanswered).
    """
    results: list[CapabilityResult] = []
    earned = 0.0
    possible = 0.0
    gating_failures: list[str] = []
    gating_unanswered: list[str] = []
    answered = 0
    for cap in checklist.capabilities:
        ans = answers.get(cap.key)
        # A discovered answer is only a suggestion: it counts for nothing until accepted.
        counted = ans if ans is not None and ans.source != Source.DISCOVERED else None
        if counted is not None and counted.value == NA and cap.allow_na:
            answered += 1
            results.append(
                CapabilityResult(
                    cap.key,
                    cap.title,
                    cap.theme,
                    cap.gating,
                    cap.weight,
                    CapabilityStatus.NA,
                    NA,
                    None,
                    0.0,
                    0.0,
                    counted.source,
                    counted.evidence_url,
                    counted.note,
                    "not applicable: excluded from the score",
                )
            )
            continue
        possible += cap.weight
        if counted is None or counted.value == NA:
            if cap.gating:
                gating_unanswered.append(cap.key)
            status = CapabilityStatus.UNANSWERED
            if ans is not None and counted is None:
                status = CapabilityStatus.SUGGESTED
                why = f"suggested by a scanner ({ans.value!r}): counts for nothing until accepted"
            elif ans is not None:
                why = "N/A is not allowed here: 0 points"
            else:
                why = "not answered: 0 points"
            results.append(
                CapabilityResult(
                    cap.key,
                    cap.title,
                    cap.theme,
                    cap.gating,
                    cap.weight,
                    status,
                    ans.value if ans else None,
                    None,
                    0.0,
                    cap.weight,
                    ans.source if ans else None,
                    ans.evidence_url if ans else None,
                    ans.note if ans else None,
                    why,
                )
            )
            continue
        answered += 1
        credit = cap.credit(counted.value)
        points = cap.weight * credit
        earned += points
        if cap.gating and credit == 0:
            gating_failures.append(cap.key)
        results.append(
            CapabilityResult(
                cap.key,
                cap.title,
                cap.theme,
                cap.gating,
                cap.weight,
                CapabilityStatus.ANSWERED,
                counted.value,
                credit,
                points,
                cap.weight,
                counted.source,
                counted.evidence_url,
                counted.note,
                _explain(cap.kind, counted.value, credit, cap.unit) + f" ({cap.describe_rule()})",
            )
        )

    score = round(100.0 * earned / possible, 2) if possible > 0 else 0.0
    titles = {c.key: c.title for c in checklist.capabilities}
    reasons: list[str] = []
    verdict: Verdict
    if gating_failures:
        verdict = Verdict.REJECTED
        reasons = [f"must-have failed: {titles[k]} ({k})" for k in gating_failures]
    elif gating_unanswered:
        verdict = Verdict.INCOMPLETE
        reasons = [f"must-have not answered: {titles[k]} ({k})" for k in gating_unanswered]
    elif possible <= 0:
        # Everything weighted is N/A: there is nothing to score, so no recommendation.
        verdict = Verdict.INCOMPLETE
        reasons = ["no applicable capability carries weight: nothing to score"]
    elif score >= checklist.approve_at:
        verdict = Verdict.APPROVED
        reasons = [f"score {score:g} ≥ approve_at {checklist.approve_at:g}"]
    elif score >= checklist.conditional_at:
        verdict = Verdict.CONDITIONAL
        reasons = [
            f"score {score:g} ≥ conditional_at {checklist.conditional_at:g} "
            f"but < approve_at {checklist.approve_at:g}"
        ]
    else:
        verdict = Verdict.REJECTED
        reasons = [f"score {score:g} < conditional_at {checklist.conditional_at:g}"]
    return Score(
        score=score,
        verdict=verdict,
        reasons=tuple(reasons),
        capabilities=tuple(results),
        answered=answered,
        total=len(checklist.capabilities),
        gating_failures=tuple(gating_failures),
        gating_unanswered=tuple(gating_unanswered),
    )


def _explain(kind: str, value: Any, credit: float, unit: str) -> str:
    if kind == Kind.BOOL:
        shown = "yes" if value else "no"
    elif kind == Kind.MAX_DAYS:
        shown = f"{value} days"
    else:
        shown = f"{value}{' ' + unit if unit else ''}"
    return f"{shown} → credit {credit:g}"
