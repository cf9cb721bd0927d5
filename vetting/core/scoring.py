"""Answers + checklist → score, verdict and a per-capability explanation.

The rules: docs/rules.md, "Score".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vetting.core import deadlines
from vetting.core.checklist import NA, Capability, Checklist, Kind, Tier


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
    tier: Tier = Tier.SCORED
    # The answer in words where its value alone would mislead: a deadline keeps its unit and
    # trigger, and an unstated one reads "unstated (60-day legal maximum)", never "60".
    answer_text: str | None = None


@dataclass(frozen=True)
class Score:
    score: float
    verdict: Verdict
    reasons: tuple[str, ...]
    capabilities: tuple[CapabilityResult, ...]
    answered: int
    total: int
    gating_failures: tuple[str, ...] = ()  # gates answered with no credit
    gating_unanswered: tuple[str, ...] = ()  # gates not answered (part of `missing`)
    missing: tuple[str, ...] = ()  # gates and required capabilities not answered
    conditions: tuple[str, ...] = ()  # required capabilities short of full credit, in words
    extra: dict[str, Any] = field(default_factory=dict)


def score_assessment(checklist: Checklist, answers: Mapping[str, AnswerInput]) -> Score:
    """Score = 100 × Σ weight·credit / Σ weight over applicable capabilities.

    N/A (only where the capability allows it) leaves the denominator; an unanswered
    capability stays in it at credit 0; a `discovered` answer is a suggestion that
    counts for nothing until a person accepts it (it is scored as unanswered).

    Verdict, in this order: `incomplete` while a gate or required capability is not
    answered (listing them); `rejected` if a gate has no credit (naming it); `approved` at
    ≥ approve_at unless a required capability is short of full credit (then at best
    `conditional`, each gap a named condition); `conditional` at ≥ conditional_at; else
    `rejected`.
    """
    results: list[CapabilityResult] = []
    earned = 0.0
    possible = 0.0
    gating_failures: list[str] = []
    missing: list[str] = []
    credits: dict[str, float] = {}  # counted, applicable answers
    answered = 0
    for cap in checklist.capabilities:
        ans = answers.get(cap.key)
        # A discovered answer is only a suggestion: it counts for nothing until accepted.
        counted = ans if ans is not None and ans.source != Source.DISCOVERED else None

        if counted is not None and counted.value == NA and cap.allow_na:
            answered += 1
            results.append(
                _result(
                    cap,
                    ans,
                    CapabilityStatus.NA,
                    NA,
                    None,
                    0.0,
                    0.0,
                    "not applicable: excluded from the score",
                )
            )
            continue
        possible += cap.weight
        if counted is None or counted.value == NA:
            if cap.tier != Tier.SCORED:
                missing.append(cap.key)
            status = CapabilityStatus.UNANSWERED
            if ans is not None and counted is None:
                status = CapabilityStatus.SUGGESTED
                why = f"suggested by a scanner ({ans.value!r}): counts for nothing until accepted"
            elif ans is not None:
                why = "N/A is not allowed here: 0 points"
            else:
                why = "not answered: 0 points"
            results.append(
                _result(cap, ans, status, ans.value if ans else None, None, 0.0, cap.weight, why)
            )
            continue
        answered += 1
        credit = cap.credit(counted.value)
        credits[cap.key] = credit
        points = cap.weight * credit
        earned += points
        if cap.tier == Tier.GATE and credit == 0:
            gating_failures.append(cap.key)
        results.append(
            _result(
                cap,
                ans,
                CapabilityStatus.ANSWERED,
                counted.value,
                credit,
                points,
                cap.weight,
                _explain(cap.kind, counted.value, credit, cap.unit) + f" ({cap.describe_rule()})",
            )
        )

    score = round(100.0 * earned / possible, 2) if possible > 0 else 0.0
    by_key = {c.key: c for c in checklist.capabilities}
    conditions = _conditions(checklist, credits)
    # An either/or requirement met by a partner at full credit (MFA when SSO is unanswered)
    # is not missing: nothing more about it is needed to decide.
    missing = [
        k
        for k in missing
        if not any(_full(by_key[p], credits.get(p)) for p in by_key[k].satisfied_by)
    ]

    def named(keys: list[str]) -> str:
        return ", ".join(f"{by_key[k].title} ({k})" for k in keys)

    reasons: list[str] = []
    verdict: Verdict
    if missing:
        verdict = Verdict.INCOMPLETE
        reasons = [f"not answered: {named(missing)}"]
        if gating_failures:
            reasons.append(f"gate already failed: {named(gating_failures)}")
    elif gating_failures:
        verdict = Verdict.REJECTED
        reasons = [f"gate failed: {by_key[k].title} ({k})" for k in gating_failures]
    elif possible <= 0:
        # Everything weighted is N/A: there is nothing to score, so no recommendation.
        verdict = Verdict.INCOMPLETE
        reasons = ["no applicable capability carries weight: nothing to score"]
    elif score >= checklist.approve_at and not conditions:
        verdict = Verdict.APPROVED
        reasons = [f"score {score:g} ≥ approve_at {checklist.approve_at:g}"]
    elif score >= checklist.approve_at:
        verdict = Verdict.CONDITIONAL
        reasons = [
            f"score {score:g} ≥ approve_at {checklist.approve_at:g}, "
            "but a capability required for approval is short of full credit",
            *(f"condition: {c}" for c in conditions),
        ]
    elif score >= checklist.conditional_at:
        verdict = Verdict.CONDITIONAL
        reasons = [
            f"score {score:g} ≥ conditional_at {checklist.conditional_at:g} "
            f"but < approve_at {checklist.approve_at:g}",
            *(f"condition: {c}" for c in conditions),
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
        gating_unanswered=tuple(k for k in missing if by_key[k].tier == Tier.GATE),
        missing=tuple(missing),
        conditions=tuple(conditions) if verdict == Verdict.CONDITIONAL else (),
    )


def _result(
    cap: Capability,
    ans: AnswerInput | None,
    status: CapabilityStatus,
    value: Any,
    credit: float | None,
    points: float,
    possible: float,
    explanation: str,
) -> CapabilityResult:
    """One capability's line of the scorecard."""
    return CapabilityResult(
        key=cap.key,
        title=cap.title,
        theme=cap.theme,
        gating=cap.gating,
        weight=cap.weight,
        status=status,
        value=value,
        credit=credit,
        points=points,
        possible=possible,
        source=ans.source if ans else None,
        evidence_url=ans.evidence_url if ans else None,
        note=ans.note if ans else None,
        explanation=explanation,
        tier=cap.tier,
        answer_text=_answer_text(cap, value),
    )


