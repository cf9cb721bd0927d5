"""Decisions with controls through the API (issue 10, items 4 and 5; docs/rules.md,
"Decisions"): a second person for decisions more permissive than the verdict, minimum
justifications, capped validity, structured conditions that lapse, and approvals bound to
the app's platform, store ID and vendor."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.api.chain import answer, answer_all, app_, assess, audit_events, baa, condition, vendor
from tests.conftest import TODAY
from vetting import auth, clock, db
from vetting.services.reminders import run_reminders
from vetting.settings import notify_settings

JUSTIFIED = "Reviewed by the security committee on 2026-11-20, minutes item 4."


@pytest.fixture
def other(app):
    """A second person: a procurement token created by another user (a token's person is
    whoever created it; every `make_token` token is the CLI's)."""
    second = auth.Principal("second@hospital.example", "admin", frozenset(auth.SCOPES), "user",
                            person="second@hospital.example")  # fmt: skip
    with app.app_context():
        _, secret = auth.create_token(db.session(), second, "second", "procurement")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def setup(client, admin):
    """A vendor with a BAA in force and one app assessed against clinical-photo."""
    vid = vendor(client, admin)
    baa(client, admin, vid, effective_date="2026-01-01")
    app_id = app_(client, admin, vid)
    aid = assess(client, admin, app_id)["id"]
    return {"vendor": vid, "app": app_id, "aid": aid}


def post_decision(client: FlaskClient, headers, aid: int, **body: Any):
    return client.post(f"/api/v1/assessments/{aid}/decision", json=body, headers=headers)


def listed(client: FlaskClient, headers, app_id: int, as_of: date | None = None) -> str | None:
    """None when the app is on the list on `as_of`, else the reason it is off."""
    query = {"as_of": as_of.isoformat()} if as_of else {}
    r = client.get("/api/v1/allowlist", query_string=query, headers=headers)
    assert r.status_code == 200, r.json
    if any(e["app_id"] == app_id for e in r.json["entries"]):
        return None
    return next(x["reason"] for x in r.json["excluded"] if x["app_id"] == app_id)


def make_rejected(client, admin, aid):
    answer_all(client, admin, aid)
    r = answer(client, admin, aid, "encryption_at_rest", False)  # a gate with no credit
    assert r.json["verdict"] == "rejected"


def make_conditional(client, admin, aid):
    answer_all(client, admin, aid)
    r = answer(client, admin, aid, "mdm_app_protection", "partial_support")
    assert r.json["verdict"] == "conditional"


# --- a second person ---------------------------------------------------------------------------


def test_approving_a_rejected_assessment_waits_for_a_second_person(client, admin, other, setup):
    make_rejected(client, admin, setup["aid"])
    r = post_decision(client, admin, setup["aid"], decision="approved", justification=JUSTIFIED)
    assert r.status_code == 201, r.json
    d = r.json
    assert (d["confirmation"], d["confirmed_by"]) == ("pending", None)
    assert d["confirmation_reason"] == "approved although the verdict is rejected"
    reason = listed(client, admin, setup["app"])
    assert reason is not None and "awaits a second person's confirmation" in reason
    pending = client.get("/api/v1/decisions/pending", headers=admin).json["items"]
    assert [p["id"] for p in pending] == [d["id"]]

    # Its own author cannot confirm it: a JSON 403, nothing changes.
    r = client.post(f"/api/v1/decisions/{d['id']}/confirm", headers=admin)
    assert r.status_code == 403
    assert "cannot confirm it" in r.json["errors"][0]["message"]
    assert listed(client, admin, setup["app"]) is not None

    r = client.post(f"/api/v1/decisions/{d['id']}/confirm", headers=other)
    assert r.status_code == 200, r.json
    assert (r.json["confirmation"], r.json["confirmed_by"]) == ("confirmed", "token:second")
    assert listed(client, admin, setup["app"]) is None
    # Confirmed once only.
    again = client.post(f"/api/v1/decisions/{d['id']}/confirm", headers=other)
    assert again.status_code == 409
    assert client.get("/api/v1/decisions/pending", headers=admin).json["items"] == []


def test_approving_a_conditional_verdict_outright_needs_a_second_person(client, admin, setup):
    make_conditional(client, admin, setup["aid"])
    r = post_decision(client, admin, setup["aid"], decision="approved", justification=JUSTIFIED)
    assert r.json["confirmation"] == "pending"
    assert "approved without conditions" in r.json["confirmation_reason"]


@pytest.mark.parametrize(
    ("verdict", "decision"),
    [("approved", "approved"), ("approved", "conditional"), ("conditional", "conditional")],
)
def test_a_decision_as_strict_as_the_verdict_takes_effect_at_once(
    client, admin, setup, verdict, decision
):
    if verdict == "conditional":
        make_conditional(client, admin, setup["aid"])
    else:
        answer_all(client, admin, setup["aid"])
    body: dict[str, Any] = {"decision": decision, "justification": JUSTIFIED}
    if decision == "conditional":
        body["conditions"] = [condition("Camera roll blocked by MDM")]
    r = post_decision(client, admin, setup["aid"], **body)
    assert r.status_code == 201, r.json
    assert r.json["confirmation"] == "not_needed"
    assert listed(client, admin, setup["app"]) is None


def test_a_refused_decision_never_takes_effect_and_reopens_the_assessment(
    client, admin, other, setup
):
    make_rejected(client, admin, setup["aid"])
    d = post_decision(client, admin, setup["aid"], decision="approved", justification=JUSTIFIED)
    did = d.json["id"]
    r = client.post(f"/api/v1/decisions/{did}/refuse", json={"reason": " "}, headers=other)
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/decisions/{did}/refuse", json={"reason": "encryption gap is real"}, headers=other
    )
    assert r.status_code == 200, r.json
    assert r.json["confirmation"] == "refused"
    reason = listed(client, admin, setup["app"])
    assert reason is not None and "was refused by token:second" in reason
    a = client.get(f"/api/v1/assessments/{setup['aid']}", headers=admin).json
    assert a["status"] == "open"
    assert client.post(f"/api/v1/decisions/{did}/confirm", headers=other).status_code == 409
    # A new decision can be made on the reopened assessment.
    r = post_decision(client, admin, setup["aid"], decision="rejected")
    assert r.status_code == 201, r.json


