"""Business Associate Agreements: the register, renewals, terminations, signed documents and
the ICS calendar of deadlines."""

from __future__ import annotations

from datetime import date

from flask import Response, g
from werkzeug.datastructures import FileStorage

from vetting import clock, db
from vetting.api import bp
from vetting.api.spec import page_of, route
from vetting.current import current_settings, current_store
from vetting.downloads import calendar_file, stored_file, table_file
from vetting.models import BAA
from vetting.queries import breach, sheets
from vetting.schemas import (
    BaaCalendarQuery,
    BaaCreate,
    BaaDocumentOut,
    BaaExceptionIn,
    BaaExceptionOut,
    BaaOut,
    BaaProvisionIn,
    BaaProvisionOut,
    BaaQuery,
    BaaRegisterQuery,
    BaaRenew,
    BaaReturnDestroy,
    BaaReturnDestroyUpload,
    BaaScopeIn,
    BaaTerminate,
    BaaUpdate,
    BreachDifferenceOut,
    Page,
)
from vetting.services import baa_certificates, baa_documents, baa_provisions
from vetting.services import baas as svc


def _warning_days() -> int:
    return current_settings().baa_warning_days


def out(baa: BAA, as_of: date | None = None) -> BaaOut:
    """One BAA, with the apps whose breach answer differs from its clause (today's sources)."""
    s = db.session()
    days = current_settings().notify.return_destroy_days
    (v,) = svc.views(s, [baa], as_of or clock.today(), _warning_days(), days)
    found = breach.differences(s, baa, clock.today())
    return BaaOut.from_view(v).model_copy(
        update={"breach_differences": [BreachDifferenceOut.model_validate(d) for d in found]}
    )


@route(
    bp,
    "/baas",
    "GET",
    summary="List BAAs with their state, term end and notice deadline on a date",
    tag="baas",
    scope="baas:read",
    query=BaaQuery,
    response=Page[BaaOut],
    description="Filters: `state` (one or more, comma-separated; `in_force` = active or "
    "expiring), `within_days` (a term end or notice deadline within N days of `as_of`), "
    "`vendor_id`, `auto_renews`, `q` (title or vendor name), `non_conforming` (a required "
    "provision absent or a breach deadline over 60 days), `scope_reviewed`. Example: "
    "`?state=expiring&within_days=90&as_of=2027-01-01`. Dates as contracts state them: "
    "`expiration_date` and `term_end` are the last day in force; `in_force_until` is the first "
    "day out of force (the day the vendor's apps leave the list) and `last_day_in_force` the "
    "day before it; `terminated_on` is the day a termination takes effect (its first day out "
    "of force).",
)
def list_baas(query: BaaQuery) -> Page[BaaOut]:
    result = svc.list_(
        db.session(),
        _selection(query),
        query.page,
        query.per_page,
        return_destroy_days=current_settings().notify.return_destroy_days,
    )
    return page_of(BaaOut, result, BaaOut.from_view)  # type: ignore[return-value]


def _selection(query: BaaQuery | BaaRegisterQuery) -> svc.Selection:
    """What the register's filters select (its pages and its download alike)."""
    return svc.Selection(
        vendor_id=query.vendor_id,
        as_of=query.as_of or clock.today(),
        warning_days=_warning_days(),
        states=query.state,
        within_days=query.within_days,
        auto_renews=query.auto_renews,
        q=query.q,
        non_conforming=query.non_conforming,
        scope_reviewed=query.scope_reviewed,
    )


@route(
    bp,
    "/baas",
    "POST",
    summary="Record a BAA (active by default; or a draft, or pending signature)",
    tag="baas",
    scope="baas:write",
    body=BaaCreate,
    response=BaaOut,
    status=201,
)
def create_baa(body: BaaCreate) -> BaaOut:
    return out(svc.create(db.session(), g.principal, body))


@route(
    bp,
    "/baas/<int:baa_id>",
    "GET",
    summary="One BAA with its state today",
    tag="baas",
    scope="baas:read",
    response=BaaOut,
)
def get_baa(baa_id: int) -> BaaOut:
    return out(svc.get(db.session(), baa_id))


@route(
    bp,
    "/baas/<int:baa_id>",
    "PATCH",
    summary="Change a BAA's terms, or move it from draft to pending signature to active",
    tag="baas",
    scope="baas:write",
    body=BaaUpdate,
    response=BaaOut,
)
def update_baa(baa_id: int, body: BaaUpdate) -> BaaOut:
    return out(svc.update(db.session(), g.principal, baa_id, body))


