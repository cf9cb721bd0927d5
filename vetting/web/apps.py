"""Apps: the searchable list, one app's assessments, decisions, BAAs and history; add/edit."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.core.store_ids import Platform
from vetting.core.store_listing import lookup_problem
from vetting.current import current_settings
from vetting.downloads import table_file
from vetting.errors import VettingError
from vetting.queries import browse, sheets
from vetting.schemas import AppCreate, AppUpdate
from vetting.services import apps as svc
from vetting.services import store_lookup
from vetting.services.common import PageResult
from vetting.web.base import (
    Form,
    area,
    arg_int,
    arg_str,
    form_values,
    optional,
    requires,
    today,
    validate,
    vendor_ref,
    warning_days,
)

bp = area("apps", __name__)
FIELDS = ("vendor_id", "name", "platform", "store_id", "category", "store_url")
PLATFORMS = [(Platform.IOS, "iOS"), (Platform.ANDROID, "Android"), (Platform.WEB, "Web")]


def _checklists() -> list[tuple[str, str]]:
    registry = current_app.extensions["vetting.checklists"]
    return [(c.id, f"{c.title} ({c.id} v{c.version})") for _, c in sorted(registry.items())]


def _app_table(page: int, per_page: int = 50) -> PageResult:
    """The apps the list page's filters and sort select (one page of them)."""
    return browse.app_table(db.session(), page=page, per_page=per_page, **_selection())


def _selection() -> dict[str, Any]:
    """What the list's filters, search and sort ask for (its page and its download alike)."""
    platform = arg_str("platform")
    return {
        "q": arg_str("q"),
        "platform": platform if platform in dict(PLATFORMS) else None,
        "vendor_id": arg_int("vendor_id", 0, 0),
        "sort": request.args.get("sort", "name"),
        "descending": request.args.get("desc") == "1",
    }


@bp.get("/apps/export.<fmt>")
@requires("apps:read")
def export(fmt: str) -> ResponseReturnValue:
    """The apps the list shows under its filters (all pages), with their list status today."""
    sheets.check_format(fmt)
    found = browse.app_ids(db.session(), sheets.MAX_ROWS + 1, **_selection())
    return table_file(sheets.apps(db.session, sheets.listed(found, "apps"), today()), fmt)


@bp.get("/apps")
@requires("apps:read")
def index() -> ResponseReturnValue:
    sort = request.args.get("sort", "name")
    descending = request.args.get("desc") == "1"
    platform = arg_str("platform")
    result = _app_table(arg_int("page"))
    ids = [r.app.id for r in result.items if r.app.id is not None]
    return render_template(
        "apps/list.html",
        result=result,
        listing=browse.list_statuses(db.session(), ids, today()),
        today_=today(),
        sort=sort,
        descending=descending,
        q=arg_str("q"),
        platform=platform,
        platforms=PLATFORMS,
    )


@bp.route("/apps/new", methods=["GET", "POST"])
@requires("apps:write")
def new() -> ResponseReturnValue:
    s = db.session()
    form = Form(values={"vendor_id": request.args.get("vendor_id", "")})
    status = 200
    if request.method == "POST":
        form.values = form_values()
        data = validate(
            AppCreate,
            {**optional(form.values, *FIELDS), "vendor_id": vendor_ref(s, form)},
            form,
        )
        if data is not None:
            try:
                app = svc.create(s, g.principal, data)
            except VettingError as exc:
                form.add(exc)
            else:
                flash(f"App {app.name} added.", "ok")
                return redirect(url_for("apps.detail", app_id=app.id))
        status = 422
    return render_template(
        "apps/form.html",
        form=form,
        app=None,
        vendor_picker=browse.vendor_picker(s, form.values.get("vendor_id")),
        platforms=PLATFORMS,
    ), status


@bp.get("/apps/<int:app_id>")
@requires("apps:read")
def detail(app_id: int) -> ResponseReturnValue:
    s = db.session()
    d = browse.app_detail(s, app_id, today(), warning_days())
    return render_template(
        "apps/detail.html",
        d=d,
        checklists=_checklists(),
        form=Form(),
        store=store_lookup.listing_of(s, app_id),
        can_look_up=lookup_problem(d.app.platform, d.app.store_id) is None,
    )


@bp.post("/apps/<int:app_id>/lookup")
@requires(store_lookup.WRITE_SCOPE)
def lookup(app_id: int) -> ResponseReturnValue:
    """The "Look up in store" button: the lookup now, then back to the app's page, which shows
    the stored listing, its flags, or the error the store gave."""
    options = store_lookup.options_from(current_settings())
    try:
        outcome = store_lookup.lookup(db.session(), g.principal, app_id, options)
    except VettingError as exc:
        if exc.status == 404:
            raise
        flash(f"Store lookup failed: {exc.errors[0].message}", "error")
        return redirect(url_for("apps.detail", app_id=app_id, _anchor="h-store"))
    n = len(outcome.suggested)
    flags = len(outcome.listing.flags or [])
    words = [f"Looked up in the store: {flags} flag{'s' * (flags != 1)}"]
    if n:
        words.append(f"{n} suggestion{'s' * (n != 1)} proposed on open assessments")
    words += outcome.notes
    flash("; ".join(words) + ".", "info" if flags else "ok")
    return redirect(url_for("apps.detail", app_id=app_id, _anchor="h-store"))


@bp.route("/apps/<int:app_id>/edit", methods=["GET", "POST"])
@requires("apps:write")
def edit(app_id: int) -> ResponseReturnValue:
    s = db.session()
    app = svc.get(s, app_id)
    names = (*FIELDS, "revoked_on", "revoked_reason")
    status = 200
    if request.method == "GET":
        form = Form(values={k: getattr(app, k) or "" for k in names})
    else:
        form = Form(values=form_values())
        data = validate(
            AppUpdate, {**optional(form.values, *names), "vendor_id": vendor_ref(s, form)}, form
        )
        if data is not None:
            try:
                svc.update(s, g.principal, app_id, data)
            except VettingError as exc:
                form.add(exc)
            else:
                flash("App saved.", "ok")
                return redirect(url_for("apps.detail", app_id=app_id))
        status = 422
    return render_template(
        "apps/form.html",
        form=form,
        app=app,
        vendor_picker=browse.vendor_picker(s, form.values.get("vendor_id")),
        platforms=PLATFORMS,
    ), status


@bp.post("/apps/<int:app_id>/delete")
@requires("apps:write")
def delete(app_id: int) -> ResponseReturnValue:
    s = db.session()
    app = svc.get(s, app_id)
    try:
        svc.delete(s, g.principal, app_id)
    except VettingError as exc:
        flash(f"Not deleted: {exc.errors[0].message}", "error")
        return redirect(url_for("apps.detail", app_id=app_id))
    flash(f"App {app.name} deleted.", "ok")
    return redirect(url_for("apps.index"))
