"""Intune sync against a local fake of Microsoft identity platform and Graph: the exact token
request, the targetApps action with the full list (the Intune exporter's body), the iOS
device restriction PATCH, and a refused secret."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from integrations.exporters import intune
from integrations.exporters.base import ExportOptions
from integrations.sync.base import SyncError, SyncSettingsError, sync_target_kind
from integrations.sync.sender import HttpSender
from tests.core.release_builders import entry, exclusion, release
from tests.integrations.fake_apis import ACCESS_TOKEN, bearer_only, fake_api, microsoft_token

CAMERA = entry(1, "Acme Camera", store_id="com.acme.camera")
NOTES = entry(2, "Acme Notes", platform="android", store_id="com.acme.notes")
CHART = entry(3, "Chart Pad", store_id="com.chart.pad")
BARE = entry(4, "Bare App", store_id=None)
FIRST = release((CAMERA, NOTES), release_id=1)
SECOND = release(
    (NOTES, CHART, BARE), (exclusion(1, "Acme Camera", store_id="com.acme.camera"),), 2
)
OPTIONS = ExportOptions(ios_base_apps=("com.apple.Preferences",))
SECRET = "s3cr3t-value"
ENV = {"INTUNE_SECRET": SECRET}

Intune = sync_target_kind("intune")


def target(api, **extra):
    settings = Intune.clean_settings(
        {
            "tenant_id": "contoso.onmicrosoft.com",
            "client_id": "11111111-2222",
            "client_secret_env": "INTUNE_SECRET",
            "policy_id": "T_abc-123",
            "authority_url": api.url,
            "graph_url": api.url,
            **extra,
        }
    )
    return Intune(settings, ENV, OPTIONS)


def graph(api, config=(204, b"")):
    api.on(
        "POST",
        "/contoso.onmicrosoft.com/oauth2/v2.0/token",
        microsoft_token("11111111-2222", SECRET),
    )
    api.on(
        "POST",
        "/v1.0/deviceAppManagement/managedAppPolicies/T_abc-123/targetApps",
        bearer_only((204, b"")),
    )
    api.on("PATCH", "/v1.0/deviceManagement/deviceConfigurations/cfg-9", bearer_only(config))


def sync(t, previous, rel, **kw):
    s = HttpSender(retries=1, backoff=0, allow_private=True, sleep=lambda _: None)
    with s:
        plan = t.sync(s, previous, rel, **kw)
    return plan, s.records


def test_token_then_target_apps_with_the_full_list_each_time():
    with fake_api() as api:
        graph(api)
        plan, records = sync(target(api), FIRST, SECOND)
    token, apps = api.requests
    assert (token.method, token.path) == ("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token")
    assert token.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token.form == {
        "grant_type": "client_credentials",
        "client_id": "11111111-2222",
        "client_secret": SECRET,
        "scope": "https://graph.microsoft.com/.default",
    }
    assert (apps.method, apps.path) == (
        "POST",
        "/v1.0/deviceAppManagement/managedAppPolicies/T_abc-123/targetApps",
    )
    assert apps.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert apps.headers["Content-Type"] == "application/json"
    assert apps.json == intune.target_apps_body(SECOND)[0]  # the exporter's body, reused
    assert apps.json["apps"] == [
        {
            "@odata.type": "#microsoft.graph.managedMobileApp",
            "mobileAppIdentifier": {
                "@odata.type": "#microsoft.graph.iosMobileAppIdentifier",
                "bundleId": "com.chart.pad",
            },
        },
        {
            "@odata.type": "#microsoft.graph.managedMobileApp",
            "mobileAppIdentifier": {
                "@odata.type": "#microsoft.graph.androidMobileAppIdentifier",
                "packageId": "com.acme.notes",
            },
        },
    ]
    assert plan.changes == ["+ com.chart.pad (ios)", "- com.acme.camera (ios)"]
    assert any("skipped Bare App (ios): no bundle ID" in n for n in plan.notes)
    assert [r["status"] for r in records] == [200, 204]
    assert records[0]["body"]["client_secret"] == "***"


def test_device_configuration_is_patched_when_configured():
    with fake_api() as api:
        graph(api)
        sync(target(api, device_configuration_id="cfg-9", mode="allow"), None, SECOND)
    patch = api.requests[-1]
    assert (patch.method, patch.path) == (
        "PATCH",
        "/v1.0/deviceManagement/deviceConfigurations/cfg-9",
    )
    assert patch.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    body, _ = intune.ios_configuration_body(SECOND, OPTIONS)
    assert patch.json == body
    assert patch.json["@odata.type"] == "#microsoft.graph.iosGeneralDeviceConfiguration"
    assert patch.json["appsVisibilityListType"] == "appsInListCompliant"
    assert [i["appId"] for i in patch.json["compliantAppsList"]] == ["com.chart.pad"]


def test_a_refused_secret_fails_with_the_identity_platforms_message():
    with fake_api() as api:
        graph(api)
        t = target(api)
        t.env = {"INTUNE_SECRET": "wrong"}
        with pytest.raises(SyncError) as err:
            sync(t, None, SECOND)
    assert "HTTP 401: invalid_client: AADSTS7000215: Invalid client secret provided." in str(
        err.value
    )
    assert api.calls() == [("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token")]


def test_a_token_response_without_a_token_fails():
    with fake_api() as api:
        api.on(
            "POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token", (200, {"token_type": "Bearer"})
        )
        with pytest.raises(SyncError, match="answered without an access_token"):
            sync(target(api), None, SECOND)
    assert len(api.requests) == 1


def test_token_url_and_scope_can_be_set_for_other_clouds():
    with fake_api() as api:
        api.on("POST", "/custom/token", microsoft_token("11111111-2222", SECRET))
        api.on(
            "POST",
            "/v1.0/deviceAppManagement/managedAppPolicies/T_abc-123/targetApps",
            bearer_only((204, b"")),
        )
        sync(
            target(
                api,
                token_url=f"{api.url}/custom/token",
                scope="https://graph.microsoft.us/.default",
            ),
            None,
            FIRST,
        )
    assert api.requests[0].form["scope"] == "https://graph.microsoft.us/.default"


@pytest.mark.parametrize(
    ("settings", "field", "message"),
    [
        ({}, "settings.tenant_id", "is required for kind intune: the Microsoft Entra tenant ID"),
        (
            {"tenant_id": "t", "client_id": "c", "client_secret_env": "abc def", "policy_id": "p"},
            "settings.client_secret_env",
            "must name the environment variable",
        ),
        (
            {
                "tenant_id": "t",
                "client_id": "c",
                "client_secret_env": "S",
                "policy_id": "p",
                "client_secret": "x",
            },
            "settings.client_secret",
            "unknown setting 'client_secret'",
        ),
        (
            {
                "tenant_id": "t",
                "client_id": "c",
                "client_secret_env": "S",
                "policy_id": "p",
                "mode": "deny",
            },
            "settings.mode",
            "must be one of allow, block",
        ),
    ],
)
def test_bad_settings_name_the_setting(settings, field, message):
    with pytest.raises(SyncSettingsError) as err:
        Intune.clean_settings(settings)
    assert err.value.field == field and message in str(err.value)


def test_an_unset_secret_variable_is_named():
    t = Intune(
        {"tenant_id": "t", "client_id": "c", "client_secret_env": "NOPE_SECRET", "policy_id": "p"},
        {},
    )
    (missing,) = t.missing_secrets()
    assert missing.field == "settings.client_secret_env"
    assert "environment variable NOPE_SECRET is not set" in str(missing)


def test_a_graph_500_is_retried_and_the_second_attempt_succeeds():
    with fake_api() as api:
        graph(api)
        api.on(
            "POST",
            "/v1.0/deviceAppManagement/managedAppPolicies/T_abc-123/targetApps",
            (500, {"error": {"code": "InternalServerError", "message": "try again"}}),
            (204, b""),
        )
        _, records = sync(target(api), None, SECOND)
    assert [p for _, p in api.calls()].count(
        "/v1.0/deviceAppManagement/managedAppPolicies/T_abc-123/targetApps"
    ) == 2
    assert (records[-1]["status"], records[-1]["attempts"], records[-1]["error"]) == (204, 2, None)


def test_the_same_id_on_both_platforms_is_two_lines_of_the_plan():
    """The careless version keyed changes by store ID alone: adding the Android build of an
    app whose iOS build was already listed showed no change at all."""
    ios = entry(1, "Acme Camera", store_id="com.acme.camera")
    android = entry(5, "Acme Camera", platform="android", store_id="com.acme.camera")
    t = target(SimpleNamespace(url="https://graph.example"))
    plan = t.preview(release((ios,), release_id=1), release((ios, android), release_id=2))
    assert plan.changes == ["+ com.acme.camera (android)"]
    both = t.preview(None, release((ios, android), release_id=2))
    assert both.changes == ["+ com.acme.camera (android)", "+ com.acme.camera (ios)"]
