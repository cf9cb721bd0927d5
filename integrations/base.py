"""The small interfaces integrations implement. Each is one class with a `slug` and one
method (after Netflix/lemur's plugin bases); a new notifier or exporter is one new file."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

# --- notifiers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One notification to deliver: what a notifier needs, nothing from the database."""

    delivery_id: str  # stable across retries: lets receivers drop a repeat
    recipient: str
    title: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """A send that did not happen. `permanent` errors are not retried (a refused recipient,
    a URL the SSRF guard forbids); everything else is retried with back-off."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Notifier(ABC):
    """Delivers a Message over one channel; raises DeliveryError when it could not."""

    slug: ClassVar[str]

    @abstractmethod
    def send(self, message: Message) -> None: ...


# --- exporters ------------------------------------------------------------------------------


class ExportError(ValueError):
    """A release that cannot be written in a format (e.g. more apps than the MDM accepts);
    `field` names what the caller can change."""

    def __init__(self, message: str, field: str | None = "format") -> None:
        super().__init__(message)
        self.field = field


MODES: tuple[str, ...] = ("allow", "block")


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

    slug: ClassVar[str]
    media_type: ClassVar[str]
    extension: ClassVar[str]
    title: ClassVar[str]

    @abstractmethod
    def export(self, release: Any, options: ExportOptions) -> bytes: ...

    def filename(self, release: Any, options: ExportOptions) -> str:
        suffix = "-block" if options.mode == "block" else ""
        return f"vetting-allowlist-{release.id}{suffix}.{self.extension}"


EXPORTERS: dict[str, Exporter] = {}


def register_exporter(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: make a format available by its slug."""
    EXPORTERS[cls.slug] = cls()
    return cls


def load_exporters() -> dict[str, Exporter]:
    """Import every module under integrations/formats and integrations/mdm so each format
    registers itself: a new format is one new file."""
    import importlib
    import pkgutil

    for package in ("integrations.formats", "integrations.mdm"):
        pkg = importlib.import_module(package)
        for info in pkgutil.iter_modules(pkg.__path__, package + "."):
            importlib.import_module(info.name)
    return EXPORTERS


def exporter(slug: str) -> Exporter:
    """The exporter for a format slug; ExportError naming the formats there are."""
    known = load_exporters()
    if slug not in known:
        raise ExportError(f"unknown format {slug!r}; one of: {', '.join(sorted(known))}")
    return known[slug]
