"""A fast smoke run of tests/benchmarks/bench_load.py: gunicorn (1 worker × 4 threads) on
PostgreSQL at a tiny size, driven by wrk on 127.0.0.1 for a second per route, then the
dashboard while the writes and a publish happen over the API — every route answers, nothing
answers 5xx or drops a connection, every write is accepted. PostgreSQL only (the benchmark's
database), and only where wrk is installed (CI installs it)."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.benchmarks import bench_load


@pytest.mark.slow
def test_the_load_run_answers_every_route_and_write_without_errors(monkeypatch):
    url = os.environ.get("VETTING_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the load benchmark runs on PostgreSQL (VETTING_TEST_DATABASE_URL)")
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    for name, value in {
        "BENCH_APPS": "200", "BENCH_VENDORS": "40", "BENCH_BAAS": "400",
        "BENCH_SECONDS": "1", "BENCH_CONNECTIONS": "4", "BENCH_WORKERS": "1",
        "BENCH_CACHE": "off",  # built into the run's own database, dropped after it
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    results = bench_load.run()  # asserts that every write was accepted
    routes = [r.route for r in results]
    assert routes == [
        "MDM pull, full export",
        "MDM pull, 304",
        "API list, paginated",
        "dashboard",
        "dashboard, while writing",
    ]
    for r in results:
        assert r.requests > 0 and r.server_errors == 0, r
        assert r.other_errors == 0 and r.socket_errors == 0, r
