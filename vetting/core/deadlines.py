"""Notification deadlines as a BAA words them: the number, its unit, what starts the clock and
the clause itself, with the worst-case calendar days that earn credit.

The rules: docs/rules.md, "Breach-notification days". An answer keeps its words
(`{"days": 7, "value": 5, "unit": "business_days", "trigger": "discovery", "quote": "…",
"stated": true}`); `days` is always computed, never taken from the caller. A clause without a
number ("without unreasonable delay") is lawful up to the 60-day maximum of 45 CFR 164.410(b)
and is shown as "unstated (60-day legal maximum)", never as a bare 60. Answers stored before
this form are plain ints of calendar days: they keep scoring as they did.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class DeadlineError(ValueError):
    """A deadline that cannot be read."""


class Unit(StrEnum):
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    BUSINESS_DAYS = "business_days"


class Trigger(StrEnum):
    """What starts the clock."""

    DISCOVERY = "discovery"  # 45 CFR 164.410(a)(2): known, or known with reasonable diligence
    CONFIRMATION = "confirmation"  # the vendor's own confirmation: can start much later
    UNSPECIFIED = "unspecified"


UNIT_WORDS = {
    Unit.HOURS: ("hour", "hours"),
    Unit.CALENDAR_DAYS: ("calendar day", "calendar days"),
    Unit.BUSINESS_DAYS: ("business day", "business days"),
}
FIELDS = ("days", "value", "unit", "trigger", "quote", "stated")
MAX_QUOTE = 2000
MAX_VALUE = 100_000  # anything longer is not a deadline

_UNIT_ALIASES = {
    "h": Unit.HOURS,
    "hr": Unit.HOURS,
    "hrs": Unit.HOURS,
    "hour": Unit.HOURS,
    "hours": Unit.HOURS,
    "d": Unit.CALENDAR_DAYS,
    "day": Unit.CALENDAR_DAYS,
    "days": Unit.CALENDAR_DAYS,
    "calendar_days": Unit.CALENDAR_DAYS,
    "calendar day": Unit.CALENDAR_DAYS,
    "calendar days": Unit.CALENDAR_DAYS,
    "business_days": Unit.BUSINESS_DAYS,
    "business day": Unit.BUSINESS_DAYS,
    "business days": Unit.BUSINESS_DAYS,
    "working day": Unit.BUSINESS_DAYS,
    "working days": Unit.BUSINESS_DAYS,
}
# A number and its unit, alone ("72 hours") or inside a clause ("within five (5) business days
# of discovery" is read from its digits).
_NUMBER_UNIT = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:\)\s*)?"
    r"(hours?|hrs?|h|business\s+days?|working\s+days?|calendar\s+days?|days?|d)?\b"
)
_BARE = re.compile(
    r"^(\d+(?:\.\d+)?)\s*(hours?|hrs?|h|business\s+days?|working\s+days?|calendar\s+days?|days?|d)?$"
)
_RANGE = re.compile(r"\d\s*(?:and|to|or|-|–)\s*\d")
_SAME_BUSINESS_DAY = re.compile(r"\b(?:same|next|following)\s+business\s+day\b")
_UNSTATED_WORDS = {"unstated", "not stated", "none stated", "no number"}
_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|forty-five|fifty|sixty|seventy|ninety|hundred)\b"
)
_HELP = (
    "expects a number of days, e.g. 10, '72 hours', '5 business days', "
    "'unstated' (or wording without a number, e.g. 'without unreasonable delay'), or "
    '{"value": 5, "unit": "business_days", "trigger": "discovery", "quote": "…"}'
)


def business_days_to_calendar(n: int) -> int:
    """Worst-case calendar days for n business days (5 business days → 7 calendar days)."""
    weeks, rest = divmod(n, 5)
    return weeks * 7 + (rest + 2 if rest else 0)


def calendar_days(value: float, unit: Unit) -> int:
    """Whole calendar days, rounded up: hours → ceil(h / 24); business days → the worst case
    (a partial business day counts as a whole one)."""
    if unit == Unit.HOURS:
        return math.ceil(value / 24)
    if unit == Unit.BUSINESS_DAYS:
        return business_days_to_calendar(math.ceil(value))
    return math.ceil(value)


def _number(value: Any, what: str = "value") -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DeadlineError(f"{what} must be a number ≥ 0")
    if value < 0:
        raise DeadlineError(f"{what} must be a finite number ≥ 0")
    if value > MAX_VALUE:  # before isfinite: a 400-digit int overflows a float
        raise DeadlineError(f"{what} must be at most {MAX_VALUE}")
    if not math.isfinite(value):
        raise DeadlineError(f"{what} must be a finite number ≥ 0")
    return int(value) if float(value).is_integer() else float(value)


def _trigger_in(text: str) -> Trigger:
    if "confirm" in text:
        return Trigger.CONFIRMATION
    if "discover" in text:
        return Trigger.DISCOVERY
    return Trigger.UNSPECIFIED


def _deadline(
    value: float | None,
    unit: Unit | None,
    trigger: Trigger,
    quote: str | None,
    unstated_days: int | None,
) -> dict[str, Any]:
    if value is None:
        if unstated_days is None:
            raise DeadlineError("a number of days is required")
        days, stated = unstated_days, False
    else:
        assert unit is not None
        days, stated = calendar_days(value, unit), True
    return {
        "days": days,
        "value": value,
        "unit": unit.value if unit is not None else None,
        "trigger": trigger.value,
        "quote": quote,
        "stated": stated,
    }


def _from_text(text: str, unstated_days: int | None) -> dict[str, Any]:
    plain = " ".join(text.strip().lower().split())
    if not plain:  # no answer is not "unstated" (see parse_deadline)
        raise DeadlineError(_HELP)
    if plain in _UNSTATED_WORDS:
        return _deadline(None, None, Trigger.UNSPECIFIED, None, unstated_days)
    if m := _BARE.match(plain):
        unit = _UNIT_ALIASES[" ".join(m.group(2).split())] if m.group(2) else Unit.CALENDAR_DAYS
        return _deadline(_number(float(m.group(1))), unit, Trigger.UNSPECIFIED, None, unstated_days)
    quote = " ".join(text.split())[:MAX_QUOTE]
    if not any(ch.isdigit() for ch in plain):
        if _SAME_BUSINESS_DAY.search(plain):
            # "the same business day" / "the next business day": one business day at most
            return _deadline(1, Unit.BUSINESS_DAYS, _trigger_in(plain), quote, unstated_days)
        if _NUMBER_WORDS.search(plain):
            raise DeadlineError(
                "write the number in digits, e.g. '10 days' or 'ten (10) days' "
                "(a number in words is not read)"
            )
        # "without unreasonable delay", "promptly": no number, so the legal maximum
        return _deadline(None, None, _trigger_in(plain), quote, unstated_days)
    if _RANGE.search(plain):
        raise DeadlineError("give one number, the latest the clause allows (not a range)")
    found = [m for m in _NUMBER_UNIT.finditer(plain) if m.group(2)]
    if len(found) != 1:
        raise DeadlineError(_HELP)
    m = found[0]
    unit = _UNIT_ALIASES[" ".join(m.group(2).split())]
    return _deadline(_number(float(m.group(1))), unit, _trigger_in(plain), quote, unstated_days)


def _from_mapping(raw: Mapping[str, Any], unstated_days: int | None) -> dict[str, Any]:
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise DeadlineError(
            f"unknown field(s) {', '.join(sorted(map(str, unknown)))} "
            f"(fields: value, unit, trigger, quote, stated)"
        )
    trigger_raw = raw.get("trigger") or Trigger.UNSPECIFIED
    if trigger_raw not in tuple(Trigger):
        raise DeadlineError(f"trigger must be one of {', '.join(Trigger)}, not {trigger_raw!r}")
    quote = raw.get("quote")
    if quote is not None and not isinstance(quote, str):
        raise DeadlineError("quote must be text")
    if quote is not None and len(quote) > MAX_QUOTE:
        raise DeadlineError(f"quote must be at most {MAX_QUOTE} characters")
    quote = quote.strip() or None if quote is not None else None
    stated = raw.get("stated")
    if stated is not None and not isinstance(stated, bool):
        raise DeadlineError("stated must be true or false")
    value = raw.get("value")
    if value is None and stated is None:
        raise DeadlineError(
            "give a value and a unit, or stated: false for a BAA that states no deadline"
        )
    if value is None and stated is True:
        raise DeadlineError("a stated deadline needs a value and a unit")
    if value is None or stated is False:
        if value is not None:
            raise DeadlineError("an unstated deadline has no value")
        if raw.get("unit") is not None:
            raise DeadlineError("an unstated deadline has no unit")
        out = _deadline(None, None, Trigger(trigger_raw), quote, unstated_days)
    else:
        unit_raw = raw.get("unit")
        if unit_raw is None:
            raise DeadlineError(f"unit is required with a value ({', '.join(Unit)})")
        unit = _UNIT_ALIASES.get(unit_raw) if isinstance(unit_raw, str) else None
        if unit is None:
            raise DeadlineError(f"unit must be one of {', '.join(Unit)}, not {unit_raw!r}")
        out = _deadline(_number(value), unit, Trigger(trigger_raw), quote, unstated_days)
    if "days" in raw and raw["days"] != out["days"]:
        raise DeadlineError(
            f"days is computed from value and unit ({out['days']}), not {raw['days']!r}"
        )
    return out


def parse_deadline(value: Any, unstated_days: int | None = None) -> dict[str, Any]:
    """Any accepted form → the stored form (see the module docstring). Raises DeadlineError."""
    if value is None:
        # No answer is not "unstated": that takes words ("unstated", "without unreasonable
        # delay") or `stated: false`, so a client's missing field never earns credit.
        raise DeadlineError(_HELP)
    if isinstance(value, Mapping):
        return _from_mapping(value, unstated_days)
    if isinstance(value, str):
        return _from_text(value, unstated_days)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DeadlineError(_HELP)
    return _deadline(_number(value, "days"), Unit.CALENDAR_DAYS, Trigger.UNSPECIFIED, None, None)


def days_of(value: Any) -> int:
    """The calendar days a stored answer counts for: a plain int (stored before answers kept
    their words) or the structured form's `days`."""
    if isinstance(value, Mapping):
        return int(value["days"])
    return int(value)


def _num(v: float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def describe(value: Any) -> str:
    """A stored deadline in words: '5 business days (7 calendar days at worst) from discovery',
    'unstated (60-day legal maximum)', '10 calendar days' for an old plain int."""
    if not isinstance(value, Mapping):
        n = int(value)
        return f"{n} calendar day{'s' * (n != 1)}"
    if not value.get("stated", True):
        text = f"unstated ({value['days']}-day legal maximum)"
    else:
        unit = Unit(value["unit"])
        one, many = UNIT_WORDS[unit]
        amount = value["value"]
        text = f"{_num(amount)} {one if amount == 1 else many}"
        if unit == Unit.BUSINESS_DAYS:
            text += f" ({value['days']} calendar days at worst)"
        elif unit == Unit.HOURS:
            text += f" ({value['days']} calendar day{'s' * (value['days'] != 1)}, rounded up)"
    trigger = value.get("trigger", Trigger.UNSPECIFIED)
    if trigger == Trigger.DISCOVERY:
        text += " from discovery"
    elif trigger == Trigger.CONFIRMATION:
        text += " from the vendor's confirmation"
    return text
