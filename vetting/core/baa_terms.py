"""What a signed BAA's text says: the breach-notification deadline, the security-incident
deadline when it is separate, subcontractor flow-down, return or destruction at termination,
term and renewal, termination for cause, the other required provisions (45 CFR
164.504(e)(2)), concrete effective and expiration dates, and the parties — each with the
sentence it was read from.

Pure (text in, `Terms` out). Precision over recall: a term is reported only when a sentence
says it in a form read with confidence; anything else is left for legal to read. The rules
(docs/rules.md, "BAA terms read from the signed document"):

- A deadline is a number (digits, words or both: "five (5)", "seventy-two (72)") with a unit
  (hours, days, calendar days, business or working days; "the same / next business day" is
  one business day) after a qualifier ("within", "no later than", "not more than"…), in a
  clause whose verb is notify / report / give notice. Numbers with other units ("retain for
  six (6) years") or after another verb in the same sentence ("terminate upon thirty (30)
  days' notice") are not deadlines. A follow-up report ("a written report… within 30 days")
  is not the notification deadline.
- The event is a breach of unsecured PHI (never a "material breach" of the agreement), a
  security incident, or a use or disclosure the agreement does not permit; a sentence that
  names none but refers back ("Such notice shall…") takes the previous sentence's events.
- Direction: a deadline for subcontractors or agents reporting to the business associate,
  or for anyone notifying the business associate, individuals, the Secretary or the media, is
  not the business associate's deadline to the covered entity, and never conflicts with it.
- A breach-notification clause with no number ("without unreasonable delay", "as required by
  164.410") is `unstated`: the 60-day maximum of 45 CFR 164.410(b); a stated number
  elsewhere in the document wins over it (it is the limit the general clause leaves open).
- Two different durations for the same event in the same direction are a conflict, listed
  with both quotes; the suggestion keeps the longer (the worst case) and says so.
- Days are worst-case calendar days (vetting/core/deadlines.py: 72 hours → 3, 5 business
  days → 7); value, unit, trigger and quote are kept as written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from vetting.core.deadlines import Trigger, Unit, calendar_days

LEGAL_MAX_DAYS = 60  # 45 CFR 164.410(b)
MAX_QUOTE = 600  # a quote longer than this is cut at a word (the register keeps 2,000)

BA_TO_CE = "business_associate_to_covered_entity"
SUB_TO_BA = "subcontractor_to_business_associate"
CE_TO_BA = "covered_entity_to_business_associate"
TO_OTHERS = "to_individuals_or_authorities"

BREACH = "breach"
SECURITY_INCIDENT = "security_incident"
NON_PERMITTED = "non_permitted_use"
EVENT_FIELDS = {
    BREACH: "breach_notification",
    SECURITY_INCIDENT: "security_incident_notification",
    NON_PERMITTED: "non_permitted_use_notification",
}

# --- numbers ----------------------------------------------------------------------------------

_SMALL = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD = "|".join(sorted([*_SMALL, *_TENS], key=len, reverse=True))
_WORDS = rf"(?:{_WORD})(?:[\s-]+(?:{_WORD}))?(?:\s+hundred(?:\s+(?:and\s+)?(?:{_WORD}))?)?"
_UNIT = r"(?P<unit>calendar\s+days?|business\s+days?|working\s+days?|days?|hours?|hrs?)"
# "five (5) business days", "5 business days", "five business days", "seventy-two (72) hours"
_AMOUNT = re.compile(
    rf"\b(?:(?P<words>{_WORDS})\s*\(\s*(?P<paren>\d{{1,4}})\s*\)|(?P<digits>\d{{1,4}})(?![.\d])"
    rf"|(?P<alone>{_WORDS}))\s*(?:-\s*)?{_UNIT}(?:['’]s?)?(?![a-z])",
    re.IGNORECASE,
)
_SAME_DAY = re.compile(r"\b(?:the\s+)?(?P<which>same|next|following)\s+business\s+day\b", re.I)
_QUALIFIER = re.compile(
    r"(?:without\s+un?reasonable\s+delay(?:\s+and)?\s*(?:,\s*)?(?:in\s+(?:no|any)\s+(?:event|case)\s+)?"
    r"(?:no|not)\s+later\s+than|in\s+(?:no|any)\s+(?:event|case)\s+(?:no\s+|not\s+)?(?:later|more)\s+than"
    r"|(?:no|not)\s+later\s+than|(?:no|not)\s+more\s+than|not\s+to\s+exceed|within|by\s+the\s+end\s+of"
    r"|at\s+(?:the\s+)?latest|later\s+than|on)\s*(?:\(\s*)?$",
    re.IGNORECASE,
)
_QUALIFIER_WORDS = re.compile(
    r"without\s+un?reasonable\s+delay|in\s+(?:no|any)\s+(?:event|case)\s+(?:later|more)\s+than"
    r"|(?:no|not)\s+later\s+than|(?:no|not)\s+more\s+than|not\s+to\s+exceed|within|immediately"
    r"|promptly|as\s+soon\s+as\s+(?:reasonably\s+)?(?:practicable|possible)",
    re.IGNORECASE,
)


def number_in_words(text: str) -> int | None:
    """'seventy-two' → 72, 'one hundred and twenty' → 120; None when it is not a number."""
    total = 0
    current = 0
    seen = False
    for word in re.split(r"[\s-]+", text.lower().strip()):
        if not word or word == "and":
            continue
        if word in _SMALL:
            current += _SMALL[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            return None
        seen = True
    total += current
    return total if seen else None


def _unit_of(text: str) -> Unit:
    t = text.lower()
    if t.startswith(("business", "working")):
        return Unit.BUSINESS_DAYS
    if t.startswith(("hour", "hr")):
        return Unit.HOURS
    return Unit.CALENDAR_DAYS


# --- sentences --------------------------------------------------------------------------------

_ABBREVIATIONS = (
    "c.f.r",
    "u.s.c",
    "u.s",
    "e.g",
    "i.e",
    "sec",
    "no",
    "inc",
    "corp",
    "co",
    "ltd",
    "llc",
    "art",
    "para",
    "pub",
    "l",
    "st",
    "mr",
    "ms",
    "dr",
    "vs",
    "etc",
)


def _clean(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\ufb01", "fi").replace("\ufb02", "fl")
    text = re.sub(r"[\u2010-\u2013\u2212]", "-", text)
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # a word hyphenated across a line
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int


def sentences(text: str) -> list[Sentence]:
    """The text's sentences in order, whitespace collapsed; paragraphs (blank lines, or a line
    starting with a section number) never run into each other."""
    out: list[Sentence] = []
    paragraphs = re.split(
        r"\n\s*\n|\n(?=\s*(?:[0-9]+(?:\.[0-9]+)*\.?|\([a-z0-9]+\)|[A-Z]\.)\s+[A-Z])", text
    )
    for number, para in enumerate(paragraphs):
        flat = " ".join(para.split())
        if not flat:
            continue
        start = 0
        for m in re.finditer(r"[.!?][\"”’)]*\s+(?=[\"“(]?[A-Z0-9])", flat):
            before = flat[start : m.start()].rsplit(" ", 1)[-1].lower().rstrip(".")
            if before in _ABBREVIATIONS or re.fullmatch(r"\(?(?:\d{1,2}|[a-z]|[ivx]+)\)?", before):
                continue  # "45 C.F.R. 164.410", "Section 4.", "(a)."
            out.append(Sentence(flat[start : m.end()].strip(), number))
            start = m.end()
        if flat[start:].strip():
            out.append(Sentence(flat[start:].strip(), number))
    return out


def _quote(text: str) -> str:
    if len(text) <= MAX_QUOTE:
        return text
    return text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"


# --- events, verbs, direction -----------------------------------------------------------------

_BREACH_WORD = re.compile(r"\bbreach(?:es|ed)?\b", re.IGNORECASE)
_NOT_PHI_BREACH_BEFORE = re.compile(
    r"(?:material(?:ly)?|party|associate|entity|it|who|which|has|have|any\s+such\s+party)\s*$",
    re.IGNORECASE,
)
_NOT_PHI_BREACH_AFTER = re.compile(
    r"^\s*(?:of\s+(?:this|the|its|any|a|such)\s+(?:material\s+)?"
    r"(?:agreement|baa|contract|term|terms|obligation|obligations|covenant|representation|"
    r"warrant|provision|duty|duties)|of\s+(?:a\s+)?material|this\s+agreement|the\s+agreement|"
    r"any\s+(?:of\s+)?(?:its\s+)?(?:obligation|term|provision)|its\s+obligations)",
    re.IGNORECASE,
)
_SECURITY_INCIDENT = re.compile(r"\bsecurity\s+incidents?\b", re.IGNORECASE)
_NON_PERMITTED = re.compile(
    r"\b(?:uses?|disclosures?)\b[^.;]{0,80}?\bnot\s+(?:permitted|provided\s+for|allowed|"
    r"authori[sz]ed)\b|\bnon-?permitted\b|\bunauthori[sz]ed\s+(?:use|disclosure|access)",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    r"\b(?:such|the|this|any|all|each|initial)\s+(?:notice|notification|report)s?\b",
    re.IGNORECASE,
)
_NOTIFY = re.compile(
    r"\b(?:notif(?:y|ies|ied|ying|ication)|reports?|reported|reporting|(?:give|giving|provide|"
    r"providing)\s+(?:written\s+)?notice|notice\s+(?:shall|will|must)|inform(?:s|ed)?|alert)\b",
    re.IGNORECASE,
)
_OTHER_VERB = re.compile(
    r"\b(?:retain|retention|cure|cured|terminat\w*|return|destroy|destruction|respond|amend\w*"
    r"|make\s+available|access|accounting|renew\w*|expire\w*|pay|invoice|mitigat\w*|cooperat\w*"
    r"|investigat\w*|remediat\w*|maintain\w*|document\w*)\b",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"\b(?:written\s+report|detailed\s+report|full\s+report|final\s+report|supplement\w*"
    r"|follow[-\s]?up|additional\s+information|update[sd]?|information\s+(?:required|described)"
    r"|the\s+information|results?\s+of)\b",
    re.IGNORECASE,
)
_SUBCONTRACTOR = re.compile(
    r"\b(?:subcontractors?|sub-contractors?|agents?|subprocessors?)\b", re.I
)
_BA = re.compile(r"\bbusiness\s+associates?\b", re.IGNORECASE)
_CE = re.compile(r"\bcovered\s+entit(?:y|ies)\b", re.IGNORECASE)
_OTHERS = re.compile(
    r"\b(?:affected\s+)?individuals?\b|\bthe\s+secretary\b|\bmedia\b|\bhhs\b|\bconsumer\s+reporting",
    re.IGNORECASE,
)
_TRIGGERS: tuple[tuple[re.Pattern[str], Trigger], ...] = (
    (
        re.compile(
            r"\b(?:determin\w*|confirm\w*|conclud\w*|verif\w*|completion\s+of\s+(?:its|the)\s+"
            r"investigation)\b",
            re.I,
        ),
        Trigger.CONFIRMATION,
    ),
    (
        re.compile(
            r"\b(?:discover\w*|learn(?:s|ed|ing)?\s+of|(?:becom\w*|became)\s+aware|awareness"
            r"|knowledge|know(?:s|n)?\s+of)\b",
            re.I,
        ),
        Trigger.DISCOVERY,
    ),
)


@dataclass(frozen=True)
class Roles:
    """How the document names each side (defined labels such as "Vendor" included)."""

    business_associate: re.Pattern[str] = _BA
    covered_entity: re.Pattern[str] = _CE


_ANY_EVENT = re.compile(
    r"breach|security\s+incident|permitted|provided\s+for|allowed|authori", re.I
)


def _events(text: str) -> set[str]:
    found: set[str] = set()
    if not _ANY_EVENT.search(text.lower()):  # lowered: a case-sensitive scan is faster
        return found
    for m in _BREACH_WORD.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        after = text[m.end() : m.end() + 60]
        if _NOT_PHI_BREACH_BEFORE.search(before) or _NOT_PHI_BREACH_AFTER.search(after):
            continue
        found.add(BREACH)
    if _SECURITY_INCIDENT.search(text):
        found.add(SECURITY_INCIDENT)
    if _NON_PERMITTED.search(text):
        found.add(NON_PERMITTED)
    return found


def _direction(left: str, right: str, roles: Roles) -> str:
    """Who notifies whom, from the clause up to the deadline (`left`) and after it."""
    clause = left + " " + right
    verbs = list(_NOTIFY.finditer(left)) or list(_NOTIFY.finditer(clause))
    verb_at = verbs[-1].start() if verbs else len(left)
    subject = left[:verb_at] if verbs and verbs[-1].start() < len(left) else left
    after = (left[verb_at:] + " " + right)[:160] if verbs else right[:160]
    recipient = re.match(
        r"^\S*\s+(?:(?:in\s+writing|promptly|immediately|to|the)\s+)*(?P<who>[^,;]{0,60})",
        after,
        re.I,
    )
    who = recipient.group("who") if recipient else ""
    subject_tail = subject[-160:]
    if _SUBCONTRACTOR.search(subject_tail) and (
        re.search(r"\b(?:require|ensure|cause|obligat\w*|bind|agree\w*)\b", subject_tail, re.I)
        or not roles.business_associate.search(subject_tail)
    ):
        return SUB_TO_BA
    if roles.business_associate.match(who.strip()) or re.match(
        r"^\s*(?:the\s+)?business\s+associate", who, re.I
    ):
        if _CE.search(subject_tail) or roles.covered_entity.search(subject_tail):
            return CE_TO_BA
        return SUB_TO_BA
    if _OTHERS.match(who.strip()):
        return TO_OTHERS
    if roles.covered_entity.search(subject_tail) and not roles.business_associate.search(
        subject_tail
    ):
        return CE_TO_BA
    return BA_TO_CE


def _trigger(right: str, left: str) -> tuple[Trigger, str | None]:
    """What starts the clock, read after the deadline first, then before it."""
    for text in (right[:140], left[-140:]):
        best: tuple[int, Trigger, str] | None = None
        for pattern, trig in _TRIGGERS:
            m = pattern.search(text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), trig, m.group(0))
        if best is not None:
            return best[1], best[2].lower()
    return Trigger.UNSPECIFIED, None


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A notification deadline as the document words it."""

    event: str
    direction: str
    value: float | None  # None: no number (unstated: the 60-day maximum)
    unit: str | None
    trigger: str
    trigger_words: str | None
    qualifier: str | None
    quote: str

    @property
    def unstated(self) -> bool:
        return self.value is None

    @property
    def days(self) -> int:
        if self.value is None or self.unit is None:
            return LEGAL_MAX_DAYS
        return calendar_days(self.value, Unit(self.unit))

    def same_duration(self, other: Deadline) -> bool:
        if self.unstated or other.unstated:
            return self.unstated == other.unstated
        if self.unit == other.unit:
            return self.value == other.value
        hours = {Unit.HOURS: 1, Unit.CALENDAR_DAYS: 24}
        if self.unit in hours and other.unit in hours:
            assert self.value is not None and other.value is not None
            return self.value * hours[Unit(self.unit)] == other.value * hours[Unit(other.unit)]
        return False

    def as_json(self) -> dict[str, Any]:
        value: float | int | None = self.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return {
            "days": self.days,
            "value": value,
            "unit": self.unit,
            "trigger": self.trigger,
            "trigger_words": self.trigger_words,
            "qualifier": self.qualifier,
            "direction": self.direction,
            "unstated": self.unstated,
            "quote": self.quote,
        }

    def clause(self) -> dict[str, Any]:
        """The register's breach clause (vetting/core/breach.py parse_clause input)."""
        if self.value is None:
            return {"stated": False, "trigger": self.trigger, "quote": self.quote[:2000]}
        return {
            "value": int(self.value) if float(self.value).is_integer() else self.value,
            "unit": self.unit,
            "trigger": self.trigger,
            "quote": self.quote[:2000],
        }


