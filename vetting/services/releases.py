"""Publish the approved list as immutable releases.

A release is stored only when its content (entries and exclusions, not the date) differs
from the latest one; its diff to that one is computed once, at publication, in words.
Reading, diffing and exporting releases are vetting/queries/releases.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.allowlist import ApprovedList, ListDiff
from vetting.core.releases import canonical_json
from vetting.core.statuses import Role
from vetting.db import Encoded, transaction
from vetting.errors import Conflict, Invalid
from vetting.models import AllowlistRelease
from vetting.queries import live_list
from vetting.queries.releases import draft, latest, latest_tag
from vetting.schemas import MAX_DATE, MIN_DATE

# The daily job publishes as this principal (it may only publish).
AUTO_PUBLISHER = Principal("system:auto-publish", Role.IT, frozenset({"allowlist:write"}), "system")
_LOCK_KEY = 0x7E77_A0D2  # pg_advisory_xact_lock: one publication at a time across instances


@dataclass(frozen=True, repr=False)
class PublishResult:
    release: AllowlistRelease
    created: bool
    diff: ListDiff
    message: str
    listed: ApprovedList | None = None  # the list published (None when nothing was)

    def __repr__(self) -> str:  # short: the release's content can be tens of megabytes
        return f"PublishResult(release={self.release.id}, created={self.created}, {self.message!r})"


class Shrinks(Conflict):
    """A list that would empty MDMs' allow lists, or drop too many apps at once."""


def shrink_problem(before: int | None, after: int, max_drop_percent: int) -> str | None:
    """Why publishing `after` approved apps over a release with `before` needs an explicit
    allow_shrink, or None. On supervised iPhones an allow list hides every app not on it."""
    if after == 0:
        return "the list is empty: every managed device would allow only its system apps"
    if before and (before - after) * 100 > before * max_drop_percent:
        return (
            f"the list drops from {before} to {after} approved apps, more than "
            f"{max_drop_percent}% at once"
        )
    return None


def publish(
    s: Session,
    actor: Principal,
    as_of: date | None = None,
    note: str | None = None,
    *,
    allow_shrink: bool = False,
    max_drop_percent: int = 20,
    expected_sha256: str | None = None,
) -> PublishResult:
    """Compute the list for `as_of` (default today) and store it as a release, unless it is
    the same as the latest release on that day: then nothing is written and that release is
    returned. An empty list, or one dropping more than `max_drop_percent` of the latest's
    approved apps, is refused (Shrinks, 409) unless `allow_shrink`. `expected_sha256`: the
    content hash of the list a person reviewed; a list that differs now is refused (409),
    checked under the same lock as the write, so what is published is what was reviewed."""
    actor.require("allowlist:write")
    day = as_of or clock.today()
    if not MIN_DATE <= day <= MAX_DATE:
        raise Invalid(f"must be between {MIN_DATE} and {MAX_DATE}", "as_of")
    with transaction(s):
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        current, fresh = draft(s, day)
        content, sha = fresh.content, fresh.sha256
        if expected_sha256 is not None and expected_sha256 != sha:
            raise Conflict(
                "the list changed since it was reviewed: check the changes again and publish",
                "plan",
            )
        tag = latest_tag(s, on=day)
        if tag is not None and tag.sha256 == sha:
            same = s.scalar(
                select(AllowlistRelease)
                .where(col(AllowlistRelease.id) == tag.id)
                .options(defer(AllowlistRelease.content), defer(AllowlistRelease.diff))
            )  # the big columns load only if someone reads them
            assert same is not None  # latest_tag read this row in this transaction
            return PublishResult(
                same,
                False,
                ListDiff(),
                f"no change since release {tag.id} (sha256 {sha[:12]}): nothing published",
            )
        last = latest(s, with_content=False, on=day)
        problem = shrink_problem(
            last.entry_count if last is not None else None, len(current.entries), max_drop_percent
        )
        if problem and not allow_shrink:
            raise Shrinks(
                f"not published: {problem}. Check the BAAs and decisions behind it, then "
                "publish with --allow-shrink (API: allow_shrink: true) if it is right",
                "allow_shrink",
            )
        diff = live_list.diff_from(s, last, current)
        release = AllowlistRelease(
            sha256=sha,
            as_of=day,
            # stored as the canonical JSON the hash is taken of (its parts written once, for
            # the hash; not encoded again by the column's own serialiser)
            content=Encoded(content, canonical_json(content, fresh.canonical_parts).decode()),
            entry_count=len(current.entries),
            previous_id=last.id if last is not None else None,
            diff=diff.as_dict(),
            created_by=actor.name,
            note=note,
        )
        s.add(release)
        s.flush()
        audit.record(
            s,
            actor.name,
            "allowlist.publish",
            "allowlist_release",
            release.id,
            None,
            {
                "sha256": sha,
                "as_of": day,
                "entry_count": release.entry_count,
                "previous_id": release.previous_id,
                "note": note,
                **{k: len(getattr(diff, k)) for k in ListDiff.KINDS},
            },
        )
    past = (
        f"; dated {day.isoformat()}, before today: a record of the past, never the latest "
        "over a newer release"
        if day < clock.today()
        else ""
    )
    return PublishResult(
        release,
        True,
        diff,
        f"published release {release.id} (sha256 {sha[:12]}): {release.entry_count} approved; "
        f"{diff.summary}{past}",
        current,
    )


def publish_if_changed(
    s: Session, as_of: date | None = None, max_drop_percent: int = 20
) -> PublishResult:
    """For the daily job after the reminder sweep: publish today's list when it changed (a
    list that shrinks too far is refused, for a person to check and publish)."""
    return publish(
        s,
        AUTO_PUBLISHER,
        as_of,
        note="published automatically: the list changed",
        max_drop_percent=max_drop_percent,
    )
