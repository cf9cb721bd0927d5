"""The approved list: today's entries, apps left out and why, what changed since the last
release, publishing (IT/admin), downloads in every export format, sync targets."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import Session

from integrations.exporters.base import load_exporters
from vetting import db
from vetting.current import current_settings
from vetting.errors import Invalid, VettingError
from vetting.queries import dashboard, list_files, live_list, releases
from vetting.schemas import ReleaseCreate
from vetting.services import releases as publishing
from vetting.services import sync
from vetting.services.common import PageResult
from vetting.web.base import (
    Form,
    area,
    arg_date,
    arg_int,
    form_values,
    optional,
    requires,
    today,
    validate,
)

bp = area("allowlist", __name__)
PER_PAGE = 100


def _slice(items: tuple, param: str) -> PageResult:
    """One page of a long list (50,000 apps make pages, not one enormous table)."""
    pages = max(1, -(-len(items) // PER_PAGE))
    page = min(arg_int(param), pages)
    return PageResult(
        list(items[(page - 1) * PER_PAGE : page * PER_PAGE]), page, PER_PAGE, len(items)
    )


@bp.get("/allowlist")
@requires("allowlist:read")
def index() -> ResponseReturnValue:
    return _page(Form())


def _page(form: Form, status: int = 200, sync_form: Form | None = None) -> ResponseReturnValue:
    s = db.session()
    run_id = arg_int("sync_run", 0, 0)
    shown_run = sync.get_run(s, run_id) if run_id else None
    as_of = arg_date("as_of") or today()
    changes = dashboard.list_changes(s, as_of)
    exporters = sorted(load_exporters().values(), key=lambda e: e.slug)
    return render_template(
        "allowlist.html",
        as_of=as_of,
        is_today=as_of == today(),
        c=changes,
        entries=_slice(changes.current.entries, "page"),
        excluded=_slice(changes.current.excluded, "xpage"),
        exporters=exporters,
        recent=releases.list_(s, 1, 10),
        targets=dashboard.sync_targets(s),
        form=form,
        sync_form=sync_form or Form(),
        sync_run=shown_run,
    ), status


def _plan(s: Session, exact: bool = False) -> str:
    """The content hash of today's list as it would be published: the confirm step passes it
    back and publishing refuses a list that differs (checked under the publish lock). From the
    kept live list (the list the review shows), or `exact`: from the list computed afresh, as
    publishing computes it (after publishing refused a reviewed hash)."""
    if exact:
        return releases.draft(s, today())[1].sha256
    return dashboard.publish_plan(s, today())


def _typed(count: int) -> str:
    """What a person types to publish a list that empties or shrinks a lot."""
    return f"publish {count} apps"


def _review(form: Form, status: int = 200, exact: bool = False) -> ResponseReturnValue:
    """The review page; `exact`: its hash from the list computed afresh (see _plan)."""
    s = db.session()
    c = dashboard.list_changes(s, today())
    before = c.release.entry_count if c.release else None
    problem = publishing.shrink_problem(
        before, len(c.current.entries), current_settings().publish_max_drop_percent
    )
    return render_template(
        "allowlist_publish.html",
        c=c,
        before=before,
        problem=problem,
        typed=_typed(len(c.current.entries)),
        plan=_plan(s, exact),
        form=form,
    ), status


@bp.get("/allowlist/publish")
@requires("allowlist:write")
def review() -> ResponseReturnValue:
    """What publishing today's list would change, with the count, before anything is sent."""
    return _review(Form())


@bp.post("/allowlist/publish")
@requires("allowlist:write")
def publish() -> ResponseReturnValue:
    """Publish exactly the reviewed list: refused when it changed since the review, and a list
    that is empty or drops more than the allowed share needs the count typed out."""
    form = Form(values=form_values())
    data = validate(ReleaseCreate, optional(form.values, "note"), form)  # the API's limits
    if data is None:
        return _review(form, 422)
    s = db.session()
    plan = form.values.get("plan", "")
    if not plan:
        form.errors["_"] = "Review the changes below, then publish."
        return _review(form, 409)
    # A hash the review took from the kept list, or (after publishing refused one) from the
    # list computed afresh; either way publishing checks it again under its lock.
    exact = plan != _plan(s)
    if exact and plan != _plan(s, exact=True):
        form.errors["_"] = (
            "The list changed since you reviewed it: check the changes below and publish again."
        )
        return _review(form, 409)
    c = dashboard.list_changes(s, today())
    before = c.release.entry_count if c.release else None
    settings = current_settings()
    problem = publishing.shrink_problem(
        before, len(c.current.entries), settings.publish_max_drop_percent
    )
    typed = _typed(len(c.current.entries))
    if problem and " ".join(form.values.get("confirm", "").lower().split()) != typed:
        form.errors["confirm"] = f"type “{typed}” to publish this list: {problem}"
        return _review(form, 422, exact)
    try:
        result = publishing.publish(
            s,
            g.principal,
            today(),
            data.note,
            allow_shrink=problem is not None,
            max_drop_percent=settings.publish_max_drop_percent,
            expected_sha256=plan,
        )
    except VettingError as exc:
        if exc.errors and exc.errors[0].field == "plan":
            form.errors["_"] = (
                "The list changed since you reviewed it: check the changes below and publish again."
            )
            return _review(form, 409, exact=True)
        form.add(exc)
        return _review(form, 422, exact)
    live_list.published(db.session(), result.release, result.listed)  # the page after is quick
    flash(result.message, "ok" if result.created else "info")
    if result.created and result.release.id is not None:
        return redirect(url_for("allowlist.release", release_id=result.release.id))
    return redirect(url_for("allowlist.index"))


