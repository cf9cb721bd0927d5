"""runs_page: which runs of a list (a vendor's rows, kept in order) a page falls in."""

from __future__ import annotations

import pytest

from vetting.services.common import runs_page

RUNS = [(1, 3), (2, 0), (3, 2), (4, 5)]  # rows: 1 1 1 3 3 4 4 4 4 4 (vendor 2 has none)


def _rows(runs: list[tuple[int, int]]) -> list[int]:
    return [key for key, n in runs for _ in range(n)]


@pytest.mark.parametrize("start", range(0, 12))
@pytest.mark.parametrize("size", [1, 2, 3, 4, 50])
def test_a_page_is_the_slice_of_the_concatenated_runs(start, size):
    """Every page agrees with slicing the rows themselves: a page starting inside a run, at
    its first row, on a boundary, spanning several runs, past the end; a run with no rows is
    never on a page."""
    found = runs_page(iter(RUNS), start, size)
    rows = _rows(RUNS)
    wanted = rows[start : start + size]
    assert found.total == len(rows)
    assert found.keys == list(dict.fromkeys(wanted))
    if wanted:
        counted = _rows([(k, n) for k, n in RUNS if k in found.keys])
        assert counted[found.skip : found.skip + size] == wanted


def test_no_runs_no_page():
    assert runs_page([], 0, 50) == runs_page([(7, 0)], 0, 50)
    assert runs_page([], 0, 50).keys == [] and runs_page([], 0, 50).total == 0