@dataclass(frozen=True)
class Found:
    present: bool
    quote: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"present": self.present, "quote": self.quote}


@dataclass(frozen=True)
class Party:
    name: str
    label: str
    role: str | None  # business_associate / covered_entity / None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "role": self.role}


@dataclass(frozen=True)
class Conflict:
    field: str
    quotes: tuple[str, ...]
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "quotes": list(self.quotes), "message": self.message}


@dataclass(frozen=True)
class DateFound:
    value: date
    quote: str


@dataclass
class Terms:
    """Everything read from one document (see the module docstring)."""

    breach_notification: Deadline | None = None
    security_incident_notification: Deadline | None = None
    non_permitted_use_notification: Deadline | None = None
    subcontractor_notification: Deadline | None = None
    subcontractor_flow_down: Found = field(default_factory=lambda: Found(False))
    return_or_destroy: Found = field(default_factory=lambda: Found(False))
    infeasibility_extension: Found = field(default_factory=lambda: Found(False))
    term: Found = field(default_factory=lambda: Found(False))
    auto_renews: bool | None = None
    termination_for_cause: Found = field(default_factory=lambda: Found(False))
    provisions: dict[str, Found] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    effective_date: DateFound | None = None
    expiration_date: DateFound | None = None
    parties: list[Party] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def deadline(d: Deadline | None) -> dict[str, Any] | None:
            return d.as_json() if d is not None else None

        def day(d: DateFound | None) -> str | None:
            return d.value.isoformat() if d is not None else None

        return {
            "breach_notification": deadline(self.breach_notification),
            "security_incident_notification": deadline(self.security_incident_notification),
            "non_permitted_use_notification": deadline(self.non_permitted_use_notification),
            "subcontractor_notification": deadline(self.subcontractor_notification),
            "subcontractor_flow_down": self.subcontractor_flow_down.as_json(),
            "return_or_destroy": {
                **self.return_or_destroy.as_json(),
                "infeasibility_extension": self.infeasibility_extension.as_json(),
            },
            "term": {**self.term.as_json(), "auto_renews": self.auto_renews},
            "termination_for_cause": self.termination_for_cause.as_json(),
            "provisions": {k: v.as_json() for k, v in self.provisions.items()},
            "conflicts": [c.as_json() for c in self.conflicts],
            "effective_date": day(self.effective_date),
            "effective_date_quote": self.effective_date.quote if self.effective_date else None,
            "expiration_date": day(self.expiration_date),
            "expiration_date_quote": self.expiration_date.quote if self.expiration_date else None,
            "parties": [p.as_json() for p in self.parties],
        }


