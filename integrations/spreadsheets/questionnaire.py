"""Our own questionnaire workbook: written for a vendor to fill in Excel or LibreOffice, and
read back without trusting it.

Layout (docs/rules.md, "Questionnaire workbooks"):

- `Instructions`: what to do, in words;
- `Questions`: one row per capability from row 2 — A theme, B question, C guidance,
  D answer (a dropdown drawn from the hidden `_lists` sheet, or a number cell with a
  validation), E evidence URL, F comment, G how to answer, H the capability key (hidden);
  every cell locked but D, E and F;
- `_lists` (hidden): the allowed answers, one column per distinct list;
- `_meta` (very hidden): format, checklist id, version and SHA-256, assessment id (blank for a
  vendor's workbook, which carries the vendor id instead), export time and an HMAC-SHA256 over
  these and the ordered capability keys of column H.

Sheet protection is a convenience, not security: the HMAC and the key match are what protect.
Rows are matched back by the key in column H, never by the question's text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from integrations.spreadsheets import reading, writing
from integrations.spreadsheets.reading import SpreadsheetError, Upload
from vetting.core.checklist import NA, AnswerValueError, Capability, Checklist, Kind

FORMAT = "vetting-questionnaire/1"
INSTRUCTIONS = "Instructions"
QUESTIONS = "Questions"
LISTS = "_lists"
META = "_meta"

COLUMNS: tuple[tuple[str, int], ...] = (
    ("Theme", 20),
    ("Question", 60),
    ("Guidance", 60),
    ("Answer", 22),
    ("Evidence URL", 36),
    ("Comment", 40),
    ("How to answer", 30),
    ("capability_key", 24),
)
ANSWER, EVIDENCE, COMMENT, KEY = "D", "E", "F", "H"
FIRST_ROW = 2
MAX_QUESTIONS = 2000  # far more than any checklist: a bound on what is read back
MAX_DAYS = 3650
NA_WORDS = {"n/a", "na", "not applicable"}
META_FIELDS = (
    "format",
    "checklist_id",
    "checklist_version",
    "checklist_sha256",
    "assessment_id",
    "exported_at",
)


@dataclass(frozen=True)
class Meta:
    """What the workbook was exported for; signed with the ordered keys of its rows."""

    checklist_id: str
    checklist_version: str
    checklist_sha256: str
    assessment_id: int | None  # None: exported for a vendor and a checklist, not an assessment
    exported_at: str
    vendor_id: int | None = None

    @property
    def target(self) -> str:
        """What the workbook was exported for, in words."""
        if self.assessment_id is not None:
            return f"assessment #{self.assessment_id}"
        return f"vendor #{self.vendor_id}"


@dataclass(frozen=True)
class Row:
    """One filled question row as read back (cell values, not yet judged)."""

    row: int
    key: str
    answer: Any
    evidence_url: str | None
    comment: str | None


@dataclass(frozen=True)
class Filled:
    """A workbook read back: its meta, whether its signature holds, and its rows."""

    meta: Meta
    signed: bool
    keys: tuple[str, ...]
    rows: tuple[Row, ...]


def signature(secret: str, meta: Meta, keys: Sequence[str]) -> str:
    """HMAC-SHA256 (hex) of the meta and the ordered keys, under the app's secret."""
    body: list[Any] = [
        FORMAT,
        meta.checklist_id,
        meta.checklist_version,
        meta.checklist_sha256,
        meta.assessment_id,
        meta.exported_at,
        list(keys),
    ]
    if meta.vendor_id is not None:  # an assessment's workbook signs exactly what it always did
        body.append(["vendor", meta.vendor_id])
    payload = json.dumps(body, separators=(",", ":"))
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def allowed(cap: Capability) -> list[str] | None:
    """The dropdown's values for a capability, or None for a number cell."""
    na = ["N/A"] if cap.allow_na else []
    if cap.kind == Kind.BOOL:
        return ["Yes", "No", *na]
    if cap.kind == Kind.CHOICE:
        return [name for name, _ in cap.options] + na
    return None


def how_to_answer(cap: Capability) -> str:
    values = allowed(cap)
    if values is not None:
        return "One of: " + ", ".join(values)
    na = " (or N/A)" if cap.allow_na else ""
    if cap.kind == Kind.MAX_DAYS:
        return f"A whole number of calendar days{na}; quote the clause in Comment"
    return f"A number ≥ 0{na}" + (f" ({cap.unit})" if cap.unit else "")


