"""Bulk imports from the browser: upload a file, see the per-row report (a dry run), then
confirm to apply exactly that file (kept as a pending import with its SHA-256)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.core.imports import DateOrder, ImportKind
from vetting.errors import FieldError, Invalid, VettingError
from vetting.services import imports as svc
from vetting.services.imports import PENDING_MINUTES, SCOPES
from vetting.web.base import Form, area, form_values, requires

bp = area("imports", __name__)

TITLES = {ImportKind.APPS: "apps", ImportKind.VENDORS: "vendors", ImportKind.BAAS: "BAAs"}
BACK = {
    ImportKind.APPS: "apps.index",
    ImportKind.VENDORS: "vendors.index",
    ImportKind.BAAS: "baas.index",
}


def _page(
    kind: ImportKind,
    form: Form,
    report: svc.ImportReport | None = None,
    pending: object = None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template(
            "imports/page.html",
            kind=kind,
            title=TITLES[kind],
            back=BACK[kind],
            form=form,
            report=report,
            pending=pending,
            minutes=PENDING_MINUTES,
        ),
        status,
    )


def _upload(kind: ImportKind) -> ResponseReturnValue:
    values = form_values()
    form = Form(values)
    if request.method == "GET":
        return _page(kind, form)
    part = request.files.get("file")
    try:
        if part is None or not part.filename:
            raise Invalid("", errors=[FieldError("file", "choose a CSV or .xlsx file")])
        order = values.get("date_order") or None
        if order is not None and order not in {o.value for o in DateOrder}:
            raise Invalid("choose dmy or mdy", "date_order")
        report, pending = svc.preview(
            db.session(),
            g.principal,
            kind,
            part.read(),
            part.filename,
            sheet=values.get("sheet") or None,
            date_order=DateOrder(order) if order else None,
            default_vendor=values.get("vendor") or None,
        )
    except VettingError as exc:
        if exc.status >= 500 or exc.status == 403:
            raise
        form.add(exc)
        return _page(kind, form, status=422)
    return _page(kind, form, report, pending, 422 if report.refused else 200)


def _confirm(kind: ImportKind) -> ResponseReturnValue:
    values = form_values()
    try:
        pending_id = int(values.get("pending_id", ""))
    except ValueError:
        raise Invalid("upload the file again", "pending_id") from None
    report = svc.confirm(db.session(), g.principal, kind, pending_id, values.get("sha256", ""))
    counts = ", ".join(f"{n} {k}" for k, n in report.counts.items() if n)
    flash(f"Imported {report.file}: {counts}.", "ok")
    return redirect(url_for(BACK[kind]))


def _register(kind: ImportKind) -> None:
    scope = SCOPES[kind][0]

    def upload() -> ResponseReturnValue:
        return _upload(kind)

    def confirm() -> ResponseReturnValue:
        return _confirm(kind)

    upload.__name__ = f"upload_{kind.value}"
    confirm.__name__ = f"confirm_{kind.value}"
    bp.route(f"/import/{kind.value}", methods=["GET", "POST"])(requires(scope)(upload))
    bp.post(f"/import/{kind.value}/confirm")(requires(scope)(confirm))


for _kind in ImportKind:
    _register(_kind)
