"""A signed webhook: POST the release as our own JSON (exactly the `json` export,
`schema: "vetting.allowlist/v1"`, with its diff) to any URL, signed like the notification
webhook: `X-Vetting-Signature: sha256=<hex HMAC-SHA256 of the exact body>` with the secret
from the environment variable `secret_env` names. `X-Vetting-Delivery` is stable for a
(target, release) pair, so a receiver can drop a retried or repeated push."""

from __future__ import annotations

from typing import Any

from integrations.exporters.json_list import document_json
from integrations.notifiers.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from integrations.registry import register
from integrations.sync.base import Call, Setting, SyncPlan, SyncTarget
from vetting.core.allowlist import diff_lists
from vetting.core.releases import Release, list_from_content

RELEASE_HEADER = "X-Vetting-Release"


@register
class WebhookTarget(SyncTarget):
    slug = "webhook"
    title = "Signed webhook (release JSON)"
    settings_spec = (
        Setting("url", "the URL that receives the release (POST)", required=True, kind="url"),
        Setting(
            "secret_env",
            "the environment variable holding the HMAC signing secret",
            required=True,
            kind="env",
        ),
    )

    def plan(
        self,
        previous: Release | None,
        release: Release,
        state: Any | None,
        *,
        force: bool = False,
    ) -> SyncPlan:
        body = document_json(release)
        secret = self.secret("secret_env")
        signature = sign(secret.encode(), body) if not self.dry_run else "sha256=***"
        since = (
            f"since release {previous.id} (the last synced here)"
            if previous is not None
            else "(the first push to this target)"
        )
        call = Call(
            "release",
            "POST",
            self.settings["url"],
            content=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: signature,
                DELIVERY_HEADER: f"release-{release.id}-{release.sha256[:16]}",
                RELEASE_HEADER: str(release.id),
            },
        )
        before = list_from_content(previous.content, previous.as_of) if previous else None
        diff = diff_lists(before, list_from_content(release.content, release.as_of))
        changes = [f"release {release.id} {since}: {diff.summary}"]
        signs = {"added": "+", "removed": "-", "changed": "~", "blocked": "x", "unblocked": "o"}
        for kind, mark in signs.items():
            changes += [
                f"{mark} {c.name} ({c.platform} {c.store_id or '-'}): {c.reason}"
                for c in getattr(diff, kind)
            ]
        return SyncPlan([call], changes, [f"{len(body):,} bytes of vetting.allowlist/v1 JSON"])
