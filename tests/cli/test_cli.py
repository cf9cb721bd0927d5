"""`vetting …` commands: database, checklists, users, tokens, the list, scores (issue 2)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from tests.api.chain import answer, answer_all, app_, approved_app, assess, baa, vendor
from tests.cli.helpers import clean_error, handled, invoke
from vetting import db, migrate
from vetting.models import Answer, User
from vetting.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "checklists"


# --- database --------------------------------------------------------------------------------


def test_init_db_is_idempotent_and_prints_the_revision(app, runner):
    with app.app_context():
        head = migrate.head(db.engine())
    for _ in range(2):
        r = invoke(runner, "init-db")
        assert r.exit_code == 0, r.output
        assert r.output.strip() == f"database at revision {head}"


# --- checklists ------------------------------------------------------------------------------


def test_validate_shipped_checklists(runner, monkeypatch):
    monkeypatch.delenv("VETTING_CHECKLISTS_DIR", raising=False)
    for args in ((), (str(SHIPPED),), (str(SHIPPED / "clinical-photo.toml"),)):
        r = invoke(runner, "checklists", "validate", *args)
        assert r.exit_code == 0, r.output
        assert "ok  clinical-photo 2.0.0  29 capabilities, 7 gates, 15 required" in r.output
        assert ("ok  secure-messaging" in r.output) == (not args or args[0] == str(SHIPPED))


def bad_copy(tmp_path, old, new, name="bad.toml"):
    text = (SHIPPED / "clinical-photo.toml").read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "capability", "reason"),
    [
        ("weight = 10\n", "weight = -1\n", "baa_signed", "weight must be ≥ 0"),
        ('kind = "max_days"', 'kind = "days"', "breach_notification_days", "kind must be one of"),
        (
            "levels = [{ max_days = 3, credit = 1.0 }, { max_days = 10, credit = 0.8 }",
            "levels = [{ max_days = 10, credit = 1.0 }, { max_days = 3, credit = 0.8 }",
            "breach_notification_days",
            "strictly increasing",
        ),
        ("customer_managed = 1.0", "customer_managed = 1.5", "key_custody", "between 0 and 1"),
    ],
)
def test_validate_bad_file_names_file_capability_and_reason(
    runner, tmp_path, old, new, capability, reason
):
    path = bad_copy(tmp_path, old, new)
    for target in (path, tmp_path):
        r = invoke(runner, "checklists", "validate", str(target))
        clean_error(r, "bad.toml", repr(capability), reason)


def test_validate_reports_broken_toml_and_empty_or_missing_paths(runner, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "x\n')
    clean_error(
        invoke(runner, "checklists", "validate", str(broken)), "broken.toml", "invalid TOML"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    clean_error(invoke(runner, "checklists", "validate", str(empty)), "no *.toml")
    clean_error(invoke(runner, "checklists", "validate", str(tmp_path / "nope")), "no such file")


# --- users -----------------------------------------------------------------------------------


def users(app):
    with app.app_context():
        return [(u.email, u.role) for u in db.session().scalars(select(User).order_by(User.id))]


def test_create_admin_with_password_option(app, runner):
    r = invoke(
        runner, "users", "create-admin", "Ada@Example.org", "--password", "a long passphrase"
    )
    assert r.exit_code == 0, r.output
    assert "created admin ada@example.org" in r.output
    assert users(app) == [("ada@example.org", "admin")]


def test_create_admin_prompts_for_the_password_twice(app, runner):
    r = invoke(
        runner,
        "users",
        "create-admin",
        "ada@example.org",
        input="a long passphrase\na long passphrase\n",
    )
    assert r.exit_code == 0, r.output
    assert "a long passphrase" not in r.output  # hidden input
    assert users(app) == [("ada@example.org", "admin")]


@pytest.mark.parametrize(
    ("args", "input_"),
    [(("--password", "short"), None), ((), "pw\npw\n")],
)
def test_short_password_is_a_clean_error(app, runner, args, input_):
    r = invoke(runner, "users", "create-admin", "ada@example.org", *args, input=input_)
    clean_error(r, "password", "at least 12 characters")
    assert users(app) == []


def test_duplicate_email_is_a_clean_error(app, runner):
    ok = invoke(runner, "users", "create-admin", "ada@example.org", "--password", "x" * 12)
    assert ok.exit_code == 0, ok.output
    again = invoke(runner, "users", "create-admin", "ADA@example.org", "--password", "y" * 12)
    clean_error(again, "already exists")
    assert users(app) == [("ada@example.org", "admin")]


def test_bad_email_is_a_clean_error(app, runner):
    r = invoke(runner, "users", "create-admin", "not-an-email", "--password", "x" * 12)
    clean_error(r, "email")


# --- tokens ----------------------------------------------------------------------------------


def create_token(runner, name="mdm", role="it"):
    r = invoke(runner, "tokens", "create", name, "--role", role)
    assert r.exit_code == 0, r.output
    secret = r.stdout.strip()
    token_id = int(re.search(r"token (\d+) ", r.stderr).group(1))
    return secret, token_id


def test_it_token_reads_the_list_and_may_not_write(client, runner):
    secret, _ = create_token(runner)
    assert secret.startswith("vt_") and "\n" not in secret
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/allowlist", headers=headers).status_code == 200
    r = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=headers)
    assert r.status_code == 403
    assert "vendors:write" in r.json["errors"][0]["message"]


def test_token_is_listed_without_its_secret(runner):
    secret, token_id = create_token(runner)
    r = invoke(runner, "tokens", "list")
    assert r.exit_code == 0, r.output
    assert f"{token_id}\tmdm\tit" in r.output
    assert secret not in r.output


def test_revoked_token_is_refused(client, runner):
    secret, token_id = create_token(runner)
    r = invoke(runner, "tokens", "revoke", str(token_id))
    assert r.exit_code == 0, r.output
    assert f"revoked token {token_id}" in r.output
    r = client.get("/api/v1/allowlist", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401


def test_revoking_an_unknown_token_is_a_clean_error(runner):
    clean_error(invoke(runner, "tokens", "revoke", "999"), "no token with id 999")


def test_unknown_role_is_a_usage_error(runner):
    r = invoke(runner, "tokens", "create", "mdm", "--role", "root")
    assert r.exit_code == 2
    handled(r)


# --- approved list ---------------------------------------------------------------------------


@pytest.fixture
def listed(client, admin):
    vid = vendor(client, admin, "Acme")
    baa(client, admin, vid, expiration_date="2027-05-31")
    approved_app(client, admin, vid, name="=cmd|' /C calc'!A0", store_id="com.acme.camera")
    app_(client, admin, vid, name="Acme Chat", store_id="com.acme.chat")


def test_allowlist_as_csv(runner, listed):
    r = invoke(runner, "allowlist", "--as-of", "2026-12-01", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["status"], x["name"], x["reason"]) for x in rows] == [
        (
            "approved",
            "'=cmd|' /C calc'!A0",
            "approved 2026-11-25 by token:test-admin; BAA with Acme in force",
        ),
        ("excluded", "Acme Chat", "no decision recorded"),
    ]


def test_allowlist_as_json_to_a_file(runner, listed, tmp_path):
    out = tmp_path / "list.json"
    r = invoke(runner, "allowlist", "--as-of", "2027-06-01", "--format", "json", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "wrote 0 approved, 2 excluded" in r.output
    body = json.loads(out.read_text())
    assert (body["as_of"], body["entries"]) == ("2027-06-01", [])
    assert {x["reason"] for x in body["excluded"]} == {
        "BAA with Acme expired: in force through 2027-05-31",
        "no decision recorded; BAA with Acme expired: in force through 2027-05-31",
    }


def test_allowlist_defaults_to_today_as_json(runner, listed):
    r = invoke(runner, "allowlist")
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert body["as_of"] == "2026-11-25"
    assert [e["store_id"] for e in body["entries"]] == ["com.acme.camera"]


@pytest.mark.parametrize("as_of", ["2026-02-30", "tomorrow", "01/12/2026"])
def test_bad_as_of_is_a_usage_error(runner, as_of):
    r = invoke(runner, "allowlist", "--as-of", as_of)
    assert r.exit_code == 2, r.output
    assert "not a date" in r.output
    handled(r)


def test_bad_format_is_a_usage_error(runner):
    assert invoke(runner, "allowlist", "--format", "xml").exit_code == 2


# --- scores ----------------------------------------------------------------------------------


@pytest.fixture
def scored(client, admin):
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    answer(client, admin, aid, "baa_signed", True, evidence_url="https://acme.example/baa")
    answer(client, admin, aid, "breach_notification_days", "72 hours")
    return client.get(f"/api/v1/assessments/{aid}", headers=admin).json


def test_score_prints_verdict_and_explanation(runner, scored):
    r = invoke(runner, "score", str(scored["id"]))
    assert r.exit_code == 0, r.output
    assert f"assessment {scored['id']}: clinical-photo 2.0.0" in r.output
    assert f"score {scored['score']:g} — verdict INCOMPLETE" in r.output
    assert (
        "not answered: Security-incident reporting (security_incident_reporting), "
        "Subcontractors bound by the same terms (subcontractor_flow_down), " in r.output
    )
    assert re.search(r"gate +baa_signed\s+10\.00/10\.00\s+verified", r.output)
    assert re.search(
        r"gate +breach_notification_days\s+8\.00/8\.00\s+verified\s+"
        r"72 hours \(3 calendar days, rounded up\) → credit 1",
        r.output,
    )
    assert re.search(r"required +mfa\s+0\.00/6\.00\s+-\s+not answered", r.output)
    assert re.search(r"scored +remote_wipe\s+0\.00/5\.00", r.output)


def test_score_prints_the_conditions_of_a_conditional_verdict(runner, client, admin):
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    answer_all(client, admin, aid)
    answer(client, admin, aid, "legal_hold", False)
    r = invoke(runner, "score", str(aid))
    assert r.exit_code == 0, r.output
    assert "verdict CONDITIONAL" in r.output
    assert "  condition: Legal hold: no credit — required for approval" in r.output


def test_validate_refuses_a_checklist_without_the_audit_logging_gate(runner, tmp_path):
    path = bad_copy(
        tmp_path,
        ', audit_logging = "audit_logging" }',
        " }",
    )
    r = invoke(runner, "checklists", "validate", str(path))
    clean_error(r, "bad.toml", "[policy] must_gate names no gate for: audit_logging")


def test_score_json_matches_the_api(runner, scored):
    r = invoke(runner, "score", str(scored["id"]), "--json")
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert (body["score"], body["verdict"]) == (scored["score"], "incomplete")
    assert body["capabilities"] == scored["capabilities"]


def test_score_of_unknown_assessment_is_a_clean_error(runner):
    clean_error(invoke(runner, "score", "999"), "no assessment with id 999")


def test_score_shows_the_evidence_figure_and_unproven_verified_answers(runner, client, admin, app):
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    answer_all(client, admin, aid)  # every answer verified, with an evidence URL
    answer(client, admin, aid, "remote_wipe", True, source="attested")
    with app.app_context():  # older data: a gate marked verified before evidence was required
        s = db.session()
        row = s.scalar(select(Answer).where(Answer.capability_key == "audit_logging"))
        assert row is not None
        row.evidence_url = None
        s.commit()
    r = invoke(runner, "score", str(aid))
    assert r.exit_code == 0, r.output
    assert "verdict CONDITIONAL" in r.output
    figure = re.search(
        r"^Evidence: (\d+)% verified, (\d+)% attested, 0% unanswered$", r.output, re.M
    )
    assert figure and int(figure[1]) + int(figure[2]) == 100 and int(figure[2]) > 0
    assert re.search(r"gate +audit_logging\s+\S+\s+verified\*", r.output)
    assert re.search(r"scored +remote_wipe\s+\S+\s+attested", r.output)
    assert ": marked verified but no evidence attached — attach the evidence" in r.output
    assert "* verified — no evidence attached: counts as attested" in r.output

    body = json.loads(invoke(runner, "score", str(aid), "--json").stdout)
    assert body["evidence"]["summary"] == figure[0]
    assert body["unsupported"] == ["audit_logging"] == body["attested_gates"]