@route(
    bp,
    "/baas/<int:baa_id>/scope",
    "PUT",
    summary="Say which of the vendor's products the BAA covers: all, or a list of app ids",
    tag="baas",
    scope="baas:write",
    body=BaaScopeIn,
    response=BaaOut,
    description="An app of another vendor is refused (422 on `app_ids`). The approved list "
    "keeps an app only while a BAA in force covers it.",
)
def set_scope(baa_id: int, body: BaaScopeIn) -> BaaOut:
    return out(
        baa_provisions.set_scope(db.session(), g.principal, baa_id, body.all_products, body.app_ids)
    )


@route(
    bp,
    "/baas/<int:baa_id>/provisions/<key>",
    "PUT",
    summary="Record what the BAA says about one required provision (45 CFR 164.504(e)(2))",
    tag="baas",
    scope="baas:write",
    body=BaaProvisionIn,
    response=BaaProvisionOut,
    description="`present` needs the clause quoted (`quote`) or its section named (`section`), "
    "else 422 on `quote`. An `absent` provision makes the BAA non-conforming: its vendor's apps "
    "leave the approved list unless a confirmed exception counts.",
)
def set_provision(baa_id: int, key: str, body: BaaProvisionIn) -> BaaProvisionOut:
    s = db.session()
    baa_provisions.set_provision(s, g.principal, baa_id, key, body.status, body.quote, body.section)
    baa = svc.get(s, baa_id)
    (v,) = svc.views(s, [baa], clock.today(), _warning_days())
    return next(p for p in BaaOut.from_view(v).provisions if p.key == key)


@route(
    bp,
    "/baas/<int:baa_id>/exceptions",
    "POST",
    summary="Record an exception: accept a non-conforming BAA until a date",
    tag="baas",
    scope="baas:write",
    body=BaaExceptionIn,
    response=BaaExceptionOut,
    status=201,
    description="It counts only once a second person with baas:write confirms it "
    "(POST /api/v1/baas/exceptions/{id}/confirm), through `ends_on`.",
)
def add_exception(baa_id: int, body: BaaExceptionIn) -> BaaExceptionOut:
    row = baa_provisions.add_exception(db.session(), g.principal, baa_id, body.reason, body.ends_on)
    return BaaExceptionOut.model_validate(row)


@route(
    bp,
    "/baas/exceptions/<int:exception_id>/confirm",
    "POST",
    summary="Confirm an exception (a second person: its author cannot, 403)",
    tag="baas",
    scope="baas:write",
    response=BaaExceptionOut,
)
def confirm_exception(exception_id: int) -> BaaExceptionOut:
    row = baa_provisions.confirm_exception(db.session(), g.principal, exception_id)
    return BaaExceptionOut.model_validate(row)


@route(
    bp,
    "/baas/<int:baa_id>/renew",
    "POST",
    summary="Renew a BAA: a new agreement that supersedes this one from its effective date",
    tag="baas",
    scope="baas:write",
    body=BaaRenew,
    response=BaaOut,
    status=201,
    description="The old agreement stays in force until the renewal takes effect. Terms not "
    "given are copied from the old agreement (except the dates and notes). A terminated or "
    "already renewed BAA cannot be renewed (409).",
)
def renew_baa(baa_id: int, body: BaaRenew) -> BaaOut:
    return out(svc.renew(db.session(), g.principal, baa_id, body))


@route(
    bp,
    "/baas/<int:baa_id>/terminate",
    "POST",
    summary="Terminate a BAA from a date, with the reason",
    tag="baas",
    scope="baas:write",
    body=BaaTerminate,
    response=BaaOut,
)
def terminate_baa(baa_id: int, body: BaaTerminate) -> BaaOut:
    return out(svc.terminate(db.session(), g.principal, baa_id, body.on, body.reason))


