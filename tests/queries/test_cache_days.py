"""A new day's warm-up forgets what was kept for the days before (cache.forget_before): the
results and memo tables whose key names an earlier day, and nothing else."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from vetting.queries import cache
from vetting.queries.baa_calendar import Feed

DAY = date(2026, 3, 10)
BEFORE = date(2026, 3, 9)


class Result:  # what a cache keeps (a list of tens of thousands of rows, in real life)
    pass


@pytest.fixture(autouse=True)
def empty() -> Iterator[None]:
    cache.clear_all()
    yield
    cache.clear_all()


def kept(name: str, key: object) -> tuple[Result, list[int]]:
    computed: list[int] = []

    def compute() -> Result:
        computed.append(1)
        return Result()

    return cache.remembered(name, key, compute), computed


def computes_again(name: str, key: object) -> bool:
    return bool(kept(name, key)[1])


def test_results_keyed_by_an_earlier_day_are_dropped_and_freed() -> None:
    old, _ = kept("overview", (BEFORE, 90, 90))
    nested, _ = kept("list changes", ((BEFORE, ("rules", "v3")), "db"))  # inside a tuple
    file, _ = kept("live list file", (BEFORE, "9f86d0", "csv"))  # the tag hashes the day too
    feed, _ = kept("calendar", ("1.0", BEFORE, Feed.of(BEFORE)))
    stamped, _ = kept("stamped", (datetime(2026, 3, 9, 23, 59),))  # a time that day
    gone = [weakref.ref(value) for value in (old, nested, file, feed, stamped)]
    del old, nested, file, feed, stamped
    assert cache.forget_before(DAY) == 5
    gc.collect()
    assert all(ref() is None for ref in gone)  # nothing else holds them
    assert computes_again("overview", (BEFORE, 90, 90))


def test_the_day_itself_later_days_and_keys_without_a_day_are_kept() -> None:
    kept("overview", (DAY, 90, 90))  # the day itself: not before it
    kept("overview", (date(2026, 3, 11), 90, 90))  # a release dated ahead
    kept("release", (1, "9f86d081"))  # a parsed release serves every day
    # today's feed: its window starts 30 days back, inside the Feed, which is not looked into
    kept("calendar", ("1.0", DAY, Feed.of(DAY)))
    kept("stamped", (datetime(2026, 3, 10, 0, 0),))  # midnight of the day itself
    kept("counts", ())
    assert cache.forget_before(DAY) == 0
    assert not computes_again("overview", (DAY, 90, 90))
    assert not computes_again("overview", (date(2026, 3, 11), 90, 90))
    assert not computes_again("release", (1, "9f86d081"))
    assert not computes_again("calendar", ("1.0", DAY, Feed.of(DAY)))
    assert not computes_again("stamped", (datetime(2026, 3, 10, 0, 0),))
    assert not computes_again("counts", ())


def test_memo_tables_of_an_earlier_day_start_empty_again() -> None:
    cache.table("baa states", BEFORE, 90)["terms"] = "expiring"
    cache.table("baa states", DAY, 90)["terms"] = "active"
    assert cache.forget_before(DAY) == 1
    assert cache.table("baa states", BEFORE, 90) == {}
    assert cache.table("baa states", DAY, 90) == {"terms": "active"}
