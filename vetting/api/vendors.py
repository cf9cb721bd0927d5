"""Vendors."""

from __future__ import annotations

from flask import Response, current_app, g
from pydantic import BaseModel

from vetting import db
from vetting.api import bp
from vetting.api.spec import page_of, route
from vetting.current import current_settings
from vetting.schemas import (
    Page,
    PageQuery,
    VendorCreate,
    VendorOut,
    VendorQuestionnaireQuery,
    VendorUpdate,
)
from vetting.services import checklists, questionnaires
from vetting.services import vendors as svc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


@route(
    bp,
    "/vendors/<int:vendor_id>/questionnaire.xlsx",
    "GET",
    summary="A questionnaire workbook for a vendor and a checklist, before any assessment",
    tag="vendors",
    scope="assessments:read",
    query=VendorQuestionnaireQuery,
    produces=(XLSX,),
    description="The same workbook as an assessment's (…/assessments/{id}/questionnaire.xlsx), "
    "signed for this vendor and the checklist's current version. Filled in, it is imported "
    "into an open assessment of one of the vendor's apps on that checklist version (POST "
    "…/assessments/{id}/questionnaire); a workbook for another vendor is refused. 404 for an "
    "unknown vendor or checklist.",
)
def export_vendor_questionnaire(vendor_id: int, query: VendorQuestionnaireQuery) -> Response:
    checklist = checklists.get(current_app.extensions["vetting.checklists"], query.checklist)
    out = questionnaires.export_for_vendor(
        db.session(), g.principal, vendor_id, checklist, current_settings().secret_key
    )
    return Response(
        out.data,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )
