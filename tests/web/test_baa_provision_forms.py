"""The BAA page's provision, exception and scope forms (signed in, with CSRF)."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.web.conftest import Register
from tests.web.test_forms import txt
from vetting import db
from vetting.models import BaaException, BaaProvision


def _count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_provisions_exceptions_and_scope_from_the_baa_page(app, browser, register: Register):
    legal = browser("legal")
    url = f"/baas/{register.baa_id}"
    page = legal.get(url).text
    assert "Required provisions" in page and "12 provisions not reviewed" in page
    assert "scope not reviewed" in page

    bad = legal.post(f"{url}/provisions/subcontractors", {"status": "present"})
    assert bad.status_code == 422 and "quoted or its section named" in txt(bad)
    assert _count(app, BaaProvision) == 0
    ok = legal.post(f"{url}/provisions/subcontractors", {"status": "absent"})
    assert ok.status_code == 302
    page = legal.get(url).text
    assert "Non-conforming:" in txt(legal.get(url)) and "lacks subcontractor flow-down" in page
    register_page = legal.get("/baas?filter=non-conforming").text
    assert "non-conforming" in register_page and "Acme BAA" in register_page
    listed = legal.get("/allowlist").text
    assert "lacks subcontractor flow-down" in listed

    bad = legal.post(f"{url}/exceptions", {"reason": "amended BAA in signature", "ends_on": ""})
    assert bad.status_code == 422 and "end date" in txt(bad)
    assert (
        legal.post(
            f"{url}/exceptions", {"reason": "amended BAA in signature", "ends_on": "2027-01-31"}
        ).status_code
        == 302
    )
    with app.app_context():
        exc_id = db.session().scalar(select(BaaException.id))
    assert legal.post(f"/baas/exceptions/{exc_id}/confirm", {}).status_code == 403
    second = browser("admin")  # a second person with baas:write
    assert second.post(f"/baas/exceptions/{exc_id}/confirm", {}).status_code == 302
    assert "under a confirmed exception" in txt(second.get(url))

    bad = legal.post(f"{url}/scope", {})
    assert bad.status_code == 422 and "name at least one app" in txt(bad)
    ok = legal.post(f"{url}/scope", {"all_products": "on"})
    assert ok.status_code == 302
    assert "scope not reviewed" not in legal.get(url).text
