"""Synthetic CAIQ v4 and HECVAT 4.x / 3.x workbooks with the measured layouts
(docs/rules.md, "Suggested answers and standard questionnaires") and invented wording:
never a real question's text."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence

from openpyxl import Workbook

from integrations.spreadsheets import writing

# question ID → (answer, vendor's words[, ownership])
Answers = Mapping[str, tuple[str, ...]]

CAIQ_HEADER = [
    "Question ID",
    "Question",
    "CSP CAIQ Answer",
    "SSRM Control Ownership",
    "CSP Implementation Description (Optional/Recommended)",
    "CSC Responsibilities  (Optional/Recommended)",  # two spaces, as in the real file
]


def caiq(
    answers: Answers,
    *,
    version: str = "v4.0.3",
    sheet: str | None = None,
    header_row: int = 2,
    lead_columns: int = 0,
    padded_headers: bool = False,
    end: bool = True,
    extra_ids: Sequence[str] = ("A&A-01.1", "GRC-02.1"),
) -> bytes:
    wb = Workbook()
    intro = wb.active
    assert intro is not None
    intro.title = "Introduction"
    intro["A1"] = "An invented introduction: answer with Yes, No or N/A."
    ws = wb.create_sheet(sheet or f"CAIQ{version}")
    ws.cell(row=1, column=1 + lead_columns, value=version)
    header = [f"  {h}\n" if padded_headers else h for h in CAIQ_HEADER]
    for i, h in enumerate(header):
        ws.cell(row=header_row, column=1 + lead_columns + i, value=h)
    row = header_row + 1
    for qid in [*extra_ids, *answers]:
        got = answers.get(qid, ("", ""))
        answer, words = got[0], got[1]
        owner = got[2] if len(got) > 2 else "CSP-owned"
        values = [qid, f"Invented question about {qid}?", answer or None, owner, words or None]
        for i, v in enumerate(values):
            ws.cell(row=row, column=1 + lead_columns + i, value=v)
        row += 1
    if end:
        ws.cell(row=row, column=1 + lead_columns, value="End of Standard")
        ws.cell(row=row + 1, column=1 + lead_columns, value="UEM-99.9")
        ws.cell(row=row + 1, column=3 + lead_columns, value="Yes")
    return writing.to_bytes(wb)


SECTION_HEADER = ["", "Question", "Answer", "Additional Information", "Guidance", "Analyst Notes"]


def hecvat4(
    tabs: Mapping[str, Answers],
    *,
    version: str = "Version 4.1.2",
    repeated: Answers | None = None,
    lead_columns: int = 0,
) -> bytes:
    """One tab per domain; F2 holds the version; each tab repeats the GNRL/REQU rows
    (`repeated`) before its own section; sections end at G = End Table Data."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "START HERE"
    first["A1"] = "Invented instructions."
    q = wb.create_sheet("Questions")
    q.append(["ID", "Question", "Compliant Response", "Default Importance"])
    q.sheet_state = "hidden"
    repeated = repeated or {}
    for title, answers in tabs.items():
        ws = wb.create_sheet(title)
        c = lead_columns
        ws.cell(row=1, column=1 + c, value=f"Invented title for {title}")
        ws.cell(row=2, column=6 + c, value=version)
        row = 4
        for section in (repeated, answers):
            for i, h in enumerate(SECTION_HEADER):
                ws.cell(row=row, column=1 + c + i, value=h or None)
            ws.cell(row=row, column=1 + c, value="SECT")
            row += 1
            for qid, (answer, words) in section.items():
                q.append([qid, f"Invented question {qid}", "Yes", "Standard"])
                for i, v in enumerate([qid, f"Invented {qid}?", answer or None, words or None]):
                    ws.cell(row=row, column=1 + c + i, value=v)
                row += 1
            ws.cell(row=row, column=7 + c, value="End Table Data")
            row += 2
    return writing.to_bytes(wb)


def hecvat3(answers: Answers, *, version: str = "Version 3.04", lite: bool = False) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"HECVAT - {'Lite' if lite else 'Full'} | Vendor Response"
    ws["E1"] = version
    ws.append([])
    ws.append(["", "Invented question text", "Vendor Answers", "Additional Information"])
    for qid, (answer, words) in answers.items():
        ws.append([qid, f"Invented {qid}?", answer or None, words or None])
    return writing.to_bytes(wb)


def declare_million_rows(data: bytes, sheet_xml: str) -> bytes:
    """The same workbook with one sheet declaring (and styling a cell in) row 1,048,576."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == sheet_xml:
                text = body.decode()
                start = text.index('<dimension ref="') + len('<dimension ref="')
                stop = text.index('"', start)
                text = text[:start] + "A1:XFD1048576" + text[stop:]
                text = text.replace(
                    "</sheetData>", '<row r="1048576"><c r="A1048576" s="0"/></row></sheetData>'
                )
                body = text.encode()
            dst.writestr(info, body)
    return buf.getvalue()
