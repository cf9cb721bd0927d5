"""What each BAA says about the required provisions, exceptions to non-conformance (confirmed
by a second person), and which of the vendor's products a BAA covers.

Every change writes an audit event on the BAA (entity_type "baa"), in the same transaction, so
the live approved list traces it to the vendor's apps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, select
from sqlmodel import Session, col

from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.baa_provisions import (
    Catalogue,
    ExceptionWindow,
    ProvisionStatus,
    cached,
    gaps,
    validate_exception,
    validate_provision,
)
from vetting.core.breach import clause_from
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from vetting.models import BAA, App, BaaApp, BaaException, BaaProvision
from vetting.services.common import get_or_404
from vetting.settings import REPO_ROOT, checklists_dir

RELATIVE = Path("baa") / "provisions.toml"


def catalogue() -> Catalogue:
    """The required provisions: `<VETTING_CHECKLISTS_DIR>/baa/provisions.toml`, or the shipped
    file when the configured folder has none."""
    configured = checklists_dir() / RELATIVE
    return cached(configured if configured.is_file() else REPO_ROOT / "checklists" / RELATIVE)


@dataclass
class Standing:
    """What the register shows about one BAA's provisions, exceptions and scope."""

    provisions: dict[str, BaaProvision] = field(default_factory=dict)
    exceptions: list[BaaException] = field(default_factory=list)
    app_ids: tuple[int, ...] = ()
    gaps: tuple[str, ...] = ()
    catalogue: Catalogue | None = None

    @property
    def conforming(self) -> bool:
        return not self.gaps

    def windows(self) -> list[ExceptionWindow]:
        return [window(e) for e in self.exceptions]

    def excepted_on(self, on: date) -> bool:
        return any(w.counts_on(on) for w in self.windows())


def window(e: BaaException) -> ExceptionWindow:
    confirmed = clock.local_day(e.confirmed_at) if e.confirmed_at is not None else None
    return ExceptionWindow(confirmed, e.ends_on)


def excepted_ids(on: date) -> Select[Any]:
    """SQL: the ids of BAAs with an exception that counts on `on` (`ExceptionWindow.counts_on`:
    confirmed by a second person on or before that day, and not ended before it)."""
    return select(col(BaaException.baa_id)).where(
        col(BaaException.confirmed_at).is_not(None),
        col(BaaException.confirmed_at) < clock.day_start(on + timedelta(days=1)),
        col(BaaException.ends_on) >= on,
    )


def standings(s: Session, baas: Sequence[BAA]) -> dict[int, Standing]:
    """Provisions, exceptions, scope and gaps of these BAAs, in three queries."""
    out: dict[int, Standing] = {b.id: Standing() for b in baas if b.id is not None}
    ids = sorted(out)
    if not ids:
        return out
    for p in s.scalars(select(BaaProvision).where(col(BaaProvision.baa_id).in_(ids))):
        out[p.baa_id].provisions[p.key] = p
    for e in s.scalars(
        select(BaaException).where(col(BaaException.baa_id).in_(ids)).order_by(col(BaaException.id))
    ):
        out[e.baa_id].exceptions.append(e)
    scoped: dict[int, list[int]] = defaultdict(list)
    for baa_id, app_id in s.execute(
        select(col(BaaApp.baa_id), col(BaaApp.app_id))
        .where(col(BaaApp.baa_id).in_(ids))
        .order_by(col(BaaApp.app_id))
    ):
        scoped[baa_id].append(app_id)
    cat = catalogue()
    for b in baas:
        if b.id is None:
            continue
        st = out[b.id]
        st.app_ids = tuple(scoped.get(b.id, ()))
        st.catalogue = cat
        absent = [k for k, p in st.provisions.items() if p.status == ProvisionStatus.ABSENT]
        st.gaps = breach_gaps(cat, absent, clause_from(b))
    return out


def standing(s: Session, baa: BAA) -> Standing:
    return standings(s, [baa])[baa.id or 0]


