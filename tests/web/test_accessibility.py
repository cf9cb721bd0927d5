"""Every page, for every role, in the real browser (issue 15, item 7): axe-core's rules run in
the page with no serious or critical violation, nothing scrolls the page sideways at 390 px
(wide tables scroll inside their box), and screenshots at 1440 and 390 px of each page are
kept as test output (tests/web/browser_fixtures.py: the folder VETTING_SCREENSHOTS names, else
under pytest's temporary folder). The pages signed-out people see (sign-in, a vendor's answer
link) are checked the same way."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import pytest

from tests.web.browser_fixtures import BROWSER_MARKS
from tests.web.conftest import ACTOR, Register
from vetting import db
from vetting.schemas import ParentAgreementCreate
from vetting.services import answer_links, parent_agreements, releases, sync

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
pytestmark = BROWSER_MARKS

# (path, who may open it): each role visits what its menu offers.
ALL = ("admin", "procurement", "legal", "it", "viewer")
PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/", ALL),
    ("/notifications", ALL),
    ("/vendors", ALL),
    ("/vendors/{vendor_id}", ALL),
    ("/vendors/new", ("admin", "procurement")),
    ("/apps", ALL),
    ("/apps/{app_id}", ALL),
    ("/apps/new", ("admin", "procurement")),
    ("/apps/{app_id}/edit", ("admin", "procurement")),
    ("/vendors/{vendor_id}/edit", ("admin", "procurement")),
    ("/import/apps", ("admin", "procurement")),
    ("/import/vendors", ("admin", "procurement")),
    ("/assessments", ALL),
    ("/assessments/new", ("admin", "procurement")),
    ("/assessments/{open_id}", ALL),
    ("/assessments/{decided_id}", ALL),
    ("/assessments/{open_id}/answers", ("admin", "procurement")),
    ("/assessments/{open_id}/suggestions", ("admin", "procurement")),
    ("/assessments/{open_id}/questionnaire", ("admin", "procurement")),
    ("/compare?checklist=clinical-photo&app={app_id}&app={open_app_id}", ALL),
    ("/baas", ALL),
    ("/baas/{baa_id}", ALL),
    ("/baas/new", ("admin", "legal")),
    ("/baas/{baa_id}/edit", ("admin", "legal")),
    ("/import/baas", ("admin", "legal")),
    ("/parents", ALL),
    ("/parents/{parent_id}", ALL),
    ("/calendar", ALL),
    ("/allowlist", ALL),
    ("/allowlist/publish", ("admin", "it")),
    ("/allowlist/releases/{release_id}", ALL),
    ("/allowlist/sync/{target_id}", ("admin", "it")),
    ("/allowlist/targets", ALL),
    ("/allowlist/targets/new?kind=intune", ("admin", "it")),
    ("/allowlist/targets/{target_id}/edit", ("admin", "it")),
    ("/audit", ("admin", "legal")),
    ("/audit/verify", ("admin", "legal")),
    ("/admin", ("admin",)),
    ("/admin/channels", ("admin",)),
    ("/no-such-page", ("viewer",)),
)
SERIOUS = {"serious", "critical"}


def _problems(page: object) -> list[str]:
    results = axe_module.Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


@pytest.fixture
def records(app, register: Register) -> dict[str, object]:
    """The register's ids, and a release, a sync target and a parent agreement to show."""
    with app.app_context():
        s = db.session()
        release = releases.publish(s, ACTOR).release
        target = sync.create(
            s, ACTOR, "webhook", "Ticketing hook",
            {"url": "http://127.0.0.1:9/hook", "secret_env": "TICKET_HOOK_SECRET"},
            options=replace(sync.SyncOptions.default(), allow_private=True),
        )  # fmt: skip
        parent = parent_agreements.create(
            s,
            ACTOR,
            ParentAgreementCreate(name="Acme master agreement", effective_date="2025-01-01"),
        )
        return {
            **asdict(register),
            "release_id": release.id,
            "target_id": target.id,
            "parent_id": parent.id,
        }


def _url(template: str, ids: dict[str, object]) -> str:
    return template.format(**ids)


def _check(page: object, url: str, width: int, name: str, shots: Path) -> list[str]:
    """axe's serious problems (wide) or a sideways scroll (a phone) of one page, shot."""
    page.goto(url)  # type: ignore[attr-defined]
    found = _problems(page) if width > 390 else []
    scroll = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    if scroll > width:
        found.append(f"the page is {scroll} px wide at {width} px")
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize("role", ALL)
def test_every_page_passes_axe_and_fits_a_phone(app, people, records, shots, role):
    wide = people(role, width=1440)
    narrow = people(role, width=390)
    found: dict[str, list[str]] = {}
    names = []
    for template, roles in PAGES:
        if role not in roles:
            continue
        path = _url(template, records)
        name = f"{role}-{template.strip('/').split('?')[0].replace('/', '-') or 'home'}"
        name = name.replace("{", "").replace("}", "")
        names.append(name)
        for person, width in ((wide, 1440), (narrow, 390)):
            problems = _check(person.page, person.base + path, width, name, shots)
            if problems:
                found.setdefault(path, []).extend(problems)
    assert found == {}, found
    # every page of the role, at both widths, is kept
    missing = [
        f"{n}-{w}.png" for n in names for w in (1440, 390) if not (shots / f"{n}-{w}.png").is_file()
    ]
    assert missing == [] and len(names) == len({*names})


def test_the_signed_out_pages_pass_axe_and_fit_a_phone(app, chromium, server, records, shots):
    with app.app_context():
        link = answer_links.create(db.session(), ACTOR, records["open_id"], days=7)
    found: dict[str, list[str]] = {}
    pages = (("/login", "signed-out-login"), (f"/answer/{link.token}", "vendor-answer-link"))
    for width in (1440, 390):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for path, name in pages:
            problems = _check(page, server + path, width, name, shots)
            if problems:
                found.setdefault(path, []).extend(problems)
        context.close()
    assert found == {}, found
    for name in ("signed-out-login", "vendor-answer-link"):
        for width in (1440, 390):
            assert (shots / f"{name}-{width}.png").is_file()
