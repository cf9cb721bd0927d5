"""The pure rules of web sign-in: waits after failures, their words, and when a session is
over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vetting.core.signin import SessionRules, ThrottleRules, wait_words

T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_waits_start_at_the_limit_and_double_up_to_the_cap():
    rules = ThrottleRules(backoff=timedelta(seconds=30), backoff_cap=timedelta(minutes=5))
    waits = [rules.wait_after(n, 5) for n in range(3, 11)]
    assert waits[:2] == [None, None]
    assert waits[2:] == [timedelta(seconds=s) for s in (30, 60, 120, 240, 300, 300)]


def test_failures_below_the_limit_are_forgotten_after_the_window_others_after_a_day():
    rules = ThrottleRules()
    assert rules.forgotten(0, 5, None, T0)
    assert not rules.forgotten(4, 5, T0, T0 + timedelta(minutes=14))
    assert rules.forgotten(4, 5, T0, T0 + timedelta(minutes=15))
    assert not rules.forgotten(5, 5, T0, T0 + timedelta(hours=23))
    assert rules.forgotten(5, 5, T0, T0 + timedelta(days=1))


def test_wait_words_round_up_to_whole_minutes():
    assert wait_words(timedelta(seconds=1)) == "wait 1 minute"
    assert wait_words(timedelta(seconds=61)) == "wait 2 minutes"
    assert wait_words(timedelta(minutes=60)) == "wait 60 minutes"
    assert wait_words(timedelta(hours=2)) == "wait 2 hours"


def test_a_session_is_over_when_idle_or_past_its_absolute_limit():
    rules = SessionRules(idle=timedelta(minutes=30), absolute=timedelta(hours=8))
    assert rules.over(T0, T0, T0 + timedelta(minutes=29)) is None
    assert rules.over(T0, T0, T0 + timedelta(minutes=30)) == "idle"
    busy = T0 + timedelta(hours=7, minutes=59)
    assert rules.over(T0, busy, busy) is None
    assert rules.over(T0, busy, T0 + timedelta(hours=8)) == "expired"
    assert not rules.needs_touch(T0, T0 + timedelta(seconds=59))
    assert rules.needs_touch(T0, T0 + timedelta(seconds=60))
