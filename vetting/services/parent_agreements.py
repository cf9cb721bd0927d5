"""Parent agreements: master agreements (an MSA, a data-processing addendum…) whose term BAAs
may follow.

A BAA with `follows_parent` takes its effective and expiration dates, auto-renewal, renewal
term and notice period from its parent. They are copied onto the BAA's own columns in the same
transaction as every write of either side (`follow`), so every read path — the state on a date,
the register's filters, the approved list, the dashboard, the calendar, the forecast and the
reminders sweep — sees the parent's dates without knowing parents exist, and a change of the
parent's dates moves every BAA that follows it at once (each moved BAA gets its own audited
`baa.update`; reminders keyed on the old dates go stale and are cancelled by the sweep).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.baa import BaaTerms
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Invalid
from vetting.models import BAA, ParentAgreement, Vendor
from vetting.schemas import ParentAgreementCreate, ParentAgreementUpdate
from vetting.services.common import PageResult, apply, get_or_404, like, paginate

# The terms a following BAA takes from its parent (BAA column = parent column).
FOLLOWED = (
    "effective_date",
    "expiration_date",
    "auto_renews",
    "renewal_term_months",
    "notice_days",
    "notice_months",
)


def terms_of(parent: ParentAgreement) -> BaaTerms:
    return BaaTerms(
        effective_date=parent.effective_date,
        expiration_date=parent.expiration_date,
        auto_renews=parent.auto_renews,
        renewal_term_months=parent.renewal_term_months,
        notice_days=parent.notice_days,
        notice_months=parent.notice_months,
    )


def _validate(parent: ParentAgreement) -> None:
    problems = terms_of(parent).validate()
    if not (parent.name or "").strip():
        problems.append(("name", "is required"))
    if problems:
        raise Invalid("", errors=[FieldError(f, m) for f, m in problems])


def get(s: Session, parent_id: int) -> ParentAgreement:
    return get_or_404(s, ParentAgreement, parent_id, "parent agreement")


def list_(
    s: Session,
    page: int = 1,
    per_page: int = 50,
    vendor_id: int | None = None,
    q: str | None = None,
) -> PageResult:
    stmt = select(ParentAgreement).order_by(
        func.lower(ParentAgreement.name), col(ParentAgreement.id)
    )
    if vendor_id is not None:
        stmt = stmt.where(col(ParentAgreement.vendor_id) == vendor_id)
    if q:
        stmt = stmt.where(func.lower(ParentAgreement.name).like(like(q), escape="\\"))
    return paginate(s, stmt, page, per_page)


def linked(s: Session, parent_ids: list[int]) -> dict[int, list[tuple[int, bool]]]:
    """Parent id → [(BAA id, follows its dates)], for the parents a page shows."""
    out: dict[int, list[tuple[int, bool]]] = {i: [] for i in parent_ids}
    if parent_ids:
        for baa_id, pid, follows in s.execute(
            select(col(BAA.id), col(BAA.parent_id), col(BAA.follows_parent))
            .where(col(BAA.parent_id).in_(parent_ids))
            .order_by(col(BAA.id))
        ):
            out[pid].append((baa_id, bool(follows)))
    return out


def baas_of(s: Session, parent_id: int) -> list[BAA]:
    """The BAAs linked to a parent agreement, oldest first."""
    return list(s.scalars(select(BAA).where(col(BAA.parent_id) == parent_id).order_by(col(BAA.id))))


def _check_vendor(s: Session, vendor_id: int | None) -> None:
    if vendor_id is not None and s.get(Vendor, vendor_id) is None:
        raise Invalid(f"no vendor with id {vendor_id}", "vendor_id")


def create(s: Session, actor: Principal, data: ParentAgreementCreate) -> ParentAgreement:
    actor.require("baas:write")
    with transaction(s):
        _check_vendor(s, data.vendor_id)
        parent = ParentAgreement(**data.model_dump())
        _validate(parent)
        s.add(parent)
        s.flush()
        audit.record(
            s, actor.name, "parent_agreement.create", "parent_agreement", parent.id, None,
            audit.snapshot(parent),
        )  # fmt: skip
    return parent


def update(
    s: Session, actor: Principal, parent_id: int, data: ParentAgreementUpdate
) -> ParentAgreement:
    """Change a parent agreement; the BAAs that follow it take its new dates at once."""
    actor.require("baas:write")
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "effective_date", "auto_renews"):
        if required in changes and changes[required] is None:
            raise Invalid("cannot be null", required)
    with transaction(s):
        parent = get(s, parent_id)
        s.refresh(parent, with_for_update=True)
        before = audit.snapshot(parent)
        if "vendor_id" in changes:
            _check_vendor(s, changes["vendor_id"])
        apply(parent, changes)
        _validate(parent)
        parent.updated_at = clock.now()
        s.flush()
        audit.record(
            s, actor.name, "parent_agreement.update", "parent_agreement", parent.id, before,
            audit.snapshot(parent),
        )  # fmt: skip
        _move_followers(s, actor, parent)
    return parent


def delete(s: Session, actor: Principal, parent_id: int) -> None:
    """Remove a parent agreement no BAA refers to (409 while any does)."""
    actor.require("baas:write")
    with transaction(s):
        parent = get(s, parent_id)
        ids = [b for b, _ in linked(s, [parent_id])[parent_id]]
        if ids:
            raise Conflict(
                f"parent agreement {parent_id} is linked to BAA "
                f"{', '.join(str(i) for i in ids[:20])}{'…' if len(ids) > 20 else ''}; "
                "unlink them first (PATCH the BAA: parent_id null)",
                "parent_id",
            )
        before = audit.snapshot(parent)
        s.delete(parent)
        s.flush()
        audit.record(
            s, actor.name, "parent_agreement.delete", "parent_agreement", parent_id, before, None
        )


def follow(s: Session, baa: BAA, given: dict[str, Any]) -> None:
    """Check a BAA's link to its parent and, when it follows it, give it the parent's terms
    (called by services.baas on every create and update, before the BAA is validated).

    `given` is what the client sent: a followed term sent with a value other than the
    parent's is refused (the parent decides; unlink or change the parent instead)."""
    if baa.follows_parent and baa.parent_id is None:
        raise Invalid("a BAA can follow a parent agreement only with parent_id", "follows_parent")
    if baa.parent_id is None:
        return
    with s.no_autoflush:  # (the BAA's new parent_id must not reach the database first)
        parent = get(s, baa.parent_id)  # 404: no such parent agreement
    if not baa.follows_parent:
        return
    differ = [
        k
        for k in FOLLOWED
        if k in given and given[k] is not None and given[k] != getattr(parent, k)
    ]
    if differ:
        raise Invalid(
            "",
            errors=[
                FieldError(
                    k,
                    f"comes from parent agreement {parent.id} ({parent.name}): "
                    f"{getattr(parent, k)}; change it there or set follows_parent false",
                )
                for k in differ
            ],
        )
    for k in FOLLOWED:
        setattr(baa, k, getattr(parent, k))


def _move_followers(s: Session, actor: Principal, parent: ParentAgreement) -> None:
    """Give every BAA that follows `parent` its current terms (each change audited)."""
    from vetting.services import baas as baa_svc  # baas imports this module

    followers = s.scalars(
        select(BAA)
        .where(col(BAA.parent_id) == parent.id, col(BAA.follows_parent))
        .order_by(col(BAA.id))
        .with_for_update()
    ).all()
    for baa in followers:
        if all(getattr(baa, k) == getattr(parent, k) for k in FOLLOWED):
            continue
        before = audit.snapshot(baa)
        for k in FOLLOWED:
            setattr(baa, k, getattr(parent, k))
        try:
            baa_svc.check_terms(s, baa)
        except Invalid as exc:
            raise Invalid(
                f"BAA {baa.id} follows this parent agreement and would break its rules "
                f"({exc}); change that BAA first",
                "effective_date",
            ) from None
        baa.updated_at = clock.now()
        s.flush()
        audit.record(s, actor.name, "baa.update", "baa", baa.id, before, audit.snapshot(baa))
        baa_svc.after_dates_moved(s, actor, baa)
