"""A fast smoke run of tests/benchmarks/bench_reminders.py on the test database: the sweep
selects exactly the agreements a plain SQL query says are due, and a rerun creates nothing."""

from __future__ import annotations

from tests.benchmarks.bench_reminders import measure
from tests.benchmarks.synthetic import Sizes


def test_sweep_matches_the_plain_query_and_a_rerun_creates_nothing(app, database_url):
    result = measure(database_url, Sizes(apps=500, vendors=100, baas=3000, answers=2))
    assert result["due"] > 200
    assert result["created"] > result["due"]  # in-app + legal (+ owner) per reminder
    assert result["rerun_created"] == 0
