"""A fast smoke run of the list downloads of tests/benchmarks/bench_downloads.py on the test
database: every list, through its route, as CSV and XLSX, holds every row its raw query finds
across many chunks, and the statements each runs grow with its chunks, not its rows: a chunk
of rows read by id costs at most four (the rows, then what the sheet adds to them)."""

from __future__ import annotations

import math

from tests.benchmarks.bench_downloads import LIST_DOWNLOADS, measure_lists
from tests.benchmarks.synthetic import Sizes, populate
from vetting import clock
from vetting.current import settings_of
from vetting.queries import sheets
from vetting.services import baa_states

SIZES = Sizes(apps=120, vendors=30, baas=260, answers=2)


def test_every_list_download_holds_every_row_in_pages_of_constant_statements(
    app, frozen_clock, monkeypatch
):
    engine = app.extensions["vetting.engine"]
    populate(engine, SIZES)
    # today's states are kept (the daily job, a serving process's warm-up): the vendors list
    # reads them instead of working them out, and rebuilding them is not a chunk's cost
    baa_states.ensure(engine, clock.today(), settings_of(app).baa_warning_days)
    found = {}
    for chunk in (25, 100):
        monkeypatch.setattr(sheets, "CHUNK", chunk)
        found[chunk] = {r["route"]: r for r in measure_lists(app)}
    assert set(found[25]) == {route for route, _, _ in LIST_DOWNLOADS}
    for route, small in found[25].items():
        big = found[100][route]
        if route.startswith("/audit"):  # each measurement signs in: the log grows
            assert 0 < small["rows"] < big["rows"]
        else:
            assert small["rows"] == big["rows"] > 0
        pages = (math.ceil(small["rows"] / 25), math.ceil(big["rows"] / 100))
        # what a page costs in statements is fixed: more pages, proportionally more
        per_page = (small["statements"] - big["statements"]) / max(pages[0] - pages[1], 1)
        assert per_page <= 4, (route, small["statements"], big["statements"], pages)
        assert big["statements"] <= 30 + 4 * pages[1], (route, big["statements"])
