"""The approved-list page's sync buttons: shown to roles with the sync scope, posted with the
CSRF token, running a dry run (no call) or a sync against a local receiver, and showing the
result on the page."""

from __future__ import annotations

import dataclasses

import pytest

from tests import sync_data as data
from tests.integrations.fake_apis import fake_api
from tests.web.html_check import problems
from vetting import auth, db
from vetting.services import sync


@pytest.fixture
def hook(app, client, admin, monkeypatch):
    """A published release and a webhook target on a local receiver."""
    data.allow_local(app)
    monkeypatch.setenv("HOOK_SECRET", data.SECRET)
    data.first_release(client, admin, app)
    with fake_api() as api:
        api.on("POST", "/hook", (200, {}))
        with app.app_context():
            target = sync.create(
                db.session(),
                auth.CLI_PRINCIPAL,
                "webhook",
                "it-hook",
                data.webhook_settings(f"{api.url}/hook"),
                options=dataclasses.replace(sync.SyncOptions.default(), allow_private=True),
            )
        yield api, target.id


@pytest.mark.parametrize(
    ("role", "shown"), [("it", True), ("admin", True), ("viewer", False), ("legal", False)]
)
def test_sync_buttons_show_only_for_the_sync_scope(browser, hook, role, shown):
    page = browser(role).get("/allowlist")
    assert page.status_code == 200 and problems(page.text) == []
    assert ("Sync now</button>" in page.text) is shown
    assert ("Dry run</button>" in page.text) is shown


def test_dry_run_from_the_page_makes_no_call_and_shows_the_calls(browser, hook):
    api, target_id = hook
    b = browser("it")
    resp = b.post(f"/allowlist/sync/{target_id}", {"dry_run": "1"}, follow_redirects=True)
    assert resp.status_code == 200 and problems(resp.text) == []
    assert api.requests == []
    assert "dry run of it-hook: release 1, 1 call would be made" in resp.text
    assert "Calls a sync would make (none was made):" in resp.text
    assert f"<code>POST {api.url}/hook</code>" in resp.text


def test_sync_now_pushes_and_shows_the_result(browser, hook, app):
    api, target_id = hook
    resp = browser("it").post(
        f"/allowlist/sync/{target_id}", {"dry_run": "0"}, follow_redirects=True
    )
    assert resp.status_code == 200 and problems(resp.text) == []
    assert len(api.requests) == 1
    assert "sync to it-hook: release 1, 1 call made" in resp.text
    assert "Changes: release 1 (the first push to this target): 2 added" in resp.text
    assert "→ 200" in resp.text


def test_an_unset_secret_is_shown_on_the_page_not_a_500(browser, hook, monkeypatch):
    _, target_id = hook
    monkeypatch.delenv("HOOK_SECRET")
    resp = browser("admin").post(f"/allowlist/sync/{target_id}", {"dry_run": "0"})
    assert resp.status_code == 422 and problems(resp.text) == []
    assert "The sync did not run" in resp.text and "HOOK_SECRET is not set" in resp.text


def test_without_the_scope_or_the_csrf_token_nothing_runs(browser, hook):
    api, target_id = hook
    resp = browser("viewer").post(f"/allowlist/sync/{target_id}", {"dry_run": "0"})
    assert resp.status_code == 403
    b = browser("it")
    resp = b.client.post(f"/allowlist/sync/{target_id}", data={"dry_run": "0"})
    assert resp.status_code == 400 and "CSRF" in resp.text
    assert api.requests == []


def test_an_unknown_target_is_a_404_page(browser, hook):
    resp = browser("it").post("/allowlist/sync/999", {"dry_run": "1"})
    assert resp.status_code == 404 and "no sync target 999" in resp.text


def test_the_release_page_lists_the_syncs_of_that_release(browser, hook):
    it = browser("it")
    it.post(f"/allowlist/sync/{hook[1]}", {"dry_run": "1"})
    page = it.get("/allowlist/releases/1").text
    assert "it-hook" in page and "dry run" in page
    assert problems(page) == []
