"""`vetting import apps|vendors|baas FILE [--dry-run] [--sheet NAME]`: bulk imports from a
CSV or .xlsx file — thin: read the file, call the import service, print its report."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import actor, echo_json
from vetting.core.imports import DateOrder, ImportKind


def _command(kind: ImportKind) -> click.Command:
    @click.command(kind.value)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="report what would happen; write nothing")
    @click.option("--sheet", help="the workbook's sheet to read (default: the first)")
    @click.option(
        "--date-order",
        type=click.Choice([o.value for o in DateOrder]),
        help="how to read 03/04/2026 (refused without it)",
    )
    @click.option("--vendor", "default_vendor", help="the vendor of rows that name none (apps)")
    @click.option("--json", "as_json", is_flag=True, help="print the report as JSON (as the API)")
    @with_appcontext
    def command(
        file: Path,
        dry_run: bool,
        sheet: str | None,
        date_order: str | None,
        default_vendor: str | None,
        as_json: bool,
    ) -> None:
        from vetting.services import imports

        data = file.read_bytes()
        report = imports.run(
            db.session(),
            actor(),
            kind,
            data,
            file.name,
            dry_run=dry_run,
            sheet=sheet,
            date_order=DateOrder(date_order) if date_order else None,
            default_vendor=default_vendor,
        )
        if as_json:
            echo_json(report.as_dict())
        else:
            _print(report)
        if report.refused:
            sys.exit(1)

    command.help = (
        f"Import {kind.value} from a CSV or .xlsx FILE: every row is reported (created, "
        "updated, unchanged, skipped or refused); the file applies whole or not at all."
    )
    return command


def _print(report: object) -> None:
    from vetting.services.imports import ImportReport

    assert isinstance(report, ImportReport)
    where = f"{report.file}" + (f" (sheet {report.sheet})" if report.sheet else "")
    click.echo(f"{where}: {report.layout}, sha256 {report.sha256}")
    for row in report.rows:
        detail = ", ".join(row.changes) if row.changes else (row.note or "")
        click.echo(
            f"row {row.row}\t{row.outcome.value}\t{row.label}" + (f"\t{detail}" if detail else "")
        )
    if report.vendors_created:
        click.echo(f"new vendors: {', '.join(report.vendors_created)}")
    counts = ", ".join(f"{n} {k}" for k, n in report.counts.items() if n)
    for line in report.error_lines():
        click.echo(f"Error: {line}", err=True)
    if report.refused:
        click.echo(f"Refused: {counts}; nothing was imported", err=True)
    elif report.dry_run:
        click.echo(f"Dry run: {counts}; nothing was written")
    else:
        click.echo(f"Imported: {counts}")


@click.group("import")
def import_() -> None:
    """Bulk imports: apps (MDM inventories or the generic sheet), vendors, legal's BAA sheet."""


for _kind in ImportKind:
    import_.add_command(_command(_kind))
