"""Our questionnaire workbook without a database (issue 13, item 1): the signature covers the
meta and the ordered keys, and each kind of answer cell is read in the workbook's words."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from integrations.spreadsheets import questionnaire as q
from integrations.spreadsheets.reading import SpreadsheetError, check
from vetting.core.checklist import NA, AnswerValueError, load_checklist

CHECKLIST = load_checklist(Path(__file__).resolve().parents[2] / "checklists/clinical-photo.toml")
META = q.Meta(CHECKLIST.id, CHECKLIST.version, CHECKLIST.sha256, 7, "2026-11-30T12:00:00+00:00")


def cap(key: str) -> Any:
    found = CHECKLIST.capability(key)
    assert found is not None
    return found


def test_a_workbook_reads_back_signed_under_the_same_secret_only() -> None:
    data = q.build(CHECKLIST, META, "one secret")
    filled = q.read(check(data, "q.xlsx"), "one secret")
    assert filled.meta == META and filled.signed
    assert list(filled.keys) == CHECKLIST.keys
    assert all(r.answer is None for r in filled.rows)
    assert not q.read(check(data, "q.xlsx"), "another secret").signed


def test_the_signature_covers_the_order_of_the_keys() -> None:
    keys = CHECKLIST.keys
    assert q.signature("s", META, keys) != q.signature("s", META, [keys[1], keys[0], *keys[2:]])


def test_an_answer_typed_below_the_table_without_a_key_is_refused_by_cell() -> None:
    wb = load_workbook(io.BytesIO(q.build(CHECKLIST, META, "s")))
    row = len(CHECKLIST.keys) + 3
    wb["Questions"][f"D{row}"] = "Yes"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(SpreadsheetError) as err:
        q.read(check(out.getvalue(), "q.xlsx"), "s")
    assert err.value.where == f"q.xlsx: Questions!H{row}"


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("baa_signed", "Yes", True),
        ("baa_signed", "  no ", False),
        ("baa_signed", True, True),
        ("legal_hold", "n/a", NA),
        ("legal_hold", "Not Applicable", NA),
        ("key_custody", "Customer_Managed", "customer_managed"),
        ("audit_log_retention_years", "6", 6),
        ("audit_log_retention_years", 6.5, 6.5),
    ],
)
def test_answer_cells_read_in_the_workbooks_words(key: str, raw: Any, value: Any) -> None:
    assert q.answer_value(cap(key), raw) == value


def test_a_deadline_is_whole_calendar_days() -> None:
    got = q.answer_value(cap("breach_notification_days"), 3)
    assert got["days"] == 3 and got["unit"] == "calendar_days"


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("baa_signed", "Maybe", "'Maybe' is not one of Yes, No"),
        ("legal_hold", "Perhaps", "'Perhaps' is not one of Yes, No, N/A"),
        ("baa_signed", "N/A", "'N/A' is not allowed here: One of: Yes, No"),
        ("breach_notification_days", 2.5, "'2.5' is not a whole number of calendar days"),
        ("breach_notification_days", "soon", "'soon' is not a whole number of calendar days"),
        ("audit_log_retention_years", -1, "'-1' is not a number of 0 or more"),
    ],
)
def test_wrong_answers_are_refused_in_words(key: str, raw: Any, message: str) -> None:
    with pytest.raises(AnswerValueError) as err:
        q.answer_value(cap(key), raw)
    assert str(err.value).startswith(message)
