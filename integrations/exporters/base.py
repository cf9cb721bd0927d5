"""The exporter family: an Exporter writes a release in one file format. Each is one class
with a `slug` and one `export` method (after Netflix/lemur's plugin bases), registered with
`integrations.registry.register`; a new format is one new file in integrations/exporters/."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from integrations import registry

FAMILY = "exporters"


class ExportError(ValueError):
    """A release that cannot be written in a format (e.g. more apps than the MDM accepts);
    `field` names what the caller can change."""

    def __init__(self, message: str, field: str | None = "format") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ExportOptions:
    """How to write a release. `allow`: only approved apps (plus the base system apps an
    allow list must keep visible); `block`: everything except the apps assessed and rejected."""

    mode: str = "allow"
    ios_base_apps: tuple[str, ...] = ()
    profile_identifier: str = "local.vetting"
    organization: str = "Vetting"


@dataclass(frozen=True)
class Skipped:
    """An app an MDM list cannot carry, and why (never a broken entry instead)."""

    app_id: int
    name: str
    platform: str
    store_id: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Exporter(ABC):
    """Writes a release (vetting.core.releases.Release) in one file format."""

    family: ClassVar[str] = FAMILY
    slug: ClassVar[str]
    media_type: ClassVar[str]
    extension: ClassVar[str]
    title: ClassVar[str]

    @abstractmethod
    def export(self, release: Any, options: ExportOptions) -> bytes: ...

    def filename(self, release: Any, options: ExportOptions) -> str:
        suffix = "-block" if options.mode == "block" else ""
        return f"vetting-allowlist-{release.id}{suffix}.{self.extension}"


def load_exporters() -> dict[str, Exporter]:
    """Every format by slug, from integrations/exporters."""
    return {slug: cls() for slug, cls in registry.family(FAMILY).items()}


def exporter(slug: str) -> Exporter:
    """The exporter for a format slug; ExportError naming the formats there are."""
    cls = registry.lookup(FAMILY, slug)
    if cls is None:
        known = registry.family(FAMILY)
        raise ExportError(f"unknown format {slug!r}; one of: {', '.join(sorted(known))}")
    return cls()
