"""The comparison's app picker: each app with an assessment on the checklist, by its latest
one, in name order — found per app while walking the names (not by grouping every
assessment first), and the same answer as working it out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlmodel import col

from tests.benchmarks.synthetic import Sizes, populate
from vetting import db
from vetting.models import App, Assessment, Vendor
from vetting.queries import compare


def _by_hand(s, checklist_id: str, q: str | None, limit: int) -> list[tuple]:
    latest: dict[int, Assessment] = {}
    for a in s.scalars(select(Assessment).where(col(Assessment.checklist_id) == checklist_id)):
        if a.app_id not in latest or a.id > latest[a.app_id].id:
            latest[a.app_id] = a
    rows = []
    for app in s.scalars(select(App).where(col(App.id).in_(latest))):
        if q and q.lower() not in app.name.lower():
            continue
        a = latest[app.id]
        vendor = s.get(Vendor, app.vendor_id)
        rows.append((app.id, app.name, app.platform, vendor.name, a.score, a.verdict))
    return sorted(rows, key=lambda r: (r[1], r[0]))[:limit]


def test_the_picker_lists_each_apps_latest_assessment_in_name_order(app):
    populate(app.extensions["vetting.engine"], Sizes(apps=80, vendors=10, baas=10))
    with app.app_context():
        s = db.session()
        first = s.scalar(select(Assessment).order_by(col(Assessment.id)).limit(1))
        assert first is not None
        # A newer assessment of the same app with another score: the picker shows it, and
        # one on another checklist is not the latest on this one.
        now = datetime(2026, 11, 20, 9, tzinfo=UTC)
        newer = {**first.model_dump(exclude={"id"}), "score": 12.5, "created_at": now}
        other = {**newer, "checklist_id": "another-checklist", "score": 99.0}
        s.execute(insert(Assessment), [newer, other])
        s.commit()
        cid = first.checklist_id
        for q, limit in ((None, 100), (None, 7), ("app 0001", 100), ("no such app", 100)):
            assert compare.candidates(s, cid, q, limit) == _by_hand(s, cid, q, limit), (q, limit)
        shown = {r[0]: r[4] for r in compare.candidates(s, cid, None, 1000)}
        assert shown[first.app_id] == 12.5
