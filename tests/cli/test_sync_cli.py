"""`vetting sync kinds | targets | add | update | run | runs | remove` against local fakes."""

from __future__ import annotations

import json

import pytest

from tests import sync_data as data
from tests.cli.helpers import clean_error, invoke, ok
from tests.integrations.fake_apis import ACCESS_TOKEN, bearer_only, fake_api
from vetting.cli import cli

POLICY = "enterprises/LC01/policies/clinical"


@pytest.fixture
def local(app, monkeypatch):
    data.allow_local(app)
    monkeypatch.setenv("HOOK_SECRET", data.SECRET)
    monkeypatch.setenv("AMAPI_TOKEN", ACCESS_TOKEN)


def add_hook(runner, url, name="it-hook"):
    return ok(
        invoke(
            runner,
            "sync",
            "add",
            "webhook",
            name,
            "--setting",
            f"url={url}",
            "--setting",
            "secret_env=HOOK_SECRET",
        )
    )


def test_add_and_list_targets(runner, local):
    out = add_hook(runner, "http://127.0.0.1:9/h")
    assert out == "added sync target 1: webhook 'it-hook'\n"
    listing = ok(invoke(runner, "sync", "targets"))
    assert "1\twebhook\tit-hook\tsynced: nothing\tlast: - never" in listing
    assert "\tsecret_env=HOOK_SECRET" in listing and "\turl=http://127.0.0.1:9/h" in listing


def test_kinds_lists_every_setting():
    out = ok(invoke_plain("sync", "kinds"))
    assert "intune: Microsoft Intune (Graph v1.0)" in out
    assert "  client_secret_env (required): the environment variable holding" in out
    assert "android-management: Android Management API" in out


def invoke_plain(*args):
    from click.testing import CliRunner

    return CliRunner().invoke(cli, list(args))


def test_dry_run_prints_the_exact_calls_and_the_diff_and_calls_nothing(
    runner, client, admin, app, local
):
    data.first_release(client, admin, app)
    with fake_api() as api:
        ok(
            invoke(
                runner,
                "sync",
                "add",
                "android-management",
                "droid",
                *[f"--setting={k}={v}" for k, v in data.android_settings(api.url).items()],
            )
        )
        out = ok(invoke(runner, "sync", "run", "droid", "--dry-run"))
        assert api.requests == []
    assert out.startswith("dry run of droid: release 1, 2 calls would be made; 1 change (run 1)\n")
    diff = "diff: release 1 against nothing (first sync) synced to this target\n"
    assert diff + "  + com.acme.notes AVAILABLE\n" in out
    assert "note: dry run: the live policy is not read" in out
    assert f"1. GET {api.url}/v1/{POLICY}  [read policy]\n   Authorization: Bearer ***\n" in out
    assert (
        f"2. POST {api.url}/v1/{POLICY}:modifyPolicyApplications  [modifyPolicyApplications]" in out
    )
    body = out[out.index("   {") :]
    assert json.loads(body.replace("\n   ", "\n")) == {
        "changes": [
            {
                "application": {"packageName": "com.acme.notes", "installType": "AVAILABLE"},
                "updateMask": "installType",
            }
        ]
    }
    assert ACCESS_TOKEN not in out


def test_run_syncs_and_runs_lists_it(runner, client, admin, app, local):
    data.first_release(client, admin, app)
    with fake_api() as api:
        api.on("POST", "/hook", (200, {}))
        add_hook(runner, f"{api.url}/hook")
        out = ok(invoke(runner, "sync", "run", "it-hook", "--no-bodies"))
    assert out.startswith("sync to it-hook: release 1, 1 call made; 3 changes (run 1)\n")
    assert f"1. POST {api.url}/hook  [release]  → 200\n" in out
    assert "   X-Vetting-Signature: sha256=" in out
    assert len(api.requests) == 1
    runs = ok(invoke(runner, "sync", "runs", "it-hook", "--calls"))
    assert "\tsync\trelease 1\tok\t1 calls" in runs and f"POST {api.url}/hook" in runs
    assert "synced: release 1\tlast: ok" in ok(invoke(runner, "sync", "targets"))


