"""The BAA register: table with filters, 12-month timeline, one agreement with its renewal
chain and documents; record, edit, renew, terminate, upload (legal); the calendar feed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.api.spec import parse_query
from vetting.core.baa import UNSIGNED, BaaLifecycle, BaaState
from vetting.core.baa_provisions import counts
from vetting.core.breach import clause_from
from vetting.core.deadlines import Trigger, Unit, describe
from vetting.current import current_settings, current_store
from vetting.downloads import calendar_file, stored_file, table_file
from vetting.errors import FieldError, Invalid, VettingError
from vetting.models import BAA, ParentAgreement, Vendor
from vetting.queries import (
    audit_log,
    baa_timeline,
    breach,
    browse,
    reminder_schedule,
    sheets,
)
from vetting.schemas import (
    BaaCalendarQuery,
    BaaCreate,
    BaaRenew,
    BaaReturnDestroyUpload,
    BaaTerminate,
    BaaUpdate,
)
from vetting.services import (
    baa_certificates,
    baa_documents,
    baa_provisions,
    baa_terms,
    parent_agreements,
)
from vetting.services import baas as svc
from vetting.services.common import PageResult
from vetting.web import timeline
from vetting.web.base import (
    Form,
    area,
    arg_date,
    arg_int,
    arg_str,
    form_values,
    requires,
    today,
    validate,
    vendor_ref,
    warning_days,
)

bp = area("baas", __name__)

# The register's filters: (label, states, auto_renews)
FILTERS: dict[str, tuple[str, tuple[str, ...] | None, bool | None]] = {
    "all": ("All", None, None),
    "in-force": ("In force", ("in_force",), None),
    "expiring": ("Expiring", (BaaState.EXPIRING,), None),
    "expired": ("Expired", (BaaState.EXPIRED,), None),
    "auto-renewing": ("Auto-renewing", None, True),
    "terminated": ("Terminated or superseded", (BaaState.TERMINATED, BaaState.SUPERSEDED), None),
    "unsigned": ("Draft or pending signature", (BaaState.DRAFT, BaaState.PENDING_SIGNATURE), None),
    "non-conforming": ("Non-conforming (a provision absent, breach notice > 60 days)", None, None),
    "needs-legal": ("Non-conforming, in force, no exception (needs legal)", None, None),
    "scope-unreviewed": ("Product scope not reviewed", None, None),
}
# Filters on provisions and scope rather than dates: extra arguments to the register query.
FILTER_EXTRA: dict[str, dict[str, bool]] = {
    "non-conforming": {"non_conforming": True},
    "needs-legal": {"needs_fixing": True},
    "scope-unreviewed": {"scope_reviewed": False},
}
PROVISION_STATUSES = [
    ("not_reviewed", "Not reviewed"),
    ("present", "Present"),
    ("absent", "Absent"),
]
TRI = [("", "Not stated"), ("yes", "Yes"), ("no", "No")]
STATUSES = [
    (BaaLifecycle.ACTIVE, "Active (signed)"),
    (BaaLifecycle.PENDING_SIGNATURE, "Pending signature"),
    (BaaLifecycle.DRAFT, "Draft"),
]
TERM_FIELDS = (
    "title",
    "effective_date",
    "expiration_date",
    "renewal_term_months",
    "notice_days",
    "notice_months",
    "parent_agreement",
    "parent_id",
    "owner_email",
    "notes",
    "signed_copy_note",
)


BREACH_UNITS = [
    (Unit.HOURS, "hours"),
    (Unit.CALENDAR_DAYS, "calendar days"),
    (Unit.BUSINESS_DAYS, "business days"),
]
BREACH_TRIGGERS = [
    (Trigger.UNSPECIFIED, "not said"),
    (Trigger.DISCOVERY, "discovery of the breach"),
    (Trigger.CONFIRMATION, "the vendor's confirmation or determination"),
]


def _number(text: str) -> Any:
    try:
        n = float(text)
    except ValueError:
        return text  # refused by the clause's reader, naming it
    return int(n) if n.is_integer() else n


def _breach_clause(values: Mapping[str, str]) -> Any:
    """The breach fields → the clause the service reads (None: nothing recorded)."""
    value = (values.get("breach_value") or "").strip()
    unit = values.get("breach_unit") or None
    quote = (values.get("breach_quote") or "").strip() or None
    trigger = values.get("breach_trigger") or None
    trigger = None if trigger == Trigger.UNSPECIFIED else trigger
    clause: dict[str, Any] = {"trigger": trigger, "quote": quote}
    if values.get("breach_unstated") == "on":
        clause |= {"stated": False, "value": _number(value) if value else None, "unit": unit}
    elif value or unit:
        clause |= {"value": _number(value) if value else None, "unit": unit}
    elif quote is None:
        return None
    return {k: v for k, v in clause.items() if v is not None}


def _terms(values: Mapping[str, str], *names: str) -> dict[str, Any]:
    """Form fields → the BAA models' input: empty = none, checkbox = bool, yes/no/empty."""
    data: dict[str, Any] = {n: (values.get(n) or None) for n in names}
    data["auto_renews"] = values.get("auto_renews") == "on"
    for name in ("subcontractor_flowdown", "return_or_destroy"):
        data[name] = {"yes": True, "no": False}.get(values.get(name, ""))
    data["breach_clause"] = _breach_clause(values)
    data["follows_parent"] = values.get("follows_parent") == "on"
    if data["follows_parent"]:
        # The dates come from the parent agreement: the form's date fields are not sent.
        for name in parent_agreements.FOLLOWED:
            data.pop(name, None)
    return data


