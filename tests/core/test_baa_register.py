"""The register's lifecycle in the pure core: drafts never count, a superseded agreement counts
only until its successor takes effect, the list explains itself in words, and the calendar
holds exactly the dates legal must act on."""

from __future__ import annotations

from datetime import date

import pytest

from vetting.core.allowlist import AppFacts, BaaFacts, DecisionFacts, approved_list
from vetting.core.baa import BaaTerms, state_on, term_ends
from vetting.core.baa_calendar import CalendarBaa, deadline_events, events_for

D = date.fromisoformat


def terms(effective: str = "2026-01-01", expires: str | None = "2026-12-31", **kw) -> BaaTerms:
    """`expires`: the last day in force."""
    return BaaTerms(D(effective), D(expires) if expires else None, **kw)


# --- lifecycle in state_on ------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "pending_signature"])
def test_an_unsigned_baa_is_never_in_force_whatever_its_dates(status: str) -> None:
    t = terms(status=status)
    for on in ("2025-06-01", "2026-06-01", "2027-06-01"):
        st = state_on(t, D(on))
        assert (st.state, st.in_force) == (status, False)
    assert state_on(t, D("2026-06-01")).term_end == D("2026-12-31")


def test_a_superseded_baa_is_in_force_until_its_successor_takes_effect() -> None:
    t = terms(expires="2027-02-28", status="superseded", superseded_on=D("2027-03-01"))
    assert state_on(t, D("2027-02-28")).in_force
    st = state_on(t, D("2027-03-01"))
    assert (st.state, st.term_end, st.in_force) == ("superseded", D("2027-02-28"), False)


def test_a_renewal_that_covers_the_term_end_silences_the_expiry_warning() -> None:
    covered = terms(status="superseded", superseded_on=D("2027-01-01"))
    assert state_on(covered, D("2026-12-01")).state == "active"
    uncovered = terms(status="superseded", superseded_on=D("2027-02-01"))
    assert state_on(uncovered, D("2026-12-01")).state == "expiring"
    assert state_on(uncovered, D("2027-01-15")).state == "expired"  # the gap before the renewal


def test_a_renewed_auto_renewing_baa_is_neither_expiring_nor_renewed_by_default() -> None:
    t = terms(
        auto_renews=True,
        renewal_term_months=12,
        notice_days=60,
        status="superseded",
        superseded_on=D("2026-12-15"),
    )
    assert state_on(t, D("2026-10-15")).state == "active"
    st = state_on(t, D("2026-12-01"))
    assert (st.state, st.renewed_by_default) == ("active", False)


@pytest.mark.parametrize(
    ("kw", "field", "reason"),
    [
        ({"status": "signed"}, "status", "must be one of"),
        ({"status": "terminated"}, "terminated_on", "needs the date"),
        ({"status": "superseded"}, "superseded_on", "successor"),
        ({"superseded_on": D("2026-06-01")}, "superseded_on", "only a superseded BAA"),
        (
            {"status": "superseded", "superseded_on": D("2026-01-01")},
            "superseded_on",
            "after the effective date",
        ),
        ({"status": "draft", "terminated_on": D("2026-06-01")}, "terminated_on", "never in force"),
    ],
)
def test_lifecycle_rules_name_the_field(kw: dict, field: str, reason: str) -> None:
    problems = terms(**kw).validate()
    assert any(f == field and reason in m for f, m in problems), problems


def test_term_ends_lists_one_fixed_end_or_the_rolling_series() -> None:
    assert term_ends(terms(), D("2026-01-01"), D("2030-01-01")) == [D("2026-12-31")]
    assert term_ends(terms(), D("2027-01-01"), D("2030-01-01")) == []
    assert term_ends(terms(expires=None), D("2026-01-01"), D("2030-01-01")) == []
    rolling = terms(auto_renews=True, renewal_term_months=6)
    assert term_ends(rolling, D("2026-12-31"), D("2027-12-31")) == [
        D("2026-12-31"),
        D("2027-06-30"),
        D("2027-12-31"),
    ]
    assert term_ends(rolling, D("2027-01-01"), D("2027-12-30")) == [D("2027-06-30")]


# --- the list -------------------------------------------------------------------------------

APP = AppFacts(1, "Acme Camera", "ios", "com.acme.camera", 7, "Acme Health")
DECIDED = {1: DecisionFacts("approved", D("2026-01-01"), "legal@x", D("2030-01-01"), 1)}


