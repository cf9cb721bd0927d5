"""`vetting sync …`: MDM sync targets and pushing the list to them (thin: parse, call
vetting.services.sync, print)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import actor, echo_row
from vetting.current import current_settings
from vetting.errors import Invalid


def _options() -> Any:
    from vetting.services import sync

    return sync.SyncOptions.from_settings(current_settings())


def _settings(pairs: tuple[str, ...], option: str = "--setting") -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise Invalid(f"{pair!r} is not key=value", option)
        out[key.strip()] = value.strip()
    return out


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@click.group()
def sync() -> None:
    """Push the approved list to MDMs (Intune, Android Management API, signed webhooks)."""


@sync.command("kinds")
def sync_kinds() -> None:
    """The kinds of target and the settings each takes."""
    from vetting.services import sync as svc

    for slug, cls in svc.kinds().items():
        click.echo(f"{slug}: {cls.title}")
        for s in cls.settings_spec:
            need = "required" if s.required else f"default {s.default}" if s.default else "optional"
            click.echo(f"  {s.name} ({need}): {s.help}")


@sync.command("targets")
@with_appcontext
def sync_targets() -> None:
    """Every target: id, kind, name, last synced release and result."""
    from vetting.services import sync as svc

    rows = svc.list_(db.session())
    if not rows:
        click.echo("no sync target (vetting sync add KIND NAME --setting key=value …)")
    for t in rows:
        state = "" if t.active else " (inactive)"
        synced = f"release {t.last_synced_release_id}" if t.last_synced_release_id else "nothing"
        last = f"last: {t.last_result or '-'} {_when(t.last_sync_at)}"
        echo_row(t.id, t.kind, f"{t.name}{state}", f"synced: {synced}", last)
        for key, value in sorted(t.settings.items()):
            echo_row("", f"{key}={value}")


@sync.command("add")
@click.argument("kind")
@click.argument("name")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE", help="repeatable")
@click.option("--inactive", is_flag=True, help="create it switched off")
@with_appcontext
def sync_add(kind: str, name: str, settings: tuple[str, ...], inactive: bool) -> None:
    """Add a target. Secrets are named by environment variable, e.g.
    --setting client_secret_env=INTUNE_CLIENT_SECRET (see `vetting sync kinds`)."""
    from vetting.services import sync as svc

    row = svc.create(
        db.session(),
        actor(),
        kind,
        name,
        _settings(settings),
        active=not inactive,
        options=_options(),
    )
    click.echo(f"added sync target {row.id}: {row.kind} {row.name!r}")


@sync.command("update")
@click.argument("target")
@click.option("--name", help="rename it")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE", help="set (repeatable)")
@click.option("--unset", multiple=True, metavar="KEY", help="remove a setting (repeatable)")
@click.option("--active/--inactive", default=None, help="switch it on or off")
@with_appcontext
def sync_update(
    target: str,
    name: str | None,
    settings: tuple[str, ...],
    unset: tuple[str, ...],
    active: bool | None,
) -> None:
    """Change a target (by id or name)."""
    from vetting.services import sync as svc

    changes: dict[str, str | None] = {**_settings(settings), **dict.fromkeys(unset)}
    row = svc.update(
        db.session(),
        actor(),
        target,
        name=name,
        settings=changes if changes else None,
        active=active,
        options=_options(),
    )
    click.echo(f"updated sync target {row.id}: {row.kind} {row.name!r}")


@sync.command("remove")
@click.argument("target")
@with_appcontext
def sync_remove(target: str) -> None:
    """Delete a target and its run history (the audit log keeps what happened)."""
    from vetting.services import sync as svc

    svc.delete(db.session(), actor(), target)
    click.echo(f"removed sync target {target}")


def _echo_call(i: int, call: dict[str, Any], bodies: bool) -> None:
    status = ""
    if call.get("status") is not None or call.get("error"):
        tries = f", {call['attempts']} attempts" if call.get("attempts", 1) > 1 else ""
        status = f"  → {call.get('status') or '-'}{tries}"
        if call.get("error"):
            status += f" ({call['error']})"
    click.echo(f"{i}. {call['method']} {call['url']}  [{call['purpose']}]{status}")
    for key, value in call.get("headers", {}).items():
        click.echo(f"   {key}: {value}")
    if bodies and call.get("body") is not None:
        text = json.dumps(call["body"], indent=2, ensure_ascii=False)
        click.echo("   " + text.replace("\n", "\n   "))


@sync.command("run")
@click.argument("target")
@click.option("--release", "release", help="a release id (default: the latest)")
@click.option("--dry-run", is_flag=True, help="make no call: print the calls a sync would make")
@click.option(
    "--force", is_flag=True, help="android: remove or block apps the policy force-installs"
)
@click.option("--no-bodies", is_flag=True, help="print methods, URLs and headers only")
@with_appcontext
def sync_run(target: str, release: str | None, dry_run: bool, force: bool, no_bodies: bool) -> None:
    """Push a release to a target (by id or name), printing the diff it applies and the exact
    calls (method, URL, headers with secrets masked, JSON body). Exit status 1 if it failed."""
    from vetting.services import sync as svc

    result = svc.run(
        db.session(),
        actor(),
        target,
        release,
        dry_run=dry_run,
        force=force,
        options=_options(),
    )
    since = (
        f"release {result.previous_release_id}"
        if result.previous_release_id
        else "nothing (first sync)"
    )
    click.echo(f"{result.message} (run {result.run.id})")
    click.echo(f"diff: release {result.run.release_id} against {since} synced to this target")
    for line in result.plan.changes or ["(no change)"]:
        click.echo(f"  {line}")
    for note in result.plan.notes:
        click.echo(f"note: {note}")
    calls = result.run.calls or []
    click.echo("calls that would be made:" if dry_run else "calls made:")
    if not calls:
        click.echo("  (none)")
    for i, call in enumerate(calls, 1):
        _echo_call(i, call, not no_bodies)
    if not result.ok:
        click.echo(f"Error: {result.run.error}", err=True)
        sys.exit(1)


@sync.command("runs")
@click.argument("target")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--calls", "show_calls", is_flag=True, help="print each run's calls")
@with_appcontext
def sync_runs(target: str, limit: int, show_calls: bool) -> None:
    """A target's runs, newest first: release, dry run or not, result, error."""
    from vetting.services import sync as svc

    rows = svc.runs(db.session(), target, limit)
    if not rows:
        click.echo(f"no run of {target} yet (vetting sync run {target} --dry-run)")
    for r in rows:
        kind = "dry-run" if r.dry_run else "sync"
        echo_row(
            r.id,
            _when(r.started_at),
            kind,
            f"release {r.release_id}",
            r.status,
            f"{len(r.calls or [])} calls",
            last=r.error,
        )
        if show_calls:
            for i, call in enumerate(r.calls or [], 1):
                _echo_call(i, call, False)
