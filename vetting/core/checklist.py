"""Capability checklists: the TOML format, its validation, and how an answer earns credit.

A checklist is data reviewed like code. Loading refuses a file that breaks the rules,
naming the file, the capability and the reason, so a typo never silently changes a score.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from vetting.core.deadlines import (
    DeadlineError,
    days_of,
    parse_deadline,
)


class Kind(StrEnum):
    """What a capability's answer is, and so how its credit is given."""

    BOOL = "bool"  # yes or no
    MAX_DAYS = "max_days"  # a deadline in days, credited by the lowest maximum it meets
    CHOICE = "choice"  # one of named options
    MIN_NUMBER = "min_number"  # a number, credited by the highest minimum it reaches


KINDS: tuple[str, ...] = tuple(Kind)


class Tier(StrEnum):
    """How a capability weighs on the verdict, besides its weight in the score."""

    GATE = "gate"  # no credit → rejected, naming it
    REQUIRED = "required"  # less than full credit → at best conditional, a named condition
    SCORED = "scored"  # weight only


TIERS: tuple[str, ...] = tuple(Tier)


class AttestedGates(StrEnum):
    """`[policy] attested_gates`: what a gate answered only on the vendor's word allows."""

    CONDITIONAL = "conditional"  # at best a conditional verdict, the gate named as a condition
    ALLOWED = "allowed"  # as good as verified evidence


ATTESTED_GATES: tuple[str, ...] = tuple(AttestedGates)

# The gates every checklist loaded from disk must name in `[policy] must_gate`: role → what it
# covers. A checklist without them is refused (pinned copies of older versions are not).
MUST_GATE: dict[str, str] = {
    "baa": "the signed Business Associate Agreement",
    "encryption_at_rest": "encryption at rest",
    "audit_logging": "audit logging (45 CFR 164.312(b))",
}

NA = "n/a"

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")

_CHECKLIST_FIELDS = {
    "id",
    "version",
    "title",
    "description",
    "approve_at",
    "conditional_at",
    "policy",
    "capabilities",
    "conflicts",
}
_CONFLICT_FIELDS = {"when", "forbids", "message"}
_CAPABILITY_FIELDS = {
    "key",
    "title",
    "question",
    "kind",
    "weight",
    "tier",
    "gating",  # older form: gating = true is tier "gate"
    "satisfied_by",
    "allow_na",
    "guidance",
    "references",
    "signals",
    "theme",
    "levels",
    "options",
    "unstated_days",
    "unit",
}


class ChecklistError(ValueError):
    """A checklist file that breaks the format rules."""

    def __init__(self, file: str, capability: str | None, reason: str) -> None:
        self.file = file
        self.capability = capability
        self.reason = reason
        where = f"{file}: capability {capability!r}" if capability else file
        super().__init__(f"{where}: {reason}")


class AnswerValueError(ValueError):
    """An answer value that does not fit its capability's kind."""


@dataclass(frozen=True)
class Signals:
    """Phrases on a vendor page that suggest the capability, and negations that cancel them."""

    phrases: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()


@dataclass(frozen=True)
class DaysLevel:
    max_days: int
    credit: float


@dataclass(frozen=True)
class NumberLevel:
    min: float
    credit: float


