"""The forecast (issue 11, item 5): apps that leave the list in the next N days, the first day
each leaves and why — always the list today minus the list on that day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from vetting.core.allowlist import (
    AppFacts,
    BaaFacts,
    DecisionFacts,
    approved_list,
    change_dates,
    forecast,
)
from vetting.core.baa import BaaLifecycle, BaaTerms
from vetting.core.decisions import ConditionFacts

D = date.fromisoformat
TODAY = D("2026-11-30")


def _app(app_id: int, vendor_id: int, vendor: str) -> AppFacts:
    return AppFacts(app_id, f"App {app_id}", "ios", f"org.example.app{app_id}", vendor_id, vendor)


def _approved(assessment: int, valid_until: str = "2027-11-01", **kw: object) -> DecisionFacts:
    return DecisionFacts(
        "approved", D("2026-06-01"), "ciso@example.org", D(valid_until), assessment, **kw
    )  # type: ignore[arg-type]


# Five vendors, one app each, each leaving for a different reason; a sixth app stays.
APPS = [
    _app(1, 1, "Harbor Scans"),  # its BAA's fixed term ends 2027-01-10
    _app(2, 2, "Lumen Notes"),  # its BAA is terminated for 2026-12-20
    _app(3, 3, "Quill Rx"),  # its BAA ends 2026-12-15, the renewal starts 2027-01-15
    _app(4, 4, "Tern Health"),  # its decision is valid until 2027-01-31
    _app(5, 5, "Vale Clinic"),  # a condition due 2026-12-31, unmet
    _app(6, 4, "Tern Health"),  # stays: same vendor as 4, a decision valid for long
]
DECISIONS = {
    1: _approved(1),
    2: _approved(2),
    3: _approved(3),
    4: _approved(4, "2027-01-31"),
    5: DecisionFacts(
        "conditional",
        D("2026-06-01"),
        "ciso@example.org",
        D("2027-06-01"),
        5,
        condition_items=(ConditionFacts("SSO enforced for all users", D("2026-12-31")),),
    ),
    6: _approved(6),
}
BAAS = {
    1: [BaaFacts(11, BaaTerms(D("2026-01-10"), D("2027-01-09")))],  # through Jan 9
    2: [
        BaaFacts(
            21,
            BaaTerms(
                D("2026-01-01"),
                D("2027-12-31"),
                terminated_on=D("2026-12-20"),
                status=BaaLifecycle.TERMINATED,
            ),
        )
    ],
    3: [
        BaaFacts(
            31,
            BaaTerms(
                D("2025-12-15"),
                D("2026-12-14"),
                status=BaaLifecycle.SUPERSEDED,
                superseded_on=D("2027-01-15"),
            ),
        ),
        BaaFacts(32, BaaTerms(D("2027-01-15"), D("2028-01-14"))),
    ],
    4: [BaaFacts(41, BaaTerms(D("2025-01-01")))],
    5: [BaaFacts(51, BaaTerms(D("2025-01-01")))],
}


def test_each_reason_with_the_day_the_app_leaves() -> None:
    items = forecast(TODAY, 90, APPS, DECISIONS, BAAS)
    assert [(d.app_id, d.leaves_on.isoformat(), d.reason) for d in items] == [
        (
            3,
            "2026-12-15",
            "BAA with Quill Rx expired: in force through 2026-12-14; the next takes effect "
            "2027-01-15",
        ),
        (2, "2026-12-20", "BAA with Lumen Notes terminated: in force through 2026-12-19"),
        (5, "2027-01-01", "condition 'SSO enforced for all users' overdue since 2026-12-31"),
        (1, "2027-01-10", "BAA with Harbor Scans expired: in force through 2027-01-09"),
        (4, "2027-02-01", "approved decision expired 2027-01-31: reassessment due"),
    ]
    assert all(d.vendor_name and d.platform == "ios" for d in items)


def test_the_horizon_counts_whole_days() -> None:
    assert [d.app_id for d in forecast(TODAY, 15, APPS, DECISIONS, BAAS)] == [3]
    assert [d.app_id for d in forecast(TODAY, 14, APPS, DECISIONS, BAAS)] == []
    assert [d.app_id for d in forecast(TODAY, 20, APPS, DECISIONS, BAAS)] == [3, 2]


def test_apps_already_off_the_list_are_not_forecast() -> None:
    later = D("2027-01-05")  # Quill Rx and Lumen Notes are already off
    assert [d.app_id for d in forecast(later, 40, APPS, DECISIONS, BAAS)] == [1, 4]


def _equals_list_difference(today: date, days: int) -> None:
    items = {d.app_id: d for d in forecast(today, days, APPS, DECISIONS, BAAS)}
    on_today = {e.app_id for e in approved_list(today, APPS, DECISIONS, BAAS).entries}
    first_off: dict[int, tuple[date, str]] = {}
    for n in range(1, days + 1):  # the slow way: every day
        day = today + timedelta(days=n)
        result = approved_list(day, APPS, DECISIONS, BAAS)
        for x in result.excluded:
            if x.app_id in on_today and x.app_id not in first_off:
                first_off[x.app_id] = (day, x.reason)
    assert {k: (v.leaves_on, v.reason) for k, v in items.items()} == first_off


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 500), st.integers(1, 365))
def test_forecast_equals_today_minus_the_list_on_each_day(offset: int, days: int) -> None:
    _equals_list_difference(D("2026-06-01") + timedelta(days=offset), days)


def test_candidate_days_come_from_the_facts() -> None:
    days = change_dates(APPS, DECISIONS, BAAS, TODAY, TODAY + timedelta(days=365))
    assert D("2027-01-15") in days  # the renewal's start
    assert D("2027-02-01") in days  # the day after valid_until
    assert D("2027-01-01") in days  # the day after a condition's due date
    assert len(days) < 20
