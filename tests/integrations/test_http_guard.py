"""The SSRF guard and the one httpx client factory (integrations/http.py)."""

from __future__ import annotations

import httpx
import pytest

from integrations import http
from tests.notify_servers import http_receiver


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "127.0.0.1, a loopback address"),
        ("http://localhost:8080/", "a loopback address"),
        ("http://[::1]/", "::1, a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address"),
        ("http://10.1.2.3/", "10.1.2.3, a private address"),
        ("http://192.168.0.10/", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),
        ("http://100.64.0.1/", "not globally routable"),
        ("http://0.0.0.0/", "a private address"),
        ("http://[2002:7f00:1::1]/", "loopback, embedded 127.0.0.1"),  # 6to4
        ("http://[2002:a9fe:a9fe::1]/", "link-local, embedded 169.254.169.254"),  # metadata
        ("http://[2002:0a00:0001::1]/", "private, embedded 10.0.0.1"),
        ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "embedded 127.0.0.1"),  # Teredo
        ("http://[64:ff9b::a9fe:a9fe]/", "embedded 169.254.169.254"),  # NAT64
        ("http://224.0.0.1/", "a multicast address"),
        ("ftp://example.org/", "must be an http:// or https:// URL"),
        ("file:///etc/passwd", "must be an http:// or https:// URL"),
        ("http://user:pw@93.184.215.14/", "must not carry a user name or password"),
        ("http:///nohost", "has no host"),
        ("http://example.org:99999/", "not a valid URL"),
        ("http://no-such-host.invalid/", "cannot resolve host"),
    ],
)
def test_internal_or_odd_urls_are_refused_with_the_reason(url, reason):
    with pytest.raises(http.UnsafeURL, match=reason.replace("(", r"\(").replace(".", r"\.")):
        http.check_url(url, allow_private=False)


def test_a_public_address_passes_and_the_allow_setting_opens_internal_ones():
    http.check_url("https://93.184.215.14/hook", allow_private=False)
    http.check_url("http://127.0.0.1:9/hook", allow_private=True)


def test_the_guard_takes_the_setting_from_its_caller_not_the_environment(monkeypatch):
    """VETTING_ALLOW_PRIVATE_URLS is read once, by the settings; the guard only obeys the flag
    it is handed, so a variable set after start-up opens nothing."""
    monkeypatch.setenv("VETTING_ALLOW_PRIVATE_URLS", "1")
    with pytest.raises(http.UnsafeURL):
        http.check_url("http://127.0.0.1/")
    http.check_url("http://127.0.0.1/", allow_private=True)


def test_the_client_refuses_internal_addresses_at_connect_time_too():
    """Even a caller that skipped check_url (or a DNS answer that changed after it) cannot
    reach an internal address: the transport checks the address it connects to."""
    with http_receiver() as (url, rx):
        with (
            http.client(2, allow_private=False) as c,
            pytest.raises(httpx.ConnectError, match="loopback"),
        ):
            c.post(url, content=b"{}")
        assert rx.requests == []
        with http.client(2, allow_private=True) as c:
            assert c.post(url, content=b"{}").status_code == 200
        assert len(rx.requests) == 1


def test_the_client_has_timeouts_and_does_not_follow_redirects():
    with http.client(3, allow_private=True) as c:
        assert c.timeout.read == 3
        assert c.follow_redirects is False
