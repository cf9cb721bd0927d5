"""Local fakes of the APIs a sync talks to: one small http.server on 127.0.0.1 per test that
records every request and answers from scripted routes. The token endpoints check what the
real ones check (client credentials; a JWT-bearer assertion signed by the service account's
key, verified with its public key), so a wrong secret or a bad signature fails as it would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCESS_TOKEN = "fake-access-token-123"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("Authorization", "")
        return value.removeprefix("Bearer ") if value.startswith("Bearer ") else None


Reply = tuple[int, Any] | tuple[int, Any, dict[str, str]]
Handler = Callable[[Request], Reply]


@dataclass
class FakeAPI:
    """Routes: (method, path) → a list of replies used in turn (the last one repeats), or a
    function of the request. Unrouted requests get 404."""

    url: str = ""
    requests: list[Request] = field(default_factory=list)
    routes: dict[tuple[str, str], list[Reply] | Handler] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, method: str, path: str, *replies: Reply | Handler) -> FakeAPI:
        if len(replies) == 1 and callable(replies[0]):
            self.routes[(method, path)] = replies[0]  # type: ignore[assignment]
        else:
            self.routes[(method, path)] = list(replies)  # type: ignore[arg-type]
        return self

    def reply(self, req: Request) -> Reply:
        route = self.routes.get((req.method, req.path))
        if route is None:
            return 404, {"error": {"code": 404, "message": f"no route {req.method} {req.path}"}}
        if callable(route):
            return route(req)
        return route.pop(0) if len(route) > 1 else route[0]

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]


@contextmanager
def fake_api() -> Iterator[FakeAPI]:
    api = FakeAPI()

    class H(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            req = Request(
                self.command, urlsplit(self.path).path, dict(self.headers), self.rfile.read(length)
            )
            with api.lock:
                api.requests.append(req)
                reply = api.reply(req)
            status, body, *extra = reply
            headers = extra[0] if extra else {}
            if callable(body):
                body = body()
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _handle

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


# --- token endpoints ------------------------------------------------------------------------


def microsoft_token(client_id: str, client_secret: str) -> Handler:
    """Microsoft identity platform's client-credentials grant."""

    def handle(req: Request) -> Reply:
        form = req.form
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003"}
        if form.get("client_id") != client_id or form.get("client_secret") != client_secret:
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
            }
        return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": ACCESS_TOKEN}

    return handle


@cache
def service_account_key() -> tuple[dict[str, str], bytes]:
    """A service account key as Google issues it (fresh RSA key) and its public key (PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    info = {
        "type": "service_account",
        "project_id": "vetting-test",
        "private_key_id": "k1",
        "private_key": private,
        "client_email": "mdm-sync@vetting-test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return info, public


def google_token(audience: str, public_pem: bytes) -> Handler:
    """Google's OAuth 2 token endpoint for a JWT-bearer grant: the assertion must be signed
    by the service account's key, for this audience and the androidmanagement scope."""
    from google.auth import jwt

    def handle(req: Request) -> Reply:
        form = req.form
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = jwt.decode(form.get("assertion", ""), certs=public_pem, audience=audience)
        except ValueError as exc:
            return 400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {exc}"}
        if claims.get("scope") != "https://www.googleapis.com/auth/androidmanagement":
            return 400, {"error": "invalid_scope"}
        return 200, {"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}

    return handle


def bearer_only(reply: Reply) -> Handler:
    """An API route that answers `reply` only with the token the fake token endpoint issued."""

    def handle(req: Request) -> Reply:
        if req.bearer != ACCESS_TOKEN:
            return 401, {"error": {"code": 401, "message": "Request had invalid credentials."}}
        return reply

    return handle
