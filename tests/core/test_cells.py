"""Text cells that a spreadsheet opens as text: the fast path for plain text (most cells of a
long list) gives exactly what the full rewrite gives, for any text."""

from __future__ import annotations

import random
import re

from vetting.core import cells
from vetting.core.cells import is_formula_like, printable, safe_cell


def _rewritten(value: object) -> str:
    """The rule written out in full: controls shown, a trigger after each separator and at the
    start defused."""
    text = "" if value is None else printable(str(value))
    text = re.sub(r"([;,\t])([\s\"']*)(?=[=+\-@])", r"\1\2'", text)
    return "'" + text if is_formula_like(text) else text


def test_safe_cell_is_the_full_rewrite_for_any_text() -> None:
    rng = random.Random(7)
    alphabet = "ab =+-@;,\t\r\n\"' \x00\x07\x1f\x7f\x85\x9féü"
    samples = ["", "plain text", "=1+1", "a;=cmd|' /C calc'!A0", "x,\t =y", "\x01=z", "\r=a"]
    samples += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(5000)
    ]
    for text in samples:
        assert safe_cell(text) == _rewritten(text), repr(text)
    assert safe_cell(None) == "" and safe_cell(42) == "42"


def test_plain_text_is_recognised_by_one_search() -> None:
    # the characters the fast path looks for are every one either rewrite acts on
    for ch in map(chr, range(0x00, 0xA0)):
        acted = printable(ch) != ch or ch in ";,\t"
        assert bool(cells._REWRITTEN.search(ch)) == acted, repr(ch)
