"""CSA CAIQ v4.0.x (its rules: docs/rules.md, "Suggested answers and standard
questionnaires").

The answers sit on the sheet whose name starts `CAIQv` (`CAIQv4.0.3`); its version is in that
sheet's first cells (`v4.0.3`) or, failing that, its name. The header row is the one within
the first rows whose first filled cell reads `Question ID` (column A in the real file); the
other columns are found by their header text (whitespace collapsed): `CSP CAIQ Answer`, `SSRM
Control Ownership`, `CSP Implementation Description …`, `CSC Responsibilities …`. Question rows
carry IDs like `UEM-13.1` or `A&A-02.1` and end at a row reading `End of Standard`.
"""

from __future__ import annotations

import re

from openpyxl.workbook.workbook import Workbook

from integrations.questionnaires import (
    HEADER_ROWS,
    SCAN_COLUMNS,
    SCAN_ROWS,
    Questionnaire,
    Response,
    answer_of,
    collapse,
    version_in,
)
from integrations.spreadsheets.reading import SpreadsheetError, Upload, column_letter, rows

ID = re.compile(r"^[A-Z&]{2,3}-\d{2}\.\d+$")
SUPPORTED = "4.0.x"
END = "end of standard"


def supported(version: str) -> bool:
    return re.fullmatch(r"4\.0(\.\d+)?", version) is not None


def read(upload: Upload, book: Workbook) -> Questionnaire | None:
    """The CAIQ in `book`, None when it has no CAIQ sheet; an unknown version is refused."""
    sheet = next((ws for ws in book.worksheets if ws.title.startswith("CAIQv")), None)
    if sheet is None:
        return None
    title = sheet.title
    version: str | None = None
    header: dict[str, int] = {}
    header_row = 0
    id_col = 0
    responses: list[Response] = []
    seen: set[str] = set()
    notes: list[str] = []
    for number, values in rows(upload, sheet, last=SCAN_ROWS + 1, columns=SCAN_COLUMNS):
        if number > SCAN_ROWS:
            notes.append(f"{title}: read up to row {SCAN_ROWS:,}; later rows were not read")
            break
        cells = [collapse(v) for v in values]
        if not header:
            if number > HEADER_ROWS:
                break
            filled = [i for i, c in enumerate(cells) if c]
            if version is None:
                version = next((v for i in filled[:3] if (v := version_in(cells[i]))), None)
            if filled and cells[filled[0]].lower() == "question id":
                header = {c.lower(): i for i, c in enumerate(cells) if c}
                header_row = number
                id_col = filled[0]
                if version is None:
                    version = version_in(title.removeprefix("CAIQ"))
                _check_version(upload, title, version)
                if _column(header, "csp caiq answer") is None:
                    raise SpreadsheetError(
                        upload.name,
                        "the header has no 'CSP CAIQ Answer' column",
                        sheet=title,
                        row=header_row,
                    )
            continue
        if any(c.lower() == END for c in cells):
            break
        qid = cells[id_col] if id_col < len(cells) else ""
        if not ID.match(qid) or qid in seen:
            continue
        seen.add(qid)
        answer_col = _column(header, "csp caiq answer")
        assert answer_col is not None  # checked with the header
        raw = cells[answer_col] if answer_col < len(cells) else ""
        words = _at(cells, _column(header, "csp implementation description"))
        ownership = _at(cells, _column(header, "ssrm control ownership"))
        responses.append(
            Response(
                qid,
                answer_of(raw),
                raw,
                words,
                title,
                number,
                column_letter(answer_col),
                ownership,
            )
        )
    if not header:
        raise SpreadsheetError(
            upload.name,
            f"no header row with 'Question ID' in column A within the first {HEADER_ROWS} rows "
            "(is this a CAIQ v4 workbook?)",
            sheet=title,
        )
    assert version is not None  # checked with the header
    return Questionnaire("caiq", version, "caiq-4", upload.name, responses, notes)


def _check_version(upload: Upload, sheet: str, version: str | None) -> None:
    if version is None:
        raise SpreadsheetError(
            upload.name,
            f"no CAIQ version found (in the first cells or the sheet's name); "
            f"supported: {SUPPORTED}",
            sheet=sheet,
        )
    if not supported(version):
        raise SpreadsheetError(
            upload.name,
            f"CAIQ version v{version} is not supported (supported: {SUPPORTED})",
            sheet=sheet,
        )


def _column(header: dict[str, int], starts: str) -> int | None:
    """The column whose header text starts with `starts` (lower-case, whitespace collapsed)."""
    return next((i for text, i in header.items() if text.startswith(starts)), None)


def _at(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""
