"""The inbox: the reminders the daily sweep writes in-app, for what the person's role acts on
(every role reads the register, so the page needs only `baas:read`), unread first in the header
count, each linked to its BAA or assessment, marked read one by one or all at once."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.services import inbox
from vetting.web.base import area, arg_int, requires

bp = area("notifications", __name__)


@bp.get("/notifications")
@requires("baas:read")
def index() -> ResponseReturnValue:
    unread_only = request.args.get("show") != "all"
    s = db.session()
    found = inbox.items(s, g.user, unread_only=unread_only, page=arg_int("page"))
    return render_template(
        "notifications.html",
        found=found,
        unread_only=unread_only,
        unread=inbox.unread_count(s, g.user),
        link=inbox.link,
    )


@bp.post("/notifications/read")
@requires("baas:read")
def read() -> ResponseReturnValue:
    """Mark one reminder read (`id`), or every one shown (`all`), then go back to the inbox
    or (`open`) on to the reminder's BAA or assessment page — worked out here from the
    reminder, never taken from the form, so the form cannot send anyone elsewhere."""
    s = db.session()
    if request.form.get("all") == "1":
        count = inbox.mark_read(s, g.user)
        flash(f"{count} reminder{'s' if count != 1 else ''} marked read.", "ok")
        return redirect(url_for("notifications.index"))
    raw = request.form.get("id", "")
    ident = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    inbox.mark_read(s, g.user, [ident])
    row = inbox.visible(s, g.user, ident) if ident else None
    found = inbox.link(row) if row is not None and request.form.get("open") == "1" else None
    if found is not None:
        kind, subject_id = found
        if kind == "baa":
            return redirect(url_for("baas.detail", baa_id=subject_id))
        if kind == "vendor":
            return redirect(url_for("vendors.detail", vendor_id=subject_id) + "#h-pages")
        return redirect(url_for("assessments.detail", assessment_id=subject_id))
    return redirect(url_for("notifications.index", show=request.form.get("show") or None))
