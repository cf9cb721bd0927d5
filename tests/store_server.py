"""A local stand-in for the app stores on 127.0.0.1, answering in the shapes the real ones use
(an iTunes lookup JSON document; Google Play pages whose data sit in AF_initDataCallback
blocks at the positions integrations/stores/google_play.py reads). Every fixture here is
written by these tests. The host name `stores.test` resolves to the server and passes the
SSRF guard as a public host would; 127.0.0.1 named directly stays internal.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.stores.base import StoreOptions
from tests.loopback import served_as

PUBLIC = "stores.test"


def put(root: list[Any], path: Sequence[int], value: Any) -> list[Any]:
    """Set `value` at `path` in nested lists, padding with None (how Play's arrays look)."""
    node = root
    for i, step in enumerate(path):
        while len(node) <= step:
            node.append(None)
        if i == len(path) - 1:
            node[step] = value
        else:
            if not isinstance(node[step], list):
                node[step] = []
            node = node[step]
    return root


def itunes_result(
    bundle_id: str,
    name: str = "Acme Camera",
    seller: str = "Acme Health, L.L.C.",
    artist: str = "Acme Health",
    **extra: Any,
) -> dict[str, Any]:
    result = {
        "wrapperType": "software",
        "kind": "software",
        "trackId": 640000001,
        "bundleId": bundle_id,
        "trackName": name,
        "sellerName": seller,
        "artistName": artist,
        "artistId": 640000000,
        "sellerUrl": "https://acme.example/",
        "trackViewUrl": f"https://apps.apple.example/us/app/id640000001?bundle={bundle_id}",
        "version": "4.2.1",
        "currentVersionReleaseDate": "2026-10-02T07:00:00Z",
        "minimumOsVersion": "16.0",
        "averageUserRating": 4.5,
        "fileSizeBytes": "81234567",
    }
    result.update(extra)
    return result


def callback(key: str, data: Any) -> str:
    return (
        f"<script nonce=\"n0\">AF_initDataCallback({{key: '{key}', hash: '3', data:"
        f"{json.dumps(data)}, sideChannel: {{}}}});</script>"
    )


def page(*blocks: str) -> bytes:
    return (
        "<!doctype html><html><head>" + "".join(blocks) + "</head><body></body></html>"
    ).encode()


def play_listing(
    title: str = "Acme Messenger: Care Team Chat",
    developer: str = "Acme Health LLC",
    version: str = "Varies with device",
    updated: int = 1_790_000_000,
) -> bytes:
    data: list[Any] = []
    put(data, (1, 2, 0, 0), title)
    put(data, (1, 2, 68, 0), developer)
    put(data, (1, 2, 69, 1, 0), "support@acme.example")
    put(data, (1, 2, 69, 0, 5, 2), "https://acme.example")
    put(data, (1, 2, 99, 0, 5, 2), "https://acme.example/privacy")
    put(data, (1, 2, 145, 0, 1, 0), updated)
    put(data, (1, 2, 140, 0, 0, 0), version)
    other: list[Any] = []
    put(other, (0, 0), "something else entirely")
    return page(callback("ds:4", other), callback("ds:5", data))


def category(name: str, *items: str) -> list[Any]:
    return [[None, name], None, None, None, [[item, False, "App functionality"] for item in items]]


def play_data_safety(
    practices: Sequence[tuple[str, str]] | None = (
        ("Data is encrypted in transit", "Your data is sent over a secure connection"),
        ("You can request that data be deleted", "The developer provides a way to ask"),
    ),
    shared: list[Any] | None = None,
    collected: list[Any] | None = None,
    words: Sequence[str] = (),
) -> bytes:
    data: list[Any] = []
    if shared is not None:
        put(data, (1, 2, 1, 138, 4, 0, 0), shared)
    if collected is not None:
        put(data, (1, 2, 1, 138, 4, 1, 0), collected)
    if practices is not None:
        put(
            data,
            (1, 2, 1, 138, 9, 2),
            [[None, label, [None, detail]] for label, detail in practices],
        )
    put(data, (1, 2, 1, 100, 0, 5, 2), "https://acme.example/privacy")
    for i, word in enumerate(words):  # labels the page shows elsewhere in its data
        put(data, (1, 2, 1, 150 + i, 0), word)
    return page(callback("ds:3", data))


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    delay: float = 0.0


@dataclass
class StoreServer:
    """Scripted replies by (path, id), and the requests seen."""

    port: int = 0
    itunes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    routes: dict[tuple[str, str], Reply] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def base(self, host: str = PUBLIC) -> str:
        return f"http://{host}:{self.port}"

    def options(self, **changes: Any) -> StoreOptions:
        values: dict[str, Any] = {
            "apple_lookup_url": f"{self.base()}/lookup",
            "play_url": f"{self.base()}/store/apps",
            "timeout_seconds": 5.0,
        }
        values.update(changes)
        return StoreOptions(**values)

    def settings(self) -> dict[str, Any]:
        """Top-level settings pointing an app at this server."""
        return {
            "apple_lookup_url": f"{self.base()}/lookup",
            "play_store_url": f"{self.base()}/store/apps",
        }

    def android(self, package: str, listing: bytes, safety: bytes) -> None:
        self.routes[("/store/apps/details", package)] = Reply(body=listing)
        self.routes[("/store/apps/datasafety", package)] = Reply(body=safety)

    def sha(self, path: str, ident: str) -> str:
        return hashlib.sha256(self.routes[(path, ident)].body).hexdigest()


@pytest.fixture
def stores(monkeypatch: pytest.MonkeyPatch) -> Iterator[StoreServer]:
    server_state = StoreServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            server_state.seen.append(self.path)
            if parts.path == "/lookup" and ("/lookup", query.get("bundleId", "")) not in (
                server_state.routes
            ):
                results = server_state.itunes.get(query.get("bundleId", ""), [])
                body = json.dumps({"resultCount": len(results), "results": results}).encode()
                reply = Reply(body=body, content_type="text/javascript; charset=utf-8")
            else:
                ident = query.get("id") or query.get("bundleId") or ""
                reply = server_state.routes.get(
                    (parts.path, ident), Reply(404, b"<html>Not found</html>")
                )
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                if reply.location:
                    self.send_header("Location", reply.location)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                return

        def log_message(self, *args: Any) -> None:
            return None

    with served_as(monkeypatch, PUBLIC, Handler) as port:
        server_state.port = port
        yield server_state
