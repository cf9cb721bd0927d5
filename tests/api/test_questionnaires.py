"""Our questionnaire workbook, out and back (issue 13, item 1): exported for an assessment,
filled with openpyxl as a vendor would in Excel, imported as attested answers — whole or not at
all, every error naming its cell, blanks never overwriting, the same file twice changing
nothing, and a workbook for another assessment, another checklist version or with a changed
key column refused by name."""

from __future__ import annotations

import hashlib
import io
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.api.chain import answer, app_, assess, vendor
from tests.api.expect import error
from vetting import db
from vetting.models import Answer, AuditEvent


@pytest.fixture
def aid(client, admin) -> int:
    return assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]


def export(client, headers, aid) -> bytes:
    r = client.get(f"/api/v1/assessments/{aid}/questionnaire.xlsx", headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    return r.data


def rows_by_key(wb) -> dict[str, int]:
    ws = wb["Questions"]
    return {ws[f"H{n}"].value: n for n in range(2, ws.max_row + 1) if ws[f"H{n}"].value}


def fill(data: bytes, answers: dict[str, Any], **cells: Any) -> bytes:
    """The workbook with answers typed in column D of each key's row (and `cells`, e.g.
    E3="https://…"), saved as a vendor's Excel would."""
    wb = load_workbook(io.BytesIO(data))
    where = rows_by_key(wb)
    ws = wb["Questions"]
    for key, value in answers.items():
        ws[f"D{where[key]}"] = value
    for ref, value in cells.items():
        ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, headers, aid, data: bytes, name="answers.xlsx", dry_run=False) -> Any:
    url = f"/api/v1/assessments/{aid}/questionnaire" + ("?dry_run=true" if dry_run else "")
    return client.post(url, data={"file": (io.BytesIO(data), name)}, headers=headers)


def stored(app, aid) -> dict[str, SimpleNamespace]:
    """The stored answers, read while the session is open (plain copies)."""
    with app.app_context():
        rows = db.session().scalars(select(Answer).where(Answer.assessment_id == aid)).all()
        return {a.capability_key: SimpleNamespace(**a.model_dump()) for a in rows}


def events(app, action: str) -> int:
    with app.app_context():
        q = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return db.session().scalar(q) or 0


GOOD = {
    "baa_signed": "Yes",
    "breach_notification_days": 5,
    "security_incident_reporting": "all_incidents_incl_attempted",
    "legal_hold": "N/A",
    "audit_log_retention_years": 6,
}


def test_the_exported_workbook_has_dropdowns_locks_hidden_keys_and_a_very_hidden_meta(
    client, admin, aid
):
    wb = load_workbook(io.BytesIO(export(client, admin, aid)))
    assert wb.sheetnames[:2] == ["Instructions", "Questions"]
    ws = wb["Questions"]
    assert [c.value for c in ws[1]][:7] == [
        "Theme",
        "Question",
        "Guidance",
        "Answer",
        "Evidence URL",
        "Comment",
        "How to answer",
    ]
    assert ws.column_dimensions["H"].hidden
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert ws.protection.sheet
    rows = rows_by_key(wb)
    n = rows["baa_signed"]
    assert ws[f"D{n}"].protection.locked is False
    assert ws[f"E{n}"].protection.locked is False and ws[f"F{n}"].protection.locked is False
    assert ws[f"B{n}"].protection.locked is not False  # the question stays locked
    found = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            found[ref] = dv
    yes_no = found[f"D{n}"]
    assert yes_no.type == "list" and yes_no.formula1.startswith("'_lists'!$")
    lists = wb["_lists"]
    column = yes_no.formula1.split("!$")[1][0]
    assert [lists[f"{column}{i}"].value for i in (1, 2)] == ["Yes", "No"]
    assert lists.sheet_state == "hidden"
    assert found[f"D{rows['breach_notification_days']}"].type == "whole"
    assert found[f"D{rows['audit_log_retention_years']}"].type == "decimal"
    meta = wb["_meta"]
    assert meta.sheet_state == "veryHidden"
    values = {meta[f"A{i}"].value: meta[f"B{i}"].value for i in range(1, 9)}
    assert values["checklist_id"] == "clinical-photo"
    assert values["assessment_id"] == str(aid)
    assert len(values["checklist_sha256"]) == 64 and len(values["hmac"]) == 64