# --- justification, validity, conditions ------------------------------------------------------


@pytest.mark.parametrize("text", [".", "ok", "..........................", "approved by me"])
def test_a_justification_must_say_something(client, admin, setup, text):
    make_rejected(client, admin, setup["aid"])
    r = post_decision(client, admin, setup["aid"], decision="approved", justification=text)
    assert r.status_code == 422
    (error,) = r.json["errors"]
    assert error["field"] == "justification"
    assert "at least 20 letters or digits" in error["message"] or "required" in error["message"]


def test_validity_is_capped_at_the_configured_months(client, admin, setup):
    answer_all(client, admin, setup["aid"])
    r = post_decision(client, admin, setup["aid"], decision="approved", valid_until="2099-12-31")
    assert r.status_code == 422
    assert r.json["errors"] == [
        {
            "field": "valid_until",
            "message": "a decision is valid for at most 24 months: on or before 2028-11-25",
        }
    ]
    r = post_decision(client, admin, setup["aid"], decision="approved", valid_until="2028-11-25")
    assert r.status_code == 201, r.json


def test_a_zero_answer_assessment_cannot_be_approved(client, admin, setup):
    r = post_decision(client, admin, setup["aid"], decision="approved", justification=JUSTIFIED)
    assert r.status_code == 422
    assert r.json["errors"][0]["field"] == "decision"


