"""Reading releases: the latest, one by id, the list of them, a release's diff, any release
in any export format, and the draft a publication starts from (publishing is
services/releases.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from integrations.exporters.base import ExportError, ExportOptions, exporter
from vetting import clock
from vetting.core.allowlist import ApprovedList, ListDiff, diff_lists
from vetting.core.releases import Release, release_content
from vetting.errors import Invalid, NotFound
from vetting.models import AllowlistRelease
from vetting.queries import allowlist, cache
from vetting.schemas import MAX_ID
from vetting.services.common import PageResult
from vetting.settings import Settings


@dataclass(frozen=True)
class ReleaseTag:
    """What a conditional GET needs: the latest release's id and hash, nothing else."""

    id: int
    sha256: str


@dataclass(frozen=True)
class ExportFile:
    release_id: int
    sha256: str
    filename: str
    media_type: str
    body: bytes


def draft(s: Session, as_of: date) -> tuple[ApprovedList, Release]:
    """The list on `as_of` as an unsaved release (id 0): its canonical content and hash, with
    the canonical JSON kept for an export (what publishing and previews both start from)."""
    with cache.gc_paused():
        current = allowlist.compute(s, as_of)
        content = release_content(current.entries, current.excluded)
        release = Release.of_content(
            content, id=0, as_of=as_of, created_by="", created_at=clock.now()
        )
    return current, release


def _newest(query: Any, on: date | None) -> Any:
    """The release MDMs pull: the newest `as_of` not after today (a release published for a
    later day waits for it; one published for an earlier day never replaces a newer one),
    the last published among those of one day."""
    return (
        query.where(col(AllowlistRelease.as_of) <= (on or clock.today()))
        .order_by(col(AllowlistRelease.as_of).desc(), col(AllowlistRelease.id).desc())
        .limit(1)
    )


def latest(
    s: Session, with_content: bool = True, on: date | None = None
) -> AllowlistRelease | None:
    """The latest release (see `_newest`); without its content and diff (loaded on first
    access) when `with_content` is false: tens of megabytes of JSON at 50,000 apps."""
    query = _newest(select(AllowlistRelease), on)
    if not with_content:
        query = query.options(
            defer(AllowlistRelease.content),
            defer(AllowlistRelease.diff),
            defer(AllowlistRelease.note),  # type: ignore[arg-type]  # the rest is read from ix_allowlist_release_summary
        )
    return s.scalar(query)


def latest_tag(s: Session, on: date | None = None) -> ReleaseTag | None:
    """The latest release's id and hash in one small query (no content loaded)."""
    row = s.execute(
        _newest(select(col(AllowlistRelease.id), col(AllowlistRelease.sha256)), on)
    ).first()
    return ReleaseTag(row.id, row.sha256) if row is not None else None


def no_release() -> NotFound:
    return NotFound(
        "no release has been published yet: publish one with `vetting allowlist publish` "
        "or POST /api/v1/allowlist/releases",
        "release",
    )


# A release's content and diff: tens of megabytes of JSON at 50,000 apps, loaded on access.
_HEAVY = (
    defer(AllowlistRelease.content),
    defer(AllowlistRelease.diff),
)


def get(s: Session, ident: int | str, with_content: bool = True) -> AllowlistRelease:
    """A release by id, or the latest for "latest"; 404 naming what was asked for. Without
    `with_content`, its content and diff are loaded only if read (what is kept per release
    below is read without them)."""
    if isinstance(ident, str):
        word = ident.strip()
        if word.lower() == "latest":
            found = latest(s, with_content)
            if found is None:
                raise no_release()
            return found
        if not word.isdigit():
            raise NotFound(
                f"no release {ident!r}: give a release id (a number) or 'latest'", "release"
            )
        ident = int(word)
    options = () if with_content else _HEAVY
    release = s.get(AllowlistRelease, ident, options=options) if 1 <= ident <= MAX_ID else None
    if release is None:
        raise NotFound(f"no release with id {ident}", "release")
    return release


# A published release never changes (its hash names its content), so what is worked out from
# one is kept by (id, sha256) and never goes stale: its parsed diff, the diff a sync of it
# would make, and its API documents.


def release_diff(s: Session, row: AllowlistRelease) -> ListDiff:
    """What `row` changed from the release before it, parsed once per process."""
    return cache.remembered(
        "release diff", (row.id, row.sha256), lambda: ListDiff.from_dict(row.diff or {}), s=s
    )


def rendered(s: Session, row: AllowlistRelease, kind: str, render: Callable[[], bytes]) -> bytes:
    """`render()`'s bytes for this release (an API document of it, `kind` naming which),
    worked out once per process."""
    return cache.remembered("release document", (row.id, row.sha256, kind), render, s=s)


