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
    assert ("Sync now…</a>" in page.text) is shown
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
    b = browser("it")
    review = b.get(f"/allowlist/sync/{target_id}")
    assert review.status_code == 200 and problems(review.text) == []
    assert "Sync release #1 to it-hook" in review.text and "never been synced" in review.text
    assert api.requests == []  # the review sends nothing
    resp = b.post(
        f"/allowlist/sync/{target_id}", {"dry_run": "0", "release_id": "1"}, follow_redirects=True
    )
    assert resp.status_code == 200 and problems(resp.text) == []
    assert len(api.requests) == 1
    assert "sync to it-hook: release 1, 1 call made" in resp.text
    assert "Changes: release 1 (the first push to this target): 2 added" in resp.text
    assert "→ 200" in resp.text


def test_an_unset_secret_is_shown_on_the_page_not_a_500(browser, hook, monkeypatch):
    _, target_id = hook
    monkeypatch.delenv("HOOK_SECRET")
    resp = browser("admin").post(
        f"/allowlist/sync/{target_id}", {"dry_run": "0", "release_id": "1"}
    )
    assert resp.status_code == 422 and problems(resp.text) == []
    assert "The sync did not run" in resp.text and "HOOK_SECRET is not set" in resp.text


def test_without_the_scope_or_the_csrf_token_nothing_runs(browser, hook):
    api, target_id = hook
    viewer = browser("viewer")
    resp = viewer.post(f"/allowlist/sync/{target_id}", {"dry_run": "0", "release_id": "1"})
    assert resp.status_code == 403
    assert viewer.get(f"/allowlist/sync/{target_id}").status_code == 403
    b = browser("it")
    resp = b.client.post(f"/allowlist/sync/{target_id}", data={"dry_run": "0", "release_id": "1"})
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


def test_sync_now_needs_the_review_and_pushes_only_the_reviewed_release(
    browser, hook, app, client, admin
):
    api, target_id = hook
    b = browser("it")
    unreviewed = b.post(f"/allowlist/sync/{target_id}", {"dry_run": "0"})
    assert unreviewed.status_code == 409 and "Review what the sync changes" in unreviewed.text
    # Release 2 is published after the person reviewed release 1: nothing is sent.
    data.second_release(client, admin, app)
    stale = b.post(f"/allowlist/sync/{target_id}", {"dry_run": "0", "release_id": "1"})
    assert stale.status_code == 409 and problems(stale.text) == []
    assert "Release #2 was published since you reviewed release #1" in stale.text
    assert 'name="release_id" value="2"' in stale.text  # the page now reviews release 2
    assert api.requests == []
    ok = b.post(f"/allowlist/sync/{target_id}", {"dry_run": "0", "release_id": "2"})
    assert ok.status_code == 302 and len(api.requests) == 1


def test_a_sync_that_empties_the_targets_list_needs_the_count_typed(
    browser, hook, app, client, admin
):
    from datetime import date

    from sqlalchemy import select

    from vetting.models import BAA
    from vetting.services import baas

    api, target_id = hook
    b = browser("it")
    assert (
        b.post(f"/allowlist/sync/{target_id}", {"dry_run": "0", "release_id": "1"}).status_code
        == 302
    )
    # The vendor's only BAA ends: the next release is empty.
    with app.app_context():
        baa_id = db.session().scalars(select(BAA.id)).one()
        baas.terminate(db.session(), auth.CLI_PRINCIPAL, baa_id, date(2026, 1, 2), "vendor sold")
    release = data.publish(app)
    review = b.get(f"/allowlist/sync/{target_id}")
    assert review.status_code == 200 and problems(review.text) == []
    assert "Check this before syncing:" in review.text and "the list is empty" in review.text
    assert '>2</span><span class="tile-label">removed' in review.text
    sent = len(api.requests)
    refused = b.post(
        f"/allowlist/sync/{target_id}",
        {"dry_run": "0", "release_id": str(release), "confirm": "yes"},
    )
    assert refused.status_code == 422 and "type “sync 0 apps” to sync this release" in refused.text
    assert len(api.requests) == sent
    done = b.post(
        f"/allowlist/sync/{target_id}",
        {"dry_run": "0", "release_id": str(release), "confirm": "  Sync 0   apps "},
    )
    assert done.status_code == 302 and len(api.requests) == sent + 1


def test_a_dry_run_from_the_review_runs_the_release_reviewed(browser, hook, app, client, admin):
    """The careless case: a dry run that ignores the reviewed release shows the calls of
    whatever was published since, under the review of the one before."""
    api, target_id = hook
    b = browser("it")
    data.second_release(client, admin, app)
    b.post(f"/allowlist/sync/{target_id}", {"dry_run": "1", "release_id": "1"})
    with app.app_context():
        runs = [(r.dry_run, r.release_id) for r, _ in sync.release_runs(db.session(), 1)]
    assert runs == [(True, 1)]
    assert api.requests == []
