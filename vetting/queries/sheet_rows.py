"""What the whole-list downloads write, read a chunk of ids at a time as plain columns.

A download first lists the ids its page's filters and sort select, in the page's order
(`services.baas.ordered_ids`, `browse.app_ids`, `browse.vendor_ids`,
`browse.assessment_ids`: one statement, no OFFSET walked again for every chunk), then reads
each chunk here: the few columns its sheet shows, by id, with the page's own rules applied
(an agreement's state, breach clause and conformance; an app's latest decision and
assessment; a vendor's representative agreement). Reading mapped objects built a tracked
instance for each of hundreds of thousands of rows and their provisions, decisions and
assessments — most of a download's time, for values the sheet copies once.

Each reader returns its rows in the order of the ids it is given; an id whose row has gone
since it was listed is left out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting.core.baa import BaaStatus, BaaTerms, state_on
from vetting.core.baa_provisions import ProvisionStatus
from vetting.core.breach import COLUMNS as BREACH_COLUMNS
from vetting.core.breach import clause_from
from vetting.models import BAA, App, Assessment, BaaDocument, BaaProvision, Decision, Vendor
from vetting.queries.browse import vendor_representatives
from vetting.services.baa_provisions import breach_gaps, catalogue
from vetting.services.baas import TERMS


def _in_order(ids: Sequence[int], rows: Iterable[Any]) -> list[Any]:
    """`rows` (each with an `id`) in the order of `ids`, leaving out an id that has no row
    (gone since the ids were listed)."""
    found = {r.id: r for r in rows}
    return [found[i] for i in ids if i in found]


class RegisterLine(NamedTuple):
    """One agreement as the register shows it on a day."""

    id: int
    vendor_name: str
    title: str | None
    effective_date: date
    auto_renews: bool
    clause: dict[str, Any] | None  # the breach-notice clause (None: not recorded)
    subcontractor_flowdown: bool | None
    return_or_destroy: bool | None
    status: BaaStatus
    document: str | None  # the newest signed file's name
    conforming: bool  # no gap in its provisions or breach deadline


def register(s: Session, ids: Sequence[int], as_of: date, warning_days: int) -> list[RegisterLine]:
    """These agreements (the register's rows) with their state on `as_of`, breach clause,
    newest signed file and whether they conform (the rules of `services.baas.views` and
    `services.baa_provisions.standings`), in three statements."""
    if not ids:
        return []
    rows = _in_order(
        ids,
        s.execute(
            select(
                col(BAA.id),
                col(Vendor.name).label("vendor_name"),
                col(BAA.title),
                col(BAA.subcontractor_flowdown),
                col(BAA.return_or_destroy),
                *(getattr(BAA, name) for name in BREACH_COLUMNS),
                *TERMS,
            )
            .join(Vendor, col(Vendor.id) == BAA.vendor_id)
            .where(col(BAA.id).in_(ids))
        ),
    )
    absent: dict[int, list[str]] = defaultdict(list)
    for baa_id, key in s.execute(
        select(col(BaaProvision.baa_id), col(BaaProvision.key)).where(
            col(BaaProvision.baa_id).in_(ids), col(BaaProvision.status) == ProvisionStatus.ABSENT
        )
    ):
        absent[baa_id].append(key)
    documents: dict[int, str] = {}
    for baa_id, filename in s.execute(
        select(col(BaaDocument.baa_id), col(BaaDocument.filename))
        .where(col(BaaDocument.baa_id).in_(ids))
        .order_by(col(BaaDocument.id))
    ):
        documents[baa_id] = filename  # the newest upload wins
    cat = catalogue()
    terms_at = len(TERMS)
    out = []
    for r in rows:
        i = r.id
        terms = BaaTerms(*r[-terms_at:])
        clause = clause_from(r)
        out.append(
            RegisterLine(
                i,
                r.vendor_name,
                r.title,
                terms.effective_date,
                terms.auto_renews,
                clause,
                r.subcontractor_flowdown,
                r.return_or_destroy,
                state_on(terms, as_of, warning_days),
                documents.get(i),
                not breach_gaps(cat, absent.get(i, ()), clause),
            )
        )
    return out


class AppLine(NamedTuple):
    """One app as the apps list shows it, with its latest assessment and decision."""

    id: int
    name: str
    vendor_name: str
    platform: str
    store_id: str | None
    revoked_on: date | None
    updated_at: datetime
    score: float | None  # of its latest assessment (None: never assessed)
    verdict: str | None
    decision: str | None  # its latest decision (None: none yet)
    valid_until: date | None


def apps(s: Session, ids: Sequence[int]) -> list[AppLine]:
    """These apps with their vendor's name, latest assessment (by id) and latest decision
    (by time decided, then id) — the apps list's rules — in three statements."""
    if not ids:
        return []
    rows = _in_order(
        ids,
        s.execute(
            select(
                col(App.id),
                col(App.name),
                col(Vendor.name).label("vendor_name"),
                col(App.platform),
                col(App.store_id),
                col(App.revoked_on),
                col(App.updated_at),
            )
            .join(Vendor, col(Vendor.id) == App.vendor_id)
            .where(col(App.id).in_(ids))
        ),
    )
    assessed: dict[int, tuple[float, str]] = {}
    for app_id, score, verdict in s.execute(
        select(col(Assessment.app_id), col(Assessment.score), col(Assessment.verdict))
        .where(col(Assessment.app_id).in_(ids))
        .order_by(col(Assessment.id))
    ):
        assessed[app_id] = (score, verdict)  # the newest wins
    decided: dict[int, tuple[str, date]] = {}
    for app_id, decision, valid_until in s.execute(
        select(col(Decision.app_id), col(Decision.decision), col(Decision.valid_until))
        .where(col(Decision.app_id).in_(ids))
        .order_by(col(Decision.decided_at), col(Decision.id))
    ):
        decided[app_id] = (decision, valid_until)  # the latest wins
    out = []
    for r in rows:
        i = r.id
        score, verdict = assessed.get(i, (None, None))
        decision, valid_until = decided.get(i, (None, None))
        out.append(AppLine._make((*r, score, verdict, decision, valid_until)))
    return out


class VendorLine(NamedTuple):
    """One vendor as the vendors list shows it: its apps, agreements and the state of the
    agreement that represents it (in force first, then the newest)."""

    name: str
    website: str | None
    contact_email: str | None
    apps: int
    baas: int
    state: str | None  # the representative agreement's (None: no agreement)
    term_end: date | None  # … and the last day of its term current on the day
    created_at: datetime


def vendors(s: Session, ids: Sequence[int], as_of: date, warning_days: int) -> list[VendorLine]:
    """These vendors with their number of apps and agreements and their representative
    agreement's state on `as_of` (the vendors list's rule), in three statements (today's
    states read from the kept ones where they are valid: `vendor_representatives`)."""
    if not ids:
        return []
    rows = _in_order(
        ids,
        s.execute(
            select(
                col(Vendor.id),
                col(Vendor.name),
                col(Vendor.website),
                col(Vendor.contact_email),
                col(Vendor.created_at),
            ).where(col(Vendor.id).in_(ids))
        ),
    )
    app_counts: dict[int, int] = {
        vendor_id: n
        for vendor_id, n in s.execute(
            select(col(App.vendor_id), func.count())
            .where(col(App.vendor_id).in_(ids))
            .group_by(col(App.vendor_id))
        )
    }
    represented = vendor_representatives(s, ids, as_of, warning_days)
    out = []
    for r in rows:
        i = r.id
        rep = represented.get(i)
        out.append(
            VendorLine(
                r.name,
                r.website,
                r.contact_email,
                app_counts.get(i, 0),
                rep.baas if rep else 0,
                rep.state if rep else None,
                rep.term_end if rep else None,
                r.created_at,
            )
        )
    return out


class AssessmentLine(NamedTuple):
    """One assessment as the assessments list shows it, with its decision."""

    id: int
    app_name: str
    app_platform: str
    vendor_name: str
    checklist_id: str
    checklist_version: str
    score: float
    verdict: str
    status: str
    created_at: datetime
    updated_at: datetime
    decision: str | None  # the latest decision made on it (None: none)
    valid_until: date | None


def assessments(s: Session, ids: Sequence[int]) -> list[AssessmentLine]:
    """These assessments with their app, vendor and latest decision (by time decided, then
    id), in two statements."""
    if not ids:
        return []
    rows = _in_order(
        ids,
        s.execute(
            select(
                col(Assessment.id),
                col(App.name),
                col(App.platform),
                col(Vendor.name).label("vendor_name"),
                col(Assessment.checklist_id),
                col(Assessment.checklist_version),
                col(Assessment.score),
                col(Assessment.verdict),
                col(Assessment.status),
                col(Assessment.created_at),
                col(Assessment.updated_at),
            )
            .join(App, col(App.id) == Assessment.app_id)
            .join(Vendor, col(Vendor.id) == App.vendor_id)
            .where(col(Assessment.id).in_(ids))
        ),
    )
    decided: dict[int, tuple[str, date]] = {}
    for assessment_id, decision, valid_until in s.execute(
        select(col(Decision.assessment_id), col(Decision.decision), col(Decision.valid_until))
        .where(col(Decision.assessment_id).in_(ids))
        .order_by(col(Decision.decided_at), col(Decision.id))
    ):
        decided[assessment_id] = (decision, valid_until)
    out = []
    for r in rows:
        i = r.id
        decision, valid_until = decided.get(i, (None, None))
        out.append(AssessmentLine._make((*r, decision, valid_until)))
    return out