def _tri(v: bool | None) -> str:
    return "" if v is None else ("yes" if v else "no")


def _values_of(baa: BAA) -> dict[str, str]:
    values = {n: "" if getattr(baa, n) is None else str(getattr(baa, n)) for n in TERM_FIELDS}
    values["auto_renews"] = "on" if baa.auto_renews else ""
    values["follows_parent"] = "on" if baa.follows_parent else ""
    values["subcontractor_flowdown"] = _tri(baa.subcontractor_flowdown)
    values["return_or_destroy"] = _tri(baa.return_or_destroy)
    values["status"] = baa.status
    clause = clause_from(baa)
    if clause is not None:
        values["breach_value"] = "" if clause["value"] is None else f"{clause['value']:g}"
        values["breach_unit"] = clause["unit"] or ""
        values["breach_trigger"] = clause["trigger"]
        values["breach_quote"] = clause["quote"] or ""
        values["breach_unstated"] = "" if clause["stated"] else "on"
    return values


def _filter_key() -> str:
    key = request.args.get("filter", "all")
    return key if key in FILTERS else "all"


WINDOWS = (30, 60, 90, 180, 365)


def _window() -> int | None:
    """The date window: a term end or notice deadline within N days of the as-of date."""
    raw = request.args.get("within_days", "")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 3650:
        raise Invalid(f"{raw!r} is not a number of days from 0 to 3650", "within_days")
    return int(raw)


def _as_of() -> date:
    """The day the register's states are computed for (today unless one is asked for)."""
    return arg_date("as_of") or today()


def _register(page: int, per_page: int, as_of: date) -> PageResult:
    """The register rows the page's filter, window, vendor and search select (one page)."""
    return svc.list_(db.session(), _selection(as_of), page, per_page)


def _selection(as_of: date) -> svc.Selection:
    """What the page's filter, window, vendor, search and sort select."""
    key = _filter_key()
    _, states, auto = FILTERS[key]
    return svc.Selection(
        vendor_id=arg_int("vendor_id", 0, 0) or None,
        as_of=as_of,
        warning_days=warning_days(),
        states=states,
        auto_renews=auto,
        q=arg_str("q"),
        within_days=_window(),
        sort=_sort(),
        descending=request.args.get("desc") == "1",
        **FILTER_EXTRA.get(key, {}),
    )


def _sort() -> str:
    """The register's sort key; an unknown one falls back to the default (vendor)."""
    sort = request.args.get("sort", svc.DEFAULT_SORT)
    return sort if sort in svc.SORTS else svc.DEFAULT_SORT


@bp.get("/baas/export.<fmt>")
@requires("baas:read")
def export(fmt: str) -> ResponseReturnValue:
    """The register under the page's filters (all pages), as the page shows it (on its as-of
    date)."""
    as_of = _as_of()
    sheets.check_format(fmt)
    found = svc.ordered_ids(db.session(), _selection(as_of), sheets.MAX_ROWS + 1)
    ids = sheets.listed(found, "BAAs")
    return table_file(sheets.baa_register(db.session, ids, as_of, warning_days()), fmt)


