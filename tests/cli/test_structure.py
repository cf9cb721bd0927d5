"""The CLI package's shape (issue 9): vetting/cli/__init__.py imports the command-group
modules; they share vetting/cli/helpers.py and import nothing else from the package (no import
loop); and nothing in it reaches into vetting.api — a serialiser both need lives in
vetting.schemas or vetting.services."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = "vetting.cli"
spec = importlib.util.find_spec(PACKAGE)
assert spec is not None and spec.origin is not None
FOLDER = Path(spec.origin).parent
FILES = {
    (PACKAGE if p.stem == "__init__" else f"{PACKAGE}.{p.stem}"): p
    for p in sorted(FOLDER.glob("*.py"))
}


def imports(module: str) -> set[str]:
    """Every module an import statement in the file names, at any depth (imports inside
    functions too); `from a import b` names both a and a.b, since b may be a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(FILES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this package
                parent = PACKAGE.rsplit(".", node.level - 1)[0] if node.level > 1 else PACKAGE
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_package_has_the_root_group_helpers_and_command_modules():
    assert {"vetting.cli", "vetting.cli.helpers"} <= FILES.keys()
    assert len(FILES) > 2


def test_no_cli_module_imports_the_api_even_inside_a_function():
    for module in FILES:
        assert not [n for n in imports(module) if within(n, "vetting.api")], module


def test_command_modules_import_only_the_helpers_from_the_package():
    for module in FILES.keys() - {PACKAGE}:
        allowed = set() if module == f"{PACKAGE}.helpers" else {f"{PACKAGE}.helpers"}
        from_package = {n for n in imports(module) if within(n, PACKAGE)}
        assert not {n for n in from_package if not any(within(n, a) for a in allowed)}, module


def test_root_imports_every_command_module():
    assert FILES.keys() - {PACKAGE} <= imports(PACKAGE)


def test_importing_the_cli_and_all_it_imports_loads_nothing_from_the_api():
    """In a fresh interpreter: import vetting.cli, every vetting.cli.* module, and every module
    they import (including imports done lazily inside commands), then look at sys.modules."""
    named = sorted(set().union(*(imports(m) for m in FILES)) | FILES.keys())
    code = f"""
import importlib, json, sys
import vetting.cli
for name in {named!r}:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        pass  # `from a import b` where b is a function or class, not a module
print(json.dumps(sorted(m for m in sys.modules if m.startswith("vetting."))))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert [m for m in loaded if within(m, "vetting.api")] == []
    assert {m for m in loaded if within(m, PACKAGE)} == FILES.keys()
