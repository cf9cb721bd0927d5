"""Append-only, hash-chained audit events: hash = sha256(prev_hash + canonical event).

Every write appends its event in the same transaction as the change. The `seq` column is
unique, so two writers can never fork the chain; on PostgreSQL an advisory lock makes them
wait for each other instead of failing. `verify()` names the first event that does not fit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from vetting import clock
from vetting.models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x7E77_A0D1  # pg_advisory_xact_lock key for the audit chain


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """A JSON-safe dict of a model's columns, for before/after."""
    if obj is None:
        return None
    data = obj.model_dump() if hasattr(obj, "model_dump") else dict(obj)
    return {k: _plain(v) for k, v in data.items() if k not in exclude}


def canonical(event: AuditEvent) -> str:
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


def record(
    s: Session,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: Any = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = s.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = AuditEvent(
        seq=seq,
        at=clock.now(),
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=_plain(before),
        after=_plain(after),
        prev_hash=prev,
        hash="",
    )
    event.hash = compute_hash(prev, event)
    s.add(event)
    s.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


def verify(s: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first altered, removed or re-linked event."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        rows = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            return VerifyResult(True, checked)
        for ev in rows:
            if ev.seq != expected_seq:
                return VerifyResult(
                    False,
                    checked,
                    expected_seq,
                    f"event seq {expected_seq} is missing (next found: seq {ev.seq})",
                )
            if ev.prev_hash != prev:
                return VerifyResult(
                    False, checked, ev.seq, f"event seq {ev.seq} does not link to its predecessor"
                )
            if compute_hash(prev, ev) != ev.hash:
                return VerifyResult(
                    False, checked, ev.seq, f"event seq {ev.seq} was altered (hash mismatch)"
                )
            prev = ev.hash
            expected_seq += 1
            checked += 1
            last_seq = ev.seq