@bp.get("/baas")
@requires("baas:read")
def index() -> ResponseReturnValue:
    s = db.session()
    key = _filter_key()
    as_of = _as_of()
    result = _register(arg_int("page"), 50, as_of)
    names = svc.vendor_names(s, {v.baa.vendor_id for v in result.items})
    return render_template(
        "baas/list.html",
        result=result,
        names=names,
        filters=FILTERS,
        current=key,
        q=arg_str("q"),
        chart=timeline.draw(*baa_timeline.lanes(s, as_of, warning_days()), as_of),
        as_of=as_of,
        is_today=as_of == today(),
        windows=WINDOWS,
        window=_window(),
        sort=_sort(),
        descending=request.args.get("desc") == "1",
    )


def _form_page(
    form: Form, baa: BAA | None, vendor_id: int | None, status: int
) -> ResponseReturnValue:
    s = db.session()
    return render_template(
        "baas/form.html",
        form=form,
        baa=baa,
        vendor_picker=browse.vendor_picker(s, form.values.get("vendor_id")),
        vendor_id=vendor_id,
        tri=TRI,
        statuses=STATUSES,
        breach_units=BREACH_UNITS,
        breach_triggers=BREACH_TRIGGERS,
        parent_choices=[(p.id, p.name) for p in parent_agreements.list_(s, 1, 100_000).items],
    ), status


@bp.route("/parents")
@requires("baas:read")
def parents() -> ResponseReturnValue:
    """Parent agreements (read-only here; recorded and changed with the API or the CLI)."""
    s = db.session()
    rows = parent_agreements.list_(s, 1, 100_000).items
    links = parent_agreements.linked(s, [p.id for p in rows if p.id is not None])
    names = svc.vendor_names(s, {p.vendor_id for p in rows if p.vendor_id is not None})
    return render_template("baas/parents.html", rows=rows, links=links, names=names)


@bp.route("/parents/<int:parent_id>")
@requires("baas:read")
def parent(parent_id: int) -> ResponseReturnValue:
    s = db.session()
    p = parent_agreements.get(s, parent_id)
    baas = parent_agreements.baas_of(s, parent_id)
    rows = svc.views(s, baas, today(), warning_days())
    names = svc.vendor_names(s, {b.vendor_id for b in baas} | {p.vendor_id or 0})
    return render_template("baas/parent.html", p=p, rows=rows, names=names)


@bp.route("/baas/new", methods=["GET", "POST"])
@requires("baas:write")
def new() -> ResponseReturnValue:
    if request.method == "GET":
        values = {"vendor_id": request.args.get("vendor_id", ""), "status": BaaLifecycle.ACTIVE}
        return _form_page(Form(values=values), None, None, 200)
    form = Form(values=form_values())
    data = validate(
        BaaCreate,
        {
            **_terms(form.values, *TERM_FIELDS),
            "vendor_id": vendor_ref(db.session(), form),
            "status": form.values.get("status") or BaaLifecycle.ACTIVE,
        },
        form,
    )
    if data is not None:
        try:
            baa = svc.create(db.session(), g.principal, data)
        except VettingError as exc:
            form.add(exc)
        else:
            flash("BAA recorded.", "ok")
            return redirect(url_for("baas.detail", baa_id=baa.id))
    return _form_page(form, None, None, 422)


