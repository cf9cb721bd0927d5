"""Every page, for every role, in the real browser (issue 15, item 7): axe-core's rules run in
the page with no serious or critical violation, nothing scrolls the page sideways at 390 px
(wide tables scroll inside their box), and screenshots at 1440 and 390 px are kept in
tests/output/screenshots/ (git-ignored)."""

from __future__ import annotations

import pytest

from tests.web.browser_fixtures import BROWSER_MARKS, SHOTS
from tests.web.conftest import Register

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
    ("/assessments", ALL),
    ("/assessments/new", ("admin", "procurement")),
    ("/assessments/{open_id}", ALL),
    ("/assessments/{decided_id}", ALL),
    ("/assessments/{open_id}/answers", ("admin", "procurement")),
    ("/assessments/{open_id}/suggestions", ("admin", "procurement")),
    ("/compare?checklist=clinical-photo&app={app_id}&app={open_app_id}", ALL),
    ("/baas", ALL),
    ("/baas/{baa_id}", ALL),
    ("/baas/new", ("admin", "legal")),
    ("/parents", ALL),
    ("/calendar", ALL),
    ("/allowlist", ALL),
    ("/allowlist/publish", ("admin", "it")),
    ("/allowlist/targets", ALL),
    ("/allowlist/targets/new?kind=intune", ("admin", "it")),
    ("/audit", ("admin", "legal")),
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


def _url(template: str, r: Register) -> str:
    return template.format(**r.__dict__)


@pytest.mark.parametrize("role", ALL)
def test_every_page_passes_axe_and_fits_a_phone(app, people, register: Register, role):
    wide = people(role, width=1440)
    narrow = people(role, width=390)
    found: dict[str, list[str]] = {}
    for template, roles in PAGES:
        if role not in roles:
            continue
        path = _url(template, register)
        name = f"{role}-{template.strip('/').split('?')[0].replace('/', '-') or 'home'}"
        name = name.replace("{", "").replace("}", "")
        wide.go(path)
        problems = _problems(wide.page)
        if problems:
            found[path] = problems
        wide.shot(f"{name}-1440")
        narrow.go(path)
        width = narrow.page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            found.setdefault(path, []).append(f"the page is {width} px wide at 390 px")
        narrow.shot(f"{name}-390")
    assert found == {}, found
    assert SHOTS.exists()


def test_release_and_sync_review_pages_pass_axe_and_fit_a_phone(app, people, register, monkeypatch):
    """The pages that need a release and a sync target, which the shared register lacks."""
    import dataclasses

    from tests import sync_data as data
    from vetting import auth, db
    from vetting.services import releases, sync

    data.allow_local(app)
    monkeypatch.setenv("HOOK_SECRET", data.SECRET)
    with app.app_context():
        release = releases.publish(db.session(), auth.CLI_PRINCIPAL, allow_shrink=True).release
        target = sync.create(
            db.session(),
            auth.CLI_PRINCIPAL,
            "webhook",
            "it-hook",
            data.webhook_settings("http://127.0.0.1:9/hook"),
            options=dataclasses.replace(sync.SyncOptions.default(), allow_private=True),
        )
    found: dict[str, list[str]] = {}
    for path in (f"/allowlist/releases/{release.id}", f"/allowlist/sync/{target.id}"):
        for width in (1440, 390):
            it = people("it", width=width)
            it.go(path)
            if width == 1440:
                found[path] = _problems(it.page)
            elif (w := it.page.evaluate("document.documentElement.scrollWidth")) > 390:
                found.setdefault(path, []).append(f"the page is {w} px wide at 390 px")
            name = path.strip("/").replace("/", "-")
            it.shot(f"it-{name}-{width}")
    assert {p: v for p, v in found.items() if v} == {}
