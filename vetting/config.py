"""Settings from the environment, with defaults and validation. Secrets never live in the DB."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

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
    return {
        "DATABASE_URL": normalise_database_url(url),
        "SECRET_KEY": env.get("SECRET_KEY") or secret_key(instance_path),
        "CHECKLISTS_DIR": Path(env.get("VETTING_CHECKLISTS_DIR") or REPO_ROOT / "checklists"),
        "BAA_WARNING_DAYS": _int(env, "VETTING_BAA_WARNING_DAYS", 90),
        "DECISION_VALID_MONTHS": _int(env, "VETTING_DECISION_VALID_MONTHS", 12, minimum=1),
        "PAGE_SIZE_MAX": _int(env, "VETTING_PAGE_SIZE_MAX", 500, minimum=1),
        "MAX_CONTENT_LENGTH": _int(env, "VETTING_MAX_REQUEST_BYTES", 25 * 1024 * 1024, 1024),
        "JSON_SORT_KEYS": False,
    }
