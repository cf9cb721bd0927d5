"""`vetting checklists validate`: check capability checklist files before they are used."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vetting.core.checklist import ChecklistError, Tier, load_checklist, load_directory
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
