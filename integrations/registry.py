"""The one registry of plugins, by family and slug.

A family is a package of `integrations` (exporters, sync, notifiers): its `base` module
defines the family's base class, which names the family in `family`, and each other module
holds plugins that register themselves with the `register` class decorator. The first lookup
in a family imports every module of its package, once per process; later lookups are a dict
read (the MDM pull endpoints look an exporter up on every request). A new family is one new
package with a base module; a new plugin is one new file in it: nothing here changes.

    @register
    class CsvExporter(Exporter):  # Exporter.family == "exporters"
        slug = "csv"

    lookup("exporters", "csv")  # → CsvExporter; None for a slug nobody registered
    family("exporters")         # → {"android-policy": …, "csv": …, …}, sorted by slug

Tests register plugins of their own with `registered(...)`, which unregisters them when the
block ends, so nothing leaks into other tests.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

P = TypeVar("P", bound=type[Any])

_plugins: dict[str, dict[str, type[Any]]] = {}
_loaded: set[str] = set()
_loading = threading.RLock()


class PluginError(Exception):
    """A plugin that cannot be registered: no family or slug, or a slug already taken."""


def _key(cls: type[Any]) -> tuple[str, str]:
    name = getattr(cls, "family", None)
    slug = getattr(cls, "slug", None)
    if not isinstance(name, str) or not name:
        raise PluginError(f"{_name(cls)} names no family (inherit a family's base class)")
    if not isinstance(slug, str) or not slug:
        raise PluginError(f"{_name(cls)} has no slug")
    return name, slug


def _name(cls: type[Any]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def register(cls: P) -> P:
    """Class decorator: make `cls` available in its family (`cls.family`) by `cls.slug`.
    PluginError when another class already has that slug in the family."""
    name, slug = _key(cls)
    plugins = _plugins.setdefault(name, {})
    taken = plugins.get(slug)
    if taken is not None and taken is not cls:
        raise PluginError(
            f"{name} slug {slug!r} is already registered by {_name(taken)}; "
            f"{_name(cls)} needs a slug of its own"
        )
    plugins[slug] = cls
    return cls


def unregister(cls: type[Any]) -> None:
    """Remove `cls` from its family (nothing happens if it is not registered)."""
    name, slug = _key(cls)
    plugins = _plugins.get(name, {})
    if plugins.get(slug) is cls:
        del plugins[slug]


@contextmanager
def registered(*classes: type[Any]) -> Iterator[None]:
    """Register `classes` for the length of a `with` block, then unregister them. The
    families are loaded first, so a slug that collides with a built-in plugin is refused."""
    done: list[type[Any]] = []
    try:
        for cls in classes:
            _load(_key(cls)[0])
            register(cls)
            done.append(cls)
        yield
    finally:
        for cls in reversed(done):
            unregister(cls)


def lookup(name: str, slug: str) -> type[Any] | None:
    """The plugin class registered in family `name` under `slug`; None if there is none."""
    _load(name)
    return _plugins.get(name, {}).get(slug)


def family(name: str) -> dict[str, type[Any]]:
    """Every plugin class of family `name` by slug, sorted by slug."""
    _load(name)
    return dict(sorted(_plugins.get(name, {}).items()))


def _load(name: str) -> None:
    """Import every module of the package `integrations.<name>` once per process, so each
    plugin in it registers itself."""
    if name in _loaded:
        return
    with _loading:
        if name in _loaded:
            return
        package = importlib.import_module(f"{__package__}.{name}")
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
        _loaded.add(name)
