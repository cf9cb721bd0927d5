"""Looking an app up in its store (`vetting apps lookup`, the app page's button, the API and
the daily refresh of the approved list's apps).

One lookup: read the app, fetch the listing through the store's integration with no
transaction open, then in one transaction keep what it says on the app's `store_listing`
row (URL, time, SHA-256), raise the flags (seller is not the vendor, not in the store, the
store ID names another app) and propose the declared data-safety practices a checklist
capability asks about as `discovered` suggestions on the app's open assessments. A lookup
that fails records only its error on that row (created if needed) and keeps the earlier
facts: nothing of a failed lookup is saved. Rules: docs/rules.md, "Store lookups".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from integrations.stores.base import Listing, StoreError, StoreOptions, store_for
from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.scoring import Source
from vetting.core.statuses import AssessmentStatus, OriginKind, Role, SuggestionStatus
from vetting.core.store_listing import ListingStatus, flags, lookup_problem, proposed_answers
from vetting.db import transaction
from vetting.errors import Invalid, VettingError
from vetting.models import AnswerSuggestion, App, Assessment, StoreListing, Vendor
from vetting.queries.checklists import pinned
from vetting.services import suggestions
from vetting.services.common import get_or_404
from vetting.settings import Settings

log = logging.getLogger("vetting.stores")

WRITE_SCOPE = "apps:write"
READ_SCOPE = "apps:read"
REFRESHER = Principal(
    "system:store-refresh",
    Role.PROCUREMENT,
    frozenset({WRITE_SCOPE, suggestions.PROPOSE_SCOPE}),
    "system",
)


class LookupFailed(VettingError):
    """The store could not be read (timeout, refused address, a body that is not the
    store's answer): the error is recorded on the app's listing; a 502 from the API."""

    status = 502


def options_from(settings: Settings) -> StoreOptions:
    return StoreOptions(
        apple_lookup_url=settings.apple_lookup_url,
        play_url=settings.play_store_url,
        country=settings.store_country,
        language=settings.store_language,
        max_bytes=settings.store_max_bytes,
        timeout_seconds=float(settings.store_timeout),
        allow_private=settings.notify.allow_private_urls,
    )


@dataclass(frozen=True)
class Outcome:
    """What one lookup did: the listing row as now stored, the suggestions it made, and why
    none were made where that needs saying."""

    listing: StoreListing
    suggested: list[AnswerSuggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def listing_of(s: Session, app_id: int) -> StoreListing | None:
    return s.scalar(select(StoreListing).where(col(StoreListing.app_id) == app_id))


def get_listing(s: Session, app_id: int) -> StoreListing | None:
    """The app's listing row (404 for no such app; None when never looked up)."""
    get_or_404(s, App, app_id, "app")
    return listing_of(s, app_id)


def lookup(s: Session, actor: Principal, app_id: int, options: StoreOptions) -> Outcome:
    """Look the app up now (see the module's doc). LookupFailed when the store could not be
    read; Invalid (422) for an app that has no store to look in."""
    actor.require(WRITE_SCOPE)
    app = get_or_404(s, App, app_id, "app")
    platform, store_id = app.platform, app.store_id
    problem = lookup_problem(platform, store_id)
    if problem is not None:
        raise Invalid(problem, "store_id")
    store = store_for(platform)
    assert store is not None and store_id is not None  # lookup_problem said so
    s.rollback()  # no transaction stays open while the store answers
    try:
        found = store.lookup(store_id, options)
    except StoreError as exc:
        _record_failure(s, actor, app_id, platform, store_id, options.country, str(exc))
        raise LookupFailed(f"lookup of {store_id} in {store.label} failed: {exc}") from None
    with transaction(s):
        return _keep(s, actor, app_id, platform, store_id, options.country, found)


def _row(s: Session, app_id: int, platform: str, store_id: str, country: str) -> StoreListing:
    row = listing_of(s, app_id)
    if row is None:
        row = StoreListing(app_id=app_id, platform=platform, store_id=store_id, country=country)
        s.add(row)
    return row


def _record_failure(
    s: Session,
    actor: Principal,
    app_id: int,
    platform: str,
    store_id: str,
    country: str,
    message: str,
) -> None:
    with transaction(s):
        if s.get(App, app_id) is None:  # deleted while the store was asked
            return
        row = _row(s, app_id, platform, store_id, country)
        before = audit.snapshot(row) if row.id is not None else None
        now = clock.now()
        row.last_error = message[:4000]
        row.last_error_at = now
        row.updated_at = now
        s.flush()
        audit.record(
            s, actor.name, "store_listing.fail", "store_listing", app_id, before,
            audit.snapshot(row),
        )  # fmt: skip


def _keep(
    s: Session,
    actor: Principal,
    app_id: int,
    platform: str,
    store_id: str,
    country: str,
    found: Listing,
) -> Outcome:
    app = get_or_404(s, App, app_id, "app")
    vendor = s.get(Vendor, app.vendor_id)
    assert vendor is not None
    row = _row(s, app_id, platform, store_id, country)
    before = audit.snapshot(row) if row.id is not None else None
    now = clock.now()
    row.platform, row.store_id, row.country = platform, store_id, country
    row.lookup_url = found.response.url[:2000]
    row.sha256 = found.response.sha256
    row.fetched_at = now
    row.last_error = row.last_error_at = None
    row.updated_at = now
    raised = flags(
        found=found.found,
        store_label=found.store,
        vendor_name=vendor.name,
        seller_name=found.seller_name,
        app_name=app.name,
        title=found.title,
        developer_name=found.developer_name,
    )
    row.flags = [f.as_dict() for f in raised]
    if not found.found:
        # What was last seen listed stays, under the "not in the store" flag.
        row.status = ListingStatus.NOT_IN_STORE
    else:
        row.status = ListingStatus.FOUND
        row.found_at = now
        row.title = found.title
        row.seller_name = found.seller_name
        row.developer_name = found.developer_name
        row.store_url = found.store_url
        row.version = found.version
        row.released_at = found.released_at
        row.minimum_os = found.minimum_os
        row.developer_website = found.developer_website
        row.developer_email = found.developer_email
        row.privacy_policy_url = found.privacy_policy_url
        row.track_id = found.track_id
        row.developer_id = found.developer_id
        row.data_safety = (
            None if found.data_safety is None else {
                **found.data_safety.as_dict(), "fetched_at": now.isoformat()
            }
        )  # fmt: skip
    s.flush()
    after = audit.snapshot(row)
    if _what_it_says(before) != _what_it_says(after):
        audit.record(
            s, actor.name, "store_listing.update", "store_listing", app_id, before, after
        )  # fmt: skip
    made, notes = _suggest(s, actor, app_id, found, now)
    return Outcome(row, made, notes)


# Fields that move at every lookup without the listing saying anything new (a rating count
# changes the response's hash daily): a refresh that changes only these is not audited.
_EVERY_TIME = frozenset({"fetched_at", "found_at", "updated_at", "sha256", "lookup_url"})


def _what_it_says(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    said = {k: v for k, v in snapshot.items() if k not in _EVERY_TIME}
    if isinstance(said.get("data_safety"), dict):
        said["data_safety"] = {
            k: v for k, v in said["data_safety"].items() if k not in ("sha256", "fetched_at")
        }
    return said


def _suggest(
    s: Session, actor: Principal, app_id: int, found: Listing, now: datetime
) -> tuple[list[AnswerSuggestion], list[str]]:
    """Discovered suggestions from the declared practices, on every open assessment of the
    app whose checklist has the capability; one the store already proposed with the same
    value (waiting, accepted or dismissed) is not proposed again."""
    safety = found.data_safety
    if not found.found or safety is None or not safety.practices:
        return [], []
    proposed = proposed_answers((p.label, p.description) for p in safety.practices)
    if not proposed:
        return [], []
    open_ones = s.scalars(
        select(Assessment)
        .where(col(Assessment.app_id) == app_id, col(Assessment.status) == AssessmentStatus.OPEN)
        .order_by(col(Assessment.id))
    ).all()
    if not open_ones:
        return [], []
    if not (actor.can(suggestions.WRITE_SCOPE) or actor.can(suggestions.PROPOSE_SCOPE)):
        return [], [f"no suggestion made: {actor.name} may not propose answers"]
    made: list[AnswerSuggestion] = []
    for assessment in open_ones:
        assert assessment.id is not None
        checklist = pinned(s, assessment.checklist_sha256)
        items = []
        for p in proposed:
            if checklist.capability(p.capability_key) is None:
                continue
            if _already(s, assessment.id, p.capability_key, p.value):
                continue
            quote = f'"{p.label}"' + (f": {p.description}" if p.description else "")
            items.append(
                suggestions.NewSuggestion(
                    capability_key=p.capability_key,
                    value=p.value,
                    origin_kind=OriginKind.STORE,
                    origin_ref=safety.response.url,
                    note=f"{found.store} data safety, fetched {now:%Y-%m-%d %H:%M} UTC "
                    f"(the developer's own declaration): {quote}",
                    source=Source.DISCOVERED,
                    origin_file=f"{found.store} data safety",
                    origin_sha256=safety.response.sha256,
                )
            )
        if items:
            made += suggestions.create_within(s, actor, assessment.id, items)
    return made, []


def _already(s: Session, assessment_id: int, capability_key: str, value: Any) -> bool:
    latest = s.scalars(
        select(AnswerSuggestion)
        .where(
            col(AnswerSuggestion.assessment_id) == assessment_id,
            col(AnswerSuggestion.capability_key) == capability_key,
            col(AnswerSuggestion.origin_kind) == OriginKind.STORE,
            col(AnswerSuggestion.status) != SuggestionStatus.REPLACED,
        )
        .order_by(col(AnswerSuggestion.id).desc())
        .limit(1)
    ).first()
    return latest is not None and latest.value == value


# --- the daily refresh ----------------------------------------------------------------------


@dataclass
class RefreshSummary:
    looked_up: int = 0
    failed: int = 0
    flagged: int = 0
    suggested: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "looked_up": self.looked_up,
            "failed": self.failed,
            "flagged": self.flagged,
            "suggested": self.suggested,
            "errors": self.errors[:20],
        }


def listed_apps(s: Session, today: date) -> list[int]:
    """The apps on today's approved list that have a store to look in."""
    from vetting.queries import allowlist

    ids = [e.app_id for e in allowlist.compute(s, today).entries]
    if not ids:
        return []
    rows = s.execute(
        select(col(App.id), col(App.platform), col(App.store_id)).where(col(App.id).in_(ids))
    ).all()
    return sorted(r[0] for r in rows if lookup_problem(r[1], r[2]) is None)


def refresh_listed(
    s: Session, today: date, options: StoreOptions, app_ids: Sequence[int] | None = None
) -> RefreshSummary:
    """Look up every app on today's list (or `app_ids`), one at a time; a failure is recorded
    on that app's listing and the refresh goes on."""
    summary = RefreshSummary()
    for app_id in listed_apps(s, today) if app_ids is None else app_ids:
        try:
            outcome = lookup(s, REFRESHER, app_id, options)
        except VettingError as exc:
            summary.failed += 1
            summary.errors.append(f"app {app_id}: {exc}")
            continue
        summary.looked_up += 1
        summary.flagged += bool(outcome.listing.flags)
        summary.suggested += len(outcome.suggested)
    return summary
