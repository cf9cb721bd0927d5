"""Sync targets in the UI (issue 15, item 3): IT creates one of each kind from its own
settings (the secret named by environment variable), edits it, turns it off, tests its
connection (the token request against a local identity endpoint here; nothing on the MDM
changes) and removes it; bad input names its setting and keeps what was typed."""

from __future__ import annotations

from sqlalchemy import select

from tests.configure import use_notify
from tests.integrations.fake_apis import fake_api
from tests.web.html_check import problems
from vetting import db
from vetting.models import AuditEvent, SyncTarget


def target_id(app, name: str) -> int:
    with app.app_context():
        return db.session().scalar(select(SyncTarget.id).where(SyncTarget.name == name))


def test_it_adds_edits_and_removes_a_webhook_target(app, browser):
    use_notify(app, allow_private_urls=True)
    it = browser("it")
    page = it.get("/allowlist/targets")
    assert page.status_code == 200 and problems(page.text) == []
    assert "No sync target yet" in page.text
    form = it.get("/allowlist/targets/new?kind=webhook")
    assert form.status_code == 200 and problems(form.text) == []
    assert "never the secret itself" in form.text
    done = it.post(
        "/allowlist/targets/new",
        {
            "kind": "webhook",
            "name": "Ticketing hook",
            "settings.url": "http://127.0.0.1:9/hook",
            "settings.secret_env": "TICKET_HOOK_SECRET",
            "active": "on",
        },
    )
    assert done.status_code == 302, done.text
    tid = target_id(app, "Ticketing hook")
    edit = it.get(f"/allowlist/targets/{tid}/edit")
    assert 'value="TICKET_HOOK_SECRET"' in edit.text and problems(edit.text) == []
    saved = it.post(
        f"/allowlist/targets/{tid}/edit",
        {
            "name": "Ticketing",
            "settings.url": "http://127.0.0.1:9/hook2",
            "settings.secret_env": "TICKET_HOOK_SECRET",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        row = db.session().get(SyncTarget, tid)
        assert (row.name, row.active, row.settings["url"]) == (
            "Ticketing",
            False,
            "http://127.0.0.1:9/hook2",
        )
    tested = it.post(f"/allowlist/targets/{tid}/test")
    assert tested.status_code == 302
    assert "TICKET_HOOK_SECRET" in it.get("/allowlist/targets").text  # the unset secret, said
    assert it.post(f"/allowlist/targets/{tid}/delete").status_code == 302
    assert target_id(app, "Ticketing") is None


def test_bad_settings_name_their_field_and_keep_what_was_typed(app, browser):
    it = browser("it")
    r = it.post(
        "/allowlist/targets/new",
        {
            "kind": "webhook",
            "name": "hook",
            "settings.url": "http://169.254.169.254/latest",
            "settings.secret_env": "s3cr3t-value!",
        },
    )
    assert r.status_code == 422 and problems(r.text) == []
    assert 'value="hook"' in r.text and "f-settings-url" in r.text
    missing = it.post("/allowlist/targets/new", {"kind": "webhook", "name": "hook"})
    assert missing.status_code == 422 and "is required" in missing.text
    unknown = it.get("/allowlist/targets/new?kind=nope")
    assert unknown.status_code == 422 and "no sync target kind" in unknown.text
    with app.app_context():
        assert db.session().scalars(select(SyncTarget)).all() == []


def test_test_connection_gets_a_token_and_changes_nothing(app, browser, monkeypatch):
    use_notify(app, allow_private_urls=True)
    monkeypatch.setenv("INTUNE_SECRET", "client-secret-for-tests")
    it = browser("it")
    with fake_api() as api:
        api.on("POST", "/contoso.example/oauth2/v2.0/token", (200, {"access_token": "t0k"}))
        r = it.post(
            "/allowlist/targets/new",
            {
                "kind": "intune",
                "name": "Intune",
                "settings.tenant_id": "contoso.example",
                "settings.client_id": "app-id",
                "settings.client_secret_env": "INTUNE_SECRET",
                "settings.policy_id": "policy-1",
                "settings.authority_url": api.url,
                "settings.graph_url": api.url,
                "active": "on",
            },
        )
        assert r.status_code == 302, r.text
        it.post(f"/allowlist/targets/{target_id(app, 'Intune')}/test")
        page = it.get("/allowlist/targets").text
        assert "Test of Intune: OK" in page and "oauth2/v2.0/token → 200" in page
        assert [m for m, _ in api.calls()] == ["POST"]  # only the token: nothing changed
    with app.app_context():
        events = (
            db.session().scalars(select(AuditEvent).where(AuditEvent.action == "sync.test")).all()
        )
        assert [e.after["ok"] for e in events] == [True]


def test_who_may(browser, app):
    viewer = browser("viewer")
    assert viewer.get("/allowlist/targets").status_code == 200
    assert viewer.get("/allowlist/targets/new?kind=webhook").status_code == 403
    assert viewer.post("/allowlist/targets/1/test").status_code == 403
