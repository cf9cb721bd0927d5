"""The dependency rules of the layout (README, "Where things are"), checked in a fresh interpreter
so an import made by another test cannot hide a breach."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

WALK = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    for name in {packages!r}:
        package = importlib.import_module(name)
        for found in pkgutil.walk_packages(package.__path__, name + "."):
            importlib.import_module(found.name)
    print(",".join(sorted(m for m in {forbidden!r} if m in sys.modules)))
    """
)


def loaded(packages: list[str], forbidden: list[str]) -> list[str]:
    """The forbidden top-level modules that importing every module of `packages` loads."""
    code = WALK.format(packages=packages, forbidden=forbidden)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_the_domain_core_imports_no_framework_database_or_network_library() -> None:
    assert loaded(["vetting.core"], ["flask", "sqlalchemy", "sqlmodel", "httpx", "werkzeug"]) == []


@pytest.mark.parametrize(
    "packages",
    [
        ["vetting.services", "vetting.models"],
        ["integrations"],
    ],
    ids=["services-and-models", "integrations"],
)
def test_use_cases_tables_and_integrations_work_without_flask(packages: list[str]) -> None:
    extra = ["vetting.queries"] if packages[0] == "vetting.services" else []
    extra = [p for p in extra if _exists(p)]
    # werkzeug.security (password hashes) is a plain library; the web framework is not.
    assert loaded(packages + extra, ["flask", "flask_wtf"]) == []


def test_the_package_root_and_the_database_helpers_load_no_flask() -> None:
    code = "import sys, vetting, vetting.db, vetting.core.baa, vetting.services.baas\n"
    code += "print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _exists(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
