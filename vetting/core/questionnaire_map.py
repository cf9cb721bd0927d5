"""Mapping a standard questionnaire's answers (CAIQ, HECVAT) onto checklist capabilities.

A mapping file (`checklists/mappings/<family>.toml`, format in its own header and in
docs/rules.md, "Standard questionnaires") lists rows `question ID → capability key` with a
transform: which of our values a `Yes`, `No` or `NA` answer proposes (an answer the row does
not name proposes nothing). Applying it to a vendor's answers gives proposals — suggestions a
person accepts before they count — and says which answers were skipped and why, and which of
the checklist's capabilities no answer reached (they stay unanswered).

Pure: no Flask, SQL or file reading beyond `load_dir`'s TOML.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from vetting.core.checklist import AnswerValueError, Checklist

ANSWERS = ("Yes", "No", "NA")
_TRANSFORM_KEYS = {"yes": "Yes", "no": "No", "na": "NA"}
FAMILIES = {"caiq-4": "caiq", "hecvat-4": "hecvat", "hecvat-3": "hecvat"}
NOTE_LIMIT = 2000  # the vendor's words kept in a suggestion's note, at most


class MappingError(ValueError):
    """A mapping file that cannot be used, naming the file, the row and the reason."""


@dataclass(frozen=True)
class Rule:
    question_id: str
    capability: str
    values: Mapping[str, Any]  # "Yes" / "No" / "NA" → the value proposed
    comment: str = ""


@dataclass(frozen=True)
class QuestionMap:
    family: str  # "caiq-4", "hecvat-4", "hecvat-3"
    questionnaire: str  # "caiq" | "hecvat"
    label: str  # "CAIQ v4.0.x"
    id_pattern: str
    rules: tuple[Rule, ...]
    ownership_notes: Mapping[str, str] = field(default_factory=dict)  # lower-case → note
    path: str = ""

    def capabilities(self) -> set[str]:
        return {r.capability for r in self.rules}


def parse(text: str, name: str) -> QuestionMap:
    """A mapping file's rules, or `MappingError` naming the file, the row and the reason."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{name}: not valid TOML ({exc})") from None
    family = data.get("family")
    if family not in FAMILIES:
        raise MappingError(f"{name}: family must be one of {', '.join(FAMILIES)}, not {family!r}")
    pattern = data.get("id_pattern")
    if not isinstance(pattern, str):
        raise MappingError(f"{name}: id_pattern (a regular expression) is required")
    try:
        id_re = re.compile(pattern)
    except re.error as exc:
        raise MappingError(f"{name}: id_pattern is not a regular expression ({exc})") from None
    rules: list[Rule] = []
    for i, row in enumerate(data.get("map", []), start=1):
        where = f"{name}: [[map]] #{i}"
        if not isinstance(row, dict):
            raise MappingError(f"{where}: not a table")
        qid, cap = row.get("id"), row.get("capability")
        if not isinstance(qid, str) or not id_re.fullmatch(qid):
            raise MappingError(f"{where}: id {qid!r} does not match {pattern}")
        given = cap if isinstance(cap, list) else [cap]
        caps = [c for c in given if isinstance(c, str) and c]
        if not caps or len(caps) != len(given):
            raise MappingError(f"{where} ({qid}): capability must be a key or a list of keys")
        unknown = set(row) - {"id", "capability", "comment", *_TRANSFORM_KEYS}
        if unknown:
            raise MappingError(f"{where} ({qid}): unknown field(s) {', '.join(sorted(unknown))}")
        values = {_TRANSFORM_KEYS[k]: row[k] for k in _TRANSFORM_KEYS if k in row}
        if not values:
            raise MappingError(f"{where} ({qid}): no transform (give yes, no and/or na)")
        for c in caps:
            rules.append(Rule(qid, c, values, str(row.get("comment", ""))))
    notes = data.get("ownership_notes", {})
    if not isinstance(notes, dict) or not all(isinstance(v, str) for v in notes.values()):
        raise MappingError(f"{name}: ownership_notes must map ownership words to a note")
    return QuestionMap(
        family,
        FAMILIES[family],
        str(data.get("label", family)),
        pattern,
        tuple(rules),
        {" ".join(k.split()).lower(): v for k, v in notes.items()},
        name,
    )


def load_dir(directory: Path) -> dict[str, QuestionMap]:
    """family → mapping, from every `*.toml` in `directory` (none: an empty dict)."""
    out: dict[str, QuestionMap] = {}
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.toml")):
        found = parse(path.read_text(encoding="utf-8"), path.name)
        if found.family in out:
            raise MappingError(f"{path.name}: family {found.family} is mapped twice")
        out[found.family] = found
    return out