def test_a_filled_workbook_comes_back_as_attested_answers_with_the_file_as_provenance(
    app, client, admin, aid
):
    rows = rows_by_key(load_workbook(io.BytesIO(export(client, admin, aid))))
    n = rows["baa_signed"]
    data = fill(
        export(client, admin, aid),
        GOOD,
        **{f"E{n}": "https://vendor.example/trust/baa", f"F{n}": "Signed in March"},
    )
    r = upload(client, admin, aid, data)
    assert r.status_code == 200, r.json
    assert r.json["applied"] is True
    assert (r.json["created"], r.json["updated"], r.json["unchanged"]) == (5, 0, 0)
    assert r.json["blank"] == len(rows) - 5
    got = stored(app, aid)
    assert {k: got[k].source for k in GOOD} == dict.fromkeys(GOOD, "attested")
    assert got["baa_signed"].value is True
    assert got["legal_hold"].value == "n/a"
    assert got["audit_log_retention_years"].value == 6
    assert got["breach_notification_days"].value["days"] == 5
    # an evidence URL is kept for a reviewer to check; it does not make the answer verified
    assert got["baa_signed"].evidence_url == "https://vendor.example/trust/baa"
    sha = hashlib.sha256(data).hexdigest()
    assert got["baa_signed"].note.startswith("Signed in March")
    assert f"sha256:{sha}, Questions row {n}." in got["baa_signed"].note
    assert events(app, "assessment.questionnaire_import") == 1


def test_the_same_file_again_changes_nothing_and_writes_no_audit_event(app, client, admin, aid):
    data = fill(export(client, admin, aid), GOOD)
    assert upload(client, admin, aid, data).status_code == 200
    before = events(app, "assessment.answer")
    r = upload(client, admin, aid, data)
    assert r.status_code == 200, r.json
    assert (r.json["created"], r.json["updated"], r.json["unchanged"]) == (0, 0, 5)
    assert events(app, "assessment.answer") == before
    assert events(app, "assessment.questionnaire_import") == 1


def test_blanks_never_overwrite_and_a_verified_answer_with_the_same_value_stays(
    app, client, admin, aid
):
    answer(client, admin, aid, "remote_wipe", True)  # verified, with evidence
    answer(client, admin, aid, "encryption_at_rest", True)
    data = fill(export(client, admin, aid), {"remote_wipe": "Yes", "baa_signed": "No"})
    r = upload(client, admin, aid, data)
    assert r.status_code == 200, r.json
    actions = {c["capability_key"]: c["action"] for c in r.json["changes"]}
    assert actions == {"remote_wipe": "unchanged", "baa_signed": "create"}
    got = stored(app, aid)
    assert got["remote_wipe"].source == "verified"
    assert got["encryption_at_rest"].source == "verified"  # left blank: untouched


def test_a_changed_value_replaces_the_stored_one_and_the_review_shows_old_and_new(
    app, client, admin, aid
):
    answer(client, admin, aid, "remote_wipe", True)
    data = fill(export(client, admin, aid), {"remote_wipe": "No"})
    r = upload(client, admin, aid, data, dry_run=True)
    assert r.status_code == 200, r.json
    change = r.json["changes"][0]
    assert (change["action"], change["before"], change["after"]) == (
        "update",
        "Yes (verified)",
        "No",
    )
    assert r.json["applied"] is False
    assert stored(app, aid)["remote_wipe"].value is True  # a dry run writes nothing
    assert upload(client, admin, aid, data).status_code == 200
    assert stored(app, aid)["remote_wipe"].value is False
    assert stored(app, aid)["remote_wipe"].source == "attested"


