"""Behind a load balancer (issue 12, item 4): with VETTING_TRUSTED_PROXIES=N the client's
address and scheme come from the proxies' X-Forwarded-* headers — the sign-in throttle then
counts the real client, not the balancer — and without the setting those headers are ignored,
so a client cannot pick the address it is counted under."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web.conftest import csrf_token
from vetting import db
from vetting.app import create_app
from vetting.models import LoginAttempt


def failed_sign_in_from(app, headers: dict[str, str]) -> str:
    """One wrong password sent with `headers`; the address the attempt was counted under."""
    client = app.test_client()
    page = client.get("/login")
    client.post(
        "/login",
        data={"csrf_token": csrf_token(page.text), "email": "x@example.org", "password": "no"},
        headers=headers,
    )
    with app.app_context():
        return db.session().scalars(select(LoginAttempt.ip).order_by(LoginAttempt.id)).all()[-1]


def proxied_app(database_url, tmp_path, proxies: int):
    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "AUDIT_KEY": "test-audit-key",
            "INSTANCE_PATH": tmp_path / f"proxied-{proxies}",
            "TESTING": True,
            "ENV": {"VETTING_TRUSTED_PROXIES": str(proxies)},
        }
    )


def test_without_the_setting_a_forwarded_address_is_not_believed(app):
    assert failed_sign_in_from(app, {"X-Forwarded-For": "203.0.113.7"}) == "127.0.0.1"


def test_behind_one_proxy_the_client_is_the_address_it_forwards(app, database_url, tmp_path):
    proxied = proxied_app(database_url, tmp_path, 1)
    forwarded = {
        "X-Forwarded-For": "198.51.100.1, 203.0.113.7",
        "X-Forwarded-Proto": "https",
        "Referer": "https://localhost/login",  # CSRF over https checks the referrer
    }
    # Only the last hop is the trusted proxy's: the first address could be made up.
    assert failed_sign_in_from(proxied, forwarded) == "203.0.113.7"


def test_behind_two_proxies_the_address_two_hops_back_is_the_client(app, database_url, tmp_path):
    proxied = proxied_app(database_url, tmp_path, 2)
    forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.0.0.2"}
    assert failed_sign_in_from(proxied, forwarded) == "203.0.113.7"


@pytest.mark.parametrize("proxies", [1, 2])
def test_the_forwarded_scheme_makes_the_request_secure(app, database_url, tmp_path, proxies):
    """The proxy in front sets X-Forwarded-Proto once; behind two proxies it is still one
    value (a careless N for every header would ignore it there)."""
    proxied = proxied_app(database_url, tmp_path, proxies)
    seen = {}

    @proxied.get("/_scheme")
    def _scheme():  # a probe route, this app only
        from flask import request

        seen["secure"] = request.is_secure
        return "ok"

    proxied.test_client().get("/_scheme", headers={"X-Forwarded-Proto": "https"})
    assert seen["secure"] is True
