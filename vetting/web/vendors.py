"""Vendors: the list, one vendor with its apps, BAAs, assessments and history; add/edit."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.current import current_settings
from vetting.downloads import table_file
from vetting.errors import VettingError
from vetting.queries import browse, sheets
from vetting.schemas import VendorCreate, VendorUpdate
from vetting.services import page_watch
from vetting.services import vendors as svc
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
    warning_days,
)

bp = area("vendors", __name__)
FIELDS = ("name", "website", "contact_email", "notes")


@bp.get("/vendors")
@requires("vendors:read")
def index() -> ResponseReturnValue:
    chosen = _selection()
    result = browse.vendor_table(
        db.session(),
        page=arg_int("page"),
        as_of=today(),
        warning_days=warning_days(),
        **chosen,
    )
    return render_template(
        "vendors/list.html",
        result=result,
        sort=chosen["sort"],
        descending=chosen["descending"],
        q=chosen["q"],
    )


def _selection() -> dict[str, Any]:
    """What the list's search and sort ask for (its page and its download alike)."""
    return {
        "q": arg_str("q"),
        "sort": request.args.get("sort", "name"),
        "descending": request.args.get("desc") == "1",
    }


@bp.get("/vendors/export.<fmt>")
@requires("vendors:read")
def export(fmt: str) -> ResponseReturnValue:
    """The vendors the list shows under its search and sort (all pages)."""
    sheets.check_format(fmt)
    found = browse.vendor_ids(db.session(), sheets.MAX_ROWS + 1, **_selection())
    ids = sheets.listed(found, "vendors")
    return table_file(sheets.vendors(db.session, ids, today(), warning_days()), fmt)


@bp.get("/vendors/options")
@requires("vendors:read")
def options() -> ResponseReturnValue:
    """Type-ahead for vendor fields: up to 20 vendors whose name contains ?q= (JSON)."""
    found = browse.vendor_options(db.session(), arg_str("q", 100) or "")
    response = jsonify({"vendors": [{"id": i, "name": n} for i, n in found]})
    response.headers["Cache-Control"] = "private, max-age=30"
    return response


@bp.route("/vendors/new", methods=["GET", "POST"])
@requires("vendors:write")
def new() -> ResponseReturnValue:
    form = Form()
    if request.method == "POST":
        form.values = form_values()
        data = validate(VendorCreate, optional(form.values, *FIELDS), form)
        if data is not None:
            try:
                vendor = svc.create(db.session(), g.principal, data)
            except VettingError as exc:
                form.add(exc)
            else:
                flash(f"Vendor {vendor.name} added.", "ok")
                return redirect(url_for("vendors.detail", vendor_id=vendor.id))
        return render_template("vendors/form.html", form=form, vendor=None), 422
    return render_template("vendors/form.html", form=form, vendor=None)


@bp.get("/vendors/<int:vendor_id>")
@requires("vendors:read")
def detail(vendor_id: int) -> ResponseReturnValue:
    s = db.session()
    d = browse.vendor_detail(s, vendor_id, today(), warning_days())
    loaded = current_app.extensions["vetting.checklists"]
    pages = page_watch.list_pages(s, vendor_id)
    ids = [p.id for p in pages if p.id is not None]
    return render_template(
        "vendors/detail.html",
        d=d,
        pages=pages,
        claims=page_watch.claims_of(s, ids),
        alerts=page_watch.alerts_of(s, ids),
        checklist_ids=sorted(current_app.extensions["vetting.checklists"]),
        checklists=[loaded[k] for k in sorted(loaded)],
    )


# --- watched pages: add, remove, fetch now (the claims are shown on the vendor page) ------------


def _back(vendor_id: int) -> ResponseReturnValue:
    return redirect(url_for("vendors.detail", vendor_id=vendor_id) + "#h-pages")


@bp.post("/vendors/<int:vendor_id>/pages")
@requires(page_watch.WRITE_SCOPE)
def add_page(vendor_id: int) -> ResponseReturnValue:
    loaded = current_app.extensions["vetting.checklists"]
    try:
        page = page_watch.add_page(
            db.session(),
            g.principal,
            vendor_id,
            request.form.get("url", ""),
            loaded,
            request.form.get("checklist_id") or None,
        )
    except VettingError as exc:
        if exc.status >= 500 or exc.status == 404:
            raise
        flash(f"Not watched: {exc.errors[0].message}", "error")
        return _back(vendor_id)
    flash(f"Watching {page.url}. Fetch it to read its claims.", "ok")
    return _back(vendor_id)


@bp.post("/vendors/<int:vendor_id>/pages/<int:page_id>/delete")
@requires(page_watch.WRITE_SCOPE)
def remove_page(vendor_id: int, page_id: int) -> ResponseReturnValue:
    page_watch.remove_page(db.session(), g.principal, vendor_id, page_id)
    flash("No longer watching that page.", "ok")
    return _back(vendor_id)


@bp.post("/vendors/<int:vendor_id>/pages/<int:page_id>/fetch")
@requires(page_watch.WRITE_SCOPE)
def fetch_page(vendor_id: int, page_id: int) -> ResponseReturnValue:
    try:
        result = page_watch.fetch_now(
            db.session(),
            g.principal,
            vendor_id,
            page_id,
            current_app.extensions["vetting.checklists"],
            current_settings().notify,
        )
    except page_watch.FetchFailed as exc:
        flash(f"Fetch failed: {exc.errors[0].message}", "error")
        return _back(vendor_id)
    n, new = len(result.claims), result.suggested
    flash(
        f"Fetched: {n} claim{'s' * (n != 1)}, {new} new suggestion{'s' * (new != 1)} on the "
        "vendor's open assessments.",
        "ok",
    )
    for words in result.alerts:
        flash(f"Alert: the page {words}", "error")
    return _back(vendor_id)


@bp.route("/vendors/<int:vendor_id>/edit", methods=["GET", "POST"])
@requires("vendors:write")
def edit(vendor_id: int) -> ResponseReturnValue:
    s = db.session()
    vendor = svc.get(s, vendor_id)
    if request.method == "GET":
        values = {k: getattr(vendor, k) or "" for k in FIELDS}
        return render_template("vendors/form.html", form=Form(values=values), vendor=vendor)
    form = Form(values=form_values())
    data = validate(VendorUpdate, optional(form.values, *FIELDS), form)
    if data is not None:
        try:
            svc.update(s, g.principal, vendor_id, data)
        except VettingError as exc:
            form.add(exc)
        else:
            flash("Vendor saved.", "ok")
            return redirect(url_for("vendors.detail", vendor_id=vendor_id))
    return render_template("vendors/form.html", form=form, vendor=vendor), 422


@bp.post("/vendors/<int:vendor_id>/delete")
@requires("vendors:write")
def delete(vendor_id: int) -> ResponseReturnValue:
    s = db.session()
    vendor = svc.get(s, vendor_id)
    try:
        svc.delete(s, g.principal, vendor_id)
    except VettingError as exc:
        flash(f"Not deleted: {exc.errors[0].message}", "error")
        return redirect(url_for("vendors.detail", vendor_id=vendor_id))
    flash(f"Vendor {vendor.name} deleted.", "ok")
    return redirect(url_for("vendors.index"))
