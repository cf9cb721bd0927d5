"""The live list worked out from the last release plus what changed since it must be exactly
the list (and diff) a full computation gives: checked on random histories of changes made
through the services, with publications and days passing in between."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlmodel import col

from tests.answers import answer_everything
from vetting import audit, auth, clock, db
from vetting.core.allowlist import diff_lists
from vetting.core.releases import list_from_content
from vetting.db import transaction
from vetting.errors import VettingError
from vetting.models import BAA, App, BaaException, DecisionCondition
from vetting.queries import allowlist, live_list
from vetting.queries import releases as reads
from vetting.queries.decisions import awaiting_second
from vetting.schemas import (
    AnswerIn,
    AppCreate,
    AppUpdate,
    AssessmentCreate,
    BaaCreate,
    BaaRenew,
    BaaUpdate,
    DecisionIn,
    ParentAgreementCreate,
    ParentAgreementUpdate,
    VendorCreate,
    VendorUpdate,
)
from vetting.services import (
    apps,
    assessments,
    baa_provisions,
    baas,
    decisions,
    parent_agreements,
    releases,
    vendors,
)

ACTOR = auth.CLI_PRINCIPAL
SIGNED = "signed original in the contracts share"
SECOND = auth.Principal("second@example.org", "legal", auth.ROLE_SCOPES["legal"], "user")
SECOND = auth.Principal("second@x.org", "admin", frozenset(auth.SCOPES), kind="user")


def full_and_live(s, as_of: date):
    """The live list and diff, and what computing everything gives, for one date."""
    release = reads.latest(s, with_content=False)
    live = live_list.compute(s, as_of, release)
    full = live_list.sorted_list(allowlist.compute(s, as_of))
    previous = None
    if release is not None:
        previous = list_from_content(reads.latest(s).content, release.as_of)
    return live, full, diff_lists(previous, full)


def assert_same(s, as_of: date) -> bool:
    live, full, diff = full_and_live(s, as_of)
    assert live.current.as_of == as_of
    assert live.current.entries == full.entries, as_of
    assert live.current.excluded == full.excluded, as_of
    assert live.diff == diff, as_of
    return live.incremental


class History:
    """Random changes through the services (each one audited as in production)."""

    def __init__(self, s, checklists, rng: random.Random) -> None:
        self.s, self.checklists, self.rng = s, checklists, rng
        self.vendors: list[int] = []
        self.apps: list[int] = []
        self.baas: list[int] = []
        self.n = 0

    def day(self, spread: int = 120) -> date:
        return clock.today() + timedelta(days=self.rng.randint(-spread, spread))

    def step(self) -> str:
        ops = [self.vendor, self.app, self.decide, self.decide, self.baa, self.baa]
        ops += [self.override, self.second_person, self.meet_condition]
        if self.apps:
            ops += [self.edit_app, self.revoke, self.delete_app]
        if self.vendors:
            ops += [self.rename_vendor]
        if self.baas:
            ops += [self.activate, self.renew, self.terminate, self.edit_baa]
            ops += [self.scope, self.provision, self.provision, self.exception, self.confirm]
            ops += [self.publish]  # keeps publishing as frequent among the steps as before
        ops += [self.publish, self.publish, self.travel]
        op = self.rng.choice(ops)
        try:
            op()
        except VettingError:
            self.s.rollback()  # a refused change (e.g. terminating twice) changes nothing
        return op.__name__

    def vendor(self) -> None:
        self.n += 1
        self.vendors.append(vendors.create(self.s, ACTOR, VendorCreate(name=f"V{self.n}")).id)

    def app(self) -> None:
        if not self.vendors:
            self.vendor()
        self.n += 1
        data = AppCreate(
            vendor_id=self.rng.choice(self.vendors),
            name=f"App {self.rng.choice('ABC')}{self.n}",
            platform=self.rng.choice(["ios", "android", "web"]),
            store_id=None,
        )
        self.apps.append(apps.create(self.s, ACTOR, data).id)

    def edit_app(self) -> None:
        change = self.rng.choice(["name", "vendor", "store"])
        self.n += 1
        if change == "store":  # a store ID the decision was not made about
            data = AppUpdate(store_id=f"com.moved.app{self.n}")
        elif change == "name" or not self.vendors:
            data = AppUpdate(name=f"Renamed {self.rng.randint(1, 99)}")
        else:
            data = AppUpdate(vendor_id=self.rng.choice(self.vendors))
        apps.update(self.s, ACTOR, self.rng.choice(self.apps), data)

    def override(self) -> None:
        """Approve an assessment whose verdict is a rejection: pending a second person."""
        if not self.apps:
            self.app()
        a = assessments.create(
            self.s,
            ACTOR,
            self.checklists,
            AssessmentCreate(app_id=self.rng.choice(self.apps), checklist_id="clinical-photo"),
        )
        answer_everything(self.s, self.checklists["clinical-photo"], a.id)
        assessments.answer(
            self.s, ACTOR, a.id, "baa_signed", AnswerIn(value=False, source="attested")
        )
        data = DecisionIn(
            decision="approved",
            justification="security committee accepted the risk",
            valid_until=clock.today() + timedelta(days=self.rng.randint(1, 150)),
        )
        decisions.decide(self.s, ACTOR, a.id, data)

    def second_person(self) -> None:
        pending = awaiting_second(self.s)
        if not pending:
            return
        d = self.rng.choice(pending)
        assert d.id is not None
        if self.rng.random() < 0.7:
            decisions.confirm(self.s, SECOND, d.id)
        else:
            decisions.refuse(self.s, SECOND, d.id, "not convinced")

    def meet_condition(self) -> None:
        open_ = self.s.scalars(
            select(DecisionCondition).where(col(DecisionCondition.met_at).is_(None))
        ).all()
        if open_:
            c = self.rng.choice(list(open_))
            assert c.id is not None
            decisions.meet_condition(self.s, SECOND, c.id, "checked in the MDM console")

    def revoke(self) -> None:
        data = AppUpdate(revoked_on=self.day(40), revoked_reason="vendor sold")
        apps.update(self.s, ACTOR, self.rng.choice(self.apps), data)

    def delete_app(self) -> None:
        app_id = self.rng.choice(self.apps)
        apps.delete(self.s, ACTOR, app_id)  # refused once assessed
        self.apps.remove(app_id)

    def rename_vendor(self) -> None:
        self.n += 1
        vendors.update(
            self.s, ACTOR, self.rng.choice(self.vendors), VendorUpdate(name=f"W{self.n}")
        )

    def decide(self) -> None:
        if not self.apps:
            self.app()
        checklist = self.rng.choice(["clinical-photo", "secure-messaging"])
        a = assessments.create(
            self.s,
            ACTOR,
            self.checklists,
            AssessmentCreate(app_id=self.rng.choice(self.apps), checklist_id=checklist),
        )
        answer_everything(self.s, self.checklists[checklist], a.id)
        decision = self.rng.choice(["approved", "approved", "conditional", "rejected"])
        valid = clock.today() + timedelta(days=self.rng.randint(2, 150))
        due = clock.today() + timedelta(days=self.rng.randint(1, (valid - clock.today()).days))
        conditions = [{"text": "camera roll off", "due_date": due, "owner": "it@x.org"}]
        data = DecisionIn(
            decision=decision,
            justification="reviewed by the security committee",
            conditions=conditions if decision == "conditional" else [],
            valid_until=valid,
        )
        decisions.decide(self.s, ACTOR, a.id, data)

    def baa(self) -> None:
        if not self.vendors:
            self.vendor()
        effective = self.day(200)
        kind = self.rng.choice(["term", "term", "evergreen", "auto"])
        fields: dict = {}
        if kind != "evergreen":
            fields["expiration_date"] = effective + timedelta(days=self.rng.randint(20, 400))
        if kind == "auto":
            fields |= {"auto_renews": True, "renewal_term_months": 1, "notice_days": 10}
        status = self.rng.choice(["active", "active", "active", "draft", "pending_signature"])
        data = BaaCreate(
            vendor_id=self.rng.choice(self.vendors),
            effective_date=effective,
            status=status,
            signed_copy_note=SIGNED,
            **fields,
        )
        self.baas.append(baas.create(self.s, ACTOR, data).id)

    def activate(self) -> None:
        baa_id = self.rng.choice(self.baas)
        status = {"draft": "pending_signature", "pending_signature": "active"}.get(
            baas.get(self.s, baa_id).status, "active"
        )
        baas.update(self.s, ACTOR, baa_id, BaaUpdate(status=status, signed_copy_note=SIGNED))

    def edit_baa(self) -> None:
        baa_id = self.rng.choice(self.baas)
        old = baas.get(self.s, baa_id)
        end = old.effective_date + timedelta(days=self.rng.randint(5, 300))
        baas.update(self.s, ACTOR, baa_id, BaaUpdate(expiration_date=end))

    def renew(self) -> None:
        baa_id = self.rng.choice(self.baas)
        start = self.day(60)
        data = BaaRenew(
            effective_date=start,
            expiration_date=start + timedelta(days=self.rng.randint(30, 365)),
            status=self.rng.choice(["active", "active", "pending_signature"]),
            signed_copy_note=SIGNED,
        )
        self.baas.append(baas.renew(self.s, ACTOR, baa_id, data).id)

    def terminate(self) -> None:
        baas.terminate(self.s, ACTOR, self.rng.choice(self.baas), self.day(60), "breach")

    def scope(self) -> None:
        baa = baas.get(self.s, self.rng.choice(self.baas))
        theirs = self.s.scalars(select(App.id).where(col(App.vendor_id) == baa.vendor_id)).all()
        if not theirs or self.rng.random() < 0.3:
            baa_provisions.set_scope(self.s, ACTOR, baa.id, True, [])
            return
        some = self.rng.sample(list(theirs), self.rng.randint(1, len(theirs)))
        baa_provisions.set_scope(self.s, ACTOR, baa.id, False, some)

    def provision(self) -> None:
        key = self.rng.choice(["subcontractors", "access", "termination"])
        status = self.rng.choice(["absent", "absent", "present", "not_reviewed"])
        baa_provisions.set_provision(
            self.s, ACTOR, self.rng.choice(self.baas), key, status, None, "§7"
        )

    def exception(self) -> None:
        ends = clock.today() + timedelta(days=self.rng.randint(0, 60))
        baa_provisions.add_exception(
            self.s, ACTOR, self.rng.choice(self.baas), "accepted until the renewal closes", ends
        )

    def confirm(self) -> None:
        waiting = self.s.scalars(
            select(BaaException.id).where(col(BaaException.confirmed_at).is_(None))
        ).all()
        if waiting:
            baa_provisions.confirm_exception(self.s, SECOND, self.rng.choice(list(waiting)))

    def publish(self) -> None:
        releases.publish(self.s, ACTOR, clock.today(), allow_shrink=True)

    def travel(self) -> None:
        clock.freeze(clock.today() + timedelta(days=self.rng.randint(1, 45)))


@pytest.mark.parametrize("seed", range(6))
def test_live_list_is_the_full_computation_on_random_histories(app, seed, monkeypatch):
    if seed % 2:  # half the runs patch the list by one sort instead of edits in place
        monkeypatch.setattr(live_list, "EDITS_BEFORE_SORT", 0)
    rng = random.Random(seed)
    incremental = checks = 0
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], rng)
        for _ in range(8):
            history.vendor()
        for _ in range(70):
            op = history.step()
            dates = {clock.today(), history.day(90)}
            if op == "publish":  # nothing touched since: only the days passing can change it
                dates |= {history.day(400) for _ in range(6)}
                dates |= {clock.today() + timedelta(days=d) for d in (-1, 1, 2, 30)}
            for as_of in dates:
                try:
                    incremental += assert_same(s, as_of)
                except AssertionError as exc:
                    raise AssertionError(f"after {op} (seed {seed}), as of {as_of}") from exc
                checks += 1
    # Most answers came from the release plus the changed apps, not a full recomputation.
    assert incremental > checks // 2, (incremental, checks)


def test_a_small_change_recomputes_only_the_apps_it_touches(app):
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(7))
        for _ in range(30):
            history.app()
        history.decide()
        releases.publish(s, ACTOR, clock.today(), allow_shrink=True)
        live, _, _ = full_and_live(s, clock.today())
        assert live.incremental and live.recomputed == 0 and live.diff.empty

        target = history.apps[3]
        apps.update(s, ACTOR, target, AppUpdate(name="Renamed"))
        live, full, diff = full_and_live(s, clock.today())
        assert live.incremental and live.recomputed == 1
        assert live.current == full and live.diff == diff


def test_a_parent_agreement_or_a_store_listing_change_keeps_the_list_patched(app):
    """Neither is read by the list (a parent's terms reach it through the BAAs that follow
    it, each audited as a BAA change): the list stays patched, not computed whole, and exact
    when the parent's new end date ends its follower's coverage."""
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(5))
        for _ in range(8):
            history.app()
        for _ in range(8):
            history.decide()
        vendor_id = s.get(App, history.apps[0]).vendor_id
        parent = parent_agreements.create(
            s, ACTOR, ParentAgreementCreate(
                vendor_id=vendor_id, name="Master agreement",
                effective_date=clock.today() - timedelta(days=300),
            ),
        )  # fmt: skip
        baas.create(
            s, ACTOR, BaaCreate(
                vendor_id=vendor_id, parent_id=parent.id, follows_parent=True,
                signed_copy_note=SIGNED,
            ),
        )  # fmt: skip
        releases.publish(s, ACTOR, clock.today(), allow_shrink=True)
        live, _, _ = full_and_live(s, clock.today())
        assert live.incremental and live.recomputed == 0

        parent_agreements.update(
            s, ACTOR, parent.id,
            ParentAgreementUpdate(expiration_date=clock.today() - timedelta(days=1)),
        )  # fmt: skip
        live, full, diff = full_and_live(s, clock.today())
        assert live.incremental and live.current == full and live.diff == diff
        assert 0 < live.recomputed <= len(history.apps)

        with transaction(s):
            audit.record(
                s, ACTOR.name, "store_listing.update", "store_listing", history.apps[1], None,
                {"title": "What the store says now"},
            )  # fmt: skip
        again, full, diff = full_and_live(s, clock.today())
        assert again.incremental and again.current == full and again.diff == diff
        assert again.recomputed == live.recomputed


def test_a_kept_list_brought_up_to_date_after_each_write_is_the_full_computation(app, monkeypatch):
    """A release dated days ago: the first list after it reads the days in between; each
    later write only works out the apps it touched (the days are not read again) — including
    rows written around the services (no audit event) after the list was kept — and stays
    exact."""
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(11))
        for _ in range(6):
            history.decide()
            history.baa()
        releases.publish(s, ACTOR, clock.today() - timedelta(days=20), allow_shrink=True)
        assert assert_same(s, clock.today())
        first = live_list.compute(s, clock.today(), reads.latest(s, with_content=False))
        apps.update(s, ACTOR, history.apps[0], AppUpdate(name="Renamed after keeping"))

        def not_again(*_args):
            raise AssertionError("the days between the release and today were read again")

        def not_rebuilt(*_args):
            raise AssertionError("the list and its diff were rebuilt from the release")

        with monkeypatch.context() as m:
            m.setattr(live_list, "_apps_dated_between", not_again)
            m.setattr(live_list, "_vendors_changing_between", not_again)
            m.setattr(live_list, "_patched", not_rebuilt)  # the kept list is edited instead
            live, full, diff = full_and_live(s, clock.today())
        assert live.incremental and live.current == full and live.diff == diff
        assert first.recomputed <= live.recomputed <= first.recomputed + 1
        for _ in range(4):
            history.step()
            assert assert_same(s, clock.today())
        _insert_app_directly(s, history.vendors[0], "Inserted directly after keeping")
        live, full, diff = full_and_live(s, clock.today())
        assert live.current == full and live.diff == diff
        assert any(x.name == "Inserted directly after keeping" for x in live.current.excluded)


def test_each_write_edits_the_kept_list_and_its_diff_in_their_orders(app, monkeypatch):
    """After the first list of a day, each write edits the kept list and its diff rather than
    rebuilding both from the release: every kind of change (added, removed, changed, blocked,
    unblocked) lands where a full comparison puts it — removed ones in the release's order
    even when the app was renamed since (its name sorts elsewhere now)."""

    def not_rebuilt(*_args):
        raise AssertionError("the list and its diff were rebuilt from the release")

    with app.app_context():
        s = db.session()
        checklists = app.extensions["vetting.checklists"]
        history = History(s, checklists, random.Random(5))
        vendor = vendors.create(s, ACTOR, VendorCreate(name="Edited Vendor")).id
        start = clock.today() - timedelta(days=30)
        data = BaaCreate(vendor_id=vendor, effective_date=start, status="active")
        baas.create(s, ACTOR, data.model_copy(update={"signed_copy_note": SIGNED}))

        def decided(app_id: int, decision: str) -> None:
            a = assessments.create(
                s, ACTOR, checklists, AssessmentCreate(app_id=app_id, checklist_id="clinical-photo")
            )
            answer_everything(s, checklists["clinical-photo"], a.id)
            why = "reviewed by the security committee"
            decisions.decide(s, ACTOR, a.id, DecisionIn(decision=decision, justification=why))

        ids = []
        for n in range(12):  # names sort against their ids: Z first created, A last
            name = f"App {chr(ord('Z') - n)}"
            data = AppCreate(vendor_id=vendor, name=name, platform="ios", store_id=None)
            ids.append(apps.create(s, ACTOR, data).id)
            decided(ids[-1], "rejected" if n % 4 == 3 else "approved")
        releases.publish(s, ACTOR, clock.today(), allow_shrink=True)
        assert assert_same(s, clock.today())
        revoke = AppUpdate(revoked_on=clock.today(), revoked_reason="vendor sold")
        writes = [
            lambda: apps.update(s, ACTOR, ids[0], revoke),  # removed
            lambda: apps.update(s, ACTOR, ids[4], AppUpdate(name="Aardvark")),  # changed
            lambda: apps.update(s, ACTOR, ids[5], AppUpdate(name="Aaa moved")),
            lambda: apps.update(s, ACTOR, ids[5], revoke),  # removed, renamed: release order
            lambda: apps.update(s, ACTOR, ids[9], revoke),  # removed
            lambda: decided(ids[3], "approved"),  # unblocked and added
            lambda: decided(ids[6], "rejected"),  # blocked and removed
            lambda: apps.update(s, ACTOR, ids[0], AppUpdate(revoked_on=None)),  # back on
            lambda: history.app(),  # a new app: off the list, in neither
            lambda: apps.update(s, ACTOR, ids[8], AppUpdate(name="Zz last")),
        ]
        kinds = set()
        for step, write in enumerate(writes):
            write()
            with monkeypatch.context() as m:
                m.setattr(live_list, "_patched", not_rebuilt)
                live, full, diff = full_and_live(s, clock.today())
            assert live.incremental, step
            assert live.current == full, step
            assert live.diff == diff, step
            kinds |= {k for k in diff.KINDS if getattr(diff, k)}
        assert kinds == set(diff.KINDS)
        assert len(live.diff.removed) >= 3


def test_after_an_untraceable_write_the_list_is_computed_whole_once_then_patched(app, monkeypatch):
    """An import (one audit event naming no record) cannot be traced: the next list is
    computed whole — and kept, so the writes after it are traced from there rather than each
    computing everything again until the next publish — and every list stays exact."""
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(13))
        for _ in range(6):
            history.app()
        for _ in range(6):
            history.decide()
            history.baa()
        releases.publish(s, ACTOR, clock.today(), allow_shrink=True)
        assert assert_same(s, clock.today())
        _insert_app_directly(s, history.vendors[0], "Imported in bulk")
        apps.update(s, ACTOR, history.apps[0], AppUpdate(name="Renamed by the import"))
        with transaction(s):
            audit.record(s, ACTOR.name, "app.import", "app", None, None, {"file": "apps.xlsx"})
        assert not assert_same(s, clock.today())  # computed whole
        assert_same(s, clock.today())  # nothing written since: what it kept, still exact

        computed_whole = []
        real = allowlist.compute

        def counted(session, as_of, app_ids=None):
            if app_ids is None:
                computed_whole.append(as_of)
            return real(session, as_of, app_ids)

        monkeypatch.setattr(allowlist, "compute", counted)
        for _ in range(6):
            history.step()
            live, full, diff = full_and_live(s, clock.today())
            assert live.current == full and live.diff == diff
        assert len(computed_whole) == 6  # only full_and_live's own computations
        assert any(x.name == "Imported in bulk" for x in live.current.excluded)


def test_kept_results_are_not_patched_from_a_history_a_restored_copy_lacks(app, tmp_path):
    """Restored from a backup, then written to until the audit sequence is past where the
    kept list and forecast stopped: the events they saw are gone, so they are not patched
    from there (the hash chain tells), and both stay the full computation."""
    with app.app_context():
        engine = app.extensions["vetting.engine"]
        if engine.dialect.name != "sqlite":
            pytest.skip("a file-level backup and restore")
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(3))
        for _ in range(3):
            history.app()
        for _ in range(4):
            history.decide()
        releases.publish(s, ACTOR, clock.today(), allow_shrink=True)
        s.close()
        engine.dispose()
        _copy_sqlite(engine.url.database, tmp_path / "backup.db")
        s = db.session()
        first, second = history.apps[0], history.apps[1]
        apps.update(s, ACTOR, first, AppUpdate(name="Renamed, then restored away"))
        assert assert_same(s, clock.today())
        live_list.forecast(s, clock.today(), 60)  # kept too
        s.close()
        engine.dispose()
        _copy_sqlite(tmp_path / "backup.db", engine.url.database)
        s = db.session()
        apps.update(s, ACTOR, second, AppUpdate(name="Written after the restore"))
        apps.update(s, ACTOR, second, AppUpdate(name="Written after the restore, again"))
        assert_same(s, clock.today())
        assert live_list.forecast(s, clock.today(), 60) == sorted(
            allowlist.forecast(s, clock.today(), 60),
            key=lambda d: (d.leaves_on, d.vendor_name, d.name, d.platform, d.app_id),
        )


def _insert_app_directly(s, vendor_id: int, name: str) -> None:
    """An app written around the services, as a bulk insert would: no audit event."""
    now = clock.now()
    s.execute(
        insert(App).values(
            vendor_id=vendor_id, name=name, platform="web", created_at=now, updated_at=now
        )
    )
    s.commit()


def _copy_sqlite(source: Any, target: Any) -> None:
    """A consistent copy of a SQLite database file, as a backup or a restore makes one."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def test_the_list_handed_over_after_publishing_is_kept_as_the_release_parsed_back(app, monkeypatch):
    """The web, the API and the daily job hand publish's list to live_list.published: the next
    page reads it instead of parsing the release, and it is the release's list exactly."""
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(3))
        for _ in range(12):
            history.decide()
            history.baa()
        result = releases.publish(s, ACTOR, clock.today(), allow_shrink=True)
        live_list.published(s, result.release, result.listed)

        def not_parsed(*_args):
            raise AssertionError("the release was parsed back")

        with monkeypatch.context() as m:
            m.setattr(live_list, "list_from_content", not_parsed)
            kept = live_list.release_list(s, result.release)
        assert kept == list_from_content(result.release.content, result.release.as_of)


