"""The one httpx client factory: timeouts, no environment proxies, no automatic redirects, and
an SSRF guard that refuses internal addresses; and `fetch`, which reads a page through it,
following redirects by hand (each hop checked again) within a byte and a total-time limit.

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
import time
import typing
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

DEFAULT_TIMEOUT = 10.0
USER_AGENT = "vetting/0.1"
# A page fetched as evidence (a vendor's trust page, a store listing): generous for HTML or a
# PDF, small enough that a hostile server cannot fill memory or hold a worker for long.
FETCH_MAX_BYTES = 5 * 1024 * 1024
FETCH_TOTAL_SECONDS = 20.0
FETCH_MAX_REDIRECTS = 5
# A vendor's web page read for claims: HTML or plain text only, at most 2 MiB.
PAGE_CONTENT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
PAGE_MAX_BYTES = 2 * 1024 * 1024


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


# --- fetching a page: redirects by hand, bytes and time capped ---------------------------------


class FetchError(ValueError):
    """A fetch that was refused or gave up, with the reason in words (naming the URL)."""


@dataclass(frozen=True)
class Fetched:
    """A page as received: the URL it finally came from, the redirects before it, its status,
    headers and (decoded) body."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes
    redirects: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The body as text, in the charset the server named (UTF-8 when none or unknown)."""
        try:
            return self.content.decode(_charset(self.headers) or "utf-8", "replace")
        except LookupError:
            return self.content.decode("utf-8", "replace")


def _charset(headers: httpx.Headers) -> str | None:
    kind = headers.get("content-type", "")
    for part in kind.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"').strip()
    return None


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = FETCH_MAX_BYTES,
    total_seconds: float = FETCH_TOTAL_SECONDS,
    max_redirects: int = FETCH_MAX_REDIRECTS,
    accept: str = "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.5",
    content_types: typing.Collection[str] | None = None,
) -> Fetched:
    """GET `url` through the SSRF guard, following at most `max_redirects` redirects by hand:
    each hop's URL is checked again (scheme, no credentials, every address it resolves to)
    before it is requested, a redirect from https to plain http or back to a URL already
    visited is refused, at most `max_bytes` of (decompressed) body are read, and the whole
    fetch — every hop, connect and read — ends after `total_seconds`. With `content_types`,
    a final response of another media type (or none) is refused before its body is read.
    FetchError says why."""
    deadline = time.monotonic() + total_seconds
    visited: list[str] = []
    current = url
    with client(min(DEFAULT_TIMEOUT, total_seconds), allow_private) as c:
        while True:
            try:
                check_url(current, allow_private)
            except UnsafeURL as exc:
                where = f" (redirected from {visited[-1]})" if visited else ""
                raise FetchError(f"{current}{where}: {exc}") from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(f"{url}: gave up after {total_seconds:g} s")
            request = c.build_request(
                "GET",
                current,
                headers={"Accept": accept, "Accept-Encoding": "gzip, deflate"},
                timeout=httpx.Timeout(remaining, connect=min(remaining, 5.0)),
            )
            try:
                response = c.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchError(f"{current}: timed out (limit {total_seconds:g} s)") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{current}: could not fetch: {exc}") from None
            try:
                location = response.headers.get("location")
                if response.is_redirect and location:
                    target = urljoin(current, location.strip())
                    visited.append(current)
                    _follows(url, visited, target, max_redirects)
                    current = target
                    continue
                if content_types is not None and response.is_success:
                    _allowed_type(response.headers, current, content_types)
                content = _read(response, current, max_bytes, deadline, total_seconds)
                return Fetched(
                    current, response.status_code, response.headers, content, tuple(visited)
                )
            finally:
                response.close()


def media_type(headers: httpx.Headers) -> str:
    """The Content-Type's media type, lower case, without parameters ("" when none)."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _allowed_type(headers: httpx.Headers, url: str, allowed: typing.Collection[str]) -> None:
    kind = media_type(headers)
    if kind not in allowed:
        named = f"content type {kind!r}" if kind else "no content type"
        raise FetchError(f"{url}: {named}; only {', '.join(allowed)} can be read")


def _follows(first: str, visited: list[str], target: str, max_redirects: int) -> None:
    """Refuse a redirect that loops, downgrades https to http, or is one too many."""
    previous = visited[-1]
    if len(visited) > max_redirects:
        raise FetchError(f"{first}: more than {max_redirects} redirects")
    if target in visited:
        raise FetchError(f"{first}: redirect loop at {target}")
    if urlsplit(previous).scheme == "https" and urlsplit(target).scheme == "http":
        raise FetchError(f"{previous}: refused a redirect from https to plain http ({target})")


class _Inflater:
    """Decompresses a gzip or deflate body a bounded piece at a time, so a small compressed
    body that would unpack to gigabytes is stopped at the byte limit, not after."""

    def __init__(self, encoding: str, url: str) -> None:
        coding = encoding.strip().lower()
        if coding in ("", "identity"):
            self._zlib = None
        elif coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            self._zlib = zlib.decompressobj()
        else:
            raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r}")
        self.url = url

    def feed(self, data: bytes, room: int) -> bytes:
        """At most `room` + 1 bytes of what `data` unpacks to (one more says "over")."""
        if self._zlib is None:
            return data
        try:
            return self._zlib.decompress(data, room + 1)
        except zlib.error as exc:
            raise FetchError(f"{self.url}: damaged compressed body ({exc})") from None

    @property
    def pending(self) -> bytes:
        """Compressed input not yet unpacked (left when the last feed hit its room)."""
        return b"" if self._zlib is None else self._zlib.unconsumed_tail


def _read(
    response: httpx.Response, url: str, max_bytes: int, deadline: float, total: float
) -> bytes:
    """The body, counted while it is decompressed, within the byte and time limits."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url}: {int(declared):,} bytes is over the limit of {max_bytes:,}")
    inflater = _Inflater(response.headers.get("content-encoding", ""), url)
    chunks: list[bytes] = []
    size = 0
    try:
        for raw in response.iter_raw():
            data = raw
            while data:
                piece = inflater.feed(data, max_bytes - size)
                size += len(piece)
                if size > max_bytes:
                    raise FetchError(f"{url}: the body is over the limit of {max_bytes:,} bytes")
                chunks.append(piece)
                data = inflater.pending
            if time.monotonic() > deadline:
                raise FetchError(f"{url}: gave up after {total:g} s")
    except httpx.TimeoutException:
        raise FetchError(f"{url}: timed out (limit {total:g} s)") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: could not read the body: {exc}") from None
    return b"".join(chunks)
