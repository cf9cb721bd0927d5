"""The sync service on a real database against local fake APIs: targets and their settings,
runs recorded with their calls, the last synced release moving only on success, dry runs
that make no call, and the errors a person can fix (422/404/403/409) naming what is wrong."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import sync_data as data
from tests.configure import use, use_notify
from tests.integrations.fake_apis import ACCESS_TOKEN, bearer_only, fake_api
from vetting import auth, clock, db, jobs
from vetting.errors import Conflict, Forbidden, Invalid, NotFound
from vetting.models import AuditEvent, SyncRun, SyncTarget
from vetting.services import sync

ADMIN = auth.CLI_PRINCIPAL
LOCAL = dataclasses.replace(
    sync.SyncOptions.default(), allow_private=True, backoff_seconds=0, retries=1
)
POLICY = "enterprises/LC01/policies/clinical"


@pytest.fixture
def s(app):
    with app.app_context():
        yield db.session()


@pytest.fixture
def release_1(client, admin, app):
    return data.first_release(client, admin, app)


def hook(s, url, name="it-hook", **kw):
    return sync.create(s, ADMIN, "webhook", name, data.webhook_settings(url), options=LOCAL, **kw)


def count(s, model):
    return s.scalar(select(func.count()).select_from(model))


def test_a_successful_sync_records_the_run_and_moves_the_last_synced_release(s, release_1):
    with fake_api() as api:
        api.on("POST", "/hook", (200, {"ok": True}))
        target = hook(s, f"{api.url}/hook")
        result = sync.run(s, ADMIN, "it-hook", options=LOCAL, env=data.ENV)
    assert result.ok and result.message == "sync to it-hook: release 1, 1 call made; 3 changes"
    (req,) = api.requests
    assert req.json["release"]["id"] == release_1
    run = s.get(SyncRun, result.run.id)
    assert (run.status, run.dry_run, run.release_id, run.error) == ("ok", False, release_1, None)
    assert run.finished_at is not None
    (call,) = run.calls
    assert (call["method"], call["url"], call["status"], call["attempts"]) == (
        "POST",
        f"{api.url}/hook",
        200,
        1,
    )
    assert data.SECRET not in repr(run.calls)
    target = s.get(SyncTarget, target.id)
    assert (target.last_synced_release_id, target.last_result) == (release_1, "ok")
    assert target.last_sync_at is not None
    event = s.scalar(select(AuditEvent).where(AuditEvent.action == "sync.run"))
    assert event.after["status"] == "ok" and event.after["last_synced_release_id"] == release_1


def test_a_failed_sync_keeps_the_last_synced_release_and_records_the_error(
    s, client, admin, app, release_1
):
    with fake_api() as api:
        api.on("POST", "/hook", (200, {}))
        target = hook(s, f"{api.url}/hook")
        assert sync.run(s, ADMIN, target.id, options=LOCAL, env=data.ENV).ok
        release_2 = data.second_release(client, admin, app)
        api.on("POST", "/hook", (500, {"error": {"message": "receiver broke"}}))
        result = sync.run(s, ADMIN, target.id, options=LOCAL, env=data.ENV)
    assert not result.ok
    assert result.run.release_id == release_2
    assert result.run.error.endswith("failed after 2 attempts: HTTP 500: receiver broke")
    assert result.run.calls[0]["attempts"] == 2 and result.run.calls[0]["status"] == 500
    target = s.get(SyncTarget, target.id)
    assert (target.last_synced_release_id, target.last_result) == (release_1, "failed")


def test_a_dry_run_makes_no_call_and_changes_nothing_on_the_target(s, release_1):
    with fake_api() as api:
        api.on("POST", "/hook", (200, {}))
        target = hook(s, f"{api.url}/hook")
        result = sync.run(s, ADMIN, target.id, dry_run=True, options=LOCAL, env={})
        assert api.requests == []
    assert result.ok and result.run.dry_run
    (call,) = result.run.calls
    assert call["headers"]["X-Vetting-Signature"] == "sha256=***" and call["status"] is None
    assert any("HOOK_SECRET is not set" in n for n in result.plan.notes)
    target = s.get(SyncTarget, target.id)
    assert (target.last_synced_release_id, target.last_result) == (None, None)


def test_an_unset_secret_variable_is_a_422_naming_it_and_records_no_run(s, release_1):
    target = hook(s, "http://127.0.0.1:9/hook")
    with pytest.raises(Invalid) as err:
        sync.run(s, ADMIN, target.id, options=LOCAL, env={})
    (e,) = err.value.errors
    assert e.field == "settings.secret_env"
    assert "environment variable HOOK_SECRET is not set" in e.message
    assert count(s, SyncRun) == 0


def test_unknown_release_and_target_are_404(s, release_1):
    hook(s, "http://127.0.0.1:9/hook")
    with pytest.raises(NotFound, match="no release with id 99"):
        sync.run(s, ADMIN, "it-hook", 99, options=LOCAL, env=data.ENV)
    with pytest.raises(NotFound, match="no sync target 'nope'"):
        sync.run(s, ADMIN, "nope", options=LOCAL, env=data.ENV)


def test_no_release_yet_says_to_publish(s):
    hook(s, "http://127.0.0.1:9/hook")
    with pytest.raises(NotFound, match="no release has been published yet"):
        sync.run(s, ADMIN, "it-hook", options=LOCAL, env=data.ENV)


def test_an_inactive_target_only_dry_runs(s, release_1):
    hook(s, "http://127.0.0.1:9/hook", active=False)
    with pytest.raises(Invalid, match="is inactive"):
        sync.run(s, ADMIN, "it-hook", options=LOCAL, env=data.ENV)
    assert sync.run(s, ADMIN, "it-hook", dry_run=True, options=LOCAL, env=data.ENV).ok


def test_a_sync_already_running_is_a_409(s, release_1):
    target = hook(s, "http://127.0.0.1:9/hook")
    s.add(SyncRun(target_id=target.id, release_id=release_1, status="running"))
    s.commit()
    with pytest.raises(Conflict, match="already running"):
        sync.run(s, ADMIN, target.id, options=LOCAL, env=data.ENV)


def test_only_the_sync_scope_may_configure_or_run(s, release_1):
    viewer = auth.Principal("v@x.org", "viewer", auth.ROLE_SCOPES["viewer"], "user")
    it = auth.Principal("i@x.org", "it", auth.ROLE_SCOPES["it"], "user")
    with pytest.raises(Forbidden, match="sync:write"):
        sync.create(s, viewer, "webhook", "x", data.webhook_settings("http://127.0.0.1:9/h"))
    target = sync.create(
        s, it, "webhook", "x", data.webhook_settings("http://127.0.0.1:9/h"), options=LOCAL
    )
    with pytest.raises(Forbidden):
        sync.run(s, viewer, target.id, dry_run=True, options=LOCAL)


@pytest.mark.parametrize(
    ("kind", "settings", "field", "message"),
    [
        ("jamf", {}, "kind", "unknown kind 'jamf'; one of: android-management, intune, webhook"),
        ("webhook", {"secret_env": "S"}, "settings.url", "is required for kind webhook"),
        (
            "webhook",
            {"url": "ftp://x.org/", "secret_env": "S"},
            "settings.url",
            "http:// or https://",
        ),
        (
            "webhook",
            {"url": "http://10.0.0.5/h", "secret_env": "S"},
            "settings.url",
            "a private address",
        ),
        ("intune", {"tenant_id": "t"}, "settings.client_id", "is required for kind intune"),
    ],
)
def test_bad_settings_are_422_naming_the_setting(s, kind, settings, field, message):
    with pytest.raises(Invalid) as err:
        sync.create(s, ADMIN, kind, "t", settings)
    (e,) = err.value.errors
    assert e.field == field and message in e.message
    assert count(s, SyncTarget) == 0


def test_names_are_unique_and_update_merges_settings(s):
    hook(s, "http://127.0.0.1:9/a")
    with pytest.raises(Conflict, match="already exists"):
        hook(s, "http://127.0.0.1:9/b", name="IT-hook")
    row = sync.update(s, ADMIN, "it-hook", settings={"url": "http://127.0.0.1:9/c"}, options=LOCAL)
    assert row.settings == {"url": "http://127.0.0.1:9/c", "secret_env": "HOOK_SECRET"}
    with pytest.raises(Invalid) as err:
        sync.update(s, ADMIN, "it-hook", settings={"secret_env": None}, options=LOCAL)
    assert err.value.errors[0].field == "settings.secret_env"
    s.rollback()
    assert s.get(SyncTarget, row.id).settings["secret_env"] == "HOOK_SECRET"  # nothing half-written


def test_delete_removes_the_target_and_its_runs(s, release_1):
    target = hook(s, "http://127.0.0.1:9/hook")
    sync.run(s, ADMIN, target.id, dry_run=True, options=LOCAL, env=data.ENV)
    sync.delete(s, ADMIN, target.id)
    assert count(s, SyncTarget) == 0 and count(s, SyncRun) == 0
    event = s.scalar(select(AuditEvent).where(AuditEvent.action == "sync_target.delete"))
    assert event.after == {"runs_deleted": 1}


def test_android_diff_is_against_the_last_release_synced_to_this_target(
    s, client, admin, app, release_1
):
    env = {"AMAPI_TOKEN": ACCESS_TOKEN}
    with fake_api() as api:
        api.on("GET", f"/v1/{POLICY}", bearer_only((200, {"applications": []})))
        api.on("POST", f"/v1/{POLICY}:modifyPolicyApplications", bearer_only((200, {})))
        target = sync.create(
            s, ADMIN, "android-management", "droid", data.android_settings(api.url), options=LOCAL
        )
        assert sync.run(s, ADMIN, target.id, options=LOCAL, env=env).ok
        data.second_release(client, admin, app)
        result = sync.run(s, ADMIN, target.id, options=LOCAL, env=env)
    first, second = [r.json for r in api.requests if r.method == "POST"]
    assert [c["application"]["packageName"] for c in first["changes"]] == ["com.acme.notes"]
    assert [c["application"]["packageName"] for c in second["changes"]] == ["com.chart.pad"]
    assert result.previous_release_id == release_1 and result.plan.changes == [
        "+ com.chart.pad AVAILABLE"
    ]


def test_a_refused_force_installed_removal_leaves_the_target_where_it_was_until_forced(
    s, client, admin, app, release_1
):
    env = {"AMAPI_TOKEN": ACCESS_TOKEN}
    with fake_api() as api:
        api.on(
            "GET",
            f"/v1/{POLICY}",
            bearer_only(
                (
                    200,
                    {
                        "applications": [
                            {"packageName": "com.acme.notes", "installType": "FORCE_INSTALLED"}
                        ]
                    },
                )
            ),
        )
        api.on("POST", f"/v1/{POLICY}:removePolicyApplications", bearer_only((200, {})))
        target = sync.create(
            s, ADMIN, "android-management", "droid", data.android_settings(api.url), options=LOCAL
        )
        s.get(SyncTarget, target.id).last_synced_release_id = release_1
        s.commit()
        # The notes app leaves the list: its vendor's BAA is terminated.
        r = client.post(
            "/api/v1/baas/1/terminate", json={"on": "2026-11-25", "reason": "ended"}, headers=admin
        )
        assert r.status_code == 200, r.json
        release_2 = data.publish(app)
        refused = sync.run(s, ADMIN, target.id, options=LOCAL, env=env)
        assert (
            not refused.ok
            and "com.acme.notes (FORCE_INSTALLED, would be removed)" in refused.run.error
        )
        assert s.get(SyncTarget, target.id).last_synced_release_id == release_1
        forced = sync.run(s, ADMIN, target.id, force=True, options=LOCAL, env=env)
    assert forced.ok and s.get(SyncTarget, target.id).last_synced_release_id == release_2
    assert api.requests[-1].json == {"packageNames": ["com.acme.notes"]}


def test_the_daily_job_syncs_active_targets_after_auto_publishing(app, client, admin, monkeypatch):
    data.allow_local(app)
    use(app, auto_sync=True)
    use_notify(app, auto_publish=True, allow_private_urls=True)
    monkeypatch.setenv("HOOK_SECRET", data.SECRET)
    data.first_release(client, admin, app)
    with fake_api() as api:
        api.on("POST", "/hook", (200, {}))
        with app.app_context():
            hook(db.session(), f"{api.url}/hook")
            hook(db.session(), f"{api.url}/off", name="off", active=False)
        out = jobs.daily_job(app)
        assert out["sync"] == ["sync to it-hook: release 1, 1 call made; 3 changes"]
        assert [r.path for r in api.requests] == ["/hook"]
        assert "sync" not in jobs.daily_job(app)  # the day's job already ran (once a day)
        clock.freeze(clock.today() + timedelta(days=1))
        assert jobs.daily_job(app)["sync"] == []  # already synced: nothing sent again
    assert len(api.requests) == 1
