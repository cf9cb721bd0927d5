"""Candidate apps side by side on one checklist: what procurement takes to a committee.

Each app is represented by its latest assessment on the checklist. Capabilities are matched
by key, so assessments pinned to different versions still line up (a capability missing from
one version shows as such, never as a zero).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting.core.checklist import Tier
from vetting.core.scoring import CapabilityResult
from vetting.errors import Invalid
from vetting.models import App, Assessment, Vendor
from vetting.services import assessments
from vetting.services.common import like

MIN_APPS, MAX_APPS = 2, 4


@dataclass(frozen=True)
class Column:
    app_id: int
    app_name: str
    platform: str
    vendor_name: str
    view: assessments.AssessmentView


@dataclass(frozen=True)
class Row:
    key: str
    title: str
    theme: str
    tier: Tier  # gate / required / scored, as the first column's checklist version says
    cells: list[CapabilityResult | None]
    differs: bool

    @property
    def gating(self) -> bool:
        return self.tier == Tier.GATE


@dataclass(frozen=True)
class Comparison:
    checklist_id: str
    columns: list[Column]
    rows: list[Row]


def candidates(
    s: Session, checklist_id: str, q: str | None = None, limit: int = 100
) -> list[tuple[int, str, str, str, float, str]]:
    """Apps with an assessment on this checklist: (id, name, platform, vendor, score, verdict)
    of each one's latest assessment, for the picker."""
    # Each app's latest assessment on the checklist, looked up per app (its index) while the
    # apps are walked in name order, so the first `limit` are found without grouping all
    # 50,000 assessments first.
    latest = (
        select(func.max(Assessment.id))
        .where(col(Assessment.app_id) == App.id, col(Assessment.checklist_id) == checklist_id)
        .correlate(App)
        .scalar_subquery()
    )
    stmt = (
        select(
            col(App.id),
            col(App.name),
            col(App.platform),
            col(Vendor.name),
            col(Assessment.score),
            col(Assessment.verdict),
        )
        .join(Assessment, col(Assessment.id) == latest)
        .join(Vendor, col(Vendor.id) == App.vendor_id)
        .order_by(col(App.name), col(App.id))
        .limit(limit)
    )
    if q:
        stmt = stmt.where(col(App.name_folded).like(like(q), escape="\\"))
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in s.execute(stmt)]


def compare(s: Session, checklist_id: str, app_ids: list[int]) -> Comparison:
    """Line up 2–4 apps' latest assessments on `checklist_id`, marking rows that differ."""
    ids = list(dict.fromkeys(app_ids))
    if not MIN_APPS <= len(ids) <= MAX_APPS:
        raise Invalid(f"choose between {MIN_APPS} and {MAX_APPS} different apps", "app")
    found = {
        r[0]: r
        for r in s.execute(
            select(
                col(App.id),
                col(App.name),
                col(App.platform),
                col(Vendor.name),
                func.max(Assessment.id),
            )
            .join(Vendor, col(Vendor.id) == App.vendor_id)
            .join(Assessment, col(Assessment.app_id) == App.id)
            .where(col(App.id).in_(ids), col(Assessment.checklist_id) == checklist_id)
            .group_by(col(App.id), col(App.name), col(App.platform), col(Vendor.name))
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(
            f"no assessment on checklist {checklist_id!r} for app id(s) "
            f"{', '.join(map(str, missing))}",
            "app",
        )
    columns = [
        Column(i, found[i][1], found[i][2], found[i][3], assessments.get(s, found[i][4]))
        for i in ids
    ]
    order: dict[str, CapabilityResult] = {}
    for column in columns:
        for cap in column.view.score.capabilities:
            order.setdefault(cap.key, cap)
    rows = []
    for key, first in order.items():
        cells = [
            next((c for c in column.view.score.capabilities if c.key == key), None)
            for column in columns
        ]
        # what a committee compares: the credit, and whether it rests on checked evidence
        shown = {(c.status, c.credit, c.counts_as) if c is not None else None for c in cells}
        rows.append(Row(key, first.title, first.theme, first.tier, cells, len(shown) > 1))
    return Comparison(checklist_id, columns, rows)
