"""Microsoft Graph v1.0 request bodies for Intune.

- `targetApps`: the body of `POST /deviceAppManagement/managedAppPolicies/{id}/targetApps`,
  the approved apps an app protection policy targets (`managedMobileApp` items whose
  `mobileAppIdentifier` is an `iosMobileAppIdentifier` + `bundleId` or an
  `androidMobileAppIdentifier` + `packageId`). The action replaces the policy's apps, so the
  full list is sent each time.
- `iosGeneralDeviceConfiguration`: the fields of a `PATCH
  /deviceManagement/deviceConfigurations/{id}` that carry the list: `appsVisibilityList` and
  `compliantAppsList` (`appListItem`s `{name, publisher, appStoreUrl, appId}`, at most 10,000
  each) with their `appListType`: `appsInListCompliant` in allow mode (only these apps),
  `appsNotInListCompliant` in block mode (all but these).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from integrations.exporters import store_ids
from integrations.exporters.base import Exporter, ExportError, ExportOptions, Skipped
from integrations.registry import register
from vetting.core.allowlist import Exclusion, ListEntry
from vetting.core.releases import Release

MAX_LIST_ITEMS = 10_000
SCHEMA = "vetting.intune/v1"
IOS_ID = "#microsoft.graph.iosMobileAppIdentifier"
ANDROID_ID = "#microsoft.graph.androidMobileAppIdentifier"
MANAGED_APP = "#microsoft.graph.managedMobileApp"
APP_LIST_ITEM = "#microsoft.graph.appListItem"
IOS_RESTRICTIONS = "#microsoft.graph.iosGeneralDeviceConfiguration"


@dataclass(frozen=True)
class IntuneBodies:
    target_apps: dict[str, Any]
    ios_configuration: dict[str, Any]
    skipped: list[Skipped]


def target_apps_body(release: Release) -> tuple[dict[str, Any], list[Skipped]]:
    """The targetApps action body: every approved iOS and Android app with a store ID."""
    ios, skipped_ios = store_ids.split(release.entries, "ios")
    android, skipped_android = store_ids.split(release.entries, "android")
    apps = [
        {
            "@odata.type": MANAGED_APP,
            "mobileAppIdentifier": {"@odata.type": IOS_ID, "bundleId": a.store_id},
        }
        for a in ios
    ] + [
        {
            "@odata.type": MANAGED_APP,
            "mobileAppIdentifier": {"@odata.type": ANDROID_ID, "packageId": a.store_id},
        }
        for a in android
    ]
    return {"apps": apps, "appGroupType": "selectedPublicApps"}, skipped_ios + skipped_android


def _list_item(app: ListEntry | Exclusion) -> dict[str, Any]:
    return {
        "@odata.type": APP_LIST_ITEM,
        "name": app.name,
        "publisher": app.vendor_name,
        "appStoreUrl": app.store_url,
        "appId": app.store_id,
    }


def _base_item(bundle_id: str) -> dict[str, Any]:
    return {
        "@odata.type": APP_LIST_ITEM,
        "name": bundle_id,
        "publisher": "Apple",
        "appStoreUrl": None,
        "appId": bundle_id,
    }


def _check_size(release: Release, name: str, items: Sequence[Any]) -> None:
    if len(items) > MAX_LIST_ITEMS:
        raise ExportError(
            f"release {release.id} puts {len(items):,} apps in {name}; Intune accepts at most "
            f"{MAX_LIST_ITEMS:,}"
        )


def ios_configuration_body(
    release: Release, options: ExportOptions
) -> tuple[dict[str, Any], list[Skipped]]:
    """The iosGeneralDeviceConfiguration fields that carry the list (for a PATCH)."""
    if options.mode == "block":
        apps, skipped = store_ids.split(release.rejected, "ios")
        visible = compliant = [_list_item(a) for a in apps]
        list_type = "appsNotInListCompliant"
    else:
        entries, skipped = store_ids.split(release.entries, "ios")
        compliant = [_list_item(a) for a in entries]
        listed = {a.store_id for a in entries}
        # Like an allow-list profile, a visibility allow list hides every app not on it.
        base = [_base_item(b) for b in options.ios_base_apps if b not in listed]
        visible = sorted(compliant + base, key=lambda i: i["appId"])
        list_type = "appsInListCompliant"
    _check_size(release, "appsVisibilityList", visible)
    _check_size(release, "compliantAppsList", compliant)
    body = {
        "@odata.type": IOS_RESTRICTIONS,
        "appsVisibilityList": visible,
        "appsVisibilityListType": list_type,
        "compliantAppsList": compliant,
        "compliantAppListType": list_type,
    }
    return body, skipped


def bodies(release: Release, options: ExportOptions) -> IntuneBodies:
    target, skipped_target = target_apps_body(release)
    ios, skipped_ios = ios_configuration_body(release, options)
    seen: set[int] = set()
    skipped = []
    for s in skipped_target + skipped_ios:
        if s.app_id not in seen:
            seen.add(s.app_id)
            skipped.append(s)
    return IntuneBodies(target, ios, skipped)


@register
class IntuneExporter(Exporter):
    slug = "intune"
    media_type = "application/json"
    extension = "json"
    title = "Microsoft Graph (Intune) request bodies"

    def filename(self, release: Release, options: ExportOptions) -> str:
        suffix = "-block" if options.mode == "block" else ""
        return f"vetting-intune-{release.id}{suffix}.json"

    def export(self, release: Release, options: ExportOptions) -> bytes:
        b = bodies(release, options)
        doc = {
            "schema": SCHEMA,
            "release": release.metadata(),
            "mode": options.mode,
            "targetApps": b.target_apps,
            "iosGeneralDeviceConfiguration": b.ios_configuration,
            "skipped": [s.as_dict() for s in b.skipped],
            "requests": {
                "targetApps": "POST /deviceAppManagement/managedAppPolicies/{id}/targetApps",
                "iosGeneralDeviceConfiguration": (
                    "PATCH /deviceManagement/deviceConfigurations/{id}"
                ),
            },
        }
        return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
