"""`vetting questionnaires read|suggestions|accept|dismiss`: a vendor's CAIQ into suggestions
from the shell, a dry run that records nothing, refusals as one line."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests import questionnaire_books as books
from tests.cli.helpers import clean_error, invoke, ok
from vetting import auth, db
from vetting.models import Answer, AnswerSuggestion
from vetting.schemas import AppCreate, AssessmentCreate, VendorCreate
from vetting.services import apps, assessments, vendors

ACTOR = auth.CLI_PRINCIPAL


def _assessment(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        v = vendors.create(s, ACTOR, VendorCreate(name="Acme Health")).id
        a = apps.create(s, ACTOR, AppCreate(vendor_id=v, name="Snap", platform="web"))
        made = assessments.create(
            s,
            ACTOR,
            app.extensions["vetting.checklists"],
            AssessmentCreate(app_id=a.id, checklist_id="clinical-photo"),
        )
        assert made.id is not None
        return made.id


def test_read_dry_run_then_read_list_and_accept_one(app, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    aid = _assessment(app)
    f = tmp_path / "acme-caiq.xlsx"
    f.write_bytes(books.caiq({"UEM-13.1": ("Yes", "wiped", "CSC-owned"), "CEK-03.1": ("No", "")}))
    out = ok(
        invoke(runner, "questionnaires", "read", str(f), "--assessment", str(aid), "--dry-run")
    )
    assert "CAIQ 4.0.3" in out and "would suggest 3 answers" in out
    assert "left unanswered:" in out and "audit_logging" in out
    with app.app_context():
        assert db.session().scalars(select(AnswerSuggestion)).all() == []
    out = ok(invoke(runner, "questionnaires", "read", str(f), "--assessment", str(aid)))
    assert "suggested 3 answers" in out and "remote_wipe\tyes\tUEM-13.1" in out
    listed = ok(invoke(runner, "questionnaires", "suggestions", str(aid)))
    first = next(line for line in listed.splitlines() if "\tremote_wipe\t" in line)
    assert "customer must configure it" in first
    sid = first.split("\t")[0]
    assert "accepted 1 suggestion" in ok(
        invoke(runner, "questionnaires", "accept", str(aid), "--id", sid)
    )
    assert "dismissed 2 suggestions" in ok(invoke(runner, "questionnaires", "dismiss", str(aid)))
    with app.app_context():
        answers = db.session().scalars(select(Answer)).all()
        assert [(a.capability_key, a.value, a.source) for a in answers] == [
            ("remote_wipe", True, "attested")
        ]


def test_an_unknown_version_is_one_line_naming_it(app, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    aid = _assessment(app)
    f = tmp_path / "old.xlsx"
    f.write_bytes(books.caiq({"UEM-13.1": ("Yes", "")}, version="v3.1"))
    result = invoke(runner, "questionnaires", "read", str(f), "--assessment", str(aid))
    clean_error(result, "old.xlsx", "CAIQ version v3.1 is not supported (supported: 4.0.x)")


def test_links_create_list_and_revoke(app, runner) -> None:  # type: ignore[no-untyped-def]
    aid = _assessment(app)
    result = invoke(runner, "questionnaires", "links", "create", str(aid), "--email", "a@b.example")
    url = ok(result).splitlines()[0]
    assert "/answer/" in url
    path = "/answer/" + url.rsplit("/answer/", 1)[1]
    assert app.test_client().get(path).status_code == 200
    listed = ok(invoke(runner, "questionnaires", "links", "list", str(aid)))
    link_id, state, email = listed.splitlines()[0].split("\t")[:3]
    assert (state, email) == ("active", "a@b.example")
    assert "revoked" in ok(invoke(runner, "questionnaires", "links", "revoke", link_id))
    assert app.test_client().get(path).status_code == 404
    clean_error(
        invoke(runner, "questionnaires", "links", "create", str(aid), "--days", "0"), "1 to 90"
    )


def test_checklists_validate_checks_the_mappings_too(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    shipped = Path(__file__).resolve().parents[2] / "checklists"
    ok_out = ok(invoke(runner, "checklists", "validate", str(shipped)))
    assert "ok  mapping caiq-4" in ok_out and "ok  mapping hecvat-4" in ok_out
    copy = tmp_path / "checklists"
    shutil.copytree(shipped, copy)
    caiq = copy / "mappings" / "caiq-4.toml"
    caiq.write_text(caiq.read_text().replace('"remote_wipe"', '"remote_wipes"'))
    result = invoke(runner, "checklists", "validate", str(copy))
    assert result.exit_code == 1 and "no checklist has capability 'remote_wipes'" in result.output
