"""The collector pause is shared by every thread of a serving process: it is off while any
pause is open and back on (if it was on) once the last one closes, whatever the order."""

from __future__ import annotations

import gc
import threading

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
