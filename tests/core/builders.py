"""Small TOML writers for checklist tests: valid by default, one field changed per bad case."""

from __future__ import annotations

import json
from typing import Any

_DROP = object()  # pass as a value to leave the field out


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def cap(key: str = "baa_signed", **fields: Any) -> dict[str, Any]:
    """A valid bool capability; keyword arguments override fields (DROP removes one)."""
    data: dict[str, Any] = {
        "key": key,
        "title": f"Title of {key}",
        "question": f"Question about {key}?",
        "kind": "bool",
        "weight": 5,
        "references": ["45 CFR 164.312(b)"],
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not _DROP}


def checklist_text(
    caps: list[dict[str, Any]] | None = None,
    *,
    must_gate: dict[str, str] | None = None,
    conflicts: list[dict[str, Any]] | None = None,
    **header: Any,
) -> str:
    """A checklist file: header fields (overridable, DROP removes one), an optional
    `[policy] must_gate` table, then [[capabilities]] and any [[conflicts]]."""
    top: dict[str, Any] = {
        "id": "demo",
        "version": "1.0.0",
        "title": "Demo checklist",
        "approve_at": 80,
        "conditional_at": 60,
    }
    top.update(header)
    lines = [f"{k} = {toml_value(v)}" for k, v in top.items() if v is not _DROP]
    if must_gate is not None:
        lines += ["", "[policy]", f"must_gate = {toml_value(must_gate)}"]
    for c in caps if caps is not None else [cap()]:
        lines.append("")
        lines.append("[[capabilities]]")
        lines.extend(f"{k} = {toml_value(v)}" for k, v in c.items())
    for rule in conflicts or []:
        lines += ["", "[[conflicts]]", *(f"{k} = {toml_value(v)}" for k, v in rule.items())]
    return "\n".join(lines) + "\n"


DROP: Any = _DROP

# The gates a checklist loaded from disk must name (vetting.core.checklist.MUST_GATE).
MUST_GATE = {"baa": "baa_signed", "encryption_at_rest": "at_rest", "audit_logging": "audit_log"}


def gated_caps() -> list[dict[str, Any]]:
    """The three gates every checklist on disk needs, as tier = "gate" capabilities."""
    return [cap(key, tier="gate") for key in MUST_GATE.values()]


def loadable_text(caps: list[dict[str, Any]] | None = None, **header: Any) -> str:
    """A checklist that `load_checklist` accepts: the must-have gates plus `caps`."""
    return checklist_text([*gated_caps(), *(caps or [])], must_gate=MUST_GATE, **header)
