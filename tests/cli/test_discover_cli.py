"""`vetting discover page|watch|unwatch|pages|refresh`: claims on a vendor's pages from the
shell, as JSON for scripts; a failed fetch is a clear one-line error recorded on the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.helpers import clean_error, invoke, ok
from tests.vendor_pages import DENIAL_PAGE, TRUST_PAGE, Site, serve
from vetting import auth
from vetting.schemas import AppCreate, AssessmentCreate, VendorCreate
from vetting.services import apps, assessments, vendors


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from serve(monkeypatch)


@pytest.fixture
def vendor_id(app: Any, s: Any) -> int:
    v = vendors.create(s, auth.CLI_PRINCIPAL, VendorCreate(name="Lumen Health"))
    a = apps.create(s, auth.CLI_PRINCIPAL, AppCreate(vendor_id=v.id, name="Lumen", platform="web"))
    assessments.create(
        s,
        auth.CLI_PRINCIPAL,
        app.extensions["vetting.checklists"],
        AssessmentCreate(app_id=a.id, checklist_id="clinical-photo"),
    )
    assert v.id is not None
    return v.id


def test_page_json_lists_claims_with_offsets_url_and_hash(runner: Any, vendor_id: int, site: Site):
    url = site.html("/trust", TRUST_PAGE)
    out = json.loads(
        ok(invoke(runner, "discover", "page", url, "--vendor", str(vendor_id), "--json"))
    )
    assert set(out) == {"claims", "url", "sha256"}
    assert out["url"] == url and len(out["sha256"]) == 64
    assert [(c["capability"], c["stance"]) for c in out["claims"]] == [
        ("baa_signed", "supports"),
        ("encryption_at_rest", "supports"),
    ]
    assert set(out["claims"][0]) == {"capability", "stance", "condition", "quote", "start", "end"}
    pages = json.loads(
        ok(invoke(runner, "discover", "pages", "--vendor", str(vendor_id), "--json"))
    )
    assert [p["url"] for p in pages["pages"]] == [url]  # a URL is watched from now on


def test_refresh_alerts_when_the_page_stops_saying_it(runner: Any, vendor_id: int, site: Site):
    url = site.html("/trust", TRUST_PAGE)
    ok(invoke(runner, "discover", "page", url, "--vendor", str(vendor_id)))
    site.html("/trust", DENIAL_PAGE)
    r = invoke(runner, "discover", "refresh")
    assert r.exit_code == 0, r.output
    assert "1 alerts" in r.output and "now denies baa_signed" in r.output
    listed = ok(invoke(runner, "notifications", "list", "--subject", "page"))
    assert "page_claim_lost" in listed or "no longer says" in listed


def test_a_saved_file_is_read_without_watching(runner: Any, vendor_id: int, tmp_path: Any):
    saved = tmp_path / "trust.txt"
    saved.write_text(
        "Lumen security\n\nBAA available on the Enterprise plan.\nWe do not offer SSO; "
        "single sign-on is not supported.\n",
        encoding="utf-8",
    )
    out = ok(invoke(runner, "discover", "page", str(saved), "--vendor", str(vendor_id)))
    assert 'conditional baa_signed [on the Enterprise plan]  "BAA available on' in out
    assert "denies      sso_saml_oidc" in out
    listed = json.loads(
        ok(invoke(runner, "discover", "pages", "--vendor", str(vendor_id), "--json"))
    )
    assert listed == {"pages": []}


def test_failures_are_clear_errors(runner: Any, vendor_id: int, site: Site):
    pdf = site.put("/doc", b"%PDF-1.7", Content_Type="application/pdf")
    r = invoke(runner, "discover", "page", pdf, "--vendor", str(vendor_id))
    clean_error(r, "content type 'application/pdf'")
    pages = json.loads(
        ok(invoke(runner, "discover", "pages", "--vendor", str(vendor_id), "--json"))
    )
    assert "application/pdf" in pages["pages"][0]["last_error"]
    assert pages["pages"][0]["claims"] == []
    clean_error(invoke(runner, "discover", "page", "nowhere.html", "--vendor", "1"), "not an http")
    clean_error(invoke(runner, "discover", "page", pdf, "--vendor", "999"), "vendor")
    r = invoke(runner, "discover", "page", pdf, "--vendor", str(vendor_id), "--checklist", "nope")
    assert r.exit_code == 1 and "nope" in r.output
    r = invoke(runner, "discover", "page", pdf, "--vendor", str(vendor_id),
               "--checklist", "secure-messaging")  # fmt: skip
    clean_error(r, "unwatch it first")
    r = invoke(runner, "discover", "unwatch", "1", "--vendor", str(vendor_id))
    assert "no longer watching page 1" in ok(r)
