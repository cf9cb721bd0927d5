"""Safe publishing and release pages (issue 15, item 3): publishing starts from a review that
shows the count and every change; it publishes exactly what was reviewed (a list that moved
since is shown again, not sent); an empty or much smaller list needs the count typed out;
each release has a page with its diff, its exports and the syncs of it."""

from __future__ import annotations

from sqlalchemy import select

from tests.web.conftest import PLAN, Register, publish_list
from tests.web.html_check import problems
from vetting import db
from vetting.models import AllowlistRelease


def releases(app) -> int:
    with app.app_context():
        return len(db.session().scalars(select(AllowlistRelease)).all())


def test_the_review_shows_the_count_and_changes_and_publishing_opens_the_release(
    app, browser, register: Register
):
    it = browser("it")
    review = it.get("/allowlist/publish")
    assert review.status_code == 200
    assert problems(review.text) == []
    assert "apps on the new list" in review.text and "Acme Camera" in review.text
    assert "Publish 1 apps" in review.text
    assert releases(app) == 0  # the review sends nothing
    done = publish_list(it, "first")
    assert done.status_code == 302 and done.headers["Location"].endswith("/allowlist/releases/1")
    page = it.get("/allowlist/releases/1")
    assert page.status_code == 200 and problems(page.text) == []
    assert "Release #1" in page.text and "The first release" in page.text
    assert "Acme Camera" in page.text and "/allowlist/releases/1/export/" in page.text
    assert "has not been synced" in page.text
    assert 'href="/allowlist/releases/1"' in it.get("/allowlist").text


def test_a_list_that_moved_since_the_review_is_shown_again_not_published(
    app, browser, client, admin, register: Register
):
    it = browser("it")
    plan = PLAN.search(it.get("/allowlist/publish").text).group(1)
    r = client.patch(
        f"/api/v1/apps/{register.app_id}",
        json={"revoked_on": "2026-01-01", "revoked_reason": "withdrawn by the vendor"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    resp = it.post("/allowlist/publish", {"plan": plan, "note": "x"})
    assert resp.status_code == 409
    assert "changed since you reviewed it" in resp.text
    assert 'value="x"' in resp.text  # the note typed is kept
    assert releases(app) == 0


def test_a_post_without_a_review_publishes_nothing(app, browser, register: Register):
    resp = browser("it").post("/allowlist/publish", {"note": "no review"})
    assert resp.status_code == 409 and releases(app) == 0


def test_an_empty_list_needs_the_count_typed_out(app, browser, client, admin, register):
    it = browser("it")
    client.patch(
        f"/api/v1/apps/{register.app_id}",
        json={"revoked_on": "2026-01-01", "revoked_reason": "withdrawn"},
        headers=admin,
    )
    review = it.get("/allowlist/publish").text
    assert "the list is empty" in review and "publish 0 apps" in review
    missing = publish_list(it)
    assert missing.status_code == 422 and "type “publish 0 apps”" in missing.text
    wrong = publish_list(it, confirm="yes")
    assert wrong.status_code == 422 and releases(app) == 0
    done = publish_list(it, confirm="  Publish 0   apps ")
    assert done.status_code == 302 and releases(app) == 1


def test_removing_the_last_app_needs_the_count_typed_and_its_release_shows_the_removal(
    app, browser, client, admin, register
):
    it = browser("it")
    assert publish_list(it, "first").status_code == 302
    client.patch(
        f"/api/v1/apps/{register.app_id}",
        json={"revoked_on": "2026-01-01", "revoked_reason": "withdrawn"},
        headers=admin,
    )
    review = it.get("/allowlist/publish").text
    assert "(release #1 has 1)" in review and "Removed" in review
    assert publish_list(it).status_code == 422
    assert publish_list(it, confirm="publish 0 apps").status_code == 302
    page = it.get("/allowlist/releases/2").text
    assert "Changes from release #1" in page and "Acme Camera" in page
    assert 'href="/allowlist/releases/1"' in page  # the previous release


def test_who_may_see_review_and_release_pages(browser, register):
    publish_list(browser("it"))
    viewer = browser("viewer")
    assert viewer.get("/allowlist/publish").status_code == 403
    assert viewer.get("/allowlist/releases/1").status_code == 200
    assert viewer.get("/allowlist/releases/99").status_code == 404


def test_publishing_refuses_a_list_other_than_the_reviewed_one_under_its_lock(app, register):
    import pytest

    from vetting import auth
    from vetting.errors import Conflict
    from vetting.services import releases as publishing

    with app.app_context():
        s = db.session()
        with pytest.raises(Conflict) as caught:
            publishing.publish(s, auth.CLI_PRINCIPAL, expected_sha256="0" * 64)
        assert caught.value.errors[0].field == "plan"
    assert releases(app) == 0


def test_the_review_hash_is_the_published_lists_and_a_write_around_the_services_is_no_dead_end(
    app, browser, register: Register
):
    """The review takes its hash from the kept live list: it is the hash of the list as
    publishing computes it afresh. A row changed around the services (no audit event) is seen
    by the fresh computation only: publishing refuses the reviewed hash, and the page asked
    again carries the exact one, so the next try publishes (a careless page would hand back
    the kept list's hash again and refuse for ever)."""
    from sqlalchemy import update

    from vetting.models import App
    from vetting.queries import releases as release_reads
    from vetting.web.base import today

    it = browser("it")
    plan = PLAN.search(it.get("/allowlist/publish").text).group(1)
    with app.test_request_context():
        assert plan == release_reads.draft(db.session(), today())[1].sha256
    with app.app_context():  # around the services: no audit event, no new row
        s = db.session()
        s.execute(update(App).where(App.id == register.app_id).values(name="Acme Camera Pro"))
        s.commit()
    assert PLAN.search(it.get("/allowlist/publish").text).group(1) == plan  # kept: not seen
    refused = it.post("/allowlist/publish", {"plan": plan, "note": "x"})
    assert refused.status_code == 409 and "changed since you reviewed it" in refused.text
    exact = PLAN.search(refused.text).group(1)
    assert exact != plan and releases(app) == 0
    done = it.post("/allowlist/publish", {"plan": exact, "note": "x"})
    assert done.status_code == 302, done.text[:500]
    assert releases(app) == 1
    assert "Acme Camera Pro" in it.get("/allowlist/releases/1").text
