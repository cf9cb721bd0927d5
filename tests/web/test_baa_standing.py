"""Hand-off between roles (issue 15, item 4): the scorecard and the decision form say what the
vendor's BAAs mean for the list — an approval waits on legal when no BAA is in force — and
whether the app is on the list today, with the reasons when it is not."""

from __future__ import annotations

from tests.web.conftest import Register
from tests.web.html_check import problems


def test_a_vendor_without_a_baa_is_said_on_the_scorecard_and_the_form(browser, register: Register):
    proc = browser("procurement")
    page = proc.get(f"/assessments/{register.open_id}").text  # Borealis: no BAA on file
    assert problems(page) == []
    assert "No BAA with Borealis Imaging is on file" in page
    assert "approving puts the app on the list only when a BAA is in force" in page
    assert 'id="decision-baa"' in page  # said again where the decision is taken
    assert "not on the approved list" in page


def test_a_vendor_with_a_baa_in_force_and_an_app_on_the_list(browser, register: Register):
    page = browser("procurement").get(f"/assessments/{register.decided_id}").text
    assert "A BAA with Acme Health is in force, through 2026-12-31" in page
    assert f'href="/baas/{register.baa_id}"' in page
    assert "on the approved list" in page and "not on the approved list" not in page


def test_an_expired_baa_is_named_as_the_newest_on_file(app, client, admin, browser, register):
    r = client.post(
        f"/api/v1/baas/{register.baa_id}/terminate",
        json={"on": "2026-06-01", "reason": "replaced by a new MSA"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    page = browser("procurement").get(f"/assessments/{register.decided_id}").text
    assert "No BAA with Acme Health is in force (the newest on file is terminated)" in page
    assert "not on the approved list</strong>: BAA with Acme Health terminated" in page


def test_the_dashboard_queues_approved_apps_off_the_list(app, client, admin, browser, register):
    legal = browser("legal")
    home = legal.get("/").text
    assert 'id="approved-off"' not in home  # the approved app's BAA is in force
    client.post(
        f"/api/v1/baas/{register.baa_id}/terminate",
        json={"on": "2026-06-01", "reason": "replaced by a new MSA"},
        headers=admin,
    )
    home = browser("procurement").get("/").text
    assert problems(home) == []
    assert "Approved, but not on the list (1)" in home
    assert "Acme Camera" in home.split('id="approved-off"')[1].split("</section>")[0]
    # an app never approved (Borealis, being assessed) is not in this queue
    assert "Borealis Snap" not in home.split('id="approved-off"')[1].split("</section>")[0]
    # nor one revoked on purpose: nobody is to act on it
    r = client.patch(
        f"/api/v1/apps/{register.app_id}",
        json={"revoked_on": "2026-11-01", "revoked_reason": "withdrawn"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert 'id="approved-off"' not in legal.get("/").text


def test_the_apps_list_says_who_is_on_the_list_today_and_an_expired_decision_is_not_green(
    app, browser, register: Register
):
    from datetime import date

    from vetting import db
    from vetting.models import Decision

    b = browser("viewer")
    page = b.get("/apps").text
    assert problems(page) == []
    rows = {r.split("</tr>")[0] for r in page.split("<tr>")[1:]}
    acme = next(r for r in rows if "Acme Camera" in r)
    borealis = next(r for r in rows if "Borealis Snap" in r)
    assert "on the list" in acme and "off</span>" not in acme
    assert "off</span>: no decision recorded" in borealis
    with app.app_context():
        s = db.session()
        d = s.get(Decision, 1)
        d.valid_until = date(2026, 10, 26)
        s.commit()
    page = b.get("/apps").text
    acme = next(r for r in page.split("<tr>")[1:] if "Acme Camera" in r)
    assert "approved, expired" in acme and "until 2026-10-26" in acme
    assert "off</span>: approved decision expired" in acme or "off</span>:" in acme


def test_the_register_takes_an_as_of_date_and_a_window_and_its_pages_keep_them(browser, register):
    legal = browser("legal")
    soon = legal.get("/baas?within_days=60").text  # Acme's BAA ends 2026-12-31: 36 days
    assert "Acme Health" in soon.split("<tbody>")[-1] and problems(soon) == []
    assert 'value="60" selected' in soon
    none = legal.get("/baas?within_days=30").text
    assert "No BAA matches." in none
    later = legal.get("/baas?as_of=2027-02-01").text
    assert "States on 2027-02-01" in later and "(not today)" in later
    assert "expired" in later.split("<tbody>")[-1].lower()
    assert legal.get("/baas?within_days=abc").status_code == 422
    assert legal.get("/baas?as_of=2027-13-01").status_code == 400
    got = legal.get("/baas/export.csv?as_of=2027-02-01")
    assert got.status_code == 200 and b"expired" in got.data.lower()


def test_vendors_and_assessments_download_and_assessments_sort(browser, register):
    import csv
    import io

    from openpyxl import load_workbook

    b = browser("viewer")
    page = b.get("/assessments?sort=app&desc=0").text
    assert problems(page) == []
    body = page.split("<tbody>")[1]
    assert body.index("Acme Camera") < body.index("Borealis Snap")  # by app name, A→Z
    body = b.get("/assessments?sort=app&desc=1").text.split("<tbody>")[1]
    assert body.index("Borealis Snap") < body.index("Acme Camera")
    assert 'href="/assessments/export.xlsx?sort=app' in page
    got = b.get("/assessments/export.csv?sort=app&desc=0")
    rows = list(csv.reader(io.StringIO(got.data.decode())))
    assert rows[0][:3] == ["#", "App", "Platform"] and [r[1] for r in rows[1:]] == [
        "Acme Camera",
        "Borealis Snap",
    ]
    got = b.get("/vendors/export.xlsx?q=acme")
    assert got.status_code == 200 and got.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(got.data)).active
    assert [c.value for c in ws[2]][:1] == ["Acme Health"] and ws.max_row == 2
    assert 'href="/vendors/export.csv"' in b.get("/vendors").text
    assert b.get("/vendors/export.pdf").status_code == 404
