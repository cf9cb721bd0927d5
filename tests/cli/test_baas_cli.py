"""`vetting baas list|renew|terminate|attach`: the register from the shell (issue 3)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.api.chain import baa, vendor
from tests.api.register_helpers import PDF, zip_bomb_docx
from tests.cli.helpers import clean_error, invoke


@pytest.fixture
def two(client, admin):
    vid = vendor(client, admin)
    soon = baa(client, admin, vid, expiration_date="2027-01-09", title="Acme BAA")
    later = baa(client, admin, vid, expiration_date="2028-01-09")
    return soon["id"], later["id"]


def test_list_prints_deadlines_and_filters_by_state_and_date(runner, two):
    soon, _ = two
    r = invoke(runner, "baas", "list", "--state", "expiring", "--within-days", "60")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "1 BAA(s) on 2026-11-25"
    assert lines[1].split("\t")[:3] == [str(soon), "Acme Health", "expiring"]
    assert "in force through 2027-01-09 (46 days left)" in lines[1]
    r = invoke(runner, "baas", "list", "--state", "expired,expiring", "--as-of", "2027-01-10")
    assert r.output.splitlines()[0] == "1 BAA(s) on 2027-01-10"


def test_list_json_matches_the_api(runner, client, admin, two):
    r = invoke(runner, "baas", "list", "--json", "--as-of", "2027-06-01")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    api = client.get("/api/v1/baas?as_of=2027-06-01", headers=admin).json["items"]
    assert rows == api
    assert [(b["state"], b["days_left"]) for b in rows] == [("expired", 0), ("active", 223)]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--state", "soon"), ("soon", "choose from")),
        (("--as-of", "2027-02-30"), ("not a date",)),
        (("--within-days", "-3"), ("--within-days",)),
    ],
)
def test_list_refuses_bad_options(runner, args, words):
    clean_error(invoke(runner, "baas", "list", *args), *words)


def test_renew_then_terminate_from_the_shell(runner, client, admin, two):
    soon, _ = two
    r = invoke(
        runner,
        "baas",
        "renew",
        str(soon),
        "--effective-date",
        "2027-01-10",
        "--expiration-date",
        "2029-01-09",
        "--signed-copy-note",
        "signed original held by legal",
    )
    assert r.exit_code == 0, r.output
    new_id = int(r.output.split()[1])
    assert r.output.strip() == f"BAA {new_id} renews BAA {soon}; it supersedes it from 2027-01-10"
    old = client.get(f"/api/v1/baas/{soon}", headers=admin).json
    assert (old["status"], old["superseded_by_id"]) == ("superseded", new_id)
    r = invoke(
        runner, "baas", "terminate", str(new_id), "--on", "2027-06-01", "--reason", "vendor breach"
    )
    assert r.exit_code == 0, r.output
    assert r.output.strip() == (
        f"BAA {new_id} terminated effective 2027-06-01 (in force through 2027-05-31): vendor breach"
    )
    clean_error(
        invoke(runner, "baas", "renew", str(new_id), "--effective-date", "2027-07-01"),
        "Error:",
        "terminated on 2027-06-01",
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("renew", "999", "--effective-date", "2027-01-01"), ("no BAA with id 999",)),
        (("renew", "{id}", "--effective-date", "2026-01-01"), ("effective_date", "must be after")),
        (("renew", "{id}", "--effective-date", "soon"), ("effective_date",)),
        (
            ("renew", "{id}", "--effective-date", "2027-02-01", "--notice-days", "-1"),
            ("notice_days",),
        ),
        (("terminate", "{id}", "--on", "2025-01-01", "--reason", "x"), ("on:", "before")),
        (("terminate", "{id}", "--on", "tomorrow", "--reason", "x"), ("not a date",)),
        (("terminate", "{id}", "--on", "2027-01-01", "--reason", " "), ("reason",)),
    ],
)
def test_renew_and_terminate_refuse_bad_input_cleanly(runner, client, admin, two, args, words):
    soon, _ = two
    before = client.get(f"/api/v1/baas/{soon}", headers=admin).json
    clean_error(invoke(runner, "baas", *[a.format(id=soon) for a in args]), *words)
    assert client.get(f"/api/v1/baas/{soon}", headers=admin).json == before
    assert client.get("/api/v1/baas", headers=admin).json["total"] == 2


def test_attach_stores_the_file_and_refuses_a_bomb(runner, app, client, admin, two, tmp_path):
    soon, _ = two
    signed = tmp_path / "Acme signed.pdf"
    signed.write_bytes(PDF)
    r = invoke(runner, "baas", "attach", str(soon), str(signed))
    assert r.exit_code == 0, r.output
    sha = hashlib.sha256(PDF).hexdigest()
    assert r.output.startswith(
        f"attached Acme signed.pdf (application/pdf, {len(PDF)} bytes, sha256 {sha}) to BAA {soon}"
    )
    assert (Path(app.instance_path) / "documents" / sha).read_bytes() == PDF
    r = invoke(runner, "baas", "attach", str(soon), str(signed))
    assert r.output.startswith("already attached")
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(zip_bomb_docx())
    clean_error(invoke(runner, "baas", "attach", str(soon), str(bomb)), "file:", "zip bomb")
    clean_error(invoke(runner, "baas", "attach", "999", str(signed)), "no BAA with id 999")
    clean_error(
        invoke(runner, "baas", "attach", str(soon), str(tmp_path / "nope.pdf")), "does not exist"
    )
    assert sorted(p.name for p in (Path(app.instance_path) / "documents").iterdir()) == [sha]


def test_provisions_prints_each_provision_and_whether_the_baa_conforms(runner, client, admin, two):
    soon, _ = two
    r = client.put(
        f"/api/v1/baas/{soon}/provisions/hhs_access", json={"status": "absent"}, headers=admin
    )
    assert r.status_code == 200, r.json
    r = invoke(runner, "baas", "provisions", str(soon))
    assert r.exit_code == 0, r.output
    first = r.output.splitlines()[0]
    assert first.startswith(f"BAA {soon}: NON-CONFORMING: lacks books and records available to HHS")
    assert first.endswith("; 11 not reviewed")
    assert any(line.startswith("hhs_access") and "absent" in line for line in r.output.splitlines())


def test_breach_clause_from_the_shell(runner, client, admin):
    from tests.api.chain import answer, app_, assess

    vid = vendor(client, admin)
    chat = app_(client, admin, vid, name="Acme Chat", store_id="com.acme.chat")
    b = baa(client, admin, vid, breach_notification_days=10)
    r = invoke(runner, "baas", "breach", str(b["id"]))
    assert r.exit_code == 0 and "breach notification 10 calendar days" in r.output, r.output
    r = invoke(runner, "baas", "breach", str(b["id"]), "--set", "within 72 hours of discovery")
    assert "72 hours (3 calendar days, rounded up) from discovery" in r.output, r.output
    a = assess(client, admin, chat)  # prefilled from the clause
    assert answer(client, admin, a["id"], "breach_notification_days", 30).status_code == 200
    r = invoke(runner, "baas", "breach", str(b["id"]), "--json")
    out = json.loads(r.output)
    assert out["breach_clause"]["unit"] == "hours"
    assert [d["app_id"] for d in out["breach_differences"]] == [chat]
    r = invoke(runner, "score", str(a["id"]))
    assert "breach deadline differs: the BAA with Acme Health says 72 hours" in r.output
    assert json.loads(invoke(runner, "score", str(a["id"]), "--json").output)["breach_register"][
        "differs"
    ]
    r = invoke(runner, "baas", "breach", str(b["id"]), "--set", '{"value": 5, "unit": "weeks"}')
    clean_error(r, "unit must be one of")
    r = invoke(runner, "baas", "breach", str(b["id"]), "--set", "promptly")
    assert "unstated (60-day legal maximum)" in r.output
    r = invoke(runner, "baas", "breach", str(b["id"]), "--clear")
    assert "breach notification not recorded" in r.output
    r = invoke(
        runner,
        "baas",
        "renew",
        str(b["id"]),
        "--effective-date",
        "2026-06-01",
        "--signed-copy-note",
        "safe",
        "--breach-clause",
        "5 business days",
    )
    assert r.exit_code == 0, r.output
    new = client.get("/api/v1/baas", headers=admin).json["items"][-1]
    assert new["breach_clause"]["words"] == "5 business days (7 calendar days at worst)"
