"""Vendor pages watched for claims: add or remove a page, fetch it now, read a saved copy.

A fetch goes through the one guarded client (SSRF guard, redirects by hand, byte cap, one
deadline, HTML and text only); its readable text is searched for claims (core/claims.py)
with the signals of the checklists the vendor's open assessments pin (or a named checklist).
Then, in one transaction: the page's claims are replaced by the new ones, each capability's
claim becomes a pending suggestion on the vendor's open assessments (value: yes for supports
or conditional, no for denies; the quote as note), and a capability the page said before but
no longer says — gone, denied, or only conditional now — raises an alert (in-app, plus the
e-mail and webhook channels). A fetch that fails records its error on the page and nothing
else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from integrations import http
from integrations.pages.readable import readable_text
from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.checklist import Checklist, Kind
from vetting.core.claims import Claim, Signal, Stance, find_claims
from vetting.core.reminders import Channel as ChannelKind
from vetting.core.reminders import NotificationStatus, ReminderKind, SubjectKind
from vetting.core.scoring import Source
from vetting.core.statuses import AssessmentStatus, OriginKind
from vetting.db import transaction
from vetting.errors import Conflict, Invalid, NotFound, VettingError
from vetting.models import (
    AnswerSuggestion,
    App,
    Assessment,
    Notification,
    NotificationChannel,
    PageClaim,
    Vendor,
    WatchedPage,
)
from vetting.queries.checklists import pinned
from vetting.services import suggestions
from vetting.services.common import get_or_404
from vetting.settings import NotifySettings

WRITE_SCOPE = "vendors:write"
READ_SCOPE = "vendors:read"
IN_APP_RECIPIENT = "dashboard"
MAX_FILE_BYTES = http.PAGE_MAX_BYTES
TOTAL_SECONDS = http.FETCH_TOTAL_SECONDS  # one deadline for the whole fetch, every hop
AFFIRMATIVE = (Stance.SUPPORTS, Stance.CONDITIONAL)


class FetchFailed(VettingError):
    """The page could not be fetched or read (refused, too big, not HTML or text, timed out,
    an HTTP error): the reason in words, recorded on the watch."""

    status = 422


@dataclass(frozen=True)
class PageRead:
    """A page as read: where it finally came from, when, its SHA-256 and readable text."""

    url: str
    fetched_at: datetime
    sha256: str
    text: str


@dataclass
class FetchResult:
    page: WatchedPage | None
    read: PageRead
    claims: list[Claim]
    suggested: int = 0
    alerts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "claims": [c.as_dict() for c in self.claims],
            "url": self.read.url,
            "sha256": self.read.sha256,
            "fetched_at": self.read.fetched_at.isoformat(),
            "suggested": self.suggested,
            "alerts": self.alerts,
        }


# --- reading -------------------------------------------------------------------------------


def fetch_page(url: str, settings: NotifySettings) -> PageRead:
    """Fetch `url` through the guarded client and read its text; FetchFailed says why not."""
    try:
        got = http.fetch(
            url,
            allow_private=settings.allow_private_urls,
            max_bytes=http.PAGE_MAX_BYTES,
            total_seconds=TOTAL_SECONDS,
            accept="text/html,application/xhtml+xml,text/plain;q=0.9",
            content_types=http.PAGE_CONTENT_TYPES,
        )
    except http.FetchError as exc:
        raise FetchFailed(str(exc), "url") from None
    if not 200 <= got.status < 300:
        raise FetchFailed(f"{got.url}: the server answered HTTP {got.status}", "url")
    text = readable_text(got.text, http.media_type(got.headers))
    return PageRead(got.url, clock.now(), hashlib.sha256(got.content).hexdigest(), text)


def read_file(path: Path) -> PageRead:
    """A saved copy of a page (.html / .htm as HTML, anything else as UTF-8 text)."""
    try:
        with path.open("rb") as fh:
            content = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise Invalid(f"{path}: cannot read it ({exc.strerror})", "file") from None
    if len(content) > MAX_FILE_BYTES:
        raise Invalid(f"{path}: over the limit of {MAX_FILE_BYTES:,} bytes", "file")
    kind = "text/html" if path.suffix.lower() in (".html", ".htm", ".xhtml") else "text/plain"
    text = readable_text(content.decode("utf-8", "replace"), kind)
    return PageRead(path.resolve().as_uri(), clock.now(), hashlib.sha256(content).hexdigest(), text)


# --- which signals, which names ---------------------------------------------------------------


def open_assessments(s: Session, vendor_id: int) -> list[Assessment]:
    return list(
        s.scalars(
            select(Assessment)
            .join(App, col(App.id) == col(Assessment.app_id))
            .where(
                col(App.vendor_id) == vendor_id,
                col(Assessment.status) != AssessmentStatus.DECIDED,
            )
            .order_by(col(Assessment.id))
        )
    )


def signals_for(checklists: Sequence[Checklist]) -> list[Signal]:
    """Each capability's phrases and negations across `checklists` (their union by key)."""
    phrases: dict[str, list[str]] = {}
    negations: dict[str, list[str]] = {}
    for checklist in checklists:
        for cap in checklist.capabilities:
            ph = phrases.setdefault(cap.key, [])
            ng = negations.setdefault(cap.key, [])
            ph.extend(p for p in cap.signals.phrases if p not in ph)
            ng.extend(n for n in cap.signals.negations if n not in ng)
    return [
        Signal(key, tuple(phrases[key]), tuple(negations[key]))
        for key in phrases
        if phrases[key] or negations[key]
    ]


