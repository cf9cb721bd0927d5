"""Append-only, keyed hash-chained audit events: hash = HMAC-SHA256(key, prev_hash +
canonical event), the key from the environment (VETTING_AUDIT_KEY), never in the database.

Every write appends its event in the same transaction as the change. The `seq` column is
unique, so two writers can never fork the chain; on PostgreSQL an advisory lock makes them
wait for each other instead of failing. `verify()` names the first event that does not fit.
Someone who can write to the database but does not hold the key cannot recompute the chain
after changing history; truncating the newest events is caught by comparing the chain with an
anchor written elsewhere (`anchor()`, `check_anchors()`).

Chains written before the key existed used a plain SHA-256; `rekey()` re-signs such a chain
(or one signed with an older key) once it has verified it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from vetting import clock
from vetting.db import transaction
from vetting.errors import Invalid
from vetting.models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x7E77_A0D1  # pg_advisory_xact_lock key for the audit chain

# The key each engine's chain is signed with: set once where the engine is made (the app
# factory), so every writer of one database signs alike. Kept out of the database.
_KEYS: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


class NoAuditKey(RuntimeError):
    """An audit event was to be written through an engine no key was set for."""


def use_key(engine: Engine, key: str | bytes) -> None:
    """Sign `engine`'s audit chain with `key` (VETTING_AUDIT_KEY)."""
    raw = key.encode() if isinstance(key, str) else key
    if not raw:
        raise ValueError("the audit key is empty")
    _KEYS[engine] = raw


def key_of(s: Session) -> bytes:
    """The key of the engine `s` is bound to."""
    bind = s.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    found = _KEYS.get(engine)
    if found is None:
        raise NoAuditKey(
            "no audit key for this database: create the engine through the app factory "
            "(VETTING_AUDIT_KEY) or call vetting.audit.use_key(engine, key)"
        )
    return found


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


def compute_hash(prev_hash: str, event: AuditEvent, key: bytes) -> str:
    """The event's link: HMAC-SHA256 with the key over its predecessor's hash and itself."""
    return hmac.new(key, (prev_hash + canonical(event)).encode(), hashlib.sha256).hexdigest()


def unkeyed_hash(prev_hash: str, event: AuditEvent) -> str:
    """The plain SHA-256 link of chains written before the key existed."""
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
    key = key_of(s)
    _lock(s)
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
    event.hash = compute_hash(prev, event, key)
    s.add(event)
    s.flush()
    return event


def _lock(s: Session) -> None:
    """Writers of the chain wait for each other (PostgreSQL; SQLite writes one at a time)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


def _events(s: Session, batch: int = 5000) -> Iterable[AuditEvent]:
    """Every event in chain order, read a batch at a time."""
    last_seq = 0
    while True:
        rows = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq


def _misfit(
    prev: str, expected_seq: int, ev: AuditEvent, keys: tuple[bytes, ...], signed_before: bool
) -> tuple[str | None, bool]:
    """Whether `ev` continues the chain at `prev`: (None, unkeyed) when it does — signed with
    one of `keys`, or (unkeyed True) with the plain SHA-256 of a chain written before the key
    existed — else (why not, False). Unkeyed events are only ever a leading run: one after a
    signed event (`signed_before`) was written by someone without the key."""
    if ev.seq != expected_seq:
        return f"event seq {expected_seq} is missing (next found: seq {ev.seq})", False
    if ev.prev_hash != prev:
        return f"event seq {ev.seq} does not link to its predecessor", False
    if any(hmac.compare_digest(compute_hash(prev, ev, k), ev.hash) for k in keys):
        return None, False
    if hmac.compare_digest(unkeyed_hash(prev, ev), ev.hash):
        if signed_before:
            return (
                f"event seq {ev.seq} is not signed although earlier events are: it was "
                "rewritten by someone without the audit key",
                False,
            )
        return None, True
    return (
        f"event seq {ev.seq} was altered, or signed with another key than VETTING_AUDIT_KEY "
        "(hash mismatch)",
        False,
    )


def verify(s: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first altered, removed, re-linked or unsigned
    event."""
    keys = (key_of(s),)
    prev = GENESIS
    checked = 0
    for ev in _events(s, batch):
        reason, unkeyed = _misfit(prev, checked + 1, ev, keys, signed_before=checked > 0)
        if unkeyed:
            reason = (
                f"event seq {ev.seq} is not signed with the audit key, nor is any before it (a "
                "chain written before VETTING_AUDIT_KEY was set?): if its events are genuine, "
                "`vetting audit rekey --accept-unkeyed` signs them"
            )
        if reason is not None:
            return VerifyResult(False, checked, checked + 1, reason)
        prev = ev.hash
        checked += 1
    return VerifyResult(True, checked)


