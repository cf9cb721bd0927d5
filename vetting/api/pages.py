"""A vendor's watched pages: list, add, remove, fetch now (claims, suggestions, alerts)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g

from vetting import db
from vetting.api import bp
from vetting.api.spec import route
from vetting.current import current_settings
from vetting.models import PageClaim, WatchedPage
from vetting.schemas import PageFetchOut, WatchedPageIn, WatchedPageList, WatchedPageOut
from vetting.services import page_watch as svc


def _out(page: WatchedPage, claims: list[PageClaim]) -> WatchedPageOut:
    data = {k: getattr(page, k) for k in WatchedPageOut.model_fields if k != "claims"}
    data["claims"] = [
        {
            "capability": c.capability_key,
            "stance": c.stance,
            "condition": c.condition,
            "quote": c.quote,
            "start": c.start_offset,
            "end": c.end_offset,
        }
        for c in claims
    ]
    return WatchedPageOut.model_validate(data)


def _loaded() -> Any:
    return current_app.extensions["vetting.checklists"]


@route(
    bp,
    "/vendors/<int:vendor_id>/pages",
    "GET",
    summary="The vendor's watched pages with the claims of their last good fetch",
    tag="vendors",
    scope="vendors:read",
    response=WatchedPageList,
)
def list_pages(vendor_id: int) -> WatchedPageList:
    s = db.session()
    pages = svc.list_pages(s, vendor_id)
    claims = svc.claims_of(s, [p.id for p in pages if p.id is not None])
    return WatchedPageList(items=[_out(p, claims.get(p.id or 0, [])) for p in pages])


@route(
    bp,
    "/vendors/<int:vendor_id>/pages",
    "POST",
    summary="Watch a page of the vendor's (fetched by the fetch operation)",
    tag="vendors",
    scope="vendors:write",
    body=WatchedPageIn,
    response=WatchedPageOut,
    status=201,
)
def add_page(vendor_id: int, body: WatchedPageIn) -> WatchedPageOut:
    page = svc.add_page(
        db.session(), g.principal, vendor_id, body.url, _loaded(), body.checklist_id
    )
    return _out(page, [])


@route(
    bp,
    "/vendors/<int:vendor_id>/pages/<int:page_id>",
    "DELETE",
    summary="Stop watching a page (its claims go; suggestions already made stay)",
    tag="vendors",
    scope="vendors:write",
    status=204,
)
def remove_page(vendor_id: int, page_id: int) -> Response:
    svc.remove_page(db.session(), g.principal, vendor_id, page_id)
    return Response(status=204)


@route(
    bp,
    "/vendors/<int:vendor_id>/pages/<int:page_id>/fetch",
    "POST",
    summary="Fetch a watched page now: its claims, new suggestions and alerts",
    tag="vendors",
    scope="vendors:write",
    response=PageFetchOut,
    description="Fetched through the SSRF-guarded client (at most 5 redirects, each checked; "
    "2 MiB; one deadline; HTML or plain text only). A failed fetch is a 422 naming the reason, "
    "recorded on the page; nothing else changes. Needs assessments:write too (the claims "
    "become suggestions).",
)
def fetch_page(vendor_id: int, page_id: int) -> PageFetchOut:
    result = svc.fetch_now(
        db.session(), g.principal, vendor_id, page_id, _loaded(), current_settings().notify
    )
    return PageFetchOut.model_validate(result.as_dict())
