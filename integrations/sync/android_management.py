"""Android Management API: per-app changes to one policy, never a whole-policy replace.

Authentication: a service account's key (the JSON Google issues, held in an environment
variable as the JSON text or as a path to the file) signs a JWT-bearer assertion that the
token endpoint exchanges for an access token (RFC 7523; scope
`https://www.googleapis.com/auth/androidmanagement`). google-auth signs the assertion; the
exchange itself goes through our guarded client like every other call. Or `access_token_env`
names a variable holding a bearer token issued elsewhere (e.g. `gcloud auth
print-access-token` with workload identity).

The changes are the difference between the release last synced to THIS target and the one
being synced (on the first sync, everything in the release):

- `POST {base}/v1/{policy_name}:modifyPolicyApplications` with `changes[]` of
  `{application: {packageName, installType}, updateMask: "installType"}` (AVAILABLE for
  approved apps; BLOCKED for rejected ones in block mode). The mask leaves everything else an
  administrator set on an existing entry (managed configuration, tracks…) untouched.
- `POST {base}/v1/{policy_name}:removePolicyApplications` with `packageNames[]` of the apps
  that left the list.

Before changing anything a live sync GETs the policy: an app the policy installs by itself
(FORCE_INSTALLED, REQUIRED_FOR_SETUP, KIOSK, PREINSTALLED, CUSTOM — the EHR client, say) is
never lowered to AVAILABLE, and removing or blocking one is refused, naming the apps, unless
the run is forced. A dry run makes no call, so it cannot make that check: it says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from integrations.exporters import android
from integrations.registry import register
from integrations.sync.base import (
    Call,
    CallSender,
    Setting,
    SyncError,
    SyncPlan,
    SyncSettingsError,
    SyncTarget,
)
from vetting.core.releases import Release

BASE = "https://androidmanagement.googleapis.com"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/androidmanagement"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Install types that put an app on the device by themselves: an administrator chose them, so a
# list sync never lowers them, and removing or blocking such an app needs --force.
PROTECTED = frozenset({"FORCE_INSTALLED", "REQUIRED_FOR_SETUP", "KIOSK", "PREINSTALLED", "CUSTOM"})
POLICY_NAME_HELP = "the policy's resource name, enterprises/{enterpriseId}/policies/{policyId}"


def desired(release: Release | None, options: Any) -> dict[str, str]:
    """{package name: installType} the release puts in the policy (the exporter's items)."""
    if release is None:
        return {}
    items, _ = android.application_policies(release, options)
    return {i["packageName"]: i["installType"] for i in items}


@register
class AndroidManagementTarget(SyncTarget):
    slug = "android-management"
    title = "Android Management API"
    settings_spec = (
        Setting("policy_name", POLICY_NAME_HELP, required=True),
        Setting(
            "service_account_key_env",
            "the environment variable holding the service account key (its JSON, or a path "
            "to the JSON file)",
            kind="env",
        ),
        Setting(
            "access_token_env",
            "instead of a key: the environment variable holding a bearer token issued elsewhere",
            kind="env",
        ),
        Setting(
            "mode",
            "allow (approved apps AVAILABLE) or block (rejected apps BLOCKED too)",
            default="allow",
            kind="choice",
            choices=("allow", "block"),
        ),
        Setting(
            "token_url", "the OAuth 2 token endpoint (default: the key's token_uri)", kind="url"
        ),
        Setting("base_url", "the API endpoint", default=BASE, kind="url"),
    )

    @classmethod
    def check_combination(cls, settings: Mapping[str, str]) -> None:
        parts = settings.get("policy_name", "").split("/")
        if len(parts) != 4 or parts[0] != "enterprises" or parts[2] != "policies" or not all(parts):
            raise SyncSettingsError(f"must be {POLICY_NAME_HELP}", "settings.policy_name")
        given = [k for k in ("service_account_key_env", "access_token_env") if settings.get(k)]
        if len(given) != 1:
            raise SyncSettingsError(
                "set exactly one of service_account_key_env (a service account key) or "
                "access_token_env (a bearer token issued elsewhere)",
                "settings.service_account_key_env",
            )

    # --- authentication ---------------------------------------------------------------------

    def _key(self) -> dict[str, Any]:
        raw = self.secret("service_account_key_env").strip()
        where = f"environment variable {self.settings['service_account_key_env']}"
        if not raw.startswith("{"):
            try:
                with open(raw, encoding="utf-8") as f:
                    raw = f.read()
            except OSError as exc:
                raise SyncError(f"{where} names a key file that cannot be read: {exc}") from None
        try:
            key = json.loads(raw)
        except ValueError:
            raise SyncError(f"{where} does not hold a service account key (JSON)") from None
        missing = [k for k in ("client_email", "private_key") if not key.get(k)]
        if not isinstance(key, dict) or missing:
            raise SyncError(f"{where}: the service account key lacks {', '.join(missing)}")
        return key

    def _assertion(self, key: dict[str, Any], audience: str) -> str:
        """The signed JWT the token endpoint exchanges (RFC 7523 section 2.1). Its times are the
        wall clock's: Google checks them against real time, not the service's business date."""
        from google.auth import crypt, jwt

        try:
            signer = crypt.RSASigner.from_service_account_info(key)
        except (ValueError, TypeError) as exc:
            raise SyncError(f"the service account's private key cannot sign: {exc}") from None
        now = int(time.time())
        payload = {
            "iss": key["client_email"],
            "scope": SCOPE,
            "aud": audience,
            "iat": now,
            "exp": now + 3600,
        }
        return jwt.encode(signer, payload).decode("ascii")

    def token_call(self) -> Call | None:
        if self.settings.get("access_token_env"):
            return None
        if self.dry_run:
            url = self.setting("token_url") or GOOGLE_TOKEN_URL
            assertion = "***"
        else:
            key = self._key()
            url = self.setting("token_url") or key.get("token_uri") or GOOGLE_TOKEN_URL
            assertion = self._assertion(key, url)
        return Call(
            "token",
            "POST",
            url,
            form={"grant_type": JWT_BEARER, "assertion": assertion},
            secret_fields=frozenset({"assertion"}),
        )

    def _policy_url(self, suffix: str = "") -> str:
        return f"{self.setting('base_url')}/v1/{self.settings['policy_name']}{suffix}"

    def state_call(self) -> Call:
        return Call("read policy", "GET", self._policy_url(), bearer=True)

    def sync(
        self,
        sender: CallSender,
        previous: Release | None,
        release: Release,
        *,
        force: bool = False,
    ) -> SyncPlan:
        """With `access_token_env` the bearer token comes from the environment, not a grant."""
        if self.settings.get("access_token_env"):
            sender.token = self.secret("access_token_env")
        return super().sync(sender, previous, release, force=force)

    def preview(
        self, previous: Release | None, release: Release, *, force: bool = False
    ) -> SyncPlan:
        plan = super().preview(previous, release, force=force)
        if self.settings.get("access_token_env") and plan.calls:
            plan.notes.insert(0, f"bearer token from ${self.settings['access_token_env']}")
        return plan

    # --- the plan ---------------------------------------------------------------------------

    def plan(
        self,
        previous: Release | None,
        release: Release,
        state: Any | None,
        *,
        force: bool = False,
    ) -> SyncPlan:
        options = replace(self.export, mode=self.setting("mode"))
        now, before = desired(release, options), desired(previous, options)
        change = {p: t for p, t in now.items() if before.get(p) != t}
        remove = sorted(p for p in before if p not in now)
        notes: list[str] = []
        if previous is None:
            notes.append(f"first sync to this target: every app of release {release.id} is set")
        else:
            notes.append(f"changes since release {previous.id}, the last synced to this target")
        if state is None:
            if change or remove:
                notes.append(
                    "dry run: the live policy is not read, so apps it installs by itself "
                    "(FORCE_INSTALLED …) are checked only when the sync runs"
                )
        else:
            live = {
                a.get("packageName"): a.get("installType") or "AVAILABLE"
                for a in state.get("applications") or []
                if isinstance(a, dict)
            }
            refused = []
            for pkg in sorted(change):
                kept = live.get(pkg)
                if kept in PROTECTED:
                    if change[pkg] == "AVAILABLE":
                        notes.append(f"kept {pkg} {kept}: the policy installs it already")
                        del change[pkg]
                    elif not force:
                        refused.append(f"{pkg} ({kept}, would become {change[pkg]})")
            for pkg in list(remove):
                kept = live.get(pkg)
                if kept is None:
                    notes.append(f"{pkg} is no longer in the policy: nothing to remove")
                    remove.remove(pkg)
                elif kept in PROTECTED and not force:
                    refused.append(f"{pkg} ({kept}, would be removed)")
            if refused:
                raise SyncError(
                    f"refusing to change apps the policy {self.settings['policy_name']} "
                    f"installs by itself: {', '.join(refused)}. Removing or blocking them "
                    "uninstalls them from every device; sync with --force (force: true) to "
                    "do it anyway"
                )
            if force:
                forced = [p for p in remove if live.get(p) in PROTECTED]
                forced += [
                    p for p, t in change.items() if t == "BLOCKED" and live.get(p) in PROTECTED
                ]
                if forced:
                    notes.append(f"forced: {', '.join(sorted(forced))} will be uninstalled")
        calls = []
        if change:
            calls.append(
                Call(
                    "modifyPolicyApplications",
                    "POST",
                    self._policy_url(":modifyPolicyApplications"),
                    json={
                        "changes": [
                            {
                                "application": {"packageName": p, "installType": t},
                                "updateMask": "installType",
                            }
                            for p, t in sorted(change.items())
                        ]
                    },
                    bearer=True,
                )
            )
        if remove:
            calls.append(
                Call(
                    "removePolicyApplications",
                    "POST",
                    self._policy_url(":removePolicyApplications"),
                    json={"packageNames": remove},
                    bearer=True,
                )
            )
        changes = [f"{'~' if p in before else '+'} {p} {t}" for p, t in sorted(change.items())]
        changes += [f"- {p}" for p in remove]
        if not calls:
            notes.append("nothing to change")
        return SyncPlan(calls, changes, notes)