def test_a_wrong_value_names_its_cell_and_nothing_is_imported(app, client, admin, aid):
    data = fill(
        export(client, admin, aid),
        {**GOOD, "remote_wipe": "Maybe", "mfa": "sometimes", "audit_log_retention_years": -1},
    )
    rows = rows_by_key(load_workbook(io.BytesIO(data)))
    r = upload(client, admin, aid, data)
    items = error(r, 422)
    fields = {i["field"]: i["message"] for i in items}
    cell = f"answers.xlsx: Questions!D{rows['remote_wipe']}"
    assert fields[cell] == "'Maybe' is not one of Yes, No"
    assert f"answers.xlsx: Questions!D{rows['mfa']}" in fields
    assert f"answers.xlsx: Questions!D{rows['audit_log_retention_years']}" in fields
    assert stored(app, aid) == {}  # all or nothing: the good rows were not applied
    assert events(app, "assessment.questionnaire_import") == 0


def test_n_a_is_refused_where_the_capability_does_not_allow_it(client, admin, aid):
    data = fill(export(client, admin, aid), {"baa_signed": "N/A"})
    error(r := upload(client, admin, aid, data), 422)
    assert "is not allowed here" in r.json["errors"][0]["message"]


def test_a_bad_evidence_url_names_its_cell(client, admin, aid):
    rows = rows_by_key(load_workbook(io.BytesIO(export(client, admin, aid))))
    n = rows["baa_signed"]
    data = fill(export(client, admin, aid), {"baa_signed": "Yes"}, **{f"E{n}": "not a link"})
    error(upload(client, admin, aid, data), 422, field=f"answers.xlsx: Questions!E{n}")


def test_a_tampered_key_column_is_refused(app, client, admin, aid):
    data = export(client, admin, aid)
    rows = rows_by_key(load_workbook(io.BytesIO(data)))
    # swap two keys so the vendor's "Yes" lands on another question
    a, b = rows["baa_signed"], rows["remote_wipe"]
    data = fill(data, {"baa_signed": "Yes"}, **{f"H{a}": "remote_wipe", f"H{b}": "baa_signed"})
    error(upload(client, admin, aid, data), 422, message="key column (Questions!H)")
    assert stored(app, aid) == {}


def test_a_workbook_for_another_assessment_is_refused_by_name(client, admin, aid):
    other = assess(
        client,
        admin,
        app_(client, admin, vendor(client, admin, "Beta"), "Beta Chat", "com.beta.chat"),
        "secure-messaging",
    )["id"]
    data = fill(export(client, admin, other), {"baa_signed": "Yes"})
    error(
        upload(client, admin, aid, data),
        422,
        message=f"for assessment #{other} (secure-messaging 2.0.0), not assessment #{aid} "
        "(clinical-photo 2.0.0)",
    )


def test_a_workbook_claiming_another_checklist_version_is_refused_by_name(app, client, admin, aid):
    """A workbook this installation signed for another version of the checklist (an older
    export): refused by naming the version. (Editing the version by hand breaks the signature
    and is refused as a changed workbook.)"""
    from integrations.spreadsheets import questionnaire as workbook
    from vetting.current import settings_of

    data = fill(export(client, admin, aid), {"baa_signed": "Yes"})
    wb = load_workbook(io.BytesIO(data))
    meta = wb["_meta"]
    found = {meta[f"A{n}"].value: n for n in range(1, 12) if meta[f"A{n}"].value}
    meta[f"B{found['checklist_version']}"] = "1.1.0"
    values = {k: meta[f"B{n}"].value for k, n in found.items()}
    signed = workbook.Meta(
        values["checklist_id"],
        "1.1.0",
        values["checklist_sha256"],
        int(values["assessment_id"]),
        values["exported_at"],
    )
    keys = [c.value for c in wb["Questions"]["H"][1:] if c.value]
    meta[f"B{found['hmac']}"] = workbook.signature(settings_of(app).secret_key, signed, keys)
    out = io.BytesIO()
    wb.save(out)
    error(
        upload(client, admin, aid, out.getvalue()),
        422,
        message="for checklist clinical-photo 1.1.0",
    )
    meta[f"B{found['hmac']}"] = "0" * 64  # the same edit, unsigned
    out = io.BytesIO()
    wb.save(out)
    error(upload(client, admin, aid, out.getvalue()), 422, message="signature does not match")


