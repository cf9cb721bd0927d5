"""Which apps of a release an MDM list can carry: those of its platform with a valid store
ID (iOS bundle ID, Android package name). The others are reported as skipped, with the reason,
never written as a broken entry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from integrations.exporters.base import Skipped
from vetting.core.store_ids import ANDROID_PACKAGE_RE, IOS_BUNDLE_RE

_ID = {
    "ios": ("bundle ID", IOS_BUNDLE_RE),
    "android": ("package name", ANDROID_PACKAGE_RE),
}


class StoreApp(Protocol):
    """A list entry or exclusion (frozen dataclasses: their fields are read-only)."""

    @property
    def app_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def store_id(self) -> str | None: ...


A = TypeVar("A", bound=StoreApp)


def split(apps: Iterable[A], platform: str) -> tuple[list[A], list[Skipped]]:
    """The apps of `platform` an MDM list can carry, sorted by store ID, and the skipped rest."""
    what, pattern = _ID[platform]
    usable: list[A] = []
    skipped: list[Skipped] = []
    for app in apps:
        if app.platform != platform:
            continue
        if not app.store_id:
            reason = f"no {what}: an MDM list cannot carry it until the app record has one"
        elif not pattern.match(app.store_id):
            reason = f"{what} {app.store_id!r} is not valid (it looks like com.example.app)"
        else:
            usable.append(app)
            continue
        skipped.append(Skipped(app.app_id, app.name, app.platform, app.store_id, reason))
    usable.sort(key=lambda a: (a.store_id or "", a.app_id))
    return usable, skipped