def checklists_for(
    s: Session, vendor_id: int, loaded: Mapping[str, Checklist], checklist_id: str | None
) -> list[Checklist]:
    """The named checklist; else those the vendor's open assessments pin; else all loaded."""
    if checklist_id:
        found = loaded.get(checklist_id)
        if found is None:
            known = ", ".join(sorted(loaded)) or "none"
            raise NotFound(f"no checklist {checklist_id!r} (known: {known})", "checklist_id")
        return [found]
    shas = list(dict.fromkeys(a.checklist_sha256 for a in open_assessments(s, vendor_id)))
    if shas:
        return [pinned(s, sha) for sha in shas]
    return list(loaded.values())


def vendor_names(s: Session, vendor: Vendor) -> list[str]:
    names = [vendor.name]
    names.extend(s.scalars(select(col(App.name)).where(col(App.vendor_id) == vendor.id)))
    return names


# --- summary per capability and what changed -------------------------------------------------


@dataclass(frozen=True)
class Said:
    """What a page says about one capability, all its claims taken together."""

    stance: Stance | None  # None: it says both yes and no (no suggestion)
    claim: Claim


def summarise(claims: Sequence[Claim]) -> dict[str, Said]:
    """Per capability: denies only → denies; supports only → supports; any conditional (and
    no supports with denies) → conditional; supports and denies → conflicting (None)."""
    by_key: dict[str, list[Claim]] = {}
    for c in claims:
        by_key.setdefault(c.capability, []).append(c)
    out: dict[str, Said] = {}
    for key, found in by_key.items():
        stances = {c.stance for c in found}
        if Stance.SUPPORTS in stances and Stance.DENIES in stances:
            out[key] = Said(None, found[0])
        elif Stance.CONDITIONAL in stances:
            out[key] = Said(Stance.CONDITIONAL, next(c for c in found if c.stance == "conditional"))
        else:
            out[key] = Said(found[0].stance, found[0])
    return out


def lost(before: Mapping[str, Said], after: Mapping[str, Said]) -> list[tuple[str, str]]:
    """(capability, words) for each capability the page supported before and no longer does:
    gone, denied, contradicted, or only conditional now."""
    changes: list[tuple[str, str]] = []
    for key, old in before.items():
        if old.stance not in AFFIRMATIVE:
            continue
        new = after.get(key)
        was = f'it said "{old.claim.quote}"'
        if new is None:
            changes.append((key, f"no longer mentions {key}: {was}"))
        elif new.stance == Stance.DENIES:
            changes.append((key, f'now denies {key}: "{new.claim.quote}" ({was})'))
        elif new.stance is None:
            changes.append((key, f'now contradicts itself on {key}: "{new.claim.quote}"'))
        elif old.stance == Stance.SUPPORTS and new.stance == Stance.CONDITIONAL:
            changes.append(
                (key, f"now says {key} only {new.claim.condition or 'on a condition'} ({was})")
            )
    return changes


def _claims_of(rows: Sequence[PageClaim]) -> list[Claim]:
    return [
        Claim(
            r.capability_key,
            Stance(r.stance),
            r.quote,
            r.start_offset,
            r.end_offset,
            r.condition,
        )
        for r in rows
    ]


