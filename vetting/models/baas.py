"""The BAA register: agreements, their signed documents and return/destroy certificates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vetting.core.baa import BaaLifecycle
from vetting.models.columns import UTCDateTime, folded, keep_folded, ts


class ParentAgreement(SQLModel, table=True):
    """A master agreement (an MSA, a data-processing addendum…) whose term BAAs may follow.

    Its dates mean what a BAA's mean: `effective_date` the first day in force, `expiration_date`
    the LAST day in force (None: evergreen). A BAA with `follows_parent` takes its effective
    and expiration dates, renewal and notice terms from here (services/parent_agreements.py
    copies them onto the BAA, so every read path sees them)."""

    __tablename__ = "parent_agreement"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    vendor_id: int | None = Field(default=None, foreign_key="vendor.id", index=True)
    effective_date: date
    expiration_date: date | None = None
    auto_renews: bool = False
    renewal_term_months: int | None = None
    notice_days: int | None = None
    notice_months: int | None = None
    notes: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = ts()
    updated_at: datetime = ts()


class BAA(SQLModel, table=True):
    __tablename__ = "baa"
    # The register's order (vendor, start, id): pages deep into 100,000 agreements walk it.
    __table_args__ = (
        Index("ix_baa_register_order", "vendor_id", "effective_date", "id"),
        Index("ix_baa_title_folded", "title_folded"),  # the search reads titles here (0023)
    )

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    title: str | None = Field(default=None, max_length=200)
    effective_date: date  # first day in force
    # The term end as the contract states it: the LAST day in force (None: evergreen).
    # Before migration 0008 it was the first day out of force.
    expiration_date: date | None = None
    auto_renews: bool = False
    renewal_term_months: int | None = None
    # Notice of non-renewal: in days or in calendar months (never both).
    notice_days: int | None = None
    notice_months: int | None = None
    # A label only: the master agreement's name as typed (before 0012 the only record of it).
    parent_agreement: str | None = Field(default=None, max_length=200)
    # The parent agreement record; with `follows_parent` its dates are this BAA's dates
    # (kept in step by services/parent_agreements.py on every write of either).
    parent_id: int | None = Field(default=None, foreign_key="parent_agreement.id", index=True)
    follows_parent: bool = False
    # The breach clause (vetting/core/breach.py): worst-case calendar days (computed; null =
    # no clause recorded), and the clause's own words: value, unit, what starts the clock,
    # the quote, and whether it states a number at all (false: the 60-day legal maximum).
    breach_notification_days: int | None = Field(default=None, index=True)  # 0023
    subcontractor_flowdown: bool | None = None
    return_or_destroy: bool | None = None
    # The day the termination takes effect: the first day out of force (last day = day before).
    terminated_on: date | None = None
    termination_reason: str | None = Field(default=None, max_length=1000)
    # After a termination: the vendor's certificate that it returned or destroyed the PHI.
    return_destroy_certified_on: date | None = None
    return_destroy_reference: str | None = Field(default=None, max_length=200)
    return_destroy_recorded_by: str | None = Field(default=None, max_length=320)
    owner_email: str | None = Field(default=None, max_length=320)
    notes: str | None = Field(default=None, sa_type=Text)
    # Register lifecycle (BaaLifecycle). Only active and superseded agreements can be in
    # force; a superseded one only until its successor takes effect (superseded_on).
    status: str = Field(default=BaaLifecycle.ACTIVE, max_length=20, index=True)
    supersedes_id: int | None = Field(default=None, foreign_key="baa.id", index=True)
    superseded_on: date | None = None
    # Signed means signed: an agreement becomes active only with a signed document attached
    # or this note by legal saying where the signed copy is held.
    signed_copy_note: str | None = Field(default=None, sa_type=Text)
    # Product scope: every app of the vendor, or only those in baa_app. `scope_reviewed` is
    # false for agreements whose scope nobody has stated yet (older ones read "all products").
    all_products: bool = True
    scope_reviewed: bool = True
    created_at: datetime = ts()
    updated_at: datetime = ts()
    breach_value: float | None = None
    breach_unit: str | None = Field(default=None, max_length=20)
    breach_trigger: str | None = Field(default=None, max_length=20)
    breach_quote: str | None = Field(default=None, sa_type=Text)
    breach_stated: bool | None = None
    # lower(title), kept for the register's search (migration 0023; models/columns.py).
    title_folded: str | None = folded("title")


keep_folded(BAA, {"title_folded": "title"})


class BaaApp(SQLModel, table=True):
    """An app a BAA covers (when it does not cover all products of its vendor)."""

    __tablename__ = "baa_app"

    baa_id: int = Field(foreign_key="baa.id", primary_key=True)
    app_id: int = Field(foreign_key="app.id", primary_key=True, index=True)


class BaaProvision(SQLModel, table=True):
    """What legal found in the agreement about one required provision (checklists/baa)."""

    __tablename__ = "baa_provision"
    __table_args__ = (UniqueConstraint("baa_id", "key", name="uq_baa_provision_baa_key"),)

    id: int | None = Field(default=None, primary_key=True)
    baa_id: int = Field(foreign_key="baa.id", index=True)
    key: str = Field(max_length=64)
    status: str = Field(max_length=20)  # present / absent / not_reviewed
    quote: str | None = Field(default=None, sa_type=Text)
    section: str | None = Field(default=None, max_length=200)
    reviewed_by: str = Field(max_length=320)
    reviewed_at: datetime = ts()


class BaaException(SQLModel, table=True):
    """Legal accepts a non-conforming BAA for a while: counts once a second person confirms
    it, through `ends_on`."""

    __tablename__ = "baa_exception"

    id: int | None = Field(default=None, primary_key=True)
    baa_id: int = Field(foreign_key="baa.id", index=True)
    reason: str = Field(sa_type=Text)
    ends_on: date
    created_by: str = Field(max_length=320)
    created_at: datetime = ts()
    confirmed_by: str | None = Field(default=None, max_length=320)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BaaDocument(SQLModel, table=True):
    """A signed agreement file, stored under the instance folder by SHA-256; never altered."""

    __tablename__ = "baa_document"

    id: int | None = Field(default=None, primary_key=True)
    baa_id: int = Field(foreign_key="baa.id", index=True)
    sha256: str = Field(max_length=64, index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    uploaded_by: str = Field(max_length=320)
    uploaded_at: datetime = ts()


class BaaReturnCertificate(SQLModel, table=True):
    """The vendor's certificate that it returned or destroyed the PHI after a termination: a
    file in the document store by SHA-256, never altered. Recording it again adds a row (the
    newest is the certificate); the BAA's `return_destroy_*` columns say when it was
    certified."""

    __tablename__ = "baa_return_certificate"

    id: int | None = Field(default=None, primary_key=True)
    baa_id: int = Field(foreign_key="baa.id", index=True)
    sha256: str = Field(max_length=64, index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    certified_on: date
    reference: str | None = Field(default=None, max_length=200)
    uploaded_by: str = Field(max_length=320)
    uploaded_at: datetime = ts()


class BaaStateRow(SQLModel, table=True):
    """Each agreement's state on one day (`BaaStateMeta.on`), kept so the register filters
    by state in SQL instead of computing 100,000 states per request. Maintained by
    services/baa_states.py: rebuilt whole when the day or the warning window changes (the
    daily job, or the first filtered read of the day), and row by row in the same transaction
    as every ORM write of an agreement. A migration that rewrites BAA dates must empty it."""

    __tablename__ = "baa_state"

    baa_id: int = Field(primary_key=True)
    state: str = Field(max_length=24, index=True)
    term_end: date | None = None  # the last day in force of the term current that day
    notice_deadline: date | None = None


class BaaStateMeta(SQLModel, table=True):
    """The one row saying which day and warning window `baa_state` holds."""

    __tablename__ = "baa_state_meta"

    id: int = Field(default=1, primary_key=True)
    on: date
    warning_days: int
    rules: str = Field(max_length=40)  # the code's version: a deploy rebuilds
    built_at: datetime = Field(sa_type=UTCDateTime)