@pytest.mark.parametrize(
    ("conditions", "field", "words"),
    [
        ([], "conditions", "at least one condition"),
        ("free text", "conditions", "valid list"),
        (
            [{"text": "x", "due_date": "2026-11-25", "owner": "a@b.org"}],
            "conditions.0.due_date",
            "after today",
        ),
        (
            [{"text": "x", "due_date": "2028-01-01", "owner": "a@b.org"}],
            "conditions.0.due_date",
            "on or before the decision's end",
        ),
        (
            [{"text": "x", "due_date": "2027-01-01", "owner": "nobody"}],
            "conditions.0.owner",
            "email",
        ),
        (
            [{"text": "", "due_date": "2027-01-01", "owner": "a@b.org"}],
            "conditions.0.text",
            "at least 1 character",
        ),
    ],
)
def test_conditions_are_structured_items(client, admin, setup, conditions, field, words):
    make_conditional(client, admin, setup["aid"])
    r = post_decision(
        client,
        admin,
        setup["aid"],
        decision="conditional",
        valid_until="2027-11-25",
        conditions=conditions,
    )
    assert r.status_code == 422, r.json
    assert [e["field"] for e in r.json["errors"]] == [field]
    assert words in r.json["errors"][0]["message"]
    assert client.get(f"/api/v1/assessments/{setup['aid']}", headers=admin).json["decisions"] == []


def test_an_approval_with_conditions_is_refused(client, admin, setup):
    answer_all(client, admin, setup["aid"])
    r = post_decision(client, admin, setup["aid"], decision="approved", conditions=[condition("x")])
    assert r.status_code == 422
    assert "conditions belong to a conditional approval" in r.json["errors"][0]["message"]


def test_an_overdue_condition_takes_the_app_off_the_list_until_it_is_met(
    client, admin, other, setup
):
    make_conditional(client, admin, setup["aid"])
    due = TODAY + timedelta(days=36)  # 2026-12-31
    r = post_decision(
        client,
        admin,
        setup["aid"],
        decision="conditional",
        conditions=[
            {"text": "SSO enforced for all users", "due_date": due.isoformat(), "owner": "it@x.org"}
        ],
    )
    assert r.status_code == 201, r.json
    cid = r.json["conditions"][0]["id"]
    assert listed(client, admin, setup["app"], due) is None  # its due date is still in time
    after = due + timedelta(days=1)
    assert (
        listed(client, admin, setup["app"], after)
        == "condition 'SSO enforced for all users' overdue since 2026-12-31"
    )
    with clock.travel(after + timedelta(days=3)):
        a = client.get(f"/api/v1/assessments/{setup['aid']}", headers=admin).json
        assert a["decisions"][0]["conditions"][0]["overdue"] is True
        met = f"/api/v1/decisions/conditions/{cid}/met"
        # Its author cannot mark it met (a dummy condition would need no second person).
        mine = client.post(met, json={"note": "SAML on"}, headers=admin)
        assert mine.status_code == 403
        no_note = client.post(met, json={"note": " "}, headers=other)
        assert no_note.status_code == 422 and no_note.json["errors"][0]["field"] == "note"
        r = client.post(met, json={"note": "SAML on"}, headers=other)
        assert r.status_code == 200, r.json
        assert r.json["conditions"][0]["met_by"] == "token:second"
        assert listed(client, admin, setup["app"]) is None
        again = client.post(met, json={"note": "again"}, headers=other)
        assert again.status_code == 409
    # History keeps its days: on the day after the due date it was still off.
    assert listed(client, admin, setup["app"], after) is not None


def test_conditions_get_reminders_before_their_due_date(app, client, admin, setup):
    make_conditional(client, admin, setup["aid"])
    due = TODAY + timedelta(days=30)
    post_decision(
        client,
        admin,
        setup["aid"],
        decision="conditional",
        conditions=[{"text": "Legal hold on", "due_date": due.isoformat(), "owner": "it@x.org"}],
    )
    settings = notify_settings({})
    with app.app_context():
        s = db.session()
        first = run_reminders(s, TODAY, settings=settings)
        again = run_reminders(s, TODAY, settings=settings)
        rows = s.execute(
            text("SELECT subject_kind, kind, title FROM notification ORDER BY id")
        ).all()
    assert first.created >= 1 and again.created == 0
    condition_rows = [r for r in rows if r[0] == "condition"]
    assert condition_rows
    assert condition_rows[0][1] == "condition_due"
    assert "Condition 'Legal hold on' of Acme Camera" in condition_rows[0][2]
    assert "due in 30 days (2026-12-25)" in condition_rows[0][2]


