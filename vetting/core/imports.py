"""The rules of bulk imports (apps, vendors, BAAs from spreadsheets), as pure functions.

How a cell becomes a value: dates (real date cells, Excel serial numbers, text dates in the
common formats), auto-renew words, platforms, names and store IDs; and how rows of one file
are told apart (the keys that find duplicates). No pandas, no database: the service reads the
file and writes the rows; this module only decides. docs/rules.md, "Bulk imports", states
each rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from vetting.core.store_ids import ANDROID_PACKAGE_RE, IOS_BUNDLE_RE, Platform


class ImportKind(StrEnum):
    APPS = "apps"
    VENDORS = "vendors"
    BAAS = "baas"


class Outcome(StrEnum):
    """What an import does (or, in a dry run, would do) with one row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # a row the import does not apply to (a Windows app in an inventory)
    REFUSED = "refused"


class DateOrder(StrEnum):
    """How to read an all-numeric text date such as 03/04/2026 whose day and month are
    both ≤ 12: refused unless the importer says which order the sheet uses."""

    DMY = "dmy"
    MDY = "mdy"


class CellError(ValueError):
    """A cell that cannot be read: the reason, for a person."""


def blank(value: Any) -> bool:
    """Whether a cell holds nothing: None, NaN (pandas' empty cell) or only whitespace."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, str) and not value.strip()


def text_of(value: Any) -> str | None:
    """A text cell trimmed, or None when blank. Numbers written as numbers are refused where
    text is expected by the caller (see `store_id_of`); here they become their plain text."""
    if blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- dates -----------------------------------------------------------------------------------

# Excel's 1900 date system counts 1900-02-29, a day that never was (Lotus 1-2-3's leap-year
# bug): serial 60 is that day, serials 1–59 are 1900-01-01 … 1900-02-28 and from 61 on each
# serial is one more than the true day count from 1899-12-31.
_EXCEL_BEFORE_BUG = date(1899, 12, 31)
_EXCEL_AFTER_BUG = date(1899, 12, 30)
EXCEL_FAKE_LEAP_DAY = 60
MAX_SERIAL = 2_958_465  # 9999-12-31

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?$")
_YMD_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]+)\.?,?[\s\-]+(\d{2,4})$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?[\s\-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s\-]+(\d{2,4})$")

DATE_FORMATS = (
    "2026-03-31, 2026/03/31, 31 Mar 2026, 31-Mar-2026, March 31, 2026, "
    "31/03/2026 or 03/31/2026 (see date order), or a date cell"
)


def excel_serial_date(serial: float) -> date:
    """The day an Excel (1900 date system) serial number stands for; a time of day in the
    fraction is dropped. Serial 60 (the 1900-02-29 that never was) and serials outside
    1 … 9999-12-31 are refused."""
    if not math.isfinite(serial) or not 1 <= serial < MAX_SERIAL + 1:
        raise CellError(f"{serial:g} is not a date serial Excel writes (1 … {MAX_SERIAL})")
    whole = int(serial)
    if whole < 1 or whole > MAX_SERIAL:
        raise CellError(f"{serial:g} is not a date serial Excel writes (1 … {MAX_SERIAL})")
    if whole == EXCEL_FAKE_LEAP_DAY:
        raise CellError(
            "serial 60 is 1900-02-29, a day that does not exist (Excel's leap-year bug); "
            "type the date"
        )
    if whole < EXCEL_FAKE_LEAP_DAY:
        return _EXCEL_BEFORE_BUG + timedelta(days=whole)
    return _EXCEL_AFTER_BUG + timedelta(days=whole)


def _year(text: str) -> int:
    if len(text) != 4:
        raise CellError("write the year with four digits (a two-digit year is ambiguous)")
    return int(text)


def _day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"{year:04d}-{month:02d}-{day:02d} is not a day of the calendar") from None


def _month(name: str) -> int:
    number = _MONTHS.get(name.lower())
    if number is None:
        raise CellError(f"{name!r} is not a month")
    return number


def parse_date(value: Any, order: DateOrder | None = None) -> date | None:
    """A cell's date, or None when blank. A CellError says why a cell is not a date.

    Date cells are taken as they are (a time of midnight is dropped; another time is refused:
    an agreement's day has no time); numbers are Excel serials; text must be one of
    `DATE_FORMATS`. An all-numeric text date whose day and month could be swapped (03/04/2026)
    needs `order`; one that cannot (31/03/2026) is read by the only order that makes a day.
    Two-digit years are refused."""
    if blank(value):
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellError("the cell holds a date and a time; give only the date")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("a true/false cell is not a date")
    if isinstance(value, int | float):
        return excel_serial_date(value)
    text = str(value).strip()
    if m := _ISO.match(text) or _YMD_SLASH.match(text):
        return _day(int(m[1]), int(m[2]), int(m[3]))
    if m := _DAY_MONTH_YEAR.match(text):
        return _day(_year(m[3]), _month(m[2]), int(m[1]))
    if m := _MONTH_DAY_YEAR.match(text):
        return _day(_year(m[3]), _month(m[1]), int(m[2]))
    if m := _NUMERIC.match(text):
        first, second, year = int(m[1]), int(m[2]), _year(m[3])
        if order is None:
            if first > 12 >= second:
                order = DateOrder.DMY
            elif second > 12 >= first:
                order = DateOrder.MDY
            elif first == second:
                order = DateOrder.DMY
            else:
                raise CellError(
                    f"{text!r} could be day/month or month/day; write it as YYYY-MM-DD or "
                    "say the sheet's date order (dmy or mdy)"
                )
        if order == DateOrder.DMY:
            return _day(year, second, first)
        return _day(year, first, second)
    raise CellError(f"{text!r} is not a date; write it as {DATE_FORMATS}")


# --- words -----------------------------------------------------------------------------------

# Words legal's sheets use for "renews by itself" and "does not". "Evergreen" is a yes with a
# term end, and no term end at all without one (see `renewal_of`).
RENEWS_WORDS = frozenset(
    {"yes", "y", "true", "1", "x", "auto", "automatic", "automatically", "auto-renew",
     "auto renew", "auto-renews", "auto renews", "autorenew", "renews", "evergreen"}
)  # fmt: skip
FIXED_WORDS = frozenset(
    {"no", "n", "false", "0", "manual", "fixed", "fixed term", "does not renew", "none", "-"}
)


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return " ".join(str(text_of(value) or "").lower().split())


def auto_renews_of(value: Any) -> bool | None:
    """Whether a cell says the agreement renews by itself; None when blank."""
    if blank(value):
        return None
    word = _word(value)
    if word in RENEWS_WORDS:
        return True
    if word in FIXED_WORDS:
        return False
    raise CellError(
        f"{text_of(value)!r} is not a renewal word: use yes, auto, automatic or evergreen "
        "for an agreement that renews itself, no or fixed for one that does not"
    )


def is_evergreen_word(value: Any) -> bool:
    return not blank(value) and _word(value) == "evergreen"


_PLATFORMS = {
    Platform.IOS: {"ios", "ipados", "ios/ipados", "iphone", "ipad", "iphone/ipad", "apple",
                   "app store", "apple app store", "appstore"},
    Platform.ANDROID: {"android", "android enterprise", "androidenterprise", "google play",
                       "play store", "google play store", "androidforwork", "android for work",
                       "aosp"},
    Platform.WEB: {"web", "web app", "webapp", "web link", "weblink", "website", "browser"},
}  # fmt: skip
PLATFORM_WORDS = {word: platform for platform, words in _PLATFORMS.items() for word in words}
# Platforms an MDM inventory lists that this service does not vet: their rows are skipped.
OTHER_PLATFORMS = frozenset(
    {"windows", "windows 10", "windows10", "windowsphone", "windows phone", "macos", "mac",
     "mac os", "os x", "macosx", "chromeos", "chrome os", "linux", "tvos", "watchos", "visionos"}
)  # fmt: skip


class OtherPlatform(CellError):
    """A platform the service does not vet (the row is skipped, not refused)."""


def platform_of(value: Any) -> Platform:
    """The platform a cell names, case and spacing aside ("iOS/iPadOS", "Android Enterprise",
    "Google Play"…); OtherPlatform for Windows, macOS and the like; CellError otherwise."""
    if blank(value):
        raise CellError("the platform is missing (ios, android or web)")
    word = _word(value)
    if word in PLATFORM_WORDS:
        return PLATFORM_WORDS[word]
    if word in OTHER_PLATFORMS:
        raise OtherPlatform(f"{text_of(value)} apps are not vetted here")
    raise CellError(f"{text_of(value)!r} is not a platform: use ios, android or web")


def store_id_of(value: Any, platform: Platform) -> str | None:
    """A store ID as written (leading zeros and case kept), or None for a web app or a blank.
    A number cell is refused: the spreadsheet has already turned text into a number and may
    have dropped leading zeros or digits."""
    if blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            "the store ID is a number cell (leading zeros may be lost): format the column as "
            "text and type it again"
        )
    text = str(value).strip()
    if platform == Platform.IOS and not IOS_BUNDLE_RE.match(text):
        raise CellError(f"{text!r} is not an iOS bundle ID (it looks like com.example.app)")
    if platform == Platform.ANDROID and not ANDROID_PACKAGE_RE.match(text):
        raise CellError(f"{text!r} is not an Android package name (like com.example.app)")
    if platform == Platform.WEB:
        raise CellError("a web app has no store ID; leave it blank")
    return text


def name_key(name: str) -> str:
    """Two names are the same vendor when this is equal: case and spacing aside."""
    return " ".join(name.casefold().split())


def app_key(platform: Platform | str, store_id: str) -> tuple[str, str]:
    """Two rows are the same app when this is equal. Bundle IDs and package names are matched
    without regard to case: the stores refuse two apps whose IDs differ only in case, so a
    difference in case is a typing difference, not another app."""
    return (str(platform), store_id.casefold())


def whole_number(value: Any, low: int = 0, high: int = 3650) -> int | None:
    """A cell holding a whole number in [low, high] ("12", 12, 12.0), or None when blank."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("expected a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"{value:g} is not a whole number")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"\d+", text):
            raise CellError(f"{text!r} is not a whole number")
        value = int(text)
    if not isinstance(value, int) or not low <= value <= high:
        raise CellError(f"{value} is not a whole number from {low} to {high}")
    return value


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """Why one cell (or row) of the file is refused: where, and the reason."""

    row: int
    column: str | None
    reason: str


