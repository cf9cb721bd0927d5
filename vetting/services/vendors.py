"""Vendors: the companies behind apps and the other party of every BAA."""

from __future__ import annotations

from sqlalchemy import delete as delete_rows
from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.db import transaction
from vetting.errors import Conflict, Invalid
from vetting.models import BAA, App, PageClaim, Vendor, WatchedPage
from vetting.schemas import VendorCreate, VendorUpdate
from vetting.services.common import PageResult, apply, get_or_404, like, paginate


def _name_taken(s: Session, name: str, exclude_id: int | None = None) -> bool:
    stmt = select(col(Vendor.id)).where(func.lower(Vendor.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(col(Vendor.id) != exclude_id)
    return s.scalar(stmt) is not None


def create(s: Session, actor: Principal, data: VendorCreate) -> Vendor:
    actor.require("vendors:write")
    with transaction(s):
        if _name_taken(s, data.name):
            raise Conflict(f"a vendor named {data.name!r} already exists", "name")
        vendor = Vendor(**data.model_dump())
        s.add(vendor)
        s.flush()
        audit.record(
            s, actor.name, "vendor.create", "vendor", vendor.id, None, audit.snapshot(vendor)
        )
    return vendor


def get(s: Session, vendor_id: int) -> Vendor:
    return get_or_404(s, Vendor, vendor_id, "vendor")


def list_(s: Session, page: int = 1, per_page: int = 50, q: str | None = None) -> PageResult:
    stmt = select(Vendor).order_by(col(Vendor.name), col(Vendor.id))
    if q:
        stmt = stmt.where(func.lower(Vendor.name).like(like(q), escape="\\"))
    return paginate(s, stmt, page, per_page)


def update(s: Session, actor: Principal, vendor_id: int, data: VendorUpdate) -> Vendor:
    actor.require("vendors:write")
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise Invalid("cannot be empty", "name")
    with transaction(s):
        vendor = get(s, vendor_id)
        before = audit.snapshot(vendor)
        if "name" in changes and _name_taken(s, changes["name"], vendor_id):
            raise Conflict(f"a vendor named {changes['name']!r} already exists", "name")
        apply(vendor, changes)
        vendor.updated_at = clock.now()
        s.flush()
        audit.record(
            s, actor.name, "vendor.update", "vendor", vendor.id, before, audit.snapshot(vendor)
        )
    return vendor


def delete(s: Session, actor: Principal, vendor_id: int) -> None:
    """Delete a vendor with no apps and no BAAs (history is never dropped silently)."""
    actor.require("vendors:write")
    with transaction(s):
        vendor = get(s, vendor_id)
        apps = s.scalar(select(func.count()).where(col(App.vendor_id) == vendor_id)) or 0
        baas = s.scalar(select(func.count()).where(col(BAA.vendor_id) == vendor_id)) or 0
        if apps or baas:
            raise Conflict(
                f"vendor {vendor.name!r} still has {apps} app(s) and {baas} BAA(s); "
                "delete or move them first"
            )
        before = audit.snapshot(vendor)
        pages = select(col(WatchedPage.id)).where(col(WatchedPage.vendor_id) == vendor_id)
        s.execute(delete_rows(PageClaim).where(col(PageClaim.page_id).in_(pages)))
        s.execute(delete_rows(WatchedPage).where(col(WatchedPage.vendor_id) == vendor_id))
        s.delete(vendor)
        s.flush()
        audit.record(s, actor.name, "vendor.delete", "vendor", vendor_id, before, None)