def note_for(said: Said, url: str) -> str:
    c = said.claim
    only = f" (only {c.condition})" if c.stance == Stance.CONDITIONAL and c.condition else ""
    return f'Vendor page {url} {c.stance}{only}: "{c.quote}"'


def _value(checklist: Checklist, key: str, stance: Stance) -> Any:
    """The answer a claim proposes, or None when it proposes none for this capability."""
    cap = checklist.capability(key)
    if cap is None:
        return None
    if cap.kind == Kind.BOOL:
        return stance in AFFIRMATIVE
    if cap.kind == Kind.CHOICE and stance == Stance.DENIES and "none" in dict(cap.options):
        return "none"
    return None


# --- use cases -----------------------------------------------------------------------------


def list_pages(s: Session, vendor_id: int) -> list[WatchedPage]:
    get_or_404(s, Vendor, vendor_id, "vendor")
    return list(
        s.scalars(
            select(WatchedPage)
            .where(col(WatchedPage.vendor_id) == vendor_id)
            .order_by(col(WatchedPage.id))
        )
    )


def claims_of(s: Session, page_ids: Sequence[int]) -> dict[int, list[PageClaim]]:
    out: dict[int, list[PageClaim]] = {i: [] for i in page_ids}
    if not page_ids:
        return out
    rows = s.scalars(
        select(PageClaim)
        .where(col(PageClaim.page_id).in_(page_ids))
        .order_by(col(PageClaim.page_id), col(PageClaim.start_offset), col(PageClaim.id))
    )
    for r in rows:
        out[r.page_id].append(r)
    return out


def all_pages(s: Session, vendor_id: int | None = None) -> list[WatchedPage]:
    stmt = select(WatchedPage).order_by(col(WatchedPage.id))
    if vendor_id is not None:
        stmt = stmt.where(col(WatchedPage.vendor_id) == vendor_id)
    return list(s.scalars(stmt))


def alerts_of(
    s: Session, page_ids: Sequence[int], limit: int = 20
) -> dict[int, list[Notification]]:
    """The newest in-app alerts of these pages (at most `limit` in all), by page."""
    out: dict[int, list[Notification]] = {i: [] for i in page_ids}
    if not page_ids:
        return out
    rows = s.scalars(
        select(Notification)
        .where(
            col(Notification.subject_kind) == SubjectKind.PAGE,
            col(Notification.subject_id).in_(page_ids),
            col(Notification.channel) == ChannelKind.IN_APP,
        )
        .order_by(col(Notification.id).desc())
        .limit(limit)
    )
    for r in rows:
        out[r.subject_id].append(r)
    return out


def get_page(s: Session, vendor_id: int, page_id: int) -> WatchedPage:
    page = s.get(WatchedPage, page_id)
    if page is None or page.vendor_id != vendor_id:
        raise NotFound(f"vendor {vendor_id} watches no page {page_id}", "page_id")
    return page


def add_page(
    s: Session,
    actor: Principal,
    vendor_id: int,
    url: str,
    loaded: Mapping[str, Checklist],
    checklist_id: str | None = None,
) -> WatchedPage:
    """Watch `url` for the vendor (an http(s) URL; checked against the guard when fetched)."""
    actor.require(WRITE_SCOPE)
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000:
        raise Invalid("must be an http:// or https:// URL of at most 2,000 characters", "url")
    if checklist_id and checklist_id not in loaded:
        known = ", ".join(sorted(loaded)) or "none"
        raise Invalid(f"no checklist {checklist_id!r} (known: {known})", "checklist_id")
    with transaction(s):
        get_or_404(s, Vendor, vendor_id, "vendor")
        taken = s.scalar(
            select(col(WatchedPage.id)).where(
                col(WatchedPage.vendor_id) == vendor_id, col(WatchedPage.url) == url
            )
        )
        if taken is not None:
            raise Conflict(f"this vendor already watches {url}", "url")
        page = WatchedPage(
            vendor_id=vendor_id, url=url, checklist_id=checklist_id or None, added_by=actor.name
        )
        s.add(page)
        s.flush()
        audit.record(s, actor.name, "page.watch", "vendor", vendor_id, None, audit.snapshot(page))
    return page


