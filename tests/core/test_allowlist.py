"""The approved-app list on a date, and the reason in words for every app left off it."""

from __future__ import annotations

from datetime import date

import pytest

from vetting.core.allowlist import (
    AppFacts,
    ApprovedList,
    BaaFacts,
    DecisionFacts,
    approved_list,
)
from vetting.core.baa import BaaTerms

D = date.fromisoformat
AS_OF = D("2026-06-01")
ACME, GLOBEX = 1, 2
NAMES = {ACME: "Acme", GLOBEX: "Globex"}


def app(app_id: int = 10, vendor_id: int = ACME, **extra: object) -> AppFacts:
    return AppFacts(
        app_id=app_id,
        name=f"App {app_id}",
        platform="ios",
        store_id=f"com.example.app{app_id}",
        vendor_id=vendor_id,
        vendor_name=NAMES[vendor_id],
        **extra,  # type: ignore[arg-type]
    )


def decision(
    kind: str = "approved",
    decided_on: str = "2026-01-10",
    valid_until: str = "2027-01-10",
    conditions: str | None = None,
) -> DecisionFacts:
    return DecisionFacts(
        decision=kind,
        decided_on=D(decided_on),
        decided_by="alice@example.org",
        valid_until=D(valid_until),
        assessment_id=100,
        conditions=conditions,
    )


def baa(
    baa_id: int = 1,
    effective: str = "2025-01-01",
    expires: str | None = "2026-12-31",  # the last day in force
    **terms: object,
) -> BaaFacts:
    return BaaFacts(
        baa_id,
        BaaTerms(D(effective), D(expires) if expires else None, **terms),  # type: ignore[arg-type]
    )


def compute(
    on: date = AS_OF,
    apps: list[AppFacts] | None = None,
    decisions: dict[int, DecisionFacts] | None = None,
    baas: dict[int, list[BaaFacts]] | None = None,
) -> ApprovedList:
    return approved_list(
        on,
        apps if apps is not None else [app()],
        decisions if decisions is not None else {10: decision()},
        baas if baas is not None else {ACME: [baa()]},
    )


def only_reason(result: ApprovedList) -> str:
    assert result.entries == ()
    assert len(result.excluded) == 1
    return result.excluded[0].reason


# ------------------------------------------------------------------- on the list


def test_approved_app_with_a_baa_in_force_is_on_the_list() -> None:
    result = compute()
    assert result.as_of == AS_OF
    assert result.excluded == ()
    [entry] = result.entries
    assert (entry.app_id, entry.decision, entry.baa_id, entry.baa_term_end) == (
        10,
        "approved",
        1,
        D("2026-12-31"),
    )
    assert entry.reason == "approved 2026-01-10 by alice@example.org; BAA with Acme in force"


def test_conditional_app_is_on_the_list_with_its_conditions() -> None:
    result = compute(decisions={10: decision("conditional", conditions="MDM-managed only")})
    [entry] = result.entries
    assert (entry.decision, entry.conditions) == ("conditional", "MDM-managed only")


def test_an_expiring_baa_is_still_in_force() -> None:
    result = compute(on=D("2026-12-31"))
    assert [e.app_id for e in result.entries] == [10]


def test_auto_renewing_baa_keeps_the_app_listed_after_its_stated_end() -> None:
    renewing = baa(expires="2025-12-31", auto_renews=True, renewal_term_months=12, notice_days=30)
    result = compute(baas={ACME: [renewing]})
    [entry] = result.entries
    assert entry.baa_term_end == D("2026-12-31")


def test_evergreen_baa_keeps_the_app_listed() -> None:
    result = compute(
        on=D("2040-01-01"),
        decisions={10: decision(valid_until="2041-01-01")},
        baas={ACME: [baa(expires=None)]},
    )
    [entry] = result.entries
    assert entry.baa_term_end is None


def test_decision_is_still_valid_on_its_valid_until_day() -> None:
    result = compute(decisions={10: decision(valid_until="2026-06-01")})
    assert [e.app_id for e in result.entries] == [10]


def test_revocation_dated_after_the_list_date_does_not_remove_the_app() -> None:
    result = compute(apps=[app(revoked_on=D("2026-06-02"), revoked_reason="later")])
    assert [e.app_id for e in result.entries] == [10]


# ------------------------------------------------------------------- off the list, with reasons


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        pytest.param({"decisions": {}}, "no decision recorded", id="no-decision"),
        pytest.param(
            {"decisions": {10: decision("rejected", decided_on="2026-02-03")}},
            "rejected 2026-02-03 by alice@example.org",
            id="rejected",
        ),
        pytest.param(
            {"decisions": {10: decision(valid_until="2026-05-31")}},
            "approved decision expired 2026-05-31: reassessment due",
            id="decision-expired",
        ),
        pytest.param(
            {"decisions": {10: decision("conditional", valid_until="2026-05-01")}},
            "conditional decision expired 2026-05-01: reassessment due",
            id="conditional-decision-expired",
        ),
        pytest.param({"baas": {}}, "no BAA with Acme", id="no-baa"),
        pytest.param({"baas": {ACME: []}}, "no BAA with Acme", id="no-baa-empty-list"),
        pytest.param(
            {"baas": {ACME: [baa(expires="2026-04-30")]}},
            "BAA with Acme expired: in force through 2026-04-30",
            id="baa-expired",
        ),
        pytest.param(
            {"baas": {ACME: [baa(terminated_on=D("2026-03-15"))]}},
            "BAA with Acme terminated: in force through 2026-03-14",
            id="baa-terminated",
        ),
        pytest.param(
            {"baas": {ACME: [baa(effective="2026-07-01")]}},
            "BAA with Acme not yet effective (starts 2026-07-01)",
            id="baa-not-yet-effective",
        ),
        pytest.param(
            {"apps": [app(revoked_on=D("2026-04-01"), revoked_reason="forwards PHI by SMS")]},
            "revoked 2026-04-01: forwards PHI by SMS",
            id="revoked-with-reason",
        ),
        pytest.param(
            {"apps": [app(revoked_on=D("2026-06-01"))]},
            "revoked 2026-06-01",
            id="revoked-that-day-without-reason",
        ),
    ],
)
def test_app_left_off_the_list_gets_the_reason_in_words(
    kwargs: dict[str, object], reason: str
) -> None:
    assert only_reason(compute(**kwargs)) == reason  # type: ignore[arg-type]


