"""The controls on a decision, as pure rules (docs/rules.md, "Decisions")."""

from __future__ import annotations

from datetime import date

import pytest

from vetting.core.allowlist import AppFacts, BaaFacts, DecisionFacts, approved_list
from vetting.core.baa import BaaLifecycle, BaaTerms
from vetting.core.decisions import (
    ConditionFacts,
    Confirmation,
    DecisionRules,
    Pins,
    RecordedDecision,
    confirmation_state,
    justification_problem,
    overdue,
    pin_changes,
    second_person_reason,
    shortfalls,
)

D = date(2026, 10, 1)


@pytest.mark.parametrize(
    ("decision", "verdict", "needs"),
    [
        ("approved", "rejected", True),
        ("conditional", "rejected", True),
        ("approved", "incomplete", True),
        ("approved", "conditional", True),
        ("conditional", "conditional", False),
        ("conditional", "approved", False),  # stricter than the verdict
        ("approved", "approved", False),
        ("rejected", "approved", False),
        ("rejected", "incomplete", False),
    ],
)
def test_only_decisions_more_permissive_than_the_verdict_need_a_second_person(
    decision, verdict, needs
):
    assert (second_person_reason(decision, verdict) is not None) is needs


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (None, False),
        ("", False),
        (".", False),
        ("." * 40, False),  # punctuation is not a reason
        ("a b c d e f g h i j k l m n o p q r s", False),  # 19 letters
        ("a b c d e f g h i j k l m n o p q r s t", True),  # 20
        ("Vendor fixed it in 4.2; see ticket 88", True),
    ],
)
def test_a_justification_counts_letters_and_digits(text, ok):
    assert (justification_problem(text, 20) is None) is ok


def test_a_condition_is_due_through_its_due_date_and_met_from_its_day():
    c = ConditionFacts("SSO enforced", date(2026, 12, 31))
    assert overdue([c], date(2026, 12, 31)) == []
    assert overdue([c], date(2027, 1, 1)) == ["condition 'SSO enforced' overdue since 2026-12-31"]
    met_late = ConditionFacts("SSO enforced", date(2026, 12, 31), met_on=date(2027, 1, 5))
    assert overdue([met_late], date(2027, 1, 4)) != []
    assert overdue([met_late], date(2027, 1, 5)) == []
    met_early = ConditionFacts("SSO enforced", date(2026, 12, 31), met_on=date(2026, 12, 1))
    assert overdue([met_early], date(2027, 6, 1)) == []


def test_pin_changes_name_what_changed_in_words():
    pins = Pins("ios", "com.acme.cam", 7, "Acme")
    assert pin_changes(pins, "ios", "com.acme.cam", 7, D) == []
    assert pin_changes(pins, "ios", "com.evil.cam", 7, D) == [
        "store ID changed since the decision of 2026-10-01 (was com.acme.cam, now com.evil.cam)"
    ]
    assert pin_changes(pins, "ios", None, 7, D) == [
        "store ID changed since the decision of 2026-10-01 (was com.acme.cam, now none)"
    ]
    assert pin_changes(pins, "android", "com.acme.cam", 8, D) == [
        "platform changed since the decision of 2026-10-01 (was ios, now android)",
        "vendor changed since the decision of 2026-10-01 (was Acme)",
    ]
    # A decision recorded before pinning binds nothing.
    assert pin_changes(Pins(None, None, None), "web", "x", 1, D) == []


def test_confirmation_counts_from_its_day():
    on = date(2026, 10, 5)
    assert confirmation_state(False, None, None, on) == Confirmation.NOT_NEEDED
    assert confirmation_state(True, None, None, on) == Confirmation.PENDING
    assert confirmation_state(True, on, None, on) == Confirmation.CONFIRMED
    assert confirmation_state(True, date(2026, 10, 6), None, on) == Confirmation.PENDING
    assert confirmation_state(True, None, on, on) == Confirmation.REFUSED


def test_rules_cap_validity_and_default_within_the_cap():
    rules = DecisionRules(default_months=36, max_months=24)
    assert rules.latest_valid_until(date(2026, 2, 28)) == date(2028, 2, 28)
    assert rules.default_valid_until(date(2026, 1, 31)) == date(2028, 1, 31)


def test_shortfalls_mark_what_an_older_decision_lacks():
    old = RecordedDecision(
        decision="approved",
        verdict="rejected",
        justification=".",
        decided_on=date(2025, 1, 1),
        valid_until=date(2099, 12, 31),
        needs_confirmation=False,
        conditions=(),
    )
    assert shortfalls(old, DecisionRules()) == [
        "not confirmed by a second person (approved although the verdict is rejected)",
        "justification shorter than 20 letters or digits for a decision that differs from "
        "the verdict",
        "valid for more than 24 months",
    ]
    free_text = RecordedDecision(
        "conditional", "conditional", None, D, date(2027, 10, 1), False, (), "camera roll off"
    )
    assert shortfalls(free_text, DecisionRules()) == [
        "conditions are free text, without a due date or an owner"
    ]
    none_at_all = RecordedDecision(
        "conditional", "conditional", None, D, date(2027, 10, 1), False, (), None
    )
    assert shortfalls(none_at_all, DecisionRules()) == [
        "a conditional approval with no conditions recorded"
    ]


# --- on the list -------------------------------------------------------------------------------

APP = AppFacts(1, "Acme Camera", "ios", "com.acme.cam", 7, "Acme")
BAA = {7: [BaaFacts(1, BaaTerms(date(2026, 1, 1), None, status=BaaLifecycle.ACTIVE))]}


def decision(**kw) -> DecisionFacts:
    base: dict = {
        "decision": "approved",
        "decided_on": D,
        "decided_by": "a@x.org",
        "valid_until": date(2027, 10, 1),
        "assessment_id": 1,
    }
    return DecisionFacts(**{**base, **kw})


def reason(d: DecisionFacts, on: date, app: AppFacts = APP) -> str | None:
    result = approved_list(on, [app], {1: d}, BAA)
    if result.entries:
        return None
    return result.excluded[0].reason


def test_a_pending_decision_keeps_the_app_off_until_confirmed():
    d = decision(
        needs_confirmation=True,
        confirmation_reason="approved although the verdict is rejected",
        confirmed_on=date(2026, 10, 3),
        confirmed_by="b@x.org",
    )
    assert reason(d, date(2026, 10, 2)) == (
        "approved 2026-10-01 by a@x.org awaits a second person's confirmation "
        "(approved although the verdict is rejected)"
    )
    assert reason(d, date(2026, 10, 3)) is None
    entry = approved_list(date(2026, 10, 3), [APP], {1: d}, BAA).entries[0]
    assert entry.reason.startswith("approved 2026-10-01 by a@x.org, confirmed by b@x.org;")


def test_a_refused_decision_keeps_the_app_off():
    d = decision(needs_confirmation=True, refused_on=date(2026, 10, 2), refused_by="b@x.org")
    assert (
        reason(d, date(2026, 10, 9)) == "approved 2026-10-01 by a@x.org was refused by "
        "b@x.org 2026-10-02"
    )


def test_overdue_conditions_and_changed_pins_each_give_a_reason():
    d = decision(
        decision="conditional",
        pins=Pins("ios", "com.acme.old", 7, "Acme"),
        condition_items=(ConditionFacts("MDM block", date(2026, 11, 1)),),
    )
    assert reason(d, date(2026, 11, 2)) == (
        "condition 'MDM block' overdue since 2026-11-01; store ID changed since the decision of "
        "2026-10-01 (was com.acme.old, now com.acme.cam)"
    )
