"""MDM sync targets, and pushing a release to them.

A target is a kind (a registered integrations.sync module), a unique name and settings that
never hold a secret: a secret is named by its environment variable (`client_secret_env`) and
read only when a sync runs. Settings are checked when a target is created or changed (a
missing or unknown setting, a URL the SSRF guard refuses → 422 naming it); the secret's
presence is checked when a sync runs.

A sync pushes one release (default: the latest) and records a SyncRun with the exact calls
made (secrets masked). A dry run makes no outbound call at all: it records and returns the
calls a sync would make. A real run is three steps, because it talks to the network in the
middle: record the run as `running` (one transaction), make the calls (no transaction held
open), then record the outcome — on success the target's last synced release moves to this
one; on failure it stays where it was and the error is kept (one transaction, with the audit
event).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlmodel import Session, col

from integrations import http
from integrations.exporters.base import ExportError, ExportOptions
from integrations.sync.base import (
    SyncError,
    SyncPlan,
    SyncSettingsError,
    load_sync_targets,
    sync_target_kind,
)
from integrations.sync.base import SyncTarget as SyncKind
from integrations.sync.sender import HttpSender
from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.statuses import Role, SyncStatus
from vetting.db import transaction
from vetting.errors import Conflict, FieldError, Invalid, NotFound
from vetting.models import AllowlistRelease, SyncRun, SyncTarget
from vetting.queries import releases
from vetting.schemas import MAX_ID
from vetting.settings import Settings, defaults, environment

# A run still `running` after this long died with its process; another may start.
STALE_RUN = timedelta(minutes=15)
BODY_LIMIT = 256 * 1024  # request bodies larger than this are recorded by size and hash
# The daily job syncs as this principal after publishing automatically.
AUTO_SYNCER = Principal("system:auto-sync", Role.IT, frozenset({"sync:write"}), "system")


@dataclass(frozen=True)
class SyncOptions:
    """How syncs talk to the outside: timeouts, retries, the SSRF guard's private-address
    switch, and the export settings the MDM bodies are written with."""

    timeout: float
    retries: int
    backoff_seconds: float
    allow_private: bool
    ios_base_apps: tuple[str, ...]
    profile_identifier: str
    organization: str
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def default(cls) -> SyncOptions:
        """What the settings' defaults give (no environment read)."""
        return cls.from_settings(defaults())

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncOptions:
        return cls(
            timeout=float(settings.sync_timeout),
            retries=settings.sync_retries,
            backoff_seconds=float(settings.sync_backoff_seconds),
            allow_private=settings.notify.allow_private_urls,
            ios_base_apps=settings.ios_base_apps,
            profile_identifier=settings.profile_identifier,
            organization=settings.organization,
        )

    def export(self) -> ExportOptions:
        return ExportOptions(
            ios_base_apps=self.ios_base_apps,
            profile_identifier=self.profile_identifier,
            organization=self.organization,
        )


@dataclass
class RunResult:
    """A recorded run, its target, and what the plan said (the diff and notes in words)."""

    run: SyncRun
    target: SyncTarget
    previous_release_id: int | None
    plan: SyncPlan = field(default_factory=SyncPlan)

    @property
    def ok(self) -> bool:
        return self.run.status == SyncStatus.OK

    @property
    def message(self) -> str:
        what = "dry run of" if self.run.dry_run else "sync to"
        if not self.ok:
            return f"{what} {self.target.name} failed: {self.run.error}"
        calls = len(self.run.calls or [])
        return (
            f"{what} {self.target.name}: release {self.run.release_id}, "
            f"{calls} call{'s' if calls != 1 else ''}"
            + (" would be made" if self.run.dry_run else " made")
            + f"; {len(self.plan.changes)} change{'s' if len(self.plan.changes) != 1 else ''}"
        )


# --- kinds and settings -----------------------------------------------------------------------


def kinds() -> dict[str, type[SyncKind]]:
    """Every registered target kind by slug (one file each under integrations/sync/)."""
    return dict(sorted(load_sync_targets().items()))


def _kind(kind: str) -> type[SyncKind]:
    try:
        return sync_target_kind(kind)
    except SyncSettingsError as exc:
        raise Invalid(str(exc), exc.field) from None


