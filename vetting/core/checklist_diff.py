"""What changed between two versions of a checklist, in plain words (`vetting checklists diff`).

Capabilities are matched by key. Everything that can change a score or a verdict is
reported: capabilities added or removed, tier, weight, kind, options and their credits,
levels, the unstated default, N/A, either/or partners, the thresholds, the must-have gates
and the conflict rules. Wording (question, guidance, references) is summarised in one line per
capability, since it changes no score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from vetting.core.checklist import Capability, Checklist, ConflictRule, answer_words


@dataclass(frozen=True)
class Change:
    what: str  # added, removed, tier, weight, kind, options, levels, … (see module docstring)
    capability: str | None
    old: Any
    new: Any
    text: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _num(x: float) -> str:
    return f"{x:g}"


def _summary(c: Capability) -> str:
    return f"{c.title} ({c.tier}, weight {_num(c.weight)}, {c.kind}: {c.describe_rule()})"


def _rule_words(rule: ConflictRule) -> str:
    def part(items: tuple[tuple[str, tuple[Any, ...]], ...]) -> str:
        return " and ".join(
            f"{k} = {' or '.join(answer_words(v) for v in values)}" for k, values in items
        )

    return f"when {part(rule.when)}, {part(rule.forbids)} is refused ({rule.message})"


def _options(old: Capability, new: Capability) -> list[str]:
    before, after = dict(old.options), dict(new.options)
    words = [f"added option {n} → {_num(c)}" for n, c in after.items() if n not in before]
    words += [f"removed option {n} (was {_num(c)})" for n, c in before.items() if n not in after]
    words += [
        f"option {n} credit {_num(before[n])} → {_num(c)}"
        for n, c in after.items()
        if n in before and before[n] != c
    ]
    return words


def _capability_changes(old: Capability, new: Capability) -> list[Change]:
    key = new.key
    out: list[Change] = []

    def add(what: str, a: Any, b: Any, text: str) -> None:
        out.append(Change(what, key, a, b, f"{key}: {text}"))

    if old.tier != new.tier:
        add("tier", str(old.tier), str(new.tier), f"tier {old.tier} → {new.tier}")
    if old.weight != new.weight:
        add("weight", old.weight, new.weight, f"weight {_num(old.weight)} → {_num(new.weight)}")
    if old.kind != new.kind:
        add("kind", str(old.kind), str(new.kind), f"kind {old.kind} → {new.kind}")
    if old.options != new.options:
        words = _options(old, new)
        if not words:  # the same options in another order
            words = ["options reordered"]
        add("options", dict(old.options), dict(new.options), "; ".join(words))
    if old.days_levels != new.days_levels or old.number_levels != new.number_levels:
        add(
            "levels",
            old.describe_rule(),
            new.describe_rule(),
            f"levels changed: was “{old.describe_rule()}”, now “{new.describe_rule()}”",
        )
    if old.unstated_days != new.unstated_days:
        add(
            "unstated_days",
            old.unstated_days,
            new.unstated_days,
            f"unstated deadline {old.unstated_days} → {new.unstated_days} days",
        )
    if old.allow_na != new.allow_na:
        add(
            "allow_na",
            old.allow_na,
            new.allow_na,
            "N/A now allowed" if new.allow_na else "N/A no longer allowed",
        )
    if old.satisfied_by != new.satisfied_by:
        add(
            "satisfied_by",
            list(old.satisfied_by),
            list(new.satisfied_by),
            f"also met by {', '.join(old.satisfied_by) or 'nothing'} → "
            f"{', '.join(new.satisfied_by) or 'nothing'}",
        )
    if old.title != new.title:
        add("title", old.title, new.title, f"title {old.title!r} → {new.title!r}")
    wording = [
        name
        for name in ("question", "guidance", "references", "theme", "unit")
        if getattr(old, name) != getattr(new, name)
    ]
    if wording:
        add("wording", None, wording, f"{', '.join(wording)} reworded (no effect on the score)")
    return out


def diff_checklists(old: Checklist, new: Checklist) -> list[Change]:
    """Every change from `old` to `new`, thresholds and policy first, then capabilities in
    the new file's order (removed ones last), then the conflict rules."""
    out: list[Change] = []
    if old.id != new.id:
        out.append(Change("id", None, old.id, new.id, f"checklist id {old.id} → {new.id}"))
    for name in ("approve_at", "conditional_at"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(Change("threshold", None, a, b, f"{name} {_num(a)} → {_num(b)}"))
    if dict(old.must_gate) != dict(new.must_gate):
        out.append(
            Change(
                "must_gate",
                None,
                dict(old.must_gate),
                dict(new.must_gate),
                f"[policy] must_gate {dict(old.must_gate)} → {dict(new.must_gate)}",
            )
        )
    before = {c.key: c for c in old.capabilities}
    after = {c.key: c for c in new.capabilities}
    for c in new.capabilities:
        if c.key not in before:
            out.append(Change("added", c.key, None, _summary(c), f"added {c.key}: {_summary(c)}"))
        else:
            out.extend(_capability_changes(before[c.key], c))
    for c in old.capabilities:
        if c.key not in after:
            out.append(
                Change("removed", c.key, _summary(c), None, f"removed {c.key}: {_summary(c)}")
            )
    old_rules = {_rule_words(r) for r in old.conflicts}
    new_rules = {_rule_words(r) for r in new.conflicts}
    for r in new.conflicts:
        if _rule_words(r) not in old_rules:
            words = _rule_words(r)
            out.append(Change("conflict_added", None, None, words, f"conflict added: {words}"))
    for r in old.conflicts:
        if _rule_words(r) not in new_rules:
            words = _rule_words(r)
            out.append(Change("conflict_removed", None, words, None, f"conflict removed: {words}"))
    return out
