"""Android Management API `Policy` fragment: `applications[]` and `playStoreMode`.

Allow mode: approved apps `AVAILABLE`, `playStoreMode` `WHITELIST` (only the listed apps can
be installed, and the API uninstalls any app left out, so merge these entries into the full
policy: keep force-installed apps such as the EHR client). Block mode: `BLACKLIST`, rejected
apps `BLOCKED` (approved apps stay `AVAILABLE`). The API has no other Play Store modes and
accepts at most 3,000 applications (androidmanagement.v1 discovery document, Policy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from integrations.exporters import store_ids
from integrations.exporters.base import Exporter, ExportError, ExportOptions, Skipped
from integrations.registry import register
from vetting.core.releases import Release

MAX_APPLICATIONS = 3000
SCHEMA = "vetting.android-policy/v1"


@dataclass(frozen=True)
class AndroidPolicy:
    """The Policy fragment and the Android apps it could not carry."""

    policy: dict[str, Any]
    skipped: list[Skipped]


def application_policies(
    release: Release, options: ExportOptions
) -> tuple[list[dict[str, str]], list[Skipped]]:
    """`ApplicationPolicy` items: approved apps AVAILABLE, plus rejected BLOCKED in block mode."""
    approved, skipped = store_ids.split(release.entries, "android")
    items = [{"packageName": a.store_id or "", "installType": "AVAILABLE"} for a in approved]
    if options.mode == "block":
        rejected, skipped_rejected = store_ids.split(release.rejected, "android")
        items += [{"packageName": a.store_id or "", "installType": "BLOCKED"} for a in rejected]
        skipped += skipped_rejected
    items.sort(key=lambda i: i["packageName"])
    if len(items) > MAX_APPLICATIONS:
        raise ExportError(
            f"release {release.id} has {len(items)} Android applications; an Android "
            f"Management API policy holds at most {MAX_APPLICATIONS:,}"
        )
    return items, skipped


def policy_fragment(release: Release, options: ExportOptions) -> AndroidPolicy:
    """The fields of a `Policy` this list decides (for policies.patch with an update mask of
    `applications,playStoreMode`, or per-app changes by a sync target)."""
    items, skipped = application_policies(release, options)
    mode = "BLACKLIST" if options.mode == "block" else "WHITELIST"
    return AndroidPolicy({"playStoreMode": mode, "applications": items}, skipped)


@register
class AndroidPolicyExporter(Exporter):
    slug = "android-policy"
    media_type = "application/json"
    extension = "json"
    title = "Android Management API policy fragment"

    def filename(self, release: Release, options: ExportOptions) -> str:
        suffix = "-block" if options.mode == "block" else ""
        return f"vetting-android-policy-{release.id}{suffix}.json"

    def export(self, release: Release, options: ExportOptions) -> bytes:
        fragment = policy_fragment(release, options)
        note = (
            "BLACKLIST: every app is available except those BLOCKED here."
            if options.mode == "block"
            else "WHITELIST uninstalls every app not in the policy's applications: merge these "
            "entries into the full policy and keep its force-installed apps."
        )
        doc = {
            "schema": SCHEMA,
            "release": release.metadata(),
            "mode": options.mode,
            "policy": fragment.policy,
            "skipped": [s.as_dict() for s in fragment.skipped],
            "note": note,
        }
        return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
