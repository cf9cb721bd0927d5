"""The one place results are kept between requests: every cache, its keys, its memory bound
and its invalidation. Read models ask

    cache.remembered(name, key, compute)                # kept while in the name's bound
    cache.remembered(name, key, compute, s=s)           # … per database
    cache.remembered(name, key, compute, s=s, reads=R)  # … until the records R names change
    cache.replace(name, key, value, s=s)                # keep a patched result instead
    cache.table(name, *key)                             # a dict memoising a pure rule
    with cache.gc_paused(): …                           # while building 10,000s of objects
    cache.forget_before(today)                          # a new day: drop the days before
    cache.settle_kept()                                 # after the warm-up: collect, freeze

and `clear_all()` forgets everything (what a new process starts with; tests call it before
each test). Requests of a process that miss the same result at once (the first ones after a
write) compute it once: the others wait for that computation (up to FLIGHT_WAIT_SECONDS)
instead of running it beside it, which would slow each of them down by as many times.

Use cases (vetting/services/) never call this module: they write, and their audit event is
what moves a result's key.

Invalidation: every change made through the services appends an audit event in the same
transaction, so the head of the hash chain names the state of the data: a new event means
recompute, none means the same answer. `reads` narrows that to the newest event of each kind
of record a result is computed from (editing an app keeps the BAA section), plus the newest
ids of the tables it reads (rows inserted around the services, e.g. by a bulk import or a
benchmark, move those).
"""

from __future__ import annotations

import gc
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting.models import BAA, AllowlistRelease, App, AuditEvent, Decision, Vendor

T = TypeVar("T")

# How many results each cache keeps, the least recently used dropped first.
KEEP = 8
BOUNDS = {
    "release": 2,  # parsed releases, indexed for patching: tens of MB each at 50,000 apps
    "pinned checklist": 256,  # parsed checklist versions, by SHA-256
    "export": 6,  # release files (a few MB each at 50,000 apps): the latest in each format
    "live list file": 4,  # the live list as JSON or CSV (tens of MB at 50,000 apps)
    "live list": 4,  # the patched live list per (release, day): today's, and a few others
    # immutable releases: tens of MB each at 50,000 apps (a document), a few MB (a diff)
    "release document": 4,  # the API's JSON of a release and of its diff: the latest two
    "release diff": 4,
    "sync preview": 4,
}
# Memo tables: the few most recent keys (a day and its settings) per name, each table emptied
# if it ever grows past MAX_ENTRIES (12,000 agreements hold far fewer distinct sets of terms).
TABLES_KEPT = 4
MAX_ENTRIES = 200_000

MISSING: Any = object()  # what a memo table's .get returns for a key not seen yet

_LOCK = threading.Lock()
_KEPT: dict[str, OrderedDict[Hashable, Any]] = {}
# Results being computed now, by (name, full key): later requests for one wait for it.
_FLIGHTS: dict[tuple[str, Hashable], tuple[threading.Event, int]] = {}  # with the thread
# How long a request waits for another's computation before doing it itself.
FLIGHT_WAIT_SECONDS = 30.0
_TABLES: dict[str, OrderedDict[Hashable, dict[Any, Any]]] = {}


@dataclass(frozen=True)
class Reads:
    """What a kept result is computed from: the kinds of records whose audit events change it
    (None: any event) and the tables whose newest ids it must see."""

    entity_types: tuple[str, ...] | None
    models: tuple[type[Any], ...]


# The whole register: any audit event, any new row of the tables the pages read.
EVERYTHING = Reads(None, (Vendor, App, Decision, BAA, AllowlistRelease))


