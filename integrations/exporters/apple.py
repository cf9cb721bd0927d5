"""Apple configuration profile (.mobileconfig) with one Restrictions payload.

Allow mode writes `allowListedAppBundleIDs` (approved iOS apps plus a base set of system apps,
because an allow list hides every app not on it); block mode writes `blockedAppBundleIDs`
(apps assessed and rejected). Both keys replaced the deprecated whitelisted/blacklisted ones
and take effect only on supervised devices with iOS 15 or later (apple/device-management,
mdm/profiles/com.apple.applicationaccess.yaml). The same profile serves Jamf, Kandji,
Workspace ONE and Intune custom profiles.
"""

from __future__ import annotations

import plistlib
import uuid
from dataclasses import dataclass
from typing import Any

from integrations.exporters import store_ids
from integrations.exporters.base import Exporter, ExportOptions, Skipped
from integrations.registry import register
from vetting.core.cells import printable_all
from vetting.core.releases import Release

# Apps an allow-list profile keeps visible unless VETTING_IOS_BASE_APPS says otherwise:
# Settings, Phone, Contacts, Clock, Calculator, Find My and the App Store (managed apps
# update through it). Messages, Mail, Photos and Safari are left out on purpose: consumer
# messaging and the photo gallery are where PHI leaks.
DEFAULT_IOS_BASE_APPS: tuple[str, ...] = (
    "com.apple.Preferences",
    "com.apple.mobilephone",
    "com.apple.MobileAddressBook",
    "com.apple.mobiletimer",
    "com.apple.calculator",
    "com.apple.findmy",
    "com.apple.AppStore",
)

RESTRICTIONS = "com.apple.applicationaccess"
# Fixed namespace: the same release and mode always give the same PayloadUUIDs.
_NAMESPACE = uuid.UUID("6f1c7f52-3f0b-5b7e-9a55-4f5d2f4b8c11")
SUPERVISION_NOTE = (
    "allowListedAppBundleIDs and blockedAppBundleIDs take effect only on supervised devices "
    "running iOS 15 or later."
)


@dataclass(frozen=True)
class AppleProfile:
    """The profile as a dict (what plistlib writes) and the apps it could not carry."""

    profile: dict[str, Any]
    bundle_ids: list[str]
    skipped: list[Skipped]


def restriction_bundle_ids(
    release: Release, options: ExportOptions
) -> tuple[list[str], list[Skipped]]:
    """The bundle IDs the Restrictions payload lists, and the iOS apps skipped."""
    if options.mode == "block":
        apps, skipped = store_ids.split(release.rejected, "ios")
        return sorted({a.store_id for a in apps if a.store_id}), skipped
    entries, skipped = store_ids.split(release.entries, "ios")
    ids = {a.store_id for a in entries if a.store_id} | set(options.ios_base_apps)
    return sorted(ids), skipped


def profile_identifier(options: ExportOptions) -> str:
    """Stable across releases, so each new profile replaces the last on the device."""
    kind = "blocklist" if options.mode == "block" else "allowlist"
    return f"{options.profile_identifier}.{kind}"


def build_profile(release: Release, options: ExportOptions) -> AppleProfile:
    """The configuration profile for a release (PayloadUUIDs change only with its content)."""
    bundle_ids, skipped = restriction_bundle_ids(release, options)
    identifier = profile_identifier(options)
    seed = f"{release.sha256}:{options.mode}:{','.join(options.ios_base_apps)}"
    key = "blockedAppBundleIDs" if options.mode == "block" else "allowListedAppBundleIDs"
    what = "rejected apps blocked" if options.mode == "block" else "approved apps allowed"
    restrictions = {
        "PayloadType": RESTRICTIONS,
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{identifier}.applicationaccess",
        "PayloadUUID": str(uuid.uuid5(_NAMESPACE, seed + ":applicationaccess")).upper(),
        "PayloadDisplayName": "App restrictions",
        "PayloadDescription": f"{len(bundle_ids)} {what}. {SUPERVISION_NOTE}",
        key: bundle_ids,
    }
    lines = [
        f"Apps vetted for PHI: release {release.id} of {release.as_of.isoformat()} "
        f"(sha256 {release.sha256[:12]}), {options.mode} mode.",
        SUPERVISION_NOTE,
    ]
    if skipped:
        lines.append(f"Skipped {len(skipped)} iOS app(s) that cannot be listed:")
        lines += [f"- {s.name} (app {s.app_id}): {s.reason}" for s in skipped]
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": identifier,
        "PayloadUUID": str(uuid.uuid5(_NAMESPACE, seed)).upper(),
        "PayloadDisplayName": (
            "Blocked apps (Vetting)" if options.mode == "block" else "Approved apps (Vetting)"
        ),
        "PayloadDescription": "\n".join(lines),
        "PayloadOrganization": options.organization,
        "PayloadContent": [restrictions],
    }
    return AppleProfile(profile, bundle_ids, skipped)


@register
class MobileconfigExporter(Exporter):
    slug = "mobileconfig"
    media_type = "application/x-apple-aspen-config"
    extension = "mobileconfig"
    title = "Apple configuration profile (Restrictions payload)"

    def export(self, release: Release, options: ExportOptions) -> bytes:
        # A name with a control character (stored before they were refused) must not make
        # every device's profile unreadable: XML cannot carry one.
        profile = printable_all(build_profile(release, options).profile)
        return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)