@dataclass(frozen=True)
class Capability:
    key: str
    title: str
    question: str
    kind: Kind
    weight: float
    tier: Tier = Tier.SCORED
    allow_na: bool = False
    guidance: str = ""
    references: tuple[str, ...] = ()
    signals: Signals = field(default_factory=Signals)
    theme: str = "General"
    days_levels: tuple[DaysLevel, ...] = ()
    number_levels: tuple[NumberLevel, ...] = ()
    options: tuple[tuple[str, float], ...] = ()
    unstated_days: int | None = None
    unit: str = ""
    # A required capability short of full credit is no condition when one of these other
    # required capabilities has full credit ("SSO or MFA", "E2EE or customer-held keys").
    satisfied_by: tuple[str, ...] = ()

    @property
    def gating(self) -> bool:
        """A gate: no credit rejects (the older `gating = true`)."""
        return self.tier == Tier.GATE

    def normalise(self, value: Any) -> Any:
        """Return the canonical stored form of an answer value, or raise AnswerValueError."""
        if isinstance(value, str) and value.strip().lower() == NA:
            if not self.allow_na:
                raise AnswerValueError(f"{self.key} does not allow N/A")
            return NA
        if self.kind == Kind.BOOL:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in {"yes", "true"}:
                return True
            if isinstance(value, str) and value.strip().lower() in {"no", "false"}:
                return False
            raise AnswerValueError(f"{self.key} expects true or false")
        if self.kind == Kind.MAX_DAYS:
            try:
                return parse_deadline(value, self.unstated_days)
            except DeadlineError as exc:
                raise AnswerValueError(f"{self.key}: {exc}") from None
        if self.kind == Kind.CHOICE:
            names = [name for name, _ in self.options]
            if isinstance(value, str) and value in names:
                return value
            raise AnswerValueError(f"{self.key} expects one of: {', '.join(names)}")
        # min_number
        if isinstance(value, bool) or not isinstance(value, int | float):
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise AnswerValueError(f"{self.key} expects a number") from None
            else:
                raise AnswerValueError(f"{self.key} expects a number")
        if not math.isfinite(value) or value < 0:
            raise AnswerValueError(f"{self.key} expects a finite number ≥ 0")
        return int(value) if float(value).is_integer() else float(value)

    def credit(self, value: Any) -> float:
        """Credit in [0, 1] earned by a normalised, applicable answer value."""
        if self.kind == Kind.BOOL:
            return 1.0 if value is True else 0.0
        if self.kind == Kind.MAX_DAYS:
            days = days_of(value)  # an old plain int, or the structured form's days
            for level in self.days_levels:
                if days <= level.max_days:
                    return level.credit
            return 0.0
        if self.kind == Kind.CHOICE:
            return dict(self.options)[value]
        for step in self.number_levels:
            if value >= step.min:
                return step.credit
        return 0.0

    @cached_property
    def max_credit(self) -> float:
        if self.kind == Kind.BOOL:
            return 1.0
        if self.kind == Kind.MAX_DAYS:
            return max((lv.credit for lv in self.days_levels), default=0.0)
        if self.kind == Kind.CHOICE:
            return max((c for _, c in self.options), default=0.0)
        return max((lv.credit for lv in self.number_levels), default=0.0)

    def describe_rule(self) -> str:
        """The credit rule in words, for explanations and the UI."""
        if self.kind == Kind.BOOL:
            return "yes = full credit, no = none"
        if self.kind == Kind.MAX_DAYS:
            parts = [f"≤{lv.max_days} days → {lv.credit:g}" for lv in self.days_levels]
            text = ", ".join(parts) + ", more → 0"
            if self.unstated_days is not None:
                text += f"; unstated = the {self.unstated_days}-day legal maximum"
            return text
        if self.kind == Kind.CHOICE:
            return ", ".join(f"{name} → {credit:g}" for name, credit in self.options)
        parts = [f"≥{lv.min:g} → {lv.credit:g}" for lv in self.number_levels]
        return ", ".join(parts) + ", less → 0"


@dataclass(frozen=True)
class ConflictRule:
    """Answers that cannot all be true of one app (`[[conflicts]]`): when every `when`
    capability has one of its values, no `forbids` capability may have one of its values."""

    when: tuple[tuple[str, tuple[Any, ...]], ...]
    forbids: tuple[tuple[str, tuple[Any, ...]], ...]
    message: str

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in (*self.when, *self.forbids))


@dataclass(frozen=True)
class ConflictFound:
    """One conflict rule broken by a set of answers: the answers that break it, in order."""

    rule: ConflictRule
    answers: tuple[tuple[str, Any], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.answers)

    def describe(self, checklist: Checklist) -> str:
        """'<message> (Encryption at rest (encryption_at_rest) = yes; … = none)'."""
        parts = []
        for key, value in self.answers:
            found = checklist.capability(key)
            title = found.title if found else key
            parts.append(f"{title} ({key}) = {answer_words(value)}")
        return f"{self.rule.message} ({'; '.join(parts)})"


