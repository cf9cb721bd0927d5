"""What a BAA must say (45 CFR 164.504(e)(2), 164.314(a)(2)(i)), what a register entry records
about each provision, and when an agreement is non-conforming.

The provisions are read from `checklists/baa/provisions.toml` (`kind = "baa-provisions"`).
Each BAA records each provision as `present` (with the clause quoted or its section named),
`absent` or `not_reviewed` (the default). A BAA is **non-conforming** when a provision is
recorded absent, or when its breach clause allows longer than the breach provision's
`max_days` (60) in worst-case calendar days (vetting/core/breach.py: 72 hours → 3, 45
business days → 63). `not_reviewed` never makes it non-conforming.

A non-conforming BAA does not keep its vendor's apps on the approved list unless an
**exception** counts on that day: confirmed by a second person (on or before the day) and not
ended (it counts through `ends_on`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from vetting.core.deadlines import describe

KIND = "baa-provisions"
BREACH_KEY = "report_breaches"
LEGAL_MAX_BREACH_DAYS = 60


class ProvisionStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_REVIEWED = "not_reviewed"


STATUSES: tuple[str, ...] = tuple(ProvisionStatus)


class ProvisionsError(ValueError):
    """The provisions file is unusable; the message names the file and the reason."""


@dataclass(frozen=True)
class Provision:
    key: str
    title: str
    citation: str
    question: str
    guidance: str = ""
    max_days: int | None = None


@dataclass(frozen=True)
class Catalogue:
    version: str
    provisions: tuple[Provision, ...]
    source: str = ""

    def get(self, key: str) -> Provision | None:
        return self._by_key.get(key)

    @cached_property
    def _by_key(self) -> dict[str, Provision]:
        # (a frozen dataclass may still cache: cached_property writes the instance's __dict__;
        # asked once per BAA when the whole list is computed, 100,000 times at a large size)
        return {p.key: p for p in self.provisions}

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.provisions)

    @cached_property
    def breach_max_days(self) -> int:
        p = self.get(BREACH_KEY)
        return p.max_days if p is not None and p.max_days is not None else LEGAL_MAX_BREACH_DAYS


def parse(raw: str, source: str = "provisions.toml") -> Catalogue:
    """The catalogue in a provisions file; refused (ProvisionsError) naming what is wrong."""
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ProvisionsError(f"{source}: not valid TOML ({exc})") from exc
    if data.get("kind") != KIND:
        raise ProvisionsError(f'{source}: needs kind = "{KIND}"')
    items = data.get("provision")
    if not isinstance(items, list) or not items:
        raise ProvisionsError(f"{source}: needs at least one [[provision]]")
    out: list[Provision] = []
    for i, item in enumerate(items, 1):
        where = f"{source}: provision {i}"
        if not isinstance(item, dict):
            raise ProvisionsError(f"{where}: must be a table")
        for name in ("key", "title", "citation", "question"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                raise ProvisionsError(f"{where}: needs {name}")
        unknown = set(item) - {"key", "title", "citation", "question", "guidance", "max_days"}
        if unknown:
            raise ProvisionsError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        max_days = item.get("max_days")
        if max_days is not None and (not isinstance(max_days, int) or max_days < 1):
            raise ProvisionsError(f"{where}: max_days must be a whole number ≥ 1")
        if any(p.key == item["key"] for p in out):
            raise ProvisionsError(f"{where}: key {item['key']!r} is used twice")
        out.append(
            Provision(
                item["key"],
                item["title"],
                item["citation"],
                item["question"],
                str(item.get("guidance", "")),
                max_days,
            )
        )
    return Catalogue(str(data.get("version", "")), tuple(out), source)


def load(path: Path) -> Catalogue:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProvisionsError(f"{path}: cannot be read ({exc})") from exc
    return parse(raw, str(path))


@lru_cache(maxsize=4)
def cached(path: Path) -> Catalogue:
    """The catalogue at `path`, read once per process."""
    return load(path)


# --- conformance ------------------------------------------------------------------------------


def gaps(
    catalogue: Catalogue,
    absent: Iterable[str],
    breach_days: int | None,
    breach_clause: Mapping[str, Any] | None = None,
) -> tuple[str, ...]:
    """What makes an agreement non-conforming, each as "lacks <title> — <citation>" or "allows
    N days to report a breach (more than 60) — <citation>", in the catalogue's order; empty when
    it conforms. Absent keys no longer in the catalogue are ignored.

    `breach_days` is the worst-case calendar days the breach clause allows (vetting/core/
    breach.py: hours rounded up, business days counted across weekends); with the clause
    itself, a deadline not in calendar days is named in its own words ("allows 45 business
    days (63 calendar days at worst) to report a breach (more than 60 calendar days)")."""
    limit = catalogue.breach_max_days
    if not absent and (breach_days is None or breach_days <= limit):
        return ()  # most agreements: nothing recorded absent, the deadline within the limit
    missing = set(absent)
    out = [f"lacks {p.title} — {p.citation}" for p in catalogue.provisions if p.key in missing]
    if breach_days is not None and breach_days > limit:
        breach = catalogue.get(BREACH_KEY)
        cite = breach.citation if breach is not None else "45 CFR 164.410"
        if breach_clause is not None and not breach_clause.get("stated", True):
            out.append(
                f"states no breach deadline, so the {breach_days}-day legal maximum applies "
                f"(more than {limit} days) — {cite}"
            )
        elif breach_clause is not None and breach_clause.get("unit") != "calendar_days":
            out.append(
                f"allows {describe(breach_clause)} to report a breach (more than {limit} "
                f"calendar days) — {cite}"
            )
        else:
            out.append(f"allows {breach_days} days to report a breach (more than {limit}) — {cite}")
    return tuple(out)


@dataclass(frozen=True)
class ExceptionWindow:
    """An exception's standing: confirmed on a day (None: awaiting a second person) and the
    last day it counts."""

    confirmed_on: date | None
    ends_on: date

    def counts_on(self, on: date) -> bool:
        return self.confirmed_on is not None and self.confirmed_on <= on <= self.ends_on


def excepted(windows: Sequence[ExceptionWindow], on: date) -> bool:
    return any(w.counts_on(on) for w in windows)


def validate_exception(reason: str, ends_on: date | None, today: date) -> list[tuple[str, str]]:
    """(field, reason) for an exception that cannot be recorded."""
    problems: list[tuple[str, str]] = []
    if len([c for c in reason if c.isalnum()]) < 10:
        problems.append(("reason", "is required: say why the BAA is accepted as it is"))
    if ends_on is None:
        problems.append(("ends_on", "is required: an exception needs an end date"))
    elif ends_on < today:
        problems.append(("ends_on", "must be today or later"))
    return problems


def validate_provision(
    status: str, quote: str | None, section: str | None
) -> list[tuple[str, str]]:
    """(field, reason) for a provision record that cannot be saved."""
    if status not in STATUSES:
        return [("status", f"must be one of {', '.join(STATUSES)}")]
    if (
        status == ProvisionStatus.PRESENT
        and not (quote or "").strip()
        and not (section or "").strip()
    ):
        return [("quote", "a present provision needs the clause quoted or its section named")]
    return []


def counts(statuses: Mapping[str, str], catalogue: Catalogue) -> dict[str, int]:
    """How many of the catalogue's provisions are present, absent and not reviewed (a
    provision with no record is not reviewed)."""
    out = {s.value: 0 for s in ProvisionStatus}
    for key in catalogue.keys:
        out[statuses.get(key, ProvisionStatus.NOT_REVIEWED)] += 1
    return out
