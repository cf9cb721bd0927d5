"""Today's approved list and its difference from the last release, without recomputing
50,000 apps on every change.

A published release is the list on its date, computed from the data as it was when it was
published. An app's entry can differ today only when

- something about it changed since: every change made through the services writes an audit
  event in the same transaction (an app, its assessments and decisions, its vendor, the
  vendor's BAAs), so the events after the release's own event name those apps; or
- a date between the release's day and today changes how its unchanged facts read: a
  decision made or expiring, a revocation taking effect, a BAA of its vendor starting,
  ending, rolling over or being superseded.

Those apps are recomputed (the same rules, the same code: `queries.allowlist.compute`
restricted to them); every other app keeps its entry from the release. The diff is taken over
the recomputed apps only, which gives the same diff as comparing the two whole lists, because
every other app is the same in both. When the set is large, or a change cannot be traced to
apps, the whole list is computed instead: the result is always the same, only the cost
differs. `tests/services/test_live_list.py` checks that on random histories.

Parsed releases are kept per process (a release never changes, so it is keyed by its id and
hash); after publishing, the web, the API and the daily job hand the list they just published
to `published`, so the next page does not parse it back.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from heapq import merge
from operator import attrgetter
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session, col

from vetting import clock
from vetting.core.allowlist import ApprovedList, Departure, ListDiff, ListEntry, diff_lists
from vetting.core.baa import BaaTerms, state_on
from vetting.core.releases import list_from_content, sort_key
from vetting.models import (
    BAA,
    AllowlistRelease,
    App,
    Assessment,
    AuditEvent,
    BaaException,
    Decision,
    DecisionCondition,
)
from vetting.queries import allowlist, cache
from vetting.services.baas import TERMS

# Above this many apps to recompute, one full computation is as cheap and simpler to trust.
MAX_RECOMPUTE = 5000
# Up to this many removed and added items, the list is edited in place; beyond, re-sorted.
EDITS_BEFORE_SORT = 256
# Audit events after the release beyond which tracing them costs more than it saves.
MAX_EVENTS = 20_000

# Entity types whose changes can move an app on or off the list, and those that cannot.
# Anything else (a new kind of event, or a reset of the demo data) means: compute it all.
LIST_ENTITIES = allowlist.LIST_ENTITIES
_OTHER_ENTITIES = frozenset(
    {
        "user",
        "api_token",
        "sync_target",
        "allowlist_release",
        "notification_channel",
        "job_run",
        "evidence",
        # A parent agreement's terms reach the list only through the BAAs that follow it, and
        # each of those is changed (and audited as a "baa" event) in the same transaction.
        "parent_agreement",
        # A store listing is what the app store says of an app; the list never reads it.
        "store_listing",
    }
)


@dataclass(frozen=True)
class LiveList:
    """The list on `as_of` (entries and exclusions in the release's order) and its diff from
    `release` (from nothing when nothing was published). `recomputed` says how many of its
    apps were worked out afresh rather than taken from the release — in this call or, for a
    kept list brought up to date, since it was first computed that day (all of them when
    `incremental` is false)."""

    current: ApprovedList
    diff: ListDiff
    incremental: bool
    recomputed: int


def sorted_list(result: ApprovedList) -> ApprovedList:
    """The same list in a release's order (Python's string order, whatever the database's
    collation): what the live list is always shown in."""
    return ApprovedList(
        result.as_of,
        tuple(sorted(result.entries, key=sort_key)),
        tuple(sorted(result.excluded, key=sort_key)),
    )


class Base:
    """A release's list, indexed for patching: where each app sits, which apps each vendor
    has, and the newest app id the release saw (built once per release per process)."""

    def __init__(self, published: ApprovedList) -> None:
        self.list = published
        self.entry_at = {e.app_id: i for i, e in enumerate(published.entries)}
        self.excluded_at = {x.app_id: i for i, x in enumerate(published.excluded)}
        self.by_vendor: dict[int, list[int]] = {}
        for items in (published.entries, published.excluded):
            for item in items:
                self.by_vendor.setdefault(item.vendor_id, []).append(item.app_id)
        self.newest_app_id = max((*self.entry_at, *self.excluded_at), default=0)


def published(s: Session, release: AllowlistRelease, listed: ApprovedList | None) -> None:
    """Keep the list `release` was just made from as that release's (what publishing returns
    as `listed`; None when nothing new was published): the next page need not parse it back."""
    if listed is None:
        return

    def index() -> Base:
        with cache.gc_paused():
            return Base(sorted_list(listed))

    cache.remembered("release", (release.id, release.sha256), index, s=s)


def _base(s: Session, release: AllowlistRelease) -> Base:
    """A release's list, parsed and indexed once per process and database."""

    def parse() -> Base:
        with cache.gc_paused():
            return Base(list_from_content(release.content, release.as_of))

    return cache.remembered("release", (release.id, release.sha256), parse, s=s)