# --- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Amount:
    start: int
    end: int
    value: int
    unit: Unit
    mismatch: bool  # "ten (15) days": words and digits disagree


def _amounts(text: str) -> list[_Amount]:
    out: list[_Amount] = []
    for m in _AMOUNT.finditer(text):
        unit = _unit_of(m.group("unit"))
        if m.group("paren"):
            value = int(m.group("paren"))
            said = number_in_words(m.group("words"))
            out.append(_Amount(m.start(), m.end(), value, unit, said is not None and said != value))
        elif m.group("digits"):
            out.append(_Amount(m.start(), m.end(), int(m.group("digits")), unit, False))
        else:
            said = number_in_words(m.group("alone"))
            if said is not None:
                out.append(_Amount(m.start(), m.end(), said, unit, False))
    for m in _SAME_DAY.finditer(text):
        if not any(a.start <= m.start() < a.end for a in out):
            out.append(_Amount(m.start(), m.end(), 1, Unit.BUSINESS_DAYS, False))
    return sorted(out, key=lambda a: a.start)


@dataclass(frozen=True)
class _Candidate:
    deadline: Deadline
    events: frozenset[str]
    mismatch: bool = False


def _clause_start(text: str, at: int) -> int:
    """Where the clause holding position `at` begins (after a ';' or a sentence start)."""
    cut = max(text.rfind(";", 0, at), text.rfind(":", 0, at))
    return cut + 1 if cut >= 0 else 0


