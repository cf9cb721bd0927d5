"""Score, verdict and explanation (docs/rules.md, "Score" and "Breach-notification days")."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vetting.core.checklist import (
    NA,
    Capability,
    Checklist,
    Tier,
    load_checklist,
    parse_checklist,
)
from vetting.core.scoring import AnswerInput, score_assessment

from .builders import cap, checklist_text

CHECKLISTS = Path(__file__).resolve().parents[2] / "checklists"
# Where a reviewer saw the proof: a verified answer needs it to count as verified.
SEEN = "https://trust.vendor.example/soc2-letter"

# Weights 10 + 8 + 7 + 3 + 2 = 30.
SMALL = parse_checklist(
    checklist_text(
        [
            cap("baa_signed", weight=10, gating=True),
            cap(
                "breach_notification_days",
                kind="max_days",
                weight=8,
                gating=True,
                unstated_days=60,
                levels=[{"max_days": 10, "credit": 1.0}, {"max_days": 60, "credit": 0.5}],
            ),
            cap(
                "key_custody",
                kind="choice",
                weight=7,
                options={"customer_managed": 1.0, "vendor_only": 0.3, "none": 0.0},
            ),
            cap(
                "audit_log_retention_years",
                kind="min_number",
                weight=3,
                levels=[{"min": 6, "credit": 1.0}, {"min": 1, "credit": 0.4}],
            ),
            cap("legal_hold", weight=2, allow_na=True),
        ]
    ),
    file="small.toml",
)


def normalised(
    checklist: Checklist, source: str = "verified", **raw: Any
) -> dict[str, AnswerInput]:
    out = {}
    for key, value in raw.items():
        capability = checklist.capability(key)
        assert capability is not None, key
        url = SEEN if source == "verified" else None
        out[key] = AnswerInput(capability.normalise(value), source, url)  # type: ignore[arg-type]
    return out


TYPICAL = dict(
    baa_signed=True,
    breach_notification_days="unstated",
    key_custody="vendor_only",
    audit_log_retention_years=2,
    legal_hold=True,
)

# ------------------------------------------------------------------- worked examples


def test_worked_example_weights_each_credit_by_its_capability() -> None:
    # 10·1 + 8·0.5 + 7·0.3 + 3·0.4 + 2·1 = 19.3 of 30 → 64.33
    result = score_assessment(SMALL, normalised(SMALL, **TYPICAL))
    assert result.score == 64.33
    assert result.verdict == "conditional"
    assert result.reasons == ("score 64.33 ≥ conditional_at 60 but < approve_at 80",)
    assert (result.answered, result.total) == (5, 5)


def test_worked_example_na_leaves_the_denominator() -> None:
    # legal_hold N/A: 17.3 of 28 → 61.79
    result = score_assessment(SMALL, normalised(SMALL, **{**TYPICAL, "legal_hold": "n/a"}))
    assert result.score == 61.79
    assert result.verdict == "conditional"
    assert result.answered == 5
    hold = next(c for c in result.capabilities if c.key == "legal_hold")
    assert (hold.status, hold.credit, hold.points, hold.possible) == ("na", None, 0.0, 0.0)


def test_worked_example_unanswered_capability_stays_in_the_denominator_at_zero() -> None:
    # no audit_log_retention_years: 18.1 of 30 → 60.33
    partial = {k: v for k, v in TYPICAL.items() if k != "audit_log_retention_years"}
    result = score_assessment(SMALL, normalised(SMALL, **partial))
    assert result.score == 60.33
    assert result.answered == 4
    missing = next(c for c in result.capabilities if c.key == "audit_log_retention_years")
    assert (missing.status, missing.points, missing.possible) == ("unanswered", 0.0, 3.0)
    assert missing.explanation == "not answered: 0 points"


def test_worked_example_best_answers_score_one_hundred_and_approve() -> None:
    best = normalised(
        SMALL,
        baa_signed="yes",
        breach_notification_days="72 hours",
        key_custody="customer_managed",
        audit_log_retention_years=6,
        legal_hold=True,
    )
    result = score_assessment(SMALL, best)
    assert (result.score, result.verdict) == (100.0, "approved")
    assert result.reasons == ("score 100 ≥ approve_at 80",)


def test_worked_example_low_score_is_rejected_below_conditional_at() -> None:
    # 10 + 4 + 0 + 0 + 0 = 14 of 30 → 46.67
    result = score_assessment(
        SMALL,
        normalised(
            SMALL,
            baa_signed=True,
            breach_notification_days=30,
            key_custody="none",
            audit_log_retention_years=0,
            legal_hold=False,
        ),
    )
    assert (result.score, result.verdict) == (46.67, "rejected")
    assert result.reasons == ("score 46.67 < conditional_at 60",)
    assert result.gating_failures == ()


def test_explanation_carries_value_credit_points_source_and_evidence() -> None:
    given_answers = normalised(SMALL, **TYPICAL)
    given_answers["breach_notification_days"] = AnswerInput(
        60, "attested", evidence_url="https://example.test/baa.pdf", note="clause 7"
    )
    result = score_assessment(SMALL, given_answers)
    breach = next(c for c in result.capabilities if c.key == "breach_notification_days")
    assert (breach.status, breach.value, breach.credit, breach.points, breach.possible) == (
        "answered",
        60,
        0.5,
        4.0,
        8.0,
    )
    assert (breach.source, breach.evidence_url, breach.note) == (
        "attested",
        "https://example.test/baa.pdf",
        "clause 7",
    )
    assert breach.explanation == (  # a plain int: an answer stored before deadlines kept words
        "60 calendar days → credit 0.5 (≤10 days → 1, ≤60 days → 0.5, more → 0; "
        "unstated = the 60-day legal maximum)"
    )
    assert [c.key for c in result.capabilities] == SMALL.keys


# ------------------------------------------------------------------- verdict rules


def test_gating_capability_at_zero_credit_rejects_naming_it_whatever_the_score() -> None:
    result = score_assessment(
        SMALL,
        normalised(
            SMALL,
            **{
                **TYPICAL,
                "baa_signed": False,
                "key_custody": "customer_managed",
                "audit_log_retention_years": 10,
            },
        ),
    )
    assert result.verdict == "rejected"
    assert result.gating_failures == ("baa_signed",)
    assert result.reasons == ("gate failed: Title of baa_signed (baa_signed)",)


def test_a_failed_gate_with_another_gate_unanswered_is_incomplete_saying_the_gate_failed() -> None:
    """Incomplete is not rejected (until then only a person can reject); the failed gate is
    still named. Before tiers this was `rejected`."""
    result = score_assessment(SMALL, normalised(SMALL, baa_signed=False))
    assert result.verdict == "incomplete"
    assert result.gating_failures == ("baa_signed",)
    assert result.gating_unanswered == ("breach_notification_days",)
    assert result.missing == ("breach_notification_days",)
    assert result.reasons == (
        "not answered: Title of breach_notification_days (breach_notification_days)",
        "gate already failed: Title of baa_signed (baa_signed)",
    )


def test_unanswered_gating_capability_makes_the_verdict_incomplete() -> None:
    partial = {k: v for k, v in TYPICAL.items() if k != "baa_signed"}
    result = score_assessment(SMALL, normalised(SMALL, **partial))
    assert result.verdict == "incomplete"
    assert result.gating_unanswered == ("baa_signed",)
    assert result.missing == ("baa_signed",)
    assert result.reasons == ("not answered: Title of baa_signed (baa_signed)",)


def test_empty_assessment_is_incomplete_with_score_zero() -> None:
    result = score_assessment(SMALL, {})
    assert (result.score, result.verdict, result.answered) == (0.0, "incomplete", 0)


# Five equal bool capabilities: each yes is worth exactly 20 points.
FIVE = parse_checklist(checklist_text([cap(f"c{i}x", weight=2) for i in range(5)]))


def test_an_either_or_requirement_met_by_its_partner_is_not_missing(photo: Checklist) -> None:
    """MFA at full credit meets "SSO or MFA": SSO left unanswered must not make it incomplete
    (which would allow only a rejection)."""
    answers = _best_answers(photo)
    del answers["sso_saml_oidc"]
    result = score_assessment(photo, answers)
    assert "sso_saml_oidc" not in result.missing
    assert result.verdict != "incomplete"
    del answers["mfa"]
    both_missing = score_assessment(photo, answers)
    assert both_missing.verdict == "incomplete"
    assert {"sso_saml_oidc", "mfa"} <= set(both_missing.missing)


@pytest.mark.parametrize(
    ("yes", "score", "verdict"),
    [
        (5, 100.0, "approved"),
        (4, 80.0, "approved"),  # exactly approve_at
        (3, 60.0, "conditional"),  # exactly conditional_at
        (2, 40.0, "rejected"),
        (0, 0.0, "rejected"),
    ],
)
def test_thresholds_are_inclusive(yes: int, score: float, verdict: str) -> None:
    given_answers = {f"c{i}x": AnswerInput(i < yes, "verified", SEEN) for i in range(5)}
    result = score_assessment(FIVE, given_answers)
    assert (result.score, result.verdict) == (score, verdict)


def test_just_below_approve_at_is_conditional() -> None:
    checklist = parse_checklist(
        checklist_text([cap("a_yes", weight=79), cap("b_no", weight=21)], approve_at=80)
    )
    result = score_assessment(
        checklist,
        {
            "a_yes": AnswerInput(True, "verified", SEEN),
            "b_no": AnswerInput(False, "verified", SEEN),
        },
    )
    assert (result.score, result.verdict) == (79.0, "conditional")


def test_discovered_answer_is_a_suggestion_that_counts_for_nothing() -> None:
    given_answers = normalised(SMALL, **TYPICAL)
    given_answers["baa_signed"] = AnswerInput(True, "discovered")
    result = score_assessment(SMALL, given_answers)
    assert result.verdict == "incomplete"
    assert result.score == 31.0  # 9.3 of 30: baa_signed's 10 points not earned
    baa = next(c for c in result.capabilities if c.key == "baa_signed")
    assert (baa.status, baa.credit, baa.points) == ("suggested", None, 0.0)
    assert "counts for nothing until accepted" in baa.explanation


def test_discovered_failure_on_a_gating_capability_does_not_reject() -> None:
    given_answers = normalised(SMALL, **TYPICAL)
    given_answers["baa_signed"] = AnswerInput(False, "discovered")
    assert score_assessment(SMALL, given_answers).verdict == "incomplete"


def test_na_on_a_capability_that_does_not_allow_it_is_not_excluded() -> None:
    given_answers = normalised(SMALL, **TYPICAL)
    given_answers["key_custody"] = AnswerInput(NA, "verified", SEEN)
    result = score_assessment(SMALL, given_answers)
    custody = next(c for c in result.capabilities if c.key == "key_custody")
    assert (custody.status, custody.possible) == ("unanswered", 7.0)
    assert custody.explanation == "N/A is not allowed here: 0 points"  # not "by a scanner"
    assert result.score == 57.33  # 17.2 of 30, not 17.2 of 23


# ------------------------------------------------------------------- breach-notification days


@pytest.fixture(scope="module")
def photo() -> Checklist:
    return load_checklist(CHECKLISTS / "clinical-photo.toml")


def _best_answers(checklist: Checklist) -> dict[str, AnswerInput]:
    """Every capability answered with a full-credit value."""
    out: dict[str, AnswerInput] = {}
    for c in checklist.capabilities:
        if c.kind == "bool":
            value: Any = True
        elif c.kind == "max_days":
            value = c.days_levels[0].max_days
        elif c.kind == "choice":
            value = max(c.options, key=lambda o: o[1])[0]
        else:
            value = c.number_levels[0].min
        out[c.key] = AnswerInput(value, "verified", SEEN)
    return out


def _with_breach(checklist: Checklist, raw: Any) -> dict[str, AnswerInput]:
    breach = checklist.capability("breach_notification_days")
    assert breach is not None
    out = _best_answers(checklist)
    out["breach_notification_days"] = AnswerInput(breach.normalise(raw), "verified", SEEN)
    return out


def test_unstated_breach_days_earn_partial_credit_not_failure(photo: Checklist) -> None:
    result = score_assessment(photo, _with_breach(photo, "unstated"))
    breach = next(c for c in result.capabilities if c.key == "breach_notification_days")
    assert (breach.value["days"], breach.value["stated"], breach.credit) == (60, False, 0.3)
    assert breach.answer_text == "unstated (60-day legal maximum)"
    assert breach.explanation.startswith("unstated (60-day legal maximum) → credit 0.3 (")
    assert result.gating_failures == ()
    assert result.verdict == "approved"
    total = sum(c.weight for c in photo.capabilities)
    assert result.score == round(100 * (total - 8 * 0.7) / total, 2)  # 8 × 0.7 points lost


def test_sixty_one_breach_days_fail_the_gating_capability(photo: Checklist) -> None:
    result = score_assessment(photo, _with_breach(photo, 61))
    assert result.verdict == "rejected"
    assert result.gating_failures == ("breach_notification_days",)
    assert "breach_notification_days" in result.reasons[0]


def test_seventy_two_hours_earn_full_breach_credit(photo: Checklist) -> None:
    result = score_assessment(photo, _with_breach(photo, "72 hours"))
    breach = next(c for c in result.capabilities if c.key == "breach_notification_days")
    assert (breach.value["days"], breach.credit) == (3, 1.0)
    assert (result.score, result.verdict) == (100.0, "approved")


def test_five_business_days_are_seven_calendar_days_and_the_second_step(photo: Checklist) -> None:
    result = score_assessment(photo, _with_breach(photo, "5 business days"))
    breach = next(c for c in result.capabilities if c.key == "breach_notification_days")
    assert (breach.value["days"], breach.credit) == (7, 0.8)


# ------------------------------------------------------------------- properties

KEY_NAMES = [f"cap_{i}" for i in range(8)]


CREDITS = st.sampled_from([0.0, 0.2, 0.4, 0.5, 0.7, 1.0])


@st.composite
def raw_capabilities(draw: st.DrawFn, key: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["bool", "max_days", "choice", "min_number"]))
    fields: dict[str, Any] = {
        "kind": kind,
        "weight": draw(st.sampled_from([0, 0.25, 1, 2, 3, 5, 7.5, 10])),
        "allow_na": draw(st.booleans()),
    }
    tier = draw(st.sampled_from(["gate", "required", "scored", "old-gating", "old-plain"]))
    if tier.startswith("old-"):
        fields["gating"] = tier == "old-gating"  # the older form still loads
    else:
        fields["tier"] = tier
    if kind in ("max_days", "min_number"):
        n = draw(st.integers(1, 3))
        cuts = draw(st.lists(st.integers(0, 90), min_size=n, max_size=n, unique=True))
        credits = sorted(draw(st.lists(CREDITS, min_size=n, max_size=n)), reverse=True)
        if kind == "max_days":
            fields["levels"] = [
                {"max_days": d, "credit": c} for d, c in zip(sorted(cuts), credits, strict=True)
            ]
            if draw(st.booleans()):
                fields["unstated_days"] = 60
        else:
            fields["levels"] = [
                {"min": m, "credit": c}
                for m, c in zip(sorted(cuts, reverse=True), credits, strict=True)
            ]
    elif kind == "choice":
        n = draw(st.integers(2, 4))
        fields["options"] = {name: draw(CREDITS) for name in "abcd"[:n]}
    return cap(key, **fields)


@st.composite
def checklists(draw: st.DrawFn) -> Checklist:
    n = draw(st.integers(1, 6))
    caps = [draw(raw_capabilities(KEY_NAMES[i])) for i in range(n)]
    if sum(c["weight"] for c in caps) <= 0:
        caps[0]["weight"] = 1
    conditional_at = draw(st.integers(0, 100))
    approve_at = draw(st.integers(conditional_at, 100))
    return parse_checklist(
        checklist_text(caps, approve_at=approve_at, conditional_at=conditional_at)
    )


def values_for(c: Capability) -> st.SearchStrategy[Any]:
    if c.kind == "bool":
        return st.booleans()
    if c.kind == "max_days":
        return st.integers(0, 120) | st.just(60)
    if c.kind == "choice":
        return st.sampled_from([name for name, _ in c.options])
    return st.integers(0, 100) | st.sampled_from([0.5, 2.5, 6.25])


@st.composite
def answer_sets(draw: st.DrawFn, checklist: Checklist) -> dict[str, AnswerInput]:
    out: dict[str, AnswerInput] = {}
    for c in checklist.capabilities:
        choice = draw(st.sampled_from(["absent", "value", "value", "na"]))
        if choice == "absent":
            continue
        value = NA if choice == "na" and c.allow_na else draw(values_for(c))
        source = draw(st.sampled_from(["verified", "attested"]))
        out[c.key] = AnswerInput(value, source)
    return out


@st.composite
def assessed(draw: st.DrawFn) -> tuple[Checklist, dict[str, AnswerInput]]:
    checklist = draw(checklists())
    return checklist, draw(answer_sets(checklist))


PROPERTY = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _counts(c: Capability, a: AnswerInput | None) -> bool:
    return a is not None and a.source != "discovered" and a.value != NA


def _zero_credit_value(c: Capability) -> Any:
    if c.kind == "bool":
        return False
    if c.kind == "max_days":
        return c.days_levels[-1].max_days + 1
    if c.kind == "choice":
        return next((name for name, credit in c.options if credit == 0), None)
    return 0 if c.credit(0) == 0 else None


@PROPERTY
@given(assessed())
def test_score_is_always_between_0_and_100(case: tuple[Checklist, dict[str, AnswerInput]]) -> None:
    checklist, given_answers = case
    result = score_assessment(checklist, given_answers)
    assert 0.0 <= result.score <= 100.0
    assert result.verdict in {"approved", "conditional", "rejected", "incomplete"}


@PROPERTY
@given(assessed(), st.data())
def test_raising_one_answers_credit_never_lowers_the_score(
    case: tuple[Checklist, dict[str, AnswerInput]], data: st.DataObject
) -> None:
    checklist, given_answers = case
    c = data.draw(st.sampled_from(checklist.capabilities))
    before = given_answers.get(c.key)
    old_credit = c.credit(before.value) if _counts(c, before) else 0.0
    assume(before is None or before.value != NA)
    better = [v for v in _candidates(c) if c.credit(v) >= old_credit]
    new_value = data.draw(st.sampled_from(better))
    raised = {**given_answers, c.key: AnswerInput(new_value, "verified", SEEN)}
    assert (
        score_assessment(checklist, raised).score
        >= score_assessment(checklist, given_answers).score
    )


def _candidates(c: Capability) -> list[Any]:
    if c.kind == "bool":
        return [False, True]
    if c.kind == "max_days":
        return list(range(0, 121, 3))
    if c.kind == "choice":
        return [name for name, _ in c.options]
    return [0, 0.5, 1, 2, 5, 6, 10, 20, 45, 90, 100]


def _settled(c: Capability, a: AnswerInput | None) -> bool:
    """Answered for the verdict: a counted value, or N/A where the capability allows it."""
    return a is not None and a.source != "discovered" and (a.value != NA or c.allow_na)


def _with_tier(checklist: Checklist, index: int, **changes: Any) -> Checklist:
    caps = list(checklist.capabilities)
    caps[index] = dataclasses.replace(caps[index], **changes)
    return dataclasses.replace(checklist, capabilities=tuple(caps))


def _settle_the_rest(
    checklist: Checklist, answers: dict[str, AnswerInput], data: st.DataObject
) -> dict[str, AnswerInput]:
    """Answer every gate and required capability left open (until then: incomplete)."""
    out = dict(answers)
    for c in checklist.capabilities:
        if c.tier != Tier.SCORED and not _settled(c, out.get(c.key)):
            out[c.key] = AnswerInput(data.draw(values_for(c)), "verified", SEEN)  # type: ignore[arg-type]
    return out


@PROPERTY
@given(assessed(), st.data())
def test_any_gate_at_zero_credit_means_rejected_once_gates_and_required_are_answered(
    case: tuple[Checklist, dict[str, AnswerInput]], data: st.DataObject
) -> None:
    checklist, given_answers = case
    index = data.draw(st.integers(0, len(checklist.capabilities) - 1))
    target = checklist.capabilities[index]
    zero = _zero_credit_value(target)
    assume(zero is not None)
    checklist = _with_tier(checklist, index, tier=Tier.GATE)
    failing = {**given_answers, target.key: AnswerInput(zero, "attested")}  # type: ignore[arg-type]
    failing = _settle_the_rest(checklist, failing, data)
    result = score_assessment(checklist, failing)
    assert result.verdict == "rejected"
    assert result.missing == ()
    assert any(f"({target.key})" in reason for reason in result.reasons)
    # every answered gating capability at credit 0 is named, in checklist order
    assert list(result.gating_failures) == [
        c.key
        for c in checklist.capabilities
        if c.gating and _counts(c, failing.get(c.key)) and c.credit(failing[c.key].value) == 0
    ]


@PROPERTY
@given(assessed(), st.data())
def test_a_gate_or_required_capability_not_answered_means_incomplete_naming_it(
    case: tuple[Checklist, dict[str, AnswerInput]], data: st.DataObject
) -> None:
    checklist, given_answers = case
    index = data.draw(st.integers(0, len(checklist.capabilities) - 1))
    tier = data.draw(st.sampled_from([Tier.GATE, Tier.REQUIRED]))
    checklist = _with_tier(checklist, index, tier=tier, allow_na=False)
    target = checklist.capabilities[index]
    how = data.draw(st.sampled_from(["absent", "na-not-allowed", "discovered"]))
    open_ = {k: v for k, v in given_answers.items() if k != target.key}
    if how == "na-not-allowed":
        open_[target.key] = AnswerInput(NA, "verified", SEEN)  # type: ignore[arg-type]
    elif how == "discovered":
        open_[target.key] = AnswerInput(data.draw(values_for(target)), "discovered")  # type: ignore[arg-type]
    result = score_assessment(checklist, open_)
    assert result.verdict == "incomplete"
    assert target.key in result.missing
    assert f"({target.key})" in result.reasons[0]


@PROPERTY
@given(assessed(), st.data())
def test_a_required_capability_short_of_full_credit_is_never_approved(
    case: tuple[Checklist, dict[str, AnswerInput]], data: st.DataObject
) -> None:
    checklist, given_answers = case
    index = data.draw(st.integers(0, len(checklist.capabilities) - 1))
    checklist = _with_tier(checklist, index, tier=Tier.REQUIRED, satisfied_by=())
    target = checklist.capabilities[index]
    short = [v for v in _candidates(target) if target.credit(v) < target.max_credit]
    assume(short)
    answers = {
        **given_answers,
        target.key: AnswerInput(data.draw(st.sampled_from(short)), "verified", SEEN),
    }  # type: ignore[arg-type]
    result = score_assessment(checklist, _settle_the_rest(checklist, answers, data))
    assert result.verdict != "approved"
    if result.verdict == "conditional":
        assert any(c.startswith(f"{target.title}: ") for c in result.conditions)


@PROPERTY
@given(assessed(), st.data())
def test_tiers_never_change_the_score(
    case: tuple[Checklist, dict[str, AnswerInput]], data: st.DataObject
) -> None:
    checklist, given_answers = case
    tiers = data.draw(
        st.lists(
            st.sampled_from(list(Tier)),
            min_size=len(checklist.capabilities),
            max_size=len(checklist.capabilities),
        )
    )
    retiered = dataclasses.replace(
        checklist,
        capabilities=tuple(
            dataclasses.replace(c, tier=t, satisfied_by=())
            for c, t in zip(checklist.capabilities, tiers, strict=True)
        ),
    )
    a, b = score_assessment(checklist, given_answers), score_assessment(retiered, given_answers)
    assert a.score == b.score
    assert [c.tier for c in b.capabilities] == tiers


@PROPERTY
@given(assessed(), st.data())
def test_na_answer_scores_as_if_the_capability_were_not_in_the_checklist(
    case: tuple[Checklist, dict[str, AnswerInput]], data: st.DataObject
) -> None:
    checklist, given_answers = case
    index = data.draw(st.integers(0, len(checklist.capabilities) - 1))
    caps = list(checklist.capabilities)
    target = dataclasses.replace(caps[index], allow_na=True)
    caps[index] = target
    with_na = dataclasses.replace(checklist, capabilities=tuple(caps))
    without = dataclasses.replace(
        checklist, capabilities=tuple(c for c in caps if c.key != target.key)
    )
    na_answers = {**given_answers, target.key: AnswerInput(NA, "verified", SEEN)}
    rest = {k: v for k, v in given_answers.items() if k != target.key}
    a, b = score_assessment(with_na, na_answers), score_assessment(without, rest)
    assert (a.score, a.verdict, a.reasons) == (b.score, b.verdict, b.reasons)


@PROPERTY
@given(assessed(), st.data())
def test_discovered_answers_count_for_nothing(
    case: tuple[Checklist, dict[str, AnswerInput]], data: st.DataObject
) -> None:
    checklist, given_answers = case
    suggested_keys = data.draw(st.sets(st.sampled_from(checklist.keys), min_size=1))
    with_suggestions = dict(given_answers)
    for key in suggested_keys:
        c = checklist.capability(key)
        assert c is not None
        with_suggestions[key] = AnswerInput(data.draw(values_for(c)), "discovered")
    without = {k: v for k, v in given_answers.items() if k not in suggested_keys}
    a, b = score_assessment(checklist, with_suggestions), score_assessment(checklist, without)
    assert (a.score, a.verdict, a.reasons, a.answered) == (
        b.score,
        b.verdict,
        b.reasons,
        b.answered,
    )


def test_all_weighted_capabilities_na_gives_no_recommendation() -> None:
    from vetting.core.checklist import parse_checklist
    from vetting.core.scoring import AnswerInput, score_assessment

    checklist = parse_checklist(
        """
