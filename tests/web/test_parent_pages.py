"""The BAA page shows its parent agreement and says when its dates come from it; editing a
following BAA's other terms on the form still works (issue 11, item 8)."""

from __future__ import annotations

import re
from html import unescape

from tests.api.chain import SIGNED, vendor


def txt(resp) -> str:
    return re.sub(r"\s+", " ", unescape(resp.get_data(as_text=True)))


def test_the_baa_page_shows_the_parent_and_its_dates(app, client, admin, browser):
    vid = vendor(client, admin)
    body = {"name": "Acme MSA", "effective_date": "2025-01-01", "expiration_date": "2027-03-31"}
    pid = client.post("/api/v1/parent-agreements", json=body, headers=admin).json["id"]
    baa = {"vendor_id": vid, "parent_id": pid, "follows_parent": True, "signed_copy_note": SIGNED}
    bid = client.post("/api/v1/baas", json=baa, headers=admin).json["id"]
    b = browser("admin")
    page = txt(b.get(f"/baas/{bid}"))
    assert "Parent agreement" in page and "Acme MSA" in page
    assert "Dates from the parent agreement" in page
    assert "2027-03-31" in page or "Mar 31, 2027" in page or "31 Mar 2027" in page
    # the edit form resubmits the (parent's) dates with a new title: accepted
    edit = b.get(f"/baas/{bid}/edit").get_data(as_text=True)
    assert 'name="effective_date"' in edit
    values = {}
    for tag in re.findall(r"<input[^>]*>", edit):  # what a browser sends (checked boxes only)
        m = re.search(r'name="(\w+)"[^>]*value="([^"]*)"', tag)
        if m and ('type="checkbox"' not in tag or "checked" in tag):
            values[m[1]] = m[2]
    values.pop("csrf_token", None)
    assert re.search(r'name="follows_parent"[^>]*checked', edit)
    assert re.search(rf'<option value="{pid}" selected>Acme MSA</option>', edit)
    # textareas and selects, as a browser sends them
    values |= {"signed_copy_note": SIGNED, "status": "active", "parent_id": str(pid)}
    values["expiration_date"] = "2030-01-31"  # ignored while following: the parent's stands
    resp = b.post(f"/baas/{bid}/edit", {**values, "title": "Renamed"})
    assert resp.status_code in (302, 303), txt(resp)[:2000]
    got = client.get(f"/api/v1/baas/{bid}", headers=admin).json
    assert (got["title"], got["expiration_date"], got["follows_parent"]) == (
        "Renamed",
        "2027-03-31",
        True,
    )
    # a BAA without a parent shows no such line
    own = {"vendor_id": vid, "effective_date": "2025-01-01", "signed_copy_note": SIGNED}
    oid = client.post("/api/v1/baas", json=own, headers=admin).json["id"]
    assert (
        "Parent agreement"
        not in txt(b.get(f"/baas/{oid}")).split("Edit terms")[1].split("Notes")[0]
    )


def test_the_parent_pages_list_them_and_their_baas(app, client, admin, browser, make_token):
    vid = vendor(client, admin)
    body = {"name": "Acme MSA", "vendor_id": vid, "effective_date": "2025-01-01"}
    pid = client.post("/api/v1/parent-agreements", json=body, headers=admin).json["id"]
    baa = {"vendor_id": vid, "parent_id": pid, "follows_parent": True, "signed_copy_note": SIGNED}
    bid = client.post("/api/v1/baas", json=baa, headers=admin).json["id"]
    b = browser("admin")
    listing = txt(b.get("/parents"))
    assert "Acme MSA" in listing and "(evergreen)" in listing
    assert f'href="/parents/{pid}"' in b.get("/parents").get_data(as_text=True)
    one = b.get(f"/parents/{pid}")
    assert one.status_code == 200
    page = txt(one)
    assert "Acme Health" in page and "from the parent agreement" in page
    assert f'href="/baas/{bid}"' in one.get_data(as_text=True)
    assert b.get("/parents/999").status_code == 404


def test_the_register_page_moves_with_the_parent(app, client, admin, browser):
    """The register (a cached read) shows a follower expiring, then not once the parent is
    extended: the parent's change reaches the pages at once."""
    vid = vendor(client, admin)
    body = {"name": "Acme MSA", "effective_date": "2025-01-01", "expiration_date": "2026-12-31"}
    pid = client.post("/api/v1/parent-agreements", json=body, headers=admin).json["id"]
    baa = {"vendor_id": vid, "parent_id": pid, "follows_parent": True, "signed_copy_note": SIGNED}
    bid = client.post("/api/v1/baas", json=baa, headers=admin).json["id"]
    b = browser("admin")
    link = f'href="/baas/{bid}"'

    def table(path: str) -> str:  # the register's table (the timeline above shows every BAA)
        return b.get(path).get_data(as_text=True).split('<table class="data">')[1]

    assert link in table("/baas?filter=expiring")
    assert b.get("/").status_code == 200
    r = client.patch(
        f"/api/v1/parent-agreements/{pid}", json={"expiration_date": "2028-06-30"}, headers=admin
    )
    assert r.status_code == 200, r.json
    assert link not in table("/baas?filter=expiring")
    assert link in table("/baas?filter=in-force")
    # the timeline (a cached read model) moved too
    assert "Acme Health: Active, continues beyond the window" in b.get("/baas").get_data(
        as_text=True
    )


def test_the_form_links_a_baa_to_a_parent_and_unlinks_it(app, client, admin, browser):
    vid = vendor(client, admin)
    body = {"name": "Acme MSA", "effective_date": "2025-01-01", "expiration_date": "2027-03-31"}
    pid = client.post("/api/v1/parent-agreements", json=body, headers=admin).json["id"]
    b = browser("admin")
    form = {"vendor_id": str(vid), "status": "active", "signed_copy_note": SIGNED}
    # following without a parent: refused on the field, nothing saved
    resp = b.post("/baas/new", {**form, "follows_parent": "on"})
    assert resp.status_code == 422 and "only with parent_id" in txt(resp)
    resp = b.post("/baas/new", {**form, "follows_parent": "on", "parent_id": str(pid)})
    assert resp.status_code == 302, txt(resp)[:3000]
    bid = int(resp.headers["Location"].rsplit("/", 1)[1])
    got = client.get(f"/api/v1/baas/{bid}", headers=admin).json
    assert (got["effective_date"], got["expiration_date"], got["follows_parent"]) == (
        "2025-01-01",
        "2027-03-31",
        True,
    )
    # unticked and unlinked: it keeps the dates it had, now its own
    resp = b.post(
        f"/baas/{bid}/edit",
        {"effective_date": "2025-01-01", "expiration_date": "2027-06-30", "parent_id": ""}
        | {"signed_copy_note": SIGNED},
    )
    assert resp.status_code == 302, txt(resp)[:3000]
    got = client.get(f"/api/v1/baas/{bid}", headers=admin).json
    assert (got["parent_id"], got["follows_parent"], got["expiration_date"]) == (
        None,
        False,
        "2027-06-30",
    )
