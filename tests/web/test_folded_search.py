"""Searches read kept folded text (migration 0023: app.name_folded, app.store_id_folded,
baa.title_folded) instead of calling lower() per row: the fold must follow every way a name
or title is written (API, web form, import, Core inserts), match non-ASCII names as before,
and stay out of audit records. The faster list pages must show the same rows, counts and
order as the plain computation."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from tests.web.conftest import ACTOR
from vetting import clock, db
from vetting.db import fold
from vetting.models import BAA, App, AuditEvent, BaaProvision, Vendor
from vetting.queries import browse
from vetting.schemas import AppCreate, AppUpdate, BaaCreate, BaaUpdate, VendorCreate, VendorUpdate
from vetting.services import apps, vendors
from vetting.services import baas as baa_svc

SIGNED = "signed copy in the contracts share"


def _folded_rows(app: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with app.app_context():
        s = db.session()
        apps_ = s.execute(select(App.name, App.name_folded, App.store_id, App.store_id_folded))
        baas_ = s.execute(select(BAA.title, BAA.title_folded))
        return [tuple(r) for r in apps_], [tuple(r) for r in baas_]


def _all_in_step(app: Any) -> None:
    """Every stored folded value is the fold of its text (None for None)."""
    app_rows, baa_rows = _folded_rows(app)
    for name, name_f, store, store_f in app_rows:
        assert name_f == fold(name) and store_f == fold(store), (name, name_f, store, store_f)
    for title, title_f in baa_rows:
        assert title_f == fold(title), (title, title_f)


def _upload(client: Any, headers: dict[str, str], kind: str, data: bytes) -> Any:
    return client.post(
        f"/api/v1/imports/{kind}",
        headers=headers,
        data={"file": (io.BytesIO(data), f"{kind}.csv")},
        content_type="multipart/form-data",
    )


def _app_ids(client: Any, headers: dict[str, str], q: str) -> list[int]:
    r = client.get("/api/v1/apps", query_string={"q": q}, headers=headers)
    assert r.status_code == 200, r.json
    return [a["id"] for a in r.json["items"]]


def test_non_ascii_names_are_found_either_case_after_every_kind_of_write(app, client, admin):
    created = client.post("/api/v1/vendors", headers=admin, json={"name": "Ärztekammer Süd"}).json
    body = {"vendor_id": created["id"], "name": "ÄRZTE Portal", "platform": "web"}
    made = client.post("/api/v1/apps", headers=admin, json=body)
    assert made.status_code == 201, made.json
    app_id = made.json["id"]
    assert _app_ids(client, admin, "ärzte") == [app_id]
    assert _app_ids(client, admin, "ÄRZTE") == [app_id]  # the term is folded too
    # Renamed through the API: the old name no longer matches, the new one does.
    r = client.patch(f"/api/v1/apps/{app_id}", headers=admin, json={"name": "Über Visite"})
    assert r.status_code == 200, r.json
    assert _app_ids(client, admin, "ärzte") == []
    assert _app_ids(client, admin, "über") == [app_id]
    _all_in_step(app)
    # The web list and the assessment picker search the same column.
    page = client.get("/apps?q=%C3%BCBER", headers=admin)
    assert page.status_code in (200, 302)
    with app.app_context():
        s = db.session()
        table = browse.app_table(s, q="ÜBER")
        assert [r.app.id for r in table.items] == [app_id] and table.total == 1
        assert [r[0] for r in browse.app_search(s, "über")] == [app_id]


def test_store_ids_are_searched_ignoring_case(app, client, admin):
    with app.app_context():
        s = db.session()
        v = vendors.create(s, ACTOR, VendorCreate(name="Wardly"))
        a = apps.create(
            s,
            ACTOR,
            AppCreate(vendor_id=v.id, name="Ward", platform="ios", store_id="com.Wardly.Notes"),
        )
        apps.update(s, ACTOR, a.id, AppUpdate(store_id="com.Wardly.NotesPro"))
    assert _app_ids(client, admin, "wardly.notespro") == [a.id]
    assert _app_ids(client, admin, "COM.WARDLY") == [a.id]
    _all_in_step(app)


def test_the_web_edit_form_keeps_the_fold(app, browser):
    with app.app_context():
        s = db.session()
        v = vendors.create(s, ACTOR, VendorCreate(name="Borealis"))
        a = apps.create(s, ACTOR, AppCreate(vendor_id=v.id, name="Old name", platform="web"))
    b = browser("admin")
    form = b.get(f"/apps/{a.id}/edit").text
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    values.update({"name": "Ödem Tracker", "platform": "web", "vendor_id": str(v.id)})
    values.pop("csrf_token", None)
    r = b.post(f"/apps/{a.id}/edit", data=values)
    assert r.status_code in (302, 303), r.text[:500]
    page = b.get("/apps?q=%C3%B6dem").text  # "ödem"
    assert "Ödem Tracker" in page
    assert "Ödem Tracker" not in b.get("/apps?q=old").text
    _all_in_step(app)


def test_imports_fill_and_update_the_fold(app, client, admin):
    first = "Name,Platform,Store ID,Vendor\nÉcho Santé,ios,com.echo.app,Écho SA\n".encode()
    assert _upload(client, admin, "apps", first).status_code == 200
    [app_id] = _app_ids(client, admin, "écho")
    renamed = "Name,Platform,Store ID,Vendor\nÆther Notes,ios,com.echo.app,Écho SA\n".encode()
    r = _upload(client, admin, "apps", renamed)
    assert r.status_code == 200 and r.json["counts"]["updated"] == 1, r.json
    assert _app_ids(client, admin, "écho santé") == []
    assert _app_ids(client, admin, "æther") == [app_id]
    sheet = (
        "Vendor,Title,Effective Date,Signed Copy\nÉcho SA,ÜBEREINKUNFT Nord,2025-01-01,cabinet\n"
    ).encode()
    assert _upload(client, admin, "baas", sheet).status_code == 200
    found = client.get("/api/v1/baas", headers=admin).json["items"]
    assert [b["title"] for b in found] == ["ÜBEREINKUNFT Nord"]
    retitled = sheet.replace("ÜBEREINKUNFT Nord".encode(), "Øresund Vertrag".encode())
    r = _upload(client, admin, "baas", retitled)
    assert r.status_code == 200, r.json
    _all_in_step(app)


def test_core_inserts_fill_the_fold(app):
    """Rows written around the ORM (bulk imports, a restore, the benchmarks' data set) get
    their folded text from the column default."""
    now = clock.now()
    with app.app_context():
        s = db.session()
        v = vendors.create(s, ACTOR, VendorCreate(name="Core"))
        with db.transaction(s):
            s.connection().execute(
                insert(App),
                [
                    {"vendor_id": v.id, "name": f"ÅPP {i}", "platform": "web",
                     "created_at": now, "updated_at": now}
                    for i in range(3)
                ],
            )  # fmt: skip
            s.connection().execute(
                insert(BAA),
                [
                    {"vendor_id": v.id, "title": t, "effective_date": date(2025, 1, 1),
                     "status": "draft", "created_at": now, "updated_at": now}
                    for t in ("ÏNTRO", None)
                ],
            )  # fmt: skip
    _all_in_step(app)
    with app.app_context():
        assert browse.app_table(db.session(), q="åpp").total == 3


def test_register_search_finds_titles_and_vendor_names_ignoring_case(app):
    with app.app_context():
        s = db.session()
        acme = vendors.create(s, ACTOR, VendorCreate(name="Ärzte Verbund"))
        other = vendors.create(s, ACTOR, VendorCreate(name="Other"))

        def baa(vendor_id: int, title: str | None) -> int:
            made = baa_svc.create(
                s,
                ACTOR,
                BaaCreate(
                    vendor_id=vendor_id,
                    title=title,
                    effective_date=date(2025, 1, 1),
                    signed_copy_note=SIGNED,
                ),
            )
            assert made.id is not None
            return made.id

        by_vendor = baa(acme.id, None)
        titled = baa(other.id, "Rahmenvertrag ÄRZTE")
        neither = baa(other.id, "Plain")
        found = baa_svc.list_(s, baa_svc.Selection(q="ärzte"))
        # The register's order (vendor name ignoring case, by code point: "other" < "ärzte …")
        # and total, as before.
        assert [v.baa.id for v in found.items] == [titled, by_vendor] and found.total == 2
        baa_svc.update(s, ACTOR, neither, BaaUpdate(title="Zweiter ärzte-Vertrag"))
        assert {v.baa.id for v in baa_svc.list_(s, baa_svc.Selection(q="ÄRZTE")).items} == {
            by_vendor,
            titled,
            neither,
        }
        assert baa_svc.list_(s, baa_svc.Selection(q="nothing like it")).total == 0
    _all_in_step(app)


def test_audit_records_do_not_carry_the_folded_text(app, client, admin):
    v = client.post("/api/v1/vendors", headers=admin, json={"name": "Audit Ltd"}).json
    made = client.post(
        "/api/v1/apps",
        headers=admin,
        json={"vendor_id": v["id"], "name": "Ärzte", "platform": "web"},
    ).json
    assert "name_folded" not in made and "store_id_folded" not in made
    client.patch(f"/api/v1/apps/{made['id']}", headers=admin, json={"name": "Zweite"})
    with app.app_context():
        for event in db.session().scalars(select(AuditEvent)):
            for side in (event.before or {}, event.after or {}):
                assert not any(k.endswith("_folded") for k in side), event.action


# --- the faster list pages give the plain computation's answer --------------------------------


@pytest.fixture
def spread(app) -> dict[str, Any]:
    """Vendors with 0–4 apps each (ties in count, names differing by case), a few BAAs."""
    with app.app_context():
        s = db.session()
        names = ["beta", "Alpha", "alpha two", "Gamma", "delta", "Épsilon", "zeta", "Eta"]
        ids = []
        for i, name in enumerate(names):
            v = vendors.create(s, ACTOR, VendorCreate(name=name))
            ids.append(v.id)
            for j in range(i % 5):
                apps.create(s, ACTOR, AppCreate(vendor_id=v.id, name=f"{name} {j}", platform="web"))
            if i % 3 == 0:
                baa_svc.create(
                    s,
                    ACTOR,
                    BaaCreate(
                        vendor_id=v.id,
                        effective_date=date(2025, 1, 1) + timedelta(days=i),
                        expiration_date=date(2027, 1, 1),
                        signed_copy_note=SIGNED,
                    ),
                )
    return {"vendors": ids}


def _plain_vendor_order(s: Any, sort: str, descending: bool) -> list[tuple[int, int]]:
    """(vendor id, apps) in the list's order, computed the plain way."""
    counts = dict(s.execute(select(App.vendor_id, func.count()).group_by(App.vendor_id)).all())
    rows = [(v.id, counts.get(v.id, 0), v) for v in s.scalars(select(Vendor))]
    sign = -1 if descending else 1
    if sort == "apps":
        rows.sort(key=lambda r: (sign * r[1], r[0]))
    elif sort == "name":
        rows.sort(key=lambda r: r[0])
        rows.sort(key=lambda r: r[2].name.lower(), reverse=descending)
    return [(r[0], r[1]) for r in rows]


@pytest.mark.parametrize("sort", ["name", "apps"])
@pytest.mark.parametrize("descending", [False, True])
def test_vendor_list_pages_counts_and_order(app, spread, sort, descending):
    with app.app_context():
        s = db.session()
        expected = _plain_vendor_order(s, sort, descending)
        seen = []
        for page in (1, 2, 3, 4):
            result = browse.vendor_table(
                s, sort=sort, descending=descending, page=page, per_page=3,
                as_of=date(2026, 11, 25), warning_days=90,
            )  # fmt: skip
            assert result.total == len(expected)
            seen += [(r.vendor.id, r.app_count) for r in result.items]
            for r in result.items:  # the representative BAA and the count of BAAs
                n = s.scalar(
                    select(func.count()).select_from(BAA).where(BAA.vendor_id == r.vendor.id)
                )
                assert r.baa_count == n and (r.baa is None) == (n == 0)
        assert seen == expected


@pytest.mark.parametrize("sort", ["name", "apps"])
def test_a_vendor_search_pages_counts_and_orders_like_the_plain_computation(app, spread, sort):
    """A search takes the searched path (no kept order): the vendors whose name holds the
    term in any case, non-ASCII included, counted and ordered as without it."""
    with app.app_context():
        s = db.session()
        names = {v.id: v.name.lower() for v in s.scalars(select(Vendor))}
        for term in ("A", "é"):
            expected = [
                row for row in _plain_vendor_order(s, sort, True) if term.lower() in names[row[0]]
            ]
            result = browse.vendor_table(
                s, q=term, sort=sort, descending=True, per_page=50,
                as_of=date(2026, 11, 25), warning_days=90,
            )  # fmt: skip
            assert result.total == len(expected) > 0
            assert [(r.vendor.id, r.app_count) for r in result.items] == expected


def test_vendor_list_by_apps_follows_a_change(app, spread):
    """The kept apps-per-vendor order is recomputed after an app is added, moved or deleted."""
    with app.app_context():
        s = db.session()

        def first() -> tuple[int, int]:
            r = browse.vendor_table(
                s, sort="apps", descending=True, as_of=date(2026, 11, 25), warning_days=90
            ).items[0]
            return r.vendor.id, r.app_count

        top, n = first()
        last = spread["vendors"][0]  # "beta": no apps
        made = [
            apps.create(s, ACTOR, AppCreate(vendor_id=last, name=f"new {i}", platform="web"))
            for i in range(n + 1)
        ]
        assert first() == (last, n + 1)
        apps.update(s, ACTOR, made[0].id, AppUpdate(vendor_id=top))
        assert first() in ((last, n), (top, n + 1))
        assert first() == _plain_vendor_order(s, "apps", True)[0]


def test_non_conforming_filter_reads_the_same_rows_both_ways(app, spread, monkeypatch):
    """Few non-conforming agreements are read by id, many by walking the register: the same
    rows, total and order either way."""
    with app.app_context():
        s = db.session()
        for i, vid in enumerate(spread["vendors"]):
            made = baa_svc.create(
                s, ACTOR,
                BaaCreate(vendor_id=vid, effective_date=date(2024, 1, 1), signed_copy_note=SIGNED),
            )  # fmt: skip
            if i % 2:
                with db.transaction(s):
                    key = _a_required_key()
                    row = s.scalars(
                        select(BaaProvision).where(
                            BaaProvision.baa_id == made.id, BaaProvision.key == key
                        )
                    ).first() or BaaProvision(
                        baa_id=made.id, key=key, status="absent", reviewed_by="legal@example.org"
                    )
                    row.status = "absent"
                    s.add(row)
            elif i % 3:
                baa_svc.update(s, ACTOR, made.id, BaaUpdate(breach_notification_days=90))

        def listed() -> tuple[list[int], int]:
            r = baa_svc.list_(s, baa_svc.Selection(non_conforming=True), per_page=3, page=2)
            return [v.baa.id for v in r.items], r.total

        few = listed()
        monkeypatch.setattr(baa_svc, "FEW_NONCONFORMING", 0)
        assert listed() == few and few[1] > 3


def _a_required_key() -> str:
    from vetting.services import baa_provisions

    return baa_provisions.catalogue().keys[0]


def test_app_search_pages_like_the_plain_computation(app):
    """The search counts apart from the page: the same apps, order and total on every page,
    an empty page past the end, other filters kept."""
    with app.app_context():
        s = db.session()
        v = vendors.create(s, ACTOR, VendorCreate(name="Pager"))
        w = vendors.create(s, ACTOR, VendorCreate(name="Other pager"))
        names = ["ärzte b", "Ärzte a", "ÄRZTE a", "Zahn", "ärzte", "Über ärzte", "x", "ärztin"]
        for i, name in enumerate(names):
            apps.create(
                s,
                ACTOR,
                AppCreate(vendor_id=(v.id, w.id)[i % 2], name=name, platform="web"),
            )
        every = sorted(
            ((a.name, a.id, a.vendor_id) for a in s.scalars(select(App)) if "ärzt" in fold(a.name)),
        )
        for vendor_id in (None, w.id):
            wanted = [a[1] for a in every if vendor_id in (None, a[2])]
            got: list[int] = []
            for page in (1, 2, 3, 4):
                r = browse.app_table(s, q="ÄRZT", vendor_id=vendor_id, page=page, per_page=2)
                assert r.total == len(wanted)
                got += [row.app.id for row in r.items]
            assert got == wanted
        # Sorted by vendor, descending (ties by id), and by platform: the same pages.
        names_by_vendor = {v.id: v.name, w.id: w.name}
        by_vendor = sorted((a[1], names_by_vendor[a[2]]) for a in every)
        by_vendor.sort(key=lambda a: a[1], reverse=True)
        got = []
        for page in (1, 2, 3):
            r = browse.app_table(s, q="ärzt", sort="vendor", descending=True, page=page, per_page=3)
            got += [row.app.id for row in r.items]
        assert got == [a[0] for a in by_vendor]
        assert browse.app_table(s, q="ärzt", platform="ios").total == 0


@pytest.mark.parametrize("sort", browse.APP_SORTS)
@pytest.mark.parametrize("descending", [False, True])
def test_the_app_list_pages_like_one_ordered_query(app, sort, descending):
    """Without a search the list counts the apps alone and reads whole rows for the page's
    ids only: the pages, walked in turn, are the one plain ordered query cut into pieces —
    ties (the same name, vendor or platform) broken by id, filters kept, nothing past the
    end."""
    with app.app_context():
        s = db.session()
        v = vendors.create(s, ACTOR, VendorCreate(name="Same"))
        w = vendors.create(s, ACTOR, VendorCreate(name="Another"))
        names = ["Chart", "chart", "Alpha", "Chart", "beta", "Zed", "alpha", "Chart", "Mid"]
        for i, name in enumerate(names):
            apps.create(
                s,
                ACTOR,
                AppCreate(
                    vendor_id=(v.id, w.id)[i % 2],
                    name=name,
                    platform=("web", "ios", "android")[i % 3],
                    store_id=f"org.example.app{i}",
                ),
            )
        key = {
            "name": App.name,
            "vendor": Vendor.name,
            "platform": App.platform,
            "updated": App.updated_at,
        }[sort]
        for platform, vendor_id in ((None, None), ("web", None), (None, w.id)):
            where = [App.platform == platform] if platform else []
            where += [App.vendor_id == vendor_id] if vendor_id else []
            plain = select(App.id).join(Vendor, Vendor.id == App.vendor_id).where(*where)
            wanted = list(
                s.scalars(plain.order_by(key.desc() if descending else key.asc(), App.id))
            )
            assert len(wanted) > 2  # more than one page
            got: list[int] = []
            for page in (1, 2, 3, 4, 5):
                r = browse.app_table(
                    s, platform=platform, vendor_id=vendor_id, sort=sort,
                    descending=descending, page=page, per_page=2,
                )  # fmt: skip
                assert r.total == len(wanted)
                got += [row.app.id for row in r.items]
                assert all(row.vendor_name in ("Same", "Another") for row in r.items)
            assert got == wanted
            past = browse.app_table(s, platform=platform, vendor_id=vendor_id, page=9, per_page=2)
            assert past.items == [] and past.total == len(wanted)
        # The vendor order and the counts per vendor it walks follow a rename and a new app.
        vendors.update(s, ACTOR, v.id, VendorUpdate(name="Aardvark"))
        apps.create(s, ACTOR, AppCreate(vendor_id=w.id, name="Late", platform="web"))
        plain = select(App.id).join(Vendor, Vendor.id == App.vendor_id)
        wanted = list(s.scalars(plain.order_by(key.desc() if descending else key.asc(), App.id)))
        got = []
        for page in (1, 2, 3, 4, 5, 6):
            r = browse.app_table(s, sort=sort, descending=descending, page=page, per_page=2)
            assert r.total == len(wanted)
            got += [row.app.id for row in r.items]
        assert got == wanted


def _plain_register_search(s: Any, term: str, descending: bool) -> list[int]:
    """The register's search computed the obvious way: every agreement in the register's
    vendor order, kept when its vendor's name or its title holds the term as plain text
    (a `%` or `_` in it is a character, not a wildcard)."""
    name = func.lower(Vendor.name)
    stmt = (
        select(BAA.id, name, BAA.title_folded)
        .join(Vendor, Vendor.id == BAA.vendor_id)
        .order_by(
            (name.desc() if descending else name.asc()).nulls_last(),
            Vendor.id,
            BAA.effective_date,
            BAA.id,
        )
    )
    wanted = fold(term)
    return [
        i for i, vendor, title in s.execute(stmt) if wanted in vendor or wanted in (title or "")
    ]


def _walk_register(s: Any, term: str, descending: bool, per_page: int) -> tuple[list[int], int]:
    got: list[int] = []
    total = None
    for page in range(1, 30):
        r = baa_svc.list_(
            s, baa_svc.Selection(q=term, descending=descending), page=page, per_page=per_page
        )
        assert total in (None, r.total)  # the same total on every page
        total = r.total
        if not r.items:
            break
        got += [v.baa.id for v in r.items]
    assert total is not None
    return got, total


@pytest.mark.parametrize("descending", [False, True])
def test_a_register_search_pages_across_vendors_like_the_plain_query(app, descending):
    """The search walks the kept vendor order to the page's vendors: pages that start and end
    inside a vendor's agreements, vendors named (all their agreements) beside agreements
    found only by title, names differing only by case, a page past the end — and after a
    new agreement, a renamed vendor and a retitled agreement the next search follows."""
    with app.app_context():
        s = db.session()
        names = [
            "Care B",
            "care a",
            "CARE a2",
            "Zeta",
            "Médi Care",
            "Other",
            "Ärzte care",
            "Ca_re 100%",
        ]
        made = {n: vendors.create(s, ACTOR, VendorCreate(name=n)).id for n in names}
        for i, n in enumerate(names):
            for j in range(i % 4 + 1):
                baa_svc.create(
                    s,
                    ACTOR,
                    BaaCreate(
                        vendor_id=made[n],
                        title=("Care plan" if (i + j) % 3 == 0 else f"Term {j}"),
                        effective_date=date(2025, 1, 1) + timedelta(days=(j * 7) % 5),
                        signed_copy_note=SIGNED,
                    ),
                )
        # "a_e" and "c%e" match nothing but as wildcards ("are" in every "care"); "a_r" and
        # "100%" only the vendor that holds them
        for term in ("care", "CARE A", "plan", "é", "nothing at all", "a_e", "c%e", "a_r", "100%"):
            wanted = _plain_register_search(s, term, descending)
            for per_page in (1, 3, 50):
                got, total = _walk_register(s, term, descending, per_page)
                assert (got, total) == (wanted, len(wanted)), (term, per_page)
            past = baa_svc.list_(
                s, baa_svc.Selection(q=term, descending=descending), page=99, per_page=3
            )
            assert past.items == [] and past.total == len(wanted)
        # the data set finds something, and the wildcard characters are characters
        assert _plain_register_search(s, "care", descending)
        assert len(_plain_register_search(s, "a_r", descending)) == 4
        assert _plain_register_search(s, "a_e", descending) == []
        # Changes the kept vendor order must follow.
        baa_svc.create(
            s,
            ACTOR,
            BaaCreate(
                vendor_id=made["Zeta"], effective_date=date(2024, 1, 1), signed_copy_note=SIGNED
            ),
        )
        wanted = _plain_register_search(s, "care", descending)
        assert _walk_register(s, "care", descending, 3) == (wanted, len(wanted))
        vendors.update(s, ACTOR, made["Zeta"], VendorUpdate(name="Acare Zeta"))
        wanted = _plain_register_search(s, "care", descending)
        assert _walk_register(s, "care", descending, 3) == (wanted, len(wanted))
        retitled = s.scalars(
            select(BAA.id).where(BAA.vendor_id == made["Other"], BAA.title != "Care plan")
        ).first()
        baa_svc.update(s, ACTOR, retitled, BaaUpdate(title="Now a CARE note"))
        assert retitled in _plain_register_search(s, "care", descending)
        wanted = _plain_register_search(s, "care", descending)
        assert _walk_register(s, "care", descending, 2) == (wanted, len(wanted))