def _locked(s: Session, baa_id: int) -> BAA:
    baa = get_or_404(s, BAA, baa_id, "BAA")
    s.refresh(baa, with_for_update=True)
    return baa


def _record_nonconformance(
    s: Session, actor: Principal, baa: BAA, before: tuple[str, ...], after: tuple[str, ...]
) -> None:
    """A BAA that becomes non-conforming is recorded once (audit `baa.nonconforming`), for
    legal to act on; the action records the reasons."""
    if after and not before:
        audit.record(
            s,
            actor.name,
            "baa.nonconforming",
            "baa",
            baa.id,
            None,
            {"reasons": list(after)},
        )


def gaps_of(s: Session, baa: BAA) -> tuple[str, ...]:
    absent = s.scalars(
        select(col(BaaProvision.key)).where(
            col(BaaProvision.baa_id) == baa.id, col(BaaProvision.status) == ProvisionStatus.ABSENT
        )
    ).all()
    return breach_gaps(catalogue(), absent, clause_from(baa))


def breach_gaps(
    cat: Catalogue, absent: Collection[str], clause: Mapping[str, Any] | None
) -> tuple[str, ...]:
    """The gaps of a BAA whose breach clause is `clause` (None: not recorded, never a gap)."""
    return gaps(cat, absent, clause["days"] if clause is not None else None, clause)


def note_breach_days_change(
    s: Session, actor: Principal, baa: BAA, before: Mapping[str, Any] | None
) -> None:
    """Called by the BAA service after its terms change: a breach deadline over the limit can
    make the BAA non-conforming. `before`: the breach clause before the change."""
    absent = s.scalars(
        select(col(BaaProvision.key)).where(
            col(BaaProvision.baa_id) == baa.id, col(BaaProvision.status) == ProvisionStatus.ABSENT
        )
    ).all()
    cat = catalogue()
    _record_nonconformance(
        s, actor, baa, breach_gaps(cat, absent, before), breach_gaps(cat, absent, clause_from(baa))
    )


def set_provision(
    s: Session,
    actor: Principal,
    baa_id: int,
    key: str,
    status: str,
    quote: str | None,
    section: str | None,
) -> BaaProvision:
    """Record what the agreement says about one provision (present needs a quote or section)."""
    actor.require("baas:write")
    provision = catalogue().get(key)
    if provision is None:
        raise NotFound(f"no required provision {key!r}; one of: {', '.join(catalogue().keys)}")
    quote = (quote or "").strip() or None
    section = (section or "").strip() or None
    problems = validate_provision(status, quote, section)
    if problems:
        raise Invalid("", errors=[FieldError(f, m) for f, m in problems])
    with transaction(s):
        baa = _locked(s, baa_id)
        before_gaps = gaps_of(s, baa)
        row = s.scalar(
            select(BaaProvision).where(
                col(BaaProvision.baa_id) == baa_id, col(BaaProvision.key) == key
            )
        )
        before = audit.snapshot(row) if row is not None else None
        if row is None:
            row = BaaProvision(baa_id=baa_id, key=key, status=status, reviewed_by=actor.name)
            s.add(row)
        row.status = status
        row.quote = quote
        row.section = section
        row.reviewed_by = actor.name
        row.reviewed_at = clock.now()
        s.flush()
        audit.record(s, actor.name, "baa.provision", "baa", baa.id, before, audit.snapshot(row))
        _record_nonconformance(s, actor, baa, before_gaps, gaps_of(s, baa))
    return row


def add_exception(
    s: Session, actor: Principal, baa_id: int, reason: str, ends_on: date | None
) -> BaaException:
    """Legal accepts a non-conforming BAA until `ends_on`; it counts only once a second person
    confirms it."""
    actor.require("baas:write")
    reason = (reason or "").strip()
    problems = validate_exception(reason, ends_on, clock.today())
    if problems:
        raise Invalid("", errors=[FieldError(f, m) for f, m in problems])
    assert ends_on is not None
    with transaction(s):
        baa = _locked(s, baa_id)
        row = BaaException(baa_id=baa_id, reason=reason, ends_on=ends_on, created_by=actor.name)
        s.add(row)
        s.flush()
        audit.record(s, actor.name, "baa.exception", "baa", baa.id, None, audit.snapshot(row))
    return row