def test_a_failing_target_exits_1_with_the_error_and_keeps_its_last_release(
    runner, client, admin, app, local
):
    data.first_release(client, admin, app)
    with fake_api() as api:
        api.on("POST", "/hook", (500, b"boom"))
        add_hook(runner, f"{api.url}/hook")
        result = invoke(runner, "sync", "run", "it-hook")
    clean_error(
        result, "sync to it-hook failed: release: POST", "failed after 2 attempts: HTTP 500: boom"
    )
    assert "synced: nothing\tlast: failed" in ok(invoke(runner, "sync", "targets"))


def test_force_installed_refusal_then_force(runner, client, admin, app, local):
    data.first_release(client, admin, app)
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
        api.on("POST", f"/v1/{POLICY}:modifyPolicyApplications", bearer_only((200, {})))
        api.on("POST", f"/v1/{POLICY}:removePolicyApplications", bearer_only((200, {})))
        ok(
            invoke(
                runner,
                "sync",
                "add",
                "android-management",
                "droid",
                *[f"--setting={k}={v}" for k, v in data.android_settings(api.url).items()],
            )
        )
        ok(invoke(runner, "sync", "run", "droid"))  # release 1: notes kept FORCE_INSTALLED
        r = client.post(
            "/api/v1/baas/1/terminate", json={"on": "2026-11-25", "reason": "x"}, headers=admin
        )
        assert r.status_code == 200
        ok(invoke(runner, "allowlist", "publish", "--allow-shrink"))
        clean_error(
            invoke(runner, "sync", "run", "droid"),
            "com.acme.notes (FORCE_INSTALLED, would be removed)",
            "--force",
        )
        out = ok(invoke(runner, "sync", "run", "droid", "--force"))
    assert (
        "  - com.acme.notes\n" in out and "note: forced: com.acme.notes will be uninstalled" in out
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("sync", "add", "intune", "x", "--setting", "tenant_id=t"),
            ["settings.client_id: is required"],
        ),
        (
            ("sync", "add", "webhook", "x", "--setting", "url"),
            ["--setting: 'url' is not key=value"],
        ),
        (
            ("sync", "add", "nope", "x"),
            ["kind: unknown kind 'nope'; one of: android-management, intune, webhook"],
        ),
        (("sync", "run", "missing"), ["no sync target 'missing'"]),
        (("sync", "runs", "missing"), ["no sync target 'missing'"]),
        (("sync", "remove", "missing"), ["no sync target 'missing'"]),
    ],
)
def test_bad_input_is_a_clean_error_naming_it(runner, local, args, words):
    clean_error(invoke(runner, *args), *words)


def test_an_unset_secret_and_an_unknown_release_are_named(
    runner, client, admin, app, local, monkeypatch
):
    data.first_release(client, admin, app)
    add_hook(runner, "http://127.0.0.1:9/hook")
    clean_error(invoke(runner, "sync", "run", "it-hook", "--release", "9"), "no release with id 9")
    monkeypatch.delenv("HOOK_SECRET")
    clean_error(
        invoke(runner, "sync", "run", "it-hook"),
        "settings.secret_env: environment variable HOOK_SECRET is not set",
    )
    assert "HOOK_SECRET is not set" in ok(invoke(runner, "sync", "run", "it-hook", "--dry-run"))


def test_update_and_remove(runner, local):
    add_hook(runner, "http://127.0.0.1:9/h")
    assert ok(
        invoke(
            runner,
            "sync",
            "update",
            "it-hook",
            "--inactive",
            "--setting",
            "url=http://127.0.0.1:9/z",
        )
    )
    listing = ok(invoke(runner, "sync", "targets"))
    assert "it-hook (inactive)" in listing and "url=http://127.0.0.1:9/z" in listing
    clean_error(
        invoke(runner, "sync", "update", "it-hook", "--unset", "url"), "settings.url: is required"
    )
    assert ok(invoke(runner, "sync", "remove", "1")) == "removed sync target 1\n"
    assert "no sync target" in ok(invoke(runner, "sync", "targets"))
