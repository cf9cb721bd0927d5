"""Settings from the environment, with defaults and validation. Secrets never live in the DB."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vetting.core.store_ids import IOS_BUNDLE_RE

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting that cannot work; raised at start-up, naming the variable."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be ≥ {minimum}, not {value}")
    return value


def secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else generated once into the instance folder (0600)."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Plain postgres:// URLs use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load(instance_path: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Flask config from the environment."""
    env = dict(os.environ if env is None else env)
    instance_path.mkdir(parents=True, exist_ok=True)
    url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'vetting.db'}"
    if not url.startswith(("sqlite", "postgres")):
        raise ConfigError(f"DATABASE_URL must be a sqlite:// or postgresql:// URL, not {url!r}")
    max_request = _int(env, "VETTING_MAX_REQUEST_BYTES", 25 * 1024 * 1024, 1024)
    max_document = _int(env, "VETTING_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024, 1)
    if max_document + 1024 * 1024 > max_request:
        raise ConfigError(
            f"VETTING_MAX_DOCUMENT_BYTES ({max_document}) must be at least 1 MiB below "
            f"VETTING_MAX_REQUEST_BYTES ({max_request}), which bounds every upload"
        )
    return {
        "DATABASE_URL": normalise_database_url(url),
        "SECRET_KEY": env.get("SECRET_KEY") or secret_key(instance_path),
        "CHECKLISTS_DIR": Path(env.get("VETTING_CHECKLISTS_DIR") or REPO_ROOT / "checklists"),
        "BAA_WARNING_DAYS": _int(env, "VETTING_BAA_WARNING_DAYS", 90),
        "DECISION_VALID_MONTHS": _int(env, "VETTING_DECISION_VALID_MONTHS", 12, minimum=1),
        "PAGE_SIZE_MAX": _int(env, "VETTING_PAGE_SIZE_MAX", 500, minimum=1),
        "MAX_CONTENT_LENGTH": max_request,
        # Signed BAA documents: the file itself, and what a .docx may unpack to (zip bombs).
        "MAX_DOCUMENT_BYTES": max_document,
        "MAX_DOCUMENT_UNPACKED_BYTES": _int(
            env, "VETTING_MAX_DOCUMENT_UNPACKED_BYTES", 100 * 1024 * 1024, 1
        ),
        "JSON_SORT_KEYS": False,
        "NOTIFY": notify_settings(env),
        # Approved-list exports: the system apps an allow-list profile keeps visible, the
        # stable PayloadIdentifier prefix of Apple profiles, and the organisation's name.
        "IOS_BASE_APPS": _bundle_ids(env, "VETTING_IOS_BASE_APPS"),
        "PROFILE_IDENTIFIER": _reverse_dns(env, "VETTING_PROFILE_IDENTIFIER", "local.vetting"),
        "ORGANIZATION": env.get("VETTING_ORGANIZATION") or "Vetting",
        # Push sync to MDMs (vetting/services/sync.py): per-request timeout, bounded retries
        # with exponential back-off, and whether the daily job syncs after auto-publishing.
        "SYNC_TIMEOUT": _int(env, "VETTING_SYNC_TIMEOUT", 30, minimum=1),
        "SYNC_RETRIES": _int(env, "VETTING_SYNC_RETRIES", 3),
        "SYNC_BACKOFF_SECONDS": _int(env, "VETTING_SYNC_BACKOFF_SECONDS", 2),
        "AUTO_SYNC": _bool(env, "VETTING_AUTO_SYNC", False),
        # Serving processes compute today's dashboard and BAA timeline at start-up and just
        # after midnight (vetting/warmup.py), so the first person of the day does not wait.
        "WARM_CACHES": _bool(env, "VETTING_WARM_CACHES", True),
    }


# --- reminders, outbox delivery and the scheduler ---------------------------------------------

_TRUE, _FALSE = {"1", "on", "true", "yes"}, {"0", "off", "false", "no", ""}


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ConfigError(f"{name} must be on or off, not {raw!r}")


@dataclass(frozen=True)
class NotifySettings:
    """Reminder thresholds, where reminders go, how the outbox retries, when jobs run."""

    thresholds: tuple[int, ...] = (90, 60, 30, 14, 7, 1, 0)
    catch_up_days: int = 30
    legal_emails: tuple[str, ...] = ()
    remind_vendor_contacts: bool = False
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = "vetting@localhost"
    smtp_timeout: int = 10
    webhook_timeout: int = 10
    allow_private_urls: bool = False
    max_attempts: int = 8
    backoff_seconds: int = 60
    backoff_cap_seconds: int = 6 * 3600
    batch_size: int = 50
    scheduler: bool = False
    sweep_at: tuple[int, int] = (6, 0)
    timezone: str = "UTC"
    delivery_interval_seconds: int = 60
    auto_publish: bool = False

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)