@dataclass
class RowReport:
    """One row's outcome: what it is (`label`), what happens to it and why."""

    row: int
    label: str
    outcome: Outcome
    changes: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    note: str | None = None


def counts(rows: list[RowReport]) -> dict[str, int]:
    """How many rows had each outcome (every outcome named, zero or not)."""
    found = {outcome.value: 0 for outcome in Outcome}
    for row in rows:
        found[row.outcome.value] += 1
    return found


def refused(rows: list[RowReport]) -> bool:
    """An import applies whole or not at all: any refused row refuses the file."""
    return any(row.outcome == Outcome.REFUSED for row in rows)


def header_key(header: Any) -> str:
    """A column header as headers are compared: case, spaces, underscores, hyphens and dots
    aside ("Bundle ID", "bundle_id" and "BundleId" are one header)."""
    if blank(header):
        return ""
    return re.sub(r"[\s_\-.]+", "", str(header)).casefold()


def find_columns(headers: list[Any], layout: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """For each field of `layout` (field → the headers accepted for it), the index of the
    first column whose header is one of them; fields without a column are left out."""
    keys = [header_key(h) for h in headers]
    found: dict[str, int] = {}
    for name, accepted in layout.items():
        wanted = {header_key(a) for a in accepted}
        for index, key in enumerate(keys):
            if key in wanted:
                found[name] = index
                break
    return found
