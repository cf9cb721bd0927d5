"""A test HTTP server on 127.0.0.1 that the SSRF guard sees under a public-looking name: the
guard's resolver answers 127.0.0.1 for `name` only (every other name resolves as usual), so
tests exercise the real guarded fetch without the allow-private switch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations import http


@contextmanager
def served_as(
    monkeypatch: pytest.MonkeyPatch, name: str, handler: type[BaseHTTPRequestHandler]
) -> Iterator[int]:
    """Serve `handler` on a free loopback port reachable as `name`; yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    real = http.resolve

    def resolve(host: str, port: int, allow_private: bool) -> list[str]:
        return ["127.0.0.1"] if host == name else real(host, port, allow_private)

    monkeypatch.setattr(http, "resolve", resolve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
