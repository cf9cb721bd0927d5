"""Breach-notification answers keep their words (docs/rules.md, "Breach-notification days"):
value, unit, what starts the clock and the clause, with the worst-case calendar days."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vetting.core.checklist import AnswerValueError, Checklist, load_checklist
from vetting.core.deadlines import business_days_to_calendar, describe, parse_deadline
from vetting.core.scoring import AnswerInput, score_assessment

CHECKLISTS = Path(__file__).resolve().parents[2] / "checklists"


@pytest.fixture(scope="module")
def messaging() -> Checklist:
    return load_checklist(CHECKLISTS / "secure-messaging.toml")


def _breach(checklist: Checklist, raw: Any) -> tuple[dict[str, Any], float, str]:
    cap = checklist.capability("breach_notification_days")
    assert cap is not None
    value = cap.normalise(raw)
    return value, cap.credit(value), describe(value)


@pytest.mark.parametrize(
    ("n", "calendar"),
    [(1, 3), (2, 4), (4, 6), (5, 7), (6, 10), (9, 13), (10, 14), (11, 17)],
)
def test_business_days_count_the_weekend_in_the_worst_case(n: int, calendar: int) -> None:
    """Started on a Friday, one business day ends on Monday: 3 calendar days."""
    assert business_days_to_calendar(n) == calendar


def test_a_structured_answer_keeps_value_unit_trigger_and_quote(messaging: Checklist) -> None:
    clause = "Vendor notifies Customer within two (2) business days after it discovers a Breach."
    value, credit, words = _breach(
        messaging, {"value": 2, "unit": "business_days", "trigger": "discovery", "quote": clause}
    )
    assert value == {
        "days": 4,
        "value": 2,
        "unit": "business_days",
        "trigger": "discovery",
        "quote": clause,
        "stated": True,
    }
    assert credit == 0.8  # 4 calendar days: above the 3-day step
    assert words == "2 business days (4 calendar days at worst) from discovery"


def test_hours_round_up_to_whole_days(messaging: Checklist) -> None:
    value, credit, words = _breach(messaging, {"value": 49, "unit": "hours"})
    assert (value["days"], credit) == (3, 1.0)
    assert words == "49 hours (3 calendar days, rounded up)"
    assert _breach(messaging, "73 hours")[0]["days"] == 4


def test_business_days_across_a_weekend_can_drop_a_credit_step(messaging: Checklist) -> None:
    """8 business days can span 12 calendar days: past the 10-day step."""
    value, credit, _ = _breach(messaging, "8 business days")
    assert (value["days"], credit) == (12, 0.5)


@pytest.mark.parametrize(
    "raw",
    [
        "without unreasonable delay",
        "unstated",
        {"stated": False, "quote": "promptly after discovery", "trigger": "discovery"},
    ],
)
def test_a_deadline_without_a_number_is_the_sixty_day_maximum_in_words(
    messaging: Checklist, raw: Any
) -> None:
    value, credit, words = _breach(messaging, raw)
    assert (value["days"], value["stated"], value["value"]) == (60, False, None)
    assert credit == 0.3  # lawful, but weak
    assert words.startswith("unstated (60-day legal maximum)")
    assert "60" not in words.replace("60-day legal maximum", "")


def test_wording_is_kept_as_the_quote_and_its_trigger_is_read(messaging: Checklist) -> None:
    value, _, _ = _breach(messaging, "Without unreasonable delay after discovery")
    assert value["quote"] == "Without unreasonable delay after discovery"
    assert value["trigger"] == "discovery"
    clause, _, words = _breach(messaging, "notice within 5 days of the vendor's confirmation")
    assert (clause["value"], clause["unit"], clause["trigger"]) == (
        5,
        "calendar_days",
        "confirmation",
    )
    assert words == "5 calendar days from the vendor's confirmation"


def test_more_than_sixty_days_earns_nothing(messaging: Checklist) -> None:
    _, credit, _ = _breach(messaging, {"value": 61, "unit": "calendar_days"})
    assert credit == 0.0
    cap = messaging.capability("breach_notification_days")
    assert cap is not None and cap.gating  # so the gate fails
    assert _breach(messaging, "45 business days")[1] == 0.0  # 63 calendar days at worst


def test_an_int_stored_before_answers_kept_words_scores_and_reads_as_before(
    messaging: Checklist,
) -> None:
    cap = messaging.capability("breach_notification_days")
    assert cap is not None
    assert cap.credit(10) == cap.credit(cap.normalise(10)) == 0.8
    assert describe(10) == "10 calendar days"
    assert describe(1) == "1 calendar day"
    result = score_assessment(messaging, {"breach_notification_days": AnswerInput(7, "verified")})
    line = next(c for c in result.capabilities if c.key == "breach_notification_days")
    assert line.answer_text == "7 calendar days"
    assert line.explanation.startswith("7 calendar days → credit 0.8 (")


def test_the_stored_form_normalises_to_itself(messaging: Checklist) -> None:
    value, _, _ = _breach(messaging, "within 72 hours of discovery")
    assert _breach(messaging, value)[0] == value


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"value": 5}, "unit is required"),
        ({"value": 5, "unit": "fortnights"}, "unit must be one of"),
        ({"value": "5", "unit": "hours"}, "value must be a number"),
        ({"value": -1, "unit": "hours"}, "finite number ≥ 0"),
        ({"value": 5, "unit": "hours", "trigger": "whenever"}, "trigger must be one of"),
        ({"value": 5, "unit": "hours", "days": 9}, "days is computed from value and unit"),
        ({"value": 5, "unit": "hours", "deadline": 1}, "unknown field(s) deadline"),
        ({"stated": True}, "a stated deadline needs a value"),
        ({"stated": False, "value": 3, "unit": "hours"}, "an unstated deadline has no value"),
        ({"value": 5, "unit": "hours", "quote": 7}, "quote must be text"),
        ({"value": 5, "unit": "hours", "quote": "x" * 2001}, "at most 2000 characters"),
        ("ten days", "write the number in digits"),
        ("72 minutes", "expects a number of days"),
        ("between 2 and 5 days", "not a range"),
        ([5], "expects a number of days"),
        (True, "expects a number of days"),
    ],
)
def test_a_deadline_that_cannot_be_read_is_refused_in_words(
    messaging: Checklist, raw: Any, words: str
) -> None:
    cap = messaging.capability("breach_notification_days")
    assert cap is not None
    with pytest.raises(AnswerValueError) as caught:
        cap.normalise(raw)
    assert str(caught.value).startswith("breach_notification_days: ")
    assert words in str(caught.value)


def test_parse_deadline_without_an_unstated_default_needs_a_number() -> None:
    from vetting.core.deadlines import DeadlineError

    with pytest.raises(DeadlineError, match="a number of days is required"):
        parse_deadline("without unreasonable delay", None)