def answer_words(value: Any) -> str:
    """A normalised answer in a message: yes/no, N/A, an option name, a number."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value == NA:
        return "N/A"
    return str(value)


@dataclass(frozen=True)
class Checklist:
    id: str
    version: str
    title: str
    approve_at: float
    conditional_at: float
    capabilities: tuple[Capability, ...]
    sha256: str
    description: str = ""
    source: str = ""
    text: str = field(default="", repr=False, compare=False)
    # `[policy] must_gate`: role (a MUST_GATE key) → the gate capability that covers it.
    must_gate: Mapping[str, str] = field(default_factory=dict, compare=False)
    # `[policy] attested_gates`: a gate answered only `attested` allows at best conditional
    # unless the checklist says "allowed".
    attested_gates: AttestedGates = AttestedGates.CONDITIONAL
    # `[[conflicts]]`: answer combinations refused when saved (an app cannot be both).
    conflicts: tuple[ConflictRule, ...] = ()

    def capability(self, key: str) -> Capability | None:
        for cap in self.capabilities:
            if cap.key == key:
                return cap
        return None

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.capabilities]

    def conflicts_in(self, answers: Mapping[str, Any]) -> list[ConflictFound]:
        """The conflict rules that these counted, normalised answers break (key → value;
        leave out discovered suggestions and unanswered capabilities)."""
        found = []
        for rule in self.conflicts:
            if not all(k in answers and answers[k] in values for k, values in rule.when):
                continue
            broken = [
                (k, answers[k])
                for k, values in rule.forbids
                if k in answers and answers[k] in values
            ]
            if broken:
                found.append(
                    ConflictFound(rule, (*((k, answers[k]) for k, _ in rule.when), *broken))
                )
        return found


def parse_days(value: Any, unstated_days: int | None = None) -> int:
    """A deadline as whole calendar days: 72 h → 3, '5 business days' → 7, 'unstated' → default.

    45 CFR 164.410(b) caps breach notification at 60 calendar days, so a BAA that states no
    number is answered with the capability's `unstated_days` (60), not with 0. The structured
    form that keeps the words is `vetting.core.deadlines.parse_deadline`.
    """
    try:
        return int(parse_deadline(value, unstated_days)["days"])
    except DeadlineError as exc:
        raise AnswerValueError(str(exc)) from None


def newer_version(pinned: Checklist, loaded: Mapping[str, Checklist]) -> Checklist | None:
    """The loaded checklist of the same id when its version is newer than the pinned one
    (an assessment made against the pinned one should be reassessed against it)."""
    current = loaded.get(pinned.id)
    if current is None or current.sha256 == pinned.sha256:
        return None
    return current if version_key(current.version) > version_key(pinned.version) else None


def reassess_notice(pinned: Checklist, newer: Checklist) -> str:
    """The notice on an assessment pinned to an older version of a loaded checklist."""
    return (
        f"reassess against v{newer.version}: {pinned.id} v{newer.version} is loaded, and this "
        f"assessment is pinned to v{pinned.version} (it keeps scoring against that version)"
    )


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """A version for comparison: numbers as numbers ("1.10.0" > "1.9.0"), words as text."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[.\-+]", version)
    )


