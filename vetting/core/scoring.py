"""Answers + checklist → score, verdict and a per-capability explanation.

The rules: docs/rules.md, "Score".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from vetting.core import deadlines
from vetting.core.checklist import NA, AttestedGates, Capability, Checklist, Kind, Tier


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


class AnswerInput(NamedTuple):
    """One recorded answer: a value already normalised by Capability.normalise. (A named
    tuple: immutable, and built a million times when every assessment is rescored.)"""

    value: Any
    source: Source
    evidence_url: str | None = None
    note: str | None = None
    evidence_files: int = 0  # files attached to this capability's answer

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_url) or self.evidence_files > 0

    @property
    def counts_as(self) -> Source:
        """The source the verdict and the evidence figure use: `verified` without an evidence
        URL or file (older data) counts as `attested`."""
        if self.source == Source.VERIFIED and not self.has_evidence:
            return Source.ATTESTED
        return self.source


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
    evidence_files: int = 0
    counts_as: Source | None = None  # the source after `verified` without evidence → attested
    # The answer in words where its value alone would mislead: a deadline keeps its unit and
    # trigger, and an unstated one reads "unstated (60-day legal maximum)", never "60".
    answer_text: str | None = None

    @property
    def unsupported(self) -> bool:
        """Marked verified, but with no evidence URL or file: it counts as attested."""
        return self.source == Source.VERIFIED and self.counts_as == Source.ATTESTED


@dataclass(frozen=True)
class EvidenceStrength:
    """How the applicable weight is answered: `verified` (with evidence), `attested` (including
    verified without evidence) and not at all (unanswered, only suggested, N/A where it is
    not allowed). N/A where allowed is not applicable and not counted."""

    verified_weight: float = 0.0
    attested_weight: float = 0.0
    applicable_weight: float = 0.0

    @property
    def unanswered_weight(self) -> float:
        return max(self.applicable_weight - self.verified_weight - self.attested_weight, 0.0)

    def percents(self) -> tuple[int, int, int]:
        """(verified, attested, unanswered) as whole percents adding up to 100 (largest
        remainder), or (0, 0, 0) when nothing is applicable."""
        total = self.applicable_weight
        if total <= 0:
            return (0, 0, 0)
        parts = [self.verified_weight, self.attested_weight, self.unanswered_weight]
        exact = [100.0 * w / total for w in parts]
        whole = [int(x) for x in exact]
        by_remainder = sorted(range(3), key=lambda i: (exact[i] - whole[i], -i), reverse=True)
        for i in by_remainder[: 100 - sum(whole)]:
            whole[i] += 1
        return (whole[0], whole[1], whole[2])

    @property
    def verified(self) -> int:
        return self.percents()[0]

    @property
    def attested(self) -> int:
        return self.percents()[1]

    @property
    def unanswered(self) -> int:
        return self.percents()[2]

    def summary(self) -> str:
        """'Evidence: 62% verified, 30% attested, 8% unanswered'."""
        if self.applicable_weight <= 0:
            return "Evidence: nothing applicable"
        v, a, u = self.percents()
        return f"Evidence: {v}% verified, {a}% attested, {u}% unanswered"


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
    evidence: EvidenceStrength = field(default_factory=EvidenceStrength)
    attested_gates: tuple[str, ...] = ()  # gates answered only `attested` (or verified, no proof)
    unsupported: tuple[str, ...] = ()  # answers marked verified with no evidence attached


# One capability as the tally needs it, worked out once per checklist: key, weight, is a gate,
# is only scored, allows N/A, a choice's option name → credit (None for other kinds), itself.
_Row = tuple[str, float, bool, bool, bool, Mapping[str, float] | None, Capability]


@dataclass(frozen=True)
class ScoringPlan:
    """A checklist prepared for scoring many answer sets (rescoring thousands at once)."""

    checklist: Checklist
    rows: tuple[_Row, ...]
    by_key: Mapping[str, Capability]
    required: tuple[Capability, ...]  # the `required` tier, in checklist order


def plan(checklist: Checklist) -> ScoringPlan:
    rows: list[_Row] = []
    for cap in checklist.capabilities:
        # Options by name (the same lookup Capability.credit makes, without the call).
        table = dict(cap.options) if cap.kind == Kind.CHOICE else None
        rows.append(
            (
                cap.key,
                cap.weight,
                cap.tier == Tier.GATE,
                cap.tier == Tier.SCORED,
                cap.allow_na,
                table,
                cap,
            )
        )
    return ScoringPlan(
        checklist,
        tuple(rows),
        {c.key: c for c in checklist.capabilities},
        tuple(c for c in checklist.capabilities if c.tier == Tier.REQUIRED),
    )


@dataclass
class _Tally:
    """What the loop over the capabilities adds up: all a verdict needs."""

    earned: float = 0.0
    possible: float = 0.0
    answered: int = 0
    verified_weight: float = 0.0
    attested_weight: float = 0.0
    credits: dict[str, float] = field(default_factory=dict)  # counted, applicable answers
    missing: list[str] = field(default_factory=list)
    gating_failures: list[str] = field(default_factory=list)
    attested_gates: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def _tally(
    p: ScoringPlan,
    answers: Mapping[str, AnswerInput],
    results: list[CapabilityResult] | None = None,
) -> _Tally:
    """Add up the answers; with `results`, also write each capability's line (the scorecard).
    The verdict never depends on the lines: rescoring skips them. (Locals and unpacked rows:
    this loop runs a million times when every assessment is rescored.)"""
    earned = possible = verified_weight = attested_weight = 0.0
    answered = 0
    credits: dict[str, float] = {}
    missing: list[str] = []
    gating_failures: list[str] = []
    attested_gates: list[str] = []
    unsupported: list[str] = []
    discovered, verified = Source.DISCOVERED, Source.VERIFIED
    get = answers.get
    for key, weight, gate, scored, allow_na, table, cap in p.rows:
        ans = get(key)
        # A discovered answer is only a suggestion: it counts for nothing until accepted.
        counted = ans if ans is not None and ans.source != discovered else None
        value = counted.value if counted is not None else None
        if counted is not None and allow_na and value == NA:
            answered += 1
            if results is not None:
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
        possible += weight
        if counted is None or value == NA:
            if not scored:
                missing.append(key)
            if results is not None:
                results.append(_unanswered(cap, ans, counted))
            continue
        answered += 1
        # `verified` without an evidence URL or file (older data) counts as `attested`.
        source = counted.source
        if source == verified and (counted.evidence_url or counted.evidence_files):
            verified_weight += weight
        else:
            attested_weight += weight
            if gate:
                attested_gates.append(key)
            if source == verified:
                unsupported.append(key)
        if table is not None and type(value) is str and value in table:
            credit = table[value]
        else:
            credit = cap.credit(value)
        credits[key] = credit
        points = weight * credit
        earned += points
        if gate and credit == 0:
            gating_failures.append(key)
        if results is not None:
            results.append(
                _result(
                    cap,
                    ans,
                    CapabilityStatus.ANSWERED,
                    value,
                    credit,
                    points,
                    weight,
                    _explain(cap.kind, value, credit, cap.unit) + f" ({cap.describe_rule()})",
                )
            )
    return _Tally(
        earned,
        possible,
        answered,
        verified_weight,
        attested_weight,
        credits,
        missing,
        gating_failures,
        attested_gates,
        unsupported,
    )


def _unanswered(
    cap: Capability, ans: AnswerInput | None, counted: AnswerInput | None
) -> CapabilityResult:
    status = CapabilityStatus.UNANSWERED
    if ans is not None and counted is None:
        status = CapabilityStatus.SUGGESTED
        why = f"suggested by a scanner ({ans.value!r}): counts for nothing until accepted"
    elif ans is not None:
        why = "N/A is not allowed here: 0 points"
    else:
        why = "not answered: 0 points"
    return _result(cap, ans, status, ans.value if ans else None, None, 0.0, cap.weight, why)


def score_assessment(checklist: Checklist, answers: Mapping[str, AnswerInput]) -> Score:
    """Score = 100 × Σ weight·credit / Σ weight over applicable capabilities.

    N/A (only where the capability allows it) leaves the denominator; an unanswered
    capability stays in it at credit 0; a `discovered` answer is a suggestion that
    counts for nothing until a person accepts it (it is scored as unanswered).

    Verdict, in this order: `incomplete` while a gate or required capability is not
    answered (listing them); `rejected` if a gate has no credit (naming it); `approved` at
    ≥ approve_at unless a required capability is short of full credit or a gate is answered
    only `attested` (then at best `conditional`, each a named condition; the checklist's
    `[policy] attested_gates = "allowed"` lifts the second); `conditional` at
    ≥ conditional_at; else `rejected`. `verified` without an evidence URL or file counts as
    `attested`.
    """
    results: list[CapabilityResult] = []
    prepared = plan(checklist)
    return _judge(prepared, _tally(prepared, answers, results), results)


def score_many(p: ScoringPlan, answers: Mapping[str, AnswerInput]) -> tuple[float, Verdict]:
    """The score and verdict `score_assessment` gives, without the per-capability lines and
    their explanations: what rescoring thousands of assessments needs."""
    score, verdict, _ = _decide(p, _tally(p, answers))
    return score, verdict


def _decide(p: ScoringPlan, t: _Tally) -> tuple[float, Verdict, list[str]]:
    """The score, the verdict and what is missing, from a tally: the rules, in their order
    (see `score_assessment`), with no words built — rescoring thousands needs only these."""
    checklist, credits, by_key = p.checklist, t.credits, p.by_key
    possible = t.possible
    score = round(100.0 * t.earned / possible, 2) if possible > 0 else 0.0
    # An either/or requirement met by a partner at full credit (MFA when SSO is unanswered)
    # is not missing: nothing more about it is needed to decide.
    missing = [
        k
        for k in t.missing
        if not any(_full(by_key[q], credits.get(q)) for q in by_key[k].satisfied_by)
    ]
    if missing:
        return score, Verdict.INCOMPLETE, missing
    if t.gating_failures:
        return score, Verdict.REJECTED, missing
    if possible <= 0:
        # Everything weighted is N/A: there is nothing to score, so no recommendation.
        return score, Verdict.INCOMPLETE, missing
    if score >= checklist.approve_at:
        short = _conditions(p, credits, first_only=True) or _on_word(p, t)
        return score, Verdict.CONDITIONAL if short else Verdict.APPROVED, missing
    if score >= checklist.conditional_at:
        return score, Verdict.CONDITIONAL, missing
    return score, Verdict.REJECTED, missing


def _on_word(p: ScoringPlan, t: _Tally) -> list[str]:
    """Gates resting on the vendor's word alone (with credit): at best conditional, unless
    the checklist allows it; a gate that failed rejects anyway."""
    if p.checklist.attested_gates != AttestedGates.CONDITIONAL:
        return []
    return [k for k in t.attested_gates if t.credits[k] > 0]


def _judge(p: ScoringPlan, t: _Tally, results: list[CapabilityResult] | None) -> Score:
    """The score and the verdict (`_decide`), with its reasons in words, from a tally."""
    checklist = p.checklist
    possible, credits = t.possible, t.credits
    gating_failures, attested_gates, unsupported = (
        t.gating_failures,
        t.attested_gates,
        t.unsupported,
    )
    answered = t.answered
    verified_weight, attested_weight = t.verified_weight, t.attested_weight
    score, verdict, missing = _decide(p, t)
    by_key = p.by_key
    conditions = _conditions(p, credits)
    word_conditions = [
        f"{by_key[k].title}: marked verified but no evidence attached — attach the evidence"
        if k in unsupported
        else f"{by_key[k].title}: vendor-attested only — verify the evidence"
        for k in _on_word(p, t)
    ]

    def named(keys: list[str]) -> str:
        return ", ".join(f"{by_key[k].title} ({k})" for k in keys)

    reasons: list[str]
    if verdict == Verdict.INCOMPLETE and missing:
        reasons = [f"not answered: {named(missing)}"]
        if gating_failures:
            reasons.append(f"gate already failed: {named(gating_failures)}")
    elif verdict == Verdict.INCOMPLETE:
        reasons = ["no applicable capability carries weight: nothing to score"]
    elif verdict == Verdict.REJECTED and gating_failures:
        reasons = [f"gate failed: {by_key[k].title} ({k})" for k in gating_failures]
    elif verdict == Verdict.REJECTED:
        reasons = [f"score {score:g} < conditional_at {checklist.conditional_at:g}"]
    elif verdict == Verdict.APPROVED:
        reasons = [f"score {score:g} ≥ approve_at {checklist.approve_at:g}"]
    elif score >= checklist.approve_at:
        buts = []
        if conditions:
            buts.append("a capability required for approval is short of full credit")
        if word_conditions:
            buts.append("a gate rests on the vendor's word alone (no verified evidence)")
        reasons = [
            f"score {score:g} ≥ approve_at {checklist.approve_at:g}, but {' and '.join(buts)}",
            *(f"condition: {c}" for c in [*conditions, *word_conditions]),
        ]
    else:
        reasons = [
            f"score {score:g} ≥ conditional_at {checklist.conditional_at:g} "
            f"but < approve_at {checklist.approve_at:g}",
            *(f"condition: {c}" for c in [*conditions, *word_conditions]),
        ]
    return Score(
        score=score,
        verdict=verdict,
        reasons=tuple(reasons),
        capabilities=tuple(results or ()),
        answered=answered,
        total=len(checklist.capabilities),
        gating_failures=tuple(gating_failures),
        gating_unanswered=tuple(k for k in missing if by_key[k].tier == Tier.GATE),
        missing=tuple(missing),
        conditions=(
            tuple([*conditions, *word_conditions]) if verdict == Verdict.CONDITIONAL else ()
        ),
        evidence=EvidenceStrength(verified_weight, attested_weight, possible),
        attested_gates=tuple(attested_gates),
        unsupported=tuple(unsupported),
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
        evidence_files=ans.evidence_files if ans else 0,
        counts_as=ans.counts_as if ans else None,
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


def _conditions(
    p: ScoringPlan, credits: Mapping[str, float], first_only: bool = False
) -> list[str]:
    """A named condition for each required capability answered short of full credit.

    A capability with `satisfied_by` is met when it or one of those has full credit; a
    group short of it gives one condition naming them all. N/A answers leave no condition.
    `first_only`: whether there is any, as a list of at most one (no words worth reading).
    """
    out: list[str] = []
    seen: set[frozenset[str]] = set()
    by_key = p.by_key
    for cap in p.required:
        if cap.key not in credits:
            continue
        credit = credits[cap.key]
        if _full(cap, credit):
            continue
        if not cap.satisfied_by:
            if first_only:
                return [cap.key]
            out.append(f"{cap.title}: {_shortfall(credit)} — required for approval")
            continue
        group = [cap.key, *cap.satisfied_by]
        if any(_full(by_key[k], credits.get(k)) for k in cap.satisfied_by):
            continue
        if first_only:
            return [cap.key]
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
