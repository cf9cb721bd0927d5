"""Apps."""

from __future__ import annotations

from flask import Response, g
from pydantic import BaseModel

from vetting import clock, db
from vetting.api import bp
from vetting.api.spec import page_of, route
from vetting.current import current_settings
from vetting.downloads import table_file
from vetting.errors import NotFound
from vetting.queries import browse, sheets
from vetting.schemas import (
    AppCreate,
    AppDownloadQuery,
    AppOut,
    AppQuery,
    AppUpdate,
    Page,
    StoreListingOut,
    StoreLookupOut,
)
from vetting.services import apps as svc
from vetting.services import store_lookup


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
    description=(
        "Every app the filters select (over 1,048,575, what one sheet holds, is refused, "
        "422; streamed) with whether it is on the approved list on `as_of` and why, its "
        "latest assessment and decision: XLSX with a frozen header, filters and date cells, "
        "or CSV; formula-looking text kept as text."
    ),
)
def download_apps(fmt: str, query: AppDownloadQuery) -> Response:
    sheets.check_format(fmt)
    found = browse.app_ids(
        db.session(),
        sheets.MAX_ROWS + 1,
        q=query.q,
        platform=query.platform,
        vendor_id=query.vendor_id,
    )
    ids = sheets.listed(found, "apps")
    return table_file(sheets.apps(db.session, ids, query.as_of or clock.today()), fmt)


def _lookup_out(outcome: store_lookup.Outcome) -> StoreLookupOut:
    return StoreLookupOut(
        listing=StoreListingOut.model_validate(outcome.listing),
        suggestion_ids=[sg.id for sg in outcome.suggested if sg.id is not None],
        notes=outcome.notes,
    )


@route(
    bp,
    "/apps/<int:app_id>/lookup",
    "POST",
    summary="Look the app up in its store now",
    tag="apps",
    scope=store_lookup.WRITE_SCOPE,
    response=StoreLookupOut,
    description="iOS apps in the iTunes lookup API by bundle ID, Android apps on Google Play "
    "by package name. Stores the listing (seller, developer, version, release date, minimum "
    "OS, links, data-safety declaration) with the URL, time and SHA-256 of what was read, "
    "flags a seller that is not the vendor, an app no longer in the store and a store ID "
    "naming another app, and proposes declared practices a checklist capability asks about "
    "as `discovered` suggestions on the app's open assessments. 422: a web app or no store "
    "ID; 502: the store could not be read (the error is kept on the listing, nothing else "
    "changes).",
    responses={502: "the store could not be read"},
)
def lookup_app(app_id: int) -> StoreLookupOut:
    options = store_lookup.options_from(current_settings())
    return _lookup_out(store_lookup.lookup(db.session(), g.principal, app_id, options))


@route(
    bp,
    "/apps/<int:app_id>/listing",
    "GET",
    summary="The app's store listing as last looked up",
    tag="apps",
    scope=store_lookup.READ_SCOPE,
    response=StoreListingOut,
    description="404 when the app was never looked up.",
)
def get_listing(app_id: int) -> StoreListingOut:
    row = store_lookup.get_listing(db.session(), app_id)
    if row is None:
        raise NotFound(f"app {app_id} was never looked up in its store")
    return StoreListingOut.model_validate(row)
