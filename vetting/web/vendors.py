"""Vendors: the list, one vendor with its apps, BAAs, assessments and history; add/edit."""

from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.errors import VettingError
from vetting.queries import browse
from vetting.schemas import VendorCreate, VendorUpdate
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
    sort = request.args.get("sort", "name")
    descending = request.args.get("desc") == "1"
    result = browse.vendor_table(
        db.session(),
        q=arg_str("q"),
        sort=sort,
        descending=descending,
        page=arg_int("page"),
        as_of=today(),
        warning_days=warning_days(),
    )
    return render_template(
        "vendors/list.html", result=result, sort=sort, descending=descending, q=arg_str("q")
    )


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
    d = browse.vendor_detail(db.session(), vendor_id, today(), warning_days())
    loaded = current_app.extensions["vetting.checklists"]
    shown = [loaded[k] for k in sorted(loaded)]
    return render_template("vendors/detail.html", d=d, checklists=shown)


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
