"""`gunicorn app:app` as the README deploys it, on a free port of 127.0.0.1, for the tests and
benchmarks that need a real server process (several instances, load)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.notify_servers import free_port
from vetting.settings import REPO_ROOT


@contextmanager
def gunicorn(
    env: dict[str, str], instance: Path, *, workers: int = 1, threads: int = 4
) -> Iterator[str]:
    """The server's base URL once /healthz answers, until the block ends (SIGTERM). `env` is
    the whole environment; the instance folder gets its own VETTING_INSTANCE_PATH and the
    server's log, which a failure to start shows."""
    port = free_port()
    instance.mkdir(parents=True, exist_ok=True)
    logged = instance / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:app",
    ]  # fmt: skip
    with logged.open("w") as log:
        proc = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**env, "VETTING_INSTANCE_PATH": str(instance), "PYTHONPATH": str(REPO_ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{logged.read_text()}")
                time.sleep(0.3)
            yield base
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