def remembered(
    name: str,
    key: Hashable,
    compute: Callable[[], T],
    *,
    s: Session | None = None,
    reads: Reads | None = None,
) -> T:
    """`compute()` once per `key` in the cache `name` (its bound in BOUNDS, else KEEP). With
    `s`, once per key and database; with `reads` too, once per key and state of the records
    `reads` names (one cheap statement to find it)."""
    full: tuple[Any, ...] = (key,)
    if reads is not None:
        if s is None:
            raise TypeError("reads needs the session whose data it reads")
        full = (key, *_data_version(s, reads))
    elif s is not None:
        full = (key, _database(s))
    flight_key = (name, full)
    while True:
        with _LOCK:
            kept = _KEPT.setdefault(name, OrderedDict())
            if full in kept:
                kept.move_to_end(full)
                return kept[full]
            found = _FLIGHTS.get(flight_key)
            if found is None:  # nobody is computing it: this request does
                flight = threading.Event()
                _FLIGHTS[flight_key] = (flight, threading.get_ident())
                break
            other, owner = found
        if owner == threading.get_ident():  # asked again while computing it: never wait on itself
            return compute()
        # Another request of this process is computing the same result (the first requests
        # after a write all miss at once): wait for it rather than compute it beside it, each
        # slowing the others down. If it failed (nothing kept), or takes too long, compute.
        if not other.wait(FLIGHT_WAIT_SECONDS):
            return compute()
    try:
        value = compute()  # outside the lock: other requests are not held up meanwhile
        with _LOCK:
            kept = _KEPT.setdefault(name, OrderedDict())
            kept[full] = value
            kept.move_to_end(full)
            while len(kept) > BOUNDS.get(name, KEEP):
                kept.popitem(last=False)
    finally:
        with _LOCK:
            if _FLIGHTS.get(flight_key, (None, 0))[0] is flight:
                del _FLIGHTS[flight_key]
        flight.set()
    return value


def replace(name: str, key: Hashable, value: Any, *, s: Session | None = None) -> None:
    """Keep `value` as what `remembered(name, key, …, s=s)` returns from now on: a result a
    read model patched rather than computed again (without `reads`: such a result carries
    what it has seen and checks it itself)."""
    full: tuple[Any, ...] = (key,) if s is None else (key, _database(s))
    with _LOCK:
        kept = _KEPT.setdefault(name, OrderedDict())
        kept[full] = value
        kept.move_to_end(full)
        while len(kept) > BOUNDS.get(name, KEEP):
            kept.popitem(last=False)


def kept(name: str, key: Hashable, *, s: Session | None = None) -> Any:
    """What `replace(name, key, …, s=s)` kept last, or None: for a result that is patched
    from its previous value rather than computed from nothing."""
    full: tuple[Any, ...] = (key,) if s is None else (key, _database(s))
    with _LOCK:
        found = _KEPT.get(name)
        if found is None or full not in found:
            return None
        found.move_to_end(full)
        return found[full]


def version_tag(s: Session, reads: Reads, *key: Hashable) -> str:
    """An opaque tag for "this key, on the data `reads` names as it is now": the same until
    one of those records changes (an HTTP ETag for a computed answer; one cheap statement)."""
    state = repr((key, *_data_version(s, reads)))
    return hashlib.sha256(state.encode()).hexdigest()[:40]


def table(name: str, *key: Hashable) -> dict[Any, Any]:
    """A plain dict for remembering a pure rule's results by its inputs, one per `key` (e.g.
    a day and its settings): the caller reads it with .get(inputs, MISSING) and stores what it
    computes. The results are pure functions of their keys, so they are never stale."""
    with _LOCK:
        tables = _TABLES.setdefault(name, OrderedDict())
        found = tables.get(key)
        if found is None or len(found) > MAX_ENTRIES:
            found = tables[key] = {}
        tables.move_to_end(key)
        while len(tables) > TABLES_KEPT:
            tables.popitem(last=False)
        return found


def clear_all() -> None:
    """Forget every kept result and memo table (what a new process starts with)."""
    with _LOCK:
        _KEPT.clear()
        _TABLES.clear()


