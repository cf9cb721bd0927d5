"""The hash-chained audit log: every write appends an event; `vetting audit verify` (item 8)."""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, bindparam, text

from tests.api.chain import answer, app_, assess, audit_events, baa, decide, vendor
from tests.cli.helpers import handled
from vetting.audit import GENESIS, compute_hash
from vetting.cli import cli


def write_everything(client, headers):
    """One of every API write, in a known order."""
    vid = vendor(client, headers, "Acme")
    client.patch(
        f"/api/v1/vendors/{vid}", json={"website": "https://acme.example"}, headers=headers
    )
    app_id = app_(client, headers, vid)
    client.patch(f"/api/v1/apps/{app_id}", json={"category": "camera"}, headers=headers)
    aid = assess(client, headers, app_id)["id"]
    answer(client, headers, aid, "baa_signed", True)
    decide(client, headers, aid, "rejected", justification="too many gaps in the answers given")
    b = baa(client, headers, vid)
    client.patch(f"/api/v1/baas/{b['id']}", json={"notes": "signed by counsel"}, headers=headers)
    spare_vendor = vendor(client, headers, "Spare")
    spare_app = app_(client, headers, spare_vendor, name="Spare", store_id="com.spare.app")
    assert client.delete(f"/api/v1/apps/{spare_app}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/vendors/{spare_vendor}", headers=headers).status_code == 204
    return vid, app_id, aid, b["id"]


def test_every_api_write_appends_an_event(client, app, admin):
    vid, app_id, aid, baa_id = write_everything(client, admin)
    events = audit_events(app)
    assert [(e.action, e.entity_type) for e in events] == [
        ("token.create", "api_token"),  # the fixture's token, made through the service as "cli"
        ("vendor.create", "vendor"),
        ("vendor.update", "vendor"),
        ("app.create", "app"),
        ("app.update", "app"),
        ("assessment.create", "assessment"),
        ("assessment.answer", "assessment"),
        ("assessment.decide", "assessment"),
        ("baa.create", "baa"),
        ("baa.update", "baa"),
        ("vendor.create", "vendor"),
        ("app.create", "app"),
        ("app.delete", "app"),
        ("vendor.delete", "vendor"),
    ]
    assert {e.actor for e in events[1:]} == {"token:test-admin"}
    assert [e.entity_id for e in events[1:10]] == [
        str(vid),
        str(vid),
        str(app_id),
        str(app_id),
        str(aid),
        str(aid),
        str(aid),
        str(baa_id),
        str(baa_id),
    ]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


def test_events_carry_before_and_after(client, app, admin):
    write_everything(client, admin)
    by_action = {}
    for e in audit_events(app):
        by_action.setdefault(e.action, e)
    created = by_action["vendor.create"]
    assert created.before is None
    assert created.after["name"] == "Acme"
    updated = by_action["vendor.update"]
    assert (updated.before["website"], updated.after["website"]) == (None, "https://acme.example")
    answered = by_action["assessment.answer"]
    assert answered.before is None
    assert (answered.after["capability_key"], answered.after["value"]) == ("baa_signed", True)
    assert answered.after["verdict"] == "incomplete"
    deleted = next(e for e in audit_events(app) if e.action == "vendor.delete")
    assert (deleted.before["name"], deleted.after) == ("Spare", None)
    token = by_action["token.create"]
    assert "token_hash" not in token.after


def test_events_form_a_hash_chain(client, app, admin):
    write_everything(client, admin)
    prev = GENESIS
    for e in audit_events(app):
        assert e.prev_hash == prev
        assert e.hash == compute_hash(prev, e, b"test-audit-key")
        assert e.at.tzinfo is not None
        prev = e.hash


def test_refused_write_appends_nothing(client, app, admin, make_token):
    vid = vendor(client, admin)
    viewer = make_token("viewer")
    count = len(audit_events(app))
    bad_baa = {"vendor_id": vid, "effective_date": "2026-01-01", "expiration_date": "2025-01-01"}
    new_app = {"vendor_id": vid, "name": "x", "platform": "ios", "store_id": "com.x.y"}
    refused = [
        client.post("/api/v1/vendors", json={"name": "Acme Health"}, headers=admin),
        client.post("/api/v1/baas", json=bad_baa, headers=admin),
        client.post("/api/v1/apps", json=new_app, headers=viewer),
    ]
    assert [r.status_code for r in refused] == [409, 422, 403]
    assert len(audit_events(app)) == count


def test_cli_writes_are_audited_as_the_cli_user(app, runner):
    r = runner.invoke(cli, ["tokens", "create", "mdm", "--role", "it"])
    assert r.exit_code == 0, r.output
    event = audit_events(app)[-1]
    assert event.action == "token.create"
    assert event.actor.startswith("cli:")


def test_verify_passes_on_an_intact_chain(client, admin, runner):
    write_everything(client, admin)
    r = runner.invoke(cli, ["audit", "verify"])
    assert r.exit_code == 0, r.output
    assert "ok: 14 events" in r.output


def test_verify_passes_on_an_empty_log(runner):
    r = runner.invoke(cli, ["audit", "verify"])
    assert r.exit_code == 0, r.output
    assert "ok: 0 events" in r.output


def run_sql(app, sql, **params):
    stmt = text(sql)
    if "after" in params:
        stmt = stmt.bindparams(bindparam("after", type_=JSON))
    with app.extensions["vetting.engine"].begin() as conn:
        conn.execute(stmt, params)


@pytest.mark.parametrize(
    ("sql", "params", "words"),
    [
        (
            'UPDATE audit_event SET "after" = :after WHERE seq = 5',
            {"after": {"name": "Acme Camera", "category": "forged"}},
            "altered",
        ),
        ("UPDATE audit_event SET actor = 'someone-else' WHERE seq = 5", {}, "altered"),
        ("DELETE FROM audit_event WHERE seq = 5", {}, "missing"),
    ],
)
def test_verify_names_the_first_altered_or_removed_event(
    client, app, admin, runner, sql, params, words
):
    write_everything(client, admin)
    run_sql(app, sql, **params)
    r = runner.invoke(cli, ["audit", "verify"])
    assert r.exit_code == 1, r.output
    assert "seq 5" in r.output
    assert words in r.output
    assert "4 events verified" in r.output
    handled(r)


def test_verify_notices_a_relinked_chain(client, app, admin, runner):
    """Deleting a row and renumbering the rest does not hide it: the links no longer fit."""
    write_everything(client, admin)
    run_sql(app, "DELETE FROM audit_event WHERE seq = 7")
    for seq in range(8, 15):
        run_sql(app, f"UPDATE audit_event SET seq = {seq - 1} WHERE seq = {seq}")
    r = runner.invoke(cli, ["audit", "verify"])
    assert r.exit_code == 1, r.output
    assert "seq 7" in r.output
