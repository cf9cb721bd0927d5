"""`vetting checklists validate`: check capability checklist files before they are used;
`vetting checklists diff OLD NEW`: what changed between two versions, in plain words."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import echo_json
from vetting.core.checklist import (
    Checklist,
    ChecklistError,
    Tier,
    load_checklist,
    load_directory,
    parse_checklist,
)
from vetting.core.checklist_diff import diff_checklists
from vetting.settings import checklists_dir


@click.group()
def checklists() -> None:
    """Capability checklists."""


@checklists.command("validate", context_settings={"ignore_unknown_options": False})
@click.argument("path", required=False, type=click.Path(path_type=Path))
def checklists_validate(path: Path | None) -> None:
    """Validate a checklist file or a folder of them (default: the configured folder)."""
    target = path or checklists_dir()
    if not target.exists():
        raise click.ClickException(f"{target}: no such file or folder")
    try:
        found = load_directory(target) if target.is_dir() else {(c := load_checklist(target)).id: c}
    except ChecklistError as exc:
        click.echo(f"invalid: {exc}", err=True)
        sys.exit(1)
    if not found:
        raise click.ClickException(f"{target}: no *.toml checklists found")
    for c in found.values():
        gates = sum(cap.tier == Tier.GATE for cap in c.capabilities)
        required = sum(cap.tier == Tier.REQUIRED for cap in c.capabilities)
        click.echo(
            f"ok  {c.id} {c.version}  {len(c.capabilities)} capabilities, "
            f"{gates} gates, {required} required  sha256={c.sha256[:12]}  ({c.source})"
        )
    if target.is_dir() and (target / "mappings").is_dir():
        _validate_mappings(target / "mappings", list(found.values()))


def _validate_mappings(folder: Path, found: list[Checklist]) -> None:
    """The questionnaire mappings (CAIQ / HECVAT → capabilities) against these checklists."""
    from vetting.core import questionnaire_map as qmap

    try:
        maps = qmap.load_dir(folder)
    except qmap.MappingError as exc:
        click.echo(f"invalid: {exc}", err=True)
        sys.exit(1)
    problems = [p for m in maps.values() for p in qmap.check(m, found)]
    for problem in problems:
        click.echo(f"invalid: mappings/{problem}", err=True)
    if problems:
        sys.exit(1)
    for m in maps.values():
        click.echo(f"ok  mapping {m.family}  {len(m.rules)} rows  ({m.path})")


def _resolve(spec: str) -> Checklist:
    """A file path, `id@version` (loaded or pinned) or the sha256 of a pinned version."""
    path = Path(spec)
    if path.is_file():
        try:
            return parse_checklist(path.read_bytes(), file=path.name)
        except OSError as exc:
            raise click.ClickException(f"{spec}: cannot read: {exc.strerror}") from None
    from vetting.queries.checklists import resolve_version

    return resolve_version(db.session(), spec, current_app.extensions["vetting.checklists"])


def _label(c: Checklist) -> str:
    return f"{c.id} {c.version} (sha256 {c.sha256[:12]}, {c.source})"


@checklists.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="one JSON document")
@with_appcontext
def checklists_diff(old: str, new: str, as_json: bool) -> None:
    """What changed from OLD to NEW: capabilities added or removed, tiers, weights, options,
    levels, thresholds and conflict rules.

    OLD and NEW are checklist files, `id@version` (the loaded file when it has that version,
    else the text pinned by an assessment) or the sha256 (≥ 8 hex digits) of a pinned version.
    """
    before, after = _resolve(old), _resolve(new)
    changes = diff_checklists(before, after)
    if as_json:
        echo_json(
            {
                "old": {"id": before.id, "version": before.version, "sha256": before.sha256},
                "new": {"id": after.id, "version": after.version, "sha256": after.sha256},
                "changes": [c.as_dict() for c in changes],
            }
        )
        return
    click.echo(f"from {_label(before)}")
    click.echo(f"  to {_label(after)}")
    if not changes:
        click.echo("no changes")
    for change in changes:
        click.echo(f"  {change.text}")