@bp.get("/baas/<int:baa_id>")
@requires("baas:read")
def detail(
    baa_id: int, forms: dict[str, Form] | None = None, status: int = 200
) -> ResponseReturnValue:
    s = db.session()
    baa = svc.get(s, baa_id)
    days = current_settings().notify.return_destroy_days
    chain = svc.views(s, svc.chain(s, baa_id), today(), warning_days(), days)
    this = next(v for v in chain if v.baa.id == baa_id)
    vendor = s.get(Vendor, baa.vendor_id)
    parent = s.get(ParentAgreement, baa.parent_id) if baa.parent_id else None
    forms = forms or {}
    return render_template(
        "baas/detail.html",
        v=this,
        vendor=vendor,
        parent=parent,
        chain=chain,
        documents=baa_documents.history(s, baa_id),
        renew_form=forms.get("renew")
        or Form(
            values={
                "status": BaaLifecycle.ACTIVE,
                # the renewal starts the day after the last day in force
                "effective_date": str(
                    this.status.term_end + timedelta(days=1) if this.status.term_end else ""
                ),
            }
        ),
        terminate_form=forms.get("terminate")
        or Form(values={"on": str(today() + timedelta(days=1))}),
        upload_form=forms.get("upload") or Form(),
        certificate_form=forms.get("certificate")
        or Form(values={"certified_on": str(today())}, prefix="rd-"),
        provision_forms=_provision_forms(this, forms),
        provision_counts=_provision_counts(this),
        provision_statuses=PROVISION_STATUSES,
        exception_form=forms.get("exception") or Form(prefix="exc-"),
        scope_form=forms.get("scope") or Form(prefix="scope-"),
        vendor_apps=browse.vendor_apps(s, baa.vendor_id),
        statuses=STATUSES,
        max_mib=current_settings().max_document_bytes // (1024 * 1024),
        history=audit_log.history(s, [("baa", b.baa.id) for b in chain if b.baa.id]),
        breach_clause=clause_from(baa),
        breach_differences=breach.differences(s, baa, today()),
        terms=baa_terms.pending(s, baa_id),
        term_words=_term_words,
        term_titles=baa_terms.FIELD_TITLES,
        provision_titles={p.key: p.title for p in baa_provisions.catalogue().provisions},
        reminders=reminder_schedule.for_baa(s, baa, today(), current_settings().notify),
    ), status


def _term_words(field: str, value: Any) -> str:
    """A suggested term in words, as the register would show it."""
    if field == "breach_notification" and isinstance(value, Mapping):
        return describe({**value, "stated": not value.get("unstated")})
    if field.startswith("provision:"):
        return "present"
    if value is True:
        return "yes"
    return str(value)


def _provision_forms(v: svc.BaaView, forms: Mapping[str, Form]) -> dict[str, Form]:
    """One form per required provision: what was submitted (on an error) or what is stored."""
    st = v.standing
    out: dict[str, Form] = {}
    if st is None or st.catalogue is None:
        return out
    for p in st.catalogue.provisions:
        row = st.provisions.get(p.key)
        values = {
            "status": row.status if row else "not_reviewed",
            "section": (row.section if row else None) or "",
            "quote": (row.quote if row else None) or "",
        }
        out[p.key] = forms.get(f"provision:{p.key}") or Form(values=values, prefix=f"prov-{p.key}-")
    return out


def _provision_counts(v: svc.BaaView) -> dict[str, int]:
    st = v.standing
    if st is None or st.catalogue is None:
        return {}
    return counts({k: p.status for k, p in st.provisions.items()}, st.catalogue)


@bp.route("/baas/<int:baa_id>/edit", methods=["GET", "POST"])
@requires("baas:write")
def edit(baa_id: int) -> ResponseReturnValue:
    s = db.session()
    baa = svc.get(s, baa_id)
    if request.method == "GET":
        return _form_page(Form(values=_values_of(baa)), baa, baa.vendor_id, 200)
    form = Form(values=form_values())
    data_in = _terms(form.values, *TERM_FIELDS)
    if baa.status in UNSIGNED and form.values.get("status"):
        data_in["status"] = form.values["status"]
    data = validate(BaaUpdate, data_in, form)
    if data is not None:
        try:
            svc.update(s, g.principal, baa_id, data)
        except VettingError as exc:
            form.add(exc)
        else:
            flash("BAA saved.", "ok")
            return redirect(url_for("baas.detail", baa_id=baa_id))
    return _form_page(form, baa, baa.vendor_id, 422)


@bp.post("/baas/<int:baa_id>/renew")
@requires("baas:write")
def renew(baa_id: int) -> ResponseReturnValue:
    form = Form(values=form_values())
    data = validate(
        BaaRenew,
        {
            "effective_date": form.values.get("effective_date") or None,
            "expiration_date": form.values.get("expiration_date") or None,
            "status": form.values.get("status") or BaaLifecycle.ACTIVE,
            **({"notes": form.values["notes"]} if form.values.get("notes") else {}),
            "signed_copy_note": form.values.get("signed_copy_note") or None,
        },
        form,
    )
    if data is not None:
        try:
            new = svc.renew(db.session(), g.principal, baa_id, data)
        except VettingError as exc:
            form.add(exc)
        else:
            flash(f"Renewal recorded as BAA #{new.id}.", "ok")
            return redirect(url_for("baas.detail", baa_id=new.id))
    return detail(baa_id, {"renew": form}, 422)


