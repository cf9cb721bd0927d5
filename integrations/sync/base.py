"""The sync target family: a SyncTarget pushes a release to one MDM (or anything with an
API). Each kind is one class with a `slug`, its settings and one `plan` method (after
Netflix/lemur's plugin bases), registered with `integrations.registry.register`; a new kind
is one new file in integrations/sync/."""

from __future__ import annotations

import hashlib
import json as _json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from integrations import registry
from integrations.exporters.base import ExportOptions

FAMILY = "sync"

SECRET_MASK = "***"
# Environment-variable names: what a setting ending in `_env` holds (never the secret itself).
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")


class SyncError(Exception):
    """A sync that did not complete against its target (a refused token, an HTTP error, a
    FORCE_INSTALLED app it will not drop): recorded on the run, never half-applied silently."""


class SyncSettingsError(ValueError):
    """A target setting that is missing or wrong, or a secret variable that is unset; `field`
    names the setting (e.g. "settings.client_secret_env")."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Setting:
    """One setting of a sync target kind. `kind`: text, url (checked by the SSRF guard), env
    (the NAME of the environment variable holding a secret) or choice."""

    name: str
    help: str
    required: bool = False
    default: str | None = None
    kind: str = "text"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    """One HTTP request a sync makes (or, in a dry run, would make). `secret_fields` are form
    fields or headers masked when the call is recorded; `bearer` calls carry the access token
    the token call returned."""

    purpose: str
    method: str
    url: str
    json: Any = None
    form: Mapping[str, str] | None = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    secret_fields: frozenset[str] = frozenset()
    bearer: bool = False

    def describe(self, body_limit: int = 256 * 1024) -> dict[str, Any]:
        """The call as recorded: method, URL, headers and body with every secret masked. A
        body larger than `body_limit` bytes is recorded by size and SHA-256 only."""
        headers = {
            k: SECRET_MASK if k in self.secret_fields else v for k, v in self.headers.items()
        }
        if self.bearer:
            headers["Authorization"] = f"Bearer {SECRET_MASK}"
        body: Any = None
        raw: bytes | None = None
        if self.form is not None:
            body = {k: SECRET_MASK if k in self.secret_fields else v for k, v in self.form.items()}
        elif self.content is not None:
            raw = self.content
        elif self.json is not None:
            raw = _json.dumps(self.json, ensure_ascii=False).encode()
        if raw is not None:
            if len(raw) > body_limit:
                body = {
                    "omitted": f"{len(raw):,} bytes, larger than the {body_limit:,} recorded",
                    "bytes": len(raw),
                    "sha256": hashlib.sha256(raw).hexdigest(),
                }
            elif self.json is not None:
                body = self.json
            else:
                try:
                    body = _json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
        return {
            "purpose": self.purpose,
            "method": self.method,
            "url": self.url,
            "headers": headers,
            "body": body,
        }


@dataclass
class SyncPlan:
    """What a sync changes on its target: the calls in order, the diff in words ("+ com.acme.
    camera AVAILABLE", "- com.old.app"), and notes worth reading before applying it."""

    calls: list[Call] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class CallSender(Protocol):
    """Sends one Call (with retries) and returns the response; raises SyncError."""

    token: str | None

    def send(self, call: Call) -> Any: ...


class SyncTarget(ABC):
    """Pushes a release to one MDM (or anything with an API). Each kind is one class with a
    `slug`, its `settings_spec`, an optional token call and state read, and `plan`: the calls
    that bring the target from the last synced release to this one. `sync` runs them."""

    family: ClassVar[str] = FAMILY
    slug: ClassVar[str]
    title: ClassVar[str]
    settings_spec: ClassVar[tuple[Setting, ...]]

    def __init__(
        self,
        settings: Mapping[str, str],
        env: Mapping[str, str],
        export: ExportOptions | None = None,
        *,
        dry_run: bool = False,
    ) -> None:
        self.settings = dict(settings)
        self.env = env
        self.export = export or ExportOptions()
        self.dry_run = dry_run

    # --- settings ---------------------------------------------------------------------------

    @classmethod
    def clean_settings(cls, raw: Mapping[str, Any], check_url: Any = None) -> dict[str, str]:
        """Validated settings (strings, defaults left out); SyncSettingsError naming the first
        setting that is unknown, missing or wrong. `check_url(url)` raises ValueError for a
        URL the SSRF guard refuses."""
        spec = {s.name: s for s in cls.settings_spec}
        unknown = sorted(set(raw) - set(spec))
        if unknown:
            raise SyncSettingsError(
                f"unknown setting {unknown[0]!r} for kind {cls.slug}; settings: " + ", ".join(spec),
                f"settings.{unknown[0]}",
            )
        clean: dict[str, str] = {}
        for s in cls.settings_spec:
            value = raw.get(s.name)
            if value is not None and not isinstance(value, str):
                raise SyncSettingsError("must be a string", f"settings.{s.name}")
            value = (value or "").strip()
            where = f"settings.{s.name}"
            if not value:
                if s.required:
                    raise SyncSettingsError(f"is required for kind {cls.slug}: {s.help}", where)
                continue
            if len(value) > 2000 or "\x00" in value:
                raise SyncSettingsError("must be at most 2000 characters, without NUL", where)
            if s.kind == "env" and not ENV_NAME_RE.match(value):
                raise SyncSettingsError(
                    "must name the environment variable that holds the secret (letters, "
                    "digits, underscore), not the secret itself",
                    where,
                )
            if s.kind == "choice" and value not in s.choices:
                raise SyncSettingsError(
                    f"must be one of {', '.join(s.choices)}, not {value!r}", where
                )
            if s.kind == "url":
                value = value.rstrip("/")
                if check_url is not None:
                    try:
                        check_url(value)
                    except ValueError as exc:
                        raise SyncSettingsError(str(exc), where) from None
            clean[s.name] = value
        cls.check_combination(clean)
        return clean

    @classmethod  # noqa: B027 (an optional hook: most kinds have no rule across settings)
    def check_combination(cls, settings: Mapping[str, str]) -> None:
        """Rules across settings (e.g. one of two ways to authenticate); SyncSettingsError."""

    def setting(self, name: str) -> str:
        """A setting's value, or its default."""
        value = self.settings.get(name)
        if value:
            return value
        for s in self.settings_spec:
            if s.name == name:
                return s.default or ""
        raise KeyError(name)

    def missing_secrets(self) -> list[SyncSettingsError]:
        """Each configured secret variable that is unset or empty in the environment."""
        missing = []
        for s in self.settings_spec:
            name = self.settings.get(s.name)
            if s.kind == "env" and name and not self.env.get(name):
                missing.append(
                    SyncSettingsError(
                        f"environment variable {name} is not set ({s.help}); set it in the "
                        "environment of the process that runs the sync",
                        f"settings.{s.name}",
                    )
                )
        return missing

    def secret(self, setting: str) -> str:
        """The secret a `*_env` setting names; the mask in a dry run (never sent, never shown)."""
        if self.dry_run:
            return SECRET_MASK
        value = self.env.get(self.settings.get(setting) or "")
        if not value:
            raise SyncError(f"environment variable {self.settings.get(setting)} is not set")
        return value

    # --- the sync ---------------------------------------------------------------------------

    def token_call(self) -> Call | None:
        """The request that obtains an access token (None: the target needs none)."""
        return None

    def state_call(self) -> Call | None:
        """A read-only request for the target's current state that `plan` checks against
        (None: the plan does not depend on it)."""
        return None

    @abstractmethod
    def plan(
        self, previous: Any | None, release: Any, state: Any | None, *, force: bool = False
    ) -> SyncPlan:
        """The calls that bring the target from release `previous` (the last one synced to
        it; None: never synced) to `release`. `state` is the parsed response of `state_call`,
        or None in a dry run (then checks that need it are noted, not made)."""

    def preview(self, previous: Any | None, release: Any, *, force: bool = False) -> SyncPlan:
        """Every call a sync would make, without making any (checks that need the target's
        state are noted by `plan`, not made)."""
        plan = self.plan(previous, release, None, force=force)
        if not plan.calls:
            return plan
        first = [c for c in (self.token_call(), self.state_call()) if c is not None]
        return SyncPlan(first + plan.calls, plan.changes, plan.notes)

    def sync(
        self, sender: CallSender, previous: Any | None, release: Any, *, force: bool = False
    ) -> SyncPlan:
        """Obtain a token, read the state, plan against it and send the calls in order. When
        there is nothing to send, nothing is sent (not even the token request); a plan that
        refuses (SyncError) sends nothing that changes the target."""
        draft = self.plan(previous, release, None, force=force)
        if not draft.calls:
            return draft
        token_call = self.token_call()
        if token_call is not None:
            sender.token = self.read_token(sender.send(token_call))
        state_call = self.state_call()
        if state_call is None:
            plan = draft
        else:
            state = _response_json(sender.send(state_call), state_call)
            plan = self.plan(previous, release, state, force=force)
        for call in plan.calls:
            sender.send(call)
        return plan

    def read_token(self, response: Any) -> str:
        """The access token of an OAuth 2 token response."""
        data = _response_json(response, None)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise SyncError("the token endpoint answered without an access_token")
        return token


def _response_json(response: Any, call: Call | None) -> Any:
    try:
        return response.json()
    except ValueError:
        what = f"{call.method} {call.url}" if call else "the token endpoint"
        raise SyncError(f"{what} answered with something that is not JSON") from None


def load_sync_targets() -> dict[str, type[SyncTarget]]:
    """Every sync target kind by slug, from integrations/sync."""
    return registry.family(FAMILY)


def sync_target_kind(slug: str) -> type[SyncTarget]:
    """The sync target class of a kind; SyncSettingsError naming the kinds there are."""
    cls = registry.lookup(FAMILY, slug)
    if cls is None:
        known = registry.family(FAMILY)
        raise SyncSettingsError(
            f"unknown kind {slug!r}; one of: {', '.join(sorted(known))}", "kind"
        )
    return cls
