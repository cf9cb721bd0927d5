"""The one httpx client factory: timeouts, no environment proxies, no redirects, and an SSRF
guard that refuses internal addresses.

The guard runs twice: `check_url` before a request (a clear error naming the address), and
again inside the connection itself — the transport resolves the host, checks every address
and connects to the checked IP, so DNS rebinding between the check and the connect cannot
slip an internal address through. TLS still verifies the certificate against the host name.

Loopback, private, link-local (cloud metadata at 169.254.169.254), shared, multicast,
reserved and unspecified addresses are refused unless `allow_private` is on (the setting
VETTING_ALLOW_PRIVATE_URLS, passed in by the caller: a lab install, or tests against
127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from urllib.parse import urlsplit

import httpcore
import httpx

DEFAULT_TIMEOUT = 10.0
USER_AGENT = "vetting/0.1"


class UnsafeURL(ValueError):
    """A URL the guard will not fetch, with the reason in words."""


# NAT64's well-known prefix (RFC 6052): 64:ff9b::a.b.c.d reaches the IPv4 address a.b.c.d.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to a gateway: mapped (::ffff:a.b.c.d), 6to4
    (2002:AABB:CCDD::, RFC 3056), Teredo (2001:0::/32, the client's address inverted,
    RFC 4380) or NAT64 (64:ff9b::/96). `2002:7f00:1::1` is 127.0.0.1."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        server, client = ip.teredo
        return client if not client.is_global else server if not server.is_global else None
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _forbidden(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _forbidden(ip.ipv4_mapped)
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            why = _forbidden(inner)
            return f"{why}, embedded {inner}," if why else None
    for label, hit in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("unspecified", ip.is_unspecified),
        ("not globally routable", not ip.is_global),
    ):
        if hit:
            return label
    return None


def resolve(host: str, port: int, allow_private: bool) -> list[str]:
    """Every address `host` resolves to, all checked; UnsafeURL when one is internal."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"cannot resolve host {host!r}: {exc}") from None
    addresses: list[str] = []
    for info in infos:
        addr = str(info[4][0]).split("%", 1)[0]
        if addr in addresses:
            continue
        if not allow_private:
            why = _forbidden(ipaddress.ip_address(addr))
            if why:
                raise UnsafeURL(
                    f"host {host!r} resolves to {addr}, a {why} address "
                    "(set VETTING_ALLOW_PRIVATE_URLS=1 to allow internal targets)"
                )
        addresses.append(addr)
    if not addresses:
        raise UnsafeURL(f"host {host!r} has no address")
    return addresses


def check_url(url: str, allow_private: bool = False) -> None:
    """Refuse what is not an http(s) URL to a public address (see the module docstring)."""
    allow = allow_private
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {exc}") from None
    if parts.scheme not in {"http", "https"}:
        raise UnsafeURL("must be an http:// or https:// URL")
    if not parts.hostname:
        raise UnsafeURL("has no host")
    if parts.username or parts.password:
        raise UnsafeURL("must not carry a user name or password")
    resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80), allow)


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves and checks the host at connect time, then connects to the checked address."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve(host, port, self.allow_private)
        except UnsafeURL as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        last: Exception | None = None
        for addr in addresses:
            try:
                return super().connect_tcp(addr, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the SSRF-guarded network backend."""

    def __init__(self, allow_private: bool) -> None:
        super().__init__(trust_env=False, retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(allow_private),
        )


def client(timeout: float = DEFAULT_TIMEOUT, allow_private: bool = False) -> httpx.Client:
    """The httpx client every integration uses for user-supplied URLs."""
    allow = allow_private
    return httpx.Client(
        transport=GuardedTransport(allow),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )
