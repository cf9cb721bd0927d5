"""Load the facts the approved list needs in three queries, then let the core decide."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Integer, String, cast, func, label, literal, null, select, union_all
from sqlmodel import Session, col

from integrations.exporters.base import ExportOptions, exporter
from vetting import __version__, clock
from vetting.core.allowlist import (
    AppFacts,
    ApprovedList,
    BaaFacts,
    DecisionFacts,
    Departure,
    approved_list,
)
from vetting.core.allowlist import forecast as core_forecast
from vetting.core.baa import BaaTerms
from vetting.core.baa_provisions import ExceptionWindow, ProvisionStatus
from vetting.core.breach import COLUMNS as BREACH_COLUMNS
from vetting.core.breach import clause_of
from vetting.core.decisions import ConditionFacts, Pins
from vetting.core.releases import Release, release_content
from vetting.models import (
    BAA,
    App,
    BaaApp,
    BaaException,
    BaaProvision,
    Decision,
    DecisionCondition,
    Vendor,
)
from vetting.queries import cache
from vetting.services.baa_provisions import breach_gaps, catalogue
from vetting.services.baas import TERMS


def _local_day(column: Any, dialect: str) -> Any:
    """The organisation's calendar day of a stored UTC timestamp, computed by the database:
    one date per row instead of a parsed, zone-converted datetime (45,000 of them in a large
    inventory)."""
    zone = getattr(clock.zone(), "key", "UTC")
    if dialect == "postgresql":
        return cast(func.timezone(zone, column), Date)
    if zone == "UTC":
        return func.date(column, type_=Date)  # SQLite stores these timestamps as UTC text
    return func.vetting_local_day(column, zone, type_=Date)  # vetting/db.py registers it


def compute(s: Session, as_of: date, app_ids: Collection[int] | None = None) -> ApprovedList:
    """The approved list on `as_of` (no query per app); only the apps `app_ids` names when
    given (what the live list recomputes after a few changes)."""
    with cache.gc_paused():
        return _compute(s, as_of, app_ids)


def _compute(s: Session, as_of: date, app_ids: Collection[int] | None) -> ApprovedList:
    return approved_list(as_of, *_facts(s, as_of, app_ids))


Facts = tuple[list[AppFacts], dict[int, DecisionFacts], dict[int, list[BaaFacts]]]


# The kinds of records whose audit events can change the list (and the demo loader's).
LIST_ENTITIES = frozenset({"app", "assessment", "vendor", "baa"})
LIVE = cache.Reads((*sorted(LIST_ENTITIES), "demo"), (Vendor, App, Decision, BAA))


def rules() -> tuple[Any, ...]:
    """What the list's rules depend on besides the data: the code and the required-provisions
    catalogue (a deploy or an edited catalogue changes the list)."""
    provisions = catalogue()
    return (__version__, provisions.version, provisions.breach_max_days, provisions.keys)


def version(s: Session, as_of: date, *variant: str) -> str:
    """A tag that stays the same while the list on `as_of` cannot have changed: the same day,
    no write to what it is computed from, the same code and required-provisions catalogue
    (a deploy or an edited catalogue moves it). The live list's ETag."""
    return cache.version_tag(s, LIVE, "live list", as_of, rules(), *variant)


def forecast(
    s: Session, today: date, days: int, app_ids: Collection[int] | None = None
) -> list[Departure]:
    """Apps on today's list that leave it within `days`, the first day each leaves and why:
    the facts read once, the core's list compared on the days something changes; only the
    apps `app_ids` names when given."""
    with cache.gc_paused():
        return core_forecast(today, days, *_facts(s, today, app_ids))


