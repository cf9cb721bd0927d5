"""Evidence that counts (docs/rules.md, "Score"): a gate resting on the vendor's word allows at
best a conditional verdict, `verified` without proof counts as `attested`, `discovered` earns
nothing until a person confirms it, and the evidence figure splits the applicable weight."""

from __future__ import annotations

import pytest

from vetting.core.checklist import NA, AttestedGates, ChecklistError, parse_checklist
from vetting.core.scoring import AnswerInput, EvidenceStrength, Source, score_assessment

PROOF = "https://status.vendor.example/pen-test-summary-2026.pdf"


def ward_checklist(policy: str = "") -> str:
    """Three gates (one may be N/A), one required, one scored; weights 40 + 20 + 10 + 20 + 10."""
    return f"""
id = "ward-tablets"
version = "2.1.0"
title = "Ward tablets"
approve_at = 85
conditional_at = 60
{policy}

[[capabilities]]
key = "baa_signed"
title = "Signed BAA"
question = "Has the vendor signed our BAA?"
kind = "bool"
weight = 40
tier = "gate"
references = ["45 CFR 164.504(e)"]

[[capabilities]]
key = "encryption_at_rest"
title = "Encryption at rest"
question = "Is PHI encrypted on the device and on the vendor's servers?"
kind = "bool"
weight = 20
tier = "gate"
references = ["45 CFR 164.312(a)(2)(iv)"]

[[capabilities]]
key = "offline_cache_wiped"
title = "Offline cache wiped on sign-out"
question = "Is the offline cache wiped when a nurse signs out?"
kind = "bool"
weight = 10
tier = "gate"
allow_na = true
references = ["45 CFR 164.310(d)(2)(iii)"]

[[capabilities]]
key = "sso"
title = "Single sign-on"
question = "Does it sign in through our identity provider?"
kind = "bool"
weight = 20
tier = "required"
references = ["45 CFR 164.312(d)"]

[[capabilities]]
key = "dark_mode"
title = "Dark mode for night shifts"
question = "Does it have a dark mode?"
kind = "bool"
weight = 10
references = ["local usability policy"]
"""


WARD = parse_checklist(ward_checklist(), file="ward.toml")
ALL_KEYS = ("baa_signed", "encryption_at_rest", "offline_cache_wiped", "sso", "dark_mode")


def said(value: object = True) -> AnswerInput:
    return AnswerInput(value, Source.ATTESTED, note="security questionnaire, March")


def checked(value: object = True, url: str | None = PROOF, files: int = 0) -> AnswerInput:
    return AnswerInput(value, Source.VERIFIED, evidence_url=url, evidence_files=files)


def test_all_attested_with_full_credit_is_conditional_not_approved() -> None:
    result = score_assessment(WARD, {k: said() for k in ALL_KEYS})
    assert result.score == 100.0
    assert result.verdict == "conditional"
    assert result.conditions == (
        "Signed BAA: vendor-attested only — verify the evidence",
        "Encryption at rest: vendor-attested only — verify the evidence",
        "Offline cache wiped on sign-out: vendor-attested only — verify the evidence",
    )
    assert result.reasons[0].startswith("score 100 ≥ approve_at 85, but a gate rests on")
    assert result.attested_gates == ("baa_signed", "encryption_at_rest", "offline_cache_wiped")


def test_only_the_gates_left_attested_become_conditions() -> None:
    answers = {k: said() for k in ALL_KEYS}
    answers["baa_signed"] = checked()
    answers["offline_cache_wiped"] = checked(url=None, files=1)  # a screenshot, no URL
    result = score_assessment(WARD, answers)
    assert result.verdict == "conditional"
    assert result.conditions == ("Encryption at rest: vendor-attested only — verify the evidence",)


def test_every_gate_verified_approves_even_with_scored_and_required_attested() -> None:
    answers = {k: checked() for k in ("baa_signed", "encryption_at_rest", "offline_cache_wiped")}
    answers |= {"sso": said(), "dark_mode": said()}
    result = score_assessment(WARD, answers)
    assert (result.verdict, result.conditions) == ("approved", ())


def test_a_gate_answered_na_is_no_condition() -> None:
    answers = {"baa_signed": checked(), "encryption_at_rest": checked()}
    answers |= {"offline_cache_wiped": said(NA), "sso": said(), "dark_mode": said()}
    result = score_assessment(WARD, answers)
    assert result.verdict == "approved"
    assert result.attested_gates == ()