def forget_before(day: date) -> int:
    """Forget every kept result and memo table whose key names a day before `day`: a date
    or datetime in the key itself or in a plain tuple within it (only those are looked into:
    a day must be in sight, not hashed into a tag or inside another object — a calendar
    window's `Feed` says when it starts, which is no reason to drop it). What the warm-up
    after midnight does first: the day-keyed results (the dashboard's, the live list and its
    files, a day's states) would otherwise stay until newer results push them out, one at a
    time, and the request that pushes one out frees it — a whole day's 50,000-app list,
    measured at 25–33 ms on the first dashboard after a write. Freed here, outside the lock,
    so other threads' look-ups are not held up meanwhile. Returns how many were dropped."""
    dropped: list[Any] = []
    with _LOCK:
        for entries in (*_KEPT.values(), *_TABLES.values()):
            for key in [key for key in entries if _names_a_day_before(key, day)]:
                dropped.append(entries.pop(key))
    count = len(dropped)
    del dropped  # the day's lists are freed here, by the caller, not by a request
    return count


def _names_a_day_before(key: Any, day: date) -> bool:
    if isinstance(key, tuple):
        return any(_names_a_day_before(part, day) for part in key)
    if isinstance(key, datetime):
        return key.date() < day
    return isinstance(key, date) and key < day


_PAUSES = 0  # how many gc_paused blocks are open, in every thread (under _GC_LOCK)
_GC_WAS_ENABLED = False  # whether the collector was on when the first of them opened
_GC_LOCK = threading.Lock()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of list objects are built:
    they form no cycles, yet each automatic full collection would walk all of them again
    (measured: a 50,000-app list takes about twice as long with it on). Nesting is safe, and
    so are pauses in several threads at once: the collector is switched off when the first
    opens and back on (if it was on) when the last closes — not by whichever closes first,
    nor left off by one that opened while another had it off."""
    global _PAUSES, _GC_WAS_ENABLED
    with _GC_LOCK:
        if _PAUSES == 0:
            _GC_WAS_ENABLED = gc.isenabled()
            gc.disable()
        _PAUSES += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _PAUSES -= 1
            if _PAUSES == 0 and _GC_WAS_ENABLED:
                gc.enable()


def settle_kept() -> None:
    """After the day's results are worked out (the warm-up): free what is garbage now in one
    full collection, then set every surviving object aside from later collections
    (`gc.freeze`), so the collector no longer walks the kept lists again and again. Without
    it, a request soon after the warm-up paid that full walk (measured at 50,000 apps: about
    300 ms for the first dashboard after a warm-up), and others did at random under load.
    What an earlier call set aside is let back in first, so yesterday's results, replaced
    since, are freed now rather than kept for ever. Collections stay on otherwise: objects
    made after this are collected as usual. Holds the interpreter for that one collection."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _database(s: Session) -> str:
    return s.get_bind().engine.url.render_as_string(hide_password=True)


def _data_version(s: Session, reads: Reads) -> tuple[Any, ...]:
    """Names the state of the records `reads` names: the database, the newest audit event of
    each kind (of any kind for EVERYTHING) and the newest row ids. Primary-key maxima and
    newest events are index look-ups: one cheap statement."""
    if reads.entity_types is None:
        heads = [select(col(AuditEvent.seq), col(AuditEvent.hash))]
    else:
        heads = [
            select(col(AuditEvent.seq), col(AuditEvent.hash)).where(
                col(AuditEvent.entity_type) == kind
            )
            for kind in reads.entity_types
        ]
    newest = [head.order_by(col(AuditEvent.seq).desc()).limit(1) for head in heads]
    row = s.execute(
        select(
            *(
                query.with_only_columns(column).scalar_subquery()
                for query in newest
                for column in (col(AuditEvent.seq), col(AuditEvent.hash))
            ),
            *(select(func.max(model.id)).scalar_subquery() for model in reads.models),
        )
    ).one()
    return (_database(s), *row)
