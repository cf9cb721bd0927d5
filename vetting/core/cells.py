"""Text cells a spreadsheet opens as text, never as a formula (OWASP "CSV injection").

Shared by every export people open in Excel or LibreOffice: CSV and XLSX lists, reports.
"""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would treat `text` as a formula (or a DDE command)."""
    return text.startswith(FORMULA_TRIGGERS)


def safe_cell(value: Any) -> str:
    """Text a spreadsheet will not run as a formula: a leading apostrophe defuses it."""
    text = "" if value is None else str(value)
    if is_formula_like(text):
        return "'" + text
    return text
