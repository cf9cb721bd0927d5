"""Answer links (issue 13, item 3): procurement creates, lists and revokes a link; the vendor
opens it without an account, answers in the form (our validation and wording) or uploads a
CAIQ, and submits; answers wait as attested suggestions; nothing else is reachable; every use
is audited; wrong secrets are throttled."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import select

from tests import questionnaire_books as books
from tests.api.chain import app_, assess, audit_events, vendor
from tests.api.expect import error
from tests.conftest import TODAY
from tests.web.conftest import csrf_token
from vetting import clock, db
from vetting.models import AnswerLink, AnswerSuggestion


def make_link(client, headers, aid, **body):  # type: ignore[no-untyped-def]
    r = client.post(f"/api/v1/assessments/{aid}/answer-links", json=body, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def vendor_client(app):  # type: ignore[no-untyped-def]
    return app.test_client()  # no account, no token: a browser with only the link


def test_the_vendor_answers_through_the_link_and_answers_wait_for_review(
    app, client, admin
) -> None:  # type: ignore[no-untyped-def]
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    link = make_link(client, admin, aid, recipient_email="Security@Vendor.example", days=7)
    assert link["state"] == "active" and link["single_use"] is True
    assert link["recipient_email"] == "security@vendor.example"
    path = path_of(link["url"])
    with app.app_context():
        stored = db.session().scalars(select(AnswerLink)).one()
        assert path.rsplit("/", 1)[1] not in stored.token_sha256  # kept hashed only
    before = client.get(f"/api/v1/assessments/{aid}", headers=admin).json["score"]

    v = vendor_client(app)
    page = v.get(path)
    assert page.status_code == 200 and "Security questions" in page.text
    token = csrf_token(page.text)
    bad = v.post(path, data={"csrf_token": token, "v.mfa": "strongest", "v.remote_wipe": "yes"})
    assert bad.status_code == 422
    assert "mfa expects one of: phishing_resistant" in bad.text  # our wording
    ok = v.post(
        path,
        data={
            "csrf_token": token,
            "v.remote_wipe": "yes",
            "c.remote_wipe": "Through our console",
            "v.breach_notification_days": "72 hours",
            "v.mfa": "",
        },
    )
    assert ok.status_code == 200 and "2 answers received" in ok.text
    listed = client.get(f"/api/v1/assessments/{aid}/suggestions", headers=admin).json["items"]
    got = {s["capability_key"]: s for s in listed}
    assert set(got) == {"remote_wipe", "breach_notification_days"}
    assert (
        got["remote_wipe"]["source"] == "attested" and got["remote_wipe"]["origin_kind"] == "link"
    )
    assert got["remote_wipe"]["note"].endswith('Vendor: "Through our console"')
    assert got["breach_notification_days"]["value"]["days"] == 3
    assert client.get(f"/api/v1/assessments/{aid}", headers=admin).json["score"] == before
    r = client.post(
        f"/api/v1/assessments/{aid}/suggestions/accept",
        json={"ids": [got["breach_notification_days"]["id"]]},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    d = client.get(f"/api/v1/assessments/{aid}", headers=admin).json
    line = next(c for c in d["capabilities"] if c["key"] == "breach_notification_days")
    assert line["source"] == "attested" and line["value"]["days"] == 3

    assert v.get(path).status_code == 404  # single use: closed by the submission
    links = client.get(f"/api/v1/assessments/{aid}/answer-links", headers=admin).json["items"]
    assert links[0]["state"] == "used" and links[0]["submissions"] == 1 and links[0]["url"] is None
    actions = [e.action for e in audit_events(app)]
    assert {"answer_link.create", "answer_link.open", "answer_link.submit"} <= set(actions)
    assert "answer_link.refused" in actions  # the late use of a real link is on the record


def test_nothing_else_is_reachable_with_the_link(app, client, admin) -> None:  # type: ignore[no-untyped-def]
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    path = path_of(make_link(client, admin, aid, single_use=False)["url"])
    v = vendor_client(app)
    assert v.get(path).status_code == 200
    assert v.get(f"/assessments/{aid}").status_code == 302  # the sign-in page
    assert v.get(f"/assessments/{aid}/suggestions").status_code == 302
    assert v.get(f"/api/v1/assessments/{aid}").status_code == 401
    secret = path.rsplit("/", 1)[1]
    r = v.get(f"/api/v1/assessments/{aid}", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401


def test_the_workbook_upload_and_until_revoked_links(app, client, admin) -> None:  # type: ignore[no-untyped-def]
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    link = make_link(client, admin, aid, single_use=False)
    path = path_of(link["url"])
    v = vendor_client(app)
    token = csrf_token(v.get(path).text)
    data = books.caiq({"UEM-13.1": ("Yes", "wiped")})
    r = v.post(
        f"{path}/workbook",
        data={"csrf_token": token, "file": (io.BytesIO(data), "our-caiq.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and "our-caiq.xlsx was read" in r.text
    bad = v.post(
        f"{path}/workbook",
        data={"csrf_token": token, "file": (io.BytesIO(books.caiq({}, version="v3.1")), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "CAIQ version v3.1 is not supported" in bad.text
    with app.app_context():
        row = db.session().scalars(select(AnswerSuggestion)).one()
        assert (row.capability_key, row.created_by) == ("remote_wipe", f"answer-link:{link['id']}")
    assert v.get(path).status_code == 200  # until revoked: still open
    r = client.post(f"/api/v1/answer-links/{link['id']}/revoke", headers=admin)
    assert r.status_code == 200 and r.json["state"] == "revoked"
    assert v.get(path).status_code == 404
    assert "answer_link.revoke" in [e.action for e in audit_events(app)]


def test_an_expired_link_and_roles(app, client, admin, make_token) -> None:  # type: ignore[no-untyped-def]
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    path = path_of(make_link(client, admin, aid, days=3)["url"])
    v = vendor_client(app)
    clock.freeze(TODAY + timedelta(days=4))
    try:
        assert v.get(path).status_code == 404
    finally:
        clock.freeze(TODAY)
    viewer = make_token("viewer")
    r = client.post(f"/api/v1/assessments/{aid}/answer-links", json={}, headers=viewer)
    error(r, 403)
    r = client.post(f"/api/v1/assessments/{aid}/answer-links", json={"days": 365}, headers=admin)
    error(r, 422, "days")


def test_guessing_is_throttled(app, client, admin) -> None:  # type: ignore[no-untyped-def]
    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    path = path_of(make_link(client, admin, aid)["url"])
    v = vendor_client(app)
    statuses = [v.get(f"/answer/{'x' * 43}{i}").status_code for i in range(8)]
    assert statuses[:5] == [404] * 5 and statuses[-1] == 429
    r = v.get(path)  # even the right secret waits while the client is throttled
    assert r.status_code == 429 and re.search(r"wait \d+ minute", r.text)


def test_our_own_questionnaire_workbook_through_the_link_waits_as_suggestions(
    app, client, admin
) -> None:  # type: ignore[no-untyped-def]
    from tests.api.test_questionnaires import fill, stored

    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    other_app = app_(client, admin, vendor(client, admin, "Other Co"), "Other", "com.other.app")
    other = assess(client, admin, other_app)["id"]
    foreign = client.get(f"/api/v1/assessments/{other}/questionnaire.xlsx", headers=admin).data
    path = path_of(make_link(client, admin, aid)["url"])  # single use
    v = vendor_client(app)
    page = v.get(path).text
    token = csrf_token(page)
    # the vendor downloads the workbook from the link itself (no account)
    assert f'href="{path}/questionnaire.xlsx"' in page
    own = v.get(f"{path}/questionnaire.xlsx")
    assert own.status_code == 200 and own.data[:4] == b"PK\x03\x04"
    assert "attachment" in own.headers["Content-Disposition"]
    assert v.get(f"{path[:-3]}xyz/questionnaire.xlsx").status_code == 404  # a wrong secret
    exported = own

    def send(data: bytes, name: str):  # type: ignore[no-untyped-def]
        return v.post(
            f"{path}/workbook",
            data={"csrf_token": token, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )

    wrong = send(fill(foreign, {"remote_wipe": "Yes"}), "other.xlsx")
    assert wrong.status_code == 422 and f"not assessment #{aid}" in wrong.text
    bad = send(fill(exported.data, {"remote_wipe": "Maybe"}), "filled.xlsx")
    assert bad.status_code == 422 and "Questions!D" in bad.text
    ok = send(fill(exported.data, {"remote_wipe": "Yes", "baa_signed": "Yes"}), "filled.xlsx")
    assert ok.status_code == 200 and "filled.xlsx was read" in ok.text
    assert stored(app, aid) == {}  # nothing answered: it waits for a person
    with app.app_context():
        rows = db.session().scalars(select(AnswerSuggestion)).all()
        assert sorted(r.capability_key for r in rows) == ["baa_signed", "remote_wipe"]
        assert {r.origin_kind for r in rows} == {"questionnaire"}
        assert all(r.origin_cell and r.origin_cell.startswith("Questions!D") for r in rows)
    assert v.get(path).status_code == 404  # single use: spent by the one good submission


def test_a_link_upload_does_not_tell_the_vendor_what_is_recorded(app, client, admin) -> None:  # type: ignore[no-untyped-def]
    """An answer equal to the recorded one is suggested like any other: the response does not
    reveal whether it matched."""
    from tests.api.test_questionnaires import fill, stored

    aid = assess(client, admin, app_(client, admin, vendor(client, admin)))["id"]
    r = client.put(
        f"/api/v1/assessments/{aid}/answers/remote_wipe",
        json={"value": True, "source": "attested"},
        headers=admin,
    )
    assert r.status_code in (200, 201), r.json
    assert stored(app, aid)["remote_wipe"].value is True
    path = path_of(make_link(client, admin, aid)["url"])
    v = vendor_client(app)
    token = csrf_token(v.get(path).text)
    workbook = v.get(f"{path}/questionnaire.xlsx").data
    same = v.post(
        f"{path}/workbook",
        data={"csrf_token": token, "file": (io.BytesIO(fill(workbook, {"remote_wipe": "Yes"})),
                                             "x" * 300 + ".xlsx")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert same.status_code == 200
    with app.app_context():
        row = db.session().scalars(select(AnswerSuggestion)).one()
        assert row.capability_key == "remote_wipe" and len(row.origin_file or "") <= 255