@dataclass(frozen=True)
class RekeyResult:
    signed: int  # events whose hash was recomputed with the current key
    already: int  # events already signed with it
    unkeyed: int  # of `signed`, events that had no key before (the leading run)


def rekey(
    s: Session, actor: str, old_keys: Iterable[bytes] = (), *, accept_unkeyed: bool = False
) -> RekeyResult:
    """Sign the whole chain with the current key, in one transaction. Each event must first
    verify as it stands: signed with the current key or one of `old_keys` (a key being
    rotated out), or — only as the chain's leading run, and only with `accept_unkeyed` — with
    the plain SHA-256 of a chain written before the key existed. So a broken chain, or one
    rewritten without the key after it was signed, is never blessed (422 naming the first bad
    event; nothing changes). Appends an `audit.rekeyed` event."""
    key = key_of(s)
    keys = (key, *old_keys)
    with transaction(s):
        _lock(s)
        prev_old = prev_new = GENESIS
        signed = already = unkeyed_run = 0
        signed_before = False
        for ev in _events(s):
            reason, unkeyed = _misfit(
                prev_old, signed + already + 1, ev, keys, signed_before=signed_before
            )
            if reason is not None:
                raise Invalid(f"the chain does not verify, nothing was re-signed: {reason}")
            if unkeyed:
                unkeyed_run += 1
            else:
                signed_before = True
            prev_old = ev.hash
            new = compute_hash(prev_new, ev, key)
            if new == ev.hash and ev.prev_hash == prev_new:
                already += 1
            else:
                ev.prev_hash, ev.hash = prev_new, new
                signed += 1
            prev_new = new
        if unkeyed_run and not accept_unkeyed:
            raise Invalid(
                f"events 1–{unkeyed_run} are not signed with any key (a chain written before "
                "VETTING_AUDIT_KEY was set, or rewritten by someone without it): check them "
                "(`vetting audit list`), then sign them with --accept-unkeyed; nothing was "
                "re-signed"
            )
        s.flush()
        record(
            s,
            actor,
            "audit.rekeyed",
            "audit",
            None,
            None,
            {"signed": signed, "unkeyed": unkeyed_run},
        )
    return RekeyResult(signed, already, unkeyed_run)


# --- anchors: the chain head kept elsewhere ---------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """The chain head at a moment: `count` events, the newest `seq` with `hash`."""

    count: int
    seq: int
    hash: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "seq": self.seq, "hash": self.hash, "at": self.at.isoformat()}


def head(s: Session) -> Anchor:
    """The chain's head now (seq 0 and the genesis hash for an empty chain)."""
    row = s.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).first()
    seq, hash_ = (row[0], row[1]) if row else (0, GENESIS)
    return Anchor(seq, seq, hash_, clock.now())


def parse_anchor(line: str) -> Anchor:
    """One anchor as written by `anchor`; ValueError naming what is wrong."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    try:
        seq, count, hash_ = data["seq"], data["count"], data["hash"]
        at = datetime.fromisoformat(data["at"])
    except KeyError as exc:
        raise ValueError(f"missing {exc.args[0]!r}") from None
    except (TypeError, ValueError):
        raise ValueError("'at' is not an ISO date-time") from None
    if not (isinstance(seq, int) and isinstance(count, int) and seq >= 0 and count == seq):
        raise ValueError("'seq' and 'count' must be the same whole number ≥ 0")
    if not (isinstance(hash_, str) and len(hash_) == 64):
        raise ValueError("'hash' must be 64 hex digits")
    return Anchor(count, seq, hash_, at)


def check_anchors(s: Session, anchors: Iterable[Anchor]) -> list[str]:
    """What an anchored head says went missing or changed: each anchored event must still be
    there with the anchored hash (a chain cut after its newest events were deleted is still
    valid on its own, but shorter than an anchor)."""
    problems = []
    for a in anchors:
        if a.seq == 0:
            continue
        found = s.scalar(select(AuditEvent.hash).where(col(AuditEvent.seq) == a.seq))
        if found is None:
            newest = head(s).seq
            problems.append(
                f"the anchor of {a.at.isoformat()} holds {a.count} events, the chain only "
                f"{newest}: events {newest + 1}–{a.seq} were removed"
            )
        elif not hmac.compare_digest(found, a.hash):
            problems.append(
                f"event seq {a.seq} differs from the anchor of {a.at.isoformat()} (its hash "
                "changed: history was rewritten, or re-signed by `vetting audit rekey` since)"
            )
    return problems
