"""Whole-list downloads list their ids with the page's own filters and sort, then read the rows
by id a chunk at a time (vetting/queries/sheet_rows.py). They must hold exactly what the page
shows across all its pages, in the page's order, with the page's own rules: an agreement's
state, conformance and newest signed file; an app's latest decision and assessment; a
vendor's representative agreement and counts; an assessment's decision."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from tests.benchmarks.bench_web import _signed_in
from tests.benchmarks.synthetic import Sizes, populate
from vetting import auth, clock, db
from vetting.core.baa import state_on
from vetting.core.baa_provisions import ProvisionStatus
from vetting.models import (
    BAA,
    App,
    Assessment,
    BaaDocument,
    BaaProvision,
    BaaStateMeta,
    BaaStateRow,
    Vendor,
)
from vetting.queries import browse, sheet_rows, sheets
from vetting.services import baa_states
from vetting.services import baas as baa_svc
from vetting.services.baa_provisions import catalogue

SIZES = Sizes(apps=120, vendors=30, baas=260, answers=2)
WARNING = 90
# Which agreement represents its vendor, by its state first (the vendors list's rule).
RANKED = [
    "active", "expiring", "not_yet_effective", "expired", "terminated", "superseded",
    "pending_signature", "draft",
]  # fmt: skip


def select_ids_of(model: Any) -> Any:
    return select(model.id)


def _every_page(fetch: Any) -> list[Any]:
    items, page = [], 1
    while True:
        found = fetch(page, 40)
        items += found.items
        if len(found.items) < 40:
            return items
        page += 1


def _csv(client: Any, url: str) -> list[dict[str, str]]:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code, resp.get_data()[:300])
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


@pytest.fixture
def listed(app, frozen_clock, monkeypatch):
    """The small synthetic set, with some agreements lacking a required provision, some with
    their product scope unreviewed and some with two signed files (the newer must be named),
    read in chunks of 7 rows."""
    populate(app.extensions["vetting.engine"], SIZES)
    monkeypatch.setattr(sheets, "CHUNK", 7)
    required = catalogue().provisions[0].key
    with app.app_context():
        s = db.session()
        ids = sorted(s.scalars(select_ids_of(BAA)))
        for i in ids[::9]:
            s.add(
                BaaProvision(
                    baa_id=i, key=required, status=ProvisionStatus.ABSENT, reviewed_by="legal"
                )
            )
        for i in ids[::7]:
            s.get(BAA, i).scope_reviewed = False
        at = datetime(2026, 1, 5, tzinfo=UTC)
        for n, i in enumerate(ids[::5]):
            for version in ("old", "new"):
                s.add(
                    BaaDocument(
                        baa_id=i,
                        sha256=f"{n:032x}{version:0>32}"[:64],
                        filename=f"baa-{i}-{version}.pdf",
                        content_type="application/pdf",
                        size=10,
                        uploaded_by="legal@example.org",
                        uploaded_at=at + timedelta(days=1 if version == "new" else 0),
                    )
                )
        s.commit()
    return _signed_in(app, "sheets@example.org")


REGISTER_VIEWS = [
    ("", {}),
    ("?sort=notice&filter=expiring", {"sort": "notice", "states": ["expiring"]}),
    (
        "?filter=in-force&sort=term_end&desc=1",
        {"sort": "term_end", "descending": True, "states": ["in_force"]},
    ),
    ("?q=vendor%2000001", {"q": "vendor 00001"}),
    (
        "?sort=effective&desc=1&within_days=365",
        {"sort": "effective", "descending": True, "within_days": 365},
    ),
    ("?filter=non-conforming", {"non_conforming": True}),
    ("?filter=needs-legal", {"needs_fixing": True}),
    ("?filter=scope-unreviewed&sort=breach", {"scope_reviewed": False, "sort": "breach"}),
    ("?vendor_id=3&sort=effective", {"vendor_id": 3, "sort": "effective"}),
    # a search in vendor order (the page's own path walks the kept vendor order)
    ("?q=vendor&desc=1", {"q": "vendor", "descending": True}),
    ("?as_of=2027-06-30&filter=expired", {"states": ["expired"]}),
]


@pytest.mark.parametrize(("query", "selection"), REGISTER_VIEWS)
def test_the_register_download_is_its_pages_in_their_order(app, listed, query, selection):
    got = _csv(listed, f"/baas/export.csv{query}")
    as_of = (
        datetime.strptime(query.split("as_of=")[1][:10], "%Y-%m-%d").date()
        if ("as_of=" in query)
        else None
    )
    with app.app_context():
        s = db.session()
        views = _every_page(
            lambda page, n: baa_svc.list_(
                s, baa_svc.Selection(as_of=as_of, warning_days=WARNING, **selection), page, n
            )
        )
        assert views
        assert [int(r["BAA"]) for r in got] == [v.baa.id for v in views]
        for r, v in zip(got, views, strict=True):
            assert r["State"] == str(v.status.state)
            assert r["In force through"] == (
                v.status.term_end.isoformat() if v.status.term_end else ""
            )
            assert r["Provisions"] == ("conforming" if v.standing.conforming else "non-conforming")
            assert r["Signed document"] == (v.document.filename if v.document else "")
        if query == "?filter=non-conforming":
            assert got and all(r["Provisions"] == "non-conforming" for r in got)
        if query == "":
            assert any(r["Signed document"].endswith("-new.pdf") for r in got)
            assert not any(r["Signed document"].endswith("-old.pdf") for r in got)


@pytest.mark.parametrize(
    "query", ["", "?sort=vendor&desc=1", "?sort=updated", "?q=app%200001&platform=ios"]
)
def test_the_apps_download_is_its_pages_in_their_order(app, listed, query):
    got = _csv(listed, f"/apps/export.csv{query}")
    args = dict(p.split("=") for p in query[1:].split("&")) if query else {}
    with app.app_context():
        rows = _every_page(
            lambda page, n: browse.app_table(
                db.session(),
                q=args.get("q", "").replace("%20", " ") or None,
                platform=args.get("platform"),
                sort=args.get("sort", "name"),
                descending=args.get("desc") == "1",
                page=page,
                per_page=n,
            )
        )
        assert rows
        assert [(r["App"], r["Vendor"]) for r in got] == [(a.app.name, a.vendor_name) for a in rows]
        for r, a in zip(got, rows, strict=True):
            assert r["Decision"] == (a.decision.decision if a.decision else "")
            assert r["Verdict"] == (a.assessment.verdict if a.assessment else "")
            assert r["Score"] == (str(a.assessment.score) if a.assessment else "")


@pytest.mark.parametrize(
    "query", ["", "?sort=apps&desc=1", "?sort=created", "?q=vendor%200002", "?q=vendor&sort=apps"]
)
def test_the_vendors_download_is_its_pages_in_their_order(app, listed, query):
    got = _csv(listed, f"/vendors/export.csv{query}")
    args = dict(p.split("=") for p in query[1:].split("&")) if query else {}
    with app.app_context():
        rows = _every_page(
            lambda page, n: browse.vendor_table(
                db.session(),
                q=args.get("q", "").replace("%20", " ") or None,
                sort=args.get("sort", "name"),
                descending=args.get("desc") == "1",
                page=page,
                per_page=n,
                as_of=clock.today(),
                warning_days=WARNING,
            )
        )
        assert rows
        expected = [
        (v.vendor.name, str(v.app_count), str(v.baa_count),
         str(v.baa.status.state) if v.baa else "no BAA",
         v.baa.status.term_end.isoformat() if v.baa and v.baa.status.term_end else "")
        for v in rows
        ]  # fmt: skip
        assert [
            (r["Vendor"], r["Apps"], r["BAAs"], r["BAA state"], r["BAA in force through"])
            for r in got
        ] == expected


def test_a_vendors_representative_from_todays_kept_states_is_the_one_worked_out(
    app, listed, monkeypatch
):
    """Today's download reads the kept states (one join) instead of working out 100,000: it
    must name the agreement and state the terms give, also right after a write; another day
    must not read today's kept states."""
    with app.app_context():
        s = db.session()
        ids = sorted(s.scalars(select_ids_of(Vendor)))
        today = clock.today()

        def worked_out(day: Any) -> dict[int, browse.Represented]:
            """The rule, from each agreement's terms: in force first, then the latest
            effective date, then the first recorded."""
            own: dict[int, list[tuple[Any, ...]]] = {}
            for b in s.scalars(select(BAA).where(BAA.vendor_id.in_(ids))):
                st = state_on(baa_svc.terms_of(b), day, WARNING)
                key = (RANKED.index(st.state), -b.effective_date.toordinal(), b.id)
                own.setdefault(b.vendor_id, []).append((key, str(st.state), st.term_end))
            return {
                v: browse.Represented(min(c)[0][2], len(c), min(c)[1], min(c)[2])
                for v, c in own.items()
            }

        expected = worked_out(today)
        baa_states.ensure(db.engine(), today, WARNING)
        with monkeypatch.context() as m:  # today's kept states are read, not worked out
            m.setattr(browse, "state_on", lambda *a: pytest.fail("worked out"))
            kept = browse.vendor_representatives(s, ids, today, WARNING)
        assert kept == expected
        assert len({r.state for r in kept.values()}) >= 2
        # the case a careless rule gets wrong is here: a vendor with two agreements in its
        # best state (the later effective date must win, not the first recorded)
        tied = 0
        for v in ids:
            states = [
                str(state_on(baa_svc.terms_of(b), today, WARNING).state)
                for b in s.scalars(select(BAA).where(BAA.vendor_id == v))
            ]
            tied += bool(states) and states.count(min(states, key=RANKED.index)) > 1
        assert tied
        # an agreement with no kept row (inserted around the services) is worked out, and
        # stale kept states (another day's) are not read at all
        s.execute(delete(BaaStateRow).where(BaaStateRow.baa_id.in_(select(BAA.id).limit(40))))
        assert browse.vendor_representatives(s, ids, today, WARNING) == expected
        s.execute(update(BaaStateMeta).values(on=today - timedelta(days=1)))
        s.execute(update(BaaStateRow).values(state="draft", term_end=None))
        assert browse.vendor_representatives(s, ids, today, WARNING) == expected
        s.rollback()
        # a termination today changes the vendor's representative at once
        target = next(v for v, r in kept.items() if r.state == "active")
        for baa in s.scalars(select(BAA).where(BAA.vendor_id == target)).all():
            if state_on(baa_svc.terms_of(baa), today, WARNING).state in ("active", "expiring"):
                baa_svc.terminate(s, auth.CLI_PRINCIPAL, baa.id, today, "breach")
        assert browse.vendor_representatives(s, ids, today, WARNING) == worked_out(today)
        assert browse.vendor_representatives(s, ids, today, WARNING)[target] != kept[target]
        for day in (today + timedelta(days=45), today - timedelta(days=200)):
            assert browse.vendor_representatives(s, ids, day, WARNING) == worked_out(day)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?sort=score&desc=0",
        "?sort=app&status=decided",
        "?q=app%200001&verdict=approved&checklist=clinical-photo&sort=updated",
    ],
)
def test_the_assessments_download_is_its_pages_in_their_order(app, listed, query):
    got = _csv(listed, f"/assessments/export.csv{query}")
    args = dict(p.split("=") for p in query[1:].split("&")) if query else {}
    with app.app_context():
        rows = _every_page(
            lambda page, n: browse.assessment_table(
                db.session(),
                q=args.get("q", "").replace("%20", " ") or None,
                verdict=args.get("verdict"),
                checklist_id=args.get("checklist"),
                status=args.get("status"),
                sort=args.get("sort", "started"),
                descending=args.get("desc", "1") == "1",
                page=page,
                per_page=n,
            )
        )
        assert rows
        assert [int(r["#"]) for r in got] == [a.assessment.id for a in rows]
        for r, a in zip(got, rows, strict=True):
            assert r["Decision"] == (a.decision.decision if a.decision else "")
            assert r["Vendor"] == a.vendor_name


