"""Business Associate Agreements."""

from __future__ import annotations

from datetime import date

from flask import current_app, g

from vetting import clock, db
from vetting.api import bp
from vetting.api.spec import route
from vetting.models import BAA
from vetting.schemas import BaaCreate, BaaOut, BaaQuery, BaaUpdate, Page
from vetting.services import baas as svc


def out(baa: BAA, as_of: date | None = None) -> BaaOut:
    as_of = as_of or clock.today()
    v = svc.view(baa, as_of, current_app.config["BAA_WARNING_DAYS"])
    return BaaOut(
        **baa.model_dump(),
        state=v.status.state,
        term_end=v.status.term_end,
        notice_deadline=v.status.notice_deadline,
        days_left=v.status.days_left,
        renewed_by_default=v.status.renewed_by_default,
        as_of=as_of,
    )


@route(
    bp,
    "/baas",
    "GET",
    summary="List BAAs with their state on a date",
    tag="baas",
    scope="baas:read",
    query=BaaQuery,
    response=Page[BaaOut],
)
def list_baas(query: BaaQuery) -> Page[BaaOut]:
    result = svc.list_(db.session(), query.page, query.per_page, query.vendor_id)
    return Page[BaaOut](
        items=[out(b, query.as_of) for b in result.items],
        page=result.page,
        per_page=result.per_page,
        total=result.total,
    )


@route(
    bp,
    "/baas",
    "POST",
    summary="Record a BAA",
    tag="baas",
    scope="baas:write",
    body=BaaCreate,
    response=BaaOut,
    status=201,
)
def create_baa(body: BaaCreate) -> BaaOut:
    return out(svc.create(db.session(), g.principal, body))


@route(
    bp,
    "/baas/<int:baa_id>",
    "GET",
    summary="One BAA with its state today",
    tag="baas",
    scope="baas:read",
    response=BaaOut,
)
def get_baa(baa_id: int) -> BaaOut:
    return out(svc.get(db.session(), baa_id))


@route(
    bp,
    "/baas/<int:baa_id>",
    "PATCH",
    summary="Change a BAA",
    tag="baas",
    scope="baas:write",
    body=BaaUpdate,
    response=BaaOut,
)
def update_baa(baa_id: int, body: BaaUpdate) -> BaaOut:
    return out(svc.update(db.session(), g.principal, baa_id, body))
