"""The breach clause of a BAA in the register, and how an assessment's breach answer compares
with it.

The register keeps the clause as the BAA words it: a value, its unit (`hours`,
`calendar_days`, `business_days`), what starts the clock (`discovery`, `confirmation` — the
vendor's own confirmation or determination — or `unspecified`) and the clause quoted. It is
the same structured form an assessment's breach answer has (vetting/core/deadlines.py), so
the two compare without losing their words.

- A clause with no number means the 60-day maximum of 45 CFR 164.410(b): `stated` false,
  shown as "unstated (60-day legal maximum)", never as 0 or a blank.
- Conformance compares worst-case calendar days (`days`): hours are rounded up to whole days
  (72 h → 3), business days are counted across weekends (every 5 business days are 7
  calendar days, a remainder of r adds r + 2; holidays are not counted, so a clause that
  only fits under 60 days thanks to no holidays would still need a reviewer's eye): 42
  business days → 60 (conforms), 43 → 61 and 45 → 63 (non-conforming).
- An answer **differs** from the clause when it says something else: stated vs unstated, or a
  different duration (72 hours and 3 calendar days are the same duration; 73 hours and 4
  calendar days are not, nor are 5 business days and 7 calendar days), or a different trigger
  when both name one. The quote is not compared.
- A register entry written before the clause was kept (only `breach_notification_days`)
  reads as that many calendar days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from vetting.core.baa import BaaTerms, state_on
from vetting.core.deadlines import (
    DeadlineError,
    Trigger,
    Unit,
    calendar_days,
    describe,
    parse_deadline,
)

LEGAL_MAX_DAYS = 60  # 45 CFR 164.410(b)
UNITS: tuple[str, ...] = tuple(Unit)
TRIGGERS: tuple[str, ...] = tuple(Trigger)
CLAUSE_FIELDS = ("value", "unit", "trigger", "quote", "stated")

# The register's columns for the clause, in the order clause_of() takes them.
COLUMNS = (
    "breach_notification_days",
    "breach_value",
    "breach_unit",
    "breach_trigger",
    "breach_quote",
    "breach_stated",
)


class ClauseError(ValueError):
    """A breach clause that cannot be recorded."""


def _whole(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


def clause_of(
    days: int | None,
    value: float | None,
    unit: str | None,
    trigger: str | None,
    quote: str | None,
    stated: bool | None,
) -> dict[str, Any] | None:
    """The register's columns → the structured clause, or None when none is recorded. A row
    from before the clause was kept (`stated` null, days set) reads as calendar days."""
    if stated is None:
        if days is None:
            return None
        value, unit, trigger, stated = days, Unit.CALENDAR_DAYS, Trigger.UNSPECIFIED, True
    trig = trigger if trigger in TRIGGERS else Trigger.UNSPECIFIED
    if not stated or value is None or unit not in UNITS:
        return {
            "days": LEGAL_MAX_DAYS,
            "value": None,
            "unit": None,
            "trigger": str(trig),
            "quote": quote,
            "stated": False,
        }
    amount = _whole(value)
    return {
        "days": calendar_days(amount, Unit(unit)),
        "value": amount,
        "unit": str(unit),
        "trigger": str(trig),
        "quote": quote,
        "stated": True,
    }


def clause_from(row: Any) -> dict[str, Any] | None:
    """The clause of anything with the register's columns as attributes (a BAA row)."""
    return clause_of(*(getattr(row, name) for name in COLUMNS))


def columns_of(clause: Mapping[str, Any] | None) -> dict[str, Any]:
    """The structured clause (or None: not recorded) → the register's columns."""
    if clause is None:
        return dict.fromkeys(COLUMNS)
    return {
        "breach_notification_days": clause["days"],
        "breach_value": clause["value"],
        "breach_unit": clause["unit"],
        "breach_trigger": clause["trigger"],
        "breach_quote": clause["quote"],
        "breach_stated": clause["stated"],
    }