def test_rows_written_around_the_services_make_it_compute_everything(app):
    """A bulk insert leaves no audit event: the newest app id gives it away."""
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(5))
        history.decide()
        releases.publish(s, ACTOR, clock.today(), allow_shrink=True)
        _insert_app_directly(s, history.vendors[0], "Inserted directly")
        live, full, diff = full_and_live(s, clock.today())
        assert not live.incremental
        assert live.current == full and live.diff == diff
        assert any(x.name == "Inserted directly" for x in live.current.excluded)


def test_days_passing_alone_move_apps_exactly_as_a_full_computation(app):
    """Published once, then nothing touched: every transition comes from a date — a BAA
    rolling over, expiring, starting, ending by termination or renewal; a decision expiring; a
    revocation taking effect. Every day around each of them must match."""
    today = clock.today()
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(11))

        def approved_app_of_vendor(valid_days: int = 300) -> tuple[int, int]:
            history.vendor()
            history.app()
            vendor_id, app_id = history.vendors[-1], history.apps[-1]
            apps.update(s, ACTOR, app_id, AppUpdate(vendor_id=vendor_id))
            a = assessments.create(
                s,
                ACTOR,
                history.checklists,
                AssessmentCreate(app_id=app_id, checklist_id="clinical-photo"),
            )
            answer_everything(s, history.checklists["clinical-photo"], a.id)
            decision = DecisionIn(
                decision="approved",
                justification="security committee approved it",
                valid_until=today + timedelta(days=valid_days),
            )
            decisions.decide(s, ACTOR, a.id, decision)
            return vendor_id, app_id

        def baa(vendor_id: int, **fields) -> int:
            data = BaaCreate(
                vendor_id=vendor_id,
                signed_copy_note=SIGNED,
                **{"effective_date": today - timedelta(days=100), **fields},
            )
            return baas.create(s, ACTOR, data).id

        v, _ = approved_app_of_vendor()  # rolls over monthly: the term end the list shows moves
        baa(
            v,
            expiration_date=today + timedelta(days=2),  # last day in force
            auto_renews=True,
            renewal_term_months=1,
            notice_days=5,
        )
        v, _ = approved_app_of_vendor()  # has rolled over monthly for a year
        baa(
            v,
            effective_date=today - timedelta(days=400),
            expiration_date=today - timedelta(days=373),
            auto_renews=True,
            renewal_term_months=1,
            notice_days=5,
        )
        v, _ = approved_app_of_vendor()  # expires in 4 days (in force through day 3)
        baa(v, expiration_date=today + timedelta(days=3))
        v, _ = approved_app_of_vendor()  # starts in 5 days
        baa(v, effective_date=today + timedelta(days=5))
        v, _ = approved_app_of_vendor()  # terminated from day 6
        baas.terminate(s, ACTOR, baa(v), today + timedelta(days=6), "breach")
        v, _ = approved_app_of_vendor()  # renewed from day 7 with a new term end
        old = baa(v, expiration_date=today + timedelta(days=59))
        baas.renew(
            s,
            ACTOR,
            old,
            BaaRenew(
                effective_date=today + timedelta(days=7),
                expiration_date=today + timedelta(days=399),
                signed_copy_note=SIGNED,
            ),
        )
        v, _ = approved_app_of_vendor(valid_days=8)  # decision expires after day 8
        baa(v)
        v, app_id = approved_app_of_vendor()  # revoked from day 9
        baa(v)
        apps.update(s, ACTOR, app_id, AppUpdate(revoked_on=today + timedelta(days=9)))

        moved = 0
        # Published today, then ten days later: the days checked lie after and before it.
        for published in (today, today + timedelta(days=10)):
            clock.freeze(published)
            releases.publish(s, ACTOR, published, allow_shrink=True)
            for offset in range(-14, 45):
                live, full, diff = full_and_live(s, published + timedelta(days=offset))
                assert live.incremental, (published, offset)
                assert live.current == full and live.diff == diff, (published, offset)
                moved += not diff.empty
        assert moved >= 100  # the transitions happened, and were seen


