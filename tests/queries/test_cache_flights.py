"""Requests of one process that miss the same kept result at once (the first requests after a
write) compute it once: the others wait for that computation rather than run it beside it.
A computation that fails, or takes too long, does not leave the others without an answer."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from vetting.queries import cache


def _in_threads(n: int, target: Any) -> list[Any]:
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            results[i] = target()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_requests_missing_the_same_result_at_once_compute_it_once() -> None:
    cache.clear_all()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        started.set()
        release.wait(5)  # still computing while the others ask
        return {"answer": 42}

    def ask() -> Any:
        return cache.remembered("flight test", ("k",), compute)

    first = threading.Thread(target=lambda: ask())
    first.start()
    assert started.wait(5)
    waiting = threading.Timer(0.2, release.set)
    waiting.start()
    results = _in_threads(4, ask)
    first.join(5)
    assert len(calls) == 1
    assert all(r == {"answer": 42} for r in results)
    assert len({id(r) for r in results}) == 1  # the one result, handed to each
    assert cache._FLIGHTS == {}


def test_when_the_computation_fails_a_waiting_request_computes_it_itself() -> None:
    cache.clear_all()
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def failing() -> Any:
        calls.append("failed")
        started.set()
        release.wait(5)
        raise RuntimeError("the database went away")

    def working() -> str:
        calls.append("worked")
        return "computed again"

    results: list[Any] = []

    def first() -> None:
        with pytest.raises(RuntimeError):
            cache.remembered("flight test", ("k",), failing)

    t = threading.Thread(target=first)
    t.start()
    assert started.wait(5)
    threading.Timer(0.2, release.set).start()
    results = _in_threads(1, lambda: cache.remembered("flight test", ("k",), working))
    t.join(5)
    assert results == ["computed again"]
    assert calls == ["failed", "worked"]
    assert cache.remembered("flight test", ("k",), working) == "computed again"  # kept
    assert cache._FLIGHTS == {}


def test_a_request_does_not_wait_past_the_bound_for_another(monkeypatch) -> None:
    cache.clear_all()
    monkeypatch.setattr(cache, "FLIGHT_WAIT_SECONDS", 0.1)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "slow"

    t = threading.Thread(target=lambda: cache.remembered("flight test", ("k",), slow))
    t.start()
    assert started.wait(5)
    try:
        assert cache.remembered("flight test", ("k",), lambda: "its own") == "its own"
    finally:
        release.set()
        t.join(5)
    assert cache.remembered("flight test", ("k",), lambda: "again") == "slow"  # what was kept


def test_a_computation_asking_for_its_own_result_does_not_wait_on_itself(monkeypatch) -> None:
    cache.clear_all()
    monkeypatch.setattr(cache, "FLIGHT_WAIT_SECONDS", 5.0)

    def outer() -> str:
        inner = cache.remembered("flight test", ("k",), lambda: "inner")
        return f"outer around {inner}"

    start = time.perf_counter()
    assert cache.remembered("flight test", ("k",), outer) == "outer around inner"
    assert time.perf_counter() - start < 1.0
    assert cache._FLIGHTS == {}
