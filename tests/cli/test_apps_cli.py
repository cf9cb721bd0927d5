"""`vetting apps lookup APP_ID [--json]` and `vetting apps refresh`."""

from __future__ import annotations

import json

from tests.api.chain import app_, approved_app, baa, vendor
from tests.cli.helpers import clean_error, invoke, ok
from tests.configure import use
from tests.store_server import Reply, StoreServer, itunes_result

IOS = "com.acme.camera"


def test_lookup_prints_the_listing_and_its_flags(app, client, admin, runner, stores: StoreServer):
    use(app, **stores.settings())
    app_id = app_(client, admin, vendor(client, admin, "Acme Health"), store_id=IOS)
    stores.itunes[IOS] = [itunes_result(IOS, seller="Globex Corporation")]
    out = ok(invoke(runner, "apps", "lookup", str(app_id)))
    assert "seller_name\tGlobex Corporation" in out
    assert "flag\tseller_mismatch\tthe store's seller 'Globex Corporation'" in out
    data = json.loads(ok(invoke(runner, "apps", "lookup", str(app_id), "--json")))
    assert data["listing"]["flags"][0]["code"] == "seller_mismatch"
    assert data["listing"]["minimum_os"] == "16.0"


def test_a_failed_lookup_is_one_line_and_exit_1(app, client, admin, runner, stores: StoreServer):
    use(app, **stores.settings())
    app_id = app_(client, admin, vendor(client, admin), store_id=IOS)
    stores.routes[("/lookup", IOS)] = Reply(body=b"x" * 100, content_type="text/plain")
    clean_error(invoke(runner, "apps", "lookup", str(app_id)), "not JSON")
    clean_error(invoke(runner, "apps", "lookup", "999"), "no app with id 999")


def test_refresh_looks_up_the_listed_apps(app, client, admin, runner, stores: StoreServer):
    use(app, **stores.settings())
    vid = vendor(client, admin, "Acme Health")
    baa(client, admin, vid, expiration_date="2027-05-31")
    approved_app(client, admin, vid, name="Acme Camera", store_id=IOS)
    stores.itunes[IOS] = [itunes_result(IOS)]
    data = json.loads(ok(invoke(runner, "apps", "refresh", "--json")))
    assert (data["looked_up"], data["failed"], data["flagged"]) == (1, 0, 0)