def remove_page(s: Session, actor: Principal, vendor_id: int, page_id: int) -> None:
    """Stop watching a page; its claims go with it (suggestions already made stay)."""
    actor.require(WRITE_SCOPE)
    with transaction(s):
        page = get_page(s, vendor_id, page_id)
        before = audit.snapshot(page)
        s.execute(delete(PageClaim).where(col(PageClaim.page_id) == page_id))
        s.delete(page)
        s.flush()
        audit.record(s, actor.name, "page.unwatch", "vendor", vendor_id, before, None)


def fetch_now(
    s: Session,
    actor: Principal,
    vendor_id: int,
    page_id: int,
    loaded: Mapping[str, Checklist],
    settings: NotifySettings,
) -> FetchResult:
    """Fetch a watched page and record what it says (see the module's doc). A failed fetch
    records its reason on the page, changes nothing else, and raises FetchFailed."""
    actor.require(WRITE_SCOPE)
    suggestions.may_propose(actor)
    url = get_page(s, vendor_id, page_id).url
    if not (s.new or s.dirty or s.deleted):
        s.rollback()  # no read transaction held open while the network is slow (≤ deadline)
    try:
        read = fetch_page(url, settings)
    except FetchFailed as exc:
        with transaction(s):
            page = get_page(s, vendor_id, page_id)
            page.last_attempt_at = clock.now()
            page.last_error = exc.errors[0].message[:4000]
            audit.record(
                s, actor.name, "page.fetch_failed", "vendor", vendor_id, None,
                {"page_id": page_id, "url": url, "error": page.last_error},
            )  # fmt: skip
        raise
    return record(s, actor, vendor_id, page_id, read, loaded, settings)


def refresh(
    s: Session,
    actor: Principal,
    loaded: Mapping[str, Checklist],
    settings: NotifySettings,
    vendor_id: int | None = None,
) -> list[dict[str, Any]]:
    """Fetch every watched page again (of one vendor, or all): one result or error per page,
    a failure recorded on its page and the others still fetched."""
    out: list[dict[str, Any]] = []
    for page in all_pages(s, vendor_id):
        assert page.id is not None
        pid, url, vid = page.id, page.url, page.vendor_id
        try:
            result = fetch_now(s, actor, vid, pid, loaded, settings)
        except VettingError as exc:
            out.append({"page_id": pid, "vendor_id": vid, "url": url, "error": str(exc)})
            continue
        out.append({"page_id": pid, "vendor_id": vid, **result.as_dict()})
    return out


def record(
    s: Session,
    actor: Principal,
    vendor_id: int,
    page_id: int,
    read: PageRead,
    loaded: Mapping[str, Checklist],
    settings: NotifySettings,
) -> FetchResult:
    """Store what a fetched page says: claims, suggestions, alerts (one transaction)."""
    with transaction(s):
        page = get_page(s, vendor_id, page_id)
        vendor = get_or_404(s, Vendor, vendor_id, "vendor")
        chosen = checklists_for(s, vendor_id, loaded, page.checklist_id)
        claims = find_claims(read.text, signals_for(chosen), vendor_names(s, vendor))
        old_rows = list(s.scalars(select(PageClaim).where(col(PageClaim.page_id) == page_id)))
        before = summarise(_claims_of(old_rows))
        after = summarise(claims)
        s.execute(delete(PageClaim).where(col(PageClaim.page_id) == page_id))
        for c in claims:
            s.add(
                PageClaim(
                    page_id=page_id,
                    capability_key=c.capability,
                    stance=c.stance,
                    condition=c.condition,
                    quote=c.quote,
                    start_offset=c.start,
                    end_offset=c.end,
                    url=read.url,
                    fetched_at=read.fetched_at,
                    sha256=read.sha256,
                )
            )
        snapshot = audit.snapshot(page)
        page.last_attempt_at = read.fetched_at
        page.last_fetched_at = read.fetched_at
        page.last_error = None
        page.final_url = read.url[:2000]
        page.sha256 = read.sha256
        page.fetch_count += 1
        s.flush()
        result = FetchResult(page, read, claims)
        result.suggested = _suggest(s, actor, vendor_id, page.url, read, after)
        changes = lost(before, after) if old_rows or page.fetch_count > 1 else []
        result.alerts = [words for _, words in changes]
        if changes:
            _alert(s, page, vendor, changes, settings)
        audit.record(
            s, actor.name, "page.fetch", "vendor", vendor_id, snapshot,
            {**(audit.snapshot(page) or {}), "claims": len(claims), "alerts": result.alerts},
        )  # fmt: skip
    return result


