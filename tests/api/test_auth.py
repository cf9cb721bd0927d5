"""Bearer tokens and the role matrix: every /api/v1 route but the OpenAPI document needs a
token, and a role may only do what it should."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlmodel import SQLModel

from tests.api.expect import error
from vetting import auth, clock, db
from vetting.errors import Invalid
from vetting.models import ApiToken

ROLES = ("admin", "procurement", "legal", "it", "viewer")

# (method, path, body, roles that may, status when allowed). The allowed statuses come from
# past the permission check: a missing record (404) or an incomplete body (422).
WRITES = [
    ("POST", "/api/v1/vendors", {}, {"admin", "procurement"}, 422),
    ("PATCH", "/api/v1/vendors/999", {}, {"admin", "procurement"}, 404),
    ("DELETE", "/api/v1/vendors/999", None, {"admin", "procurement"}, 404),
    ("POST", "/api/v1/apps", {}, {"admin", "procurement"}, 422),
    ("PATCH", "/api/v1/apps/999", {}, {"admin", "procurement"}, 404),
    ("DELETE", "/api/v1/apps/999", None, {"admin", "procurement"}, 404),
    ("POST", "/api/v1/assessments", {}, {"admin", "procurement"}, 422),
    (
        "PUT",
        "/api/v1/assessments/999/answers/baa_signed",
        {"value": True, "source": "verified"},
        {"admin", "procurement"},
        404,
    ),
    (
        "POST",
        "/api/v1/assessments/999/decision",
        {"decision": "approved"},
        {"admin", "procurement"},
        404,
    ),
    ("POST", "/api/v1/baas", {}, {"admin", "legal"}, 422),
    ("PATCH", "/api/v1/baas/999", {}, {"admin", "legal"}, 404),
]
READS = [
    ("GET", "/api/v1/vendors", None, set(ROLES), 200),
    ("GET", "/api/v1/vendors/999", None, set(ROLES), 404),
    ("GET", "/api/v1/apps", None, set(ROLES), 200),
    ("GET", "/api/v1/apps/999", None, set(ROLES), 404),
    ("GET", "/api/v1/checklists", None, set(ROLES), 200),
    ("GET", "/api/v1/checklists/clinical-photo", None, set(ROLES), 200),
    ("GET", "/api/v1/assessments", None, set(ROLES), 200),
    ("GET", "/api/v1/assessments/999", None, set(ROLES), 404),
    ("GET", "/api/v1/baas", None, set(ROLES), 200),
    ("GET", "/api/v1/baas/999", None, set(ROLES), 404),
    ("GET", "/api/v1/allowlist", None, set(ROLES), 200),
    ("GET", "/api/v1/allowlist?format=csv", None, set(ROLES), 200),
    ("GET", "/api/v1/me", None, set(ROLES), 200),
]
MATRIX = [
    pytest.param(
        role, method, path, body, ok if role in allowed else 403, id=f"{role}-{method}-{path}"
    )
    for method, path, body, allowed, ok in WRITES + READS
    for role in ROLES
]


class TestMatrix:
    """Every request here is refused or reads: one shared app serves them all."""

    @pytest.mark.parametrize(("role", "method", "path", "body", "expected"), MATRIX)
    def test_role_may_only_do_what_it_should(self, api, role, method, path, body, expected):
        r = api.client.open(path, method=method, json=body, headers=api.headers[role])
        if expected >= 400:
            error(r, expected)
        else:
            assert r.status_code == expected, r.get_data(as_text=True)[:300]

    @pytest.mark.parametrize(("method", "path", "body", "_allowed", "_ok"), WRITES + READS)
    def test_every_route_needs_a_token(self, api, method, path, body, _allowed, _ok):
        r = api.client.open(path, method=method, json=body)
        error(r, 401, message="bearer token is required")


def test_missing_token_is_401_json_with_www_authenticate(client):
    r = client.get("/api/v1/vendors")
    error(r, 401)
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="vetting"'


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNzd29yZA==", "Bearer", "Bearer    ", "Token abc", "vt_abc", "Bearer\tx"],
)
def test_malformed_authorization_header_is_401(client, admin, header):
    error(client.get("/api/v1/vendors", headers={"Authorization": header}), 401)


def test_bearer_scheme_is_case_insensitive(client, admin):
    secret = admin["Authorization"].split(" ", 1)[1]
    r = client.get("/api/v1/vendors", headers={"Authorization": f"bearer {secret}"})
    assert r.status_code == 200


@pytest.mark.parametrize("secret", ["vt_unknown", "x" * 5000, "vt_" + "é" * 10])
def test_unknown_token_is_401(client, admin, secret):
    r = client.get("/api/v1/vendors", headers={"Authorization": f"Bearer {secret}"})
    error(r, 401, message="invalid or revoked token")


def test_a_token_one_character_off_is_401(client, admin):
    header = admin["Authorization"]
    tampered = header[:-1] + ("A" if header[-1] != "A" else "B")
    error(client.get("/api/v1/vendors", headers={"Authorization": tampered}), 401)


def test_revoked_token_is_401(app, client, admin):
    assert client.get("/api/v1/vendors", headers=admin).status_code == 200
    with app.app_context():
        s = db.session()
        token = s.scalar(select(ApiToken))
        auth.revoke_token(s, auth.CLI_PRINCIPAL, token.id)
    error(client.get("/api/v1/vendors", headers=admin), 401, message="invalid or revoked token")


def _token(app, role="admin", scopes=None, expires_in: timedelta | None = None) -> dict:
    with app.app_context():
        expires = clock.now() + expires_in if expires_in is not None else None
        _, secret = auth.create_token(
            db.session(), auth.CLI_PRINCIPAL, "t", role, scopes, expires_at=expires
        )
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("expires_in", [timedelta(seconds=-1), timedelta(0)])
def test_expired_token_is_401(app, client, expires_in):
    error(
        client.get("/api/v1/vendors", headers=_token(app, expires_in=expires_in)),
        401,
        message="token expired",
    )


def test_token_works_until_it_expires(app, client):
    headers = _token(app, expires_in=timedelta(hours=1))
    assert client.get("/api/v1/vendors", headers=headers).status_code == 200
    with clock.travel(clock.now() + timedelta(hours=1)):
        error(client.get("/api/v1/vendors", headers=headers), 401)


def test_tokens_are_stored_hashed(app, make_token, client):
    secret = make_token("procurement")["Authorization"].split(" ", 1)[1]
    # use it once, so anything written on use is written too
    assert (
        client.get("/api/v1/vendors", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    with app.app_context():
        s = db.session()
        token = s.scalar(select(ApiToken))
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        for table in SQLModel.metadata.sorted_tables:
            for row in s.execute(text(f'SELECT * FROM "{table.name}"')):
                assert secret not in repr(tuple(row)), table.name


def test_token_with_a_subset_of_scopes_is_limited_to_them(app, client):
    headers = _token(app, "admin", ["vendors:read", "vendors:write"])
    assert client.get("/api/v1/vendors", headers=headers).status_code == 200
    assert client.post("/api/v1/vendors", json={"name": "Acme"}, headers=headers).status_code == 201
    error(client.get("/api/v1/apps", headers=headers), 403, message="apps:read")
    error(client.post("/api/v1/baas", json={}, headers=headers), 403, message="baas:write")
    me = client.get("/api/v1/me", headers=headers)
    error(me, 403)  # /me needs checklists:read, which this token was not given


def test_me_reports_role_and_scopes(client, make_token):
    me = client.get("/api/v1/me", headers=make_token("procurement")).json
    assert me["role"] == "procurement"
    assert "vendors:write" in me["scopes"] and "decisions:write" in me["scopes"]
    assert "allowlist:read" in me["scopes"]
    assert "allowlist:write" not in me["scopes"] and "baas:write" not in me["scopes"]


def test_the_allowlist_has_no_write_route(client, admin):
    error(client.post("/api/v1/allowlist", json={}, headers=admin), 405)


def test_token_cannot_be_created_with_scopes_beyond_its_role(app):
    with app.app_context(), pytest.raises(Invalid, match="cannot hold"):
        auth.create_token(db.session(), auth.CLI_PRINCIPAL, "t", "viewer", ["vendors:write"])


def test_token_never_holds_more_than_its_role_allows_today(app, client):
    """A scope stored on the token but no longer granted to its role is ignored."""
    headers = _token(app, "viewer")
    with app.app_context():
        s = db.session()
        token = s.scalar(select(ApiToken))
        token.scopes = [*token.scopes, "vendors:write"]
        s.commit()
    error(client.post("/api/v1/vendors", json={"name": "Acme"}, headers=headers), 403)