def _answer_text(cap: Capability, value: Any) -> str | None:
    if cap.kind != Kind.MAX_DAYS or value is None or value == NA:
        return None
    try:
        return deadlines.describe(value)
    except (KeyError, TypeError, ValueError):  # not a deadline: a stored value of another form
        return None


def _full(cap: Capability, credit: float | None) -> bool:
    return credit is not None and credit >= cap.max_credit


def _conditions(checklist: Checklist, credits: Mapping[str, float]) -> list[str]:
    """A named condition for each required capability answered short of full credit.

    A capability with `satisfied_by` is met when it or one of those has full credit; a
    group short of it gives one condition naming them all. N/A answers leave no condition.
    """
    out: list[str] = []
    seen: set[frozenset[str]] = set()
    by_key = {c.key: c for c in checklist.capabilities}
    for cap in checklist.capabilities:
        if cap.tier != Tier.REQUIRED or cap.key not in credits:
            continue
        credit = credits[cap.key]
        if _full(cap, credit):
            continue
        if not cap.satisfied_by:
            out.append(f"{cap.title}: {_shortfall(credit)} — required for approval")
            continue
        group = [cap.key, *cap.satisfied_by]
        if any(_full(by_key[k], credits.get(k)) for k in cap.satisfied_by):
            continue
        if frozenset(group) in seen:
            continue
        seen.add(frozenset(group))
        titles = " or ".join(by_key[k].title for k in group)
        out.append(f"{titles}: none has full credit — one is required for approval")
    return out


def _shortfall(credit: float) -> str:
    return "no credit" if credit == 0 else f"partial credit ({credit:g})"


def _explain(kind: str, value: Any, credit: float, unit: str) -> str:
    if kind == Kind.BOOL:
        shown = "yes" if value else "no"
    elif kind == Kind.MAX_DAYS:
        shown = deadlines.describe(value)
    else:
        shown = f"{value}{' ' + unit if unit else ''}"
    return f"{shown} → credit {credit:g}"
