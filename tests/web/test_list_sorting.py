"""Sortable lists (issue 15, item 5): the BAA register and the audit log sort by their column
headers in the database, either way; a page link and a download keep the filters and the sort;
a sort nobody offered falls back to the default instead of failing."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import pytest

from tests.web.conftest import ACTOR
from vetting import db
from vetting.schemas import AppCreate, AssessmentCreate, BaaCreate, VendorCreate
from vetting.services import apps, assessments, baas, vendors

SIGNED = "signed copy in the contracts share"


def _baa(s, vendor_id: int, **terms) -> int:
    baa = baas.create(s, ACTOR, BaaCreate(vendor_id=vendor_id, signed_copy_note=SIGNED, **terms))
    assert baa.id is not None
    return baa.id


@pytest.fixture
def four(app) -> dict[str, int]:
    """Four vendors whose names sort differently by case and by id, one BAA each:

    name    term end     notice deadline  breach days
    alpha   2027-03-31   —                10
    Bravo   2026-12-31   —                45   (expiring: inside the 90-day window)
    Cobalt  — (evergreen) —               —
    Delta   2027-01-31   2027-01-01       30   (auto-renewing, 30 days' notice)
    """
    with app.app_context():
        s = db.session()
        ids = {}
        for name in ("Cobalt", "Delta", "alpha", "Bravo"):  # ids in another order than names
            ids[name] = vendors.create(s, ACTOR, VendorCreate(name=name)).id
        return {
            "alpha": _baa(
                s,
                ids["alpha"],
                title="alpha BAA",
                effective_date=date(2025, 1, 1),
                expiration_date=date(2027, 3, 31),
                breach_notification_days=10,
            ),
            "Bravo": _baa(
                s,
                ids["Bravo"],
                title="Bravo BAA",
                effective_date=date(2025, 6, 1),
                expiration_date=date(2026, 12, 31),
                breach_notification_days=45,
            ),
            "Cobalt": _baa(s, ids["Cobalt"], title="Cobalt BAA", effective_date=date(2024, 1, 1)),
            "Delta": _baa(
                s,
                ids["Delta"],
                title="Delta BAA",
                effective_date=date(2026, 2, 1),
                expiration_date=date(2027, 1, 31),
                auto_renews=True,
                renewal_term_months=12,
                notice_days=30,
                breach_notification_days=30,
            ),
        }


def register_order(html: str) -> list[int]:
    """The BAA ids of the register table's rows, top to bottom (not the timeline's links)."""
    table = html.split('<table class="data">', 1)[1].split("</table>", 1)[0]
    return [int(i) for i in re.findall(r'<td><a href="/baas/(\d+)">', table)]


def names(four: dict[str, int], order: list[int]) -> list[str]:
    by_id = {v: k for k, v in four.items()}
    return [by_id[i] for i in order]


def as_csv(resp) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.text[:300]
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["alpha", "Bravo", "Cobalt", "Delta"]),  # by vendor name, ignoring case
        ("sort=vendor&desc=1", ["Delta", "Cobalt", "Bravo", "alpha"]),
        ("sort=term_end", ["Bravo", "Delta", "alpha", "Cobalt"]),  # no end comes last
        ("sort=term_end&desc=1", ["alpha", "Delta", "Bravo", "Cobalt"]),  # … either way
        ("sort=notice", ["Delta", "alpha", "Bravo", "Cobalt"]),
        ("sort=breach", ["alpha", "Delta", "Bravo", "Cobalt"]),
        ("sort=breach&desc=1", ["Bravo", "Delta", "alpha", "Cobalt"]),
        ("sort=effective", ["Cobalt", "alpha", "Bravo", "Delta"]),
        # a sort nobody offered, a direction that is not one: the default, never a 500
        ("sort=drop+table&desc=maybe", ["alpha", "Bravo", "Cobalt", "Delta"]),
        ("sort=__class__", ["alpha", "Bravo", "Cobalt", "Delta"]),
    ],
)
def test_the_register_sorts_by_its_columns(browser, four, query, expected):
    resp = browser("procurement").get(f"/baas?{query}")
    assert resp.status_code == 200
    assert names(four, register_order(resp.text)) == expected


@pytest.mark.parametrize(
    "where",
    [
        "",  # today: the kept states (baa_state) order the rows
        "filter=in-force&",  # today, filtered by state in the database
        "as_of=2026-11-26&",  # another day: the core computes each state
        "as_of=2026-11-26&filter=in-force&",
    ],
)
def test_sorting_by_a_date_of_the_state_is_the_same_on_every_path(browser, four, where):
    b = browser("legal")
    up = names(four, register_order(b.get(f"/baas?{where}sort=term_end").text))
    down = names(four, register_order(b.get(f"/baas?{where}sort=term_end&desc=1").text))
    assert up == ["Bravo", "Delta", "alpha", "Cobalt"]
    assert down == ["alpha", "Delta", "Bravo", "Cobalt"]


def test_the_sorted_column_says_so_and_its_header_turns_the_order_round(browser, four):
    html = browser("legal").get("/baas?filter=in-force&sort=term_end").text
    head = re.search(r'<th scope="col" aria-sort="ascending"><a href="([^"]+)">In force', html)
    assert head, "the sorted column has no aria-sort"
    link = unescape(head.group(1))
    assert "sort=term_end" in link and "desc=1" in link and "filter=in-force" in link
    assert html.count("aria-sort=") == 1
    # the filter form keeps the sort when the filter changes
    assert '<input type="hidden" name="sort" value="term_end">' in html


def test_the_download_keeps_the_filter_and_the_sort(browser, four):
    b = browser("procurement")
    html = b.get("/baas?filter=in-force&sort=term_end&desc=1").text
    link = unescape(re.search(r'href="(/baas/export\.csv[^"]*)"', html).group(1))
    assert "filter=in-force" in link and "sort=term_end" in link and "desc=1" in link
    rows = as_csv(b.get(link))
    assert [int(r["BAA"]) for r in rows] == register_order(html)
    assert [r["Vendor"] for r in rows] == ["alpha", "Delta", "Bravo", "Cobalt"]
    # a bad sort in a download is the default order too
    rows = as_csv(b.get("/baas/export.csv?sort=nope"))
    assert [r["Vendor"] for r in rows] == ["alpha", "Bravo", "Cobalt", "Delta"]


def test_the_next_page_keeps_the_filter_and_the_sort(app, browser):
    with app.app_context():
        s = db.session()
        vendor = vendors.create(s, ACTOR, VendorCreate(name="Many BAAs Inc")).id
        assert vendor is not None
        for i in range(55):
            _baa(
                s,
                vendor,
                title=f"term {i:02d}",
                effective_date=date(2025, 1, 1),
                expiration_date=date(2027, 6, 1) + timedelta(days=(i * 7) % 55),
            )
        # one that the filter leaves out: it would sort first if the filter were lost
        _baa(s, vendor, title="lapsed", effective_date=date(2024, 1, 1),
             expiration_date=date(2026, 1, 1))  # fmt: skip
    b = browser("legal")
    first = b.get("/baas?filter=in-force&sort=term_end&desc=0")
    assert "56 agreements" not in first.text and "55 agreements" in first.text
    nxt = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert nxt, "no next page"
    link = unescape(nxt.group(1))
    for part in ("filter=in-force", "sort=term_end", "desc=0", "page=2"):
        assert part in link, link
    second = b.get(link)
    ids = register_order(first.text) + register_order(second.text)
    assert len(ids) == len(set(ids)) == 55
    with app.app_context():
        ends = [baas.get(db.session(), i).expiration_date for i in ids]
    assert ends == sorted(ends)


# --- the audit log ---------------------------------------------------------------------------

AUDIT_ROW = re.compile(
    r'<tr>\s*<td class="num">(\d+)</td>\s*<td class="nowrap">.*?</td>\s*<td>(.*?)</td>\s*'
    r"<td><code>(.*?)</code>",
    re.S,
)


def audit_rows(html: str) -> list[tuple[int, str, str]]:
    return [(int(a), unescape(b), unescape(c)) for a, b, c in AUDIT_ROW.findall(html)]


@pytest.fixture
def events(app) -> None:
    """Events by three people (case differs) over three kinds of record."""
    from vetting import auth

    people = [
        auth.Principal(name, "admin", frozenset(auth.SCOPES), kind="user")
        for name in ("zoe@hospital.example", "Mia@hospital.example", "ada@hospital.example")
    ]
    with app.app_context():
        s = db.session()
        for i, who in enumerate(people * 2):
            vendors.create(s, who, VendorCreate(name=f"Vendor {i}"))


def test_the_audit_log_sorts_by_its_columns(browser, events):
    b = browser("admin")
    newest = audit_rows(b.get("/audit").text)
    assert [r[0] for r in newest] == sorted((r[0] for r in newest), reverse=True)
    oldest = audit_rows(b.get("/audit?sort=seq&desc=0").text)
    assert [r[0] for r in oldest] == sorted(r[0] for r in oldest)
    by_who = audit_rows(b.get("/audit?action=vendor.create&sort=actor").text)
    assert [r[1] for r in by_who] == [
        "ada@hospital.example",
        "ada@hospital.example",
        "Mia@hospital.example",
        "Mia@hospital.example",
        "zoe@hospital.example",
        "zoe@hospital.example",
    ]
    # ties newest first: the same person's events by sequence, descending
    assert by_who[0][0] > by_who[1][0]
    back = audit_rows(b.get("/audit?action=vendor.create&sort=actor&desc=1").text)
    assert [r[1] for r in back][:2] == ["zoe@hospital.example"] * 2
    by_action = audit_rows(b.get("/audit?sort=action").text)
    assert [r[2] for r in by_action] == sorted(r[2] for r in by_action)


@pytest.mark.parametrize("query", ["sort=nonsense", "sort=seq&desc=x", "sort=&desc="])
def test_a_bad_audit_sort_is_the_default_order(browser, events, query):
    b = browser("admin")
    resp = b.get(f"/audit?{query}")
    assert resp.status_code == 200
    seqs = [r[0] for r in audit_rows(resp.text)]
    if "desc=x" in query:  # a direction that is not "1" is ascending
        assert seqs == sorted(seqs)
    else:
        assert seqs == sorted(seqs, reverse=True)


def test_the_audit_download_and_pages_keep_the_filter_and_the_sort(app, browser, events):
    b = browser("admin")
    html = b.get("/audit?action=vendor.create&sort=actor").text
    link = unescape(re.search(r'href="(/audit/export\.csv[^"]*)"', html).group(1))
    assert "action=vendor.create" in link and "sort=actor" in link
    rows = as_csv(b.get(link))
    assert [int(r["Seq"]) for r in rows] == [r[0] for r in audit_rows(html)]
    with app.app_context():
        s = db.session()
        for i in range(50):
            vendors.create(s, ACTOR, VendorCreate(name=f"Bulk vendor {i:02d}"))
    first = b.get("/audit?action=vendor.create&sort=seq&desc=0")
    nxt = unescape(re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1))
    for part in ("action=vendor.create", "sort=seq", "desc=0", "page=2"):
        assert part in nxt, nxt
    seqs = [r[0] for r in audit_rows(first.text) + audit_rows(b.get(nxt).text)]
    assert len(seqs) == 56 and seqs == sorted(seqs)


# --- the other lists' pages keep their filters ---------------------------------------------


@pytest.fixture
def many_apps(app) -> None:
    """55 iOS apps of one vendor, each being assessed, and 55 vendors named alike."""
    with app.app_context():
        s = db.session()
        checklists = app.extensions["vetting.checklists"]
        owner = vendors.create(s, ACTOR, VendorCreate(name="Sprawl Health")).id
        for i in range(55):
            vendors.create(s, ACTOR, VendorCreate(name=f"Sprawl twin {i:02d}"))
            a = apps.create(
                s,
                ACTOR,
                AppCreate(vendor_id=owner, name=f"Ward app {i:02d}", platform="ios",
                          store_id=f"org.sprawl.ward{i:02d}"),
            )  # fmt: skip
            assessments.create(
                s, ACTOR, checklists, AssessmentCreate(app_id=a.id, checklist_id="clinical-photo")
            )


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/vendors?q=sprawl&sort=name&desc=1", ("q=sprawl", "sort=name", "desc=1")),
        ("/apps?q=ward&platform=ios&sort=name&desc=1", ("q=ward", "platform=ios", "desc=1")),
        (
            "/assessments?q=ward&status=open&sort=app&desc=0",
            ("q=ward", "status=open", "sort=app", "desc=0"),
        ),
    ],
)
def test_every_list_keeps_its_filters_on_the_next_page(browser, many_apps, path, kept):
    b = browser("procurement")
    first = b.get(path)
    assert first.status_code == 200
    nxt = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert nxt, f"{path} has no next page"
    link = unescape(nxt.group(1))
    for part in (*kept, "page=2"):
        assert part in link, link
    second = b.get(link)
    assert second.status_code == 200 and "page 2 of 2" in second.text