def _deadlines_in(
    sentence: Sentence, inherited: set[str], roles: Roles
) -> tuple[list[_Candidate], set[str]]:
    """The notification deadlines one sentence states, and the events it names."""
    text = sentence.text
    events_here = _events(text)
    events = events_here or (inherited if _REFERS_BACK.search(text) else set())
    out: list[_Candidate] = []
    if not events or not _NOTIFY.search(text):
        return out, events_here
    previous_end = 0
    stated_any = False
    for a in _amounts(text):
        start = max(previous_end, _clause_start(text, a.start))
        left = text[start : a.start]
        previous_end = a.end
        if a.unit == Unit.BUSINESS_DAYS and _SAME_DAY.match(text, a.start):
            qualified = True
        else:
            qualified = bool(_QUALIFIER.search(left[-70:]))
        if not qualified:
            continue
        verbs = [(m.start(), "notify") for m in _NOTIFY.finditer(left)] + [
            (m.start(), "other") for m in _OTHER_VERB.finditer(left)
        ]
        if not verbs and start > 0:
            # "…shall notify Covered Entity of a Breach, and in any event within 5 days": the
            # verb is in the clause before the qualifier's comma, not across a ';'.
            left_all = text[_clause_start(text, a.start) : a.start]
            verbs = [(m.start(), "notify") for m in _NOTIFY.finditer(left_all)]
        if not verbs:
            left_sentence = text[: a.start]
            verbs = [(m.start(), "notify") for m in _NOTIFY.finditer(left_sentence)] + [
                (m.start(), "other") for m in _OTHER_VERB.finditer(left_sentence)
            ]
        if not verbs or max(verbs)[1] != "notify":
            continue
        last_notify = max(v for v in verbs if v[1] == "notify")[0]
        if _FOLLOW_UP.search(left[max(0, last_notify - 20) :]) and stated_any:
            continue  # the written report that follows the first notice
        if _FOLLOW_UP.search(left) and re.search(
            r"\bwritten\s+report|detailed\s+report", left, re.I
        ):
            continue
        right_end = len(text)
        semicolon = text.find(";", a.end)
        if semicolon >= 0:
            right_end = semicolon
        right = text[a.end : right_end]
        local_events = _events(left) or _events(right) or events
        clause_left = text[_clause_start(text, a.start) : a.start]
        direction = _direction(clause_left or text[: a.start], right, roles)
        trigger, trigger_words = _trigger(right, clause_left)
        qm = None
        for qm_ in _QUALIFIER_WORDS.finditer(left):
            qm = qm_
        qualifier = " ".join(qm.group(0).lower().split()) if qm else None
        if _SAME_DAY.match(text, a.start):
            qualifier = " ".join(text[a.start : a.end].lower().split())
        out.append(
            _Candidate(
                Deadline(
                    event="",
                    direction=direction,
                    value=a.value,
                    unit=a.unit.value,
                    trigger=trigger.value,
                    trigger_words=trigger_words,
                    qualifier=qualifier,
                    quote=_quote(text),
                ),
                frozenset(local_events),
                a.mismatch,
            )
        )
        stated_any = True
    # A notification duty with no number: "without unreasonable delay", "as required by 45
    # C.F.R. 164.410", "promptly": no notification deadline was read in it.
    if not out and events_here:  # (a notify verb was checked above)
        direction = _direction(text, "", roles)
        trigger, trigger_words = _trigger(text, "")
        qm = _QUALIFIER_WORDS.search(text)
        out.append(
            _Candidate(
                Deadline(
                    event="",
                    direction=direction,
                    value=None,
                    unit=None,
                    trigger=trigger.value,
                    trigger_words=trigger_words,
                    qualifier=" ".join(qm.group(0).lower().split()) if qm else None,
                    quote=_quote(text),
                ),
                frozenset(events_here),
            )
        )
    return out, events_here


