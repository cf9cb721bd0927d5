"""Every setting, read once from the environment into one typed object.

Each setting is one dataclass field: its variable, its one default and its parser live
together in `setting(...)`. `load()` reads them all at start-up (a setting that cannot work
raises SettingsError naming the variable); the app keeps the result, and everything else is
handed the object or the part of it it needs. Secrets come from the environment only, never
from the database. The README's settings tables are checked against these fields by a test.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.exporters.apple import DEFAULT_IOS_BASE_APPS
from vetting.core.baa import DEFAULT_RETURN_DESTROY_DAYS
from vetting.core.decisions import DecisionRules
from vetting.core.reminders import (
    DEFAULT_CATCH_UP_DAYS,
    DEFAULT_REVIEW_MONTHS,
    DEFAULT_THRESHOLDS,
    parse_thresholds,
)
from vetting.core.signin import SessionRules, ThrottleRules
from vetting.core.store_ids import IOS_BUNDLE_RE

REPO_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


class SettingsError(RuntimeError):
    """A setting that cannot work; raised at start-up, naming the variable."""


Env = Mapping[str, str]
Parser = Callable[[str, str], Any]  # (variable, raw text) → value, SettingsError if it can't


def setting(
    env: str,
    default: Any,
    doc: str,
    *,
    parse: Parser | None = None,
    minimum: int = 0,
    secret: bool = False,
    shown: str | None = None,
    empty: Any = None,
) -> Any:
    """A field read from the variable `env`. Unset means `default`; set but empty means
    `empty` when given (e.g. "no base apps"), "off" for a boolean, else `default`. `shown` is
    how the README's table words a default that is computed or not plain."""
    if empty is None and isinstance(default, bool):
        empty = False
    return field(
        default=default,
        repr=not secret,
        metadata={
            "env": env,
            "doc": doc,
            "parse": parse,
            "minimum": minimum,
            "shown": shown,
            "empty": empty,
        },
    )


# --- the one parser per kind of value ------------------------------------------------------

TRUE, FALSE = {"1", "on", "true", "yes"}, {"0", "off", "false", "no", ""}


