"""Rules of web sign-in: how long a failed sign-in makes the next one wait (exponential
back-off per account and client address, a higher ceiling per address) and when a web session
is over (idle and absolute timeouts). Pure: no clock, no database."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottleRules:
    """`max_failures` failures for one (email, address) pair make it wait `backoff`, doubling
    with every failure after that up to `backoff_cap`; `max_per_address` failures from one
    address (any e-mail) make it wait the same way. Failures older than `window` (with no
    wait running) are forgotten."""

    max_failures: int = 5
    max_per_address: int = 20
    backoff: timedelta = timedelta(minutes=1)
    backoff_cap: timedelta = timedelta(hours=1)
    window: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(days=1)

    def forgotten(
        self,
        failures: int,
        limit: int,
        last_failure: datetime | None,
        now: datetime,
        escalates: bool = True,
    ) -> bool:
        """Whether counted failures no longer count: below the limit, `window` after the last
        one. Once a wait was earned, an (account, address) pair's count `escalates`: only
        `forget_after` without a failure forgets it, so waiting out one wait does not restart
        the count. An address's own ceiling does not escalate all day (many people may share
        it, behind a hospital's NAT): its count is forgotten `window` after its wait ends."""
        if last_failure is None:
            return True
        quiet = now - last_failure
        if failures < limit:
            return quiet >= self.window
        if escalates:
            return quiet >= self.forget_after
        return quiet >= (self.wait_after(failures, limit) or timedelta(0)) + self.window

    def lock_until(
        self, failures: int, limit: int, last_failure: datetime | None
    ) -> datetime | None:
        """When the wait that `failures` earn runs out (None: no wait)."""
        wait = self.wait_after(failures, limit)
        return last_failure + wait if wait and last_failure else None

    def wait_after(self, failures: int, limit: int) -> timedelta | None:
        """How long sign-in waits once `failures` are counted against `limit` (None: none)."""
        if failures < limit:
            return None
        doublings = min(failures - limit, 30)  # 2**30 minutes is far past any cap
        return min(self.backoff * (2**doublings), self.backoff_cap)


def client_key(address: str) -> str:
    """The client an address counts as for the throttle: an IPv4 address itself, an IPv6
    address its /64 (one subscriber's whole block: otherwise each of its 2**64 addresses would
    get its own guesses), an IPv4-mapped IPv6 address the IPv4 inside."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def wait_words(wait: timedelta) -> str:
    """ "wait 2 minutes" — whole minutes rounded up, at least one; hours when long."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    if minutes >= 120 and minutes % 60 == 0:
        hours = minutes // 60
        return f"wait {hours} hours"
    return f"wait {minutes} minute{'s' * (minutes != 1)}"


@dataclass(frozen=True)
class SessionRules:
    """A web session ends after `idle` without a request, and `absolute` after sign-in
    whatever happens; the last request is written at most once per `touch_every`."""

    idle: timedelta = timedelta(minutes=60)
    absolute: timedelta = timedelta(hours=12)
    touch_every: timedelta = timedelta(minutes=1)

    def over(self, created_at: datetime, last_seen_at: datetime, now: datetime) -> str | None:
        """Why a session that has not been ended is over at `now` ("idle", "expired"), or
        None while it lasts."""
        if now - created_at >= self.absolute:
            return "expired"
        # last_seen_at may lag by up to touch_every: the idle limit counts from it anyway.
        if now - last_seen_at >= self.idle:
            return "idle"
        return None

    def needs_touch(self, last_seen_at: datetime, now: datetime) -> bool:
        return now - last_seen_at >= self.touch_every