def build(checklist: Checklist, meta: Meta, secret: str, title: str = "") -> bytes:
    """The questionnaire workbook for one assessment (or a vendor and a checklist), as the bytes
    of an .xlsx file."""
    wb = Workbook()
    _instructions(wb, checklist, meta, title)
    caps = checklist.capabilities
    rows = [
        (
            cap.theme,
            f"{cap.title}\n{cap.question}",
            cap.guidance,
            None,
            None,
            None,
            how_to_answer(cap),
            cap.key,
        )
        for cap in caps
    ]
    ws = writing.sheet(wb, QUESTIONS, COLUMNS, rows)
    ws.column_dimensions[KEY].hidden = True
    wrap = Alignment(wrap_text=True, vertical="top")
    lists = wb.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    validations: dict[tuple[str, ...], DataValidation] = {}
    days = _number_validation("whole", f"a whole number of days from 0 to {MAX_DAYS}")
    days.formula2 = str(MAX_DAYS)
    number = _number_validation("decimal", "a number of 0 or more")
    for n, cap in enumerate(caps, start=FIRST_ROW):
        for col in "ABCG":
            ws[f"{col}{n}"].alignment = wrap
        for col in (ANSWER, EVIDENCE, COMMENT):
            ws[f"{col}{n}"].protection = Protection(locked=False)
            ws[f"{col}{n}"].alignment = wrap
        values = allowed(cap)
        cell = f"{ANSWER}{n}"
        if values is None:
            (days if cap.kind == Kind.MAX_DAYS else number).add(cell)
            continue
        dv = validations.get(tuple(values))
        if dv is None:
            column = get_column_letter(len(validations) + 1)
            for i, value in enumerate(values, start=1):
                writing.put(lists, i, len(validations) + 1, value)
            dv = DataValidation(
                type="list",
                # a range on the hidden sheet (inline lists are limited in length); stored as
                # Excel stores formulas in the file, without a leading "="
                formula1=f"{quote_sheetname(LISTS)}!${column}$1:${column}${len(values)}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Not an allowed answer",
                error="Choose one of the values in the list (or leave it blank).",
            )
            validations[tuple(values)] = dv
        dv.add(cell)
    for dv in (*validations.values(), days, number):
        if dv.sqref:
            ws.add_data_validation(dv)
    ws.protection.sheet = True
    ws.protection.autoFilter = False  # filtering and resizing stay allowed
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    _meta(wb, meta, secret, [c.key for c in caps])
    wb.security = WorkbookProtection(lockStructure=True)
    return writing.to_bytes(wb)


def _number_validation(kind: Literal["whole", "decimal"], words: str) -> DataValidation:
    return DataValidation(
        type=kind,
        operator="between" if kind == "whole" else "greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not an allowed answer",
        error=f"Enter {words} (or leave it blank).",
    )


def _instructions(wb: Workbook, checklist: Checklist, meta: Meta, title: str) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = INSTRUCTIONS
    lines = [
        f"Questionnaire: {checklist.title} ({checklist.id} version {checklist.version})",
        title,
        "",
        f"Answer each question on the '{QUESTIONS}' sheet in column {ANSWER} (Answer): pick a "
        "value from the dropdown, or type a number where a number is asked.",
        f"Column {EVIDENCE} (Evidence URL): a public https link where a reviewer can check the "
        f"answer (a trust page, a report). Column {COMMENT}: anything the reviewer should know.",
        "Leave a question blank if you cannot answer it: a blank answer changes nothing.",
        "Do not add, remove, reorder or rename rows or sheets: the workbook is matched back by "
        "hidden keys, and a changed workbook is refused.",
        "Save as .xlsx (Excel workbook) and send it back.",
        "",
        f"Exported {meta.exported_at} for {meta.target}.",
    ]
    for n, line in enumerate(lines, start=1):
        writing.put(ws, n, 1, line)
    ws.column_dimensions["A"].width = 110
    ws.protection.sheet = True


def _meta(wb: Workbook, meta: Meta, secret: str, keys: Sequence[str]) -> None:
    ws = wb.create_sheet(META)
    values = [FORMAT, *("" if (v := getattr(meta, f)) is None else str(v) for f in META_FIELDS[1:])]
    pairs = list(zip(META_FIELDS, values, strict=True))
    if meta.vendor_id is not None:
        pairs.append(("vendor_id", str(meta.vendor_id)))
    pairs.append(("hmac", signature(secret, meta, keys)))
    for n, (name, value) in enumerate(pairs, start=1):
        writing.put(ws, n, 1, name)
        writing.put(ws, n, 2, value)
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