def _pick(
    event: str, candidates: Sequence[_Candidate], conflicts: list[Conflict], direction: str
) -> Deadline | None:
    """The deadline for one event in one direction; a conflict when stated ones disagree."""
    found = [c for c in candidates if event in c.events and c.deadline.direction == direction]
    stated = [c for c in found if not c.deadline.unstated]
    name = EVENT_FIELDS[event] if direction != SUB_TO_BA else "subcontractor_notification"
    for c in stated:
        if c.mismatch:
            conflicts.append(
                Conflict(
                    name,
                    (c.deadline.quote,),
                    "the number in words and the number in digits differ",
                )
            )
    chosen = stated or found
    if not chosen:
        return None
    distinct: list[_Candidate] = []
    for c in chosen:
        if not any(c.deadline.same_duration(d.deadline) for d in distinct):
            distinct.append(c)
    if len(distinct) > 1:
        quotes = tuple(dict.fromkeys(c.deadline.quote for c in distinct))
        conflicts.append(
            Conflict(
                name,
                quotes,
                "different deadlines for the same notice: "
                + " vs ".join(_words(c.deadline) for c in distinct)
                + "; the longest is suggested",
            )
        )
    best = max(distinct, key=lambda c: c.deadline.days)
    d = best.deadline
    return Deadline(
        event, d.direction, d.value, d.unit, d.trigger, d.trigger_words, d.qualifier, d.quote
    )


