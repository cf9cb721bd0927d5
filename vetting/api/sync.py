"""MDM sync targets: configure them, push a release (or dry-run it), read their runs."""

from __future__ import annotations

from flask import Response, g

from vetting import db
from vetting.api import bp
from vetting.api.spec import route
from vetting.current import current_settings
from vetting.models import SyncTarget
from vetting.schemas import (
    SyncRunIn,
    SyncRunOut,
    SyncRunResultOut,
    SyncRunsOut,
    SyncRunsQuery,
    SyncTargetCreate,
    SyncTargetOut,
    SyncTargetsOut,
    SyncTargetUpdate,
)
from vetting.services import sync as svc


def _options() -> svc.SyncOptions:
    return svc.SyncOptions.from_settings(current_settings())


def _out(row: SyncTarget) -> SyncTargetOut:
    return SyncTargetOut.model_validate(row)


@route(
    bp,
    "/sync-targets",
    "GET",
    summary="MDM sync targets and their last result",
    tag="sync",
    scope="allowlist:read",
    response=SyncTargetsOut,
)
def list_sync_targets() -> SyncTargetsOut:
    return SyncTargetsOut(items=[_out(t) for t in svc.list_(db.session())])


@route(
    bp,
    "/sync-targets",
    "POST",
    summary="Add a sync target (intune, android-management or webhook)",
    tag="sync",
    scope="sync:write",
    body=SyncTargetCreate,
    response=SyncTargetOut,
    status=201,
)
def create_sync_target(body: SyncTargetCreate) -> SyncTargetOut:
    """Settings are checked for the kind: a missing or unknown setting, a secret given instead
    of the name of its environment variable, or a URL the SSRF guard refuses is a 422 naming
    it. Whether the secret variable is set is checked when a sync runs."""
    row = svc.create(
        db.session(),
        g.principal,
        body.kind,
        body.name,
        body.settings,
        active=body.active,
        options=_options(),
    )
    return _out(row)


@route(
    bp,
    "/sync-targets/<int:target_id>",
    "GET",
    summary="One sync target",
    tag="sync",
    scope="allowlist:read",
    response=SyncTargetOut,
)
def get_sync_target(target_id: int) -> SyncTargetOut:
    return _out(svc.get(db.session(), target_id))


@route(
    bp,
    "/sync-targets/<int:target_id>",
    "PATCH",
    summary="Rename, (de)activate or change the settings of a sync target",
    tag="sync",
    scope="sync:write",
    body=SyncTargetUpdate,
    response=SyncTargetOut,
)
def update_sync_target(target_id: int, body: SyncTargetUpdate) -> SyncTargetOut:
    row = svc.update(
        db.session(),
        g.principal,
        target_id,
        name=body.name,
        settings=body.settings,
        active=body.active,
        options=_options(),
    )
    return _out(row)


@route(
    bp,
    "/sync-targets/<int:target_id>",
    "DELETE",
    summary="Delete a sync target and its run history",
    tag="sync",
    scope="sync:write",
    status=204,
)
def delete_sync_target(target_id: int) -> Response:
    svc.delete(db.session(), g.principal, target_id)
    return Response(status=204)


@route(
    bp,
    "/sync-targets/<int:target_id>/run",
    "POST",
    summary="Push a release to a sync target, or dry-run it",
    tag="sync",
    scope="sync:write",
    body=SyncRunIn,
    response=SyncRunResultOut,
    status=201,
)
def run_sync_target(target_id: int, body: SyncRunIn) -> SyncRunResultOut:
    """201 with the recorded run: `status` ok or failed (with `error`; the target's last
    synced release then stays where it was). A dry run makes no outbound call and returns
    the calls a sync would make. 422 when the target lacks a setting or its secret variable
    is unset; 404 for an unknown release."""
    result = svc.run(
        db.session(),
        g.principal,
        target_id,
        body.release_id,
        dry_run=body.dry_run,
        force=body.force,
        options=_options(),
    )
    return SyncRunResultOut.model_validate(
        {
            **SyncRunOut.model_validate(result.run).model_dump(),
            "target": _out(result.target),
            "previous_release_id": result.previous_release_id,
            "changes": result.plan.changes,
            "notes": result.plan.notes,
            "message": result.message,
        }
    )


@route(
    bp,
    "/sync-targets/<int:target_id>/runs",
    "GET",
    summary="A sync target's runs, newest first, with the exact calls made",
    tag="sync",
    scope="allowlist:read",
    query=SyncRunsQuery,
    response=SyncRunsOut,
)
def list_sync_runs(target_id: int, query: SyncRunsQuery) -> SyncRunsOut:
    runs = svc.runs(db.session(), target_id, query.limit)
    return SyncRunsOut(items=[SyncRunOut.model_validate(r) for r in runs])
