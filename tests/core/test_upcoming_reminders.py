"""The reminders a record's page lists as coming (issue 15, item 1): each on the day the
daily sweep crosses its threshold, by the sweep's own rules, once."""

from __future__ import annotations

from datetime import date, timedelta

from vetting.core.reminders import Upcoming, baa_due, reassessment_due, upcoming
from vetting.models import BAA
from vetting.services.baas import terms_of

THRESHOLDS = (90, 60, 30, 14, 7, 1, 0)


def fixed(last: date) -> BAA:
    return BAA(vendor_id=1, effective_date=date(2025, 1, 1), expiration_date=last, status="active")


def test_a_fixed_term_lists_every_threshold_ahead_on_its_crossing_day():
    today = date(2026, 11, 25)
    terms = terms_of(fixed(date(2026, 12, 31)))  # lapses 2027-01-01, 37 days from today
    found = upcoming(lambda d: baa_due(terms, d, THRESHOLDS, 0), today, THRESHOLDS)
    assert [(u.on, u.due.threshold_days) for u in found] == [
        (date(2026, 12, 2), 30),
        (date(2026, 12, 18), 14),
        (date(2026, 12, 25), 7),
        (date(2026, 12, 31), 1),
        (date(2027, 1, 1), 0),
    ]
    assert found[0].words == "30 days before the term ends (2027-01-01)"
    # each crossing is listed once, not on every day after it (the careless version)
    assert len({(u.due.kind, u.due.threshold_days) for u in found}) == len(found)


def test_nothing_past_is_listed_and_the_day_itself_says_so():
    today = date(2026, 11, 25)
    found = upcoming(
        lambda d: [x] if (x := reassessment_due(today, d, THRESHOLDS, 0)) else [],
        today,
        THRESHOLDS,
    )
    assert [u.on for u in found] == [today]
    assert found[0].words.startswith("on the day the decision runs out")
    later = today + timedelta(days=400)
    far = upcoming(
        lambda d: [x] if (x := reassessment_due(later, d, THRESHOLDS, 0)) else [],
        today,
        THRESHOLDS,
    )
    assert far == []  # more than the largest threshold away: nothing yet
    assert isinstance(Upcoming, type)
