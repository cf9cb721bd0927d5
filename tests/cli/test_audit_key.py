"""The audit chain is signed with a key from the environment, and its head can be anchored
outside the database (issue 12, item 5): someone with write access to the database but not
the key cannot rewrite history and recompute the chain, and deleting the newest events is
caught against an anchor."""

from __future__ import annotations

import hashlib
import hmac
import json

from sqlalchemy import JSON, bindparam, text
from sqlmodel import col, select

from tests.api.chain import audit_events, vendor
from tests.cli.helpers import clean_error, invoke, ok
from tests.notify_servers import http_receiver
from vetting import audit, db, jobs
from vetting.app import create_app
from vetting.models import AuditEvent

KEY = b"test-audit-key"


def events(app) -> list[AuditEvent]:
    return audit_events(app)


def some_history(client, admin, n: int = 4, first: int = 0) -> None:
    for i in range(first, first + n):
        vendor(client, admin, f"Vendor {i}")


def rewrite(app, seq: int, after: dict, hasher, *, from_seq: int = 1) -> None:
    """What an attacker with database access does: change one event, then recompute the
    links from `from_seq` on with `hasher(prev, event)` so the chain looks whole."""
    engine = app.extensions["vetting.engine"]
    stmt = text('UPDATE audit_event SET "after" = :after WHERE seq = :seq').bindparams(
        bindparam("after", type_=JSON)
    )
    with engine.begin() as conn:
        conn.execute(stmt, {"after": after, "seq": seq})
    with app.app_context():
        s = db.session()
        prev = audit.GENESIS
        for ev in s.scalars(select(AuditEvent).order_by(col(AuditEvent.seq))):
            if ev.seq >= from_seq:
                ev.prev_hash = prev
                ev.hash = hasher(prev, ev)
            prev = ev.hash
        s.commit()


def test_every_link_is_an_hmac_with_the_key_not_a_plain_hash(client, app, admin):
    some_history(client, admin)
    prev = audit.GENESIS
    for ev in events(app):
        body = (prev + audit.canonical(ev)).encode()
        assert ev.hash == hmac.new(KEY, body, hashlib.sha256).hexdigest()
        assert ev.hash != hashlib.sha256(body).hexdigest()
        prev = ev.hash


def test_history_rewritten_and_rechained_without_the_key_is_caught(client, app, admin, runner):
    """A keyless chain could be recomputed after an edit and verify again; this one cannot."""
    some_history(client, admin)
    rewrite(app, 3, {"name": "Forged"}, audit.unkeyed_hash)
    out = clean_error(invoke(runner, "audit", "verify"), "seq 1", "not signed")
    assert "rekey --accept-unkeyed" in out  # the whole chain is unkeyed: a pre-key chain?
    rewrite(app, 3, {"name": "Forged"}, lambda p, e: audit.compute_hash(p, e, b"guessed"))
    clean_error(invoke(runner, "audit", "verify"), "seq 1", "another key")


def test_a_chain_signed_with_another_key_does_not_verify(
    client, app, admin, database_url, tmp_path
):
    some_history(client, admin)
    other = create_app(
        {
            "DATABASE_URL": database_url,
            "AUDIT_KEY": "a-different-key",
            "SECRET_KEY": "x",
            "INSTANCE_PATH": tmp_path / "other",
            "TESTING": True,
        }
    )
    out = clean_error(invoke(other.test_cli_runner(), "audit", "verify"), "BROKEN at seq 1")
    assert "another key" in out


def test_an_unkeyed_chain_is_signed_once_by_rekey_and_then_verifies(client, app, admin, runner):
    some_history(client, admin)
    rewrite(app, 2, events(app)[1].after, audit.unkeyed_hash)  # as written before keys
    clean_error(invoke(runner, "audit", "verify"), "not signed")
    written = len(events(app))
    before = [e.hash for e in events(app)]
    clean_error(invoke(runner, "audit", "rekey"), f"events 1–{written}", "--accept-unkeyed")
    assert [e.hash for e in events(app)] == before  # refused: nothing re-signed
    out = ok(invoke(runner, "audit", "rekey", "--accept-unkeyed"))
    assert (
        f"signed {written} events with the audit key (0 already were; {written} had no key)" in out
    )
    assert "ok:" in ok(invoke(runner, "audit", "verify"))
    assert events(app)[-1].action == "audit.rekeyed"
    again = ok(invoke(runner, "audit", "rekey"))
    assert f"signed 0 events with the audit key ({written + 1} already were; 0 had no" in again


def test_events_rewritten_without_the_key_after_signed_ones_are_never_blessed(
    client, app, admin, runner
):
    """The attack on a keyed chain: change event 3 and recompute 3… with plain SHA-256, hoping
    it passes for a chain from before the key. Unkeyed events only ever lead a chain, so
    verify names the forgery and rekey refuses it, even when told to accept unkeyed events."""
    some_history(client, admin)
    rewrite(app, 3, {"name": "Forged"}, audit.unkeyed_hash, from_seq=3)
    out = clean_error(invoke(runner, "audit", "verify"), "seq 3", "rewritten")
    assert "--accept-unkeyed" not in out
    before = [e.hash for e in events(app)]
    refused = invoke(runner, "audit", "rekey", "--accept-unkeyed")
    clean_error(refused, "does not verify", "seq 3", "rewritten", "nothing")
    assert [e.hash for e in events(app)] == before


