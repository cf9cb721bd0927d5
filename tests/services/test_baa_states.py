"""The register's state filters for today run in SQL over `baa_state`; its rows must always be
what the core's `state_on` says: after every kind of write (same transaction), after rows
inserted around the ORM, and when the day or the warning window changes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlmodel import col

from vetting import auth, clock
from vetting.core.baa import BaaState, state_on
from vetting.errors import VettingError
from vetting.models import BAA, BaaStateMeta, BaaStateRow, Vendor
from vetting.schemas import BaaCreate, BaaRenew, BaaUpdate, VendorCreate
from vetting.services import baa_states, baas, vendors

ACTOR = auth.CLI_PRINCIPAL
SIGNED = "signed original in the contracts share"
TODAY = date(2026, 11, 25)
STATES = [str(x) for x in BaaState]


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(TODAY)
    yield
    clock.freeze(None)


def varied(s, n: int = 60, seed: int = 7) -> list[int]:
    rng = random.Random(seed)
    vid = vendors.create(s, ACTOR, VendorCreate(name="Acme Health")).id
    ids = []
    for i in range(n):
        effective = TODAY + timedelta(days=rng.randint(-900, 60))
        fields: dict = {}
        kind = i % 5
        if kind in (0, 1):
            fields["expiration_date"] = effective + timedelta(days=rng.randint(30, 1000))
        elif kind == 2:
            fields |= {
                "auto_renews": True,
                "expiration_date": effective + timedelta(days=rng.randint(60, 400)),
                "renewal_term_months": rng.choice([12, 24]),
                "notice_days": rng.choice([30, 60, 90]),
            }
        status = rng.choice(["active"] * 6 + ["draft", "pending_signature"])
        data = BaaCreate(
            vendor_id=vid, effective_date=effective, status=status, signed_copy_note=SIGNED,
            **fields,
        )  # fmt: skip
        ids.append(baas.create(s, ACTOR, data).id)
    for baa_id in ids[3:12:3]:
        b = baas.get(s, baa_id)
        on = max(b.effective_date, TODAY + timedelta(days=rng.randint(-30, 40)))
        if b.status == "active":
            try:
                baas.terminate(s, ACTOR, baa_id, on, "x")
            except VettingError:  # already out of force by then: nothing to terminate
                s.rollback()
    return ids


def expected(s, wanted: set[str], on: date, warning_days: int = 90) -> set[int]:
    out = set()
    for b in s.scalars(select(BAA)):
        if str(state_on(baas.terms_of(b), on, warning_days).state) in wanted:
            out.add(b.id)
    return out


def filtered(s, wanted: set[str], **kw) -> set[int]:
    page = baas.list_(s, baas.Selection(states=sorted(wanted), **kw), per_page=10_000)
    return {v.baa.id for v in page.items}


def test_todays_filters_match_the_core_for_every_state(s) -> None:
    varied(s)
    seen = set()
    for state in STATES:
        assert filtered(s, {state}) == expected(s, {state}, TODAY), state
        seen |= {state} if expected(s, {state}, TODAY) else set()
    assert {"active", "expiring", "expired", "terminated", "draft"} <= seen
    assert filtered(s, {"in_force"}) == expected(s, {"active", "expiring"}, TODAY)
    # and the rows were kept, with the day and window that built them
    meta = s.get(BaaStateMeta, 1)
    assert meta is not None and (meta.on, meta.warning_days) == (TODAY, 90)
    assert s.scalar(select(func.count()).select_from(BaaStateRow)) == 60


def test_a_filter_for_another_day_is_computed_and_agrees(s) -> None:
    varied(s)
    later = TODAY + timedelta(days=75)
    got = filtered(s, {"expiring"}, as_of=later)
    assert got == expected(s, {"expiring"}, later)


def test_within_days_keeps_term_ends_and_notice_deadlines_in_the_window(s) -> None:
    varied(s)
    page = baas.list_(s, baas.Selection(within_days=45), per_page=10_000)
    got = {v.baa.id for v in page.items}
    want = set()
    for b in s.scalars(select(BAA)):
        st = state_on(baas.terms_of(b), TODAY, 90)
        if any(
            d and TODAY <= d <= TODAY + timedelta(days=45)
            for d in (st.term_end, st.notice_deadline)
        ):
            want.add(b.id)
    assert got == want and got


def test_every_kind_of_write_moves_its_row_in_the_same_transaction(s, monkeypatch) -> None:
    vid = vendors.create(s, ACTOR, VendorCreate(name="Beta Care")).id
    start = TODAY - timedelta(days=300)
    baa = baas.create(
        s, ACTOR,
        BaaCreate(vendor_id=vid, effective_date=start, expiration_date=TODAY + timedelta(days=400),
                  signed_copy_note=SIGNED),
    )  # fmt: skip
    assert filtered(s, {"active"}) == {baa.id}  # builds the table

    def no_rebuild(*a, **kw):
        raise AssertionError("the writes should have kept the rows")

    monkeypatch.setattr(baa_states, "rebuild", no_rebuild)
    # an edit brings the term end within the warning window: expiring at once
    baas.update(s, ACTOR, baa.id, BaaUpdate(expiration_date=TODAY + timedelta(days=20)))
    assert filtered(s, {"expiring"}) == {baa.id}
    # a termination effective today: out of force at once
    baas.terminate(s, ACTOR, baa.id, TODAY, "ended")
    assert filtered(s, {"terminated"}) == {baa.id}
    assert filtered(s, {"in_force"}) == set()
    # a renewal: the new agreement is kept too
    other = baas.create(
        s, ACTOR,
        BaaCreate(vendor_id=vid, effective_date=start, expiration_date=TODAY + timedelta(days=10),
                  signed_copy_note=SIGNED),
    )  # fmt: skip
    new = baas.renew(
        s, ACTOR, other.id,
        BaaRenew(effective_date=TODAY + timedelta(days=11),
                 expiration_date=TODAY + timedelta(days=800), signed_copy_note=SIGNED),
    )  # fmt: skip
    assert filtered(s, {"not_yet_effective"}) == {new.id}
    assert filtered(s, {"active"}) == {other.id}  # covered by its successor: nothing to warn
    assert filtered(s, {"active"}) == expected(s, {"active"}, TODAY)


def test_rows_inserted_around_the_orm_are_picked_up_before_the_filter(s) -> None:
    varied(s, n=10)
    filtered(s, {"active"})  # built
    vid = s.scalar(select(col(BAA.vendor_id)))
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with s.get_bind().begin() as conn:  # a bulk import: no ORM, no flush hook
        conn.execute(insert(BAA), [{
            "vendor_id": vid, "effective_date": TODAY - timedelta(days=10),
            "expiration_date": TODAY + timedelta(days=5), "status": "active",
            "created_at": now, "updated_at": now,
        }])  # fmt: skip
    new = s.scalar(select(func.max(BAA.id)))
    assert new in filtered(s, {"expiring"})
    assert filtered(s, {"expiring"}) == expected(s, {"expiring"}, TODAY)


def test_a_new_day_or_another_warning_window_rebuilds(s) -> None:
    varied(s)
    filtered(s, {"expiring"})
    clock.freeze(TODAY + timedelta(days=40))
    assert filtered(s, {"expiring"}) == expected(s, {"expiring"}, TODAY + timedelta(days=40))
    assert filtered(s, {"expiring"}, warning_days=30) == expected(
        s, {"expiring"}, TODAY + timedelta(days=40), 30
    )
    meta = s.get(BaaStateMeta, 1, populate_existing=True)
    assert (meta.on, meta.warning_days) == (TODAY + timedelta(days=40), 30)


def test_nothing_is_kept_until_a_filtered_read_asks(s) -> None:
    varied(s, n=5)
    assert s.scalar(select(func.count()).select_from(BaaStateRow)) == 0
    assert s.get(BaaStateMeta, 1) is None


def test_the_daily_rebuild_replaces_every_row(s) -> None:
    varied(s, n=20)
    built = baa_states.rebuild(s.get_bind(), TODAY, 90)
    assert built.rebuilt and built.rows == 20
    again = baa_states.ensure(s.get_bind(), TODAY, 90)
    assert not again.rebuilt


@pytest.mark.parametrize("offset", [0, 45, 200])
def test_the_dashboard_reads_the_same_agreements_from_the_kept_states(s, offset, monkeypatch):
    """The dashboard's BAA section (expiring, past notice, lapsed with nothing else in force)
    narrowed by the kept states must be what the full scan finds."""
    from vetting.queries import dashboard

    varied(s, n=120, seed=offset)
    day = TODAY + timedelta(days=offset)
    clock.freeze(day)
    kept = dashboard._baa_section(s, day, 90)
    with monkeypatch.context() as m:  # another "today": the section scans every agreement
        m.setattr(dashboard.clock, "today", lambda: day - timedelta(days=1))
        scanned = dashboard._baa_section(s, day, 90)
    assert kept == scanned
    assert any(kept), "the register should have something to act on"


def test_a_page_does_not_wait_for_a_writer_to_rebuild_stale_states(s):
    """Stale kept states and a writer holding the lock (a long import): the filtered page
    is computed row by row at once instead of waiting for the lock."""
    import time

    varied(s, n=30)
    baa_states.forget(s)  # stale, as after a day turns
    s.commit()
    engine = s.get_bind()
    with engine.connect() as writer:
        if engine.dialect.name == "sqlite":
            writer.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            writer.execute(select(func.pg_advisory_xact_lock(baa_states.lock_key(baa_states.LOCK))))
        start = time.perf_counter()
        got = filtered(s, {"expiring"})
        assert time.perf_counter() - start < 5
        assert got == expected(s, {"expiring"}, TODAY)
        assert s.get(BaaStateMeta, 1, populate_existing=True) is None  # nothing was rebuilt
        writer.rollback()


def test_pages_of_a_kept_state_filter_equal_the_row_by_row_answer(s, monkeypatch) -> None:
    """Kept states page in the register's order and count from the kept rows alone: every
    page, its order and the total must be what computing each agreement's state says."""
    varied(s)
    vendor_id = s.scalar(select(BAA.vendor_id).limit(1))

    def pages(**kw) -> tuple[list[int], list[int]]:
        ids, totals = [], []
        for n in range(1, 12):
            page = baas.list_(s, baas.Selection(**kw), page=n, per_page=7)
            ids += [v.baa.id for v in page.items]
            totals.append(page.total)
        return ids, totals

    cases = [
        {"states": ["in_force"]},
        {"states": ["expired"]},
        {"states": ["terminated", "expiring"]},
        {"within_days": 45},
        {"states": ["in_force"], "vendor_id": vendor_id},
    ]
    kept = [pages(**kw) for kw in cases]
    assert s.get(BaaStateMeta, 1) is not None  # read from the kept states
    monkeypatch.setattr(baa_states, "ensure", lambda *a, **kw: None)  # row by row
    for kw, got in zip(cases, kept, strict=True):
        want = pages(**kw)
        assert got == want, kw
        assert got[0] and got[1][0] == len(got[0]), kw  # not empty, and counted right


def test_a_search_pages_and_counts_in_one_statement_like_two(s) -> None:
    """A search counts with a window function: every page, and a page past the end, carries
    the same total and rows as counting apart; a search matching nothing counts 0."""
    varied(s)
    every = baas.list_(s, baas.Selection(q=""), per_page=10_000)  # no search: counted apart
    name = s.get(Vendor, every.items[0].baa.vendor_id).name
    found = baas.list_(s, baas.Selection(q=name.upper()), per_page=10_000)  # case does not matter
    assert found.total == len(found.items) > 0
    paged = [baas.list_(s, baas.Selection(q=name), page=n, per_page=25) for n in (1, 2, 3, 50)]
    assert [v.baa.id for p in paged for v in p.items] == [v.baa.id for v in found.items]
    assert {p.total for p in paged} == {found.total} and not paged[-1].items
    assert 50 < found.total <= 75  # three pages of 25, the last short
    assert baas.list_(s, baas.Selection(q="no such agreement anywhere")).total == 0
