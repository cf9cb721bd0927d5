"""A questionnaire for a vendor and a checklist, before any assessment exists (issue 13, item
1): exported from the vendor, signed for that vendor and checklist version, and imported into
an open assessment of one of the vendor's apps on that version — never into another vendor's,
never with its vendor changed, and named when several assessments could take it."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.api.chain import answer_all, app_, assess, decide, vendor
from tests.api.expect import error
from tests.api.test_questionnaires import fill, stored, upload
from tests.cli.helpers import clean_error, invoke, ok


def vendor_export(client, headers, vid: int, checklist: str = "clinical-photo") -> bytes:
    r = client.get(
        f"/api/v1/vendors/{vid}/questionnaire.xlsx?checklist={checklist}", headers=headers
    )
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype.endswith("spreadsheetml.sheet")
    assert f"questionnaire-vendor-{vid}-{checklist}-" in r.headers["Content-Disposition"]
    return r.data


def meta(data: bytes) -> dict[str, str]:
    ws = load_workbook(io.BytesIO(data))["_meta"]
    return {r[0].value: r[1].value for r in ws.iter_rows() if r[0].value}


def test_a_vendors_workbook_names_the_vendor_and_goes_into_its_assessment(client, admin, app):
    vid = vendor(client, admin)
    data = vendor_export(client, admin, vid)
    found = meta(data)
    assert found["vendor_id"] == str(vid) and not found.get("assessment_id")
    assert found["checklist_id"] == "clinical-photo" and found["hmac"]
    instructions = load_workbook(io.BytesIO(data))["Instructions"]
    assert f"for vendor #{vid}" in " ".join(str(c.value) for c in instructions["A"] if c.value)
    # the assessment starts after the workbook went out
    aid = assess(client, admin, app_(client, admin, vid))["id"]
    r = upload(client, admin, aid, fill(data, {"baa_signed": "Yes", "remote_wipe": "No"}))
    assert r.status_code == 200, r.json
    assert (r.json["assessment_id"], r.json["created"]) == (aid, 2)
    assert stored(app, aid)["baa_signed"].source == "attested"


def test_another_vendors_assessment_refuses_it_by_name(client, admin, app):
    vid = vendor(client, admin)
    other = assess(client, admin, app_(client, admin, vendor(client, admin, "Beta")))["id"]
    data = fill(vendor_export(client, admin, vid), {"baa_signed": "Yes"})
    error(upload(client, admin, other, data), 422, message=f"is for vendor #{vid}")
    assert stored(app, other) == {}


def test_changing_the_vendor_in_the_meta_sheet_breaks_the_signature(client, admin, app):
    vid = vendor(client, admin)
    other_vendor = vendor(client, admin, "Beta")
    aid = assess(client, admin, app_(client, admin, other_vendor))["id"]
    wb = load_workbook(io.BytesIO(fill(vendor_export(client, admin, vid), {"baa_signed": "Yes"})))
    ws = wb["_meta"]
    for row in ws.iter_rows():
        if row[0].value == "vendor_id":
            row[1].value = str(other_vendor)
    out = io.BytesIO()
    wb.save(out)
    error(upload(client, admin, aid, out.getvalue()), 422, message="signature does not match")
    assert stored(app, aid) == {}


def test_an_assessment_on_another_checklist_refuses_it(client, admin):
    vid = vendor(client, admin)
    aid = assess(client, admin, app_(client, admin, vid), "secure-messaging")["id"]
    data = fill(vendor_export(client, admin, vid), {"baa_signed": "Yes"})
    error(upload(client, admin, aid, data), 422, message="for checklist clinical-photo")


def test_an_unknown_vendor_or_checklist_is_a_404_and_a_missing_checklist_a_422(client, admin):
    vid = vendor(client, admin)
    error(
        client.get(f"/api/v1/vendors/{vid}/questionnaire.xlsx?checklist=nope", headers=admin),
        404,
        message="no checklist 'nope'",
    )
    error(
        client.get(
            "/api/v1/vendors/9999/questionnaire.xlsx?checklist=clinical-photo", headers=admin
        ),
        404,
    )
    error(client.get(f"/api/v1/vendors/{vid}/questionnaire.xlsx", headers=admin), 422)


def test_the_cli_finds_the_vendors_only_open_assessment_or_asks_which(
    app, client, admin, runner, tmp_path
):
    vid = vendor(client, admin)
    path = tmp_path / "v.xlsx"
    out = ok(
        invoke(
            runner,
            "questionnaires",
            "export",
            "--vendor",
            str(vid),
            "--checklist",
            "clinical-photo",
            "-o",
            str(path),
        )
    )
    assert "wrote" in out
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill(path.read_bytes(), {"baa_signed": "Yes"}))
    clean_error(
        invoke(runner, "questionnaires", "import", str(filled)),
        "none of the vendor's apps has an open assessment",
    )
    # a decided assessment does not take answers, so it is not a candidate
    done = assess(client, admin, app_(client, admin, vid, "Acme Notes", "com.acme.notes"))["id"]
    answer_all(client, admin, done)
    decide(client, admin, done, "approved")
    first = assess(client, admin, app_(client, admin, vid))["id"]
    assert "1 created" in ok(invoke(runner, "questionnaires", "import", str(filled)))
    assert stored(app, first)["baa_signed"].value is True
    second = assess(
        client, admin, app_(client, admin, vid, "Acme Scan", "com.acme.scan", platform="android")
    )["id"]
    clean_error(
        invoke(runner, "questionnaires", "import", str(filled)),
        f"several open assessments (#{first}, #{second})",
    )
    assert "1 created" in ok(
        invoke(runner, "questionnaires", "import", str(filled), "--assessment", str(second))
    )


def test_the_cli_wants_an_assessment_or_a_vendor_and_a_checklist(runner):
    clean_error(invoke(runner, "questionnaires", "export"), "--vendor and --checklist")
    clean_error(invoke(runner, "questionnaires", "export", "--vendor", "1"), "--checklist")
    clean_error(
        invoke(runner, "questionnaires", "export", "3", "--vendor", "1", "--checklist", "x"),
        "not both",
    )
