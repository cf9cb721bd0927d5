"""Assessments, answers and decisions through the API (issue 2, item 5; docs/rules.md, "Score")."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.api.chain import (
    answer,
    answer_all,
    app_,
    assess,
    audit_events,
    condition,
    decide,
    vendor,
)
from vetting.app import create_app
from vetting.settings import REPO_ROOT

CHECKLIST_FILE = REPO_ROOT / "checklists" / "clinical-photo.toml"


@pytest.fixture
def app_id(client, admin):
    return app_(client, admin, vendor(client, admin))


@pytest.fixture
def aid(client, admin, app_id):
    return assess(client, admin, app_id)["id"]


def cap(detail, key):
    return next(c for c in detail["capabilities"] if c["key"] == key)


def weights(client, admin):
    caps = client.get("/api/v1/checklists/clinical-photo", headers=admin).json["capabilities"]
    return {c["key"]: c["weight"] for c in caps}


# --- create ----------------------------------------------------------------------------------


def test_new_assessment_pins_checklist_id_version_and_sha256(client, admin, app_id):
    a = assess(client, admin, app_id)
    assert a["checklist_id"] == "clinical-photo"
    assert a["checklist_version"] == "2.0.0"
    assert a["checklist_sha256"] == hashlib.sha256(CHECKLIST_FILE.read_bytes()).hexdigest()
    assert (a["status"], a["score"], a["verdict"], a["answered"]) == ("open", 0, "incomplete", 0)
    assert a["total"] == len(a["capabilities"]) >= 18
    assert all(c["status"] == "unanswered" for c in a["capabilities"])
    # incomplete until every gate and required capability is answered: all of them missing
    assert a["missing"] == [c["key"] for c in a["capabilities"] if c["tier"] != "scored"]
    assert a["conditions"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"app_id": 999, "checklist_id": "clinical-photo"},
        {"checklist_id": "clinical-photo"},
        {"app_id": "x", "checklist_id": "clinical-photo"},
    ],
)
def test_create_refuses_unknown_app(client, admin, body):
    r = client.post("/api/v1/assessments", json=body, headers=admin)
    assert r.status_code == 422, r.json
    assert [e["field"] for e in r.json["errors"]] == ["app_id"]


def test_create_refuses_unknown_checklist(client, admin, app_id):
    body = {"app_id": app_id, "checklist_id": "no-such-list"}
    r = client.post("/api/v1/assessments", json=body, headers=admin)
    assert r.status_code == 422, r.json
    assert [e["field"] for e in r.json["errors"]] == ["checklist_id"]
    assert "clinical-photo" in r.json["errors"][0]["message"]


def test_unknown_assessment_is_404(client, admin):
    assert client.get("/api/v1/assessments/999", headers=admin).status_code == 404


# --- answers of every kind ----------------------------------------------------------------------


def test_bool_answer_is_explained_with_value_credit_points_source_and_evidence(client, admin, aid):
    r = answer(
        client,
        admin,
        aid,
        "baa_signed",
        True,
        evidence_url="https://acme.example/baa",
        note="countersigned",
    )
    assert r.status_code == 200, r.json
    c = cap(r.json, "baa_signed")
    assert c["status"] == "answered"
    assert (c["value"], c["credit"], c["points"], c["possible"]) == (True, 1.0, 10.0, 10.0)
    assert (c["source"], c["evidence_url"], c["note"]) == (
        "verified",
        "https://acme.example/baa",
        "countersigned",
    )
    assert "yes" in c["explanation"]
    total = sum(weights(client, admin).values())
    assert r.json["score"] == round(100 * 10 / total, 2)
    assert r.json["answered"] == 1


@pytest.mark.parametrize(
    ("value", "days", "credit"),
    [
        ("72 hours", 3, 1.0),
        ("5 business days", 7, 0.8),
        (10, 10, 0.8),
        ("30 days", 30, 0.5),
        # 45 CFR 164.410(b): a BAA that states no number means 60 days, lawful, partial credit.
        ("unstated", 60, 0.3),
        (61, 61, 0.0),
    ],
)
def test_max_days_answer_converts_hours_and_business_days(client, admin, aid, value, days, credit):
    r = answer(client, admin, aid, "breach_notification_days", value)
    assert r.status_code == 200, r.json
    c = cap(r.json, "breach_notification_days")
    assert (c["value"]["days"], c["credit"], c["points"]) == (days, credit, 8 * credit)


def test_unstated_breach_days_is_not_a_gating_failure(client, admin, aid):
    answer_all(client, admin, aid)
    r = answer(client, admin, aid, "breach_notification_days", "unstated")
    assert "breach_notification_days" not in r.json["gating_failures"]
    r = answer(client, admin, aid, "breach_notification_days", "90 days")
    assert r.json["verdict"] == "rejected"
    assert r.json["gating_failures"] == ["breach_notification_days"]
    assert any("breach_notification_days" in reason for reason in r.json["reasons"])


@pytest.mark.parametrize(
    ("value", "credit"), [("customer_managed", 1.0), ("vendor_only", 0.3), ("none", 0.0)]
)
def test_choice_answer_earns_the_option_credit(client, admin, aid, value, credit):
    r = answer(client, admin, aid, "key_custody", value)
    assert r.status_code == 200, r.json
    c = cap(r.json, "key_custody")
    assert (c["value"], c["credit"], c["points"]) == (value, credit, pytest.approx(7 * credit))


@pytest.mark.parametrize(("value", "credit"), [(6, 1.0), (10.5, 1.0), (3, 0.4), (0.5, 0.0)])
def test_min_number_answer_earns_the_level_credit(client, admin, aid, value, credit):
    r = answer(client, admin, aid, "audit_log_retention_years", value)
    assert r.status_code == 200, r.json
    c = cap(r.json, "audit_log_retention_years")
    assert (c["value"], c["credit"]) == (value, credit)


def test_na_where_allowed_leaves_the_denominator(client, admin, aid):
    w = weights(client, admin)
    answer(client, admin, aid, "baa_signed", True)
    r = answer(client, admin, aid, "legal_hold", "n/a")
    assert r.status_code == 200, r.json
    c = cap(r.json, "legal_hold")
    assert (c["status"], c["value"], c["credit"], c["possible"]) == ("na", "n/a", None, 0.0)
    denominator = sum(w.values()) - w["legal_hold"]
    assert r.json["score"] == round(100 * w["baa_signed"] / denominator, 2)


def test_na_where_not_allowed_is_422_on_value(client, admin, aid):
    r = answer(client, admin, aid, "baa_signed", "n/a")
    assert r.status_code == 422
    assert r.json["errors"][0]["field"] == "value"
    assert "N/A" in r.json["errors"][0]["message"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("baa_signed", "maybe"),
        ("baa_signed", 1),
        ("baa_signed", None),
        ("baa_signed", [True]),
        ("breach_notification_days", True),
        ("breach_notification_days", "sixty days"),
        ("breach_notification_days", {"value": 5, "unit": "weeks"}),
        ("breach_notification_days", -3),
        ("breach_notification_days", {"days": 3}),
        ("key_custody", "the vendor"),
        ("key_custody", 1.0),
        ("audit_log_retention_years", "lots"),
        ("audit_log_retention_years", -1),
        ("audit_log_retention_years", False),
    ],
)
def test_value_of_the_wrong_kind_is_422_on_value(client, admin, aid, key, value):
    r = answer(client, admin, aid, key, value)
    assert r.status_code == 422, r.json
    assert [e["field"] for e in r.json["errors"]] == ["value"]
    assert client.get(f"/api/v1/assessments/{aid}", headers=admin).json["answered"] == 0


def test_unknown_capability_key_is_404(client, admin, aid):
    r = answer(client, admin, aid, "teleportation", True)
    assert r.status_code == 404
    assert "teleportation" in r.json["errors"][0]["message"]


@pytest.mark.parametrize("source", ["guessed", "", None, "Verified"])
def test_source_must_be_verified_attested_or_discovered(client, admin, aid, source):
    r = client.put(
        f"/api/v1/assessments/{aid}/answers/baa_signed",
        json={"value": True, "source": source},
        headers=admin,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json["errors"]] == ["source"]


def test_answer_without_source_or_with_bad_evidence_url_is_422(client, admin, aid):
    r = client.put(
        f"/api/v1/assessments/{aid}/answers/baa_signed", json={"value": True}, headers=admin
    )
    assert (r.status_code, r.json["errors"][0]["field"]) == (422, "source")
    r = answer(client, admin, aid, "baa_signed", True, evidence_url="javascript:alert(1)")
    assert (r.status_code, r.json["errors"][0]["field"]) == (422, "evidence_url")


def test_discovered_answer_counts_for_nothing_until_accepted(client, admin, aid):
    body = {"value": True, "source": "discovered", "evidence_url": "https://acme.example/sec"}
    r = client.put(f"/api/v1/assessments/{aid}/answers/baa_signed", json=body, headers=admin)
    assert r.status_code == 200, r.json
    c = cap(r.json, "baa_signed")
    assert (c["status"], c["credit"], c["points"], c["source"]) == (
        "suggested",
        None,
        0.0,
        "discovered",
    )
    assert (r.json["score"], r.json["answered"]) == (0, 0)
    assert "baa_signed" in r.json["gating_unanswered"]
    r = answer(client, admin, aid, "baa_signed", True, source="attested")
    assert r.json["score"] > 0
    assert cap(r.json, "baa_signed")["source"] == "attested"


def test_answer_can_be_replaced(client, admin, aid):
    answer(client, admin, aid, "baa_signed", True)
    r = answer(client, admin, aid, "baa_signed", False)
    assert r.json["answered"] == 1
    # a failed gate is named, but the verdict stays incomplete until the rest is answered
    assert r.json["verdict"] == "incomplete"
    assert r.json["gating_failures"] == ["baa_signed"]
    assert "baa_signed" not in r.json["missing"]


def test_get_returns_score_verdict_reasons_and_explanation(client, admin, aid):
    answer_all(client, admin, aid)
    r = client.get(f"/api/v1/assessments/{aid}", headers=admin)
    assert r.status_code == 200
    d = r.json
    assert (d["score"], d["verdict"]) == (100, "approved")
    assert d["reasons"] == ["score 100 ≥ approve_at 80"]
    assert d["answered"] == d["total"]
    assert (d["missing"], d["conditions"]) == ([], [])
    tiers = {c["key"]: c["tier"] for c in d["capabilities"]}
    assert (tiers["audit_logging"], tiers["mfa"], tiers["remote_wipe"]) == (
        "gate",
        "required",
        "scored",
    )
    for c in d["capabilities"]:
        assert {"value", "credit", "points", "possible", "source", "evidence_url"} <= set(c)
        assert c["points"] == c["possible"] == c["weight"]


# --- decisions -----------------------------------------------------------------------------------


def test_conditional_needs_conditions(client, admin, aid):
    answer_all(client, admin, aid)
    r = client.post(
        f"/api/v1/assessments/{aid}/decision",
        json={
            "decision": "conditional",
            "justification": "pilot on one ward for three months",
            "conditions": [],
        },
        headers=admin,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json["errors"]] == ["conditions"]


def test_overriding_the_verdict_needs_a_justification_and_is_audited(client, app, admin, aid):
    answer_all(client, admin, aid)
    answer(client, admin, aid, "mdm_app_protection", "partial_support")  # → conditional
    r = client.post(
        f"/api/v1/assessments/{aid}/decision", json={"decision": "approved"}, headers=admin
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json["errors"]] == ["justification"]
    assert "conditional" in r.json["errors"][0]["message"]
    d = decide(client, admin, aid, "approved", justification="BAA reviewed by counsel")
    assert (d["decision"], d["verdict"], d["justification"]) == (
        "approved",
        "conditional",
        "BAA reviewed by counsel",
    )
    event = audit_events(app)[-1]
    assert (event.action, event.entity_id) == ("assessment.decide", str(aid))
    assert event.after["overrides_verdict"] is True
    assert event.after["justification"] == "BAA reviewed by counsel"


@pytest.mark.parametrize("decision", ["approved", "conditional"])
def test_an_incomplete_assessment_cannot_be_approved_naming_what_is_missing(
    client, admin, aid, decision
):
    answer_all(client, admin, aid)
    for key in ("legal_hold", "audit_logging"):
        r = client.put(
            f"/api/v1/assessments/{aid}/answers/{key}",
            json={"value": True, "source": "discovered"},  # a suggestion: not an answer
            headers=admin,
        )
        assert r.status_code == 200, r.json
    assert (r.json["verdict"], r.json["missing"]) == ("incomplete", ["legal_hold", "audit_logging"])
    body: dict = {"decision": decision, "justification": "reviewed offline by the committee"}
    if decision == "conditional":
        body["conditions"] = [condition("MDM app protection on")]
    r = client.post(f"/api/v1/assessments/{aid}/decision", json=body, headers=admin)
    assert r.status_code == 422, r.json
    assert r.json["errors"] == [
        {
            "field": "decision",
            "message": "only a rejection can be decided on an incomplete assessment "
            "(not answered: legal_hold, audit_logging)",
        }
    ]
    assert client.get(f"/api/v1/assessments/{aid}", headers=admin).json["decisions"] == []


def test_an_incomplete_assessment_can_be_rejected(client, admin, aid):
    answer(client, admin, aid, "baa_signed", False)
    d = decide(client, admin, aid, "rejected", justification="the vendor will not sign a BAA")
    assert (d["decision"], d["verdict"]) == ("rejected", "incomplete")


def test_conditional_verdict_names_each_condition(client, admin, aid):
    answer_all(client, admin, aid)
    answer(client, admin, aid, "sso_saml_oidc", "none")
    r = answer(client, admin, aid, "mfa", "none")
    assert r.json["score"] >= 80
    assert r.json["verdict"] == "conditional"
    assert r.json["conditions"] == [
        "Single sign-on (SAML / OIDC) or Multi-factor authentication: none has full credit"
        " — one is required for approval"
    ]


def test_decision_matching_the_verdict_needs_no_justification(client, app, admin, aid):
    answer_all(client, admin, aid)
    d = decide(client, admin, aid, "approved")
    assert (d["verdict"], d["score"], d["decided_by"]) == ("approved", 100, "token:test-admin")
    assert audit_events(app)[-1].after["overrides_verdict"] is False
    a = client.get(f"/api/v1/assessments/{aid}", headers=admin).json
    assert a["status"] == "decided"
    assert [x["id"] for x in a["decisions"]] == [d["id"]]


def test_valid_until_defaults_to_twelve_months(client, admin, aid, frozen_clock):
    d = decide(client, admin, aid, "rejected", justification="no BAA offered by the vendor")
    assert frozen_clock == date(2026, 11, 25)
    assert d["valid_until"] == "2027-11-25"


@pytest.mark.parametrize("valid_until", ["2026-11-24", "2026-11-25", "2020-01-01"])
def test_valid_until_must_be_in_the_future(client, admin, aid, valid_until):
    r = client.post(
        f"/api/v1/assessments/{aid}/decision",
        json={
            "decision": "rejected",
            "justification": "no BAA offered by the vendor",
            "valid_until": valid_until,
        },
        headers=admin,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json["errors"]] == ["valid_until"]


def test_explicit_valid_until_is_kept(client, admin, aid):
    d = decide(
        client,
        admin,
        aid,
        "rejected",
        justification="reviewed by the security committee",
        valid_until="2027-03-31",
    )
    assert d["valid_until"] == "2027-03-31"


@pytest.mark.parametrize(
    "body", [{"decision": "maybe"}, {}, {"decision": "approved", "decided_by": "mallory"}]
)
def test_bad_decision_body_is_422(client, admin, aid, body):
    r = client.post(f"/api/v1/assessments/{aid}/decision", json=body, headers=admin)
    assert r.status_code == 422


def test_decided_assessment_freezes_its_answers(client, admin, aid):
    decide(client, admin, aid, "rejected", justification="no BAA offered by the vendor")
    r = answer(client, admin, aid, "baa_signed", True)
    assert r.status_code == 409
    assert "decided" in r.json["errors"][0]["message"]


# --- pinning -----------------------------------------------------------------------------------


def test_editing_the_checklist_file_never_changes_a_decided_assessment(
    app, database_url, tmp_path, admin
):
    folder = tmp_path / "checklists"
    shutil.copytree(REPO_ROOT / "checklists", folder)
    config = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "s",
        "TESTING": True,
        "CHECKLISTS_DIR": folder,
    }
    before = create_app({**config, "INSTANCE_PATH": tmp_path / "i1"})
    c1 = before.test_client()
    app_id = app_(c1, admin, vendor(c1, admin))
    old = assess(c1, admin, app_id)
    answer(c1, admin, old["id"], "baa_signed", True)
    answer(c1, admin, old["id"], "tls_in_transit", True)
    decide(c1, admin, old["id"], "rejected", justification="incomplete vendor answers")
    old_detail = c1.get(f"/api/v1/assessments/{old['id']}", headers=admin).json

    path: Path = folder / "clinical-photo.toml"
    text = path.read_text()
    assert text.count("weight = 10\n") == 1  # baa_signed
    path.write_text(text.replace("weight = 10\n", "weight = 40\n"))

    after = create_app({**config, "INSTANCE_PATH": tmp_path / "i2"})
    c2 = after.test_client()
    same = c2.get(f"/api/v1/assessments/{old['id']}", headers=admin).json
    assert same["checklist_sha256"] == old["checklist_sha256"]
    assert same["score"] == old_detail["score"]
    assert cap(same, "baa_signed")["possible"] == 10
    assert same["capabilities"] == old_detail["capabilities"]

    new = assess(c2, admin, app_id)
    assert new["checklist_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert new["checklist_sha256"] != old["checklist_sha256"]
    r = answer(c2, admin, new["id"], "baa_signed", True)
    assert cap(r.json, "baa_signed")["possible"] == 40
    for a in (before, after):
        a.extensions["vetting.engine"].dispose()
