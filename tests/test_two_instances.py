"""Several instances behind a load balancer (issue 12, item 4): two gunicorn processes on one
PostgreSQL database and one S3 bucket (moto's server), behind a tiny round-robin proxy on
127.0.0.1 that alternates every request between them. Shown: a session started on one is
valid on the other, sign-out on one ends it on both, the daily job sweeps the day once across
both schedulers, and a document uploaded through one downloads from the other.

Runs on PostgreSQL only (VETTING_TEST_DATABASE_URL): several instances need a shared server
database; `.ci/run` runs the suite on PostgreSQL too."""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.api.register_helpers import PDF
from tests.gunicorn_server import gunicorn
from vetting import auth, db
from vetting.models import JobRun

pytestmark = pytest.mark.skipif(
    not os.environ.get("VETTING_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="several instances need PostgreSQL (set VETTING_TEST_DATABASE_URL)",
)

SECRET = "two-instances-secret"
PASSWORD = "a long enough password"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host"}


@contextmanager
def round_robin(backends: dict[str, str]) -> Iterator[str]:
    """A reverse proxy that sends each request to the next backend in turn, adds the
    X-Forwarded-* headers a load balancer adds, and says which backend answered."""
    turn = itertools.cycle(backends.items())
    lock = threading.Lock()
    client = httpx.Client(follow_redirects=False, timeout=30)

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            with lock:
                name, base = next(turn)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-For"] = self.client_address[0]
            headers["X-Forwarded-Proto"] = "http"
            headers["X-Forwarded-Host"] = self.headers.get("Host", "")
            r = client.request(self.command, base + self.path, headers=headers, content=body)
            self.send_response(r.status_code)
            for k, v in r.headers.multi_items():
                if k.lower() not in HOP_BY_HOP | {"content-length", "content-encoding"}:
                    self.send_header(k, v)
            self.send_header("X-Backend", name)
            self.send_header("Content-Length", str(len(r.content)))
            self.end_headers()
            self.wfile.write(r.content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        client.close()


class Visitor:
    """A browser through the proxy: keeps the session cookie by hand (the instances mark it
    Secure, as in production, and this test speaks plain http on loopback)."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        self.cookie = ""
        self.served_by: list[str] = []

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**kw.pop("headers", {}), **({"Cookie": self.cookie} if self.cookie else {})}
        r = self.http.request(method, path, headers=headers, **kw)
        self.served_by.append(r.headers["X-Backend"])
        for cookie in r.headers.get_list("set-cookie"):
            if cookie.startswith("session="):
                self.cookie = cookie.split(";", 1)[0]
        return r


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def test_two_instances_share_sessions_the_daily_job_and_documents(
    app, database_url, tmp_path, s3_endpoint, bucket
):
    with app.app_context():
        s = db.session()
        auth.create_user(s, auth.CLI_PRINCIPAL, "legal@hospital.example", PASSWORD, "admin")
        _, token = auth.create_token(s, auth.CLI_PRINCIPAL, "two-instances", "admin")
    env = {
        **os.environ,  # moto's fake AWS credentials among them
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "VETTING_AUDIT_KEY": "test-audit-key",  # the suite's app writes to the same chain
        "VETTING_DOCUMENT_STORE": "s3",
        "VETTING_S3_BUCKET": bucket,
        "VETTING_S3_ENDPOINT_URL": s3_endpoint,
        "VETTING_S3_REGION": "us-east-1",
        "VETTING_TRUSTED_PROXIES": "1",
        "VETTING_SCHEDULER": "on",
        "VETTING_SWEEP_AT": "00:00",  # passed today: each scheduler runs a catch-up sweep
        "VETTING_WARM_CACHES": "off",
        "VETTING_TIMEZONE": "UTC",
    }
    with ExitStack() as stack:
        # Booted together, as a deployment's instances are: each scheduler finds today's sweep
        # not yet done and runs the catch-up (booted one after the other, the second can find
        # the first's sweep already done and rightly run none).
        with ThreadPoolExecutor(2) as pool:
            a, b = pool.map(lambda name: stack.enter_context(gunicorn(env, tmp_path / name)), "ab")
        base = stack.enter_context(round_robin({"a": a, "b": b}))
        v = Visitor(base)

        # A session started on one instance is valid on the other.
        page = v.request("GET", "/login")
        signed_in = v.request(
            "POST",
            "/login",
            data={"csrf_token": csrf(page.text), "email": "legal@hospital.example",
                  "password": PASSWORD},
        )  # fmt: skip
        assert signed_in.status_code == 302, signed_in.text
        assert v.served_by[0] != v.served_by[1]  # the form's CSRF token crossed instances
        dashboards = [v.request("GET", "/") for _ in range(2)]
        assert [r.status_code for r in dashboards] == [200, 200]
        assert set(v.served_by[-2:]) == {"a", "b"}

        # Sign-out on one ends the session on both.
        out = v.request("POST", "/logout", data={"csrf_token": csrf(dashboards[-1].text)})
        assert out.status_code == 302
        after = [v.request("GET", "/") for _ in range(2)]
        assert set(v.served_by[-2:]) == {"a", "b"}
        assert all(r.status_code == 302 and "/login" in r.headers["Location"] for r in after)

        # A document uploaded through one instance downloads from the other.
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
        vendor = api.post("/api/v1/vendors", json={"name": "Acme Health"}).json()["id"]
        draft = {"vendor_id": vendor, "effective_date": "2026-01-01", "status": "draft"}
        created = api.post("/api/v1/baas", json=draft)
        assert created.status_code == 201, created.text
        baa = created.json()["id"]
        up = api.post(f"/api/v1/baas/{baa}/document", files={"file": ("signed.pdf", PDF)})
        down = api.get(f"/api/v1/baas/{baa}/document")
        assert up.status_code == 201, up.text
        assert up.headers["X-Backend"] != down.headers["X-Backend"]
        assert down.status_code == 200 and down.content == PDF

        # Both schedulers ran today's catch-up sweep: one swept, the other found it done.
        today = datetime.now(UTC).date()  # the instances' day: VETTING_TIMEZONE is UTC
        deadline = time.monotonic() + 30
        while True:
            with app.app_context():
                runs = (
                    db.session()
                    .scalars(
                        select(JobRun.status).where(
                            JobRun.job == "reminders", JobRun.as_of == today
                        )
                    )
                    .all()
                )
            if len(runs) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert sorted(runs) == ["ok", "skipped"], runs
