"""Watched vendor pages (services/page_watch.py): a fetch through the guarded client becomes
claims with quotes, pending suggestions on the vendor's open assessments, and an alert when a
supporting claim disappears or turns into a denial. A failed fetch is recorded on the page and
saves nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from integrations import http
from tests.vendor_pages import DENIAL_PAGE, TRUST_PAGE, Site, serve
from vetting import auth
from vetting.core.reminders import ReminderKind, SubjectKind
from vetting.core.scoring import Source
from vetting.core.statuses import OriginKind, SuggestionStatus
from vetting.errors import Conflict, Forbidden, Invalid
from vetting.models import Answer, AnswerSuggestion, Notification, PageClaim, WatchedPage
from vetting.schemas import AppCreate, AssessmentCreate, VendorCreate
from vetting.services import apps, assessments, page_watch, suggestions, vendors
from vetting.settings import NotifySettings

ACTOR = auth.CLI_PRINCIPAL
PUBLIC_ONLY = NotifySettings()  # the guard as deployed: internal addresses refused


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from serve(monkeypatch)


@pytest.fixture
def vendor(app: Any, s: Session) -> dict[str, Any]:
    v = vendors.create(s, ACTOR, VendorCreate(name="Lumen Health"))
    a = apps.create(s, ACTOR, AppCreate(vendor_id=v.id, name="Lumen", platform="web"))
    made = assessments.create(
        s,
        ACTOR,
        app.extensions["vetting.checklists"],
        AssessmentCreate(app_id=a.id, checklist_id="clinical-photo"),
    )
    return {"id": v.id, "assessment": made.id, "checklists": app.extensions["vetting.checklists"]}


def _watch(s: Session, vendor: dict[str, Any], url: str) -> int:
    page = page_watch.add_page(s, ACTOR, vendor["id"], url, vendor["checklists"])
    assert page.id is not None
    return page.id


def _fetch(s: Session, vendor: dict[str, Any], page_id: int) -> page_watch.FetchResult:
    return page_watch.fetch_now(s, ACTOR, vendor["id"], page_id, vendor["checklists"], PUBLIC_ONLY)


def test_a_fetch_records_claims_with_quotes_offsets_url_time_and_hash(
    s: Session, vendor: dict[str, Any], site: Site
) -> None:
    page_id = _watch(s, vendor, site.html("/trust", TRUST_PAGE))
    result = _fetch(s, vendor, page_id)
    said = {(c.capability, str(c.stance)) for c in result.claims}
    assert said == {("baa_signed", "supports"), ("encryption_at_rest", "supports")}
    for c in result.claims:
        assert result.read.text[c.start : c.end] == c.quote
    # navigation, scripts, the cookie banner, the footer, the competitor, the FAQ question,
    # its general answer and the subprocessor table said nothing
    assert len(result.claims) == 2
    rows = s.scalars(select(PageClaim).where(col(PageClaim.page_id) == page_id)).all()
    assert {r.url for r in rows} == {site.url("/trust")}
    import hashlib

    assert {r.sha256 for r in rows} == {hashlib.sha256(TRUST_PAGE.encode()).hexdigest()}
    page = s.get(WatchedPage, page_id)
    assert page is not None and page.last_error is None and page.fetch_count == 1
    assert page.last_fetched_at is not None


def test_claims_become_pending_suggestions_accepted_as_attested_with_the_quote(
    s: Session, vendor: dict[str, Any], site: Site
) -> None:
    page_id = _watch(s, vendor, site.html("/trust", TRUST_PAGE))
    assert _fetch(s, vendor, page_id).suggested == 2
    pending = {
        p.suggestion.capability_key: p.suggestion
        for p in suggestions.pending(s, vendor["assessment"])
    }
    baa = pending["baa_signed"]
    assert (baa.value, baa.origin_kind, baa.status) == (True, OriginKind.PAGE, "pending")
    assert "We sign a business associate agreement with every clinic" in (baa.note or "")
    assert s.scalar(select(Answer).where(col(Answer.assessment_id) == vendor["assessment"])) is None
    suggestions.accept(s, ACTOR, vendor["assessment"], [baa.id])  # type: ignore[list-item]
    answer = s.scalar(select(Answer).where(col(Answer.capability_key) == "baa_signed"))
    assert answer is not None and answer.source == Source.ATTESTED
    assert answer.note == baa.note


def test_the_same_claim_is_not_suggested_again_nor_after_a_dismissal(
    s: Session, vendor: dict[str, Any], site: Site
) -> None:
    page_id = _watch(s, vendor, site.html("/trust", TRUST_PAGE))
    _fetch(s, vendor, page_id)
    suggestions.dismiss(s, ACTOR, vendor["assessment"])
    again = _fetch(s, vendor, page_id)
    assert again.suggested == 0 and again.alerts == []
    rows = s.scalars(select(AnswerSuggestion)).all()
    assert len(rows) == 2 and {r.status for r in rows} == {SuggestionStatus.DISMISSED}


def test_a_supporting_claim_turning_into_a_denial_raises_an_alert(
    s: Session, vendor: dict[str, Any], site: Site
) -> None:
    page_id = _watch(s, vendor, site.html("/trust", TRUST_PAGE))
    _fetch(s, vendor, page_id)
    site.html("/trust", DENIAL_PAGE)
    result = _fetch(s, vendor, page_id)
    assert len(result.alerts) == 1 and "now denies baa_signed" in result.alerts[0]
    note = s.scalar(select(Notification).where(col(Notification.subject_id) == page_id))
    assert note is not None
    assert (note.subject_kind, note.kind, note.channel) == (
        SubjectKind.PAGE,
        ReminderKind.PAGE_CLAIM_LOST,
        "in-app",
    )
    assert "no longer says" in note.title and "We do not sign" in note.body
    # the denial is a suggestion too: "no", replacing the pending "yes"
    pending = {
        p.suggestion.capability_key: p.suggestion
        for p in suggestions.pending(s, vendor["assessment"])
    }
    assert pending["baa_signed"].value is False


def test_a_supporting_claim_that_disappears_raises_an_alert(
    s: Session, vendor: dict[str, Any], site: Site
) -> None:
    page_id = _watch(s, vendor, site.html("/trust", TRUST_PAGE))
    _fetch(s, vendor, page_id)
    site.html("/trust", TRUST_PAGE.replace("encrypted at rest with AES-256", "kept safe"))
    result = _fetch(s, vendor, page_id)
    assert [a.split(":")[0] for a in result.alerts] == ["no longer mentions encryption_at_rest"]
    site.html("/trust", TRUST_PAGE.replace("encrypted at rest with AES-256", "kept safe"))
    assert _fetch(s, vendor, page_id).alerts == []  # nothing changed since: no new alert


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda w: w.put("/big", b"<p>x</p>" * 300_000, Content_Type="text/html"),
         "over the limit"),
        (lambda w: w.put("/pdf", b"%PDF-1.7", Content_Type="application/pdf"),
         "content type 'application/pdf'"),
        (lambda w: w.put("/hop", b"", 302, Location=f"http://127.0.0.1:{w.port}/trust"),
         "loopback"),
        (lambda w: w.put("/gone", b"no", 404, Content_Type="text/html"), "HTTP 404"),
        (lambda w: w.put("/slow", b"<p>late</p>", Content_Type="text/html"), "1 s"),
    ],
)  # fmt: skip
def test_a_failed_fetch_is_a_clear_error_recorded_on_the_page_and_saves_nothing(
    s: Session,
    vendor: dict[str, Any],
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    setup: Any,
    words: str,
) -> None:
    monkeypatch.setattr(page_watch, "TOTAL_SECONDS", 1.0)
    page_id = _watch(s, vendor, site.html("/trust", TRUST_PAGE))
    _fetch(s, vendor, page_id)
    before = s.scalars(select(PageClaim)).all()
    url = setup(site)
    page = s.get(WatchedPage, page_id)
    assert page is not None
    page.url = url  # the same watch, now pointing at the bad page
    s.commit()
    with pytest.raises(page_watch.FetchFailed) as caught:
        _fetch(s, vendor, page_id)
    assert words in str(caught.value)
    s.expire_all()
    page = s.get(WatchedPage, page_id)
    assert page is not None and page.last_error is not None and words in page.last_error
    assert page.fetch_count == 1  # the good fetch only
    assert [c.id for c in s.scalars(select(PageClaim)).all()] == [c.id for c in before]
    assert "/trust" not in site.asked[1:]  # the redirect to an internal address never went
    assert s.scalar(select(Notification)) is None


def test_watching_refuses_bad_urls_duplicates_and_readers(
    s: Session, vendor: dict[str, Any], site: Site
) -> None:
    with pytest.raises(Invalid, match="http:// or https://"):
        page_watch.add_page(s, ACTOR, vendor["id"], "file:///etc/passwd", vendor["checklists"])
    _watch(s, vendor, site.url("/trust"))
    with pytest.raises(Conflict, match="already watches"):
        _watch(s, vendor, site.url("/trust"))
    viewer = auth.Principal("viewer", "viewer", frozenset(auth.READ_SCOPES))
    with pytest.raises(Forbidden):
        page_watch.add_page(s, viewer, vendor["id"], site.url("/x"), vendor["checklists"])


def test_a_saved_copy_suggests_without_watching(
    s: Session, vendor: dict[str, Any], tmp_path: Any
) -> None:
    saved = tmp_path / "trust.html"
    saved.write_text(TRUST_PAGE, encoding="utf-8")
    result = page_watch.suggest_from_file(
        s, ACTOR, vendor["id"], page_watch.read_file(saved), vendor["checklists"]
    )
    assert result.suggested == 2 and result.read.url.startswith("file://")
    assert s.scalar(select(WatchedPage)) is None


def test_removing_a_vendor_drops_its_watched_pages(s: Session, site: Site) -> None:
    v = vendors.create(s, ACTOR, VendorCreate(name="Solo"))
    assert v.id is not None
    page_watch.add_page(s, ACTOR, v.id, site.url("/trust"), {})
    vendors.delete(s, ACTOR, v.id)
    assert s.scalar(select(WatchedPage)) is None


def test_the_page_byte_cap_is_two_mebibytes() -> None:
    assert http.PAGE_MAX_BYTES == 2 * 1024 * 1024


def test_the_daily_job_fetches_watched_pages_and_alerts(
    app: Any, s: Session, vendor: dict[str, Any], site: Site
) -> None:
    from vetting import jobs

    page_id = _watch(s, vendor, site.html("/trust", TRUST_PAGE))
    _fetch(s, vendor, page_id)
    site.html("/trust", DENIAL_PAGE)
    out = jobs.daily_job(app)
    assert out["pages"] == {"fetched": 1, "failed": 0, "alerts": 1}
    s.expire_all()
    assert s.scalar(select(Notification).where(col(Notification.subject_id) == page_id))
