"""The real browser for the UI tests: Debian's Chromium driven by Playwright against the app
served on 127.0.0.1 (`server`, `chromium`), and `people(role, width)`: a signed-in tab per
role that records any console error (a CSP violation included). Screenshots (`Person.shot`)
are kept as test output outside the checkout: in the folder VETTING_SCREENSHOTS names, else
in `screenshots/` under pytest's base temporary folder (pytest keeps the last three runs);
the run's summary says where."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
SHOTS_ENV = "VETTING_SCREENSHOTS"
USED: list[Path] = []  # the screenshot folder of this run, for the summary (conftest.py)
# For a test module: skipped, with the reason, where Chromium or Playwright is missing.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this run's screenshots go (see the module's doc)."""
    configured = os.environ.get(SHOTS_ENV, "").strip()
    path = Path(configured) if configured else tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    if path not in USED:
        USED.append(path)
    return path


@pytest.fixture
def chromium() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            headless=True,
        )
        yield browser
        browser.close()


class Person:
    """One signed-in browser tab, recording any console error (a CSP violation included)."""

    def __init__(self, chromium: object, base: str, email: str, password: str,
                 width: int = 1280, shots: Path | None = None) -> None:  # fmt: skip
        self.shots = shots
        self.context = chromium.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": 900}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.go("/login")
        self.page.fill("#f-email", email)
        self.page.fill("#f-password", password)
        self.page.click("form.stack button[type=submit]")
        self.page.wait_for_url(f"{base}/")

    def _console(self, message: object) -> None:
        text = message.text  # type: ignore[attr-defined]
        # A 4xx page is an answer the test asked for; a script or CSP error never is.
        expected = "the server responded with a status of 4" in text
        if message.type == "error" and not expected:  # type: ignore[attr-defined]
            self.errors.append(text)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> Path | None:
        """A full-page screenshot kept as `<name>.png` (none without a folder)."""
        if self.shots is None:
            return None
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        assert self.errors == [], self.errors
        self.context.close()


@pytest.fixture
def people(
    app: Flask, chromium: object, server: str, shots: Path
) -> Iterator[Callable[..., Person]]:
    from sqlalchemy import select

    from vetting import auth, db
    from vetting.models import User

    opened: list[Person] = []

    def open_as(role: str, width: int = 1280) -> Person:
        email, password = f"{role}@hospital.example", "browser test password"
        with app.app_context():
            if db.session().scalar(select(User).where(User.email == email)) is None:
                auth.create_user(db.session(), auth.CLI_PRINCIPAL, email, password, role)
        person = Person(chromium, server, email, password, width, shots)
        opened.append(person)
        return person

    yield open_as
    for person in opened:
        person.close()