def _words(d: Deadline) -> str:
    if d.value is None:
        return "no number"
    unit = str(d.unit).replace("_", " ")
    value = int(d.value) if float(d.value).is_integer() else d.value
    return f"{value} {unit}"


# --- provisions -------------------------------------------------------------------------------

_PHI = r"(?:protected\s+health\s+information|\bphi\b|\bephi\b|health\s+information)"
PROVISION_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "permitted_uses": (
        re.compile(
            r"\b(?:permitted|required)\s+uses?\s+and\s+disclosures?\b|\bmay\s+(?:only\s+)?use\s+"
            r"(?:and|or)\s+disclose\b|\bshall\s+not\s+use\s+or\s+(?:further\s+)?disclose\b",
            re.I,
        ),
    ),
    "safeguards": (
        re.compile(
            r"\b(?:appropriate|reasonable)\s+(?:administrative,\s+physical,?\s+and\s+technical\s+)?"
            r"safeguards\b|\bsubpart\s+c\s+of\s+(?:45\s+c\.?\s*f\.?\s*r\.?\s+)?part\s+164|"
            r"\bsecurity\s+rule\b",
            re.I,
        ),
    ),
    "report_non_permitted": (_NON_PERMITTED,),
    "report_security_incidents": (_SECURITY_INCIDENT,),
    "report_breaches": (re.compile(r"\bbreach(?:es)?\s+of\s+unsecured\b", re.I),),
    "subcontractors": (
        re.compile(
            r"\bsubcontractors?\b[^.]{0,240}\b(?:same\s+restrictions|same\s+(?:restrictions,\s+)?"
            r"conditions|agrees?\s+in\s+writing|written\s+agreement|bound\s+by|164\.502\(e\)"
            r"|164\.308\(b\))|\b(?:same\s+restrictions|agrees?\s+in\s+writing)\b[^.]{0,240}"
            r"\bsubcontractors?\b",
            re.I,
        ),
    ),
    "access": (
        re.compile(
            r"164\.524|\bdesignated\s+record\s+set\b[^.]{0,200}\baccess\b|\baccess\b[^.]{0,200}"
            r"\bdesignated\s+record\s+set\b",
            re.I,
        ),
    ),
    "amendment": (
        re.compile(r"164\.526|\bamendments?\s+(?:to|of)\s+" + _PHI, re.I),
        re.compile(r"\bdesignated\s+record\s+set\b[^.]{0,200}\bamend", re.I),
    ),
    "accounting": (re.compile(r"164\.528|\baccounting\s+of\s+disclosures?\b", re.I),),
    "hhs_access": (
        re.compile(
            r"\bsecretary\b[^.]{0,300}\b(?:books|records|internal\s+practices)\b|\b(?:books|"
            r"internal\s+practices)\b[^.]{0,300}\bsecretary\b",
            re.I,
        ),
    ),
    "return_or_destroy": (
        re.compile(
            r"\b(?:return|destroy|destruction)\b[^.]{0,300}\b(?:terminat\w*|expir\w*)\b|"
            r"\b(?:terminat\w*|expir\w*)\b[^.]{0,300}\b(?:return|destroy)\b[^.]{0,120}" + _PHI,
            re.I,
        ),
    ),
    "termination": (
        re.compile(
            r"\bterminat\w*\b[^.]{0,300}\b(?:material(?:ly)?\s+(?:breach|violat\w*|term)|"
            r"violat\w+\s+a\s+material)|\bmaterial(?:ly)?\s+(?:breach\w*|violat\w*)\b[^.]{0,300}"
            r"\bterminat\w*",
            re.I,
        ),
    ),
}
_RETURN_WORDS = re.compile(r"\b(?:return|destr)", re.I)
_INFEASIBLE = re.compile(r"\b(?:infeasible|not\s+feasible|infeasibility)\b", re.I)
_TERM = re.compile(
    r"\b(?:the\s+term\s+of\s+this|this\s+(?:agreement|baa)\s+shall\s+(?:commence|remain\s+in"
    r"\s+(?:full\s+force|effect)|continue)|(?:shall|will)\s+(?:automatically\s+)?renew)",
    re.I,
)
_AUTO_RENEW = re.compile(
    r"\b(?:automatically\s+renew\w*|auto-?renew\w*|renew\w*\s+automatically|successive\s+"
    r"(?:\w+\s+){0,3}(?:terms|periods))\b",
    re.I,
)