def notify_settings(env: dict[str, str] | None = None) -> NotifySettings:
    """NotifySettings from the environment; a setting that cannot work names its variable."""
    from vetting.core.reminders import parse_thresholds

    env = dict(os.environ if env is None else env)
    raw = env.get("VETTING_REMINDER_THRESHOLDS")
    thresholds = NotifySettings.thresholds
    if raw is not None and raw.strip():
        try:
            thresholds = parse_thresholds(raw)
        except ValueError as exc:
            raise ConfigError(f"VETTING_REMINDER_THRESHOLDS: {exc}") from None
    legal = tuple(
        a.strip().lower() for a in env.get("VETTING_LEGAL_EMAIL", "").split(",") if a.strip()
    )
    for address in legal:
        if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", address):
            raise ConfigError(f"VETTING_LEGAL_EMAIL: {address!r} is not an email address")
    at = env.get("VETTING_SWEEP_AT", "06:00").strip()
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", at)
    if not m:
        raise ConfigError(f"VETTING_SWEEP_AT must be HH:MM (24-hour), not {at!r}")
    zone = env.get("VETTING_TIMEZONE", "UTC").strip() or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"VETTING_TIMEZONE: unknown time zone {zone!r}") from None
    backoff = _int(env, "VETTING_NOTIFY_BACKOFF_SECONDS", 60, minimum=1)
    return NotifySettings(
        thresholds=thresholds,
        catch_up_days=_int(env, "VETTING_REMINDER_CATCH_UP_DAYS", 30),
        legal_emails=legal,
        remind_vendor_contacts=_bool(env, "VETTING_REMIND_VENDOR_CONTACTS", False),
        smtp_host=env.get("VETTING_SMTP_HOST") or None,
        smtp_port=_int(env, "VETTING_SMTP_PORT", 587, minimum=1),
        smtp_starttls=_bool(env, "VETTING_SMTP_STARTTLS", True),
        smtp_ssl=_bool(env, "VETTING_SMTP_SSL", False),
        smtp_user=env.get("VETTING_SMTP_USER") or None,
        smtp_password=env.get("VETTING_SMTP_PASSWORD") or None,
        smtp_from=env.get("VETTING_SMTP_FROM") or "vetting@localhost",
        smtp_timeout=_int(env, "VETTING_SMTP_TIMEOUT", 10, minimum=1),
        webhook_timeout=_int(env, "VETTING_WEBHOOK_TIMEOUT", 10, minimum=1),
        allow_private_urls=_bool(env, "VETTING_ALLOW_PRIVATE_URLS", False),
        max_attempts=_int(env, "VETTING_NOTIFY_MAX_ATTEMPTS", 8, minimum=1),
        backoff_seconds=backoff,
        backoff_cap_seconds=_int(env, "VETTING_NOTIFY_BACKOFF_CAP_SECONDS", 6 * 3600, backoff),
        batch_size=_int(env, "VETTING_NOTIFY_BATCH", 50, minimum=1),
        scheduler=_bool(env, "VETTING_SCHEDULER", False),
        sweep_at=(int(m.group(1)), int(m.group(2))),
        timezone=zone,
        delivery_interval_seconds=_int(env, "VETTING_DELIVERY_INTERVAL", 60, minimum=1),
        auto_publish=_bool(env, "VETTING_AUTO_PUBLISH", False),
    )


# --- approved-list exports --------------------------------------------------------------------


def _bundle_ids(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated iOS bundle IDs; unset means the default set, empty means none."""
    from integrations.exporters.apple import DEFAULT_IOS_BASE_APPS

    raw = env.get(name)
    if raw is None:
        return DEFAULT_IOS_BASE_APPS
    ids = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
    bad = [i for i in ids if not IOS_BUNDLE_RE.match(i)]
    if bad:
        raise ConfigError(f"{name}: {', '.join(map(repr, bad))} is not an iOS bundle ID")
    return ids


def _reverse_dns(env: dict[str, str], name: str, default: str) -> str:
    value = (env.get(name) or default).strip()
    if not IOS_BUNDLE_RE.match(value):
        raise ConfigError(f"{name} must be reverse-DNS like org.example.mdm, not {value!r}")
    return value