# --- reading back ----------------------------------------------------------------------------


def read(upload: Upload, secret: str) -> Filled:
    """The workbook's meta and filled rows; a `SpreadsheetError` when it is not one of ours."""
    wb = reading.open_workbook(upload)  # streamed: only the rows read are held
    if META not in wb.sheetnames or QUESTIONS not in wb.sheetnames:
        raise SpreadsheetError(
            upload.name,
            "this is not a questionnaire exported by Vetting (no Questions and _meta sheets); "
            "export one from the assessment and fill that in",
        )
    found: dict[str, str] = {}
    for _, values in reading.rows(upload, wb[META], max_rows=50):
        if values and isinstance(values[0], str) and len(values) > 1:
            found[values[0]] = "" if values[1] is None else str(values[1])
    if found.get("format") != FORMAT:
        raise SpreadsheetError(
            upload.name, f"unknown questionnaire format {found.get('format')!r}", sheet=META
        )
    try:
        meta = Meta(
            found["checklist_id"],
            found["checklist_version"],
            found["checklist_sha256"],
            int(found["assessment_id"]) if found["assessment_id"] else None,
            found["exported_at"],
            int(found["vendor_id"]) if found.get("vendor_id") else None,
        )
        if (meta.assessment_id is None) == (meta.vendor_id is None):
            raise ValueError("an assessment or a vendor, not both or neither")
    except (KeyError, ValueError):
        raise SpreadsheetError(
            upload.name, "the questionnaire's _meta sheet was changed", sheet=META
        ) from None
    keys: list[str] = []
    filled: list[Row] = []
    ws = wb[QUESTIONS]
    for n, values in reading.rows(upload, ws, max_rows=MAX_QUESTIONS, first=FIRST_ROW):
        cells = (*values, *([None] * len(COLUMNS)))[: len(COLUMNS)]
        key = cells[7]
        answer, evidence, comment = cells[3], _text(cells[4]), _text(cells[5])
        if not isinstance(key, str) or not key.strip():
            if _blank(answer) and evidence is None and comment is None:
                continue  # notes typed beside the table
            raise SpreadsheetError(
                upload.name,
                "this row has no question key: answer only on the exported rows",
                sheet=QUESTIONS,
                row=n,
                column=KEY,
            )
        keys.append(key.strip())
        filled.append(Row(n, key.strip(), None if _blank(answer) else answer, evidence, comment))
    expected = found.get("hmac", "")
    signed = hmac.compare_digest(signature(secret, meta, keys), expected)
    return Filled(meta, signed, tuple(keys), tuple(filled))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    return str(value).strip()


def answer_value(cap: Capability, raw: Any) -> Any:
    """A filled answer cell as the capability's stored value, or `AnswerValueError` with a
    reason in the workbook's words ("'Maybe' is not one of Yes, No, N/A")."""
    shown = raw if not isinstance(raw, str) else raw.strip()
    if isinstance(shown, str) and shown.lower() in NA_WORDS:
        if not cap.allow_na:
            raise AnswerValueError(f"{shown!r} is not allowed here: {how_to_answer(cap)}")
        return NA
    values = allowed(cap)
    if values is not None:
        if cap.kind == Kind.BOOL and isinstance(shown, bool):
            return shown
        text = str(shown).lower() if not isinstance(shown, bool) else ""
        for value in values:
            if value.lower() == text:
                return cap.normalise({"yes": True, "no": False}.get(text, value))
        raise AnswerValueError(f"{_quoted(shown)} is not one of {', '.join(values)}")
    number = _number(shown)
    if cap.kind == Kind.MAX_DAYS:
        if number is None or not float(number).is_integer() or not 0 <= number <= MAX_DAYS:
            raise AnswerValueError(
                f"{_quoted(shown)} is not a whole number of calendar days (0 to {MAX_DAYS})"
            )
        return cap.normalise(int(number))
    if number is None or number < 0:
        raise AnswerValueError(f"{_quoted(shown)} is not a number of 0 or more")
    return cap.normalise(number)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _quoted(value: Any) -> str:
    return repr(value) if isinstance(value, str) else repr(str(value))
