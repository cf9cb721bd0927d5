"""Android Management API sync against a local fake of Google's token endpoint and the API:
a JWT-bearer grant signed by the service account key (verified by the fake with the public
key), per-app modifyPolicyApplications / removePolicyApplications bodies for the diff since
the last synced release, never a whole-policy PATCH, and the FORCE_INSTALLED refusal."""

from __future__ import annotations

import json

import pytest

from integrations.exporters.base import ExportOptions
from integrations.sync.base import SyncError, SyncSettingsError, sync_target_kind
from integrations.sync.sender import HttpSender
from tests.core.release_builders import entry, exclusion, release
from tests.integrations.fake_apis import (
    ACCESS_TOKEN,
    bearer_only,
    fake_api,
    google_token,
    service_account_key,
)

POLICY = "enterprises/LC01abc/policies/clinical"
EHR = entry(1, "EHR Mobile", platform="android", store_id="com.epic.haiku")
NOTES = entry(2, "Acme Notes", platform="android", store_id="com.acme.notes")
CHAT = entry(3, "Chat Pro", platform="android", store_id="com.chat.pro")
CAMERA = entry(4, "Acme Camera", store_id="com.acme.camera")  # iOS: not for Android
FIRST = release((EHR, NOTES, CAMERA), release_id=1)
SECOND = release(
    (NOTES, CHAT),
    (
        exclusion(
            1,
            "EHR Mobile",
            ("BAA with Epic expired: in force through 2026-10-31",),
            platform="android",
            store_id="com.epic.haiku",
        ),
    ),
    release_id=2,
)

Android = sync_target_kind("android-management")


def target(api, env=None, **extra):
    settings = Android.clean_settings(
        {
            "policy_name": POLICY,
            "service_account_key_env": "AMAPI_KEY",
            "token_url": f"{api.url}/token",
            "base_url": api.url,
            **extra,
        }
    )
    key, _ = service_account_key()
    return Android(settings, env if env is not None else {"AMAPI_KEY": json.dumps(key)})


def amapi(api, policy_apps):
    _, public = service_account_key()
    api.on("POST", "/token", google_token(f"{api.url}/token", public))
    api.on(
        "GET", f"/v1/{POLICY}", bearer_only((200, {"name": POLICY, "applications": policy_apps}))
    )
    api.on("POST", f"/v1/{POLICY}:modifyPolicyApplications", bearer_only((200, {"policy": {}})))
    api.on("POST", f"/v1/{POLICY}:removePolicyApplications", bearer_only((200, {"policy": {}})))


def sync(t, previous, rel, **kw):
    s = HttpSender(retries=0, allow_private=True)
    with s:
        plan = t.sync(s, previous, rel, **kw)
    return plan, s.records


