"""No query per row: every list page runs a small, fixed number of statements whatever the
size of the register (the 50,000-app timings are in tests/benchmarks/bench_web.py)."""

from __future__ import annotations

import pytest

from tests.benchmarks.synthetic import Sizes, populate
from vetting.queries import cache

PAGES = [
    "/", "/vendors", "/vendors?sort=apps&desc=1", "/vendors/3", "/apps", "/apps?sort=vendor",
    "/apps?q=app", "/apps/7", "/assessments", "/assessments?status=decided", "/baas",
    "/baas?filter=expiring", "/allowlist", "/audit", "/admin",
]  # fmt: skip
MAX_STATEMENTS = 20  # a page showing 50 rows with one query per row would run 50+
# The dashboard gathers sections (BAAs to act on, assessments waiting, decisions awaiting a
# second person, reassessments due, approved apps off the list, the list's changes and its
# forecast): more statements, as fixed as any page's. Every page also counts the unread
# reminders for the header (one statement), and the dashboard checks what its patched BAA
# section, its kept set of approved apps and its kept reassessments due have seen (one
# statement each), and the non-conforming queue first counts whether few agreements are
# non-conforming (to read them by id).
MAX_BY_PATH = {"/": 33}


@pytest.mark.parametrize("path", PAGES)
def test_a_page_of_fifty_rows_runs_a_fixed_number_of_statements(app, browser, count_queries, path):
    populate(app.extensions["vetting.engine"], Sizes(apps=400, vendors=120, baas=150))
    b = browser("admin")  # signing in fetched "/": count a request that computes, not a hit
    cache.clear_all()
    count_queries.clear()
    resp = b.get(path)
    assert resp.status_code == 200, resp.text[:500]
    limit = MAX_BY_PATH.get(path, MAX_STATEMENTS)
    assert len(count_queries) <= limit, (path, len(count_queries), count_queries)