# --- bound to what was assessed -----------------------------------------------------------------


def test_changing_the_store_id_takes_the_app_off_until_reconfirmed(client, admin, other, setup):
    answer_all(client, admin, setup["aid"])
    d = post_decision(client, admin, setup["aid"], decision="approved").json
    assert (d["pinned_store_id"], d["pinned_platform"]) == ("com.acme.camera", "ios")
    assert d["checklist_version"]
    r = client.patch(
        f"/api/v1/apps/{setup['app']}", json={"store_id": "com.other.app"}, headers=admin
    )
    assert r.status_code == 200, r.json
    reason = listed(client, admin, setup["app"])
    assert reason == (
        f"store ID changed since the decision of {TODAY.isoformat()} "
        "(was com.acme.camera, now com.other.app)"
    )
    # Re-confirmation: short reasons refused; then pending until a second person confirms.
    r = client.post(
        f"/api/v1/decisions/{d['id']}/reconfirm", json={"justification": "fine"}, headers=admin
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/decisions/{d['id']}/reconfirm", json={"justification": JUSTIFIED}, headers=admin
    )
    assert r.status_code == 201, r.json
    new = r.json
    assert (new["confirmation"], new["reconfirms_id"], new["pinned_store_id"]) == (
        "pending",
        d["id"],
        "com.other.app",
    )
    assert "store ID changed" in new["confirmation_reason"]
    assert "awaits a second person" in (listed(client, admin, setup["app"]) or "")
    assert client.post(f"/api/v1/decisions/{new['id']}/confirm", headers=other).status_code == 200
    assert listed(client, admin, setup["app"]) is None
    actions = [e.action for e in audit_events_of(client)]
    assert "decision.reconfirm" in actions and "decision.confirm" in actions


def audit_events_of(client):
    return audit_events(client.application)


def test_moving_the_app_to_another_vendor_takes_it_off(client, admin, setup):
    answer_all(client, admin, setup["aid"])
    post_decision(client, admin, setup["aid"], decision="approved")
    elsewhere = vendor(client, admin, "Other Health")
    baa(client, admin, elsewhere, effective_date="2026-01-01")
    r = client.patch(f"/api/v1/apps/{setup['app']}", json={"vendor_id": elsewhere}, headers=admin)
    assert r.status_code == 200, r.json
    reason = listed(client, admin, setup["app"])
    assert reason == f"vendor changed since the decision of {TODAY.isoformat()} (was Acme Health)"


def test_reconfirming_when_nothing_changed_is_refused(client, admin, setup):
    answer_all(client, admin, setup["aid"])
    d = post_decision(client, admin, setup["aid"], decision="approved").json
    r = client.post(
        f"/api/v1/decisions/{d['id']}/reconfirm", json={"justification": JUSTIFIED}, headers=admin
    )
    assert r.status_code == 409
    assert r.json["errors"][0]["message"] == "nothing about the app changed since this decision"


def test_unknown_decision_and_condition_are_404_json(client, admin):
    for path in (
        "/api/v1/decisions/999/confirm",
        "/api/v1/decisions/conditions/999/met",
    ):
        r = client.post(path, json={"note": "checked"}, headers=admin)
        assert r.status_code == 404, path
        assert r.json["errors"]


def test_viewers_cannot_confirm(client, admin, make_token, setup):
    make_rejected(client, admin, setup["aid"])
    d = post_decision(client, admin, setup["aid"], decision="approved", justification=JUSTIFIED)
    r = client.post(f"/api/v1/decisions/{d.json['id']}/confirm", headers=make_token("viewer"))
    assert r.status_code == 403


