"""The app page's "Look up in store" button (CSRF, scope) and the listing it shows."""

from __future__ import annotations

from tests.configure import use
from tests.store_server import Reply, StoreServer, itunes_result, play_data_safety, play_listing
from tests.web.html_check import problems
from vetting import db
from vetting.models import App, Vendor

IOS = "com.acme.camera"


def make_app(app, platform: str = "ios", store_id: str | None = IOS) -> int:
    with app.app_context():
        s = db.session()
        vendor = Vendor(name="Acme Health")
        s.add(vendor)
        s.flush()
        row = App(vendor_id=vendor.id, name="Acme Camera", platform=platform, store_id=store_id)
        s.add(row)
        s.commit()
        assert row.id is not None
        return row.id


def test_the_button_looks_up_and_the_page_shows_listing_and_flags(
    app, browser, stores: StoreServer
):
    use(app, **stores.settings())
    app_id = make_app(app)
    stores.itunes[IOS] = [itunes_result(IOS, name="Acme Scanner")]
    b = browser("procurement")
    page = b.get(f"/apps/{app_id}")
    assert "Look up in store" in page.text and "Not looked up yet." in page.text
    r = b.post(f"/apps/{app_id}/lookup")
    assert r.status_code == 302
    page = b.get(f"/apps/{app_id}")
    assert "1 flag" in page.text
    assert "the store ID points to &#39;Acme Scanner&#39;, not &#39;Acme Camera&#39;" in page.text
    assert "Acme Health, L.L.C." in page.text and "16.0" in page.text
    assert "store_listing.update" in page.text  # the app's history shows the lookup


def test_a_failed_lookup_is_shown_with_its_error(app, browser, stores: StoreServer):
    use(app, **stores.settings())
    app_id = make_app(app)
    stores.routes[("/lookup", IOS)] = Reply(503, b"busy")
    b = browser("admin")
    assert b.post(f"/apps/{app_id}/lookup").status_code == 302
    page = b.get(f"/apps/{app_id}")
    assert "Store lookup failed" in page.text and "HTTP 503" in page.text
    assert "The last lookup failed" in page.text


def test_android_data_safety_is_shown_unknown_where_not_found(app, browser, stores: StoreServer):
    use(app, **stores.settings())
    app_id = make_app(app, "android", "com.acme.camera")
    stores.android("com.acme.camera", play_listing(title="Acme Camera"), play_data_safety())
    b = browser("admin")
    b.post(f"/apps/{app_id}/lookup")
    page = b.get(f"/apps/{app_id}").text
    assert problems(page) == []
    assert "You can request that data be deleted" in page
    assert "<dt>Data shared</dt><dd>unknown</dd>" in page


def test_the_button_needs_the_write_scope_and_a_csrf_token(app, browser, stores: StoreServer):
    use(app, **stores.settings())
    app_id = make_app(app)
    viewer = browser("viewer")
    assert "Look up in store" not in viewer.get(f"/apps/{app_id}").text
    assert viewer.post(f"/apps/{app_id}/lookup").status_code == 403
    admin = browser("admin")
    no_token = admin.client.post(f"/apps/{app_id}/lookup", data={})
    assert no_token.status_code in (400, 403)
    assert stores.seen == []


def test_a_web_app_has_no_button(app, browser):
    app_id = make_app(app, "web", None)
    page = browser("admin").get(f"/apps/{app_id}").text
    assert "A web app has no store listing." in page and "Look up in store" not in page


def test_a_listing_of_an_earlier_store_id_says_so(app, browser, stores: StoreServer):
    use(app, **stores.settings())
    app_id = make_app(app)
    stores.itunes[IOS] = [itunes_result(IOS)]
    b = browser("admin")
    b.post(f"/apps/{app_id}/lookup")
    with app.app_context():
        s = db.session()
        row = s.get(App, app_id)
        assert row is not None
        row.store_id = "com.acme.camera2"
        s.commit()
    page = b.get(f"/apps/{app_id}").text
    assert "the app's store ID has changed since: look it up again" in page
