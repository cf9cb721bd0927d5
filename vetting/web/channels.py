"""Notification channels, managed by admins in the UI: e-mail distribution addresses and
signed webhooks (Slack, Teams, anything) that receive every reminder, each with a *Send test*
that goes through the real notifier now, and an on/off switch. A webhook's signing secret stays
in the environment: the form takes the variable's name, never the secret."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.current import current_settings
from vetting.errors import VettingError
from vetting.services import notifications as svc
from vetting.web.base import Form, area, form_values, requires

bp = area("channels", __name__)


def _page(form: Form | None = None, status: int = 200) -> ResponseReturnValue:
    settings = current_settings().notify
    return render_template(
        "channels.html",
        channels=svc.channels(db.session()),
        form=form or Form(values={"kind": "email"}),
        email_enabled=settings.email_enabled,
        kind_options=[("email", "E-mail address"), ("webhook", "Webhook (signed JSON POST)")],
    ), status


@bp.get("/admin/channels")
@requires("admin")
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/admin/channels")
@requires("admin")
def create() -> ResponseReturnValue:
    form = Form(values=form_values())
    v = form.values
    s = db.session()
    try:
        if v.get("kind") == "webhook":
            channel = svc.add_webhook(
                s,
                g.principal,
                v.get("name", ""),
                v.get("url", ""),
                v.get("secret_env", ""),
                allow_private=current_settings().notify.allow_private_urls,
            )
        elif v.get("kind") == "email":
            channel = svc.add_email(s, g.principal, v.get("name", ""), v.get("address", ""))
        else:
            form.errors["kind"] = "choose e-mail or webhook"
            return _page(form, 422)
    except VettingError as exc:
        form.add(exc)
        return _page(form, 422)
    flash(f"Channel {channel.name} added. Send it a test to check it works.", "ok")
    return redirect(url_for("channels.index"))


@bp.post("/admin/channels/<int:channel_id>/test")
@requires("admin")
def test(channel_id: int) -> ResponseReturnValue:
    s = db.session()
    name = svc.get_channel(s, channel_id).name
    ok, said = svc.send_test(s, g.principal, channel_id, current_settings().notify)
    flash(f"Test of {name}: {said}", "ok" if ok else "error")
    return redirect(url_for("channels.index"))


@bp.post("/admin/channels/<int:channel_id>/active")
@requires("admin")
def active(channel_id: int) -> ResponseReturnValue:
    s = db.session()
    on = form_values().get("active") == "1"
    channel = svc.set_active(s, g.principal, svc.get_channel(s, channel_id).name, on)
    flash(f"Channel {channel.name} turned {'on' if on else 'off'}.", "ok")
    return redirect(url_for("channels.index"))
