"""Microsoft Intune through Microsoft Graph v1.0.

An OAuth 2 client-credentials token from Microsoft identity platform (`POST
{authority}/{tenant_id}/oauth2/v2.0/token`, scope `https://graph.microsoft.com/.default`,
an app registration with DeviceManagementApps.ReadWrite.All and, for the device restriction,
DeviceManagementConfiguration.ReadWrite.All), then:

- `POST {graph}/v1.0/deviceAppManagement/managedAppPolicies/{policy_id}/targetApps` with the
  full list of approved apps each time (the action replaces the policy's apps);
- when `device_configuration_id` is set, `PATCH {graph}/v1.0/deviceManagement/
  deviceConfigurations/{id}` with the iosGeneralDeviceConfiguration's appsVisibilityList and
  compliantAppsList.

The bodies are the Intune exporter's (integrations/exporters/intune.py), so what is pushed is
byte for byte what `vetting allowlist export --format intune` shows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from integrations.exporters import intune
from integrations.registry import register
from integrations.sync.base import Call, Setting, SyncPlan, SyncTarget
from vetting.core.releases import Release

AUTHORITY = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com"


def _app_ids(body: dict[str, Any]) -> set[tuple[str, str]]:
    """targetApps body → {(bundle ID or package name, platform)}: one per app and platform
    (the same ID on iOS and Android is two apps, two lines of a dry run)."""
    ids = set()
    for app in body.get("apps", []):
        ident = app["mobileAppIdentifier"]
        if "bundleId" in ident:
            ids.add((ident["bundleId"], "ios"))
        else:
            ids.add((ident["packageId"], "android"))
    return ids


@register
class IntuneTarget(SyncTarget):
    slug = "intune"
    title = "Microsoft Intune (Graph v1.0)"
    settings_spec = (
        Setting("tenant_id", "the Microsoft Entra tenant ID (or domain)", required=True),
        Setting("client_id", "the app registration's application (client) ID", required=True),
        Setting(
            "client_secret_env",
            "the environment variable holding the app registration's client secret",
            required=True,
            kind="env",
        ),
        Setting(
            "policy_id",
            "the id of the app protection policy (managedAppPolicy) whose targetApps are set",
            required=True,
        ),
        Setting(
            "device_configuration_id",
            "an iosGeneralDeviceConfiguration whose app lists are PATCHed too",
        ),
        Setting(
            "mode",
            "allow or block (the device restriction's list type)",
            default="allow",
            kind="choice",
            choices=("allow", "block"),
        ),
        Setting("authority_url", "the identity platform", default=AUTHORITY, kind="url"),
        Setting(
            "token_url",
            "the token endpoint (default: {authority}/{tenant}/oauth2/v2.0/token)",
            kind="url",
        ),
        Setting(
            "graph_url", "the Graph endpoint (national clouds differ)", default=GRAPH, kind="url"
        ),
        Setting("scope", "the token scope", default=f"{GRAPH}/.default"),
    )

    def token_call(self) -> Call:
        url = self.setting("token_url") or (
            f"{self.setting('authority_url')}/{quote(self.setting('tenant_id'), safe='')}"
            "/oauth2/v2.0/token"
        )
        return Call(
            "token",
            "POST",
            url,
            form={
                "grant_type": "client_credentials",
                "client_id": self.setting("client_id"),
                "client_secret": self.secret("client_secret_env"),
                "scope": self.setting("scope"),
            },
            secret_fields=frozenset({"client_secret"}),
        )

    def plan(
        self,
        previous: Release | None,
        release: Release,
        state: Any | None,
        *,
        force: bool = False,
    ) -> SyncPlan:
        graph = f"{self.setting('graph_url')}/v1.0"
        body, skipped = intune.target_apps_body(release)
        policy = quote(self.setting("policy_id"), safe="")
        calls = [
            Call(
                "targetApps",
                "POST",
                f"{graph}/deviceAppManagement/managedAppPolicies/{policy}/targetApps",
                json=body,
                bearer=True,
            )
        ]
        now = _app_ids(body)
        before = _app_ids(intune.target_apps_body(previous)[0]) if previous else set()
        changes = [f"+ {i} ({p})" for i, p in sorted(now - before)]
        changes += [f"- {i} ({p})" for i, p in sorted(before - now)]
        notes = [
            f"targetApps replaces the policy's apps: all {len(now)} approved apps with a store "
            "ID are sent each time"
        ]
        config_id = self.setting("device_configuration_id")
        if config_id:
            options = replace(self.export, mode=self.setting("mode"))
            ios_body, ios_skipped = intune.ios_configuration_body(release, options)
            skipped += [s for s in ios_skipped if s.app_id not in {k.app_id for k in skipped}]
            calls.append(
                Call(
                    "iosGeneralDeviceConfiguration",
                    "PATCH",
                    f"{graph}/deviceManagement/deviceConfigurations/{quote(config_id, safe='')}",
                    json=ios_body,
                    bearer=True,
                )
            )
        notes += [f"skipped {s.name} ({s.platform}): {s.reason}" for s in skipped]
        return SyncPlan(calls, changes, notes)