class _Joined:
    """The sentences as one text (joined by "\n.\n", which no pattern spans), so a pattern is
    searched once per document rather than once per sentence."""

    def __init__(self, sents: Sequence[Sentence]) -> None:
        self.sents = list(sents)
        self.starts: list[int] = []
        at = 0
        for s in self.sents:
            self.starts.append(at)
            at += len(s.text) + 3
        self.text = "\n.\n".join(s.text for s in self.sents)
        # Case-insensitive search is slow in `re` (no literal prefix scan): search the lowered
        # text with the pattern's case-sensitive twin when lowering keeps every offset.
        lower = self.text.lower()
        self.lower = lower if len(lower) == len(self.text) else None

    def first(self, patterns: Sequence[re.Pattern[str]]) -> Found:
        found = [m.start() for p in patterns if (m := self._search(p))]
        if not found:
            return Found(False)
        return Found(True, _quote(self.sents[bisect_right(self.starts, min(found)) - 1].text))

    def _search(self, p: re.Pattern[str]) -> re.Match[str] | None:
        if self.lower is not None and p.flags & re.IGNORECASE:
            return _case_sensitive(p).search(self.lower)
        return p.search(self.text)


@lru_cache(maxsize=64)
def _case_sensitive(p: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(p.pattern, p.flags & ~re.IGNORECASE)


def _first(sents: Iterable[Sentence], patterns: Sequence[re.Pattern[str]]) -> Found:
    return _Joined(list(sents)).first(patterns)


# --- dates ------------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        1,
    )
}
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
_YEAR = re.compile(r"\d{4}")
_DATE = re.compile(
    rf"\b(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})\b"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?(?P<m2>{_MONTH}),?\s+(?P<y2>\d{{4}})\b"
    rf"|\b(?P<y3>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}})\b",
    re.I,
)
_EFFECTIVE = re.compile(
    r"\b(?:effective\s+(?:as\s+of|on|from|date\s*(?:is|:|of)?)|entered\s+into\s+(?:as\s+of|on)|"
    r"dated\s+(?:as\s+of)?|commenc\w+\s+on|made\s+(?:and\s+entered\s+into\s+)?as\s+of)\s*$",
    re.I,
)
_EFFECTIVE_LABEL = re.compile(r"^\s*,?\s*\((?:the\s+)?[\"“]effective\s+date[\"”]\)", re.I)
_EXPIRATION = re.compile(
    r"\b(?:expir\w*\s+(?:on|at\s+the\s+end\s+of)|until|through|terminat\w*\s+on|"
    r"expiration\s+date\s*(?:is|:|of)?|end\s+on|ends\s+on)\s*(?:11:59\s*p\.?m\.?\s+(?:on\s+)?)?$",
    re.I,
)


def _date_of(m: re.Match[str]) -> date | None:
    try:
        if m.group("m1"):
            return date(int(m.group("y1")), _MONTHS[m.group("m1").lower()], int(m.group("d1")))
        if m.group("m2"):
            return date(int(m.group("y2")), _MONTHS[m.group("m2").lower()], int(m.group("d2")))
        return date(int(m.group("y3")), int(m.group("m3")), int(m.group("d3")))
    except ValueError:
        return None  # "February 30, 2025" is no day


def _dates(sents: Sequence[Sentence]) -> tuple[DateFound | None, DateFound | None]:
    effective: list[DateFound] = []
    expiration: list[DateFound] = []
    for s in sents:
        if not _YEAR.search(s.text):
            continue
        for m in _DATE.finditer(s.text):
            day = _date_of(m)
            if day is None:
                continue
            before = s.text[max(0, m.start() - 60) : m.start()]
            after = s.text[m.end() : m.end() + 40]
            if _EFFECTIVE.search(before) or _EFFECTIVE_LABEL.match(after):
                effective.append(DateFound(day, _quote(s.text)))
            elif _EXPIRATION.search(before) and re.search(
                r"\b(?:agreement|baa|term|expir\w*|terminat\w*|in\s+effect|in\s+force)\b",
                s.text,
                re.I,
            ):
                expiration.append(DateFound(day, _quote(s.text)))

    def one(found: list[DateFound]) -> DateFound | None:
        days = {f.value for f in found}
        return found[0] if len(days) == 1 else None  # two different days: not concrete

    return one(effective), one(expiration)


# --- parties ----------------------------------------------------------------------------------

_PARTY = re.compile(
    r"(?:\bbetween|\band|\bby)\s+(?P<name>[A-Z0-9][^()\"“”;]{1,150}?)\s*,?\s*\((?:hereinafter\s+"
    r"(?:referred\s+to\s+as\s+)?)?(?:the\s+|an?\s+)?[\"“](?P<label>[^\"”]{2,40})[\"”]"
    r"(?:\s+or\s+[\"“](?P<label2>[^\"”]{2,40})[\"”])?\s*\)"
)
_BA_LABELS = {"business associate", "vendor", "contractor", "service provider", "supplier"}
_CE_LABELS = {"covered entity", "client", "customer", "hospital", "health system", "practice"}