@pytest.mark.parametrize("seed", range(4))
def test_the_kept_forecast_is_the_full_forecast_on_random_histories(app, seed, monkeypatch):
    """The dashboard's forecast is computed once and patched after each write for the apps
    the write can touch: after every step of a random history it must equal a forecast
    computed from nothing, and most steps must have been patches."""
    rng = random.Random(100 + seed)
    calls = {"full": 0, "patch": 0}
    real = allowlist.forecast

    def counted(s, today, days, app_ids=None):
        calls["full" if app_ids is None else "patch"] += 1
        return real(s, today, days, app_ids)

    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], rng)
        for _ in range(6):
            history.vendor()
        for step in range(60):
            op = history.step()
            for days in (30, 120):
                with monkeypatch.context() as m:
                    m.setattr(allowlist, "forecast", counted)
                    kept = live_list.forecast(s, clock.today(), days)
                full = allowlist.forecast(s, clock.today(), days)
                assert kept == full, f"after {op} (seed {seed}, step {step}, {days} days)"
    # whole recomputations only on the first call of each day and window (and rare
    # untraceable steps); the rest were patches of the apps a step touched
    assert calls["patch"] > calls["full"], calls


def test_the_kept_forecast_sees_rows_written_around_the_services(app):
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(9))
        for _ in range(5):
            history.decide()
            history.baa()
        today = clock.today()
        assert live_list.forecast(s, today, 90) == allowlist.forecast(s, today, 90)
        # a BAA inserted directly (no audit event) that ends soon for a listed vendor
        vendor_id = history.vendors[0]
        s.execute(
            insert(BAA).values(
                vendor_id=vendor_id, effective_date=today - timedelta(days=400),
                expiration_date=today + timedelta(days=10), status="active",
                created_at=clock.now(), updated_at=clock.now(),
            )
        )  # fmt: skip
        s.commit()
        assert live_list.forecast(s, today, 90) == allowlist.forecast(s, today, 90)