def _facts(s: Session, as_of: date, app_ids: Collection[int] | None) -> Facts:
    # Plain Core rows (no ORM result machinery), columns selected in AppFacts' field order:
    # positional construction is the fast path at 50,000 apps.
    conn = s.connection()
    app_query = (
        select(
            col(App.id),
            col(App.name),
            col(App.platform),
            col(App.store_id),
            col(App.vendor_id),
            label("vendor_name", col(Vendor.name)),
            col(App.revoked_on),
            col(App.revoked_reason),
            col(App.store_url),
        )
        .join(Vendor, col(Vendor.id) == App.vendor_id)
        .order_by(col(App.name), col(App.platform), col(App.id))
    )
    if app_ids is not None:
        app_query = app_query.where(col(App.id).in_(sorted(app_ids)))
    # (Rows typed Any: a selected `id` is never NULL, yet SQLModel types it int | None.)
    app_rows: Sequence[Any] = conn.execute(app_query).all()  # one fetchall, not one per row
    apps = [AppFacts(*r) for r in app_rows]
    cutoff = clock.day_start(as_of + timedelta(days=1))
    dialect = conn.dialect.name
    decision_query = (
        select(
            col(Decision.app_id),
            col(Decision.decision),
            _local_day(Decision.decided_at, dialect),
            col(Decision.decided_by),
            col(Decision.valid_until),
            col(Decision.assessment_id),
            col(Decision.conditions),
            col(Decision.needs_confirmation),
            col(Decision.confirmation_reason),
            _local_day(Decision.confirmed_at, dialect),
            col(Decision.confirmed_by),
            _local_day(Decision.refused_at, dialect),
            col(Decision.refused_by),
            col(Decision.id),
            col(Decision.pinned_platform),
            col(Decision.pinned_store_id),
            col(Decision.pinned_vendor_id),
            col(Decision.pinned_vendor_name),
        )
        .where(col(Decision.decided_at) < cutoff)
        .order_by(col(Decision.decided_at), col(Decision.id))
    )
    baa_query = select(
        col(BAA.id),
        col(BAA.vendor_id),
        *TERMS,
        col(BAA.all_products),
        *(getattr(BAA, name) for name in BREACH_COLUMNS),
    )
    vendor_ids = sorted({a.vendor_id for a in apps})
    if app_ids is not None:
        decision_query = decision_query.where(col(Decision.app_id).in_(sorted(app_ids)))
        baa_query = baa_query.where(col(BAA.vendor_id).in_(vendor_ids))
    rows: dict[int, Any] = {}
    for r in conn.execute(decision_query).all():
        rows[r[0]] = r  # ordered by time: the last one kept is the latest
    items = _conditions(conn, {r[13] for r in rows.values()}, app_ids is not None, dialect)
    latest: dict[int, DecisionFacts] = {}
    for app_id, r in rows.items():
        facts = DecisionFacts(*r[1:13])
        if any(v is not None for v in r[14:17]):
            facts.pins = Pins(*r[14:18])
        facts.condition_items = items.get(r[13], ())
        latest[app_id] = facts
    baas: dict[int, list[BaaFacts]] = defaultdict(list)
    baa_rows: Sequence[Any] = conn.execute(baa_query).all()
    details = _baa_details(conn, dialect, vendor_ids if app_ids is not None else None)
    cat = catalogue()
    n = len(TERMS) + 2
    for r in baa_rows:
        scope, absent, windows = details.get(r[0], _NO_DETAILS)
        baas[r[1]].append(
            BaaFacts(
                r[0],
                BaaTerms(*r[2:n]),
                all_products=r[n],
                app_ids=frozenset(scope),
                gaps=breach_gaps(cat, absent, clause_of(*r[n + 1 : n + 7])),
                exceptions=tuple(windows),
            )
        )
    return apps, latest, baas


_NO_DETAILS: tuple[list[int], list[str], list[ExceptionWindow]] = ([], [], [])