@bp.get("/allowlist/releases/<int:release_id>")
@requires("allowlist:read")
def release(release_id: int) -> ResponseReturnValue:
    """One published release: what it changed from the one before, its apps, its exports in
    every format, and every sync of it to an MDM."""
    s = db.session()
    row, diff = releases.diff(s, release_id)
    published = live_list.release_list(s, row)
    exporters = sorted(load_exporters().values(), key=lambda e: e.slug)
    return render_template(
        "allowlist_release.html",
        r=row,
        diff=diff,
        entries=_slice(published.entries, "page"),
        excluded_count=len(published.excluded),
        exporters=exporters,
        runs=sync.release_runs(s, release_id),
        neighbours=releases.neighbours(s, release_id),
    )


def _sync_typed(count: int) -> str:
    """What a person types to sync a release that empties or shrinks the target's list."""
    return f"sync {count} apps"


def _sync_review(target_id: int, form: Form, status: int = 200) -> ResponseReturnValue:
    s = db.session()
    target = sync.get(s, target_id)
    preview = releases.sync_preview(s, target.last_synced_release_id)
    before = preview.previous.entry_count if preview.previous is not None else None
    problem = publishing.shrink_problem(
        before, preview.release.entry_count, current_settings().publish_max_drop_percent
    )
    return render_template(
        "allowlist_sync.html",
        target=target,
        p=preview,
        before=before,
        problem=problem,
        typed=_sync_typed(preview.release.entry_count),
        form=form,
    ), status


@bp.get("/allowlist/sync/<int:target_id>")
@requires("sync:write")
def sync_review(target_id: int) -> ResponseReturnValue:
    """What syncing the latest release to one target changes there, with the count, before
    anything is sent."""
    return _sync_review(target_id, Form())


@bp.post("/allowlist/sync/<int:target_id>")
@requires("sync:write")
def sync_target(target_id: int) -> ResponseReturnValue:
    """Dry-run a target, or push exactly the reviewed release to it ("Sync now" on the review
    page): refused when a newer release was published since the review, and a release that
    empties the target's list or drops more than the allowed share needs the count typed out.
    The list page then shows the run's calls and result."""
    values = form_values()
    dry_run = values.get("dry_run") == "1"
    s = db.session()
    release_id: int | None = None
    if not dry_run:
        form = Form(values=values)
        target = sync.get(s, target_id)
        preview = releases.sync_preview(s, target.last_synced_release_id)
        reviewed = values.get("release_id", "")
        if not reviewed:
            form.errors["_"] = "Review what the sync changes below, then sync."
            return _sync_review(target_id, form, 409)
        if reviewed != str(preview.release.id):
            form.errors["_"] = (
                f"Release #{preview.release.id} was published since you reviewed "
                f"release #{reviewed}: check the changes below and sync again."
            )
            return _sync_review(target_id, form, 409)
        before = preview.previous.entry_count if preview.previous is not None else None
        count = preview.release.entry_count
        problem = publishing.shrink_problem(
            before, count, current_settings().publish_max_drop_percent
        )
        typed = _sync_typed(count)
        if problem and " ".join(values.get("confirm", "").lower().split()) != typed:
            form.errors["confirm"] = f"type “{typed}” to sync this release: {problem}"
            return _sync_review(target_id, form, 422)
        release_id = preview.release.id
    elif values.get("release_id", "").isdigit():  # a dry run of the release reviewed
        release_id = int(values["release_id"])
    try:
        result = sync.run(
            s,
            g.principal,
            target_id,
            release_id,
            dry_run=dry_run,
            options=sync.SyncOptions.from_settings(current_settings()),
        )
    except VettingError as exc:
        form = Form()
        form.add(exc)
        return _page(Form(), exc.status, form)
    flash(result.message, "ok" if result.ok else "error")
    changes = result.plan.changes
    if changes:
        more = f" … and {len(changes) - 10} more" if len(changes) > 10 else ""
        flash("Changes: " + "; ".join(changes[:10]) + more, "info")
    return redirect(url_for("allowlist.index", sync_run=result.run.id, _anchor="h-sync"))


@bp.get("/allowlist/current.<fmt>")
@requires("allowlist:read")
def current(fmt: str) -> ResponseReturnValue:
    """Today's (or `as_of`'s) computed list, published or not, as CSV or JSON."""
    as_of = arg_date("as_of") or today()
    if fmt not in ("csv", "json"):
        raise Invalid(f"unknown format {fmt!r}; one of: csv, json", "format")
    found = list_files.live_file(db.session(), as_of, "csv" if fmt == "csv" else "json-pretty")
    resp = current_app.response_class(
        found.body,
        mimetype=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="allowlist-{as_of.isoformat()}.{fmt}"'
        },
    )
    resp.set_etag(found.tag, weak=True)
    return resp.make_conditional(request)


@bp.get("/allowlist/releases/<release_id>/export/<fmt>")
@requires("allowlist:read")
def export(release_id: str, fmt: str) -> ResponseReturnValue:
    """A published release in one export format (what the MDM gets)."""
    mode = request.args.get("mode", "allow")
    file = releases.export(
        db.session(), release_id, fmt, releases.export_options(current_settings(), mode)
    )
    return current_app.response_class(
        file.body,
        mimetype=file.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "X-Release-SHA256": file.sha256,
        },
    )
