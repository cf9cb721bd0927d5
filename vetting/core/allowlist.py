"""Decisions + BAA states → the approved-app list on a date, with a reason for every app.

An app is on the list when its latest decision (made on or before the date) is approved or
conditional and still valid, its vendor has a BAA in force that day, and it is not revoked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from vetting.core.baa import BaaTerms, state_on

APPROVING = frozenset({"approved", "conditional"})


@dataclass(frozen=True)
class AppFacts:
    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor_name: str
    revoked_on: date | None = None
    revoked_reason: str | None = None


@dataclass(frozen=True)
class DecisionFacts:
    decision: str
    decided_on: date
    decided_by: str
    valid_until: date
    assessment_id: int
    conditions: str | None = None


@dataclass(frozen=True)
class BaaFacts:
    baa_id: int
    terms: BaaTerms


@dataclass(frozen=True)
class ListEntry:
    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor_name: str
    decision: str
    decided_on: date
    decided_by: str
    valid_until: date
    assessment_id: int
    baa_id: int
    baa_term_end: date | None
    conditions: str | None
    reason: str


@dataclass(frozen=True)
class Exclusion:
    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor_name: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class ApprovedList:
    as_of: date
    entries: tuple[ListEntry, ...]
    excluded: tuple[Exclusion, ...] = field(default=())


def _baa_reason(vendor: str, baas: Sequence[BaaFacts], on: date) -> tuple[BaaFacts | None, str]:
    """The BAA in force on `on`, or the reason in words why there is none."""
    if not baas:
        return None, f"no BAA with {vendor}"
    statuses = [(b, state_on(b.terms, on)) for b in baas]
    for baa, status in statuses:
        if status.in_force:
            return baa, ""
    # Explain with the most recent agreement: the one that started last.
    baa, status = max(statuses, key=lambda s: (s[0].terms.effective_date, s[0].baa_id))
    if status.state == "terminated":
        return None, f"BAA with {vendor} terminated {baa.terms.terminated_on.isoformat()}"
    if status.state == "expired":
        return None, f"BAA with {vendor} expired {status.term_end.isoformat()}"
    return None, (
        f"BAA with {vendor} not yet effective (starts {baa.terms.effective_date.isoformat()})"
    )


def approved_list(
    as_of: date,
    apps: Iterable[AppFacts],
    latest_decisions: Mapping[int, DecisionFacts],
    baas_by_vendor: Mapping[int, Sequence[BaaFacts]],
) -> ApprovedList:
    """Compute the list for one date. `latest_decisions` maps app id → its latest decision
    made on or before `as_of` (the caller selects it; this function checks validity)."""
    entries: list[ListEntry] = []
    excluded: list[Exclusion] = []
    baa_cache: dict[int, tuple[BaaFacts | None, str]] = {}
    for app in apps:
        reasons: list[str] = []
        if app.revoked_on is not None and app.revoked_on <= as_of:
            why = f": {app.revoked_reason}" if app.revoked_reason else ""
            reasons.append(f"revoked {app.revoked_on.isoformat()}{why}")
        decision = latest_decisions.get(app.app_id)
        if decision is None:
            reasons.append("no decision recorded")
        elif decision.decision not in APPROVING:
            reasons.append(
                f"{decision.decision} {decision.decided_on.isoformat()} by {decision.decided_by}"
            )
        elif decision.valid_until < as_of:
            reasons.append(
                f"{decision.decision} decision expired {decision.valid_until.isoformat()}: "
                "reassessment due"
            )
        if app.vendor_id not in baa_cache:
            baa_cache[app.vendor_id] = _baa_reason(
                app.vendor_name, baas_by_vendor.get(app.vendor_id, ()), as_of
            )
        baa, baa_reason = baa_cache[app.vendor_id]
        if baa is None:
            reasons.append(baa_reason)
        if reasons or decision is None or baa is None:
            excluded.append(
                Exclusion(
                    app.app_id,
                    app.name,
                    app.platform,
                    app.store_id,
                    app.vendor_id,
                    app.vendor_name,
                    tuple(reasons),
                )
            )
            continue
        status = state_on(baa.terms, as_of)
        entries.append(
            ListEntry(
                app_id=app.app_id,
                name=app.name,
                platform=app.platform,
                store_id=app.store_id,
                vendor_id=app.vendor_id,
                vendor_name=app.vendor_name,
                decision=decision.decision,
                decided_on=decision.decided_on,
                decided_by=decision.decided_by,
                valid_until=decision.valid_until,
                assessment_id=decision.assessment_id,
                baa_id=baa.baa_id,
                baa_term_end=status.term_end,
                conditions=decision.conditions,
                reason=(
                    f"{decision.decision} {decision.decided_on.isoformat()} by "
                    f"{decision.decided_by}; BAA with {app.vendor_name} in force"
                ),
            )
        )
    return ApprovedList(as_of=as_of, entries=tuple(entries), excluded=tuple(excluded))
