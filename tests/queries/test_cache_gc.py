"""The collector pause is shared by every thread of a serving process: it is off while any
pause is open and back on (if it was on) once the last one closes, whatever the order. After
a warm-up, what was kept is set aside from later collections, and garbage is not."""

from __future__ import annotations

import gc
import threading
import weakref

from vetting.queries import cache


def _hold(entered: threading.Event, release: threading.Event) -> threading.Thread:
    def run() -> None:
        with cache.gc_paused():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=run)
    thread.start()
    assert entered.wait(5)
    return thread


def test_overlapping_pauses_in_two_threads_leave_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    a_in, a_out, b_in, b_out = (threading.Event() for _ in range(4))
    a = _hold(a_in, a_out)
    b = _hold(b_in, b_out)  # opened while a had it off
    a_out.set()
    a.join()
    assert not gc.isenabled()  # b is still building
    b_out.set()
    b.join()
    assert gc.isenabled()  # not left off by the one that saw it off when it began


def test_a_nested_pause_and_a_collector_switched_off_by_someone_else() -> None:
    with cache.gc_paused():
        with cache.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with cache.gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


class Node:
    """An object in a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def _seen_by_collections(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects())  # (the set-aside generation is not listed)


def test_settling_frees_the_garbage_of_the_moment_and_sets_aside_what_is_kept() -> None:
    try:
        kept = Node()
        garbage = Node()
        gone = weakref.ref(garbage)
        del garbage
        cache.settle_kept()
        assert gone() is None  # collected first: not set aside for ever
        assert not _seen_by_collections(kept)  # later collections no longer walk it
        assert gc.isenabled()
        fresh = Node()
        assert _seen_by_collections(fresh)  # what is made afterwards is collected as usual
    finally:
        gc.unfreeze()


def test_settling_again_frees_what_an_earlier_settling_set_aside_and_is_garbage_now() -> None:
    try:
        yesterday = Node()
        cache.settle_kept()
        was = weakref.ref(yesterday)
        del yesterday  # replaced by today's results
        gc.collect()
        assert was() is not None  # set aside: an ordinary collection does not see it
        cache.settle_kept()
        assert was() is None
    finally:
        gc.unfreeze()
