"""Reading vendors' CAIQ v4 and HECVAT workbooks: recognised by layout, version read and
refused by name, bounded scans, repeated rows read once (synthetic workbooks, invented text)."""

from __future__ import annotations

import time

import pytest

from integrations import questionnaires
from integrations.questionnaires import NA, NO, YES, answer_of, collapse
from integrations.spreadsheets import reading
from integrations.spreadsheets.reading import SpreadsheetError
from tests import questionnaire_books as books


def read(data: bytes, name: str = "vendor.xlsx") -> questionnaires.Questionnaire:
    return questionnaires.read(reading.check(data, name))


def by_id(q: questionnaires.Questionnaire) -> dict[str, questionnaires.Response]:
    return {r.question_id: r for r in q.responses}


def test_the_vocabulary_is_yes_no_na_in_any_case_and_dont_know_stays_unknown() -> None:
    assert [answer_of(v) for v in ("yes", " YES ", "No", "na", "N/A", "not  applicable")] == [
        YES, YES, NO, NA, NA, NA,
    ]  # fmt: skip
    assert answer_of("Don't know") is None and answer_of(None) is None and answer_of("") is None
    assert collapse("  CSC Responsibilities  (Optional)\n") == "CSC Responsibilities (Optional)"
    assert collapse("a\x07b") == "a b"


def test_a_caiq_is_recognised_with_its_version_answers_words_ownership_and_cells() -> None:
    data = books.caiq(
        {
            "UEM-13.1": ("Yes", "We wipe\n managed phones on request", "CSC-owned"),
            "CEK-03.1": ("n/a", ""),
            "LOG-08.1": ("Don't know", ""),
            "IAM-14.1": ("", ""),
        }
    )
    q = read(data)
    assert (q.kind, q.version, q.family) == ("caiq", "4.0.3", "caiq-4")
    got = by_id(q)
    wipe = got["UEM-13.1"]
    assert (wipe.answer, wipe.words, wipe.ownership) == (
        YES,
        "We wipe managed phones on request",
        "CSC-owned",
    )
    assert wipe.cell == "CAIQv4.0.3!C5" and wipe.row == 5
    assert got["CEK-03.1"].answer == NA
    assert got["LOG-08.1"].answer is None and got["LOG-08.1"].raw == "Don't know"
    assert got["IAM-14.1"].blank
    assert "UEM-99.9" not in got  # after End of Standard
    assert got["A&A-01.1"].blank  # IDs with & are question rows too


def test_caiq_header_is_found_by_text_not_address() -> None:
    data = books.caiq(
        {"UEM-13.1": ("Yes", "words")}, header_row=7, lead_columns=2, padded_headers=True
    )
    q = read(data)
    r = by_id(q)["UEM-13.1"]
    assert (r.answer, r.words, r.cell) == (YES, "words", "CAIQv4.0.3!E10")


@pytest.mark.parametrize("version", ["v3.1", "v4.1.0"])
def test_an_unknown_caiq_version_is_refused_by_name(version: str) -> None:
    with pytest.raises(SpreadsheetError) as e:
        read(books.caiq({"UEM-13.1": ("Yes", "")}, version=version))
    assert f"CAIQ version {version} is not supported (supported: 4.0.x)" in str(e.value)
    assert e.value.file == "vendor.xlsx" and e.value.sheet == f"CAIQ{version}"


def test_a_caiq_sheet_without_its_header_is_refused_naming_the_sheet() -> None:
    with pytest.raises(SpreadsheetError) as e:
        read(books.caiq({"UEM-13.1": ("Yes", "")}, header_row=25))
    assert e.value.sheet == "CAIQv4.0.3" and "Question ID" in e.value.reason


def test_a_hecvat_4_is_read_across_tabs_and_repeated_rows_are_read_once() -> None:
    data = books.hecvat4(
        {
            "Organization": {"HIPA-04": ("Yes", "Every subprocessor signed one")},
            "Application": {"HIPA-21": ("No", "")},
        },
        repeated={"GNRL-01": ("", ""), "REQU-05": ("Yes", "PHI flows through it")},
    )
    q = read(data)
    assert (q.kind, q.version, q.family) == ("hecvat", "4.1.2", "hecvat-4")
    ids = [r.question_id for r in q.responses]
    assert sorted(ids) == ["GNRL-01", "HIPA-04", "HIPA-21", "REQU-05"]
    got = by_id(q)
    assert got["HIPA-04"].words == "Every subprocessor signed one"
    assert got["HIPA-04"].cell == "Organization!C10"
    assert got["REQU-05"].sheet == "Organization"  # the first answered copy


def test_a_repeated_row_answered_only_on_a_later_tab_keeps_that_answer() -> None:
    data = books.hecvat4({"Organization": {}, "Application": {}}, repeated={"REQU-05": ("", "")})
    q = read(data)
    assert by_id(q)["REQU-05"].blank
    wb_bytes = books.hecvat4(
        {"Organization": {"HIPA-04": ("Yes", "")}, "Application": {"GNRL-02": ("No", "")}},
        repeated={"GNRL-02": ("", "")},
    )
    got = by_id(read(wb_bytes))["GNRL-02"]
    assert (got.answer, got.sheet) == (NO, "Application")


def test_hecvat_columns_shift_with_extra_blank_columns() -> None:
    data = books.hecvat4({"Organization": {"HIPA-04": ("yes", "w")}}, lead_columns=2)
    r = by_id(read(data))["HIPA-04"]
    assert (r.answer, r.words, r.cell) == (YES, "w", "Organization!E8")


def test_a_hecvat_3_is_told_from_a_4() -> None:
    q = read(books.hecvat3({"HIPA-04": ("Yes", "signed"), "QUAL-01": ("No", "")}))
    assert (q.kind, q.version, q.family) == ("hecvat", "3.04", "hecvat-3")
    r = by_id(q)["HIPA-04"]
    assert (r.answer, r.words, r.cell) == (YES, "signed", "HECVAT - Full | Vendor Response!C4")
    lite = read(books.hecvat3({"HIPA-04": ("No", "")}, lite=True))
    assert lite.family == "hecvat-3"


@pytest.mark.parametrize("version", ["Version 2.11", "Version 5.0"])
def test_an_unknown_hecvat_version_is_refused_by_name(version: str) -> None:
    with pytest.raises(SpreadsheetError) as e:
        read(books.hecvat4({"Organization": {"HIPA-04": ("Yes", "")}}, version=version))
    found = version.removeprefix("Version ")
    assert f"HECVAT version {found} is not supported (supported: 3.x, 4.x)" in str(e.value)


def test_a_tab_declaring_a_million_rows_is_read_with_a_bound() -> None:
    data = books.hecvat4({"Organization": {"HIPA-04": ("Yes", "")}, "Big": {"HIPA-21": ("No", "")}})
    data = books.declare_million_rows(data, "xl/worksheets/sheet4.xml")
    started = time.monotonic()
    q = read(data)
    assert time.monotonic() - started < 10
    assert {r.question_id for r in q.responses} == {"HIPA-04", "HIPA-21"}


def test_a_workbook_that_is_neither_is_refused_plainly() -> None:
    from openpyxl import Workbook

    from integrations.spreadsheets import writing

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["name", "platform"])
    with pytest.raises(SpreadsheetError) as e:
        read(writing.to_bytes(wb), "apps.xlsx")
    assert e.value.file == "apps.xlsx" and "CAIQ 4.0.x, HECVAT 4.x and 3.x" in e.value.reason