def confirm_exception(s: Session, actor: Principal, exception_id: int) -> BaaException:
    """A second person with baas:write confirms an exception: it counts from today."""
    actor.require("baas:write")
    with transaction(s):
        row = get_or_404(s, BaaException, exception_id, "BAA exception")
        s.refresh(row, with_for_update=True)
        if row.confirmed_at is not None:
            raise Conflict(f"this exception was already confirmed by {row.confirmed_by}")
        if row.created_by.strip().lower() == actor.name.strip().lower():
            raise Forbidden(
                "an exception needs a second person: "
                f"{row.created_by} recorded it and cannot confirm it"
            )
        if row.ends_on < clock.today():
            raise Conflict(f"this exception ended {row.ends_on.isoformat()}; record a new one")
        before = audit.snapshot(row)
        row.confirmed_by = actor.name
        row.confirmed_at = clock.now()
        s.flush()
        audit.record(
            s, actor.name, "baa.exception.confirm", "baa", row.baa_id, before, audit.snapshot(row)
        )
    return row


def check_scope(s: Session, vendor_id: int, all_products: bool, app_ids: Collection[int]) -> None:
    """Refuse (422 on `app_ids`) a scope naming apps of another vendor, or naming none."""
    if all_products:
        if app_ids:
            raise Invalid(
                "give either all_products = true or a list of app ids, not both", "app_ids"
            )
        return
    if not app_ids:
        raise Invalid("name at least one app of the vendor, or set all_products = true", "app_ids")
    found = dict(
        s.execute(
            select(col(App.id), col(App.vendor_id)).where(col(App.id).in_(sorted(set(app_ids))))
        ).all()
    )
    unknown = sorted(set(app_ids) - set(found))
    if unknown:
        raise Invalid(f"no app with id {', '.join(map(str, unknown))}", "app_ids")
    other = sorted(a for a, v in found.items() if v != vendor_id)
    if other:
        raise Invalid(
            f"app(s) {', '.join(map(str, other))} belong to another vendor; a BAA covers only "
            "its own vendor's apps",
            "app_ids",
        )


def write_scope(s: Session, baa: BAA, all_products: bool, app_ids: Collection[int]) -> None:
    """Replace the BAA's scope rows (the caller checked and audits)."""
    s.execute(delete(BaaApp).where(col(BaaApp.baa_id) == baa.id))
    baa.all_products = all_products
    baa.scope_reviewed = True
    if not all_products:
        assert baa.id is not None
        for app_id in sorted(set(app_ids)):
            s.add(BaaApp(baa_id=baa.id, app_id=app_id))


def scope_of(s: Session, baa_id: int | None) -> list[int]:
    return list(
        s.scalars(
            select(col(BaaApp.app_id))
            .where(col(BaaApp.baa_id) == baa_id)
            .order_by(col(BaaApp.app_id))
        ).all()
    )


def set_scope(
    s: Session, actor: Principal, baa_id: int, all_products: bool, app_ids: Collection[int]
) -> BAA:
    """Say which of the vendor's products the BAA covers (all, or the listed apps)."""
    actor.require("baas:write")
    with transaction(s):
        baa = _locked(s, baa_id)
        check_scope(s, baa.vendor_id, all_products, app_ids)
        before: dict[str, Any] = {**(audit.snapshot(baa) or {}), "app_ids": scope_of(s, baa.id)}
        write_scope(s, baa, all_products, app_ids)
        baa.updated_at = clock.now()
        s.flush()
        after = {**(audit.snapshot(baa) or {}), "app_ids": scope_of(s, baa.id)}
        audit.record(s, actor.name, "baa.scope", "baa", baa.id, before, after)
    return baa