id = "tiny"
version = "1"
title = "Tiny"
approve_at = 80
conditional_at = 0
[[capabilities]]
key = "legal_hold"
title = "Legal hold"
question = "Legal hold?"
kind = "bool"
weight = 3
allow_na = true
references = ["45 CFR 164.316(b)(2)(i)"]
"""
    )
    result = score_assessment(checklist, {"legal_hold": AnswerInput("n/a", "verified", SEEN)})
    assert result.score == 0.0
    assert result.verdict == "incomplete"
    assert result.reasons == ("no applicable capability carries weight: nothing to score",)


# ------------------------------------------------------------------- what a compliance officer
# tried (issue 10, "Why"): the shipped checklists must not approve any of these.


@pytest.fixture(scope="module")
def messaging() -> Checklist:
    return load_checklist(CHECKLISTS / "secure-messaging.toml")


def _best_but(checklist: Checklist, **raw: Any) -> dict[str, AnswerInput]:
    out = _best_answers(checklist)
    for key, value in raw.items():
        c = checklist.capability(key)
        assert c is not None, key
        out[key] = AnswerInput(c.normalise(value), "verified", SEEN)  # type: ignore[arg-type]
    return out


def test_everything_best_but_no_audit_logging_is_rejected_naming_it(photo: Checklist) -> None:
    result = score_assessment(photo, _best_but(photo, audit_logging=False))
    assert result.score >= photo.approve_at  # the score alone would approve (96 before tiers)
    assert result.verdict == "rejected"
    assert result.gating_failures == ("audit_logging",)
    assert result.reasons == ("gate failed: Audit controls for image activity (audit_logging)",)


def test_no_mfa_and_no_sso_is_at_best_conditional_with_a_named_condition(
    photo: Checklist,
) -> None:
    result = score_assessment(photo, _best_but(photo, sso_saml_oidc="none", mfa="none"))
    assert result.score >= photo.approve_at  # 92.7: approved before tiers
    assert result.verdict == "conditional"
    assert result.conditions == (
        "Single sign-on (SAML / OIDC) or Multi-factor authentication: none has full credit"
        " — one is required for approval",
    )
    assert "condition: " + result.conditions[0] in result.reasons


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({"sso_saml_oidc": "sso_enforced", "mfa": "none"}, "approved"),
        ({"sso_saml_oidc": "none", "mfa": "phishing_resistant"}, "approved"),
        ({"sso_saml_oidc": "none", "mfa": "otp_or_push"}, "conditional"),
        ({"end_to_end_encryption": False, "key_custody": "customer_managed"}, "approved"),
        ({"end_to_end_encryption": True, "key_custody": "vendor_only"}, "approved"),
        ({"end_to_end_encryption": False, "key_custody": "vendor_only"}, "conditional"),
    ],
)
def test_either_or_requirements_are_met_by_full_credit_on_either(
    photo: Checklist, changes: dict[str, Any], verdict: str
) -> None:
    """SSO or MFA; end-to-end encryption or customer-held keys (satisfied_by)."""
    assert score_assessment(photo, _best_but(photo, **changes)).verdict == verdict


def test_sso_rbac_retention_hold_logoff_screenshots_and_log_years_at_zero_is_not_approved(
    photo: Checklist,
) -> None:
    result = score_assessment(
        photo,
        _best_but(
            photo,
            sso_saml_oidc="none",
            rbac_admin_controls=False,
            configurable_retention="indefinite",
            legal_hold=False,
            automatic_logoff="none",
            screenshot_copy_paste_restriction="none",
            audit_log_retention_years=0,
        ),
    )
    assert result.score >= photo.approve_at  # 81.5: approved before tiers
    assert result.verdict == "conditional"
    assert result.conditions == (
        "Granular admin controls and role-based access: no credit — required for approval",
        "Configurable retention: no credit — required for approval",
        "Legal hold: no credit — required for approval",
    )


def test_required_partial_credit_is_a_condition_naming_the_credit(photo: Checklist) -> None:
    result = score_assessment(photo, _best_but(photo, mdm_app_protection="partial_support"))
    assert result.verdict == "conditional"
    assert result.conditions == (
        "MDM / app-protection integration: partial credit (0.5) — required for approval",
    )


def test_messaging_with_phi_in_notifications_gallery_attachments_and_exif_is_rejected(
    messaging: Checklist,
) -> None:
    result = score_assessment(
        messaging,
        _best_but(
            messaging,
            phi_free_notifications=False,
            attachments_stay_in_app=False,
            attachment_metadata_stripping=False,
            audit_logging=False,
            mfa="none",
        ),
    )
    assert result.verdict == "rejected"  # 82.9 and approved before tiers
    assert result.gating_failures == (
        "attachments_stay_in_app",
        "phi_free_notifications",
        "audit_logging",
    )


@pytest.mark.parametrize(
    ("key", "value", "verdict"),
    [
        ("phi_free_notifications", False, "rejected"),  # PHI in notifications / SMS fallback
        ("attachments_stay_in_app", False, "rejected"),  # saved to the camera roll
        ("attachment_metadata_stripping", False, "conditional"),  # EXIF kept
        ("audit_logging", False, "rejected"),
    ],
)
def test_each_messaging_leak_alone_is_not_approved(
    messaging: Checklist, key: str, value: Any, verdict: str
) -> None:
    result = score_assessment(messaging, _best_but(messaging, **{key: value}))
    assert result.score >= messaging.approve_at
    assert result.verdict == verdict


@pytest.mark.parametrize("cid", ["clinical-photo", "secure-messaging"])
def test_only_the_gates_answered_is_incomplete_listing_the_required_not_rejected(
    cid: str,
) -> None:
    checklist = load_checklist(CHECKLISTS / f"{cid}.toml")
    best = _best_answers(checklist)
    gates_only = {c.key: best[c.key] for c in checklist.capabilities if c.tier == "gate"}
    result = score_assessment(checklist, gates_only)
    assert result.score < checklist.conditional_at  # 33.8: rejected before tiers
    assert result.verdict == "incomplete"
    required = tuple(c.key for c in checklist.capabilities if c.tier == "required")
    assert result.missing == required
    assert result.gating_unanswered == ()
    assert result.reasons[0].startswith("not answered: ")


def test_a_gate_answered_na_where_na_is_not_allowed_is_incomplete(photo: Checklist) -> None:
    answers = _best_answers(photo)
    answers["baa_signed"] = AnswerInput(NA, "verified", SEEN)  # type: ignore[arg-type]
    result = score_assessment(photo, answers)
    assert result.verdict == "incomplete"
    assert result.missing == ("baa_signed",)
    assert result.reasons == ("not answered: Business Associate Agreement signed (baa_signed)",)


def test_na_on_a_gate_that_allows_it_is_answered(messaging: Checklist) -> None:
    """An app that cannot send attachments: attachments_stay_in_app is N/A, not missing."""
    answers = _best_answers(messaging)
    for key in ("attachments_stay_in_app", "attachment_metadata_stripping"):
        answers[key] = AnswerInput(NA, "verified", SEEN)  # type: ignore[arg-type]
    assert score_assessment(messaging, answers).verdict == "approved"


def test_a_discovered_answer_leaves_a_required_capability_missing(photo: Checklist) -> None:
    answers = _best_answers(photo)
    answers["legal_hold"] = AnswerInput(True, "discovered")  # type: ignore[arg-type]
    result = score_assessment(photo, answers)
    assert (result.verdict, result.missing) == ("incomplete", ("legal_hold",))


def test_each_capability_result_carries_its_tier(photo: Checklist) -> None:
    result = score_assessment(photo, _best_answers(photo))
    assert {c.key: c.tier for c in result.capabilities} == {
        c.key: c.tier for c in photo.capabilities
    }
    assert result.verdict == "approved"
    assert (result.missing, result.conditions) == ((), ())