def _baa_details(
    conn: Any, dialect: str, vendor_ids: list[int] | None
) -> dict[int, tuple[list[int], list[str], list[ExceptionWindow]]]:
    """Per BAA: the apps its scope names, its provisions recorded absent, and its confirmed
    exceptions — three small tables read in one statement (a UNION ALL)."""
    no_str, no_int, no_day = cast(null(), String), cast(null(), Integer), cast(null(), Date)
    scope = select(
        col(BaaApp.baa_id), literal("s", String), no_str, col(BaaApp.app_id), no_day, no_day
    )
    absent = select(
        col(BaaProvision.baa_id),
        literal("p", String),
        col(BaaProvision.key),
        no_int,
        no_day,
        no_day,
    ).where(col(BaaProvision.status) == ProvisionStatus.ABSENT)
    excepted = select(
        col(BaaException.baa_id),
        literal("e", String),
        no_str,
        no_int,
        _local_day(BaaException.confirmed_at, dialect),
        col(BaaException.ends_on),
    ).where(col(BaaException.confirmed_at).is_not(None))
    if vendor_ids is not None:
        theirs = select(col(BAA.id)).where(col(BAA.vendor_id).in_(vendor_ids))
        scope = scope.where(col(BaaApp.baa_id).in_(theirs))
        absent = absent.where(col(BaaProvision.baa_id).in_(theirs))
        excepted = excepted.where(col(BaaException.baa_id).in_(theirs))
    out: dict[int, tuple[list[int], list[str], list[ExceptionWindow]]] = {}
    for baa_id, kind, key, app_id, confirmed_on, ends_on in conn.execute(
        union_all(scope, absent, excepted)
    ):
        entry = out.setdefault(baa_id, ([], [], []))
        if kind == "s":
            entry[0].append(app_id)
        elif kind == "p":
            entry[1].append(key)
        else:
            entry[2].append(ExceptionWindow(_as_date(confirmed_on), ends_on))
    return out


def _as_date(value: Any) -> date:
    """SQLite returns a UNION's computed date as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _conditions(
    conn: Any, decision_ids: set[int], few: bool, dialect: str
) -> dict[int, tuple[ConditionFacts, ...]]:
    """The conditions of these decisions (few: looked up by id; else the whole table, which
    holds only conditional approvals' items, read once)."""
    query = select(
        col(DecisionCondition.decision_id),
        col(DecisionCondition.text),
        col(DecisionCondition.due_date),
        _local_day(DecisionCondition.met_at, dialect),
    ).order_by(col(DecisionCondition.decision_id), col(DecisionCondition.position))
    if few:
        if not decision_ids:
            return {}
        query = query.where(col(DecisionCondition.decision_id).in_(sorted(decision_ids)))
    out: dict[int, list[ConditionFacts]] = defaultdict(list)
    for decision_id, text, due, met_on in conn.execute(query):
        if decision_id in decision_ids:
            out[decision_id].append(ConditionFacts(text, due, met_on))
    return {k: tuple(v) for k, v in out.items()}


def forecast_dict(today: date, days: int, items: Sequence[Departure]) -> dict[str, Any]:
    """The forecast as JSON (API and `vetting allowlist forecast --json`)."""
    return {
        "as_of": today.isoformat(),
        "days": days,
        "until": (today + timedelta(days=days)).isoformat(),
        "items": [
            {
                "app_id": d.app_id,
                "app": d.name,
                "platform": d.platform,
                "store_id": d.store_id,
                "vendor_id": d.vendor_id,
                "vendor": d.vendor_name,
                "leaves_on": d.leaves_on.isoformat(),
                "reason": d.reason,
            }
            for d in items
        ],
    }


def as_dict(result: ApprovedList, generated_at: datetime) -> dict[str, Any]:
    """The live list as JSON: the same items, order and schema as a release's content, plus
    the date it is for and when it was computed."""
    return {
        **release_content(result.entries, result.excluded),
        "as_of": result.as_of.isoformat(),
        "generated_at": generated_at.isoformat(),
    }


def as_csv(result: ApprovedList) -> str:
    """The live list as CSV, written by the same exporter as a published release's CSV."""
    release = Release.of_content(
        release_content(result.entries, result.excluded),
        id=0,
        as_of=result.as_of,
        created_by="",
        created_at=clock.now(),
    )
    return exporter("csv").export(release, ExportOptions()).decode("utf-8")
