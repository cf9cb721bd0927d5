"""A test HTTP server on 127.0.0.1 that the SSRF guard sees under a public-looking name: the
guard's resolver answers 127.0.0.1 for `name` only (every other name resolves as usual), so
tests exercise the real guarded fetch without the allow-private switch."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from integrations import http


class _Server(ThreadingHTTPServer):
    """A client hanging up early is expected (the fetcher stops reading a body it refuses):
    not printed. socketserver would print its traceback to whatever sys.stderr is then — in a
    CLI test, the output being captured, which corrupts it."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def served_as(
    monkeypatch: pytest.MonkeyPatch, name: str, handler: type[BaseHTTPRequestHandler]
) -> Iterator[int]:
    """Serve `handler` on a free loopback port reachable as `name`; yields the port."""
    server = _Server(("127.0.0.1", 0), handler)
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