@route(
    bp,
    "/baas/<int:baa_id>/return-destroy",
    "POST",
    summary="Record a terminated BAA's return/destroy certificate (its date, and the file)",
    tag="baas",
    scope="baas:write",
    body=BaaReturnDestroy,
    files=("file",),
    form=BaaReturnDestroyUpload,
    response=BaaOut,
    description="A termination opens a follow-up: the vendor returns or destroys the PHI and "
    "certifies it, due VETTING_RETURN_DESTROY_DAYS (30) after the termination date; reminders go "
    "out until it is recorded. Either JSON (`certified_on`, `reference`) or multipart/form-data "
    "with the certificate as a `file` part (PDF, PNG, JPEG, DOCX or UTF-8 text, judged by "
    "content; stored by SHA-256) and `certified_on` (and optionally `reference`) as form "
    "fields. 409 when the BAA is not terminated or its termination has not taken effect yet; "
    "422 when `certified_on` is before the termination or in the future, or the file is "
    "empty or not an accepted type; 413 when it is too large.",
)
def record_return_destroy(
    baa_id: int,
    body: BaaReturnDestroy | BaaReturnDestroyUpload,
    files: dict[str, FileStorage],
) -> BaaOut:
    s = db.session()
    if "file" in files:
        part = files["file"]
        baa_certificates.record(
            s,
            g.principal,
            baa_id,
            body.certified_on,
            body.reference,
            part.stream,
            part.filename or "",
            part.mimetype or None,
            store=current_store(),
            max_bytes=current_settings().max_document_bytes,
            max_unpacked=current_settings().max_document_unpacked_bytes,
        )
        return out(svc.get(s, baa_id))
    assert isinstance(body, BaaReturnDestroy)
    return out(svc.record_return_destroy(s, g.principal, baa_id, body.certified_on, body.reference))


@route(
    bp,
    "/baas/<int:baa_id>/return-destroy/certificate",
    "GET",
    summary="Download the return/destroy certificate (legal, procurement and admin only)",
    tag="baas",
    scope=baa_certificates.READ_SCOPE,
    produces=(
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
    ),
)
def download_return_certificate(baa_id: int) -> Response:
    row, found = baa_certificates.open_latest(
        db.session(), g.principal, baa_id, store=current_store()
    )
    return stored_file(found, row.content_type, row.filename, row.sha256)


@route(
    bp,
    "/baas/<int:baa_id>/document",
    "POST",
    summary="Upload the signed agreement (PDF, DOCX or UTF-8 text; type checked by content)",
    tag="baas",
    scope="baas:write",
    files=("file",),
    response=BaaDocumentOut,
    status=201,
    description="multipart/form-data with a `file` part. Stored once by SHA-256 and never "
    "altered; uploading the same bytes again returns the existing document (200).",
)
def upload_document(baa_id: int, files: dict[str, FileStorage]) -> Response | BaaDocumentOut:
    part = files["file"]
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
    doc = BaaDocumentOut.model_validate(result.document)
    if not result.created:
        return Response(doc.model_dump_json(), status=200, mimetype="application/json")
    return doc


@route(
    bp,
    "/baas/<int:baa_id>/document",
    "GET",
    summary="Download the latest signed agreement (legal, procurement and admin only)",
    tag="baas",
    scope=baa_documents.READ_SCOPE,
    produces=(
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
    ),
)
def download_document(baa_id: int) -> Response:
    doc, found = baa_documents.open_latest(db.session(), g.principal, baa_id, store=current_store())
    return stored_file(found, doc.content_type, doc.filename, doc.sha256)


@route(
    bp,
    "/baas.ics",
    "GET",
    summary="ICS calendar: term ends, notice deadlines and terminations (RFC 5545)",
    tag="baas",
    scope="baas:read",
    query=BaaCalendarQuery,
    produces=("text/calendar",),
    url_token=True,
    responses={304: "Nothing changed since the ETag sent in If-None-Match"},
    description="A date window (default: the past 30 days and the next 13 months), optionally "
    "one vendor, one owner or some kinds of event. Conditional: the ETag names the window, "
    "the filters and the state of the register, so a client polling with If-None-Match gets "
    "304 until something changes. Calendar clients cannot send headers, so this route also "
    "accepts `?token=` — only for a read-only token (one holding any write scope is refused "
    "with 403 and revoked).",
)
def calendar(query: BaaCalendarQuery) -> Response:
    return calendar_file(db.session(), query, inline=True)


@route(
    bp,
    "/baas/register.<fmt>",
    "GET",
    summary="The BAA register as a spreadsheet: register.xlsx or register.csv",
    tag="baas",
    scope="baas:read",
    query=BaaRegisterQuery,
    produces=(sheets.XLSX, "text/csv"),
    description=(
        "Every BAA the filters select (as GET /baas, without paging; over 1,048,575, what "
        "one sheet holds, is refused, 422; streamed), with its state on `as_of`: XLSX with a "
        "frozen header, filters and date cells, or CSV; text that a spreadsheet would run as "
        "a formula is kept as text."
    ),
)
def download_register(fmt: str, query: BaaRegisterQuery) -> Response:
    sheets.check_format(fmt)
    chosen = _selection(query)
    found = svc.ordered_ids(db.session(), chosen, sheets.MAX_ROWS + 1)
    ids = sheets.listed(found, "BAAs")
    register = sheets.baa_register(db.session, ids, chosen.day(), chosen.warning_days)
    return table_file(register, fmt)