def test_rejections_and_incomplete_assessments_stay_as_they_are() -> None:
    rejected = score_assessment(WARD, {k: said(k != "encryption_at_rest") for k in ALL_KEYS})
    assert rejected.verdict == "rejected"
    assert rejected.conditions == ()
    assert rejected.reasons == ("gate failed: Encryption at rest (encryption_at_rest)",)

    incomplete = score_assessment(WARD, {"baa_signed": said(), "encryption_at_rest": said()})
    assert incomplete.verdict == "incomplete"
    assert incomplete.conditions == ()


def test_a_conditional_score_lists_the_attested_gates_with_the_other_conditions() -> None:
    answers = {k: said() for k in ALL_KEYS} | {"sso": said(False)}  # 80 < 85: conditional
    answers["baa_signed"] = checked()
    result = score_assessment(WARD, answers)
    assert (result.score, result.verdict) == (80.0, "conditional")
    assert result.conditions == (
        "Single sign-on: no credit — required for approval",
        "Encryption at rest: vendor-attested only — verify the evidence",
        "Offline cache wiped on sign-out: vendor-attested only — verify the evidence",
    )


def test_the_checklist_may_allow_attested_gates() -> None:
    lenient = parse_checklist(
        ward_checklist('[policy]\nattested_gates = "allowed"'), file="lenient.toml"
    )
    assert lenient.attested_gates == AttestedGates.ALLOWED
    assert WARD.attested_gates == AttestedGates.CONDITIONAL  # the default
    result = score_assessment(lenient, {k: said() for k in ALL_KEYS})
    assert (result.verdict, result.conditions) == ("approved", ())


@pytest.mark.parametrize("value", ['"sometimes"', '"Allowed"', "true"])
def test_an_unknown_attested_gates_value_is_refused_naming_the_file(value: str) -> None:
    with pytest.raises(ChecklistError, match=r"^strict\.toml: \[policy\] attested_gates must be"):
        parse_checklist(ward_checklist(f"[policy]\nattested_gates = {value}"), file="strict.toml")


def test_verified_without_evidence_counts_as_attested() -> None:
    answers = {k: checked() for k in ALL_KEYS}
    answers["encryption_at_rest"] = checked(url=None)  # older data: marked verified, no proof
    result = score_assessment(WARD, answers)
    assert result.verdict == "conditional"
    assert result.conditions == (
        "Encryption at rest: marked verified but no evidence attached — attach the evidence",
    )
    assert result.unsupported == ("encryption_at_rest",)
    line = next(c for c in result.capabilities if c.key == "encryption_at_rest")
    assert (line.source, line.counts_as, line.unsupported) == ("verified", "attested", True)
    assert result.evidence.percents() == (80, 20, 0)


def test_the_evidence_figure_splits_the_applicable_weight() -> None:
    answers = {
        "baa_signed": checked(),  # 40 verified
        "encryption_at_rest": said(False),  # 20 attested (no credit still counts as answered)
        "offline_cache_wiped": said(NA),  # not applicable: out of the figure
        "dark_mode": AnswerInput(True, Source.DISCOVERED),  # a suggestion: unanswered
    }
    result = score_assessment(WARD, answers)
    assert result.evidence == EvidenceStrength(40.0, 20.0, 90.0)
    # 44.4 / 22.2 / 33.3 → whole percents adding up to 100
    assert result.evidence.percents() == (45, 22, 33)
    assert result.evidence.summary() == "Evidence: 45% verified, 22% attested, 33% unanswered"
    assert score_assessment(WARD, {}).evidence.summary() == (
        "Evidence: 0% verified, 0% attested, 100% unanswered"
    )
    nothing = EvidenceStrength()
    assert (nothing.percents(), nothing.summary()) == ((0, 0, 0), "Evidence: nothing applicable")


def test_discovered_earns_nothing_until_a_person_confirms_it() -> None:
    base = {k: checked() for k in ("baa_signed", "offline_cache_wiped", "sso", "dark_mode")}
    scanned = AnswerInput(True, Source.DISCOVERED, evidence_url=PROOF)
    suggested = score_assessment(WARD, base | {"encryption_at_rest": scanned})
    line = next(c for c in suggested.capabilities if c.key == "encryption_at_rest")
    assert (line.status, line.points, line.credit) == ("suggested", 0.0, None)
    assert suggested.verdict == "incomplete"
    assert suggested.missing == ("encryption_at_rest",)
    assert suggested.evidence.percents() == (80, 0, 20)

    confirmed = score_assessment(WARD, base | {"encryption_at_rest": checked()})
    assert (confirmed.score, confirmed.verdict) == (100.0, "approved")
    taken_on_trust = score_assessment(WARD, base | {"encryption_at_rest": said()})
    assert taken_on_trust.verdict == "conditional"