def release_list(s: Session, release: AllowlistRelease) -> ApprovedList:
    """A release's list, parsed once per process."""
    return _base(s, release).list


# The newest audit event a kept result has seen: its seq and hash (the hash chain tells a
# later state of the same history from a restored copy that has been written to since).
Head = tuple[int, str]


@dataclass(frozen=True)
class _KeptLive:
    """A patched live list for (release, day), the newest audit event and row ids it has
    seen, and the apps it worked out afresh with what it found for them (in release order)."""

    head: Head
    newest: tuple[int, int, int]
    apps: frozenset[int]
    fresh: ApprovedList
    live: LiveList


def compute(s: Session, as_of: date, release: AllowlistRelease | None) -> LiveList:
    """The list on `as_of` and what changed since `release` (normally the latest).

    Patched, not recomputed: the apps that can differ from the release are worked out afresh
    and the rest keep their entries. The result is kept per (release, day); after a write only
    the apps the write can have changed are worked out again, and added to those worked out
    before (the days between the release and `as_of` are read once, not after every write)."""
    if release is not None:
        base = _base(s, release)
        key = (release.id, release.sha256, as_of, allowlist.rules())
        kept: _KeptLive | None = cache.kept("live list", key, s=s)
        head, newest = newest_seen(s)
        if kept is not None and (kept.head, kept.newest) == (head, newest):
            return kept.live
        found = _since_kept(s, base, kept, head, newest, as_of) if kept is not None else None
        if found is None:
            apps = _apps_to_recompute(s, release, base, as_of)
            if apps is not None:
                fresh = _fresh(s, as_of, apps)
                found = _KeptLive(head, newest, frozenset(apps), fresh, _patched(base, apps, fresh))
        if found is None:
            # Computed whole (an import, a restore, too much to trace); kept as the apps whose
            # entries differ from the release's, so later writes are traced from here again
            # instead of each computing it whole until the next publish.
            current = sorted_list(allowlist.compute(s, as_of))
            whole = _kept_whole(base, head, newest, current)
            if whole is not None:
                cache.replace("live list", key, whole, s=s)
            return _whole(s, release, current)
        cache.replace("live list", key, found, s=s)
        return found.live
    return _whole(s, None, sorted_list(allowlist.compute(s, as_of)))


def _whole(s: Session, release: AllowlistRelease | None, current: ApprovedList) -> LiveList:
    """The list computed whole, and its diff from `release` as publishing records it."""
    total = len(current.entries) + len(current.excluded)
    return LiveList(current, diff_from(s, release, current), False, total)


def _kept_whole(
    base: Base, head: Head, newest: tuple[int, int, int], current: ApprovedList
) -> _KeptLive | None:
    """A whole computation as a kept list: the apps whose entry differs from the release's
    (changed, added, moved on or off the list, gone) worked out afresh, the rest the
    release's. None when more than MAX_RECOMPUTE differ (then nothing is kept)."""
    published = base.list
    apps: set[int] = set()
    for items, at, theirs in (
        (current.entries, base.entry_at, published.entries),
        (current.excluded, base.excluded_at, published.excluded),
    ):
        for item in items:
            i = at.get(item.app_id)
            if i is None or theirs[i] != item:
                apps.add(item.app_id)
    listed = {item.app_id for items in (current.entries, current.excluded) for item in items}
    apps.update(a for a in (*base.entry_at, *base.excluded_at) if a not in listed)
    if len(apps) > MAX_RECOMPUTE:
        return None
    fresh = ApprovedList(
        current.as_of,
        tuple(e for e in current.entries if e.app_id in apps),
        tuple(x for x in current.excluded if x.app_id in apps),
    )
    return _KeptLive(head, newest, frozenset(apps), fresh, _patched(base, apps, fresh))


