"""Published releases and sync targets for the sync tests of the service, API, CLI and UI.

The list is built through the real API (vendor → BAA → approved apps) and published through
the release service, so a sync reads exactly what production stores."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.api.chain import approved_app, baa, vendor
from tests.configure import use, use_notify
from vetting import auth, db
from vetting.services import releases

SECRET = "hook-secret-for-tests"
ENV = {"HOOK_SECRET": SECRET}


def allow_local(app: Flask) -> None:
    """Let syncs reach the fake APIs on 127.0.0.1, and retry without waiting."""
    use_notify(app, allow_private_urls=True)
    use(app, sync_backoff_seconds=0, sync_retries=1)


def publish(app: Flask) -> int:
    with app.app_context():
        result = releases.publish(db.session(), auth.CLI_PRINCIPAL, allow_shrink=True)
        assert result.created, result.message
        return result.release.id  # type: ignore[return-value]


def first_release(client: FlaskClient, headers: dict[str, str], app: Flask) -> int:
    """Release 1: an iOS camera app and an Android notes app of Acme Health, both approved."""
    vid = vendor(client, headers, "Acme Health")
    baa(client, headers, vid, expiration_date="2027-05-31")
    approved_app(client, headers, vid, name="Acme Camera", store_id="com.acme.camera")
    approved_app(
        client, headers, vid, name="Acme Notes", store_id="com.acme.notes", platform="android"
    )
    return publish(app)


def second_release(client: FlaskClient, headers: dict[str, str], app: Flask) -> int:
    """Release 2: release 1 plus an Android chart app of another vendor."""
    vid = vendor(client, headers, "Chart Co")
    baa(client, headers, vid, expiration_date="2027-05-31")
    approved_app(
        client, headers, vid, name="Chart Pad", store_id="com.chart.pad", platform="android"
    )
    return publish(app)


def webhook_settings(url: str) -> dict[str, Any]:
    return {"url": url, "secret_env": "HOOK_SECRET"}


def android_settings(api_url: str) -> dict[str, Any]:
    return {
        "policy_name": "enterprises/LC01/policies/clinical",
        "access_token_env": "AMAPI_TOKEN",
        "base_url": api_url,
    }
