"""An assessment keeps its pinned checklist version and says when a newer one is loaded
("reassess against v2.0.0"); `vetting checklists diff` compares files and pinned versions."""

from __future__ import annotations

import json

from tests.cli.helpers import clean_error, invoke, ok
from tests.older_version import OLDER_TEXT, assessment_on_older_version, older
from vetting import db
from vetting.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "checklists"


def _older_assessment(app) -> int:
    with app.app_context():
        return assessment_on_older_version(db.session())


def test_the_api_says_to_reassess_against_the_newer_loaded_version(app, client, admin):
    aid = _older_assessment(app)
    r = client.get(f"/api/v1/assessments/{aid}", headers=admin)
    assert r.status_code == 200, r.json
    assert (r.json["checklist_version"], r.json["total"]) == ("1.9.0", 3)  # still pinned
    assert r.json["newer_checklist_version"] == "2.0.0"
    assert r.json["notice"].startswith("reassess against v2.0.0: clinical-photo v2.0.0 is loaded")


def test_an_assessment_on_the_loaded_version_has_no_notice(client, admin):
    from tests.api.chain import app_, assess, vendor

    a = assess(client, admin, app_(client, admin, vendor(client, admin)))
    assert (a["newer_checklist_version"], a["notice"]) == (None, None)


def test_vetting_score_prints_the_notice(app, runner):
    aid = _older_assessment(app)
    out = ok(invoke(runner, "score", str(aid)))
    assert "reassess against v2.0.0" in out.splitlines()[1]
    data = json.loads(ok(invoke(runner, "score", str(aid), "--json")))
    assert data["newer_checklist_version"] == "2.0.0"


def test_diff_a_pinned_version_against_the_loaded_one(app, runner):
    _older_assessment(app)
    out = ok(invoke(runner, "checklists", "diff", "clinical-photo@1.9.0", "clinical-photo@2.0.0"))
    lines = out.splitlines()
    assert lines[0].startswith("from clinical-photo 1.9.0 (sha256 ")
    assert lines[1].startswith("  to clinical-photo 2.0.0 (sha256 ")
    assert "  approve_at 75 → 80" in lines
    assert "  baa_signed: title 'BAA in place' → 'Business Associate Agreement signed'" in lines
    assert "  key_custody: tier scored → required" in lines
    assert any(line.startswith("  key_custody: added option ") for line in lines)
    assert any("option vendor_only credit 0.2 → 0.3" in line for line in lines)
    assert any(line.startswith("  added security_incident_reporting: ") for line in lines)
    assert any(line.startswith("  removed fax_gateway: Fax gateway (scored") for line in lines)
    assert any(line.startswith("  conflict added: when encryption_at_rest = yes") for line in lines)


def test_diff_by_sha256_and_file_with_json(app, runner, tmp_path):
    _older_assessment(app)
    old_file = tmp_path / "older.toml"
    old_file.write_text(OLDER_TEXT)
    sha = older().sha256
    data = json.loads(
        ok(
            invoke(
                runner,
                "checklists",
                "diff",
                sha[:10],
                str(SHIPPED / "clinical-photo.toml"),
                "--json",
            )
        )
    )
    assert data["old"] == {"id": "clinical-photo", "version": "1.9.0", "sha256": sha}
    assert data["new"]["version"] == "2.0.0"
    kinds = {(c["what"], c["capability"]) for c in data["changes"]}
    assert {("tier", "key_custody"), ("removed", "fax_gateway"), ("threshold", None)} <= kinds
    same = json.loads(ok(invoke(runner, "checklists", "diff", str(old_file), sha, "--json")))
    assert same["changes"] == []


def test_diff_of_an_unknown_version_is_a_clean_error(app, runner):
    r = invoke(runner, "checklists", "diff", "clinical-photo@0.1", "clinical-photo@2.0.0")
    clean_error(r, "no checklist version 'clinical-photo@0.1'", "clinical-photo@2.0.0")
    r = invoke(runner, "checklists", "diff", "no-such-list@1", "clinical-photo@2.0.0")
    clean_error(r, "no checklist 'no-such-list'")
    r = invoke(runner, "checklists", "diff", "0123abcd0123", "clinical-photo@2.0.0")
    clean_error(r, "no pinned checklist version has sha256 '0123abcd0123'")
    r = invoke(runner, "checklists", "diff", "missing.toml", "clinical-photo@2.0.0")
    clean_error(r, "'missing.toml' is not a file, an id@version or the sha256")
    assert "Traceback" not in r.output