def _role(label: str) -> str | None:
    low = " ".join(label.lower().split())
    if low in _BA_LABELS:
        return "business_associate"
    if low in _CE_LABELS:
        return "covered_entity"
    return None


def _parties(text: str) -> list[Party]:
    out: list[Party] = []
    head = " ".join(text[:6000].split())
    for m in _PARTY.finditer(head):
        name = re.split(r",\s+(?:an?|the)\s+", m.group("name"))[0].strip(" ,")
        name = re.sub(r"^(?:and|between|by)\s+", "", name, flags=re.I)
        labels = [m.group("label"), *([m.group("label2")] if m.group("label2") else [])]
        role = next((r for r in map(_role, labels) if r), None)
        if role is None or any(p.role == role for p in out):
            continue
        out.append(
            Party(name, labels[-1] if len(labels) > 1 and _role(labels[-1]) else labels[0], role)
        )
    return out


def _roles(parties: Sequence[Party]) -> Roles:
    """Patterns for each side, with the labels the document defines ("Vendor")."""

    def pattern(base: str, role: str) -> re.Pattern[str]:
        extra = [re.escape(p.label) for p in parties if p.role == role]
        extra += [re.escape(p.name) for p in parties if p.role == role and len(p.name) >= 3]
        return re.compile(r"\b(?:" + "|".join([base, *extra]) + r")", re.I)

    return Roles(
        pattern(r"business\s+associates?", "business_associate"),
        pattern(r"covered\s+entit(?:y|ies)", "covered_entity"),
    )


# --- the whole document -----------------------------------------------------------------------


def extract(text: str, provision_keys: Sequence[str] | None = None) -> Terms:
    """Read the terms of a BAA from its text (see the module docstring). `provision_keys`: the
    catalogue's keys (vetting/core/baa_provisions.py); keys without a reading rule are left
    out, never reported absent."""
    clean = _clean(text)
    sents = sentences(clean)
    parties = _parties(clean)
    roles = _roles(parties)
    terms = Terms(parties=parties)

    candidates: list[_Candidate] = []
    inherited: set[str] = set()
    paragraph = -1
    for s in sents:
        if s.paragraph != paragraph:
            paragraph, inherited = s.paragraph, inherited if _continues(s) else set()
        found, named = _deadlines_in(s, inherited, roles)
        candidates.extend(found)
        if named:
            inherited = named
    conflicts: list[Conflict] = []
    terms.breach_notification = _pick(BREACH, candidates, conflicts, BA_TO_CE)
    incident = _pick(SECURITY_INCIDENT, candidates, conflicts, BA_TO_CE)
    if incident is not None and not (
        terms.breach_notification is not None and incident.quote == terms.breach_notification.quote
    ):
        terms.security_incident_notification = incident
    other = _pick(NON_PERMITTED, candidates, conflicts, BA_TO_CE)
    if other is not None and not (
        terms.breach_notification is not None and other.quote == terms.breach_notification.quote
    ):
        terms.non_permitted_use_notification = other
    terms.subcontractor_notification = _pick(BREACH, candidates, conflicts, SUB_TO_BA)
    terms.conflicts = conflicts

    joined = _Joined(sents)
    keys = list(provision_keys) if provision_keys is not None else list(PROVISION_PATTERNS)
    for key in keys:
        patterns = PROVISION_PATTERNS.get(key)
        if patterns is None:
            continue
        if key in {"report_breaches", "report_security_incidents", "report_non_permitted"}:
            terms.provisions[key] = _reporting(key, sents, candidates)
        else:
            terms.provisions[key] = joined.first(patterns)
    terms.subcontractor_flow_down = joined.first(PROVISION_PATTERNS["subcontractors"])
    terms.return_or_destroy = joined.first(PROVISION_PATTERNS["return_or_destroy"])
    terms.infeasibility_extension = _first(
        [s for s in sents if _RETURN_WORDS.search(s.text)], (_INFEASIBLE,)
    )
    terms.termination_for_cause = joined.first(PROVISION_PATTERNS["termination"])
    terms.term = joined.first((_TERM,))
    renews = joined._search(_AUTO_RENEW) is not None
    if terms.term.present or renews:
        terms.auto_renews = renews
    terms.effective_date, terms.expiration_date = _dates(sents)
    return terms


def _continues(s: Sentence) -> bool:
    return bool(_REFERS_BACK.match(s.text))


def _reporting(key: str, sents: Sequence[Sentence], candidates: Sequence[_Candidate]) -> Found:
    """A reporting provision is present when a sentence has the business associate report the
    event (with or without a number)."""
    event = {
        "report_breaches": BREACH,
        "report_security_incidents": SECURITY_INCIDENT,
        "report_non_permitted": NON_PERMITTED,
    }[key]
    for c in candidates:
        if event in c.events and c.deadline.direction == BA_TO_CE:
            return Found(True, c.deadline.quote)
    for s in sents:
        if event in _events(s.text) and _NOTIFY.search(s.text):
            return Found(True, _quote(s.text))
    return Found(False)