def list_(s: Session, page: int = 1, per_page: int = 50) -> PageResult:
    """Releases, newest first, without their content (the list can be large)."""
    total = s.scalar(select(func.count()).select_from(AllowlistRelease)) or 0
    rows = s.execute(
        select(
            col(AllowlistRelease.id),
            col(AllowlistRelease.sha256),
            col(AllowlistRelease.as_of),
            col(AllowlistRelease.entry_count),
            col(AllowlistRelease.previous_id),
            col(AllowlistRelease.created_by),
            col(AllowlistRelease.created_at),
            col(AllowlistRelease.note),
        )
        .order_by(col(AllowlistRelease.id).desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return PageResult([r._asdict() for r in rows], page, per_page, total)


def neighbours(s: Session, release_id: int) -> tuple[int | None, int | None]:
    """The ids of the releases published just before and just after this one."""
    before = s.scalar(
        select(func.max(col(AllowlistRelease.id))).where(col(AllowlistRelease.id) < release_id)
    )
    after = s.scalar(
        select(func.min(col(AllowlistRelease.id))).where(col(AllowlistRelease.id) > release_id)
    )
    return before, after


def to_release(row: AllowlistRelease) -> Release:
    """The stored row as the core type exporters and sync targets read."""
    assert row.id is not None  # a stored release
    return Release(
        id=row.id,
        sha256=row.sha256,
        as_of=row.as_of,
        created_by=row.created_by,
        created_at=row.created_at,
        previous_id=row.previous_id,
        note=row.note,
        content=row.content,
        diff=ListDiff.from_dict(row.diff or {}),
    )


def diff(s: Session, ident: int | str) -> tuple[AllowlistRelease, ListDiff]:
    row = get(s, ident, with_content=False)
    return row, release_diff(s, row)


@dataclass(frozen=True)
class SyncPreview:
    """What syncing a release to a target changes there: the release it last received (None:
    never synced) and the difference, app by app."""

    release: AllowlistRelease
    previous: AllowlistRelease | None
    diff: ListDiff


def sync_preview(
    s: Session, last_synced_id: int | None, ident: int | str = "latest"
) -> SyncPreview:
    """The difference between what a target last received and the release to push (kept per
    pair of releases: both are immutable)."""
    row = get(s, ident, with_content=False)
    previous = s.get(AllowlistRelease, last_synced_id, options=_HEAVY) if last_synced_id else None
    if previous is not None and previous.id == row.id:
        return SyncPreview(row, previous, ListDiff())

    def work_out() -> ListDiff:
        current = to_release(row)
        before = to_release(previous) if previous is not None else None
        return diff_lists(
            ApprovedList(before.as_of, before.entries, before.excluded) if before else None,
            ApprovedList(current.as_of, current.entries, current.excluded),
        )

    pair = (row.id, row.sha256, *((previous.id, previous.sha256) if previous else ()))
    return SyncPreview(row, previous, cache.remembered("sync preview", pair, work_out, s=s))


def export_options(settings: Settings, mode: str = "allow") -> ExportOptions:
    """Export settings (VETTING_IOS_BASE_APPS, …) and the chosen mode."""
    if mode not in ("allow", "block"):
        raise Invalid(f"unknown mode {mode!r}; one of: allow, block", "mode")
    return ExportOptions(
        mode=mode,
        ios_base_apps=settings.ios_base_apps,
        profile_identifier=settings.profile_identifier,
        organization=settings.organization,
    )


def check_format(fmt: str) -> None:
    """Refuse an unknown format before any work is done (422 naming the known ones)."""
    try:
        exporter(fmt)
    except ExportError as exc:
        raise Invalid(str(exc), exc.field) from None


def export_release(row: AllowlistRelease, fmt: str, options: ExportOptions) -> ExportFile:
    """One release in one format."""
    check_format(fmt)
    writer = exporter(fmt)
    release = to_release(row)
    try:
        with cache.gc_paused():
            body = writer.export(release, options)
    except ExportError as exc:
        raise Invalid(str(exc), exc.field) from None
    return ExportFile(
        release.id, release.sha256, writer.filename(release, options), writer.media_type, body
    )


def export(s: Session, ident: int | str, fmt: str, options: ExportOptions) -> ExportFile:
    """A release in one format. Releases never change, so the file is kept per release (by
    id and hash), format and options: MDMs pulling the latest release all day get it without
    its tens of megabytes of content being read and written again."""
    check_format(fmt)
    tag = _tag(s, ident)
    key = (tag.id, tag.sha256, fmt, options)
    return cache.remembered(
        "export", key, lambda: export_release(get(s, tag.id), fmt, options), s=s
    )


def _tag(s: Session, ident: int | str) -> ReleaseTag:
    """The id and hash of the release `ident` names (no content read); 404 as `get` says."""
    if isinstance(ident, str) and ident.strip().lower() == "latest":
        found = latest_tag(s)
        if found is None:
            raise no_release()
        return found
    if isinstance(ident, str) and not ident.strip().isdigit():
        get(s, ident)  # raises the 404 naming what was asked for
    number = int(ident)
    row = None
    if 1 <= number <= MAX_ID:
        row = s.execute(
            select(col(AllowlistRelease.id), col(AllowlistRelease.sha256)).where(
                col(AllowlistRelease.id) == number
            )
        ).first()
    if row is None:
        raise NotFound(f"no release with id {number}", "release")
    return ReleaseTag(row.id, row.sha256)


def media_type(fmt: str) -> str:
    """The bare media type of a format (for the OpenAPI document)."""
    return exporter(fmt).media_type.split(";")[0]
