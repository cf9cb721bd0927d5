"""Webhook sync: the release JSON (exactly the `json` export) POSTed and HMAC-signed, checked
by a local receiver that verifies the signature the way a consumer would."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from integrations.exporters.json_list import document_json
from integrations.http import UnsafeURL, check_url
from integrations.sync.base import SyncError, SyncSettingsError, sync_target_kind
from integrations.sync.sender import HttpSender
from tests.core.release_builders import entry, release
from tests.integrations.fake_apis import fake_api

SECRET = "hook-secret"
FIRST = release((entry(1, "Acme Camera", store_id="com.acme.camera"),), release_id=4)
SECOND = release(
    (
        entry(1, "Acme Camera", store_id="com.acme.camera"),
        entry(2, "Chart Pad", store_id="com.chart.pad"),
    ),
    release_id=5,
)
Webhook = sync_target_kind("webhook")


def target(url, env=None):
    settings = Webhook.clean_settings({"url": url, "secret_env": "HOOK_SECRET"})
    return Webhook(settings, env if env is not None else {"HOOK_SECRET": SECRET})


def sync(t, previous, rel):
    s = HttpSender(retries=2, backoff=0, allow_private=True, sleep=lambda _: None)
    with s:
        plan = t.sync(s, previous, rel)
    return plan, s.records


def test_the_release_json_is_posted_and_signed():
    with fake_api() as api:
        api.on("POST", "/hooks/mdm", (202, {"accepted": True}))
        plan, records = sync(target(f"{api.url}/hooks/mdm"), FIRST, SECOND)
    (req,) = api.requests
    assert req.body == document_json(SECOND)  # byte for byte the json export
    expected = "sha256=" + hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(req.headers["X-Vetting-Signature"], expected)
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["X-Vetting-Release"] == "5"
    assert req.headers["X-Vetting-Delivery"] == f"release-5-{SECOND.sha256[:16]}"
    doc = json.loads(req.body)
    assert doc["schema"] == "vetting.allowlist/v1" and doc["release"]["id"] == 5
    assert plan.changes[0] == "release 5 since release 4 (the last synced here): 1 added"
    assert plan.changes[1] == (
        "+ Chart Pad (ios com.chart.pad): added: approved 2026-10-02 by pat@example.org; "
        "BAA with Acme Health in force"
    )
    assert records[0]["status"] == 202 and records[0]["body"]["release"]["id"] == 5


def test_a_receiver_error_is_retried_then_reported():
    with fake_api() as api:
        api.on("POST", "/hook", (503, b"down for maintenance"))
        with pytest.raises(
            SyncError, match="failed after 3 attempts: HTTP 503: down for maintenance"
        ):
            sync(target(f"{api.url}/hook"), None, FIRST)
    assert len(api.requests) == 3


def test_a_webhook_url_to_an_internal_address_is_refused_at_creation():
    def guard(url):
        check_url(url, allow_private=False)

    with pytest.raises(SyncSettingsError) as err:
        Webhook.clean_settings({"url": "http://169.254.169.254/latest", "secret_env": "S"}, guard)
    assert err.value.field == "settings.url" and "link-local" in str(err.value)
    assert issubclass(UnsafeURL, ValueError)


def test_dry_run_does_not_sign_with_the_secret():
    t = Webhook(
        {"url": "https://hooks.example.org/x", "secret_env": "HOOK_SECRET"}, {}, dry_run=True
    )
    (call,) = t.preview(None, FIRST).calls
    assert call.describe()["headers"]["X-Vetting-Signature"] == "sha256=***"
