"""Answer suggestions from a vendor's CAIQ / HECVAT: mapped through checklists/mappings,
recorded pending, counting for nothing until a person accepts them (some or all), dismissed,
replaced by a newer one, never overwriting a person's answer silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests import questionnaire_books as books
from vetting import auth, db
from vetting.core import questionnaire_map as qmap
from vetting.core.statuses import OriginKind, SuggestionStatus
from vetting.errors import Conflict, Invalid
from vetting.models import Answer, AnswerSuggestion, AuditEvent
from vetting.schemas import AnswerIn, AppCreate, AssessmentCreate, VendorCreate
from vetting.services import apps, assessments, standard_questionnaires, suggestions, vendors
from vetting.services.checklists import load_all

ACTOR = auth.CLI_PRINCIPAL
REPO = Path(__file__).resolve().parents[2]
CHECKLISTS = load_all(REPO / "checklists")
PATTERNS = {
    "caiq-4": r"^[A-Z&]{2,3}-\d{2}\.\d+$",
    "hecvat-4": r"^[A-Z]{4}-\d{2}$",
    "hecvat-3": r"^[A-Z]{4}-\d{2}$",
}


def test_the_shipped_mappings_name_real_capabilities_valid_values_and_well_formed_ids() -> None:
    import re

    maps = qmap.load_dir(REPO / "checklists" / "mappings")
    assert set(maps) == set(PATTERNS)
    for family, mapping in maps.items():
        assert mapping.rules, family
        assert qmap.check(mapping, CHECKLISTS.values()) == []
        for rule in mapping.rules:
            assert re.fullmatch(PATTERNS[family], rule.question_id), rule
    caiq = maps["caiq-4"]
    assert any(r.question_id == "UEM-13.1" and r.capability == "remote_wipe" for r in caiq.rules)


def test_a_mapping_naming_an_unknown_capability_or_a_value_it_refuses_is_reported() -> None:
    text = """