def diff_from(s: Session, release: AllowlistRelease | None, listed: ApprovedList) -> ListDiff:
    """What `listed` changes from `release`'s list (everything when there is no release), the
    release parsed once per process: what publishing records as a new release's diff."""
    with cache.gc_paused():
        previous = release_list(s, release) if release is not None else None
        return diff_lists(previous, listed)


def _fresh(s: Session, as_of: date, apps: set[int] | frozenset[int]) -> ApprovedList:
    """These apps' entries on `as_of`, worked out afresh, in release order."""
    return sorted_list(allowlist.compute(s, as_of, set(apps))) if apps else ApprovedList(as_of, ())


def _since_kept(
    s: Session,
    base: Base,
    kept: _KeptLive,
    head: Head,
    newest: tuple[int, int, int],
    as_of: date,
) -> _KeptLive | None:
    """`kept` brought up to the newest event: the apps written since it (traced from its
    event, the day the same) worked out again, the others it found kept. None when that
    cannot be narrowed down (the database went back, too many events, an untraceable write)."""
    changed = touched_since(s, (kept.head, kept.newest), (head, newest), base.by_vendor, as_of)
    if changed is None:
        return None
    apps = kept.apps | changed
    if len(apps) > MAX_RECOMPUTE:
        return None
    again = _fresh(s, as_of, changed)
    fresh = ApprovedList(
        as_of,
        _merged(kept.fresh.entries, changed, again.entries),
        _merged(kept.fresh.excluded, changed, again.excluded),
    )
    live = _edited(base, kept, changed, again, len(apps))
    if live is None:
        live = _patched(base, set(apps), fresh)
    return _KeptLive(head, newest, apps, fresh, live)


def _edited(
    base: Base, kept: _KeptLive, changed: set[int], again: ApprovedList, recomputed: int
) -> LiveList | None:
    """`kept.live` with only the apps `changed` worked out again (`again`): a few edits of its
    list and of its diff — the diff is per app, so the other apps' changes stay as they were —
    instead of rebuilding both from the release over every app worked out since it (after a
    release days old: thousands, re-sorted and compared again on every write). None when
    more than a few apps changed, or the kept list does not hold what it should."""
    if 2 * len(changed) > EDITS_BEFORE_SORT:
        return None
    published, old = base.list, kept.live.current
    # What the kept list holds for each changed app: its own entry when it worked the app out
    # before, else the release's (an app may be on neither: new, or gone).
    held: dict[int, Any] = {}
    for items in (kept.fresh.entries, kept.fresh.excluded):
        held.update((item.app_id, item) for item in items if item.app_id in changed)
    gone_entries: list[Any] = []
    gone_excluded: list[Any] = []
    for app_id in changed:
        if app_id in kept.apps:
            item = held.get(app_id)
        elif app_id in base.entry_at:
            item = published.entries[base.entry_at[app_id]]
        elif app_id in base.excluded_at:
            item = published.excluded[base.excluded_at[app_id]]
        else:
            item = None
        if item is not None:
            (gone_entries if isinstance(item, ListEntry) else gone_excluded).append(item)
    entries = _edit(old.entries, gone_entries, again.entries)
    excluded = _edit(old.excluded, gone_excluded, again.excluded)
    if entries is None or excluded is None:
        return None
    before = ApprovedList(
        published.as_of,
        tuple(
            published.entries[i]
            for i in sorted(base.entry_at[a] for a in changed if a in base.entry_at)
        ),
        tuple(
            published.excluded[i]
            for i in sorted(base.excluded_at[a] for a in changed if a in base.excluded_at)
        ),
    )
    part = diff_lists(before, again)
    # Each kind in diff_lists' own order: added, changed and blocked follow today's list,
    # removed the release's, unblocked the app ids.
    orders: dict[str, Any] = {
        "added": sort_key,
        "removed": lambda c: base.entry_at[c.app_id],
        "changed": sort_key,
        "blocked": sort_key,
        "unblocked": attrgetter("app_id"),
    }
    diff = ListDiff(
        *(
            tuple(
                merge(
                    [c for c in getattr(kept.live.diff, kind) if c.app_id not in changed],
                    getattr(part, kind),
                    key=orders[kind],
                )
            )
            for kind in ListDiff.KINDS
        )
    )
    return LiveList(ApprovedList(again.as_of, entries, excluded), diff, True, recomputed)


