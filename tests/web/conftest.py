"""Web UI fixtures: users of every role signed in through the real /login form (CSRF and
all), and a small register built through the services."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from vetting import auth, db
from vetting.schemas import (
    AnswerIn,
    AppCreate,
    AssessmentCreate,
    BaaCreate,
    DecisionIn,
    VendorCreate,
)
from vetting.services import apps, assessments, baas, decisions, vendors

PASSWORD = "correct horse battery"
ACTOR = auth.CLI_PRINCIPAL
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    m = _CSRF_RE.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


class Browser:
    """A test client that signs in like a person and sends forms with their CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def login(self, email: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        resp = self.client.post(
            "/login",
            data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
        )
        if resp.status_code == 302:
            self.token = csrf_token(self.client.get("/").text)
        return resp

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kw)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., str]:
    def make(role: str, email: str | None = None, password: str = PASSWORD) -> str:
        email = email or f"{role}@hospital.example"
        with app.app_context():
            auth.create_user(db.session(), ACTOR, email, password, role)
        return email

    return make


@pytest.fixture
def browser(app: Flask, make_user: Callable[..., str]) -> Callable[[str], Browser]:
    """browser("legal") → a Browser signed in as a new user with that role."""

    def sign_in(role: str) -> Browser:
        b = Browser(app.test_client())
        resp = b.login(make_user(role))
        assert resp.status_code == 302, resp.text
        return b

    return sign_in


def signed_baa(s: Any, vendor_id: int, title: str) -> Any:
    """An active BAA in force through 2026 whose signed copy is noted as held elsewhere."""
    return baas.create(
        s,
        ACTOR,
        BaaCreate(
            vendor_id=vendor_id,
            effective_date=date(2026, 1, 1),
            expiration_date=date(2026, 12, 31),
            breach_notification_days=5,
            title=title,
            signed_copy_note="signed PDF in the contracts share",
        ),
    )


@dataclass
class Register:
    vendor_id: int
    other_vendor_id: int
    app_id: int
    open_app_id: int
    decided_id: int
    open_id: int
    baa_id: int


def good_answer(kind: str, options: tuple[tuple[str, float], ...]) -> Any:
    return {"bool": True, "max_days": 3, "min_number": 7}.get(kind) or options[0][0]


@pytest.fixture
def register(app: Flask) -> Register:
    """Two vendors, two apps: one assessed, approved and on the list; one being assessed."""
    with app.app_context():
        s = db.session()
        checklist = app.extensions["vetting.checklists"]["clinical-photo"]
        v = vendors.create(
            s, ACTOR, VendorCreate(name="Acme Health", website="https://acme.example")
        )
        w = vendors.create(s, ACTOR, VendorCreate(name="Borealis Imaging"))
        a = apps.create(
            s,
            ACTOR,
            AppCreate(
                vendor_id=v.id, name="Acme Camera", platform="ios", store_id="com.acme.camera"
            ),
        )
        b = apps.create(
            s,
            ACTOR,
            AppCreate(
                vendor_id=w.id,
                name="Borealis Snap",
                platform="android",
                store_id="com.borealis.snap",
            ),
        )
        done = assessments.create(
            s,
            ACTOR,
            app.extensions["vetting.checklists"],
            AssessmentCreate(app_id=a.id, checklist_id="clinical-photo"),
        )
        answers = {
            c.key: AnswerIn(
                value=good_answer(c.kind, c.options),
                source="verified",
                evidence_url="https://borealis.example/trust/soc2-bridge-letter.pdf",
            )
            for c in checklist.capabilities
        }
        assessments.answer_many(s, ACTOR, done.id, answers)
        decisions.decide(s, ACTOR, done.id, DecisionIn(decision="approved"))
        pending = assessments.create(
            s,
            ACTOR,
            app.extensions["vetting.checklists"],
            AssessmentCreate(app_id=b.id, checklist_id="clinical-photo"),
        )
        baa = signed_baa(s, v.id, "Acme BAA")
        return Register(v.id, w.id, a.id, b.id, done.id, pending.id, baa.id)  # type: ignore[arg-type]


@pytest.fixture
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app runs while the test is active."""
    statements: list[str] = []
    engine = app.extensions["vetting.engine"]

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    yield statements
    event.remove(engine, "before_cursor_execute", before)


def days(n: int) -> date:
    return date(2026, 11, 25) + timedelta(days=n)


PLAN = re.compile(r'name="plan" value="([0-9a-f]{64})"')


def publish_list(b: Browser, note: str = "", confirm: str | None = None) -> Any:
    """Publish today's list as a person does: open the review, then post its plan."""
    review = b.get("/allowlist/publish")
    assert review.status_code == 200, review.text
    found = PLAN.search(review.text)
    assert found, "the review offers no publish form"
    data = {"plan": found.group(1), "note": note}
    if confirm is not None:
        data["confirm"] = confirm
    return b.post("/allowlist/publish", data)


# The real browser's fixtures (server, chromium, people), for the browser test modules.
from tests.web.browser_fixtures import USED, chromium, people, server, shots  # noqa: E402, F401


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the browser tests' screenshots were kept."""
    for path in USED:
        count = len(list(path.glob("*.png")))
        terminalreporter.write_line(f"browser screenshots: {count} in {path}")