family = "caiq-4"
id_pattern = '^[A-Z&]{2,3}-\\d{2}\\.\\d+$'
[[map]]
id = "UEM-13.1"
capability = "remote_wipes"
yes = true
[[map]]
id = "IAM-14.1"
capability = "mfa"
yes = "strong"
"""
    problems = qmap.check(qmap.parse(text, "bad.toml"), CHECKLISTS.values())
    assert any("remote_wipes" in p for p in problems)
    assert any("IAM-14.1 Yes → 'strong'" in p for p in problems)
    with pytest.raises(qmap.MappingError, match="does not match"):
        qmap.parse(text.replace('"UEM-13.1"', '"UEM-13"'), "bad.toml")
    with pytest.raises(qmap.MappingError, match="no transform"):
        qmap.parse(
            'family = "hecvat-4"\nid_pattern = ".*"\n[[map]]\nid = "X"\ncapability = "a"\n', "x"
        )


@pytest.fixture
def assessment_id(app) -> int:  # type: ignore[no-untyped-def]
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


CAIQ = {
    "UEM-13.1": ("Yes", "Managed phones are wiped on request", "CSC-owned"),
    "CEK-03.1": ("yes", "AES at rest, TLS 1.2+ on the wire"),
    "LOG-08.1": ("Don't know", ""),
    "IAM-14.1": ("No", ""),
}


def _pending(s, assessment_id: int) -> dict[str, AnswerSuggestion]:  # type: ignore[no-untyped-def]
    return {
        p.suggestion.capability_key: p.suggestion for p in suggestions.pending(s, assessment_id)
    }


def test_a_caiq_becomes_pending_attested_suggestions_that_count_for_nothing(
    app, assessment_id: int
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        before = assessments.get(s, assessment_id).score
        result = standard_questionnaires.read_into(
            s, ACTOR, assessment_id, books.caiq(CAIQ), "acme-caiq.xlsx"
        )
        got = _pending(s, assessment_id)
        assert set(got) == {"remote_wipe", "encryption_at_rest", "tls_in_transit", "mfa"}
        wipe = got["remote_wipe"]
        assert (wipe.value, wipe.source, wipe.origin_kind) == (True, "attested", OriginKind.CAIQ)
        assert wipe.origin_ref == "UEM-13.1" and wipe.origin_file == "acme-caiq.xlsx"
        assert wipe.origin_sha256 == result.sha256 and wipe.origin_cell == "CAIQv4.0.3!C5"
        assert wipe.note == (
            "CAIQ 4.0.3 UEM-13.1 = Yes (CSC-owned: the customer must configure it). "
            'Vendor: "Managed phones are wiped on request"'
        )
        assert got["mfa"].value == "none"
        out = result.as_dict()
        assert "audit_logging" in out["unmapped"] and "remote_wipe" not in out["unmapped"]
        assert out["refused"] == [
            {
                "question_id": "LOG-08.1",
                "cell": "CAIQv4.0.3!C7",
                "reason": '"Don\'t know" is not one of Yes, No, NA (left unanswered)',
            }
        ]
        after = assessments.get(s, assessment_id).score
        assert (after.score, after.verdict, after.answered) == (
            before.score,
            before.verdict,
            before.answered,
        )
        assert (
            s.scalars(select(Answer).where(col(Answer.assessment_id) == assessment_id)).all() == []
        )
        assert suggestions.count_pending(s, assessment_id) == 4


def test_accepting_some_writes_attested_answers_with_the_note_and_rescores(
    app, assessment_id: int
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        standard_questionnaires.read_into(s, ACTOR, assessment_id, books.caiq(CAIQ), "acme.xlsx")
        got = _pending(s, assessment_id)
        before = assessments.get(s, assessment_id).score.score
        suggestions.accept(s, ACTOR, assessment_id, [got["encryption_at_rest"].id])
        view = assessments.get(s, assessment_id)
        row = next(c for c in view.score.capabilities if c.key == "encryption_at_rest")
        assert row.source == "attested"
        answer = s.scalars(
            select(Answer).where(col(Answer.capability_key) == "encryption_at_rest")
        ).one()
        assert answer.note is not None and answer.note.startswith("CAIQ 4.0.3 CEK-03.1 = Yes")
        assert "AES at rest" in answer.note
        assert view.score.score > before
        left = _pending(s, assessment_id)
        assert "encryption_at_rest" not in left and len(left) == 3
        assert s.get(AnswerSuggestion, got["encryption_at_rest"].id).status == "accepted"
        actions = s.scalars(select(AuditEvent.action)).all()
        assert "suggestion.create" in actions and "suggestion.accept" in actions
        assert "assessment.answer" in actions and "questionnaire.read" in actions
        suggestions.accept(s, ACTOR, assessment_id)  # the rest
        assert suggestions.count_pending(s, assessment_id) == 0
        keys = set(s.scalars(select(Answer.capability_key)).all())
        assert keys == {"encryption_at_rest", "tls_in_transit", "remote_wipe", "mfa"}


def test_dismissed_suggestions_change_no_answer(app, assessment_id: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        standard_questionnaires.read_into(s, ACTOR, assessment_id, books.caiq(CAIQ), "acme.xlsx")
        ids = [p.suggestion.id for p in suggestions.pending(s, assessment_id)]
        suggestions.dismiss(s, ACTOR, assessment_id, ids[:2])
        assert suggestions.count_pending(s, assessment_id) == 2
        assert s.scalars(select(Answer)).all() == []
        with pytest.raises(Invalid, match="not a pending suggestion"):
            suggestions.accept(s, ACTOR, assessment_id, [ids[0]])
        with pytest.raises(Invalid, match="not a pending suggestion"):
            suggestions.dismiss(s, ACTOR, assessment_id, [999999])
        assert "suggestion.dismiss" in s.scalars(select(AuditEvent.action)).all()


def test_a_persons_answer_is_shown_against_the_proposal_and_kept_until_accepted(
    app, assessment_id: int
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        assessments.answer(
            s,
            ACTOR,
            assessment_id,
            "remote_wipe",
            AnswerIn(value=False, source="attested", note="ours"),
        )
        score = assessments.get(s, assessment_id).score.score
        standard_questionnaires.read_into(s, ACTOR, assessment_id, books.caiq(CAIQ), "acme.xlsx")
        wipe = next(
            p
            for p in suggestions.pending(s, assessment_id)
            if p.suggestion.capability_key == "remote_wipe"
        )
        assert wipe.overrides and wipe.current is not None and wipe.current.value is False
        answer = s.scalars(select(Answer).where(col(Answer.capability_key) == "remote_wipe")).one()
        assert (answer.value, answer.note) == (False, "ours")
        assert assessments.get(s, assessment_id).score.score == score
        suggestions.accept(s, ACTOR, assessment_id, [wipe.suggestion.id])
        s.refresh(answer)
        assert answer.value is True and answer.source == "attested"


def test_a_newer_questionnaire_replaces_the_older_pending_suggestion(
    app, assessment_id: int
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        standard_questionnaires.read_into(s, ACTOR, assessment_id, books.caiq(CAIQ), "v1.xlsx")
        first = _pending(s, assessment_id)["remote_wipe"]
        standard_questionnaires.read_into(
            s, ACTOR, assessment_id, books.caiq({"UEM-13.1": ("No", "Not any more")}), "v2.xlsx"
        )
        now = _pending(s, assessment_id)
        assert now["remote_wipe"].value is False and now["remote_wipe"].origin_file == "v2.xlsx"
        assert s.get(AnswerSuggestion, first.id).status == SuggestionStatus.REPLACED
        assert "encryption_at_rest" in now  # other capabilities keep theirs
        assert (
            sum(
                1
                for p in suggestions.pending(s, assessment_id)
                if p.suggestion.capability_key == "remote_wipe"
            )
            == 1
        )


def test_a_dry_run_reports_the_same_and_records_nothing(app, assessment_id: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        result = standard_questionnaires.read_into(
            s, ACTOR, assessment_id, books.caiq(CAIQ), "acme.xlsx", dry_run=True
        )
        assert len(result.as_dict()["suggestions"]) == 4
        assert s.scalars(select(AnswerSuggestion)).all() == []
        assert "questionnaire.read" not in s.scalars(select(AuditEvent.action)).all()


def test_a_hecvat_maps_hipaa_answers(app, assessment_id: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        data = books.hecvat4(
            {
                "Organization": {"HIPA-04": ("Yes", "All signed")},
                "Application": {"HIPA-21": ("No", "")},
            },
            repeated={"REQU-05": ("Yes", "")},
        )
        standard_questionnaires.read_into(s, ACTOR, assessment_id, data, "hecvat.xlsx")
        got = _pending(s, assessment_id)
        assert got["subcontractor_flow_down"].value is True
        assert got["subcontractor_flow_down"].origin_kind == OriginKind.HECVAT
        assert got["audit_logging"].value is False
        assert (
            got["subcontractor_flow_down"].note
            == 'HECVAT 4.1.2 HIPA-04 = Yes. Vendor: "All signed"'
        )


def test_refusals_record_nothing_and_name_the_file(app, assessment_id: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db.session()
        with pytest.raises(Invalid) as e:
            standard_questionnaires.read_into(
                s, ACTOR, assessment_id, b"\xd0\xcf\x11\xe0" + b"0" * 100, "old.xls"
            )
        assert "old.xls" in str(e.value) and "save it as .xlsx" in str(e.value)
        with pytest.raises(Invalid, match=r"CAIQ version v3\.1 is not supported"):
            standard_questionnaires.read_into(
                s, ACTOR, assessment_id, books.caiq(CAIQ, version="v3.1"), "c.xlsx"
            )
        with pytest.raises(Invalid, match="no answer maps onto checklist clinical-photo"):
            standard_questionnaires.read_into(
                s, ACTOR, assessment_id, books.caiq({"GRC-03.1": ("Yes", "")}), "c.xlsx"
            )
        assert s.scalars(select(AnswerSuggestion)).all() == []


def test_a_decided_assessment_takes_no_suggestions(app, assessment_id: int) -> None:  # type: ignore[no-untyped-def]
    from vetting.models import Assessment

    with app.app_context():
        s = db.session()
        a = s.get(Assessment, assessment_id)
        a.status = "decided"
        s.commit()
        with pytest.raises(Conflict):
            standard_questionnaires.read_into(
                s, ACTOR, assessment_id, books.caiq(CAIQ), "acme.xlsx"
            )
