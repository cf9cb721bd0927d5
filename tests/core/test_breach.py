"""The register's breach clause: read, checked, compared with an assessment's answer."""

from __future__ import annotations

import pytest

from vetting.core.baa_provisions import gaps, parse
from vetting.core.breach import (
    ClauseError,
    clause_of,
    columns_of,
    difference,
    legacy_days,
    parse_clause,
    same_deadline,
    words,
)
from vetting.core.deadlines import parse_deadline

CATALOGUE = parse(
    'kind = "baa-provisions"\n[[provision]]\nkey = "report_breaches"\ntitle = "breaches"\n'
    'citation = "45 CFR 164.410"\nquestion = "?"\nmax_days = 60\n'
)


def _gaps(raw: object) -> tuple[str, ...]:
    c = parse_clause(raw)
    return gaps(CATALOGUE, [], c["days"], c)


def test_hours_are_compared_with_days_in_calendar_days_not_as_raw_numbers() -> None:
    assert _gaps({"value": 72, "unit": "hours"}) == ()  # 72 hours is 3 days, not 72
    assert _gaps({"value": 1440, "unit": "hours"}) == ()  # exactly 60 days
    (gap,) = _gaps({"value": 1441, "unit": "hours"})  # 61 days, rounded up
    assert "1441 hours (61 calendar days, rounded up)" in gap
    assert "more than 60 calendar days" in gap


def test_business_days_count_weekends_at_worst() -> None:
    assert _gaps({"value": 42, "unit": "business_days"}) == ()  # 8 weeks + 2 + 2 = 60
    (gap,) = _gaps({"value": 45, "unit": "business_days"})  # 9 weeks = 63 calendar days
    assert gap.startswith("allows 45 business days (63 calendar days at worst)")
    assert _gaps({"value": 43, "unit": "business_days"})  # 61
    # calendar days keep the older wording
    assert _gaps({"value": 90, "unit": "calendar_days"}) == (
        "allows 90 days to report a breach (more than 60) — 45 CFR 164.410",
    )


def test_a_clause_without_a_number_is_unstated_60_days_not_zero_or_blank() -> None:
    c = parse_clause("Business Associate shall notify without unreasonable delay")
    assert (c["stated"], c["days"], c["value"], c["unit"]) == (False, 60, None, None)
    assert words(c) == "unstated (60-day legal maximum)"
    assert legacy_days(c) is None
    assert _gaps({"stated": False}) == ()  # lawful: 60 is not more than 60
    stored = columns_of(c)
    assert stored["breach_stated"] is False and stored["breach_notification_days"] == 60
    assert clause_of(*stored.values())["stated"] is False
    strict = parse(
        'kind = "baa-provisions"\n[[provision]]\nkey = "report_breaches"\ntitle = "b"\n'
        'citation = "c"\nquestion = "?"\nmax_days = 30\n'
    )
    (gap,) = gaps(strict, [], 60, c)
    assert gap.startswith("states no breach deadline, so the 60-day legal maximum applies")


def test_not_recorded_is_not_unstated() -> None:
    assert clause_of(None, None, None, None, None, None) is None
    assert words(None) == "not recorded"
    # a row from before the clause was kept: its days are calendar days
    old = clause_of(10, None, None, None, None, None)
    assert old is not None and (old["value"], old["unit"], old["stated"]) == (
        10,
        "calendar_days",
        True,
    )


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"value": 5, "unit": "weeks"}, "unit must be one of"),
        ({"value": 5, "unit": "days"}, "unit must be one of"),
        ({"value": -1, "unit": "hours"}, "≥ 0"),
        ({"value": 5}, "unit is required"),
        ({"unit": "hours"}, "value is required"),
        ({}, "give a value and a unit"),
        ({"value": 10, "unit": "calendar_days", "quote": "within 5 business days"}, "quote says"),
        ({"value": 10, "unit": "calendar_days", "quote": "without unreasonable delay"}, "quote"),
        ({"value": 10, "unit": "calendar_days", "colour": "red"}, "unknown field"),
        ({"stated": False, "value": 3, "unit": "hours"}, "no value"),
        (42, "expects"),
    ],
)
def test_bad_clauses_are_refused(raw: object, field: str) -> None:
    with pytest.raises(ClauseError, match=field):
        parse_clause(raw)


def test_a_quote_alone_is_read_for_its_number_and_trigger() -> None:
    c = parse_clause({"quote": "within five (5) business days of discovery"})
    assert (c["value"], c["unit"], c["trigger"], c["days"]) == (5, "business_days", "discovery", 7)
    assert c["quote"] == "within five (5) business days of discovery"
    agreed = parse_clause(
        {"value": 72, "unit": "hours", "trigger": "discovery", "quote": "within 72 hours"}
    )
    assert agreed["quote"] == "within 72 hours" and agreed["days"] == 3


def test_same_deadline_compares_durations_not_numbers() -> None:
    hours72 = parse_clause({"value": 72, "unit": "hours"})
    assert same_deadline(hours72, parse_deadline("3 days"))  # the same duration
    assert not same_deadline(hours72, parse_deadline(72))  # 72 calendar days
    h73 = parse_clause({"value": 73, "unit": "hours"})
    assert not same_deadline(h73, parse_deadline(4))  # both 4 days when rounded, not equal
    bd5 = parse_clause({"value": 5, "unit": "business_days"})
    assert not same_deadline(bd5, parse_deadline(7))
    assert same_deadline(bd5, parse_deadline("5 business days"))
    unstated = parse_clause({"stated": False})
    assert not same_deadline(unstated, parse_deadline(60))  # 60 stated is not unstated
    assert same_deadline(unstated, parse_deadline("unstated", 60))
    # a trigger differs only when both name one
    disc = parse_clause({"value": 72, "unit": "hours", "trigger": "discovery"})
    conf = parse_deadline({"value": 72, "unit": "hours", "trigger": "confirmation"})
    assert not same_deadline(disc, conf)
    assert same_deadline(disc, parse_deadline("72 hours"))


def test_difference_in_words() -> None:
    clause = parse_clause({"value": 72, "unit": "hours", "trigger": "discovery"})
    assert difference("Acme", clause, parse_deadline(30)) == (
        "the BAA with Acme says 72 hours (3 calendar days, rounded up) from discovery; "
        "this answer says 30 calendar days"
    )
    assert difference("Acme", clause, None) is None
    assert difference("Acme", clause, parse_deadline("72 hours")) is None