def reason_on(on: str, *baas: BaaFacts) -> str:
    result = approved_list(D(on), [APP], DECIDED, {7: list(baas)})
    if result.entries:
        return f"listed under BAA {result.entries[0].baa_id}"
    return result.excluded[0].reason


def test_the_reason_names_the_unsigned_state() -> None:
    assert reason_on("2026-06-01", BaaFacts(1, terms(status="draft"))) == (
        "BAA with Acme Health is a draft"
    )
    assert reason_on("2026-06-01", BaaFacts(1, terms(status="pending_signature"))) == (
        "BAA with Acme Health is pending signature"
    )


def test_a_lapse_with_a_late_renewal_says_when_it_comes_back() -> None:
    old = BaaFacts(1, terms(status="superseded", superseded_on=D("2027-02-01")))
    new = BaaFacts(2, terms("2027-02-01", "2028-01-31"))
    assert reason_on("2026-12-31", old, new) == "listed under BAA 1"
    assert reason_on("2027-01-01", old, new) == (
        "BAA with Acme Health expired: in force through 2026-12-31; the next takes effect "
        "2027-02-01"
    )
    assert reason_on("2027-02-01", old, new) == "listed under BAA 2"


def test_an_early_renewal_hands_over_on_its_effective_date() -> None:
    old = BaaFacts(1, terms(status="superseded", superseded_on=D("2026-10-01")))
    new = BaaFacts(2, terms("2026-10-01", "2028-09-30"))
    assert reason_on("2026-09-30", old, new) == "listed under BAA 1"
    assert reason_on("2026-10-01", old, new) == "listed under BAA 2"


def test_a_pending_renewal_is_mentioned_after_the_lapse() -> None:
    old = BaaFacts(1, terms())
    pending = BaaFacts(2, terms("2027-01-01", None, status="pending_signature"))
    assert reason_on("2027-01-01", old, pending) == (
        "BAA with Acme Health expired: in force through 2026-12-31; a new BAA is pending signature"
    )


# --- the calendar ---------------------------------------------------------------------------


def cal(t: BaaTerms, as_of: str = "2026-11-25", **kw) -> list[tuple[str, str]]:
    return [
        (e.kind, e.day.isoformat()) for e in events_for(CalendarBaa(1, "Acme", t, **kw), D(as_of))
    ]


def test_a_fixed_term_has_one_term_end_event_and_drafts_none() -> None:
    # on its last day in force
    assert cal(terms(expires="2029-04-30")) == [("term_end", "2029-04-30")]
    assert cal(terms(status="draft")) == []
    assert cal(terms(expires=None)) == []


def test_an_auto_renewing_term_has_notice_deadlines_and_renewals_around_today() -> None:
    t = terms("2024-01-01", "2024-12-31", auto_renews=True, renewal_term_months=12, notice_days=30)
    assert cal(t) == [
        ("notice_deadline", "2025-12-02"),
        ("term_end", "2025-12-31"),
        ("notice_deadline", "2026-12-02"),
        ("term_end", "2026-12-31"),
        ("notice_deadline", "2027-12-02"),
        ("term_end", "2027-12-31"),
    ]  # the next term end (2028-12-31) lies beyond the two-year horizon


def test_a_termination_is_an_event_and_ends_the_series() -> None:
    t = terms(
        "2024-01-01",
        "2024-12-31",
        auto_renews=True,
        renewal_term_months=12,
        notice_days=30,
        status="terminated",
        terminated_on=D("2027-01-01"),
    )
    assert cal(t, termination_reason="breach") == [
        ("notice_deadline", "2025-12-02"),
        ("term_end", "2025-12-31"),
        ("notice_deadline", "2026-12-02"),
        ("terminated", "2027-01-01"),
    ]
    (event,) = [
        e
        for e in events_for(CalendarBaa(1, "Acme", t, termination_reason="breach"), D("2026-11-25"))
        if e.kind == "terminated"
    ]
    assert event.uid == "baa-1-terminated-2027-01-01@vetting"
    assert "Reason: breach." in event.description


def test_old_history_is_left_out_and_events_are_in_date_order() -> None:
    old = CalendarBaa(1, "Acme", terms("2020-01-01", "2020-12-31"))
    new = CalendarBaa(2, "Acme", terms("2026-01-01", "2026-12-31"))
    soon = CalendarBaa(3, "Beta", terms("2026-01-01", "2026-11-30"))
    assert [
        (e.baa_id, e.day.isoformat()) for e in deadline_events([old, new, soon], D("2026-11-25"))
    ] == [(3, "2026-11-30"), (2, "2026-12-31")]
