"""`vetting demo`: a data set whose list, BAA states and reasons are interesting at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from tests.conftest import TODAY, _empty_tables
from vetting import auth, clock, db
from vetting.app import create_app
from vetting.cli import cli
from vetting.models import (
    BAA,
    Answer,
    ApiToken,
    App,
    Assessment,
    AuditEvent,
    Decision,
    User,
    Vendor,
)
from vetting.schemas import VendorCreate
from vetting.services import vendors

CONSUMER_MESSAGING = {
    "net.whatsapp.WhatsApp",
    "com.whatsapp",
    "com.facebook.Messenger",
    "com.facebook.orca",
    "ph.telegra.Telegraph",
    "org.telegram.messenger",
}
IOS_BUNDLE = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
ANDROID_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")


def run_demo(runner: FlaskCliRunner, *args: str, input: str | None = None) -> str:
    result = runner.invoke(cli, ["demo", *args], input=input)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def items(client: FlaskClient, path: str, headers: dict[str, str], **query: Any) -> list[dict]:
    r = client.get(path, query_string={"per_page": 500, **query}, headers=headers)
    assert r.status_code == 200, r.json
    assert r.json["total"] == len(r.json["items"])
    return r.json["items"]


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        s = db.session()
        return {
            m.__name__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Vendor, App, BAA, Assessment, Answer, Decision, User, ApiToken)
        }


def allowlist(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    r = client.get("/api/v1/allowlist", headers=headers)
    assert r.status_code == 200
    return r.json


@dataclass(frozen=True)
class Loaded:
    app: Flask
    client: FlaskClient
    runner: FlaskCliRunner
    admin: dict[str, str]
    output: str


@pytest.fixture(scope="class")
def loaded(database_url, tmp_path_factory):
    """The demo loaded once for the tests that only read it (a load costs seconds)."""
    clock.freeze(TODAY)
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": tmp_path_factory.mktemp("instance"),
            "TESTING": True,
        }
    )
    runner = application.test_cli_runner()
    output = run_demo(runner)
    with application.app_context():
        _, secret = auth.create_token(db.session(), auth.CLI_PRINCIPAL, "reader", "admin")
    yield Loaded(
        application,
        application.test_client(),
        runner,
        {"Authorization": f"Bearer {secret}"},
        output,
    )
    _empty_tables(application)
    clock.freeze(None)


class TestLoadedDemo:
    def test_demo_loads_vendors_and_apps_on_both_platforms(self, loaded: Loaded) -> None:
        demo = loaded.output
        client = loaded.client
        admin = loaded.admin
        vendors = items(client, "/api/v1/vendors", admin)
        apps = items(client, "/api/v1/apps", admin)
        assert len(vendors) >= 8
        assert len(apps) >= 15
        assert {"ios", "android"} <= {a["platform"] for a in apps}
        for a in apps:
            pattern = IOS_BUNDLE if a["platform"] == "ios" else ANDROID_PACKAGE
            assert pattern.match(a["store_id"]), a
        assert {a["store_id"] for a in apps} >= CONSUMER_MESSAGING
        assert "loaded the demo data set" in demo

    def test_approved_list_has_entries_and_reasoned_exclusions(self, loaded: Loaded) -> None:
        client = loaded.client
        admin = loaded.admin
        result = allowlist(client, admin)
        assert result["entries"] and result["excluded"]
        assert all(x["reason"] for x in result["excluded"])
        assert {"approved", "conditional"} <= {e["decision"] for e in result["entries"]}
        conditional = next(e for e in result["entries"] if e["decision"] == "conditional")
        assert conditional["conditions"]

    def test_consumer_messaging_apps_are_rejected_for_a_failed_must_have(
        self, loaded: Loaded
    ) -> None:
        client = loaded.client
        admin = loaded.admin
        excluded = {x["store_id"]: x for x in allowlist(client, admin)["excluded"]}
        apps = {a["store_id"]: a for a in items(client, "/api/v1/apps", admin)}
        for store_id in CONSUMER_MESSAGING:
            assert excluded[store_id]["reason"].startswith("rejected "), excluded[store_id]
            assert "no BAA with" in excluded[store_id]["reason"]
        whatsapp = apps["com.whatsapp"]
        (assessment,) = items(client, "/api/v1/assessments", admin, app_id=whatsapp["id"])
        detail = client.get(f"/api/v1/assessments/{assessment['id']}", headers=admin).json
        # Rejected by a person on the failed gates before every question was answered.
        assert detail["verdict"] == "incomplete"
        assert "baa_signed" in detail["gating_failures"]
        assert [d["decision"] for d in detail["decisions"]] == ["rejected"]

    def test_approved_app_drops_off_when_its_vendors_baa_expired(self, loaded: Loaded) -> None:
        client = loaded.client
        admin = loaded.admin
        baas = items(client, "/api/v1/baas", admin)
        expired = next(b for b in baas if b["state"] == "expired")
        vendor = client.get(f"/api/v1/vendors/{expired['vendor_id']}", headers=admin).json
        reason = f"BAA with {vendor['name']} expired: in force through {expired['expiration_date']}"
        dropped = [x for x in allowlist(client, admin)["excluded"] if x["reason"] == reason]
        assert dropped, reason
        assert date.fromisoformat(expired["expiration_date"]) < clock.today()
        (assessment,) = items(client, "/api/v1/assessments", admin, app_id=dropped[0]["app_id"])
        detail = client.get(f"/api/v1/assessments/{assessment['id']}", headers=admin).json
        latest = detail["decisions"][-1]
        assert latest["decision"] == "approved"
        assert date.fromisoformat(latest["valid_until"]) > clock.today()

    def test_other_exclusion_reasons_are_in_words(self, loaded: Loaded) -> None:
        client = loaded.client
        admin = loaded.admin
        reasons = [x["reason"] for x in allowlist(client, admin)["excluded"]]
        assert any("decision expired" in r and "reassessment due" in r for r in reasons)
        assert any(r.startswith("revoked ") for r in reasons)
        assert any("no decision recorded" in r and "not yet effective" in r for r in reasons)

    def test_baa_states_cover_the_register(self, loaded: Loaded) -> None:
        client = loaded.client
        admin = loaded.admin
        baas = items(client, "/api/v1/baas", admin)
        assert {"active", "expiring", "expired", "not_yet_effective"} <= {b["state"] for b in baas}
        evergreen = [b for b in baas if b["expiration_date"] is None]
        assert evergreen and all(b["state"] == "active" for b in evergreen)
        assert any(b["parent_agreement"] for b in baas)
        today = clock.today()
        near_notice = [
            b
            for b in baas
            if b["auto_renews"]
            and b["notice_days"]
            and b["state"] == "expiring"
            and date.fromisoformat(b["notice_deadline"]) - today <= timedelta(days=90)
        ]
        assert near_notice
        rolled = [
            b
            for b in baas
            if b["auto_renews"]
            and date.fromisoformat(b["expiration_date"]) < today
            and b["state"] == "active"
        ]
        assert rolled, "an auto-renewing BAA whose first term ended has rolled forward"
        notification_days = [b["breach_notification_days"] for b in baas]
        assert None in notification_days
        assert len({d for d in notification_days if d is not None}) >= 3

    def test_assessments_show_decisions_overrides_and_answer_sources(self, loaded: Loaded) -> None:
        client = loaded.client
        admin = loaded.admin
        listed = items(client, "/api/v1/assessments", admin)
        assert {"open", "decided"} <= {a["status"] for a in listed}
        details = [client.get(f"/api/v1/assessments/{a['id']}", headers=admin).json for a in listed]
        decisions = [d for detail in details for d in detail["decisions"]]
        overrides = [d for d in decisions if d["decision"] != d["verdict"]]
        assert overrides and all(d["justification"] for d in overrides)
        assert any(d["decision"] == "conditional" and d["conditions"] for d in decisions)
        caps = [c for detail in details for c in detail["capabilities"]]
        assert any(c["source"] == "verified" and c["evidence_url"] for c in caps)
        assert any(c["source"] == "attested" for c in caps)
        assert any(c["status"] == "na" for c in caps)
        open_ = [d for d in details if d["status"] == "open"]
        assert all(0 < d["answered"] < d["total"] for d in open_)
        assert any(c["status"] == "suggested" for d in open_ for c in d["capabilities"])

    def test_every_demo_write_is_audited_and_the_chain_verifies(self, loaded: Loaded) -> None:
        runner = loaded.runner
        app = loaded.app
        with app.app_context():
            s = db.session()
            by_action = dict(
                s.execute(
                    select(AuditEvent.action, func.count())
                    .where(AuditEvent.actor == "demo")
                    .group_by(AuditEvent.action)
                ).all()
            )
        n = counts(app)
        assert by_action["vendor.create"] == n["Vendor"]
        assert by_action["app.create"] == n["App"]
        assert by_action["baa.create"] == n["BAA"]
        assert by_action["assessment.create"] == n["Assessment"]
        assert by_action["assessment.decide"] == n["Decision"]
        assert by_action["user.create"] == 5
        result = runner.invoke(cli, ["audit", "verify"])
        assert result.exit_code == 0, result.output

    def test_demo_users_and_a_working_token_are_printed(self, loaded: Loaded) -> None:
        demo = loaded.output
        client = loaded.client
        for role in ("admin", "procurement", "legal", "it", "viewer"):
            assert f"{role}@demo.example" in demo
        token = re.search(r"vt_[A-Za-z0-9_-]+", demo).group(0)  # type: ignore[union-attr]
        curl = f'curl -H "Authorization: Bearer {token}" http://127.0.0.1:5000/api/v1/allowlist'
        assert curl in demo
        r = client.get("/api/v1/allowlist", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        assert "approved list today" in demo


def test_second_run_duplicates_nothing(runner, app):
    run_demo(runner)
    before = counts(app)
    output = run_demo(runner)
    after = counts(app)
    assert "already loaded" in output
    assert "demo users already exist" in output
    assert after == {**before, "ApiToken": before["ApiToken"] + 1}


def test_reset_reloads_the_data_set_after_confirmation(runner, app):
    run_demo(runner)
    before = counts(app)
    output = run_demo(runner, "--reset", input="y\n")
    assert "reset: deleted" in output
    assert "loaded the demo data set" in output
    assert counts(app) == {**before, "ApiToken": before["ApiToken"] + 1}
    with app.app_context():
        actions = db.session().scalars(select(AuditEvent.action)).all()
    assert actions.count("demo.reset") == 1
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0


def test_reset_declined_deletes_nothing(runner, app):
    with app.app_context():
        vendors.create(db.session(), auth.CLI_PRINCIPAL, VendorCreate(name="Keep Me Health"))
    before = counts(app)
    result = runner.invoke(cli, ["demo", "--reset"], input="n\n")
    assert result.exit_code != 0
    assert "Aborted" in result.output
    assert counts(app) == before


def test_demo_is_interesting_whatever_the_date(runner, client, admin):
    clock.freeze(date(2031, 2, 14))
    run_demo(runner)
    states = {b["state"] for b in items(client, "/api/v1/baas", admin)}
    assert {"active", "expiring", "expired", "not_yet_effective"} <= states
    result = allowlist(client, admin)
    assert result["as_of"] == "2031-02-14"
    assert result["entries"] and result["excluded"]


def test_serving_runs_todays_sweep_and_the_jobs_so_the_inbox_has_reminders(
    runner, app, monkeypatch
):
    import werkzeug.serving

    from vetting.models import Notification

    served: list[tuple[str, int]] = []
    monkeypatch.setattr(
        werkzeug.serving, "run_simple", lambda host, port, *_a, **_k: served.append((host, port))
    )
    output = run_demo(runner, "--serve", "--port", "5099")
    try:
        assert served == [("127.0.0.1", 5099)]
        assert "reminder sweep for today:" in output and "see the Inbox" in output
        scheduler = app.extensions["vetting.scheduler"]
        assert scheduler.running
        assert {j.id for j in scheduler.get_jobs()} >= {"daily", "deliver"}
        with app.app_context():
            in_app = db.session().scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.channel == "in-app")
            )
        assert in_app and in_app > 0
    finally:
        app.extensions.pop("vetting.scheduler").shutdown(wait=False)


def test_serving_without_the_scheduler_runs_no_job(runner, app, monkeypatch):
    import werkzeug.serving

    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *_a, **_k: None)
    output = run_demo(runner, "--serve", "--no-scheduler")
    assert "reminder sweep" not in output
    assert "vetting.scheduler" not in app.extensions
