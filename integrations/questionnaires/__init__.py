"""Readers of standard security questionnaires a vendor fills in: CSA CAIQ v4.0.x
(`caiq.py`) and EDUCAUSE HECVAT 4.x and 3.x (`hecvat.py`).

Pure reads of a workbook opened through `integrations/spreadsheets/reading.py` (the upload
gate): recognised by their layout (sheet names, header text found within the first rows,
never fixed cell addresses), their version read and an unknown version refused by name. Every
scan is bounded (`SCAN_ROWS` rows and `SCAN_COLUMNS` columns a sheet), so a tab declaring a
million rows costs no more than its first thousand. Foreign workbooks are never written back:
openpyxl drops their extension validations on save.

`read(upload)` returns a `Questionnaire`: the kind, the version and one `Response` per
question ID (repeated rows deduplicated), or raises `SpreadsheetError` naming the file (and
sheet) and the reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from integrations.spreadsheets.reading import SpreadsheetError, Upload, open_workbook

SCAN_ROWS = 1000  # rows read per sheet, at most (a real HECVAT tab declares 1,048,576 rows)
SCAN_COLUMNS = 30  # columns read per row, at most
HEADER_ROWS = 20  # a header is looked for within this many rows

YES, NO, NA = "Yes", "No", "NA"
_VOCABULARY = {
    "yes": YES,
    "no": NO,
    "na": NA,
    "n/a": NA,
    "not applicable": NA,
}


def collapse(value: Any) -> str:
    """A cell's text with runs of whitespace made one space and the ends trimmed ("" for
    blank); headers are compared this way (a real CAIQ header has two spaces in it). Control
    characters become spaces, so a vendor's words can be stored as a note."""
    if value is None:
        return ""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(value))
    return " ".join(text.split())


def answer_of(value: Any) -> str | None:
    """Yes / No / NA for the questionnaires' vocabulary (case-insensitive, trimmed; "N/A" and
    "Not Applicable" are NA); None for anything else, blank included. "Don't know" is not NA."""
    return _VOCABULARY.get(collapse(value).lower())


@dataclass(frozen=True)
class Response:
    """One question's answer as the vendor gave it, and where it is."""

    question_id: str
    answer: str | None  # Yes / No / NA, or None: blank or not in the vocabulary
    raw: str  # the answer cell's text, collapsed ("" when blank)
    words: str  # the vendor's own words beside it (description / additional information)
    sheet: str
    row: int
    column: str  # the answer cell's column letter
    ownership: str = ""  # CAIQ: SSRM control ownership (CSP-owned, CSC-owned, …)

    @property
    def cell(self) -> str:
        return f"{self.sheet}!{self.column}{self.row}"

    @property
    def blank(self) -> bool:
        return not self.raw


@dataclass(frozen=True)
class Questionnaire:
    kind: str  # "caiq" | "hecvat"
    version: str  # as read: "4.0.3", "4.1.2", "3.04"
    family: str  # the mapping it takes: "caiq-4", "hecvat-4", "hecvat-3"
    file: str
    responses: list[Response] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. a scan that reached its bound

    def answered(self) -> list[Response]:
        return [r for r in self.responses if not r.blank]


def read(upload: Upload) -> Questionnaire:
    """The questionnaire in this workbook (CAIQ v4.0.x, HECVAT 4.x or 3.x), or a
    `SpreadsheetError` saying why not (an unknown version named as found)."""
    from integrations.questionnaires import caiq, hecvat

    book = open_workbook(upload, read_only=True)
    try:
        found = caiq.read(upload, book)
        if found is None:
            found = hecvat.read(upload, book)
    finally:
        book.close()
    if found is None:
        raise SpreadsheetError(
            upload.name,
            "not a questionnaire this reads: no CAIQ sheet (named CAIQv…) and no HECVAT "
            "sheet with a 'Version …' cell; supported: CAIQ 4.0.x, HECVAT 4.x and 3.x",
        )
    return found


VERSION = re.compile(r"^v?(?:ersion)?\s*(\d+(?:\.\d+)*[a-z]?)$", re.IGNORECASE)


def version_in(text: str) -> str | None:
    """ "4.1.2" from "Version 4.1.2", "v4.0.3", "4.0.3"; None when the text is no version."""
    m = VERSION.match(collapse(text))
    return m.group(1) if m else None
