"""Vendors."""

from __future__ import annotations

from flask import Response, g
from pydantic import BaseModel

from vetting import db
from vetting.api import bp
from vetting.api.spec import page_of, route
from vetting.schemas import Page, PageQuery, VendorCreate, VendorOut, VendorUpdate
from vetting.services import vendors as svc


@route(
    bp,
    "/vendors",
    "GET",
    summary="List vendors",
    tag="vendors",
    scope="vendors:read",
    query=PageQuery,
    response=Page[VendorOut],
)
def list_vendors(query: PageQuery) -> BaseModel:
    return page_of(VendorOut, svc.list_(db.session(), query.page, query.per_page, query.q))


@route(
    bp,
    "/vendors",
    "POST",
    summary="Create a vendor",
    tag="vendors",
    scope="vendors:write",
    body=VendorCreate,
    response=VendorOut,
    status=201,
)
def create_vendor(body: VendorCreate) -> VendorOut:
    return VendorOut.model_validate(svc.create(db.session(), g.principal, body))


@route(
    bp,
    "/vendors/<int:vendor_id>",
    "GET",
    summary="One vendor",
    tag="vendors",
    scope="vendors:read",
    response=VendorOut,
)
def get_vendor(vendor_id: int) -> VendorOut:
    return VendorOut.model_validate(svc.get(db.session(), vendor_id))


@route(
    bp,
    "/vendors/<int:vendor_id>",
    "PATCH",
    summary="Change a vendor",
    tag="vendors",
    scope="vendors:write",
    body=VendorUpdate,
    response=VendorOut,
)
def update_vendor(vendor_id: int, body: VendorUpdate) -> VendorOut:
    return VendorOut.model_validate(svc.update(db.session(), g.principal, vendor_id, body))


@route(
    bp,
    "/vendors/<int:vendor_id>",
    "DELETE",
    summary="Delete a vendor with no apps or BAAs",
    tag="vendors",
    scope="vendors:write",
    status=204,
)
def delete_vendor(vendor_id: int) -> Response:
    svc.delete(db.session(), g.principal, vendor_id)
    return Response(status=204)
