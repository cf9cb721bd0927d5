"""Apps."""

from __future__ import annotations

from flask import Response, g
from pydantic import BaseModel

from vetting import clock, db
from vetting.api import bp
from vetting.api.spec import page_of, route
from vetting.downloads import table_file
from vetting.queries import browse, sheets
from vetting.schemas import AppCreate, AppDownloadQuery, AppOut, AppQuery, AppUpdate, Page
from vetting.services import apps as svc
from vetting.services.common import PageResult


@route(
    bp,
    "/apps",
    "GET",
    summary="List apps",
    tag="apps",
    scope="apps:read",
    query=AppQuery,
    response=Page[AppOut],
)
def list_apps(query: AppQuery) -> BaseModel:
    return page_of(
        AppOut,
        svc.list_(
            db.session(), query.page, query.per_page, query.q, query.vendor_id, query.platform
        ),
    )


@route(
    bp,
    "/apps",
    "POST",
    summary="Create an app",
    tag="apps",
    scope="apps:write",
    body=AppCreate,
    response=AppOut,
    status=201,
)
def create_app_(body: AppCreate) -> AppOut:
    return AppOut.model_validate(svc.create(db.session(), g.principal, body))


@route(
    bp,
    "/apps/<int:app_id>",
    "GET",
    summary="One app",
    tag="apps",
    scope="apps:read",
    response=AppOut,
)
def get_app(app_id: int) -> AppOut:
    return AppOut.model_validate(svc.get(db.session(), app_id))


@route(
    bp,
    "/apps/<int:app_id>",
    "PATCH",
    summary="Change an app (or revoke it)",
    tag="apps",
    scope="apps:write",
    body=AppUpdate,
    response=AppOut,
)
def update_app(app_id: int, body: AppUpdate) -> AppOut:
    return AppOut.model_validate(svc.update(db.session(), g.principal, app_id, body))


@route(
    bp,
    "/apps/<int:app_id>",
    "DELETE",
    summary="Delete an app that was never assessed",
    tag="apps",
    scope="apps:write",
    status=204,
)
def delete_app(app_id: int) -> Response:
    svc.delete(db.session(), g.principal, app_id)
    return Response(status=204)


@route(
    bp,
    "/apps/export.<fmt>",
    "GET",
    summary="Apps with their list status as a spreadsheet: export.xlsx or export.csv",
    tag="apps",
    scope="apps:read",
    query=AppDownloadQuery,
    produces=(sheets.XLSX, "text/csv"),
    description="Every app the filters select (over 50,000 is refused, 422) with whether it "
    "is on the approved list on `as_of` and why, its latest assessment and decision: XLSX "
    "with a frozen header, filters and date cells, or CSV; formula-looking text kept as text.",
)
def download_apps(fmt: str, query: AppDownloadQuery) -> Response:
    s = db.session()

    def fetch(page: int, per_page: int) -> PageResult:
        return browse.app_table(
            s,
            q=query.q,
            platform=query.platform,
            vendor_id=query.vendor_id,
            page=page,
            per_page=per_page,
        )

    items = sheets.every_page(fetch, "apps")
    return table_file(sheets.apps(s, items, query.as_of or clock.today()), fmt)
