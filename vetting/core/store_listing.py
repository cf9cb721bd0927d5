"""What a store listing tells a reviewer, as pure rules: whether the store's seller is the
vendor (names compared without case, punctuation or legal suffixes), whether the store ID
still points at the app we think it does, and which declared data-safety practice proposes
an answer to which checklist capability. Nothing here fetches or stores anything."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ListingStatus(StrEnum):
    """Where the last successful lookup left an app's listing."""

    FOUND = "found"
    NOT_IN_STORE = "not_in_store"
    UNKNOWN = "unknown"  # never looked up successfully (only errors so far)


STORE_PLATFORMS = ("ios", "android")


def lookup_problem(platform: str, store_id: str | None) -> str | None:
    """Why an app cannot be looked up in a store (None: it can)."""
    if platform not in STORE_PLATFORMS:
        return f"a {platform} app has no store listing to look up"
    if not store_id:
        return "the app has no store ID (bundle ID or package name) to look up"
    return None


class StoreFlag(StrEnum):
    """Something a reviewer should look at; a flag never fails a lookup."""

    NOT_IN_STORE = "not_in_store"
    SELLER_MISMATCH = "seller_mismatch"
    NAME_MISMATCH = "name_mismatch"


# Legal-form words dropped from the end of a company name before comparing ("Apple Inc." is
# "Apple"); dots are removed first, so "L.L.C." is "llc" and "S.A." is "sa".
LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "gmbh", "corp",
        "corporation", "co", "company", "plc", "pllc", "pc", "sa", "ag", "bv", "nv", "pty",
        "pvt", "private", "oy", "ab", "as", "srl", "sarl", "sas", "spa", "kk", "kg", "se",
        "ug", "mbh",
    }
)  # fmt: skip
_SUBTITLE = re.compile(r"\s(?:-|–|—|\|)\s|:\s")


def _words(name: str) -> list[str]:
    """Lower-case words without accents or punctuation; "&" is "and"; dots and apostrophes
    join ("L.L.C." → "llc", "O'Brien" → "obrien"), other punctuation separates."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"[.'’`]", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return text.split()


def company_key(name: str) -> str:
    """A company name reduced for comparison: "Acme Health, L.L.C." and "ACME Health LLC" are
    both "acme health". Legal suffixes come off the end (several: "Pty Ltd"), never the
    whole name ("Co" stays "co")."""
    words = _words(name)
    stripped = False
    # "GmbH & Co. KG": the "and" joining two legal forms goes with them.
    while len(words) > 1 and (words[-1] in LEGAL_SUFFIXES or (stripped and words[-1] == "and")):
        words.pop()
        stripped = True
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


def same_company(a: str | None, b: str | None) -> bool:
    """True when both name the same company after `company_key`. Sharing a word is not
    enough: "Acme Health" is not "Acme Software"."""
    if not a or not b:
        return False
    ka, kb = company_key(a), company_key(b)
    return bool(ka) and ka == kb


def _name_forms(name: str, prefixes: Iterable[str]) -> set[str]:
    """The ways an app name may be written: whole, without a subtitle ("Acme Photo: Secure
    Capture" → "Acme Photo"), and either without a leading company name ("Microsoft
    Teams" → "Teams")."""
    forms: set[str] = set()
    heads = [name, _SUBTITLE.split(name, maxsplit=1)[0]]
    for head in heads:
        words = _words(head)
        if not words:
            continue
        forms.add(" ".join(words))
        for prefix in prefixes:
            lead = company_key(prefix).split()
            if lead and words[: len(lead)] == lead and len(words) > len(lead):
                forms.add(" ".join(words[len(lead) :]))
    return forms


def same_app_name(stored: str, title: str | None, companies: Sequence[str | None] = ()) -> bool:
    """True when the store's title names the app we keep as `stored`: the same words once
    case, punctuation, a subtitle after ":" or " - ", and a leading vendor or developer name
    are set aside. A different app ("Acme Photo" vs "Acme Messenger") is not."""
    if not title:
        return False
    names = [c for c in companies if c]
    return bool(_name_forms(stored, names) & _name_forms(title, names))


@dataclass(frozen=True)
class Flag:
    code: StoreFlag
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}


def flags(
    *,
    found: bool,
    store_label: str,
    vendor_name: str,
    seller_name: str | None,
    app_name: str,
    title: str | None,
    developer_name: str | None = None,
) -> list[Flag]:
    """The flags one lookup raises. Not in the store: that flag alone (nothing else to
    compare). Otherwise the seller against the vendor, and the title against the app's name."""
    if not found:
        why = f"not found in {store_label}: removed, or never there"
        return [Flag(StoreFlag.NOT_IN_STORE, why)]
    out: list[Flag] = []
    if seller_name and not same_company(seller_name, vendor_name):
        out.append(
            Flag(
                StoreFlag.SELLER_MISMATCH,
                f"the store's seller {seller_name!r} is not the vendor {vendor_name!r}",
            )
        )
    if title and not same_app_name(app_name, title, (vendor_name, seller_name, developer_name)):
        out.append(
            Flag(
                StoreFlag.NAME_MISMATCH,
                f"the store ID points to {title!r}, not {app_name!r}",
            )
        )
    return out


# --- data-safety practices → answer suggestions ------------------------------------------------

ENCRYPTED_IN_TRANSIT = "Data is encrypted in transit"
NOT_ENCRYPTED = "Data isn't encrypted"
DELETION_REQUEST = "You can request that data be deleted"
NO_DELETION = "Data can't be deleted"
NO_DATA_SHARED = "No data shared with third parties"
NO_DATA_COLLECTED = "No data collected"
INDEPENDENT_REVIEW = "Independent security review"

# Only practices a checklist capability asks about propose an answer. Deletion on request and
# an independent review are shown on the listing only: no shipped capability asks exactly that
# (retention is the customer's setting; an attestation or MASVS test has a kind and a date).
PRACTICE_ANSWERS: dict[str, tuple[str, Any]] = {
    ENCRYPTED_IN_TRANSIT: ("tls_in_transit", True),
    NOT_ENCRYPTED: ("tls_in_transit", False),
}


def practice_key(label: str) -> str:
    """A practice label compared without case, curly apostrophes or spacing."""
    return " ".join(label.replace("’", "'").casefold().split())


_ANSWERS = {practice_key(k): v for k, v in PRACTICE_ANSWERS.items()}


@dataclass(frozen=True)
class ProposedAnswer:
    capability_key: str
    value: Any
    label: str
    description: str | None


def proposed_answers(practices: Iterable[tuple[str, str | None]]) -> list[ProposedAnswer]:
    """The answers the declared practices (label, description) propose, one per capability
    (the first practice wins; contradicting labels for one capability propose nothing)."""
    found: dict[str, ProposedAnswer] = {}
    contradicted: set[str] = set()
    for label, description in practices:
        hit = _ANSWERS.get(practice_key(label))
        if hit is None:
            continue
        key, value = hit
        if key in found and found[key].value != value:
            contradicted.add(key)
        found.setdefault(key, ProposedAnswer(key, value, label, description))
    return [p for k, p in found.items() if k not in contradicted]
