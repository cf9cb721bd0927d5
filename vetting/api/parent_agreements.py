"""Parent agreements: the master agreements whose term BAAs may follow."""

from __future__ import annotations

from flask import Response, g

from vetting import db
from vetting.api import bp
from vetting.api.spec import route
from vetting.models import ParentAgreement
from vetting.schemas import (
    Page,
    ParentAgreementCreate,
    ParentAgreementOut,
    ParentAgreementQuery,
    ParentAgreementUpdate,
)
from vetting.services import parent_agreements as svc

RULES = (
    "Dates as contracts state them: `effective_date` the first day in force, "
    "`expiration_date` the last day in force (null: evergreen); notice in days or months, not "
    "both. A BAA with `follows_parent` true takes the parent's effective and expiration dates, "
    "auto-renewal, renewal term and notice: changing them here moves every such BAA at once "
    "(its state, the register, the approved list, the calendar and the reminders)."
)


def _outs(rows: list[ParentAgreement]) -> list[ParentAgreementOut]:
    links = svc.linked(db.session(), [p.id for p in rows if p.id is not None])
    return [
        ParentAgreementOut.model_validate(p).model_copy(
            update={
                "baa_ids": [b for b, _ in links.get(p.id or 0, [])],
                "following_ids": [b for b, f in links.get(p.id or 0, []) if f],
            }
        )
        for p in rows
    ]


@route(
    bp,
    "/parent-agreements",
    "GET",
    summary="List parent agreements (master agreements whose term BAAs may follow)",
    tag="baas",
    scope="baas:read",
    query=ParentAgreementQuery,
    response=Page[ParentAgreementOut],
    description="Filters: `vendor_id`, `q` (name). " + RULES,
)
def list_parent_agreements(query: ParentAgreementQuery) -> Page[ParentAgreementOut]:
    result = svc.list_(db.session(), query.page, query.per_page, query.vendor_id, query.q)
    return Page[ParentAgreementOut](
        items=_outs(result.items), page=result.page, per_page=result.per_page, total=result.total
    )


@route(
    bp,
    "/parent-agreements",
    "POST",
    summary="Record a parent agreement",
    tag="baas",
    scope="baas:write",
    body=ParentAgreementCreate,
    response=ParentAgreementOut,
    status=201,
    description=RULES,
)
def create_parent_agreement(body: ParentAgreementCreate) -> ParentAgreementOut:
    return _outs([svc.create(db.session(), g.principal, body)])[0]


@route(
    bp,
    "/parent-agreements/<int:parent_id>",
    "GET",
    summary="One parent agreement, with the BAAs linked to it",
    tag="baas",
    scope="baas:read",
    response=ParentAgreementOut,
)
def get_parent_agreement(parent_id: int) -> ParentAgreementOut:
    return _outs([svc.get(db.session(), parent_id)])[0]


@route(
    bp,
    "/parent-agreements/<int:parent_id>",
    "PATCH",
    summary="Change a parent agreement (the BAAs that follow it take its new dates at once)",
    tag="baas",
    scope="baas:write",
    body=ParentAgreementUpdate,
    response=ParentAgreementOut,
    description="422 when a following BAA would break its own rules with the new dates (a "
    "termination before the new start, a renewal no longer after the agreement it renews); "
    "nothing is saved then. " + RULES,
)
def update_parent_agreement(parent_id: int, body: ParentAgreementUpdate) -> ParentAgreementOut:
    return _outs([svc.update(db.session(), g.principal, parent_id, body)])[0]


@route(
    bp,
    "/parent-agreements/<int:parent_id>",
    "DELETE",
    summary="Delete a parent agreement no BAA is linked to (409 otherwise)",
    tag="baas",
    scope="baas:write",
    status=204,
)
def delete_parent_agreement(parent_id: int) -> Response:
    svc.delete(db.session(), g.principal, parent_id)
    return Response(status=204)