def test_every_reason_is_given_when_several_apply() -> None:
    result = compute(
        apps=[app(revoked_on=D("2026-04-01"), revoked_reason="unsafe")],
        decisions={10: decision("rejected")},
        baas={ACME: [baa(expires="2026-04-30")]},
    )
    [excluded] = result.excluded
    assert excluded.reasons == (
        "revoked 2026-04-01: unsafe",
        "rejected 2026-01-10 by alice@example.org",
        "BAA with Acme expired: in force through 2026-04-30",
    )
    assert excluded.reason == "; ".join(excluded.reasons)


def test_exclusion_carries_the_app_and_vendor_identity() -> None:
    [excluded] = compute(decisions={}).excluded
    assert (excluded.app_id, excluded.name, excluded.platform, excluded.store_id) == (
        10,
        "App 10",
        "ios",
        "com.example.app10",
    )
    assert (excluded.vendor_id, excluded.vendor_name) == (ACME, "Acme")


# ------------------------------------------------------------------- BAAs over time

LAPSED = baa(1, effective="2025-01-01", expires="2026-10-31")
RENEWAL = baa(2, effective="2026-11-15", expires="2028-11-14")


def test_app_leaves_the_list_the_day_its_vendors_baa_lapses() -> None:
    baas = {ACME: [LAPSED]}
    assert [e.app_id for e in compute(on=D("2026-10-31"), baas=baas).entries] == [10]
    assert only_reason(compute(on=D("2026-11-01"), baas=baas)) == (
        "BAA with Acme expired: in force through 2026-10-31"
    )


def test_app_returns_the_day_a_renewal_baa_takes_effect() -> None:
    baas = {ACME: [LAPSED, RENEWAL]}
    listed = compute(on=D("2026-10-31"), baas=baas)
    assert [(e.app_id, e.baa_id) for e in listed.entries] == [(10, 1)]
    for gap_day in ("2026-11-01", "2026-11-14"):
        reason = only_reason(compute(on=D(gap_day), baas=baas))
        # the lapse is what is reported (a note about the signed renewal may follow)
        assert reason.startswith("BAA with Acme expired: in force through 2026-10-31"), reason
    back = compute(on=D("2026-11-15"), baas=baas)
    assert [(e.app_id, e.baa_id, e.baa_term_end) for e in back.entries] == [
        (10, 2, D("2028-11-14"))
    ]


@pytest.mark.parametrize("order", ["expired-first", "active-first"])
def test_vendor_with_an_expired_and_an_active_baa_keeps_its_apps(order: str) -> None:
    old, current = baa(1, "2023-01-01", "2024-12-31"), baa(2, "2025-01-01", "2026-12-31")
    baas = [old, current] if order == "expired-first" else [current, old]
    result = compute(
        apps=[app(10), app(11)], decisions={10: decision(), 11: decision()}, baas={ACME: baas}
    )
    assert result.excluded == ()
    assert [(e.app_id, e.baa_id) for e in result.entries] == [(10, 2), (11, 2)]


def test_a_lapsed_baa_removes_only_that_vendors_apps() -> None:
    result = compute(
        apps=[app(10, ACME), app(20, GLOBEX), app(11, ACME)],
        decisions={10: decision(), 11: decision(), 20: decision()},
        baas={ACME: [baa(expires="2026-04-30")], GLOBEX: [baa(7)]},
    )
    assert [e.app_id for e in result.entries] == [20]
    assert [(x.app_id, x.reason) for x in result.excluded] == [
        (10, "BAA with Acme expired: in force through 2026-04-30"),
        (11, "BAA with Acme expired: in force through 2026-04-30"),
    ]


def test_every_app_is_either_listed_or_excluded_exactly_once() -> None:
    apps = [app(i, ACME if i % 2 else GLOBEX) for i in range(30, 40)]
    decisions = {i: decision("rejected" if i % 3 == 0 else "approved") for i in range(30, 38)}
    result = compute(
        apps=apps,
        decisions=decisions,
        baas={ACME: [baa()], GLOBEX: [baa(2, expires="2026-01-01")]},
    )
    listed = [e.app_id for e in result.entries]
    excluded = [x.app_id for x in result.excluded]
    assert sorted(listed + excluded) == list(range(30, 40))
    assert not set(listed) & set(excluded)
    assert all(x.reasons for x in result.excluded)