def suggest_from_file(
    s: Session,
    actor: Principal,
    vendor_id: int,
    read: PageRead,
    loaded: Mapping[str, Checklist],
    checklist_id: str | None = None,
) -> FetchResult:
    """A saved copy of a page: its claims become suggestions (no page is watched)."""
    suggestions.may_propose(actor)
    with transaction(s):
        vendor = get_or_404(s, Vendor, vendor_id, "vendor")
        chosen = checklists_for(s, vendor_id, loaded, checklist_id)
        claims = find_claims(read.text, signals_for(chosen), vendor_names(s, vendor))
        result = FetchResult(None, read, claims)
        result.suggested = _suggest(s, actor, vendor_id, read.url, read, summarise(claims))
    return result


def _suggest(
    s: Session,
    actor: Principal,
    vendor_id: int,
    url: str,
    read: PageRead,
    said: Mapping[str, Said],
) -> int:
    """Pending suggestions on each open assessment of the vendor, one per capability the page
    says something clear about; one the same words already made (pending, accepted or
    dismissed) is not made again."""
    made = 0
    for assessment in open_assessments(s, vendor_id):
        assert assessment.id is not None
        checklist = pinned(s, assessment.checklist_sha256)
        items: list[suggestions.NewSuggestion] = []
        for key, what in said.items():
            if what.stance is None:
                continue
            value = _value(checklist, key, what.stance)
            if value is None:
                continue
            note = note_for(what, url)
            seen = s.scalar(
                select(col(AnswerSuggestion.id)).where(
                    col(AnswerSuggestion.assessment_id) == assessment.id,
                    col(AnswerSuggestion.capability_key) == key,
                    col(AnswerSuggestion.origin_kind) == OriginKind.PAGE,
                    col(AnswerSuggestion.note) == note,
                )
            )
            if seen is not None:
                continue
            items.append(
                suggestions.NewSuggestion(
                    capability_key=key,
                    value=value,
                    origin_kind=OriginKind.PAGE,
                    origin_ref=url,
                    note=note,
                    source=Source.ATTESTED,
                    origin_sha256=read.sha256,
                    origin_cell=f"characters {what.claim.start}-{what.claim.end}",
                )
            )
        if items:
            made += len(suggestions.create_within(s, actor, assessment.id, items))
    return made


def _alert(
    s: Session,
    page: WatchedPage,
    vendor: Vendor,
    changes: Sequence[tuple[str, str]],
    settings: NotifySettings,
) -> None:
    """One notification per channel: in-app (delivered at once), each active webhook, and
    each e-mail channel when e-mail is set up. Keyed by the page and its fetch number."""
    assert page.id is not None
    now = clock.now()
    title = f"{vendor.name}: {page.url} no longer says what it said"[:500]
    body = (
        f"A fetch of {page.url} on {now:%Y-%m-%d %H:%M} UTC found that the page "
        + "; ".join(words for _, words in changes)
        + ". Check the vendor's assessments and answers that relied on it."
    )
    payload = {
        "vendor_id": vendor.id,
        "page_id": page.id,
        "url": page.url,
        "sha256": page.sha256,
        "capabilities": [key for key, _ in changes],
    }
    targets: list[tuple[str, str, int | None]] = [(ChannelKind.IN_APP, IN_APP_RECIPIENT, None)]
    for ch in s.scalars(
        select(NotificationChannel)
        .where(col(NotificationChannel.active))
        .order_by(col(NotificationChannel.id))
    ):
        if ch.kind == ChannelKind.WEBHOOK:
            targets.append((ChannelKind.WEBHOOK, ch.name, ch.id))
        elif ch.kind == ChannelKind.EMAIL and settings.email_enabled:
            targets.append((ChannelKind.EMAIL, ch.target, None))
    for channel, recipient, channel_id in targets:
        in_app = channel == ChannelKind.IN_APP
        s.add(
            Notification(
                subject_kind=SubjectKind.PAGE,
                subject_id=page.id,
                kind=ReminderKind.PAGE_CLAIM_LOST,
                term_end=now.date(),
                threshold_days=page.fetch_count,
                channel=channel,
                recipient=recipient,
                title=title,
                body=body,
                payload=payload if channel_id is None else {**payload, "channel_id": channel_id},
                status=NotificationStatus.SENT if in_app else NotificationStatus.PENDING,
                sent_at=now if in_app else None,
                created_at=now,
            )
        )
    s.flush()