def _clean(cls: type[SyncKind], settings: Mapping[str, Any], options: SyncOptions) -> dict:
    def check(url: str) -> None:
        http.check_url(url, options.allow_private)

    try:
        return cls.clean_settings(settings, check_url=check)
    except SyncSettingsError as exc:
        raise Invalid(str(exc), exc.field) from None


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid("is required", "name")
    if len(name) > 200 or "\x00" in name:
        raise Invalid("must be at most 200 characters, without NUL", "name")
    if name.isdigit():
        raise Invalid("must not be a number (targets are found by id or by name)", "name")
    return name


def _unique(s: Session, name: str, except_id: int | None = None) -> None:
    found = s.scalar(select(col(SyncTarget.id)).where(func.lower(SyncTarget.name) == name.lower()))
    if found is not None and found != except_id:
        raise Conflict(f"a sync target named {name!r} already exists", "name")


# --- targets ----------------------------------------------------------------------------------


def list_(s: Session) -> list[SyncTarget]:
    return list(s.scalars(select(SyncTarget).order_by(col(SyncTarget.name))))


def get(s: Session, ident: int | str) -> SyncTarget:
    """A target by id or by name; 404 naming what was asked for."""
    if isinstance(ident, str) and ident.strip().isdigit():
        ident = int(ident.strip())
    if isinstance(ident, int):
        row = s.get(SyncTarget, ident) if 1 <= ident <= MAX_ID else None
    else:
        row = s.scalar(select(SyncTarget).where(col(SyncTarget.name) == ident.strip()))
    if row is None:
        raise NotFound(f"no sync target {ident!r} (see `vetting sync targets`)", "target")
    return row


def create(
    s: Session,
    actor: Principal,
    kind: str,
    name: str,
    settings: Mapping[str, Any] | None = None,
    *,
    active: bool = True,
    options: SyncOptions | None = None,
) -> SyncTarget:
    """A new target after checking its settings for its kind."""
    actor.require("sync:write")
    cls = _kind(kind)
    name = _name(name)
    clean = _clean(cls, settings or {}, options or SyncOptions.default())
    with transaction(s):
        _unique(s, name)
        row = SyncTarget(kind=cls.slug, name=name, settings=clean, active=active)
        s.add(row)
        s.flush()
        audit.record(
            s, actor.name, "sync_target.create", "sync_target", row.id, None, audit.snapshot(row)
        )
    return row


def update(
    s: Session,
    actor: Principal,
    ident: int | str,
    *,
    name: str | None = None,
    settings: Mapping[str, Any] | None = None,
    active: bool | None = None,
    options: SyncOptions | None = None,
) -> SyncTarget:
    """Rename, (de)activate, or change settings: the given keys replace the stored ones and a
    key set to None (or "") is removed; the result is checked as a whole."""
    actor.require("sync:write")
    with transaction(s):
        row = get(s, ident)
        before = audit.snapshot(row)
        if name is not None:
            row.name = _name(name)
            _unique(s, row.name, row.id)
        if settings is not None:
            merged = {**row.settings}
            for key, value in settings.items():
                if value is None or value == "":
                    merged.pop(key, None)
                else:
                    merged[key] = value
            row.settings = _clean(_kind(row.kind), merged, options or SyncOptions.default())
        if active is not None:
            row.active = active
        audit.record(
            s, actor.name, "sync_target.update", "sync_target", row.id, before, audit.snapshot(row)
        )
    return row


def delete(s: Session, actor: Principal, ident: int | str) -> None:
    """Remove a target and its run history (the audit log keeps what happened)."""
    actor.require("sync:write")
    with transaction(s):
        row = get(s, ident)
        before = audit.snapshot(row)
        count = s.scalar(select(func.count()).where(col(SyncRun.target_id) == row.id)) or 0
        s.execute(sql_delete(SyncRun).where(col(SyncRun.target_id) == row.id))
        s.delete(row)
        audit.record(
            s,
            actor.name,
            "sync_target.delete",
            "sync_target",
            before["id"] if before else None,
            before,
            {"runs_deleted": count},
        )


def runs(s: Session, ident: int | str, limit: int = 50) -> list[SyncRun]:
    """A target's runs, newest first."""
    row = get(s, ident)
    return list(
        s.scalars(
            select(SyncRun)
            .where(col(SyncRun.target_id) == row.id)
            .order_by(col(SyncRun.id).desc())
            .limit(max(1, min(limit, 500)))
        )
    )


