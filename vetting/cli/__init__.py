"""`vetting …` commands: thin — parse arguments, call services, print.

This module is the root group and `main` (the console script). Each command group is a module
here (`baas.py`, `sync.py`, …) that uses only `helpers.py` from this package: none imports this
package, another group or vetting.api (tests/cli/test_structure.py checks)."""

from __future__ import annotations

import click
from flask import Flask

from vetting.app import create_app
from vetting.cli import (
    allowlist,
    apps,
    assessments,
    audit,
    baas,
    backup,
    checklists,
    database,
    decisions,
    demo,
    discover,
    imports,
    notifications,
    parents,
    questionnaires,
    reminders,
    scheduler,
    sync,
    tokens,
    users,
)
from vetting.cli.helpers import VettingGroup


def _create_app() -> Flask:
    # Commands never start the in-process scheduler; `vetting scheduler` is that process.
    return create_app({"START_SCHEDULER": False})


@click.group(
    cls=VettingGroup, create_app=_create_app, add_default_commands=True, add_version_option=False
)
def cli() -> None:
    """Vetting: app assessments, BAAs and the approved-app list."""


for _command in (
    database.init_db,
    checklists.checklists,
    users.users,
    tokens.tokens,
    assessments.assessments,
    assessments.score,
    assessments.rescore,
    decisions.decisions,
    allowlist.allowlist,
    audit.audit,
    demo.demo,
    reminders.reminders,
    notifications.notifications,
    notifications.channels,
    scheduler.scheduler,
    baas.baas,
    parents.parents,
    questionnaires.questionnaires,
    sync.sync,
    backup.backup,
    backup.restore,
    imports.import_,
    apps.apps,
    discover.discover,
):
    cli.add_command(_command)


def main() -> None:
    cli.main(prog_name="vetting")