def test_rekey_refuses_a_broken_chain_and_changes_nothing(client, app, admin, runner):
    some_history(client, admin)
    engine = app.extensions["vetting.engine"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'someone' WHERE seq = 2"))
    before = [(e.seq, e.hash) for e in events(app)]
    clean_error(invoke(runner, "audit", "rekey"), "does not verify", "seq 2", "nothing")
    assert [(e.seq, e.hash) for e in events(app)] == before


def test_rekey_rotates_from_an_old_key_named_by_its_variable(
    client, app, admin, database_url, tmp_path, monkeypatch
):
    some_history(client, admin)
    rotated = create_app(
        {
            "DATABASE_URL": database_url,
            "AUDIT_KEY": "the-new-key",
            "SECRET_KEY": "x",
            "INSTANCE_PATH": tmp_path / "rotated",
            "TESTING": True,
        }
    )
    runner = rotated.test_cli_runner()
    clean_error(invoke(runner, "audit", "rekey"), "does not verify")
    clean_error(invoke(runner, "audit", "rekey", "--old-key-env", "NOT_SET_HERE"), "NOT_SET_HERE")
    monkeypatch.setenv("OLD_AUDIT_KEY", KEY.decode())
    ok(invoke(runner, "audit", "rekey", "--old-key-env", "OLD_AUDIT_KEY"))
    assert "ok:" in ok(invoke(runner, "audit", "verify"))
    clean_error(invoke(app.test_cli_runner(), "audit", "verify"), "another key")


def test_removing_the_newest_events_is_caught_against_an_anchor(
    client, app, admin, runner, tmp_path
):
    anchors = tmp_path / "anchors.jsonl"
    some_history(client, admin)
    out = ok(invoke(runner, "audit", "anchor", "--file", str(anchors)))
    count = len(events(app))
    assert f"anchored: {count} events" in out
    assert (anchors.stat().st_mode & 0o777) == 0o600
    line = json.loads(anchors.read_text().splitlines()[0])
    assert (line["count"], line["seq"], line["hash"]) == (count, count, events(app)[-1].hash)
    some_history(client, admin, 1, first=10)
    ok(invoke(runner, "audit", "anchor", "--file", str(anchors)))
    assert len(anchors.read_text().splitlines()) == 2  # appended, never overwritten
    assert "matches 2 anchors" in ok(invoke(runner, "audit", "verify", "--anchors", str(anchors)))
    with app.extensions["vetting.engine"].begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > :n"), {"n": count - 1})
    # The shorter chain is whole on its own: only the anchor shows what is gone.
    assert "ok:" in ok(invoke(runner, "audit", "verify"))
    out = clean_error(invoke(runner, "audit", "verify", "--anchors", str(anchors)), "ANCHOR")
    assert f"the chain only {count - 1}" in out
    assert f"events {count}–{count + 1} were removed" in out


def test_a_bad_anchor_file_is_named_with_its_line(client, app, admin, runner, tmp_path):
    bad = tmp_path / "anchors.jsonl"
    bad.write_text(
        '{"count": 1, "seq": 1, "hash": "'
        + "a" * 64
        + '", "at": "2026-11-25T00:00:00+00:00"}\nnot json\n'
    )
    clean_error(invoke(runner, "audit", "verify", "--anchors", str(bad)), str(bad), "line 2")
    clean_error(
        invoke(runner, "audit", "verify", "--anchors", str(tmp_path / "none")), "no such file"
    )
    clean_error(invoke(runner, "audit", "anchor"), "--file")


def other_app(database_url, instance, **more):
    """Another app on the same database (another instance, or the same one restarted)."""
    return create_app(
        {
            "DATABASE_URL": database_url,
            "AUDIT_KEY": KEY.decode(),
            "SECRET_KEY": "x",
            "INSTANCE_PATH": instance,
            "TESTING": True,
            **more,
        }
    )


def test_an_anchor_posted_to_a_url_is_signed_and_guarded(
    client, app, admin, database_url, tmp_path, monkeypatch
):
    some_history(client, admin)
    monkeypatch.setenv("VETTING_AUDIT_ANCHOR_SECRET", "anchor-secret")
    with http_receiver() as (url, receiver):
        guarded = other_app(database_url, tmp_path / "guarded")
        clean_error(invoke(guarded.test_cli_runner(), "audit", "anchor", "--url", url), "refused")
        assert receiver.requests == []
        monkeypatch.setenv("VETTING_ALLOW_PRIVATE_URLS", "on")
        allowed = other_app(database_url, tmp_path / "allowed")
        ok(invoke(allowed.test_cli_runner(), "audit", "anchor", "--url", url))
    (got,) = receiver.requests
    expected = "sha256=" + hmac.new(b"anchor-secret", got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Vetting-Signature"] == expected
    assert got.json["audit_anchor"]["seq"] == len(events(app))


def test_the_daily_job_anchors_when_a_file_is_set(client, admin, database_url, tmp_path):
    target = tmp_path / "daily-anchors.jsonl"
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "AUDIT_KEY": KEY.decode(),
            "SECRET_KEY": "x",
            "INSTANCE_PATH": tmp_path / "daily",
            "TESTING": True,
            "AUDIT_ANCHOR_FILE": target,
        }
    )
    out = jobs.daily_job(app)
    assert out["anchor"]["count"] == json.loads(target.read_text())["count"]
