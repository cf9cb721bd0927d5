"""Approved-list releases: publish, browse, diff, export; and the pull endpoints an MDM or a
script polls cheaply (ETag = release hash; 304 without loading or building anything)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, g, request
from sqlmodel import Session

from vetting import __version__, db
from vetting.api import bp
from vetting.api.spec import page_of, route
from vetting.core.allowlist import ListDiff
from vetting.current import current_settings
from vetting.models import AllowlistRelease
from vetting.queries import live_list
from vetting.queries import releases as svc
from vetting.schemas import (
    ExportQuery,
    Page,
    PublishOut,
    PullQuery,
    ReleaseCreate,
    ReleaseDiffOut,
    ReleaseOut,
    ReleaseQuery,
    ReleaseSummaryOut,
)
from vetting.services import releases as publishing


def _summary(row: AllowlistRelease | dict[str, Any]) -> ReleaseSummaryOut:
    return ReleaseSummaryOut.model_validate(row)


def _diff_out(row: AllowlistRelease, diff: ListDiff) -> ReleaseDiffOut:
    return ReleaseDiffOut(
        release_id=row.id,
        previous_id=row.previous_id,
        summary=diff.summary,
        **diff.as_dict(),
    )


def _file(f: svc.ExportFile) -> Response:
    resp = Response(f.body, content_type=f.media_type)
    resp.headers["Content-Disposition"] = f'attachment; filename="{f.filename}"'
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Vetting-Release"] = str(f.release_id)
    resp.set_etag(f.sha256)
    return resp


@route(
    bp,
    "/allowlist/releases",
    "POST",
    summary="Publish today's list as a release (only if it changed)",
    tag="allowlist",
    scope="allowlist:write",
    body=ReleaseCreate,
    response=PublishOut,
    status=201,
    responses={200: "The list is the same as the latest release: nothing stored"},
)
def publish_release(body: ReleaseCreate) -> Response:
    """201 with the new release and its diff; 200 with the latest release when the list is
    the same as the latest release (nothing is stored)."""
    result = publishing.publish(
        db.session(),
        g.principal,
        body.as_of,
        body.note,
        allow_shrink=body.allow_shrink,
        max_drop_percent=current_settings().publish_max_drop_percent,
    )
    live_list.published(db.session(), result.release, result.listed)
    out = PublishOut(
        created=result.created,
        message=result.message,
        release=_summary(result.release),
        diff=_diff_out(result.release, result.diff),
    )
    return Response(
        out.model_dump_json(), status=201 if result.created else 200, mimetype="application/json"
    )


@route(
    bp,
    "/allowlist/releases",
    "GET",
    summary="Releases, newest first",
    tag="allowlist",
    scope="allowlist:read",
    query=ReleaseQuery,
    response=Page[ReleaseSummaryOut],
)
def list_releases(query: ReleaseQuery) -> Page[ReleaseSummaryOut]:
    result = svc.list_(db.session(), query.page, query.per_page)
    return page_of(ReleaseSummaryOut, result, _summary)  # type: ignore[return-value]


@route(
    bp,
    "/allowlist/releases/<release_id>",
    "GET",
    summary="One release with its entries, exclusions and diff ('latest' for the newest)",
    tag="allowlist",
    scope="allowlist:read",
    response=ReleaseOut,
    responses={304: "Not changed since the ETag sent in If-None-Match"},
)
def get_release(release_id: str) -> Response:
    s = db.session()
    row = svc.get(s, release_id, with_content=False)

    def render() -> bytes:
        out = ReleaseOut.model_validate(
            {
                **_summary(row).model_dump(),
                "schema": row.content.get("schema", "vetting.allowlist/v1"),
                "entries": row.content.get("entries", []),
                "excluded": row.content.get("excluded", []),
                "diff": _diff_out(row, svc.release_diff(s, row)),
            }
        )
        return out.model_dump_json(by_alias=True).encode()

    return _document(s, row, "release", render)


def _document(
    s: Session, row: AllowlistRelease, kind: str, render: Callable[[], bytes]
) -> Response:
    """A JSON document about one release: a release never changes, so the document is built
    once per process and its hash is the ETag (If-None-Match → 304, no body)."""
    # the hash names the content only: the same list can be published again as a later
    # release (another id, previous release and diff), and a deploy may change the document
    tag = f"{row.id}-{row.sha256}-{kind}-{__version__}"
    if request.if_none_match.contains_weak(tag):
        resp = Response(status=304)
    else:
        resp = Response(svc.rendered(s, row, kind, render), mimetype="application/json")
    resp.set_etag(tag, weak=True)
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp


@route(
    bp,
    "/allowlist/releases/<release_id>/diff",
    "GET",
    summary="What a release added, removed and changed since the one before, with reasons",
    tag="allowlist",
    scope="allowlist:read",
    response=ReleaseDiffOut,
    responses={304: "Not changed since the ETag sent in If-None-Match"},
)
def get_release_diff(release_id: str) -> Response:
    s = db.session()
    row, diff = svc.diff(s, release_id)
    render = lambda: _diff_out(row, diff).model_dump_json(by_alias=True).encode()  # noqa: E731
    return _document(s, row, "diff", render)


@route(
    bp,
    "/allowlist/releases/<release_id>/export",
    "GET",
    summary="A release as a file: json, csv, xlsx, mobileconfig, android-policy or intune",
    tag="allowlist",
    scope="allowlist:read",
    query=ExportQuery,
    produces=(
        "application/json",
        "text/csv",
        "application/x-apple-aspen-config",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
)
def export_release(release_id: str, query: ExportQuery) -> Response:
    svc.check_format(query.format)
    options = svc.export_options(current_settings(), query.mode)
    return _file(svc.export(db.session(), release_id, query.format, options))


# --- pull endpoints -------------------------------------------------------------------------

PULLS: tuple[tuple[str, str, str], ...] = (
    ("/allowlist/latest.json", "json", "pull_latest_json"),
    ("/allowlist/latest.csv", "csv", "pull_latest_csv"),
    ("/allowlist/latest.mobileconfig", "mobileconfig", "pull_latest_mobileconfig"),
    ("/allowlist/latest/android-policy.json", "android-policy", "pull_latest_android_policy"),
    ("/allowlist/latest/intune.json", "intune", "pull_latest_intune"),
)


def _pull(fmt: str, query: PullQuery) -> Response:
    """ETag is the release hash: a matching If-None-Match gets 304 after one small query."""
    s = db.session()
    options = svc.export_options(current_settings(), query.mode)
    tag = svc.latest_tag(s)
    if tag is None:
        raise svc.no_release()
    if request.if_none_match.contains_weak(tag.sha256):
        resp = Response(status=304)
        resp.set_etag(tag.sha256)
        resp.headers["Cache-Control"] = "no-cache"
        return resp
    return _file(svc.export(s, tag.id, fmt, options))


def _pull_view(fmt: str, name: str) -> Callable[..., Response]:
    def view(query: PullQuery) -> Response:
        return _pull(fmt, query)

    view.__name__ = name
    view.__doc__ = (
        f"The latest release as {fmt}. Send If-None-Match with the last ETag (the release "
        "hash): 304 when nothing was published since."
    )
    return view


for _rule, _fmt, _name in PULLS:
    route(
        bp,
        _rule,
        "GET",
        summary=f"Pull the latest release as {_fmt} (ETag, 304)",
        tag="allowlist",
        scope="allowlist:read",
        query=PullQuery,
        produces=(svc.media_type(_fmt),),
        responses={304: "Nothing published since the ETag sent in If-None-Match"},
    )(_pull_view(_fmt, _name))
