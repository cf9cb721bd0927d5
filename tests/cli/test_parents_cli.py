"""`vetting parents list|add|update`: parent agreements from the shell (issue 11, item 8)."""

from __future__ import annotations

import json

from tests.api.chain import SIGNED, vendor
from tests.cli.helpers import clean_error, invoke


def test_add_list_update_moves_the_following_baa(runner, client, admin):
    vid = vendor(client, admin)
    r = invoke(runner, "parents", "add", "--name", "Acme MSA", "--effective-date", "2025-01-01",
               "--expiration-date", "2026-12-31", "--notice-days", "30")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.output.startswith("parent agreement 1 recorded: Acme MSA")
    body = {"vendor_id": vid, "parent_id": 1, "follows_parent": True, "signed_copy_note": SIGNED}
    b = client.post("/api/v1/baas", json=body, headers=admin).json
    assert b["state"] == "expiring"
    r = invoke(runner, "parents", "list")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1].split("\t") == [
        "1",
        "Acme MSA",
        "from 2025-01-01 through 2026-12-31",
        f"BAAs following: {b['id']}",
    ]
    r = invoke(runner, "parents", "update", "1", "--expiration-date", "2028-06-30")
    assert r.exit_code == 0, r.output
    assert "through 2028-06-30" in r.output
    got = client.get(f"/api/v1/baas/{b['id']}", headers=admin).json
    assert (got["expiration_date"], got["state"]) == ("2028-06-30", "active")
    r = invoke(runner, "parents", "update", "1", "--evergreen")
    assert r.exit_code == 0 and "evergreen" in r.output
    rows = json.loads(invoke(runner, "parents", "list", "--json").output)
    assert (rows[0]["expiration_date"], rows[0]["following_ids"]) == (None, [b["id"]])


def test_bad_input_is_refused(runner):
    r = invoke(runner, "parents", "add", "--name", "X", "--effective-date", "2025-01-01",
               "--notice-days", "30", "--notice-months", "1")  # fmt: skip
    clean_error(r, "notice_months")
    r = invoke(runner, "parents", "update", "7", "--name", "Y")
    clean_error(r, "no parent agreement with id 7")