@bp.post("/baas/<int:baa_id>/terminate")
@requires("baas:write")
def terminate(baa_id: int) -> ResponseReturnValue:
    form = Form(values=form_values())
    data = validate(
        BaaTerminate,
        {"on": form.values.get("on") or None, "reason": form.values.get("reason") or None},
        form,
    )
    if data is not None:
        try:
            svc.terminate(db.session(), g.principal, baa_id, data.on, data.reason)
        except VettingError as exc:
            form.add(exc)
        else:
            flash(f"BAA terminated from {data.on.isoformat()}.", "ok")
            return redirect(url_for("baas.detail", baa_id=baa_id))
    return detail(baa_id, {"terminate": form}, 422)


@bp.post("/baas/<int:baa_id>/provisions/<key>")
@requires("baas:write")
def provision(baa_id: int, key: str) -> ResponseReturnValue:
    form = Form(values=form_values(), prefix=f"prov-{key}-")
    try:
        baa_provisions.set_provision(
            db.session(),
            g.principal,
            baa_id,
            key,
            form.values.get("status", ""),
            form.values.get("quote"),
            form.values.get("section"),
        )
    except VettingError as exc:
        if exc.status >= 500 or exc.status == 404:
            raise
        form.add(exc)
        return detail(baa_id, {f"provision:{key}": form}, 422)
    flash("Provision saved.", "ok")
    return redirect(url_for("baas.detail", baa_id=baa_id, _anchor="h-provisions"))


@bp.post("/baas/<int:baa_id>/exceptions")
@requires("baas:write")
def add_exception(baa_id: int) -> ResponseReturnValue:
    form = Form(values=form_values(), prefix="exc-")
    try:
        ends = form.values.get("ends_on") or None
        try:
            ends_on = date.fromisoformat(ends) if ends else None
        except ValueError:
            raise Invalid("not a date (YYYY-MM-DD)", "ends_on") from None
        baa_provisions.add_exception(
            db.session(), g.principal, baa_id, form.values.get("reason", ""), ends_on
        )
    except VettingError as exc:
        if exc.status >= 500:
            raise
        form.add(exc)
        return detail(baa_id, {"exception": form}, 422)
    flash("Exception recorded: it counts once a second person confirms it.", "ok")
    return redirect(url_for("baas.detail", baa_id=baa_id, _anchor="h-exceptions"))


@bp.post("/baas/exceptions/<int:exception_id>/confirm")
@requires("baas:write")
def confirm_exception(exception_id: int) -> ResponseReturnValue:
    row = baa_provisions.confirm_exception(db.session(), g.principal, exception_id)
    flash("Exception confirmed.", "ok")
    return redirect(url_for("baas.detail", baa_id=row.baa_id, _anchor="h-exceptions"))


@bp.post("/baas/<int:baa_id>/scope")
@requires("baas:write")
def scope(baa_id: int) -> ResponseReturnValue:
    form = Form(values=form_values(), prefix="scope-")
    all_products = form.values.get("all_products") == "on"
    try:
        ids = [int(v) for v in request.form.getlist("app_ids")]
    except ValueError:
        ids = []
    try:
        baa_provisions.set_scope(
            db.session(), g.principal, baa_id, all_products, [] if all_products else ids
        )
    except VettingError as exc:
        if exc.status >= 500:
            raise
        form.add(exc)
        return detail(baa_id, {"scope": form}, 422)
    flash("Product scope saved.", "ok")
    return redirect(url_for("baas.detail", baa_id=baa_id, _anchor="h-scope"))


@bp.post("/baas/<int:baa_id>/document")
@requires("baas:write")
def upload(baa_id: int) -> ResponseReturnValue:
    form = Form()
    part = request.files.get("file")
    try:
        if part is None or not part.filename:
            raise Invalid("", errors=[FieldError("file", "choose the signed agreement to upload")])
        result = baa_documents.attach(
            db.session(),
            g.principal,
            baa_id,
            part.stream,
            part.filename or "",
            part.mimetype or None,
            store=current_store(),
            max_bytes=current_settings().max_document_bytes,
            max_unpacked=current_settings().max_document_unpacked_bytes,
        )
    except VettingError as exc:
        if exc.status >= 500:
            raise
        form.add(exc)
        return detail(baa_id, {"upload": form}, 422)
    doc = result.document
    flash(
        f"Uploaded {doc.filename} (sha256 {doc.sha256[:12]})."
        if result.created
        else f"{doc.filename} is already this BAA's latest document; nothing changed.",
        "ok",
    )
    return redirect(url_for("baas.detail", baa_id=baa_id))