def test_first_sync_sets_every_android_app_of_the_release_with_per_app_changes():
    with fake_api() as api:
        amapi(api, [])
        plan, records = sync(target(api), None, FIRST)
    assert api.calls() == [
        ("POST", "/token"),
        ("GET", f"/v1/{POLICY}"),
        ("POST", f"/v1/{POLICY}:modifyPolicyApplications"),
    ]
    token = api.requests[0].form
    assert token["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    for req in api.requests[1:]:
        assert req.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert api.requests[2].json == {
        "changes": [
            {
                "application": {"packageName": "com.acme.notes", "installType": "AVAILABLE"},
                "updateMask": "installType",
            },
            {
                "application": {"packageName": "com.epic.haiku", "installType": "AVAILABLE"},
                "updateMask": "installType",
            },
        ]
    }
    assert plan.changes == ["+ com.acme.notes AVAILABLE", "+ com.epic.haiku AVAILABLE"]
    assert records[0]["body"]["assertion"] == "***"


def test_the_diff_since_the_last_synced_release_adds_and_removes_per_app():
    with fake_api() as api:
        amapi(
            api,
            [
                {"packageName": "com.epic.haiku", "installType": "AVAILABLE"},
                {"packageName": "com.acme.notes", "installType": "AVAILABLE"},
            ],
        )
        plan, _ = sync(target(api), FIRST, SECOND)
    methods = api.calls()
    assert ("PATCH", f"/v1/{POLICY}") not in methods  # never a whole-policy replace
    modify, remove = api.requests[2], api.requests[3]
    assert modify.path.endswith(":modifyPolicyApplications")
    assert modify.json == {
        "changes": [
            {
                "application": {"packageName": "com.chat.pro", "installType": "AVAILABLE"},
                "updateMask": "installType",
            }
        ]
    }
    assert remove.path.endswith(":removePolicyApplications")
    assert remove.json == {"packageNames": ["com.epic.haiku"]}
    assert plan.changes == ["+ com.chat.pro AVAILABLE", "- com.epic.haiku"]


def test_removing_a_force_installed_app_is_refused_naming_it_and_nothing_changes():
    with fake_api() as api:
        amapi(api, [{"packageName": "com.epic.haiku", "installType": "FORCE_INSTALLED"}])
        with pytest.raises(SyncError) as err:
            sync(target(api), FIRST, SECOND)
    assert "com.epic.haiku (FORCE_INSTALLED, would be removed)" in str(err.value)
    assert "--force" in str(err.value)
    assert api.calls() == [("POST", "/token"), ("GET", f"/v1/{POLICY}")]  # no change made


def test_force_removes_it_and_says_so():
    with fake_api() as api:
        amapi(api, [{"packageName": "com.epic.haiku", "installType": "FORCE_INSTALLED"}])
        plan, _ = sync(target(api), FIRST, SECOND, force=True)
    assert api.requests[-1].json == {"packageNames": ["com.epic.haiku"]}
    assert "forced: com.epic.haiku will be uninstalled" in plan.notes


def test_an_approved_app_the_policy_force_installs_is_not_lowered_to_available():
    with fake_api() as api:
        amapi(api, [{"packageName": "com.epic.haiku", "installType": "REQUIRED_FOR_SETUP"}])
        plan, _ = sync(target(api), None, FIRST)
    assert api.requests[-1].json["changes"] == [
        {
            "application": {"packageName": "com.acme.notes", "installType": "AVAILABLE"},
            "updateMask": "installType",
        }
    ]
    assert "kept com.epic.haiku REQUIRED_FOR_SETUP: the policy installs it already" in plan.notes


def test_block_mode_blocks_rejected_apps_but_refuses_a_force_installed_one():
    rejected = exclusion(
        5, "Chat Box", ("rejected",), rejected=True, platform="android", store_id="com.chat.box"
    )
    rel = release((NOTES,), (rejected,), release_id=3)
    with fake_api() as api:
        amapi(api, [])
        sync(target(api, mode="block"), None, rel)
        assert [c["application"] for c in api.requests[-1].json["changes"]] == [
            {"packageName": "com.acme.notes", "installType": "AVAILABLE"},
            {"packageName": "com.chat.box", "installType": "BLOCKED"},
        ]
    with fake_api() as api:
        amapi(api, [{"packageName": "com.chat.box", "installType": "FORCE_INSTALLED"}])
        with pytest.raises(
            SyncError, match=r"com.chat.box \(FORCE_INSTALLED, would become BLOCKED\)"
        ):
            sync(target(api, mode="block"), None, rel)


def test_nothing_to_change_makes_no_call_at_all():
    with fake_api() as api:
        amapi(api, [])
        plan, records = sync(target(api), FIRST, FIRST)
    assert api.requests == [] and records == []
    assert "nothing to change" in plan.notes


def test_a_pre_issued_bearer_token_skips_the_token_endpoint():
    with fake_api() as api:
        amapi(api, [])
        t = target(
            api,
            env={"AMAPI_TOKEN": ACCESS_TOKEN},
            service_account_key_env="",
            access_token_env="AMAPI_TOKEN",
        )
        sync(t, None, FIRST)
    assert api.calls()[0] == ("GET", f"/v1/{POLICY}")
    assert all(r.bearer == ACCESS_TOKEN for r in api.requests)


def test_a_key_file_path_in_the_variable_works(tmp_path):
    key, _ = service_account_key()
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key))
    with fake_api() as api:
        amapi(api, [])
        sync(target(api, env={"AMAPI_KEY": str(path)}), None, FIRST)
    assert api.calls()[0] == ("POST", "/token")


def test_an_assertion_signed_by_another_key_is_refused_by_the_token_endpoint():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key, _ = service_account_key()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with fake_api() as api:
        amapi(api, [])
        t = target(api, env={"AMAPI_KEY": json.dumps({**key, "private_key": pem})})
        with pytest.raises(SyncError, match="HTTP 400: invalid_grant: Invalid JWT"):
            sync(t, None, FIRST)
    assert api.calls() == [("POST", "/token")]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "does not hold a service account key"),
        ('{"client_email": "x"}', "lacks private_key"),
        ("/nowhere/key.json", "names a key file that cannot be read"),
    ],
)
def test_a_broken_key_is_named(value, message):
    with fake_api() as api, pytest.raises(SyncError, match=message):
        sync(target(api, env={"AMAPI_KEY": value}), None, FIRST)


def test_dry_run_lists_the_calls_and_says_the_force_installed_check_needs_a_live_read():
    t = Android(
        {"policy_name": POLICY, "service_account_key_env": "AMAPI_KEY"},
        {},
        ExportOptions(),
        dry_run=True,
    )
    plan = t.preview(FIRST, SECOND)
    assert [(c.method, c.url) for c in plan.calls] == [
        ("POST", "https://oauth2.googleapis.com/token"),
        ("GET", f"https://androidmanagement.googleapis.com/v1/{POLICY}"),
        ("POST", f"https://androidmanagement.googleapis.com/v1/{POLICY}:modifyPolicyApplications"),
        ("POST", f"https://androidmanagement.googleapis.com/v1/{POLICY}:removePolicyApplications"),
    ]
    assert any("checked only when the sync runs" in n for n in plan.notes)


@pytest.mark.parametrize(
    ("settings", "field", "message"),
    [
        (
            {"policy_name": "clinical", "access_token_env": "T"},
            "settings.policy_name",
            "enterprises/{enterpriseId}/policies/{policyId}",
        ),
        ({"policy_name": POLICY}, "settings.service_account_key_env", "set exactly one of"),
        (
            {"policy_name": POLICY, "access_token_env": "T", "service_account_key_env": "K"},
            "settings.service_account_key_env",
            "set exactly one of",
        ),
    ],
)
def test_bad_settings_name_the_setting(settings, field, message):
    with pytest.raises(SyncSettingsError) as err:
        Android.clean_settings(settings)
    assert err.value.field == field and message in str(err.value)
