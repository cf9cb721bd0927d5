"""Notification channels in the UI (issue 15, item 1): admins add an e-mail address or a
signed webhook, send it a test through the real notifier (a local SMTP server and HTTP
receiver here), and turn it off or on; bad input is refused field by field with what was typed
kept; nobody else may touch them."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

from tests.configure import use_notify
from tests.notify_servers import http_receiver, smtp_server
from tests.web.html_check import problems
from vetting import db
from vetting.models import AuditEvent, NotificationChannel


def channel_id(app, name: str) -> int:
    with app.app_context():
        return db.session().scalar(
            select(NotificationChannel.id).where(NotificationChannel.name == name)
        )


def test_an_admin_adds_an_email_channel_and_a_test_reaches_the_mailbox(app, browser):
    with smtp_server() as (port, box):
        use_notify(app, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        admin = browser("admin")
        page = admin.get("/admin/channels")
        assert page.status_code == 200 and problems(page.text) == []
        assert "No channel yet" in page.text
        assert 'href="/admin/channels"' in admin.get("/admin").text
        done = admin.post(
            "/admin/channels",
            {"kind": "email", "name": "Legal team", "address": "Legal@Hospital.example"},
        )
        assert done.status_code == 302
        cid = channel_id(app, "Legal team")
        tested = admin.post(f"/admin/channels/{cid}/test")
        assert tested.status_code == 302
        assert (
            "Test of Legal team: sent to legal@hospital.example"
            in admin.get("/admin/channels").text
        )
        assert len(box.messages) == 1
        assert box.messages[0]["Subject"] == "Test message from Vetting"
    with app.app_context():
        events = (
            db.session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "channel.test"))
            .all()
        )
        assert [e.after["ok"] for e in events] == [True]


def test_a_webhook_test_is_signed_and_an_unset_secret_is_said_plainly(app, browser, monkeypatch):
    use_notify(app, allow_private_urls=True)
    admin = browser("admin")
    with http_receiver() as (url, receiver):
        assert (
            admin.post(
                "/admin/channels",
                {
                    "kind": "webhook",
                    "name": "#contracts",
                    "url": f"{url}/hook",
                    "secret_env": "CONTRACTS_HOOK_SECRET",
                },
            ).status_code
            == 302
        )
        cid = channel_id(app, "#contracts")
        admin.post(f"/admin/channels/{cid}/test")
        page = admin.get("/admin/channels").text
        assert "CONTRACTS_HOOK_SECRET" in page and "is not set" in page
        assert receiver.requests == []
        monkeypatch.setenv("CONTRACTS_HOOK_SECRET", "s3cret-for-tests")
        admin.post(f"/admin/channels/{cid}/test")
        assert "sent to #contracts" in admin.get("/admin/channels").text
        (got,) = receiver.requests
        assert got.json["event"] == "vetting.test"
        signature = {k.lower(): v for k, v in got.headers.items()}
        assert any(
            hmac.new(b"s3cret-for-tests", got.body, hashlib.sha256).hexdigest() in v
            for v in signature.values()
        ), signature


def test_bad_input_names_its_field_and_keeps_what_was_typed(app, browser):
    admin = browser("admin")
    bad = admin.post(
        "/admin/channels", {"kind": "email", "name": "Legal team", "address": "not-an-address"}
    )
    assert bad.status_code == 422 and "is not an email address" in bad.text
    assert 'value="Legal team"' in bad.text and problems(bad.text) == []
    internal = admin.post(
        "/admin/channels",
        {
            "kind": "webhook",
            "name": "metadata",
            "url": "http://169.254.169.254/latest",
            "secret_env": "X",
        },
    )
    assert internal.status_code == 422
    use_notify(app, allow_private_urls=True)  # so only the secret's name is wrong below
    secret = admin.post(
        "/admin/channels",
        {
            "kind": "webhook",
            "name": "hook",
            "url": "http://127.0.0.1:9/x",
            "secret_env": "xoxb-1234-the-secret-itself",
        },
    )
    assert secret.status_code == 422 and "not the secret itself" in secret.text
    with app.app_context():
        assert db.session().scalars(select(NotificationChannel)).all() == []


def test_turning_a_channel_off_and_on_and_who_may(app, browser):
    admin = browser("admin")
    admin.post("/admin/channels", {"kind": "email", "name": "IT", "address": "it@h.example"})
    cid = channel_id(app, "IT")
    admin.post(f"/admin/channels/{cid}/active", {"active": "0"})
    with app.app_context():
        assert db.session().get(NotificationChannel, cid).active is False
    admin.post(f"/admin/channels/{cid}/active", {"active": "1"})
    with app.app_context():
        assert db.session().get(NotificationChannel, cid).active is True
    legal = browser("legal")
    assert legal.get("/admin/channels").status_code == 403
    assert legal.post(f"/admin/channels/{cid}/test").status_code == 403
    assert admin.post("/admin/channels/999/test").status_code == 404