def test_a_row_gone_since_its_id_was_listed_is_left_out_and_the_order_kept(app, listed):
    """The ids are listed when the download is asked for and read later, a chunk at a time:
    a row deleted in between is skipped (no error, no empty row) and the rest keep the listed
    order, which is not the ids' own."""
    with app.app_context():
        s = db.session()
        for model, read in (
            (BAA, lambda ids: sheet_rows.register(s, ids, clock.today(), WARNING)),
            (App, lambda ids: sheet_rows.apps(s, ids)),
            (Vendor, lambda ids: sheet_rows.vendors(s, ids, clock.today(), WARNING)),
            (Assessment, lambda ids: sheet_rows.assessments(s, ids)),
        ):
            first, second = sorted(s.scalars(select_ids_of(model)))[:2]
            rows = read([second, 10**9, first])
            assert [r.id if hasattr(r, "id") else r.name for r in rows] == (
                [second, first]
                if model is not Vendor
                else [s.get(Vendor, second).name, s.get(Vendor, first).name]
            ), model
            assert read([]) == []


def test_the_api_downloads_are_the_lists_in_their_order(app, listed, make_token):
    """The API's register and apps downloads (default order: vendor; name) under filters."""
    token = make_token("admin")
    got = _csv_api(listed, "/api/v1/baas/register.csv?state=expired&q=vendor", token)
    with app.app_context():
        views = _every_page(
            lambda page, n: baa_svc.list_(
                db.session(),
                baa_svc.Selection(warning_days=WARNING, states=["expired"], q="vendor"),
                page,
                n,
            )
        )
        assert views
        assert [int(r["BAA"]) for r in got] == [v.baa.id for v in views]
    got = _csv_api(listed, "/api/v1/apps/export.csv?platform=android", token)
    with app.app_context():
        rows = _every_page(
            lambda page, n: browse.app_table(
                db.session(), platform="android", page=page, per_page=n
            )
        )
        assert rows
        assert [(r["App"], r["Platform"]) for r in got] == [
            (a.app.name, a.app.platform) for a in rows
        ]


def _csv_api(client: Any, url: str, headers: dict[str, str]) -> list[dict[str, str]]:
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200, (url, resp.status_code, resp.get_data()[:300])
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
