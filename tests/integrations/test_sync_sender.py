"""The sync sender: bounded retries with back-off on 429, 5xx and connection errors, an
immediate failure with the API's own message on any other 4xx, timeouts, the SSRF guard, and
records with every secret masked (real local server on 127.0.0.1)."""

from __future__ import annotations

import threading
import time

import pytest

from integrations.sync.base import Call, SyncError
from integrations.sync.sender import HttpSender
from tests.integrations.fake_apis import fake_api
from tests.notify_servers import free_port


def sender(**kw):
    waits: list[float] = []
    defaults = {"retries": 2, "backoff": 0.5, "allow_private": True, "sleep": waits.append}
    s = HttpSender(**{**defaults, **kw})
    return s, waits


def test_a_500_then_success_is_retried_with_back_off():
    with fake_api() as api:
        api.on("POST", "/x", (500, {"error": {"message": "busy"}}), (200, {"ok": True}))
        s, waits = sender()
        with s:
            resp = s.send(Call("thing", "POST", f"{api.url}/x", json={"a": 1}))
    assert resp.json() == {"ok": True}
    assert [r.json for r in api.requests] == [{"a": 1}, {"a": 1}]
    assert waits == [0.5]
    (record,) = s.records
    assert (record["status"], record["attempts"], record["error"]) == (200, 2, None)


def test_429_honours_retry_after_and_gives_up_after_the_bound():
    with fake_api() as api:
        api.on(
            "POST",
            "/x",
            (429, {"error": {"code": 429, "message": "slow down"}}, {"Retry-After": "3"}),
        )
        s, waits = sender(retries=2)
        with s, pytest.raises(SyncError) as err:
            s.send(Call("thing", "POST", f"{api.url}/x", json={}))
    assert len(api.requests) == 3
    assert waits == [3.0, 3.0]  # Retry-After beats the shorter back-off (0.5, 1.0)
    assert str(err.value) == (
        f"thing: POST {api.url}/x failed after 3 attempts: HTTP 429: 429: slow down"
    )
    assert s.records[0]["attempts"] == 3


def test_a_4xx_fails_at_once_with_the_apis_message():
    with fake_api() as api:
        api.on(
            "PATCH",
            "/cfg",
            (
                400,
                {
                    "error": {
                        "code": "BadRequest",
                        "message": "Property appsVisibilityList is invalid",
                    }
                },
            ),
        )
        s, waits = sender()
        with s, pytest.raises(SyncError, match="HTTP 400: BadRequest: Property appsVisibilityList"):
            s.send(Call("config", "PATCH", f"{api.url}/cfg", json={}))
    assert len(api.requests) == 1 and waits == []


def test_connection_errors_are_retried_then_reported():
    port = free_port()  # nothing listens there
    s, waits = sender(retries=1)
    with s, pytest.raises(SyncError, match="failed after 2 attempts: could not connect"):
        s.send(Call("thing", "POST", f"http://127.0.0.1:{port}/x", json={}))
    assert waits == [0.5]


def test_a_slow_api_times_out():
    release = threading.Event()
    with fake_api() as api:

        def slow(req):
            release.wait(2)
            return 200, {}

        api.on("GET", "/slow", slow)
        s, _ = sender(retries=0, timeout=0.2)
        started = time.monotonic()
        with s, pytest.raises(SyncError, match=r"timed out after 0\.2 s"):
            s.send(Call("read", "GET", f"{api.url}/slow"))
        release.set()
    assert time.monotonic() - started < 1.5


def test_internal_addresses_are_refused_without_a_request():
    s, _ = sender(allow_private=False)
    with (
        s,
        pytest.raises(SyncError, match=r"refused: host '127\.0\.0\.1' resolves to 127\.0\.0\.1"),
    ):
        s.send(Call("thing", "POST", "http://127.0.0.1:9/x", json={}))


def test_records_mask_secrets_and_the_bearer_token():
    with fake_api() as api:
        api.on("POST", "/token", (200, {"access_token": "t0k"}))
        api.on("POST", "/api", (204, b""))
        s, _ = sender()
        with s:
            s.send(
                Call(
                    "token",
                    "POST",
                    f"{api.url}/token",
                    form={"client_id": "c", "client_secret": "hunter2"},
                    secret_fields=frozenset({"client_secret"}),
                )
            )
            s.token = "t0k"
            s.send(Call("api", "POST", f"{api.url}/api", json={"x": 1}, bearer=True))
    assert api.requests[0].form == {"client_id": "c", "client_secret": "hunter2"}
    assert api.requests[1].headers["Authorization"] == "Bearer t0k"
    token, call = s.records
    assert token["body"] == {"client_id": "c", "client_secret": "***"}
    assert call["headers"] == {"Authorization": "Bearer ***"}
    assert "hunter2" not in repr(s.records) and "t0k" not in repr(s.records)


def test_a_large_body_is_recorded_by_size_and_hash():
    big = {"apps": [f"com.example.app{i:05d}" for i in range(20_000)]}
    record = Call("big", "POST", "http://x.example/", json=big).describe(body_limit=1024)
    assert record["body"]["bytes"] > 1024 and len(record["body"]["sha256"]) == 64