def parse_bool(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise SettingsError(f"{name} must be on or off, not {raw!r}")


def parse_int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be ≥ {minimum}, not {value}")
    return value


def _thresholds(name: str, raw: str) -> tuple[int, ...]:
    try:
        return parse_thresholds(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def _emails(name: str, raw: str) -> tuple[str, ...]:
    found = tuple(a.strip().lower() for a in raw.split(",") if a.strip())
    for address in found:
        if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", address):
            raise SettingsError(f"{name}: {address!r} is not an email address")
    return found


def _hour_minute(name: str, raw: str) -> tuple[int, int]:
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", raw.strip())
    if not m:
        raise SettingsError(f"{name} must be HH:MM (24-hour), not {raw.strip()!r}")
    return int(m.group(1)), int(m.group(2))


def _zone(name: str, raw: str) -> str:
    zone = raw.strip() or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name}: unknown time zone {zone!r}") from None
    return zone


def _bundle_ids(name: str, raw: str) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
    bad = [i for i in ids if not IOS_BUNDLE_RE.match(i)]
    if bad:
        raise SettingsError(f"{name}: {', '.join(map(repr, bad))} is not an iOS bundle ID")
    return ids


def _reverse_dns(name: str, raw: str) -> str:
    value = raw.strip()
    if not IOS_BUNDLE_RE.match(value):
        raise SettingsError(f"{name} must be reverse-DNS like org.example.mdm, not {value!r}")
    return value


def normalise_database_url(url: str) -> str:
    """Plain postgres:// URLs use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _database_url(name: str, raw: str) -> str:
    if not raw.startswith(("sqlite", "postgres")):
        raise SettingsError(f"{name} must be a sqlite:// or postgresql:// URL, not {raw!r}")
    return normalise_database_url(raw)


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _base_url(name: str, raw: str) -> str:
    url = raw.strip()
    if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", url):
        raise SettingsError(
            f"{name} must be an http(s):// URL without a query, like https://host/path, not {url!r}"
        )
    return url.rstrip("/")


def _country(name: str, raw: str) -> str:
    code = raw.strip().lower()
    if not re.fullmatch(r"[a-z]{2}", code):
        raise SettingsError(f"{name} must be a two-letter country code like us, not {raw!r}")
    return code


def _language(name: str, raw: str) -> str:
    code = raw.strip()
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", code):
        raise SettingsError(f"{name} must be a language code like en or en-GB, not {raw!r}")
    return code


DOCUMENT_STORES = ("local", "s3")
# S3's rules for bucket names (3–63 lower-case letters, digits, dots and hyphens, starting
# and ending with a letter or digit).
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _document_store(name: str, raw: str) -> str:
    kind = raw.strip().lower()
    if kind not in DOCUMENT_STORES:
        raise SettingsError(f"{name} must be one of {', '.join(DOCUMENT_STORES)}, not {raw!r}")
    return kind


def _bucket(name: str, raw: str) -> str:
    bucket = raw.strip()
    if not _BUCKET_RE.match(bucket) or ".." in bucket:
        raise SettingsError(
            f"{name} must be an S3 bucket name (3–63 lower-case letters, digits, dots and "
            f"hyphens), not {bucket!r}"
        )
    return bucket


def _endpoint_url(name: str, raw: str) -> str:
    url = raw.strip()
    if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", url):
        raise SettingsError(
            f"{name} must be an http(s):// URL like https://minio.example.org:9000, not {url!r}"
        )
    return url.rstrip("/")


def _prefix(name: str, raw: str) -> str:
    prefix = raw.strip().strip("/")
    if not prefix:
        return ""
    if any(part in ("", ".", "..") for part in prefix.split("/")) or "\\" in prefix:
        raise SettingsError(f"{name} must be a key prefix like vetting/prod/, not {raw!r}")
    return prefix + "/"


# --- the settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotifySettings:
    """Reminder thresholds, where reminders go, how the outbox retries, when jobs run."""

    thresholds: tuple[int, ...] = setting(
        "VETTING_REMINDER_THRESHOLDS",
        DEFAULT_THRESHOLDS,
        "days before a deadline a reminder is sent; negative: after it",
        parse=_thresholds,
    )
    catch_up_days: int = setting(
        "VETTING_REMINDER_CATCH_UP_DAYS",
        DEFAULT_CATCH_UP_DAYS,
        "how long after the last threshold a missed reminder is still sent",
    )
    review_months: int = setting(
        "VETTING_BAA_REVIEW_MONTHS",
        DEFAULT_REVIEW_MONTHS,
        "an evergreen BAA (no end date) is due for review every this many months from its "
        "effective date",
        minimum=1,
    )
    return_destroy_days: int = setting(
        "VETTING_RETURN_DESTROY_DAYS",
        DEFAULT_RETURN_DESTROY_DAYS,
        "days after a termination the vendor's return/destroy certificate is due",
        minimum=1,
    )
    legal_emails: tuple[str, ...] = setting(
        "VETTING_LEGAL_EMAIL",
        (),
        "legal's distribution address(es), comma-separated",
        parse=_emails,
    )
    remind_vendor_contacts: bool = setting(
        "VETTING_REMIND_VENDOR_CONTACTS",
        False,
        "also e-mail the vendor's contact (the other party: off by default)",
    )
    smtp_host: str | None = setting(
        "VETTING_SMTP_HOST", None, "SMTP server (unset: no e-mail channel)"
    )
    smtp_port: int = setting("VETTING_SMTP_PORT", 587, "SMTP port", minimum=1)
    smtp_starttls: bool = setting("VETTING_SMTP_STARTTLS", True, "STARTTLS on the SMTP connection")
    smtp_ssl: bool = setting("VETTING_SMTP_SSL", False, "implicit TLS (e.g. port 465)")
    smtp_user: str | None = setting("VETTING_SMTP_USER", None, "SMTP user name")
    smtp_password: str | None = setting("VETTING_SMTP_PASSWORD", None, "SMTP password", secret=True)
    smtp_from: str = setting("VETTING_SMTP_FROM", "vetting@localhost", "From: address")
    smtp_timeout: int = setting(
        "VETTING_SMTP_TIMEOUT", 10, "seconds per SMTP connection", minimum=1
    )
    webhook_timeout: int = setting(
        "VETTING_WEBHOOK_TIMEOUT", 10, "seconds per webhook request", minimum=1
    )
    allow_private_urls: bool = setting(
        "VETTING_ALLOW_PRIVATE_URLS",
        False,
        "let webhooks, sync targets and store lookups reach internal addresses through the "
        "SSRF guard (a lab, tests)",
    )
    max_attempts: int = setting(
        "VETTING_NOTIFY_MAX_ATTEMPTS",
        8,
        "delivery attempts before an outbox row is marked failed",
        minimum=1,
    )
    backoff_seconds: int = setting(
        "VETTING_NOTIFY_BACKOFF_SECONDS",
        60,
        "seconds before the first delivery retry; doubles each time",
        minimum=1,
    )
    backoff_cap_seconds: int = setting(
        "VETTING_NOTIFY_BACKOFF_CAP_SECONDS",
        6 * 3600,
        "longest delay between delivery retries (seconds)",
        minimum=1,
    )
    batch_size: int = setting(
        "VETTING_NOTIFY_BATCH", 50, "outbox rows per delivery pass", minimum=1
    )
    scheduler: bool = setting(
        "VETTING_SCHEDULER",
        False,
        "`on`: run the jobs inside the web process (gunicorn/`flask run`)",
    )
    sweep_at: tuple[int, int] = setting(
        "VETTING_SWEEP_AT",
        (6, 0),
        "when the daily job runs (HH:MM in `VETTING_TIMEZONE`)",
        parse=_hour_minute,
        shown="`06:00`",
    )
    delivery_interval_seconds: int = setting(
        "VETTING_DELIVERY_INTERVAL", 60, "seconds between outbox deliveries", minimum=1
    )
    auto_publish: bool = setting(
        "VETTING_AUTO_PUBLISH",
        False,
        "the daily job also publishes the approved list when it changed",
    )

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)


@dataclass(frozen=True)
class Settings:
    """The whole configuration of one running service."""

    instance_path: Path
    # Computed defaults (None here): a SQLite file and a secret key in the instance folder,
    # the checklists shipped beside the package.
    database_url: str = setting(
        "DATABASE_URL",
        None,
        "SQLite file, or `postgresql://…` (psycopg 3)",
        parse=_database_url,
        secret=True,  # may hold the database password
        shown="`sqlite:///instance/vetting.db`",
    )
    secret_key: str = setting(
        "SECRET_KEY",
        None,
        "session signing",
        secret=True,
        shown="generated once into `instance/secret_key` (0600)",
    )
    audit_key: str = setting(
        "VETTING_AUDIT_KEY",
        None,
        "signs the audit chain (HMAC-SHA256); keep it out of the database and its backups, "
        "the same on every instance",
        secret=True,
        shown="generated once into `instance/audit_key` (0600)",
    )
    audit_anchor_file: Path | None = setting(
        "VETTING_AUDIT_ANCHOR_FILE",
        None,
        "the daily job appends the audit chain's head here (a file on other storage)",
        parse=_path,
    )
    audit_anchor_url: str | None = setting(
        "VETTING_AUDIT_ANCHOR_URL",
        None,
        "the daily job POSTs the audit chain's head here (JSON, signed when the secret is set)",
    )
    audit_anchor_secret: str | None = setting(
        "VETTING_AUDIT_ANCHOR_SECRET",
        None,
        "signs anchors sent to VETTING_AUDIT_ANCHOR_URL (`X-Vetting-Signature`)",
        secret=True,
    )
    checklists_dir: Path = setting(
        "VETTING_CHECKLISTS_DIR",
        None,
        "where the TOML checklists live",
        parse=_path,
        shown="`checklists/`",
    )
    timezone: str = setting(
        "VETTING_TIMEZONE",
        "UTC",
        'the organisation\'s time zone: its calendar day is "today" for pages, the API, the CLI '
        "and the jobs, and the daily sweep runs at `VETTING_SWEEP_AT` there",
        parse=_zone,
    )
    baa_warning_days: int = setting(
        "VETTING_BAA_WARNING_DAYS",
        90,
        "a BAA is `expiring` this many days before its end (or notice deadline)",
    )
    decision_valid_months: int = setting(
        "VETTING_DECISION_VALID_MONTHS", 12, "default validity of a decision", minimum=1
    )
    publish_max_drop_percent: int = setting(
        "VETTING_PUBLISH_MAX_DROP_PERCENT",
        20,
        "a release that drops more of the latest release's approved apps than this (or is "
        "empty) needs an explicit --allow-shrink / allow_shrink: true; the daily job skips it",
        minimum=0,
    )
    decision_max_months: int = setting(
        "VETTING_DECISION_MAX_MONTHS",
        24,
        "longest validity a decision may be given (months from the day it is made)",
        minimum=1,
    )
    justification_min_chars: int = setting(
        "VETTING_JUSTIFICATION_MIN_CHARS",
        20,
        "letters or digits a justification needs when a decision differs from the verdict",
        minimum=1,
    )
    max_request_bytes: int = setting(
        "VETTING_MAX_REQUEST_BYTES",
        25 * MIB,
        "largest request body accepted (every upload)",
        minimum=1024,
    )
    max_document_bytes: int = setting(
        "VETTING_MAX_DOCUMENT_BYTES",
        20 * MIB,
        "largest signed BAA document accepted (≥ 1 MiB below `VETTING_MAX_REQUEST_BYTES`)",
        minimum=1,
    )
    max_document_unpacked_bytes: int = setting(
        "VETTING_MAX_DOCUMENT_UNPACKED_BYTES",
        100 * MIB,
        "most a .docx may unpack to (zip bombs)",
        minimum=1,
    )
    document_store: str = setting(
        "VETTING_DOCUMENT_STORE",
        "local",
        "where signed BAAs and evidence files are kept: `local` (`instance/documents/`, one "
        "machine) or `s3` (a bucket every app instance shares)",
        parse=_document_store,
    )
    s3_bucket: str | None = setting(
        "VETTING_S3_BUCKET",
        None,
        "the bucket, with `VETTING_DOCUMENT_STORE=s3` (credentials: boto3's chain, e.g. "
        "`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` or a role; never in the database)",
        parse=_bucket,
    )
    s3_prefix: str = setting(
        "VETTING_S3_PREFIX",
        "",
        "key prefix in the bucket (`vetting/prod/`): objects are `<prefix>documents/<sha256>`",
        parse=_prefix,
        shown="– (the bucket's root)",
    )
    s3_endpoint_url: str | None = setting(
        "VETTING_S3_ENDPOINT_URL",
        None,
        "an S3-compatible store's URL (MinIO…); unset: AWS S3",
        parse=_endpoint_url,
    )
    s3_region: str | None = setting(
        "VETTING_S3_REGION",
        None,
        "the bucket's region (unset: boto3's, e.g. `AWS_DEFAULT_REGION`)",
    )
    ios_base_apps: tuple[str, ...] = setting(
        "VETTING_IOS_BASE_APPS",
        DEFAULT_IOS_BASE_APPS,
        "bundle IDs an allow-list profile keeps visible, comma-separated (empty: none)",
        parse=_bundle_ids,
        empty=(),
        shown="Settings, Phone, Contacts, Clock, Calculator, Find My, App Store",
    )
    profile_identifier: str = setting(
        "VETTING_PROFILE_IDENTIFIER",
        "local.vetting",
        "prefix of the profiles' stable `PayloadIdentifier` (`….allowlist` / `….blocklist`)",
        parse=_reverse_dns,
    )
    organization: str = setting(
        "VETTING_ORGANIZATION", "Vetting", "the profile's `PayloadOrganization`"
    )
    sync_timeout: int = setting(
        "VETTING_SYNC_TIMEOUT", 30, "seconds per MDM sync request", minimum=1
    )
    sync_retries: int = setting(
        "VETTING_SYNC_RETRIES", 3, "retries of an MDM sync request after the first attempt"
    )
    sync_backoff_seconds: int = setting(
        "VETTING_SYNC_BACKOFF_SECONDS", 2, "seconds before the first sync retry; doubles each time"
    )
    auto_sync: bool = setting(
        "VETTING_AUTO_SYNC",
        False,
        "with `VETTING_AUTO_PUBLISH`, the daily job pushes the latest release to every "
        "active sync target not yet synced to it",
    )
    apple_lookup_url: str = setting(
        "VETTING_APPLE_LOOKUP_URL",
        "https://itunes.apple.com/lookup",
        "the iTunes lookup API that iOS apps are looked up in (by bundle ID)",
        parse=_base_url,
    )
    play_store_url: str = setting(
        "VETTING_PLAY_STORE_URL",
        "https://play.google.com/store/apps",
        "Google Play's app pages (`…/details`, `…/datasafety`) that Android apps are looked "
        "up in (by package name)",
        parse=_base_url,
    )
    store_country: str = setting(
        "VETTING_STORE_COUNTRY",
        "us",
        "the country whose store is asked (two letters): an app missing there is flagged as "
        "not in the store",
        parse=_country,
    )
    store_language: str = setting(
        "VETTING_STORE_LANGUAGE",
        "en",
        "the language Google Play pages are asked in (the practice labels are read in English)",
        parse=_language,
    )
    store_max_bytes: int = setting(
        "VETTING_STORE_MAX_BYTES",
        5 * MIB,
        "largest store response read (a larger one fails the lookup)",
        minimum=1024,
    )
    store_timeout: int = setting(
        "VETTING_STORE_TIMEOUT",
        20,
        "seconds one store request may take, redirects included",
        minimum=1,
    )
    store_refresh: bool = setting(
        "VETTING_STORE_REFRESH",
        False,
        "the daily job also looks up every app on the approved list in its store",
    )
    warm_caches: bool = setting(
        "VETTING_WARM_CACHES",
        True,
        "a serving process (gunicorn, `vetting demo --serve`) computes today's dashboard and "
        "BAA timeline at start and a minute after each midnight",
    )
    secure_cookies: bool = setting(
        "VETTING_SECURE_COOKIES",
        True,
        "session cookies carry the Secure flag (sent over https only); `vetting demo --serve`, "
        "plain http on loopback, turns it off for itself",
    )
    trusted_proxies: int = setting(
        "VETTING_TRUSTED_PROXIES",
        0,
        "how many reverse proxies / load balancers stand in front: the client is the address "
        "that many hops back in X-Forwarded-For, and X-Forwarded-Proto, -Host and -Port (set "
        "by the proxy in front) are believed (0: none, the headers are ignored)",
    )
    session_idle_minutes: int = setting(
        "VETTING_SESSION_IDLE_MINUTES",
        60,
        "a web session ends after this many minutes without a request",
        minimum=1,
    )
    session_max_hours: int = setting(
        "VETTING_SESSION_MAX_HOURS",
        12,
        "a web session ends this many hours after sign-in, however active",
        minimum=1,
    )
    signin_max_failures: int = setting(
        "VETTING_SIGNIN_MAX_FAILURES",
        5,
        "failed sign-ins for one e-mail from one client address before sign-in waits",
        minimum=1,
    )
    signin_max_per_ip: int = setting(
        "VETTING_SIGNIN_MAX_PER_IP",
        20,
        "failed sign-ins from one client address (any e-mail, in 15 minutes) before it waits",
        minimum=1,
    )
    signin_backoff_seconds: int = setting(
        "VETTING_SIGNIN_BACKOFF_SECONDS",
        60,
        "the first wait; it doubles with each further failure",
        minimum=1,
    )
    signin_backoff_cap_seconds: int = setting(
        "VETTING_SIGNIN_BACKOFF_CAP_SECONDS",
        3600,
        "the longest wait after failed sign-ins",
        minimum=1,
    )
    notify: NotifySettings = field(default_factory=NotifySettings)

    @property
    def session_rules(self) -> SessionRules:
        """When a web session is over."""
        return SessionRules(
            idle=timedelta(minutes=self.session_idle_minutes),
            absolute=timedelta(hours=self.session_max_hours),
        )

    @property
    def throttle_rules(self) -> ThrottleRules:
        """How failed sign-ins make the next one wait."""
        return ThrottleRules(
            max_failures=self.signin_max_failures,
            max_per_address=self.signin_max_per_ip,
            backoff=timedelta(seconds=self.signin_backoff_seconds),
            backoff_cap=timedelta(seconds=self.signin_backoff_cap_seconds),
        )

    @property
    def decision_rules(self) -> DecisionRules:
        """The limits a new decision is held to."""
        return DecisionRules(
            default_months=self.decision_valid_months,
            max_months=self.decision_max_months,
            min_justification=self.justification_min_chars,
        )


def _read(cls: type[Any], env: Env, **given: Any) -> Any:
    """An instance of the settings dataclass `cls` from `env` (fields in `given` as passed)."""
    values: dict[str, Any] = dict(given)
    for f in fields(cls):
        name = f.metadata.get("env")
        if name is None or f.name in values:
            continue
        raw = env.get(name)
        if raw is None:
            continue
        if not raw.strip():  # set but empty
            if f.metadata["empty"] is not None:
                values[f.name] = f.metadata["empty"]
            continue
        parse: Parser | None = f.metadata["parse"]
        if parse is not None:
            values[f.name] = parse(name, raw)
        elif isinstance(f.default, bool):
            values[f.name] = parse_bool(name, raw)
        elif isinstance(f.default, int):
            values[f.name] = parse_int(name, raw, f.metadata["minimum"])
        else:
            values[f.name] = raw
    return cls(**values)


def defaults() -> Settings:
    """Every setting at its default, nothing read (computed ones left unset)."""
    return Settings(instance_path=Path("instance"))


def notify_settings(env: Env | None = None) -> NotifySettings:
    """NotifySettings from the environment; a setting that cannot work names its variable."""
    return _read(NotifySettings, dict(os.environ if env is None else env))


MAX_DECISION_MONTHS = 120  # ten years: beyond, no decision is a decision about today's app


def load(instance_path: Path, env: Env | None = None) -> Settings:
    """Every setting from the environment (default: os.environ), checked together."""
    env = dict(os.environ if env is None else env)
    instance_path.mkdir(parents=True, exist_ok=True, mode=0o700)  # owner only
    loaded: Settings = _read(
        Settings, env, instance_path=instance_path, notify=notify_settings(env)
    )
    database_url = loaded.database_url or f"sqlite:///{instance_path / 'vetting.db'}"
    if not database_url.startswith("sqlite"):
        _require_shared_secrets(loaded)
    loaded = replace(
        loaded,
        database_url=database_url,
        secret_key=loaded.secret_key or secret_key(instance_path),
        audit_key=loaded.audit_key or generated_secret(instance_path, "audit_key"),
        checklists_dir=loaded.checklists_dir or checklists_dir(env),
    )
    if loaded.notify.backoff_cap_seconds < loaded.notify.backoff_seconds:
        raise SettingsError(
            f"VETTING_NOTIFY_BACKOFF_CAP_SECONDS must be ≥ VETTING_NOTIFY_BACKOFF_SECONDS "
            f"({loaded.notify.backoff_seconds}), not {loaded.notify.backoff_cap_seconds}"
        )
    if loaded.signin_backoff_cap_seconds < loaded.signin_backoff_seconds:
        raise SettingsError(
            f"VETTING_SIGNIN_BACKOFF_CAP_SECONDS must be ≥ VETTING_SIGNIN_BACKOFF_SECONDS "
            f"({loaded.signin_backoff_seconds}), not {loaded.signin_backoff_cap_seconds}"
        )
    if loaded.decision_max_months > MAX_DECISION_MONTHS:
        raise SettingsError(
            f"VETTING_DECISION_MAX_MONTHS must be at most {MAX_DECISION_MONTHS}, not "
            f"{loaded.decision_max_months}"
        )
    if loaded.decision_valid_months > loaded.decision_max_months:
        raise SettingsError(
            f"VETTING_DECISION_VALID_MONTHS ({loaded.decision_valid_months}) must not exceed "
            f"VETTING_DECISION_MAX_MONTHS ({loaded.decision_max_months})"
        )
    if loaded.max_document_bytes + MIB > loaded.max_request_bytes:
        raise SettingsError(
            f"VETTING_MAX_DOCUMENT_BYTES ({loaded.max_document_bytes}) must be at least 1 MiB "
            f"below VETTING_MAX_REQUEST_BYTES ({loaded.max_request_bytes}), which bounds every "
            "upload"
        )
    check_document_store(loaded)
    return loaded


SHARED_SECRETS = (
    ("SECRET_KEY", "secret_key", "signs sessions and forms"),
    ("VETTING_AUDIT_KEY", "audit_key", "signs the audit chain"),
)


def _require_shared_secrets(loaded: Settings) -> None:
    """On a shared database (PostgreSQL: several instances, a CLI on another machine) the
    keys must come from the environment: a key generated into one machine's instance folder
    would differ on the next, breaking sessions and forms across instances and the audit
    chain for every writer. The local SQLite file (a demo, a trial) may generate them."""
    missing = [(env, why) for env, name, why in SHARED_SECRETS if not getattr(loaded, name)]
    if missing:
        names = " and ".join(env for env, _ in missing)
        raise SettingsError(
            f"{names} must be set in the environment when DATABASE_URL is not the local SQLite "
            f"file ({'; '.join(f'{env} {why}' for env, why in missing)}; every instance and "
            "command needs the same value). Make one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'"
        )


def check_document_store(loaded: Settings) -> None:
    """The store's settings agree: s3 needs its bucket, and S3 settings without
    VETTING_DOCUMENT_STORE=s3 are a mistake (documents would quietly stay on one machine)."""
    if loaded.document_store == "s3":
        if not loaded.s3_bucket:
            raise SettingsError(
                "VETTING_S3_BUCKET must be set when VETTING_DOCUMENT_STORE is s3 (the bucket "
                "that holds the documents)"
            )
        return
    given = [
        name
        for name, value in (
            ("VETTING_S3_BUCKET", loaded.s3_bucket),
            ("VETTING_S3_PREFIX", loaded.s3_prefix),
            ("VETTING_S3_ENDPOINT_URL", loaded.s3_endpoint_url),
            ("VETTING_S3_REGION", loaded.s3_region),
        )
        if value
    ]
    if given:
        raise SettingsError(
            f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} set but "
            f"VETTING_DOCUMENT_STORE is {loaded.document_store}: set VETTING_DOCUMENT_STORE=s3 "
            "to keep documents in the bucket, or unset the S3 settings"
        )


def instance_path(env: Env | None = None) -> Path | None:
    """VETTING_INSTANCE_PATH: where this instance keeps its own files (the SQLite database by
    default, generated keys, uploads being judged, local documents); None: `instance/`."""
    raw = (os.environ if env is None else env).get("VETTING_INSTANCE_PATH")
    return Path(raw) if raw else None


def checklists_dir(env: Env | None = None) -> Path:
    """Where the checklists are, without loading the rest (`vetting checklists validate`)."""
    raw = (os.environ if env is None else env).get("VETTING_CHECKLISTS_DIR")
    return Path(raw) if raw else REPO_ROOT / "checklists"


def environment() -> Mapping[str, str]:
    """The process environment, where secrets live that the database names only by variable
    (a webhook channel's signing secret, a sync target's key): read when used, never stored."""
    return os.environ


def secret_from_env(name: str | None) -> str:
    """The secret in the variable `name` ("" when unset)."""
    return environment().get(name or "", "")


def secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else generated once into the instance folder (0600)."""
    return generated_secret(instance_path, "secret_key")


def generated_secret(instance_path: Path, name: str) -> str:
    """The secret kept in the instance folder's file `name`, generated once (0600)."""
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _shown(f: Any) -> str:
    if f.metadata["shown"] is not None:
        return str(f.metadata["shown"])
    value = f.default
    if isinstance(value, bool):
        return "`on`" if value else "`off`"
    if value is None or value == ():
        return "–"
    if isinstance(value, tuple):
        return "`" + ",".join(map(str, value)) + "`"
    return f"`{value}`"


def markdown_table() -> str:
    """The README's settings table, made from the fields (a test keeps the README equal)."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for cls in (Settings, NotifySettings):
        for f in fields(cls):
            if "env" in f.metadata:
                rows.append(f"| `{f.metadata['env']}` | {_shown(f)} | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m vetting.settings > the README's table
    print(markdown_table(), end="")