def check(mapping: QuestionMap, checklists: Iterable[Checklist]) -> list[str]:
    """What is wrong with `mapping` against the checklists: an unknown capability key, or a
    transform value some checklist having that capability would refuse."""
    problems: list[str] = []
    lists = list(checklists)
    for rule in mapping.rules:
        having = [c for c in lists if c.capability(rule.capability) is not None]
        if not having:
            problems.append(
                f"{mapping.path}: {rule.question_id}: no checklist has capability "
                f"{rule.capability!r}"
            )
        for checklist in having:
            cap = checklist.capability(rule.capability)
            assert cap is not None  # filtered above
            for answer, value in rule.values.items():
                try:
                    cap.normalise(value)
                except AnswerValueError as exc:
                    problems.append(
                        f"{mapping.path}: {rule.question_id} {answer} → {value!r}: "
                        f"{checklist.id} refuses it ({exc})"
                    )
    return problems


class Given(Protocol):
    """One answer as a reader returns it (integrations/questionnaires.Response)."""

    @property
    def question_id(self) -> str: ...
    @property
    def answer(self) -> str | None: ...
    @property
    def raw(self) -> str: ...
    @property
    def words(self) -> str: ...
    @property
    def ownership(self) -> str: ...
    @property
    def cell(self) -> str: ...


@dataclass(frozen=True)
class Proposal:
    capability: str
    value: Any  # normalised for the checklist
    question_id: str
    answer: str  # the vendor's Yes / No / NA
    words: str  # the vendor's words
    cell: str  # Sheet!C14
    note: str  # question ID, answer, ownership note and the vendor's words


@dataclass(frozen=True)
class Skipped:
    question_id: str
    cell: str
    reason: str


@dataclass(frozen=True)
class Applied:
    proposals: list[Proposal]
    skipped: list[Skipped]
    unmapped: list[str]  # the checklist's capabilities no answer reached, in checklist order


def apply(
    mapping: QuestionMap, label: str, answers: Iterable[Given], checklist: Checklist
) -> Applied:
    """Proposals for `checklist` from the vendor's answers. Rows are taken in the mapping's
    order; a capability reached by several rows takes the first that proposes a value. A
    blank answer proposes nothing; one outside Yes/No/NA is skipped naming its cell."""
    by_id: dict[str, Given] = {}
    for a in answers:
        by_id.setdefault(a.question_id, a)
    proposals: dict[str, Proposal] = {}
    skipped: list[Skipped] = []
    for rule in mapping.rules:
        cap = checklist.capability(rule.capability)
        given = by_id.get(rule.question_id)
        if cap is None or given is None or rule.capability in proposals or not given.raw:
            continue
        if given.answer is None:
            skipped.append(
                Skipped(
                    rule.question_id,
                    given.cell,
                    f"{given.raw!r} is not one of Yes, No, NA (left unanswered)",
                )
            )
            continue
        if given.answer not in rule.values:
            skipped.append(
                Skipped(
                    rule.question_id,
                    given.cell,
                    f"{given.answer} proposes nothing for {rule.capability} (left unanswered)",
                )
            )
            continue
        try:
            value = cap.normalise(rule.values[given.answer])
        except AnswerValueError as exc:
            skipped.append(Skipped(rule.question_id, given.cell, str(exc)))
            continue
        proposals[rule.capability] = Proposal(
            rule.capability,
            value,
            rule.question_id,
            given.answer,
            given.words,
            given.cell,
            note_for(mapping, label, given),
        )
    unmapped = [c.key for c in checklist.capabilities if c.key not in proposals]
    return Applied(list(proposals.values()), skipped, unmapped)


def note_for(mapping: QuestionMap, label: str, given: Given) -> str:
    """`CAIQ v4.0.3 UEM-13.1 = Yes (CSC-owned: the customer must configure it). Vendor: "…"`"""
    note = f"{label} {given.question_id} = {given.answer or given.raw}"
    ownership = " ".join(given.ownership.split())
    if ownership:
        extra = mapping.ownership_notes.get(ownership.lower())
        note += f" ({ownership}: {extra})" if extra else f" ({ownership})"
    words = given.words.strip()
    if words:
        if len(words) > NOTE_LIMIT:
            words = words[: NOTE_LIMIT - 1] + "…"
        note += f'. Vendor: "{words}"'
    return note
