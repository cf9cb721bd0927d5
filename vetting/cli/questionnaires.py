"""`vetting questionnaires export|import`: our questionnaire workbook for a vendor to fill in,
and the filled workbook read back as attested answers — thin: parse, call services, print."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import actor, echo_json, echo_row


@click.group()
def questionnaires() -> None:
    """Questionnaire workbooks: out to a vendor, and back as attested answers."""


@questionnaires.command("export")
@click.argument("assessment_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="the .xlsx to write (default: questionnaire-<id>-<checklist>-<version>.xlsx here)",
)
@with_appcontext
def export(assessment_id: int, output: str | None) -> None:
    """Write the questionnaire workbook of an assessment."""
    from vetting.current import current_settings
    from vetting.services import questionnaires as svc

    out = svc.export(db.session(), actor(), assessment_id, current_settings().secret_key)
    path = Path(output or out.filename)
    path.write_bytes(out.data)
    click.echo(f"wrote {path} ({len(out.data):,} bytes)")


@questionnaires.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="check and list the changes, write nothing")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@with_appcontext
def import_(file: str, dry_run: bool, as_json: bool) -> None:
    """Import a filled questionnaire workbook into the assessment it was exported for."""
    from vetting.current import current_settings
    from vetting.errors import Invalid
    from vetting.services import questionnaires as svc

    path = Path(file)
    size = path.stat().st_size
    if size > svc.LARGEST:
        raise Invalid(f"the file is {size:,} bytes; the limit is {svc.LARGEST:,} bytes", path.name)
    data = path.read_bytes()
    report = svc.import_file(
        db.session(),
        actor(),
        data,
        path.name,
        current_settings().secret_key,
        dry_run=dry_run,
    )
    if as_json:
        echo_json(report.as_dict())
        return
    for c in report.changes:
        echo_row(c.action, c.key, f"{c.before or '-'} → {c.after}", last=c.as_dict()["cell"])
    done = "applied" if report.applied else ("dry run: nothing written" if dry_run else "")
    click.echo(
        f"assessment {report.assessment_id} ({report.checklist}): {report.count(svc.CREATE)} "
        f"created, {report.count(svc.UPDATE)} updated, {report.count(svc.UNCHANGED)} unchanged, "
        f"{report.blank} blank{'; ' + done if done else ''} (sha256 {report.sha256})"
    )