def _same_number(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return a["stated"] == b["stated"] and (
        not a["stated"] or (a["unit"] == b["unit"] and a["value"] == b["value"])
    )


def parse_clause(raw: Any) -> dict[str, Any]:
    """What a client sends → the structured clause. Accepted: the clause's words ("within 72
    hours of discovery", "without unreasonable delay" → unstated), or an object with `value`
    and `unit` (one of hours, calendar_days, business_days), `trigger`, `quote`, or `stated:
    false` for a clause with no number. A quote alone is read for its number; a quote whose
    number or unit disagrees with the value and unit given is refused. Raises ClauseError."""
    try:
        if isinstance(raw, str):
            return parse_deadline(raw, LEGAL_MAX_DAYS)
        if not isinstance(raw, Mapping):
            raise ClauseError(
                'expects the clause\'s words, or {"value": 72, "unit": "hours", '
                '"trigger": "discovery", "quote": "…"}, or {"stated": false} when it states '
                "no number"
            )
        unknown = set(raw) - set(CLAUSE_FIELDS)
        if unknown:
            raise ClauseError(
                f"unknown field(s) {', '.join(sorted(map(str, unknown)))} "
                f"(fields: {', '.join(CLAUSE_FIELDS)})"
            )
        unit = raw.get("unit")
        if unit is not None and unit not in UNITS:
            raise ClauseError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
        value = raw.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ClauseError("value must be a number ≥ 0")
        quote = raw.get("quote")
        if quote is not None and not isinstance(quote, str):
            raise ClauseError("quote must be text")
        quote = quote.strip() or None if isinstance(quote, str) else None
        trigger = raw.get("trigger")
        if value is None and unit is None and raw.get("stated") is None:
            if quote is None:
                raise ClauseError(
                    "give a value and a unit, the clause quoted, or stated: false for a "
                    "clause with no number"
                )
            found = parse_deadline(quote, LEGAL_MAX_DAYS)
            found["quote"] = quote
            if trigger is not None:
                found = parse_deadline({**found, "trigger": trigger}, LEGAL_MAX_DAYS)
            return found
        if value is not None and unit is None:
            raise ClauseError(f"unit is required with a value ({', '.join(UNITS)})")
        if unit is not None and value is None and raw.get("stated") is not False:
            raise ClauseError("value is required with a unit")
        out = parse_deadline(
            {k: v for k, v in raw.items() if k != "quote"} | {"quote": quote}, LEGAL_MAX_DAYS
        )
        if quote is not None:
            try:
                read = parse_deadline(quote, LEGAL_MAX_DAYS)
            except DeadlineError:
                read = None  # a quote the reader cannot parse is kept as words
            if read is not None and not _same_number(read, out):
                raise ClauseError(
                    f"the quote says {describe({**read, 'trigger': Trigger.UNSPECIFIED})}, "
                    f"but value and unit say "
                    f"{describe({**out, 'trigger': Trigger.UNSPECIFIED})}"
                )
        return out
    except DeadlineError as exc:
        raise ClauseError(str(exc)) from None


def words(clause: Mapping[str, Any] | None) -> str:
    """The clause in words: '72 hours (3 calendar days, rounded up) from discovery',
    'unstated (60-day legal maximum)', 'not recorded'."""
    if clause is None:
        return "not recorded"
    return describe(clause)


def legacy_days(clause: Mapping[str, Any] | None) -> int | None:
    """What the API's older `breach_notification_days` field says: the worst-case calendar
    days of a stated clause; null when the clause states no number or none is recorded."""
    if clause is None or not clause["stated"]:
        return None
    return int(clause["days"])


def _exact_hours(clause: Mapping[str, Any]) -> float | None:
    if clause["unit"] == Unit.HOURS:
        return float(clause["value"])
    if clause["unit"] == Unit.CALENDAR_DAYS:
        return float(clause["value"]) * 24
    return None  # business days have no fixed length in hours


def same_deadline(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two structured deadlines say the same (see the module docstring)."""
    if a["stated"] != b["stated"]:
        return False
    if a["stated"]:
        if a["unit"] == b["unit"]:
            if float(a["value"]) != float(b["value"]):
                return False
        else:
            ha, hb = _exact_hours(a), _exact_hours(b)
            if ha is None or hb is None or ha != hb:
                return False
    ta = a.get("trigger") or Trigger.UNSPECIFIED
    tb = b.get("trigger") or Trigger.UNSPECIFIED
    return Trigger.UNSPECIFIED in (ta, tb) or ta == tb


def difference(
    vendor: str, clause: Mapping[str, Any], answer: Mapping[str, Any] | None
) -> str | None:
    """'the BAA with Acme says 72 hours (…); this answer says 30 calendar days', or None when
    they agree (or there is no answer to compare)."""
    if answer is None or same_deadline(clause, answer):
        return None
    return f"the BAA with {vendor} says {describe(clause)}; this answer says {describe(answer)}"


# --- which BAA is the source of an app's breach answer -----------------------------------------

ANSWER_KEY = "breach_notification_days"  # the checklists' breach capability


@dataclass(frozen=True)
class Candidate:
    """One of the vendor's agreements, as the choice of a source needs it."""

    baa_id: int
    terms: BaaTerms
    all_products: bool
    app_ids: frozenset[int]

    def covers(self, app_id: int) -> bool:
        return self.all_products or app_id in self.app_ids


def source_of(candidates: Iterable[Candidate], app_id: int, on: date) -> int | None:
    """The BAA whose breach clause an app's assessment answers to on `on`: the newest signed
    agreement in force that day that covers the app (the one the approved list reads). A
    draft, one pending signature, a superseded, terminated or expired one, or one whose
    product scope leaves the app out, is never the source."""
    found = [
        c
        for c in candidates
        if c.terms.signed and c.covers(app_id) and state_on(c.terms, on).in_force
    ]
    if not found:
        return None
    return max(found, key=lambda c: (c.terms.effective_date, c.baa_id)).baa_id
