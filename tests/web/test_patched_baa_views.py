"""The dashboard's BAA section and the register's timeline are kept per agreement and patched
after a write (vetting/queries/baa_changes.py): after every kind of write they must say
exactly what a computation from nothing says, and never what they said before the write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select
from sqlmodel import col

from tests.answers import answer_everything
from tests.benchmarks.synthetic import AS_OF, Sizes, populate
from tests.conftest import TODAY
from tests.web.conftest import ACTOR
from vetting import db
from vetting.core.baa import BaaLifecycle
from vetting.models import BAA, App, Assessment
from vetting.queries import baa_timeline, cache, dashboard
from vetting.schemas import (
    AppUpdate,
    AssessmentCreate,
    BaaCreate,
    BaaUpdate,
    DecisionIn,
    VendorUpdate,
)
from vetting.services import apps, assessments, baas, decisions, vendors

WARN = 90


def _views(s: Any) -> tuple[Any, Any]:
    return dashboard._baa_section(s, TODAY, WARN), baa_timeline.lanes(s, TODAY, WARN)


def _from_nothing(s: Any) -> tuple[Any, Any]:
    cache.clear_all()
    return _views(s)


def _patched_calls(monkeypatch: Any) -> list[str]:
    """Which way each view was brought up to date: patched, or computed in full."""
    calls: list[str] = []
    real_groups, real_rows = dashboard._groups, baa_timeline._rows

    def groups(s: Any, as_of: date, warn: int, only: Any) -> Any:
        calls.append("section " + ("full" if only is None else "patched"))
        return real_groups(s, as_of, warn, only)

    def rows(s: Any, as_of: date, warn: int, only: Any) -> Any:
        calls.append("timeline " + ("full" if only is None else "patched"))
        return real_rows(s, as_of, warn, only)

    monkeypatch.setattr(dashboard, "_groups", groups)
    monkeypatch.setattr(baa_timeline, "_rows", rows)
    return calls


def test_after_each_write_the_patched_views_equal_a_computation_from_nothing(app, monkeypatch):
    populate(app.extensions["vetting.engine"], Sizes(apps=60, vendors=30, baas=300))
    with app.app_context():
        s = db.session()
        _views(s)  # kept from here on
        calls = _patched_calls(monkeypatch)
        in_force = select(col(BAA.id)).where(
            col(BAA.status) == BaaLifecycle.ACTIVE,
            col(BAA.effective_date) <= TODAY,
            col(BAA.expiration_date) > TODAY + timedelta(days=WARN + 30),
        )
        # The first lane drawn is terminated: its lane and the section change.
        first = baa_timeline.lanes(s, TODAY, WARN)[0][0].baa_id
        before = _views(s)
        baas.terminate(s, ACTOR, first, TODAY, "vendor breach")
        after = _views(s)
        assert after != before
        assert after == _from_nothing(s)

        # A vendor's last agreements in force are terminated: its agreement that lapsed last
        # month now leaves it with nothing in force, so it joins the lapsed list.
        lapsed = s.execute(
            select(col(BAA.id), col(BAA.vendor_id)).where(
                col(BAA.status) == BaaLifecycle.ACTIVE,
                col(BAA.auto_renews).is_(False),
                col(BAA.expiration_date).between(
                    TODAY - timedelta(days=60), TODAY - timedelta(days=2)
                ),
            )
        ).all()
        vendor_of = dict(lapsed)
        _views(s)
        calls.clear()
        for baa_id, vendor_id in lapsed:
            ending = s.scalars(
                select(col(BAA.id)).where(
                    col(BAA.vendor_id) == vendor_id,
                    col(BAA.id) != baa_id,
                    col(BAA.status) == BaaLifecycle.ACTIVE,
                    col(BAA.effective_date) <= TODAY - timedelta(days=1),
                    or_(col(BAA.expiration_date).is_(None), col(BAA.expiration_date) >= TODAY),
                )
            ).all()
            if ending:
                break
        else:
            raise AssertionError("the data set has no vendor with a lapse and one in force")
        assert baa_id not in {n.baa.id for n in _views(s)[0][2]}
        for other in ending:
            baas.terminate(s, ACTOR, other, TODAY - timedelta(days=1), "contract ended")
        patched = _views(s)
        assert baa_id in {n.baa.id for n in patched[0][2]} and vendor_of[baa_id] == vendor_id
        assert patched == _from_nothing(s)
        assert calls[:2] == ["section patched", "timeline patched"]

        # An agreement's end moved into the warning window: it becomes expiring.
        _views(s)
        edited = s.scalar(in_force.order_by(col(BAA.id).desc()).limit(1))
        baas.update(s, ACTOR, edited, BaaUpdate(expiration_date=TODAY + timedelta(days=20)))
        patched = _views(s)
        assert edited in {n.baa.id for n in patched[0][0]}
        assert patched == _from_nothing(s)

        # A vendor renamed: the names shown follow (no agreement changed).
        _views(s)
        shown = dashboard._baa_section(s, TODAY, WARN)[1][0]
        vendors.update(s, ACTOR, shown.baa.vendor_id, VendorUpdate(name="Renamed Vendor Ltd"))
        patched = _views(s)
        assert {
            n.vendor_name for found in patched[0] for n in found if n.baa.id == shown.baa.id
        } == {"Renamed Vendor Ltd"}
        assert patched == _from_nothing(s)

        # A new agreement taking effect next week: a lane with its start marked.
        _views(s)
        created = baas.create(
            s,
            ACTOR,
            BaaCreate(
                vendor_id=1,
                title="Starts next week",
                effective_date=TODAY + timedelta(days=7),
                expiration_date=TODAY + timedelta(days=400),
                signed_copy_note="signed copy in the share",
            ),
        )
        baas.update(s, ACTOR, created.id, BaaUpdate(status="active"))
        patched = _views(s)
        assert any(lane.baa_id == created.id for lane in patched[1][0])
        assert patched == _from_nothing(s)


def test_rows_inserted_around_the_services_are_seen(app):
    """A bulk insert writes no audit event: the newest agreement id moves instead."""
    populate(app.extensions["vetting.engine"], Sizes(apps=20, vendors=10, baas=60))
    with app.app_context():
        s = db.session()
        before = _views(s)
        now = datetime(2026, 11, 20, 9, tzinfo=UTC)
        s.execute(
            insert(BAA).values(
                vendor_id=1,
                title="Inserted in bulk",
                status=BaaLifecycle.ACTIVE,
                effective_date=TODAY - timedelta(days=400),
                expiration_date=TODAY + timedelta(days=3),  # expiring, and the soonest lane
                auto_renews=False,
                created_at=now,
                updated_at=now,
            )
        )
        s.commit()
        inserted = s.scalar(select(col(BAA.id)).where(col(BAA.title) == "Inserted in bulk"))
        after = _views(s)
        assert after != before
        assert inserted in {n.baa.id for n in after[0][0]}  # expiring
        assert after[1][0][0].baa_id == inserted
        assert after == _from_nothing(s)


def test_a_database_restored_to_an_older_copy_is_computed_again(app):
    """The newest event going back (a restore) cannot be traced: everything is computed."""
    populate(app.extensions["vetting.engine"], Sizes(apps=20, vendors=10, baas=60))
    with app.app_context():
        s = db.session()
        _views(s)
        kept = cache.remembered("timeline facts", (TODAY, WARN), lambda: None, s=s)
        assert kept is not None
        newer = type(kept.seen)(kept.seen.seq + 5, kept.seen.baa_id, kept.seen.vendor_id)
        cache.replace("timeline facts", (TODAY, WARN), type(kept)(kept.as_of, newer, {}, []), s=s)
        # The kept (emptied) facts claim a later event than the database holds: not trusted.
        assert baa_timeline._compute(s, TODAY, WARN) == _from_nothing(s)[1]


def test_approved_apps_off_the_list_follow_a_revocation_and_its_reversal(app):
    """The set of apps approved by their latest decision is patched per app after a write:
    revoking an approved app takes it out, and lifting the revocation brings it back."""
    populate(app.extensions["vetting.engine"], Sizes(apps=60, vendors=12, baas=40))
    with app.app_context():
        s = db.session()
        before = dashboard._approved(s, TODAY)
        assert before
        app_id = min(before)
        apps.update(s, ACTOR, app_id, AppUpdate(revoked_on=TODAY, revoked_reason="recalled"))
        after = dashboard._approved(s, TODAY)
        assert after == before - {app_id}
        cache.clear_all()
        assert dashboard._approved(s, TODAY) == after
        apps.update(s, ACTOR, app_id, AppUpdate(revoked_on=None))
        assert dashboard._approved(s, TODAY) == before
        cache.clear_all()
        assert dashboard._approved(s, TODAY) == before


def test_reassessments_due_follow_each_write_as_a_computation_from_nothing(app, monkeypatch):
    """The dashboard's reassessments coming due are kept per app and patched after a write
    (only the apps it touched are read again): an app renamed, its vendor renamed, revoked
    and brought back, decided again — each time what a computation from nothing says."""
    populate(app.extensions["vetting.engine"], Sizes(apps=300, vendors=12, baas=40))
    checklists = app.extensions["vetting.checklists"]
    with app.app_context():
        s = db.session()
        first, total, _ = dashboard._due(s, AS_OF, 90)
        assert total > 3, "the data set has reassessments coming due"
        read: list[Any] = []
        real = dashboard._due_rows

        def rows(s: Any, as_of: date, horizon: int, only: Any = None) -> Any:
            read.append(only)
            return real(s, as_of, horizon, only)

        monkeypatch.setattr(dashboard, "_due_rows", rows)
        target = first[0].app_id
        vendor_id = s.get(App, target).vendor_id
        checklist = s.scalar(select(Assessment.checklist_id).where(Assessment.app_id == target))
        revoke = AppUpdate(revoked_on=AS_OF, revoked_reason="recalled")

        def decide_again() -> None:
            a = assessments.create(
                s, ACTOR, checklists, AssessmentCreate(app_id=target, checklist_id=checklist)
            )
            answer_everything(s, checklists[checklist], a.id)
            data = DecisionIn(
                decision="approved",
                justification="reviewed again by the committee",
                valid_until=AS_OF + timedelta(days=400),
            )
            decisions.decide(s, ACTOR, a.id, data)

        writes = [
            lambda: apps.update(s, ACTOR, target, AppUpdate(name="Aaa renamed")),
            lambda: vendors.update(s, ACTOR, vendor_id, VendorUpdate(name="Renamed vendor")),
            lambda: apps.update(s, ACTOR, target, revoke),
            lambda: apps.update(s, ACTOR, target, AppUpdate(revoked_on=None)),
            decide_again,  # valid for 400 days: no longer due
        ]
        for step, write in enumerate(writes):
            write()
            read.clear()
            patched = dashboard._due(s, AS_OF, 90)
            assert read and all(only is not None for only in read), step  # patched, not read all
            # Patched upon patched since the first computation: every row as a full read has it.
            kept = dashboard._kept_due(s, AS_OF, 90).rows
            assert kept == {d.app_id: d for d in real(s, AS_OF, 90)}, step
            first_ten = sorted(kept.values(), key=lambda d: (d.valid_until, d.app_name, d.app_id))
            assert patched[0] == first_ten[: dashboard.LIST_LIMIT], step
            assert patched[1:] == (len(kept), sum(1 for d in kept.values() if d.days_left < 0))
        cache.clear_all()  # and from nothing, the same
        assert dashboard._due(s, AS_OF, 90) == patched
        assert target not in {d.app_id for d in dashboard._kept_due(s, AS_OF, 90).rows.values()}