@bp.post("/baas/<int:baa_id>/terms/<int:suggestion_id>/accept")
@requires("baas:write")
def accept_term(baa_id: int, suggestion_id: int) -> ResponseReturnValue:
    try:
        row = baa_terms.accept(db.session(), g.principal, baa_id, suggestion_id)
    except VettingError as exc:
        if exc.status >= 500 or exc.status == 404:
            raise
        flash(f"Not accepted: {exc}", "error")
    else:
        flash(f"Accepted: {baa_terms.FIELD_TITLES.get(row.field, row.field)}.", "ok")
    return redirect(url_for("baas.detail", baa_id=baa_id, _anchor="h-terms"))


@bp.post("/baas/<int:baa_id>/terms/<int:suggestion_id>/dismiss")
@requires("baas:write")
def dismiss_term(baa_id: int, suggestion_id: int) -> ResponseReturnValue:
    try:
        baa_terms.dismiss(db.session(), g.principal, baa_id, suggestion_id)
    except VettingError as exc:
        if exc.status >= 500 or exc.status == 404:
            raise
        flash(f"Not dismissed: {exc}", "error")
    else:
        flash("Suggestion dismissed.", "ok")
    return redirect(url_for("baas.detail", baa_id=baa_id, _anchor="h-terms"))


@bp.post("/baas/<int:baa_id>/return-destroy")
@requires("baas:write")
def return_destroy(baa_id: int) -> ResponseReturnValue:
    """Record the vendor's return/destroy certificate: its date, a reference and the file."""
    form = Form(values=form_values(), prefix="rd-")
    part = request.files.get("file")
    data = validate(
        BaaReturnDestroyUpload,
        {
            "certified_on": form.values.get("certified_on") or None,
            "reference": form.values.get("reference") or None,
        },
        form,
    )
    if part is None or not part.filename:
        form.errors.setdefault("file", "choose the certificate to upload")
    if data is not None and not form.errors and part is not None:
        try:
            baa_certificates.record(
                db.session(),
                g.principal,
                baa_id,
                data.certified_on,
                data.reference,
                part.stream,
                part.filename or "",
                part.mimetype or None,
                store=current_store(),
                max_bytes=current_settings().max_document_bytes,
                max_unpacked=current_settings().max_document_unpacked_bytes,
            )
        except VettingError as exc:
            if exc.status >= 500:
                raise
            form.add(exc)
        else:
            flash(
                f"Return/destroy certificate recorded (received {data.certified_on.isoformat()}).",
                "ok",
            )
            return redirect(url_for("baas.detail", baa_id=baa_id, _anchor="h-return-destroy"))
    return detail(baa_id, {"certificate": form}, 422)


@bp.get("/baas/<int:baa_id>/return-destroy/certificate")
@requires(baa_certificates.READ_SCOPE)
def download_certificate(baa_id: int) -> ResponseReturnValue:
    row, found = baa_certificates.open_latest(
        db.session(), g.principal, baa_id, store=current_store()
    )
    return stored_file(found, row.content_type, row.filename, row.sha256)


@bp.get("/baas/<int:baa_id>/document")
@requires(baa_documents.READ_SCOPE)
def download(baa_id: int) -> ResponseReturnValue:
    doc, found = baa_documents.open_latest(db.session(), g.principal, baa_id, store=current_store())
    return stored_file(found, doc.content_type, doc.filename, doc.sha256)


@bp.get("/baas/calendar.ics")
@requires("baas:read")
def calendar() -> ResponseReturnValue:
    """The deadlines as an .ics file: the API feed's window (default: the past 30 days and the
    next 13 months; `from`, `to`, `as_of`) and filters (`vendor_id`, `owner`, `kind`), its
    ETag and 304."""
    # read as the API reads it (?token= is the API's: the session signs in here)
    return calendar_file(db.session(), parse_query(BaaCalendarQuery, skip=("token",)), inline=False)
