"""Fetching a page through the SSRF guard (integrations/http.fetch): redirects followed by
hand with every hop checked again, bytes counted while decompressing, and one time limit for
the whole fetch. A real HTTP server on 127.0.0.1; the host name `vendor.test` stands for a
public site (it resolves to that server), while 127.0.0.1 named directly stays internal."""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from integrations import http
from tests.loopback import served_as

PUBLIC = "vendor.test"


class Site:
    """What the server was asked for, and the port it listens on."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.port = 0

    def url(self, path: str, host: str = PUBLIC) -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    got = Site()
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))  # 64 MiB of zeros in ~64 KB

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            if "Content_Length" not in headers and "Transfer_Encoding" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            got.paths.append(self.path)
            p = self.path
            if p == "/page":
                self._send(
                    200,
                    "Café privacy".encode("latin-1"),
                    Content_Type="text/html; charset=iso-8859-1",
                )
            elif p.startswith("/hop/"):
                n = int(p.rsplit("/", 1)[1])
                self._send(302, Location="/page" if n == 0 else f"/hop/{n - 1}")
            elif p == "/relative":
                self._send(301, Location="page")
            elif p == "/to-internal":
                self._send(302, Location=f"http://127.0.0.1:{got.port}/secret")
            elif p == "/to-6to4":
                self._send(307, Location=f"http://[2002:7f00:1::1]:{got.port}/secret")
            elif p == "/to-file":
                self._send(302, Location="file:///etc/passwd")
            elif p == "/loop-a":
                self._send(302, Location="/loop-b")
            elif p == "/loop-b":
                self._send(302, Location="/loop-a")
            elif p == "/declared-big":
                self._send(200, b"x" * 10, Content_Length="999999999")
            elif p == "/chunked-big":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(40):  # 40 × 64 KiB, no length announced
                    chunk = b"y" * 65536
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            elif p == "/bomb":
                self._send(200, bomb, Content_Encoding="gzip")
            elif p == "/gzipped":
                self._send(200, gzip.compress(b"small and compressed"), Content_Encoding="gzip")
            elif p == "/drip":
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                for _ in range(100):
                    try:
                        self.wfile.write(b"z")
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(0.1)
            elif p == "/image":
                self._send(200, b"\x89PNG....", Content_Type="image/png")
            elif p == "/untyped":
                self._send(200, b"<p>no type</p>")
            elif p == "/plain":
                self._send(200, b"We sign a BAA.", Content_Type="Text/Plain; charset=utf-8")
            elif p == "/to-image":
                self._send(302, Location="/image")
            elif p == "/secret":
                self._send(200, b"internal only")
            else:
                self._send(404, b"no")

        def log_message(self, *args: Any) -> None:
            return None

    with served_as(monkeypatch, PUBLIC, Handler) as port:
        got.port = port
        yield got


def test_a_page_is_fetched_with_its_charset(site: Site) -> None:
    page = http.fetch(site.url("/page"))
    assert (page.status, page.text, page.redirects) == (200, "Café privacy", ())


def test_redirects_are_followed_by_hand_each_hop_recorded(site: Site) -> None:
    page = http.fetch(site.url("/hop/3"))
    assert page.url == site.url("/page")
    assert page.redirects == tuple(site.url(f"/hop/{n}") for n in (3, 2, 1, 0))
    assert http.fetch(site.url("/relative")).url == site.url("/page")


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/to-internal", "127.0.0.1, a loopback address"),
        ("/to-6to4", "embedded 127.0.0.1"),
        ("/to-file", "must be an http:// or https:// URL"),
    ],
)
def test_a_redirect_to_an_internal_address_is_refused_before_it_is_requested(
    site: Site, path: str, words: str
) -> None:
    """A public page may not bounce the fetcher inside: the hop is checked like the first
    URL, and the internal page is never asked for."""
    with pytest.raises(http.FetchError, match="redirected from") as caught:
        http.fetch(site.url(path))
    assert words in str(caught.value)
    assert "/secret" not in site.paths


def test_too_many_redirects_and_loops_are_refused(site: Site) -> None:
    with pytest.raises(http.FetchError, match="more than 5 redirects"):
        http.fetch(site.url("/hop/9"))
    assert http.fetch(site.url("/hop/4")).status == 200  # five is still fine
    with pytest.raises(http.FetchError, match="redirect loop"):
        http.fetch(site.url("/loop-a"))


def test_https_never_redirects_down_to_plain_http() -> None:
    with pytest.raises(http.FetchError, match="from https to plain http"):
        http._follows("https://a.example/", ["https://a.example/"], "http://a.example/x", 5)


def test_bytes_are_capped_declared_or_not(site: Site) -> None:
    with pytest.raises(http.FetchError, match="999,999,999 bytes is over the limit"):
        http.fetch(site.url("/declared-big"))
    with pytest.raises(http.FetchError, match="over the limit of 1,048,576 bytes"):
        http.fetch(site.url("/chunked-big"), max_bytes=1024 * 1024)
    assert len(http.fetch(site.url("/chunked-big")).content) == 40 * 65536


def test_a_compression_bomb_stops_at_the_limit_while_it_unpacks(site: Site) -> None:
    """~64 KB on the wire, 64 MiB unpacked: refused by counting the unpacked bytes, without
    ever holding much more than the limit."""
    tracemalloc.start()
    try:
        with pytest.raises(http.FetchError, match="over the limit of 1,000,000 bytes"):
            http.fetch(site.url("/bomb"), max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # unpacking a whole network read at once would take 64 MiB
    assert http.fetch(site.url("/gzipped")).content == b"small and compressed"


def test_one_time_limit_covers_the_whole_fetch(site: Site) -> None:
    """A server that drips a byte every 0.1 s never trips a per-read timeout; the total does."""
    start = time.monotonic()
    with pytest.raises(http.FetchError, match=r"gave up after 1 s|timed out"):
        http.fetch(site.url("/drip"), total_seconds=1.0)
    assert time.monotonic() - start < 3.0


def test_the_first_url_is_guarded_too(site: Site) -> None:
    with pytest.raises(http.FetchError, match="loopback"):
        http.fetch(site.url("/secret", host="127.0.0.1"))
    assert site.paths == []
    assert http.fetch(site.url("/secret", host="127.0.0.1"), allow_private=True).status == 200


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/image", "content type 'image/png'"),
        ("/to-image", "content type 'image/png'"),  # judged where the redirects end
        ("/untyped", "no content type"),
    ],
)
def test_a_page_fetch_reads_html_and_text_only(site: Site, path: str, words: str) -> None:
    with pytest.raises(http.FetchError, match="only text/html") as caught:
        http.fetch(site.url(path), content_types=http.PAGE_CONTENT_TYPES)
    assert words in str(caught.value)
    plain = http.fetch(site.url("/plain"), content_types=http.PAGE_CONTENT_TYPES)
    assert plain.text == "We sign a BAA."
    html = http.fetch(site.url("/page"), content_types=http.PAGE_CONTENT_TYPES)
    assert http.media_type(html.headers) == "text/html"
