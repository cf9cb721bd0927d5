"""Text cells a spreadsheet opens as text, never as a formula (OWASP "CSV injection").

Shared by every export people open in Excel or LibreOffice: CSV and XLSX lists, reports.
"""

from __future__ import annotations

import re
from typing import Any

# Control characters other than tab and line breaks: XML (MDM profiles), calendar feeds and
# spreadsheets refuse them. New text cannot hold them (vetting/schemas.py); older rows might.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REPLACEMENT = "\ufffd"

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would treat `text` as a formula (or a DDE command)."""
    return text.startswith(FORMULA_TRIGGERS)


def printable(text: str) -> str:
    """`text` with each control character (other than tab and line breaks) shown as U+FFFD."""
    return _CONTROLS.sub(REPLACEMENT, text)


def printable_all(value: Any) -> Any:
    """Every string inside dicts, lists and tuples made `printable` (an MDM profile)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {k: printable_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(printable_all(v) for v in value)
    return value


# Where `;` (or a tab) separates columns — many European Excel locales — a cell "a;=cmd|…"
# opens as two cells, the second a formula, whatever the quoting: a trigger after a separator
# is defused too.
_AFTER_SEPARATOR = re.compile(r"([;,\t])([\s\"']*)(?=[=+\-@])")
# What either rewrite above looks for: text without any of these (most cells of a long list)
# needs only the check of its first character.
_REWRITTEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f;,\t]")


def safe_cell(value: Any) -> str:
    """Text a spreadsheet will not run as a formula, in any locale: a leading apostrophe
    defuses a trigger at the start and after each `;`, `,` or tab; control characters are
    shown as U+FFFD."""
    text = "" if value is None else str(value)
    if _REWRITTEN.search(text) is not None:
        text = _AFTER_SEPARATOR.sub(r"\1\2'", printable(text))
    if is_formula_like(text):
        return "'" + text
    return text