def test_a_token_its_author_made_is_still_its_author(client, app, setup, make_token):
    """The person behind a token is whoever created it: an author cannot confirm their own
    decision through a token they made (nor through another name)."""
    alice = auth.Principal("alice@hospital.example", "admin", frozenset(auth.SCOPES), "user",
                           person="alice@hospital.example")  # fmt: skip
    with app.app_context():
        _, as_alice = auth.create_token(db.session(), alice, "alice-script", "procurement")
    headers = {"Authorization": f"Bearer {as_alice}"}
    admin = make_token("admin")
    make_rejected(client, admin, setup["aid"])
    with app.app_context():
        from vetting.schemas import DecisionIn
        from vetting.services import decisions

        d = decisions.decide(
            db.session(),
            alice,
            setup["aid"],
            DecisionIn(decision="approved", justification=JUSTIFIED),
        )
        decision_id = d.id
    r = client.post(f"/api/v1/decisions/{decision_id}/confirm", headers=headers)
    assert r.status_code == 403, r.json
    assert "alice@hospital.example made it" in r.json["errors"][0]["message"]


def test_deciding_again_after_the_app_changed_is_refused(client, admin, setup):
    """Re-deciding a decided assessment would bind the old assessment to the changed app with
    no second person: it must go through a reassessment or a re-confirmation."""
    answer_all(client, admin, setup["aid"])
    post_decision(client, admin, setup["aid"], decision="approved")
    client.patch(f"/api/v1/apps/{setup['app']}", json={"store_id": "com.evil.other"}, headers=admin)
    r = post_decision(client, admin, setup["aid"], decision="approved")
    assert r.status_code == 409
    assert "re-confirm" in r.json["errors"][0]["message"]
    assert listed(client, admin, setup["app"]) is not None


def test_a_long_store_id_change_reconfirms_on_every_database(client, admin, other, setup):
    answer_all(client, admin, setup["aid"])
    d = post_decision(client, admin, setup["aid"], decision="approved").json
    long_id = "com." + "a" * 200 + ".camera"
    client.patch(f"/api/v1/apps/{setup['app']}", json={"store_id": long_id}, headers=admin)
    r = client.post(
        f"/api/v1/decisions/{d['id']}/reconfirm", json={"justification": JUSTIFIED}, headers=admin
    )
    assert r.status_code == 201, r.json
    assert long_id in r.json["confirmation_reason"]


def test_refusing_a_reconfirmation_leaves_the_assessment_decided(client, admin, other, setup):
    answer_all(client, admin, setup["aid"])
    d = post_decision(client, admin, setup["aid"], decision="approved").json
    client.patch(f"/api/v1/apps/{setup['app']}", json={"store_id": "com.acme.new"}, headers=admin)
    new = client.post(
        f"/api/v1/decisions/{d['id']}/reconfirm", json={"justification": JUSTIFIED}, headers=admin
    ).json
    r = client.post(
        f"/api/v1/decisions/{new['id']}/refuse",
        json={"reason": "new bundle not reviewed"},
        headers=other,
    )
    assert r.status_code == 200, r.json
    a = client.get(f"/api/v1/assessments/{setup['aid']}", headers=admin).json
    assert a["status"] == "decided"


@pytest.mark.parametrize("owner", ["", " ", None])
def test_a_condition_needs_an_owner(client, admin, setup, owner):
    make_conditional(client, admin, setup["aid"])
    r = post_decision(
        client,
        admin,
        setup["aid"],
        decision="conditional",
        conditions=[{"text": "MDM block", "due_date": "2027-01-10", "owner": owner}],
    )
    assert r.status_code == 422, r.json
    assert [e["field"] for e in r.json["errors"]] == ["conditions.0.owner"]


def test_a_pending_decision_replaced_by_a_newer_one_waits_for_no_one(client, admin, setup):
    make_rejected(client, admin, setup["aid"])
    post_decision(client, admin, setup["aid"], decision="approved", justification=JUSTIFIED)
    assert len(client.get("/api/v1/decisions/pending", headers=admin).json["items"]) == 1
    again = assess(client, admin, setup["app"])["id"]  # a reassessment, decided since
    answer(client, admin, again, "baa_signed", False)
    post_decision(client, admin, again, decision="rejected", justification=JUSTIFIED)
    assert client.get("/api/v1/decisions/pending", headers=admin).json["items"] == []