def _edit(items: tuple[Any, ...], drop: list[Any], add: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """`items` (release order) without the items `drop`, found by their sort key, and with
    `add` in their places; None when one of `drop` is not where its key says."""
    out = list(items)
    for item in drop:
        i = bisect_left(out, sort_key(item), key=sort_key)
        if i == len(out) or out[i] != item:
            return None
        del out[i]
    for item in add:
        insort(out, item, key=sort_key)
    return tuple(out)


def _merged(items: tuple[Any, ...], changed: set[int], again: tuple[Any, ...]) -> tuple[Any, ...]:
    """`items` (release order) without the apps `changed`, with `again` in their place."""
    kept = [item for item in items if item.app_id not in changed]
    with cache.gc_paused():
        return tuple(sorted([*kept, *again], key=sort_key))


def _patched(base: Base, apps: set[int] | frozenset[int], fresh: ApprovedList) -> LiveList:
    """The release's list with `apps` replaced by `fresh` (their entries worked out afresh),
    and the diff over those apps only."""
    as_of = fresh.as_of
    published = base.list
    at_entries = sorted(base.entry_at[a] for a in apps if a in base.entry_at)
    at_excluded = sorted(base.excluded_at[a] for a in apps if a in base.excluded_at)
    before = ApprovedList(
        published.as_of,
        tuple(published.entries[i] for i in at_entries),
        tuple(published.excluded[i] for i in at_excluded),
    )
    current = ApprovedList(
        as_of,
        _replace(published.entries, at_entries, fresh.entries),
        _replace(published.excluded, at_excluded, fresh.excluded),
    )
    return LiveList(current, diff_lists(before, fresh), True, len(apps))


def _replace(items: tuple[Any, ...], drop: list[int], add: tuple[Any, ...]) -> tuple[Any, ...]:
    """`items` (in release order) without the positions `drop`, with `add` in order: a few
    list edits when few apps changed, one sort of the whole when many did."""
    if len(drop) + len(add) > EDITS_BEFORE_SORT:
        dropped = set(drop)
        kept = [item for i, item in enumerate(items) if i not in dropped]
        # Two sorted runs: one merge. Its key tuples are new objects; without the pause they
        # set off full collections over every object the kept lists hold.
        with cache.gc_paused():
            return tuple(sorted([*kept, *add], key=sort_key))
    out = list(items)
    for i in reversed(drop):
        del out[i]
    for item in add:
        insort(out, item, key=sort_key)
    return tuple(out)


def _apps_to_recompute(
    s: Session, release: AllowlistRelease, base: Base, as_of: date
) -> set[int] | None:
    """The ids of every app whose entry may differ between `base` and the list on `as_of`,
    or None when they cannot be narrowed down (then the whole list is computed)."""
    since = s.scalar(
        select(col(AuditEvent.seq)).where(
            col(AuditEvent.action) == "allowlist.publish",
            col(AuditEvent.entity_type) == "allowlist_release",
            col(AuditEvent.entity_id) == str(release.id),
        )
    )
    if since is None:
        return None
    lo, hi = sorted((release.as_of, as_of))
    apps = _traced(s, since, base.by_vendor, lo, hi)
    if apps is None:
        return None
    # Rows written around the services (no audit event) cannot be traced: an app the release
    # never saw, and no event created, means compute it all.
    newest = s.scalar(select(func.max(App.id)))
    if newest is not None and newest > base.newest_app_id and newest not in apps:
        return None
    return apps


def _traced(
    s: Session, since: int, known: Mapping[int, Iterable[int]], lo: date, hi: date
) -> set[int] | None:
    """Every app a write after audit event `since` can have changed (its own events, its
    assessments', its vendor's and its vendor's agreements'), plus those whose facts read
    differently on `lo` and `hi`; `known` adds the apps a kept result holds per vendor (an
    app deleted since). None when they cannot be narrowed down."""
    found = _trace(s, since, lo, hi)
    if found is None:
        return None
    apps = _and_known(found, known)
    return None if len(apps) > MAX_RECOMPUTE else apps


# Apps found in the database, and vendors whose apps a kept result may also hold.
_Touched = tuple[frozenset[int], frozenset[int]]


def _and_known(found: _Touched, known: Mapping[int, Iterable[int]]) -> set[int]:
    apps = set(found[0])
    for vendor_id in found[1]:
        apps.update(known.get(vendor_id, ()))
    return apps


def _trace(s: Session, since: int, lo: date, hi: date) -> _Touched | None:
    """`_traced` from the database alone: the apps, and the vendors touched."""
    events = s.execute(
        select(col(AuditEvent.entity_type), col(AuditEvent.entity_id))
        .where(col(AuditEvent.seq) > since)
        .limit(MAX_EVENTS + 1)
    ).all()
    if len(events) > MAX_EVENTS:
        return None
    ids: dict[str, set[int]] = {kind: set() for kind in LIST_ENTITIES}
    for kind, entity_id in events:
        if kind in _OTHER_ENTITIES:
            continue
        if kind not in LIST_ENTITIES or entity_id is None or not entity_id.isdigit():
            return None
        ids[kind].add(int(entity_id))
    apps = set(ids["app"])
    vendors = set(ids["vendor"])
    if ids["assessment"]:
        found = s.execute(
            select(col(Assessment.id), col(Assessment.app_id)).where(
                col(Assessment.id).in_(sorted(ids["assessment"]))
            )
        ).all()
        if len(found) != len(ids["assessment"]):
            return None  # an assessment gone without its app's event: cannot trace it
        apps.update(app_id for _, app_id in found)
    if ids["baa"]:
        found = s.execute(
            select(col(BAA.id), col(BAA.vendor_id)).where(col(BAA.id).in_(sorted(ids["baa"])))
        ).all()
        if len(found) != len(ids["baa"]):
            return None
        vendors.update(vendor_id for _, vendor_id in found)
    if lo != hi:
        apps.update(_apps_dated_between(s, lo, hi))
        vendors.update(_vendors_changing_between(s, lo, hi))
    if vendors:
        # (Typed Any: a selected `id` is never NULL, yet SQLModel types it int | None.)
        theirs: Sequence[Any] = s.scalars(
            select(col(App.id)).where(col(App.vendor_id).in_(sorted(vendors)))
        ).all()
        apps.update(theirs)
    return frozenset(apps), frozenset(vendors)


# --- the forecast, kept and patched ---------------------------------------------------------


@dataclass(frozen=True)
class _KeptForecast:
    """A forecast for (today, days), the newest audit event and row ids it has seen, and its
    departures by app and by vendor."""

    head: Head
    newest: tuple[int, int, int]  # the newest app, decision and BAA ids it has seen
    departures: dict[int, Departure]
    by_vendor: dict[int, set[int]]


# What a kept result has seen: the newest audit event, and the newest app, decision and BAA ids.
Seen = tuple[Head, tuple[int, int, int]]


def touched_since(
    s: Session, kept: Seen, now: Seen, known: Mapping[int, Iterable[int]], day: date
) -> set[int] | None:
    """Every app a write after a kept result can have changed, between what it saw (`kept`)
    and `now` (`newest_seen`): traced from the audit events since (its own, its assessments',
    its vendor's and its vendor's agreements') and the rows inserted around the services
    since; `known` adds the apps the kept result holds per vendor (an app deleted since).
    None when that cannot be narrowed down: the database went back (restored from an older
    copy), too many events, an event that names no record.

    The kept results a page patches (the live list, the forecast, the reassessments due) have
    usually seen the same state, so within one unit of work the tracing is done once for
    each (kept, now, day) and only `known` is applied per caller."""
    memo: dict[tuple[Seen, Seen, date], tuple[_Touched, _Touched] | None]
    memo = s.info.setdefault(_TOUCHED, {})
    key = (kept, now, day)
    if key not in memo:
        memo[key] = _touched(s, kept, now, day)
    found = memo[key]
    if found is None:
        return None
    traced, around = found
    apps = _and_known(traced, known)
    if len(apps) > MAX_RECOMPUTE:
        return None
    return apps | _and_known(around, known)


_TOUCHED = "vetting.live_list.touched"  # Session.info: touched_since's tracings


def _touched(s: Session, kept: Seen, now: Seen, day: date) -> tuple[_Touched, _Touched] | None:
    if _went_back(s, kept[0], now[0], kept[1], now[1]):
        return None
    traced = _trace(s, kept[0][0], day, day)
    if traced is None:
        return None
    return traced, _written_around(s, kept[1])


def newest_seen(s: Session) -> Seen:
    """The newest audit event (its seq and hash), and the newest app, decision and BAA ids
    (one statement)."""
    last = (
        select(col(AuditEvent.seq), col(AuditEvent.hash))
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    )
    row = s.execute(
        select(
            last.with_only_columns(col(AuditEvent.seq)).scalar_subquery(),
            last.with_only_columns(col(AuditEvent.hash)).scalar_subquery(),
            select(func.max(App.id)).scalar_subquery(),
            select(func.max(Decision.id)).scalar_subquery(),
            select(func.max(BAA.id)).scalar_subquery(),
        )
    ).one()
    return (row[0] or 0, row[1] or ""), (row[2] or 0, row[3] or 0, row[4] or 0)


def _went_back(
    s: Session,
    kept_head: Head,
    head: Head,
    kept_newest: tuple[int, int, int],
    newest: tuple[int, int, int],
) -> bool:
    """Whether the database is not a later state of the one a kept result saw: restored from
    an older copy (the event it saw last is gone or another one now, even when writes since
    have carried the sequence past it again), or rows it saw deleted around the services."""
    if head[0] < kept_head[0] or any(n < k for n, k in zip(newest, kept_newest, strict=True)):
        return True
    if kept_head[0] == 0:
        return False
    found = s.scalar(select(col(AuditEvent.hash)).where(col(AuditEvent.seq) == kept_head[0]))
    return found != kept_head[1]


def _written_around(s: Session, seen: tuple[int, int, int]) -> _Touched:
    """Apps that rows written around the services (no audit event) since a kept result can
    have changed: apps, decisions and agreements newer than the `seen` ids (app, decision,
    BAA), an agreement standing for every app of its vendor (the vendors are returned too:
    the apps a kept result holds for them count as well)."""
    apps: set[Any] = set(s.scalars(select(col(App.id)).where(col(App.id) > seen[0])))  # ids
    apps |= set(s.scalars(select(col(Decision.app_id)).where(col(Decision.id) > seen[1])))
    vendors = set(s.scalars(select(col(BAA.vendor_id)).where(col(BAA.id) > seen[2])))
    if vendors:
        apps |= set(s.scalars(select(col(App.id)).where(col(App.vendor_id).in_(vendors))))
    return frozenset(apps), frozenset(vendors)


def _kept(seq: Head, newest: tuple[int, int, int], found: Sequence[Departure]) -> _KeptForecast:
    by_vendor: dict[int, set[int]] = {}
    for d in found:
        by_vendor.setdefault(d.vendor_id, set()).add(d.app_id)
    return _KeptForecast(seq, newest, {d.app_id: d for d in found}, by_vendor)


def _patched_forecast(
    kept: _KeptForecast,
    seq: Head,
    newest: tuple[int, int, int],
    apps: set[int],
    fresh: Sequence[Departure],
) -> _KeptForecast:
    """`kept` with the departures of `apps` replaced by `fresh`: copies of its two indexes
    with only those apps' entries edited (not rebuilt from every departure)."""
    departures = dict(kept.departures)
    by_vendor = dict(kept.by_vendor)
    edited: dict[int, set[int]] = {}  # vendors whose set is a fresh copy already

    def vendor_set(vendor_id: int) -> set[int]:
        found = edited.get(vendor_id)
        if found is None:
            found = edited[vendor_id] = set(by_vendor.get(vendor_id, ()))
            by_vendor[vendor_id] = found
        return found

    for app_id in apps:
        gone = departures.pop(app_id, None)
        if gone is not None:
            vendor_set(gone.vendor_id).discard(app_id)
    for d in fresh:
        departures[d.app_id] = d
        vendor_set(d.vendor_id).add(d.app_id)
    for vendor_id, ids in edited.items():
        if not ids:
            del by_vendor[vendor_id]
    return _KeptForecast(seq, newest, departures, by_vendor)


def forecast(s: Session, today: date, days: int) -> list[Departure]:
    """`allowlist.forecast` (apps on today's list that leave it within `days`), computed in
    full once a day and then patched: after a write only the apps it can have changed are
    forecast again (an app's forecast depends on nothing but its own facts and its vendor's
    agreements). Untraceable changes (too many events, a write without an event) recompute
    it all."""
    seq, newest = newest_seen(s)

    def full() -> _KeptForecast:
        return _kept(seq, newest, allowlist.forecast(s, today, days))

    kept = cache.remembered("forecast", (today, days, allowlist.rules()), full, s=s)
    if (kept.head, kept.newest) == (seq, newest):
        return _ordered(kept.departures.values())
    apps = touched_since(s, (kept.head, kept.newest), (seq, newest), kept.by_vendor, today)
    if apps is None or len(apps) > MAX_RECOMPUTE:
        kept = full()
        cache.replace("forecast", (today, days, allowlist.rules()), kept, s=s)
        return _ordered(kept.departures.values())
    fresh = allowlist.forecast(s, today, days, sorted(apps)) if apps else []
    patched = _patched_forecast(kept, seq, newest, apps, fresh)
    cache.replace("forecast", (today, days, allowlist.rules()), patched, s=s)
    return _ordered(patched.departures.values())


def _ordered(found: Any) -> list[Departure]:
    # Sort keys are new tuples: without the pause they can set off full collections over
    # every object the kept lists hold (measured: most of a dashboard after a decision).
    with cache.gc_paused():
        return sorted(
            found, key=lambda d: (d.leaves_on, d.vendor_name, d.name, d.platform, d.app_id)
        )


def _apps_dated_between(s: Session, lo: date, hi: date) -> set[int]:
    """Apps whose unchanged facts read differently on `lo` and on `hi`: a revocation taking
    effect (revoked on a day d means off from d), a decision made (it counts from the organisation's
    day it was made, so the latest one changes), confirmed or refused by a second person, or
    expiring (valid through its `valid_until`), a condition falling due or being met."""
    # Days are the organisation's, as the full list counts them.
    start, end = clock.day_start(lo + timedelta(days=1)), clock.day_start(hi + timedelta(days=1))
    revoked = select(col(App.id)).where(col(App.revoked_on) > lo, col(App.revoked_on) <= hi)
    decided = select(col(Decision.app_id)).where(
        or_(
            and_(col(Decision.decided_at) >= start, col(Decision.decided_at) < end),
            and_(col(Decision.valid_until) >= lo, col(Decision.valid_until) < hi),
        )
    )
    # A second person's confirmation or refusal counts from its day, as a decision does.
    seconded = select(col(Decision.app_id)).where(
        or_(
            and_(col(Decision.confirmed_at) >= start, col(Decision.confirmed_at) < end),
            and_(col(Decision.refused_at) >= start, col(Decision.refused_at) < end),
        )
    )
    # A condition is overdue from the day after its due date, and met from the day it was.
    conditioned = (
        select(col(Decision.app_id))
        .join(DecisionCondition, col(DecisionCondition.decision_id) == col(Decision.id))
        .where(
            or_(
                and_(col(DecisionCondition.due_date) >= lo, col(DecisionCondition.due_date) < hi),
                and_(col(DecisionCondition.met_at) >= start, col(DecisionCondition.met_at) < end),
            )
        )
    )
    found: Sequence[Any] = s.scalars(  # ids: never NULL
        revoked.union(decided, seconded, conditioned)
    ).all()
    return set(found)


def _vendors_changing_between(s: Session, lo: date, hi: date) -> set[int]:
    """Vendors with a BAA whose standing differs on `lo` and on `hi` (in force or not, and the
    term end the list shows, or an exception starting or ending to count). Only agreements with
    a date in between, or that renew by themselves, can differ; the core's `state_on` decides
    for those."""
    near = (lo - timedelta(days=2), hi + timedelta(days=1))  # a last day: one more before
    rows = s.execute(
        select(col(BAA.id), col(BAA.vendor_id), *TERMS).where(
            or_(
                col(BAA.auto_renews).is_(True),
                col(BAA.effective_date).between(*near),
                col(BAA.expiration_date).between(*near),
                col(BAA.terminated_on).between(*near),
                col(BAA.superseded_on).between(*near),
            )
        )
    ).all()
    # An exception counts from the day a second person confirms it, through its `ends_on`.
    start, end = clock.day_start(lo + timedelta(days=1)), clock.day_start(hi + timedelta(days=1))
    excepted: Sequence[Any] = s.scalars(
        select(col(BAA.vendor_id))
        .join(BaaException, col(BaaException.baa_id) == col(BAA.id))
        .where(
            or_(
                and_(col(BaaException.confirmed_at) >= start, col(BaaException.confirmed_at) < end),
                and_(col(BaaException.ends_on) >= lo, col(BaaException.ends_on) < hi),
            )
        )
    ).all()
    vendors: set[int] = set(excepted)
    for r in rows:
        if r.vendor_id in vendors:
            continue
        terms = BaaTerms(*r[2:])
        if _standing(terms, lo) != _standing(terms, hi):
            vendors.add(r.vendor_id)
    return vendors


def _standing(terms: BaaTerms, on: date) -> tuple[Any, ...]:
    status = state_on(terms, on)
    return (status.in_force, status.term_end, None if status.in_force else status.state)