def _credit(file: str, key: str, value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ChecklistError(file, key, f"{what} must be a number between 0 and 1")
    if not 0 <= value <= 1:
        raise ChecklistError(file, key, f"{what} must be between 0 and 1, not {value}")
    return float(value)


def _str_list(file: str, key: str | None, value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ChecklistError(file, key, f"{what} must be a list of non-empty strings")
    return tuple(value)


def _parse_capability(file: str, raw: Any, index: int) -> Capability:
    if not isinstance(raw, dict):
        raise ChecklistError(file, f"#{index + 1}", "each capability must be a table")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise ChecklistError(
            file, f"#{index + 1}", "key must be lower_snake_case letters, digits and _"
        )
    unknown = set(raw) - _CAPABILITY_FIELDS
    if unknown:
        raise ChecklistError(file, key, f"unknown field(s): {', '.join(sorted(unknown))}")
    for name in ("title", "question"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise ChecklistError(file, key, f"{name} is required")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ChecklistError(file, key, f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    weight = raw.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight):
        raise ChecklistError(file, key, "weight must be a number")
    if weight < 0:
        raise ChecklistError(file, key, f"weight must be ≥ 0, not {weight}")
    for flag in ("gating", "allow_na"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise ChecklistError(file, key, f"{flag} must be true or false")
    if "tier" in raw and "gating" in raw:
        raise ChecklistError(
            file, key, "give tier or the older gating, not both (gating = true is tier gate)"
        )
    if "tier" in raw:
        if raw["tier"] not in TIERS:
            raise ChecklistError(
                file, key, f"tier must be one of {', '.join(TIERS)}, not {raw['tier']!r}"
            )
        tier = Tier(raw["tier"])
    else:
        tier = Tier.GATE if raw.get("gating", False) else Tier.SCORED
    satisfied_by = _str_list(file, key, raw.get("satisfied_by", []), "satisfied_by")
    if satisfied_by and tier != Tier.REQUIRED:
        raise ChecklistError(file, key, "satisfied_by is only for tier required")
    for text in ("guidance", "theme", "unit"):
        if text in raw and not isinstance(raw[text], str):
            raise ChecklistError(file, key, f"{text} must be a string")
    references = _str_list(file, key, raw.get("references", []), "references")
    if not references:
        raise ChecklistError(file, key, "references must cite at least one source")
    signals_raw = raw.get("signals", {})
    if not isinstance(signals_raw, dict) or set(signals_raw) - {"phrases", "negations"}:
        raise ChecklistError(file, key, "signals must be a table with phrases and negations")
    signals = Signals(
        phrases=_str_list(file, key, signals_raw.get("phrases", []), "signals.phrases"),
        negations=_str_list(file, key, signals_raw.get("negations", []), "signals.negations"),
    )

    days_levels: tuple[DaysLevel, ...] = ()
    number_levels: tuple[NumberLevel, ...] = ()
    options: tuple[tuple[str, float], ...] = ()
    unstated_days = raw.get("unstated_days")
    for own, kinds in (("levels", {Kind.MAX_DAYS, Kind.MIN_NUMBER}), ("options", {Kind.CHOICE})):
        if own in raw and kind not in kinds:
            raise ChecklistError(file, key, f"{own} is not used by kind {kind}")
    if unstated_days is not None and kind != Kind.MAX_DAYS:
        raise ChecklistError(file, key, "unstated_days is only for kind max_days")

    if kind == Kind.MAX_DAYS:
        levels = raw.get("levels")
        if not isinstance(levels, list) or not levels:
            raise ChecklistError(file, key, "max_days needs levels = [{max_days, credit}, …]")
        parsed = []
        for lv in levels:
            if not isinstance(lv, dict) or set(lv) != {"max_days", "credit"}:
                raise ChecklistError(file, key, "each level needs exactly max_days and credit")
            md = lv["max_days"]
            if isinstance(md, bool) or not isinstance(md, int) or md < 0:
                raise ChecklistError(file, key, "level max_days must be a whole number ≥ 0")
            parsed.append(DaysLevel(md, _credit(file, key, lv["credit"], "level credit")))
        days = [lv.max_days for lv in parsed]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ChecklistError(file, key, "levels must be in strictly increasing max_days")
        credits = [lv.credit for lv in parsed]
        if credits != sorted(credits, reverse=True):
            raise ChecklistError(file, key, "a longer deadline cannot earn more credit")
        days_levels = tuple(parsed)
        if unstated_days is not None and (
            isinstance(unstated_days, bool)
            or not isinstance(unstated_days, int)
            or unstated_days < 0
        ):
            raise ChecklistError(file, key, "unstated_days must be a whole number ≥ 0")
    elif kind == Kind.MIN_NUMBER:
        levels = raw.get("levels")
        if not isinstance(levels, list) or not levels:
            raise ChecklistError(file, key, "min_number needs levels = [{min, credit}, …]")
        parsed_n = []
        for lv in levels:
            if not isinstance(lv, dict) or set(lv) != {"min", "credit"}:
                raise ChecklistError(file, key, "each level needs exactly min and credit")
            mn = lv["min"]
            if isinstance(mn, bool) or not isinstance(mn, int | float) or not 0 <= mn < math.inf:
                raise ChecklistError(file, key, "level min must be a number ≥ 0")
            parsed_n.append(NumberLevel(float(mn), _credit(file, key, lv["credit"], "credit")))
        mins = [lv.min for lv in parsed_n]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ChecklistError(file, key, "levels must be in strictly decreasing min")
        credits = [lv.credit for lv in parsed_n]
        if credits != sorted(credits, reverse=True):
            raise ChecklistError(file, key, "a smaller number cannot earn more credit")
        number_levels = tuple(parsed_n)
    elif kind == Kind.CHOICE:
        opts = raw.get("options")
        if not isinstance(opts, dict) or len(opts) < 2:
            raise ChecklistError(file, key, "choice needs options = {name = credit, …} (≥ 2)")
        for name in opts:
            if not name.strip() or name.strip().lower() == NA:
                raise ChecklistError(file, key, f"option name {name!r} is not allowed")
        options = tuple(
            (name, _credit(file, key, c, f"credit of option {name!r}")) for name, c in opts.items()
        )

    return Capability(
        key=key,
        title=raw["title"].strip(),
        question=raw["question"].strip(),
        kind=kind,
        weight=float(weight),
        tier=tier,
        allow_na=raw.get("allow_na", False),
        guidance=raw.get("guidance", "").strip(),
        references=references,
        signals=signals,
        theme=raw.get("theme", "General").strip() or "General",
        days_levels=days_levels,
        number_levels=number_levels,
        options=options,
        unstated_days=unstated_days,
        unit=raw.get("unit", ""),
        satisfied_by=satisfied_by,
    )


def _check_satisfied_by(file: str, caps: list[Capability]) -> None:
    by_key = {c.key: c for c in caps}
    for cap in caps:
        for other in cap.satisfied_by:
            if other == cap.key:
                raise ChecklistError(
                    file, cap.key, "satisfied_by cannot name the capability itself"
                )
            found = by_key.get(other)
            if found is None:
                raise ChecklistError(
                    file, cap.key, f"satisfied_by names {other!r}, which is not a capability"
                )
            if found.tier != Tier.REQUIRED:
                raise ChecklistError(
                    file,
                    cap.key,
                    f"satisfied_by names {other!r}, which is tier {found.tier}, not required",
                )


def _parse_attested_gates(file: str, raw: Any) -> AttestedGates:
    """`[policy] attested_gates = "conditional" | "allowed"` (default conditional)."""
    value = raw.get("attested_gates", AttestedGates.CONDITIONAL)
    if value not in ATTESTED_GATES:
        raise ChecklistError(
            file,
            None,
            f"[policy] attested_gates must be one of {', '.join(ATTESTED_GATES)}, not {value!r}",
        )
    return AttestedGates(value)


def _parse_policy(file: str, raw: Any, caps: list[Capability]) -> dict[str, str]:
    """`[policy] must_gate = { baa = KEY, encryption_at_rest = KEY, audit_logging = KEY }`."""
    if not isinstance(raw, dict) or set(raw) - {"must_gate", "attested_gates"}:
        raise ChecklistError(file, None, "[policy] may only hold must_gate and attested_gates")
    must_gate = raw.get("must_gate", {})
    if not isinstance(must_gate, dict):
        raise ChecklistError(
            file, None, "[policy] must_gate must be a table of role = capability key"
        )
    unknown = set(must_gate) - set(MUST_GATE)
    if unknown:
        raise ChecklistError(
            file,
            None,
            f"[policy] must_gate: unknown role(s) {', '.join(sorted(unknown))} "
            f"(roles: {', '.join(MUST_GATE)})",
        )
    by_key = {c.key: c for c in caps}
    for role, key in must_gate.items():
        found = by_key.get(key) if isinstance(key, str) else None
        if found is None:
            raise ChecklistError(
                file, None, f"[policy] must_gate.{role} names {key!r}, which is not a capability"
            )
        if found.tier != Tier.GATE:
            raise ChecklistError(
                file,
                key,
                f"[policy] must_gate.{role} names it, so its tier must be gate, not {found.tier}",
            )
        if found.allow_na:
            raise ChecklistError(
                file,
                key,
                f"[policy] must_gate.{role} names it, so it cannot allow N/A (an N/A answer "
                "would take the gate out of the verdict)",
            )
    return dict(must_gate)


def _conflict_values(
    file: str, where: str, by_key: Mapping[str, Capability], table: Any, part: str
) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """`when` or `forbids`: { capability = value or [values] }, each value valid for its kind."""
    if not isinstance(table, dict) or not table:
        raise ChecklistError(
            file, None, f"{where}: {part} must be a table of capability = value or [values]"
        )
    out = []
    for key, raw in table.items():
        found = by_key.get(key)
        if found is None:
            raise ChecklistError(
                file, None, f"{where}: {part} names {key!r}, which is not a capability"
            )
        values = raw if isinstance(raw, list) else [raw]
        if not values:
            raise ChecklistError(file, key, f"{where}: {part}.{key} lists no value")
        if found.kind not in (Kind.BOOL, Kind.CHOICE):
            raise ChecklistError(
                file,
                key,
                f"{where}: only yes/no and choice capabilities can conflict, not {found.kind}",
            )
        for value in values:
            if value == NA:
                if not found.allow_na:
                    raise ChecklistError(
                        file, key, f"{where}: {part}.{key} = 'n/a', but it does not allow N/A"
                    )
            elif found.kind == Kind.BOOL and not isinstance(value, bool):
                raise ChecklistError(
                    file, key, f"{where}: {part}.{key} must be true or false, not {value!r}"
                )
            elif found.kind == Kind.CHOICE and value not in dict(found.options):
                names = ", ".join(name for name, _ in found.options)
                raise ChecklistError(
                    file,
                    key,
                    f"{where}: {part}.{key} = {value!r} is not one of its options ({names})",
                )
        out.append((key, tuple(dict.fromkeys(values))))
    return tuple(out)


def _parse_conflicts(file: str, raw: Any, caps: list[Capability]) -> tuple[ConflictRule, ...]:
    """`[[conflicts]] when = {…} forbids = {…} message = "…"`, checked against the capabilities."""
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ChecklistError(file, None, "conflicts must be [[conflicts]] tables")
    by_key = {c.key: c for c in caps}
    rules = []
    for i, item in enumerate(raw):
        where = f"conflicts #{i + 1}"
        unknown = set(item) - _CONFLICT_FIELDS
        if unknown:
            raise ChecklistError(
                file, None, f"{where}: unknown field(s): {', '.join(sorted(unknown))}"
            )
        message = item.get("message")
        if not isinstance(message, str) or not message.strip():
            raise ChecklistError(file, None, f"{where}: message is required (say why, in words)")
        when = _conflict_values(file, where, by_key, item.get("when"), "when")
        forbids = _conflict_values(file, where, by_key, item.get("forbids"), "forbids")
        both = {k for k, _ in when} & {k for k, _ in forbids}
        if both:
            key = sorted(both)[0]
            raise ChecklistError(file, key, f"{where}: it is named in both when and forbids")
        rules.append(ConflictRule(when, forbids, " ".join(message.split())))
    return tuple(rules)


def check_must_gates(checklist: Checklist) -> None:
    """Refuse a checklist that does not name a gate for each MUST_GATE role.

    Applied to checklists loaded from disk (`vetting checklists validate`, app start); a
    pinned copy of an older version keeps scoring as it was written.
    """
    missing = [role for role in MUST_GATE if role not in checklist.must_gate]
    if missing:
        covers = "; ".join(f"{role} ({MUST_GATE[role]})" for role in missing)
        raise ChecklistError(
            checklist.source,
            None,
            f"[policy] must_gate names no gate for: {covers}",
        )


def parse_checklist(text: str | bytes, file: str = "<checklist>") -> Checklist:
    """Parse and validate one checklist; raise ChecklistError naming file, capability, reason."""
    raw_bytes = text.encode() if isinstance(text, str) else text
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise ChecklistError(file, None, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(file, None, f"invalid TOML: {exc}") from None
    unknown = set(data) - _CHECKLIST_FIELDS
    if unknown:
        raise ChecklistError(file, None, f"unknown field(s): {', '.join(sorted(unknown))}")
    cid = data.get("id")
    if not isinstance(cid, str) or not _ID_RE.match(cid):
        raise ChecklistError(file, None, "id must be lower-case letters, digits and -")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise ChecklistError(file, None, 'version is required (a string such as "1.0.0")')
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ChecklistError(file, None, "title is required")
    thresholds = {}
    for name in ("approve_at", "conditional_at"):
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise ChecklistError(file, None, f"{name} must be a number from 0 to 100")
        thresholds[name] = float(value)
    if thresholds["conditional_at"] > thresholds["approve_at"]:
        raise ChecklistError(file, None, "conditional_at cannot be above approve_at")
    raw_caps = data.get("capabilities")
    if not isinstance(raw_caps, list) or not raw_caps:
        raise ChecklistError(file, None, "at least one [[capabilities]] is required")
    caps = [_parse_capability(file, raw, i) for i, raw in enumerate(raw_caps)]
    seen: set[str] = set()
    for cap in caps:
        if cap.key in seen:
            raise ChecklistError(file, cap.key, "duplicate key")
        seen.add(cap.key)
    if sum(c.weight for c in caps) <= 0:
        raise ChecklistError(file, None, "the weights must add up to more than 0")
    _check_satisfied_by(file, caps)
    must_gate = _parse_policy(file, data["policy"], caps) if "policy" in data else {}
    attested_gates = _parse_attested_gates(file, data.get("policy", {}))
    conflicts = _parse_conflicts(file, data["conflicts"], caps) if "conflicts" in data else ()
    return Checklist(
        id=cid,
        version=version.strip(),
        title=title.strip(),
        description=str(data.get("description", "")).strip(),
        approve_at=thresholds["approve_at"],
        conditional_at=thresholds["conditional_at"],
        capabilities=tuple(caps),
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        source=file,
        text=raw_bytes.decode("utf-8"),
        must_gate=must_gate,
        attested_gates=attested_gates,
        conflicts=conflicts,
    )


def load_checklist(path: Path) -> Checklist:
    """A checklist file from disk: the format, and the gates every checklist must have."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ChecklistError(str(path), None, f"cannot read: {exc.strerror}") from None
    return _checked(data, path.name)


@lru_cache(maxsize=64)
def _checked(data: bytes, file: str) -> Checklist:
    """A file's checklist, parsed once per process for the same name and bytes (every app a
    process creates loads the folder; a checklist is immutable, so one copy serves them all)."""
    checklist = parse_checklist(data, file=file)
    check_must_gates(checklist)
    return checklist


def load_directory(directory: Path) -> dict[str, Checklist]:
    """Every *.toml in a folder, keyed by checklist id; two files with one id are refused."""
    found: dict[str, Checklist] = {}
    for path in sorted(directory.glob("*.toml")):
        checklist = load_checklist(path)
        if checklist.id in found:
            raise ChecklistError(
                path.name, None, f"id {checklist.id!r} is also used by {found[checklist.id].source}"
            )
        found[checklist.id] = checklist
    return found


def checklists_by_id(items: Mapping[str, Checklist]) -> list[Checklist]:
    return [items[k] for k in sorted(items)]
