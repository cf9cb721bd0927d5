"""The dependency rules of the layout (README, "Where things are"), checked in a fresh interpreter
so an import made by another test cannot hide a breach; and, read from the source, that only
vetting/queries/cache.py keeps results between requests."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

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
    [["vetting.services", "vetting.queries", "vetting.models"], ["integrations"]],
    ids=["services-queries-and-models", "integrations"],
)
def test_use_cases_read_models_tables_and_integrations_work_without_flask(
    packages: list[str],
) -> None:
    # werkzeug.security (password hashes) is a plain library; the web framework is not.
    assert loaded(packages, ["flask", "flask_wtf"]) == []


def test_the_package_root_and_the_database_helpers_load_no_flask() -> None:
    code = "import sys, vetting, vetting.db, vetting.core.baa, vetting.services.baas\n"
    code += "print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# Use cases never touch caches: every kept result goes through vetting/queries/cache.py. Read
# from the source (imports and attribute uses), so a new hand-written cache in a use case or a
# read model fails here rather than in review.

PACKAGE = Path(__file__).resolve().parents[1] / "vetting"
CACHE = PACKAGE / "queries" / "cache.py"
SERVICES = sorted((PACKAGE / "services").glob("*.py"))
QUERIES = sorted(p for p in (PACKAGE / "queries").glob("*.py") if p != CACHE)

# What a module needs only to keep results itself: a lock, an LRU dict, a memoising
# decorator, the garbage collector.
CACHING = {
    "gc",
    "threading",
    "collections.OrderedDict",
    "functools.lru_cache",
    "functools.cache",
}


def uses(path: Path) -> set[str]:
    """Modules imported by `path` and names taken from them, as dotted names; `functools.cache`
    also when written as an attribute of an imported module."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found.add(f"{node.value.id}.{node.attr}")
    return found


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", SERVICES, ids=_name)
def test_a_use_case_keeps_no_results_and_never_calls_the_cache(path: Path) -> None:
    """Services write; what they read through vetting/queries is cached there, keyed by the
    audit event the write appends. So no locks, LRU dicts, lru_cache or gc here, and no use of
    the cache module (not even its public functions)."""
    found = uses(path)
    assert not found & CACHING, sorted(found & CACHING)
    touching = {
        name
        for name in found
        if name == "vetting.queries.cache" or name.startswith("vetting.queries.cache.")
    }
    assert not touching, sorted(touching)


@pytest.mark.parametrize("path", QUERIES, ids=_name)
def test_a_read_model_keeps_results_only_through_the_cache_module(path: Path) -> None:
    found = uses(path)
    assert not found & CACHING, sorted(found & CACHING)
    private = {name for name in found if name.startswith(("vetting.queries.cache._", "cache._"))}
    assert not private, sorted(private)


def test_only_the_cache_module_pauses_the_garbage_collector() -> None:
    pausing = [
        _name(path)
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != CACHE and {"gc", "gc.disable"} & uses(path)
    ]
    assert pausing == []


def test_the_rules_see_what_they_forbid(tmp_path: Path) -> None:
    """The walk finds each spelling of a hand-written cache (so the tests above can fail)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import gc\nimport threading\nimport functools\nfrom collections import OrderedDict\n"
        "from vetting.queries import cache\nfrom vetting.queries.cache import _LOCK\n"
        "@functools.lru_cache\ndef f(): ...\n"
    )
    found = uses(sample)
    assert CACHING - {"functools.cache"} <= found
    assert "vetting.queries.cache" in found
    assert "vetting.queries.cache._LOCK" in found