def test_a_workbook_without_answers_is_an_error_not_a_success(client, admin, aid):
    error(upload(client, admin, aid, export(client, admin, aid)), 422, message="no answers")


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"\xd0\xcf\x11\xe0" + bytes(600), "answers.xls", "save it as .xlsx without protection"),
        (b"theme,answer\nx,Yes\n", "answers.csv", "expected an .xlsx workbook"),
        (b"PK\x03\x04 broken", "answers.xlsx", "damaged"),
    ],
    ids=["legacy-xls", "csv", "damaged"],
)
def test_files_that_are_not_our_workbook_are_refused_cleanly(client, admin, aid, data, name, words):
    error(upload(client, admin, aid, data, name), 422, message=words)


def test_a_foreign_workbook_is_refused(client, admin, aid):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Question ID"
    out = io.BytesIO()
    wb.save(out)
    error(upload(client, admin, aid, out.getvalue()), 422, message="not a questionnaire exported")


def test_a_zip_bomb_is_refused(client, admin, aid):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    error(upload(client, admin, aid, out.getvalue()), 422, message="zip bomb")


def test_roles_and_missing_parts(client, make_token, admin, aid):
    viewer = make_token("viewer")
    r = client.get(f"/api/v1/assessments/{aid}/questionnaire.xlsx", headers=viewer)
    assert r.status_code == 200
    data = fill(export(client, admin, aid), {"baa_signed": "Yes"})
    error(upload(client, viewer, aid, data), 403)
    error(client.post(f"/api/v1/assessments/{aid}/questionnaire", headers=admin), 400)
    error(client.get("/api/v1/assessments/999/questionnaire.xlsx", headers=admin), 404)
    error(upload(client, admin, 999, data), 404)


def test_answers_that_contradict_each_other_are_refused_on_their_cells(app, client, admin, aid):
    data = fill(export(client, admin, aid), {"encryption_at_rest": "Yes", "key_custody": "none"})
    rows = rows_by_key(load_workbook(io.BytesIO(data)))
    items = error(upload(client, admin, aid, data), 422, message="key custody cannot be none")
    fields = {i["field"] for i in items}
    assert f"answers.xlsx: Questions!D{rows['key_custody']}" in fields
    assert stored(app, aid) == {}


def test_a_decided_assessment_takes_no_import(client, admin):
    from tests.api.chain import answer_all, decide

    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    answer_all(client, admin, aid)
    decide(client, admin, aid)
    data = fill(export(client, admin, aid), {"baa_signed": "No"})
    error(upload(client, admin, aid, data), 409, message="frozen")


def test_another_file_with_the_same_answers_changes_nothing_but_a_new_comment_does(
    app, client, admin, aid
):
    first = fill(export(client, admin, aid), {"baa_signed": "Yes", "remote_wipe": "No"})
    assert upload(client, admin, aid, first).status_code == 200
    n = rows_by_key(load_workbook(io.BytesIO(first)))["remote_wipe"]
    second = fill(first, {}, **{f"F{n}": "Wipe ships next quarter"})  # other bytes
    r = upload(client, admin, aid, second)
    changes = {c["capability_key"]: c for c in r.json["changes"]}
    assert changes["baa_signed"]["action"] == "unchanged"
    assert changes["remote_wipe"]["action"] == "update"
    assert changes["remote_wipe"]["after"] == "No (same value; new comment)"
    note = stored(app, aid)["remote_wipe"].note
    assert note.startswith("Wipe ships next quarter")
    assert hashlib.sha256(second).hexdigest() in note
    assert hashlib.sha256(first).hexdigest() in stored(app, aid)["baa_signed"].note
