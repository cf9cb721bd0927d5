"""Business Associate Agreements: terms, dates, and their state on a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.baa import BaaStatus, BaaTerms, state_on
from vetting.db import transaction
from vetting.errors import FieldError, Invalid
from vetting.models import BAA, Vendor
from vetting.schemas import BaaCreate, BaaUpdate
from vetting.services.common import PageResult, apply, get_or_404, paginate


def terms_of(baa: BAA) -> BaaTerms:
    return BaaTerms(
        effective_date=baa.effective_date,
        expiration_date=baa.expiration_date,
        auto_renews=baa.auto_renews,
        renewal_term_months=baa.renewal_term_months,
        notice_days=baa.notice_days,
        terminated_on=baa.terminated_on,
    )


@dataclass(frozen=True)
class BaaView:
    baa: BAA
    status: BaaStatus
    as_of: date


def view(baa: BAA, as_of: date, warning_days: int) -> BaaView:
    return BaaView(baa, state_on(terms_of(baa), as_of, warning_days), as_of)


def _validate(baa: BAA) -> None:
    problems = terms_of(baa).validate()
    if baa.terminated_on is None and baa.termination_reason:
        problems.append(("termination_reason", "only with terminated_on"))
    if problems:
        raise Invalid("", errors=[FieldError(f, m) for f, m in problems])


def create(s: Session, actor: Principal, data: BaaCreate) -> BAA:
    actor.require("baas:write")
    with transaction(s):
        if s.get(Vendor, data.vendor_id) is None:
            raise Invalid(f"no vendor with id {data.vendor_id}", "vendor_id")
        baa = BAA(**data.model_dump())
        _validate(baa)
        s.add(baa)
        s.flush()
        audit.record(s, actor.name, "baa.create", "baa", baa.id, None, audit.snapshot(baa))
    return baa


def get(s: Session, baa_id: int) -> BAA:
    return get_or_404(s, BAA, baa_id, "BAA")


def list_(
    s: Session, page: int = 1, per_page: int = 50, vendor_id: int | None = None
) -> PageResult:
    stmt = select(BAA).order_by(BAA.vendor_id, BAA.effective_date, BAA.id)
    if vendor_id is not None:
        stmt = stmt.where(BAA.vendor_id == vendor_id)
    return paginate(s, stmt, page, per_page)


def update(s: Session, actor: Principal, baa_id: int, data: BaaUpdate) -> BAA:
    actor.require("baas:write")
    changes = data.model_dump(exclude_unset=True)
    for required in ("effective_date", "auto_renews"):
        if required in changes and changes[required] is None:
            raise Invalid("cannot be null", required)
    with transaction(s):
        baa = get(s, baa_id)
        before = audit.snapshot(baa)
        apply(baa, changes)
        _validate(baa)
        baa.updated_at = clock.now()
        s.flush()
        audit.record(s, actor.name, "baa.update", "baa", baa.id, before, audit.snapshot(baa))
    return baa
