"""EDUCAUSE HECVAT 4.x and 3.x (its rules: docs/rules.md, "Suggested answers and
standard questionnaires").

4.x: one tab per domain; a respondent tab carries a `Version 4.1.x` cell in its first rows.
Each section has a header row with `Answer` and, beside it, `Additional Information`; question
rows carry IDs like `HIPA-04` in the first column and a section ends at a row reading `End
Table Data`. `GNRL-*` and `REQU-*` rows repeat on every tab: each ID is read once (its first
answered row).

3.x: one sheet `HECVAT - Full | Vendor Response` (or `Lite`), `Version 3.04` in its first
rows, answers under the header `Vendor Answers`.

Columns are found by their header text, never by fixed addresses; every tab is scanned with
the package's bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from integrations.questionnaires import (
    HEADER_ROWS,
    SCAN_COLUMNS,
    SCAN_ROWS,
    Questionnaire,
    Response,
    answer_of,
    collapse,
)
from integrations.spreadsheets.reading import SpreadsheetError, Upload, column_letter, rows

ID = re.compile(r"^[A-Z]{4}-\d{2}$")
VERSION = re.compile(r"^version\s+(\d+(?:\.\d+)*\S*)$", re.IGNORECASE)
SUPPORTED = "3.x, 4.x"
ANSWER_HEADERS = ("answer", "vendor answers")
WORDS_HEADER = "additional information"
END = "end table data"


@dataclass
class _Tab:
    title: str
    version: str | None
    sections: int
    responses: list[Response]
    bounded: bool


def read(upload: Upload, book: Workbook) -> Questionnaire | None:
    """The HECVAT in `book`, None when nothing in it looks like one; an unknown version is
    refused naming it."""
    tabs = [_scan(upload, ws) for ws in book.worksheets]
    named = any(t.title.upper().startswith("HECVAT") for t in tabs)
    answering = [t for t in tabs if t.version is not None and t.sections > 0]
    if not answering:
        if named:
            raise SpreadsheetError(
                upload.name,
                "a HECVAT workbook without a respondent sheet: no sheet has both a "
                f"'Version …' cell in its first {HEADER_ROWS} rows and an 'Answer' or "
                "'Vendor Answers' header",
            )
        return None
    first = answering[0]
    version = first.version
    assert version is not None  # filtered above
    major = version.split(".")[0]
    if major not in {"3", "4"}:
        raise SpreadsheetError(
            upload.name,
            f"HECVAT version {version} is not supported (supported: {SUPPORTED})",
            sheet=first.title,
        )
    by_id: dict[str, Response] = {}
    for tab in answering:
        for r in tab.responses:
            kept = by_id.get(r.question_id)
            if kept is None or (kept.blank and not r.blank):  # repeated rows: first answered
                by_id[r.question_id] = r
    notes = [
        f"{t.title}: read up to row {SCAN_ROWS:,}; later rows were not read"
        for t in answering
        if t.bounded
    ]
    return Questionnaire(
        "hecvat", version, f"hecvat-{major}", upload.name, list(by_id.values()), notes
    )


def _scan(upload: Upload, ws: Worksheet) -> _Tab:
    tab = _Tab(ws.title, None, 0, [], False)
    answer_col: int | None = None
    words_col: int | None = None
    for number, values in rows(upload, ws, last=SCAN_ROWS + 1, columns=SCAN_COLUMNS):
        if number > SCAN_ROWS:
            tab.bounded = True
            break
        cells = [collapse(v) for v in values]
        lower = [c.lower() for c in cells]
        if tab.version is None and number <= HEADER_ROWS:
            found = next((m.group(1) for c in cells if c and (m := VERSION.match(c))), None)
            if found:
                tab.version = found
                continue
        if END in lower:
            answer_col = words_col = None
            continue
        header = next((i for i, c in enumerate(lower) if c in ANSWER_HEADERS), None)
        if header is not None and not any(ID.match(c) for c in cells[:header]):
            answer_col = header
            words_col = lower.index(WORDS_HEADER) if WORDS_HEADER in lower else header + 1
            tab.sections += 1
            continue
        if answer_col is None:
            continue
        qid = next((c for c in cells[:answer_col] if ID.match(c)), None)
        if qid is None:
            continue
        raw = cells[answer_col] if answer_col < len(cells) else ""
        words = cells[words_col] if words_col is not None and words_col < len(cells) else ""
        tab.responses.append(
            Response(qid, answer_of(raw), raw, words, ws.title, number, column_letter(answer_col))
        )
    return tab
