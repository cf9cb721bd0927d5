"""Apps: one per platform and store ID (iOS bundle ID / Android package name)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.db import transaction
from vetting.errors import Conflict, Invalid
from vetting.models import App, Assessment, BaaApp, StoreListing, Vendor
from vetting.schemas import AppCreate, AppUpdate, check_store_id
from vetting.services.common import PageResult, apply, get_or_404, like, paginate


def _check_unique(s: Session, platform: str, store_id: str | None, exclude: int | None) -> None:
    if store_id is None:
        return
    stmt = select(col(App.id)).where(col(App.platform) == platform, col(App.store_id) == store_id)
    if exclude is not None:
        stmt = stmt.where(col(App.id) != exclude)
    if s.scalar(stmt) is not None:
        raise Conflict(f"an {platform} app with store ID {store_id!r} already exists", "store_id")


def _check_vendor(s: Session, vendor_id: int) -> None:
    if s.get(Vendor, vendor_id) is None:
        raise Invalid(f"no vendor with id {vendor_id}", "vendor_id")


def create(s: Session, actor: Principal, data: AppCreate) -> App:
    actor.require("apps:write")
    with transaction(s):
        _check_vendor(s, data.vendor_id)
        _check_unique(s, data.platform, data.store_id, None)
        app = App(**data.model_dump())
        s.add(app)
        s.flush()
        audit.record(s, actor.name, "app.create", "app", app.id, None, audit.snapshot(app))
    return app


def get(s: Session, app_id: int) -> App:
    return get_or_404(s, App, app_id, "app")


def app_text_matches(q: str) -> Any:
    """SQL: the app's name or store ID contains `q`, ignoring case (non-ASCII too: the kept
    folded columns, models/columns.py, against the term folded the same way)."""
    pattern = like(q)
    return or_(
        col(App.name_folded).like(pattern, escape="\\"),
        col(App.store_id_folded).like(pattern, escape="\\"),
    )


def app_matches(q: str) -> Any:
    """`app_text_matches` as `id IN (…)`, for statements that join or sort: the ids are found
    in the index of folded text (ix_app_search_folded), then only those rows are read — left
    to itself SQLite walked vendors and fetched all 50,000 apps to test them."""
    return col(App.id).in_(select(col(App.id)).where(app_text_matches(q)))


def list_(
    s: Session,
    page: int = 1,
    per_page: int = 50,
    q: str | None = None,
    vendor_id: int | None = None,
    platform: str | None = None,
) -> PageResult:
    stmt = select(App).order_by(col(App.name), col(App.id))
    if q:
        stmt = stmt.where(app_matches(q))
    if vendor_id is not None:
        stmt = stmt.where(col(App.vendor_id) == vendor_id)
    if platform is not None:
        stmt = stmt.where(col(App.platform) == platform)
    return paginate(s, stmt, page, per_page)


def update(s: Session, actor: Principal, app_id: int, data: AppUpdate) -> App:
    actor.require("apps:write")
    changes = data.model_dump(exclude_unset=True)
    for required in ("vendor_id", "name", "platform"):
        if required in changes and changes[required] is None:
            raise Invalid("cannot be empty", required)
    with transaction(s):
        app = get(s, app_id)
        before = audit.snapshot(app)
        platform = changes.get("platform", app.platform)
        store_id = changes.get("store_id", app.store_id)
        try:
            store_id = check_store_id(platform, store_id)
        except ValueError as exc:
            raise Invalid(str(exc), "store_id") from None
        if "store_id" in changes or "platform" in changes:
            changes["store_id"] = store_id
            _check_unique(s, platform, store_id, app_id)
        if "vendor_id" in changes:
            _check_vendor(s, changes["vendor_id"])
        if changes.get("revoked_on") is None and "revoked_on" in changes:
            changes.setdefault("revoked_reason", None)
        apply(app, changes)
        app.updated_at = clock.now()
        s.flush()
        audit.record(s, actor.name, "app.update", "app", app.id, before, audit.snapshot(app))
    return app


def delete(s: Session, actor: Principal, app_id: int) -> None:
    """Delete an app that was never assessed; assessed apps are revoked instead."""
    actor.require("apps:write")
    with transaction(s):
        app = get(s, app_id)
        assessed = s.scalar(select(func.count()).where(col(Assessment.app_id) == app_id)) or 0
        if assessed:
            raise Conflict(
                f"app {app.name!r} has {assessed} assessment(s); revoke it "
                "(PATCH revoked_on) instead of deleting its history"
            )
        before = audit.snapshot(app)
        # A never-assessed app named in a BAA's scope leaves the scope with it (the app event
        # traces the change to the vendor's list entries).
        s.execute(sql_delete(BaaApp).where(col(BaaApp.app_id) == app_id))
        s.execute(sql_delete(StoreListing).where(col(StoreListing.app_id) == app_id))
        s.delete(app)
        s.flush()
        audit.record(s, actor.name, "app.delete", "app", app_id, before, None)