def test_a_write_is_traced_once_per_unit_of_work_for_every_kept_result(app):
    """The live list, the forecast and the reassessments due have usually seen the same
    state: the second asking for the same (kept, now, day) runs no statement, yet gets the
    apps its own kept result holds for a touched vendor; a later write is traced afresh."""
    from sqlalchemy import event

    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(11))
        for _ in range(6):
            history.app()
        today = clock.today()
        kept = live_list.newest_seen(s)
        vendor_id = s.scalar(select(App.vendor_id).where(col(App.id) == history.apps[0]))
        vendors.update(s, ACTOR, vendor_id, VendorUpdate(name="Renamed vendor"))
        now = live_list.newest_seen(s)
        theirs = set(s.scalars(select(App.id).where(col(App.vendor_id) == vendor_id)))
        statements: list[str] = []
        engine = db.engine()

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            first = live_list.touched_since(s, kept, now, {}, today)
            traced = len(statements)
            again = live_list.touched_since(s, kept, now, {vendor_id: {99_999}}, today)
            assert len(statements) == traced > 0
            assert first == theirs and again == theirs | {99_999}
            apps.update(s, ACTOR, history.apps[-1], AppUpdate(name="Renamed app"))
            later = live_list.newest_seen(s)
            statements.clear()
            after = live_list.touched_since(s, kept, later, {}, today)
            assert statements  # traced afresh: a new state
            assert after == theirs | {history.apps[-1]}
        finally:
            event.remove(engine, "before_cursor_execute", count)


def test_the_recompute_limit_counts_each_kept_results_own_apps(app, monkeypatch):
    """One tracing serves every kept result, but the limit is applied per caller to the apps
    it would redo (the traced ones plus those it holds for a touched vendor): one over it is
    told to compute everything (None), another under it with the same tracing is not."""
    with app.app_context():
        s = db.session()
        history = History(s, app.extensions["vetting.checklists"], random.Random(13))
        for _ in range(4):
            history.app()
        today = clock.today()
        kept = live_list.newest_seen(s)
        vendor_id = s.scalar(select(App.vendor_id).where(col(App.id) == history.apps[0]))
        vendors.update(s, ACTOR, vendor_id, VendorUpdate(name="Renamed again"))
        now = live_list.newest_seen(s)
        theirs = set(s.scalars(select(App.id).where(col(App.vendor_id) == vendor_id)))
        monkeypatch.setattr(live_list, "MAX_RECOMPUTE", len(theirs) + 1)
        many = {vendor_id: set(range(100_000, 100_002))}  # two more than the limit allows
        assert live_list.touched_since(s, kept, now, many, today) is None
        assert live_list.touched_since(s, kept, now, {}, today) == theirs
        assert live_list.touched_since(s, kept, now, many, today) is None  # not from the memo