def release_runs(s: Session, release_id: int, limit: int = 200) -> list[tuple[SyncRun, str]]:
    """Every sync (and dry run) of one release, newest first, with its target's name."""
    return [
        (row[0], row[1])
        for row in s.execute(
            select(SyncRun, col(SyncTarget.name))
            .join(SyncTarget, col(SyncTarget.id) == col(SyncRun.target_id))
            .where(col(SyncRun.release_id) == release_id)
            .order_by(col(SyncRun.id).desc())
            .limit(limit)
        )
    ]


def get_run(s: Session, run_id: int) -> SyncRun | None:
    """One run by id (None when there is no such run)."""
    return s.get(SyncRun, run_id) if 1 <= run_id <= MAX_ID else None


def test_connection(
    s: Session,
    actor: Principal,
    ident: int | str,
    *,
    options: SyncOptions | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[bool, str]:
    """Check a target can be reached without changing it: its secrets are set, its token
    request succeeds and its read-only state request answers (what a sync does before it
    sends anything). (True, what answered) or (False, why not). Audited (sync.test)."""
    actor.require("sync:write")
    options = options or SyncOptions.default()
    env = environment() if env is None else env
    target = get(s, ident)
    plugin = _kind(target.kind)(target.settings, env, options.export())
    missing = plugin.missing_secrets()
    ok, said = False, ""
    if missing:
        said = "; ".join(str(e) for e in missing)
    else:
        calls = [c for c in (plugin.token_call(), None) if c is not None]
        sender = HttpSender(
            timeout=options.timeout,
            retries=0,
            backoff=0,
            allow_private=options.allow_private,
            body_limit=BODY_LIMIT,
            sleep=options.sleep,
        )
        try:
            with sender:
                if calls:
                    sender.token = plugin.read_token(sender.send(calls[0]))
                state = plugin.state_call()
                if state is not None:
                    sender.send(state)
            done = [f"{r['method']} {r['url']} → {r['status']}" for r in sender.records]
            ok = True
            said = (
                "reached: " + "; ".join(done)
                if done
                else "this kind has no read-only call to test: a dry run shows what a sync "
                "would send"
            )
        except (SyncError, ExportError) as exc:
            said = str(exc)
    with transaction(s):
        audit.record(
            s, actor.name, "sync.test", "sync_target", target.id, None, {"ok": ok, "result": said}
        )
    return ok, said


# --- running a sync ---------------------------------------------------------------------------


def run(
    s: Session,
    actor: Principal,
    ident: int | str,
    release: int | str | None = None,
    *,
    dry_run: bool = False,
    force: bool = False,
    options: SyncOptions | None = None,
    env: Mapping[str, str] | None = None,
) -> RunResult:
    """Push a release (default: the latest) to a target, or show what that would do."""
    actor.require("sync:write")
    options = options or SyncOptions.default()
    env = environment() if env is None else env
    target = get(s, ident)
    assert target.id is not None  # read from the table
    row = releases.get(s, "latest" if release is None else release)
    if not target.active and not dry_run:
        raise Invalid(
            f"sync target {target.name!r} is inactive: activate it first (a dry run works)",
            "active",
        )
    plugin = _kind(target.kind)(target.settings, env, options.export(), dry_run=dry_run)
    missing = plugin.missing_secrets()
    if missing and not dry_run:
        raise Invalid("", errors=[FieldError(e.field, str(e)) for e in missing])
    previous_id = target.last_synced_release_id
    previous_row = s.get(AllowlistRelease, previous_id) if previous_id else None
    previous = releases.to_release(previous_row) if previous_row is not None else None
    current = releases.to_release(row)
    if dry_run:
        return _dry_run(s, actor, target, plugin, previous, current, force, missing)
    run_id = _start(s, target, current.id)
    sender = HttpSender(
        timeout=options.timeout,
        retries=options.retries,
        backoff=options.backoff_seconds,
        allow_private=options.allow_private,
        body_limit=BODY_LIMIT,
        sleep=options.sleep,
    )
    plan, status, error = SyncPlan(), SyncStatus.OK, None
    try:
        with sender:
            plan = plugin.sync(sender, previous, current, force=force)
    except (SyncError, ExportError) as exc:
        status, error = SyncStatus.FAILED, str(exc)
    except Exception as exc:  # a bug: record the run as failed, then let it surface
        _finish(
            s,
            actor,
            target.id,
            run_id,
            previous_id,
            SyncStatus.FAILED,
            f"internal error: {exc!r}",
            sender.records,
            force,
            plan,
        )
        raise
    finished = _finish(
        s, actor, target.id, run_id, previous_id, status, error, sender.records, force, plan
    )
    return RunResult(finished, get(s, target.id), previous_id, plan)


def _dry_run(
    s: Session,
    actor: Principal,
    target: SyncTarget,
    plugin: SyncKind,
    previous: Any,
    current: Any,
    force: bool,
    missing: list[SyncSettingsError],
) -> RunResult:
    assert target.id is not None  # the caller read it from the table
    status, error = SyncStatus.OK, None
    try:
        plan = plugin.preview(previous, current, force=force)
    except (SyncError, ExportError) as exc:
        plan, status, error = SyncPlan(), SyncStatus.FAILED, str(exc)
    plan.notes += [f"{e} — a real sync would stop here" for e in missing]
    calls = [
        {**c.describe(BODY_LIMIT), "status": None, "attempts": 0, "error": None} for c in plan.calls
    ]
    now = clock.now()
    with transaction(s):
        row = SyncRun(
            target_id=target.id,
            release_id=current.id,
            dry_run=True,
            started_at=now,
            finished_at=now,
            status=status,
            calls=calls,
            error=error,
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            actor.name,
            "sync.dry_run",
            "sync_target",
            target.id,
            None,
            {
                "run_id": row.id,
                "release_id": current.id,
                "status": status,
                "error": error,
                "force": force,
                "calls": len(calls),
                "changes": plan.changes,
            },
        )
    return RunResult(row, target, target.last_synced_release_id, plan)


def _start(s: Session, target: SyncTarget, release_id: int) -> int:
    """Record the run as running; 409 when another run of this target is in progress."""
    assert target.id is not None  # the caller read it from the table
    with transaction(s):
        locked = s.scalar(
            select(SyncTarget).where(col(SyncTarget.id) == target.id).with_for_update()
        )  # PostgreSQL: two instances starting a sync of one target wait for each other
        assert locked is not None
        busy = s.scalar(
            select(SyncRun).where(
                col(SyncRun.target_id) == target.id,
                col(SyncRun.status) == SyncStatus.RUNNING,
                col(SyncRun.started_at) > clock.now() - STALE_RUN,
            )
        )
        if busy is not None:
            raise Conflict(
                f"a sync of {target.name!r} is already running (run {busy.id}, started "
                f"{busy.started_at:%Y-%m-%d %H:%M} UTC)",
                "target",
            )
        row = SyncRun(
            target_id=target.id,
            release_id=release_id,
            dry_run=False,
            started_at=clock.now(),
            status=SyncStatus.RUNNING,
        )
        s.add(row)
        s.flush()
        assert row.id is not None  # assigned by the insert
        return row.id


def _finish(
    s: Session,
    actor: Principal,
    target_id: int,
    run_id: int,
    previous_id: int | None,
    status: str,
    error: str | None,
    calls: list[dict[str, Any]],
    force: bool,
    plan: SyncPlan,
) -> SyncRun:
    """Record the outcome; only a successful run moves the target's last synced release."""
    now = clock.now()
    with transaction(s):
        row = s.get(SyncRun, run_id)
        target = s.get(SyncTarget, target_id)
        assert row is not None and target is not None
        row.finished_at, row.status, row.error, row.calls = now, status, error, list(calls)
        target.last_sync_at, target.last_result = now, status
        if status == SyncStatus.OK:
            target.last_synced_release_id = row.release_id
        audit.record(
            s,
            actor.name,
            "sync.run",
            "sync_target",
            target.id,
            {"last_synced_release_id": previous_id},
            {
                "run_id": row.id,
                "release_id": row.release_id,
                "status": status,
                "error": error,
                "force": force,
                "calls": len(calls),
                "changes": plan.changes,
                "last_synced_release_id": target.last_synced_release_id,
            },
        )
    return row


def sync_active(
    s: Session, release_id: int, options: SyncOptions, env: Mapping[str, str] | None = None
) -> list[str]:
    """Push a freshly published release to every active target (the daily job, when
    VETTING_AUTO_SYNC is on). A target that cannot run is reported, the others still run."""
    out = []
    for target in list_(s):
        if not target.active or target.last_synced_release_id == release_id:
            continue
        assert target.id is not None  # read from the table
        try:
            result = run(s, AUTO_SYNCER, target.id, release_id, options=options, env=env)
            out.append(result.message)
        except (Invalid, Conflict, NotFound) as exc:
            out.append(f"sync to {target.name} not run: {exc}")
    return out
