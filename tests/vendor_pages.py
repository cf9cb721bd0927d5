"""A vendor's web site on 127.0.0.1 for page-watch tests: pages the test sets (status, type,
body), served by a real HTTP server. The host `pages.test` stands for a public site (resolved
to the server), while 127.0.0.1 named directly stays internal to the SSRF guard. The pages'
words are written for these tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.loopback import served_as

PUBLIC = "pages.test"

TRUST_PAGE = """<!doctype html>
<html><head><title>Lumen trust</title><script>var consent = "we sign a BAA";</script></head>
<body>
<nav><a href="/">Home</a> <a href="/baa">We sign a BAA</a></nav>
<div class="cookie-banner">We use cookies. We sign a BAA with cookies.</div>
<main>
<h1>Security at Lumen</h1>
<p>We sign a business associate agreement with every clinic that uses Lumen.</p>
<p>Photos are encrypted at rest with AES-256 on the phone and on our servers.</p>
<p>WhatsApp offers end-to-end encryption but no BAA.</p>
<h2>Does the vendor sign a BAA?</h2>
<p>End-to-end encryption and audit logs are what HIPAA asks of every app.</p>
<table><tr><th>Subprocessor</th><th>Use</th></tr>
<tr><td>Northwind Cloud</td><td>Hosting, encrypted at rest, signs a BAA</td></tr></table>
</main>
<footer>We sign a BAA. Copyright Lumen.</footer>
</body></html>
"""

DENIAL_PAGE = TRUST_PAGE.replace(
    "We sign a business associate agreement with every clinic that uses Lumen.",
    "We do not sign a business associate agreement with any clinic.",
)


@dataclass
class Site:
    port: int = 0
    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def url(self, path: str, host: str = PUBLIC) -> str:
        return f"http://{host}:{self.port}{path}"

    def html(self, path: str, body: str, status: int = 200) -> str:
        self.pages[path] = (status, {"Content-Type": "text/html; charset=utf-8"}, body.encode())
        return self.url(path)

    def put(self, path: str, body: bytes, status: int = 200, **headers: str) -> str:
        self.pages[path] = (status, {k.replace("_", "-"): v for k, v in headers.items()}, body)
        return self.url(path)


def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """The site, for a test module's `site` fixture: `yield from serve(monkeypatch)`."""
    got = Site()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            got.asked.append(self.path)
            if self.path == "/slow":
                time.sleep(1.5)
            status, headers, body = got.pages.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                return

        def log_message(self, *args: Any) -> None:
            return None

    with served_as(monkeypatch, PUBLIC, Handler) as port:
        got.port = port
        yield got
