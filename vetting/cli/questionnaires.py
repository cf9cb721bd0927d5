"""`vetting questionnaires …`: our questionnaire workbook out to a vendor and back as attested
answers (`export`, `import`); a vendor's completed CAIQ v4.0.x or HECVAT 4.x / 3.x read into an
assessment as answer suggestions (`read`; pending until a person accepts them: `suggestions`,
`accept`, `dismiss`); answer links (`links …`) — thin: read the file, call a service, print."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import actor, echo_json, echo_row

MAX_READ = 20 * 1024 * 1024 + 1  # one byte over the spreadsheet gate's cap: it says so


@click.group()
def questionnaires() -> None:
    """Questionnaires: our workbook out and back; a vendor's CAIQ or HECVAT read into answer
    suggestions; answer links."""


@questionnaires.command("read")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--assessment", "assessment_id", type=int, required=True)
@click.option("--dry-run", is_flag=True, help="report what would be suggested; record nothing")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def read(file: Path, assessment_id: int, dry_run: bool, as_json: bool) -> None:
    """Read a vendor's CAIQ v4.0.x or HECVAT 4.x / 3.x workbook (only read, never written)
    into ASSESSMENT as pending `attested` suggestions; list the capabilities left unanswered."""
    from vetting.services.standard_questionnaires import read_into

    with file.open("rb") as handle:
        data = handle.read(MAX_READ)
    result = read_into(db.session(), actor(), assessment_id, data, file.name, dry_run=dry_run)
    out = result.as_dict()
    if as_json:
        echo_json(out)
        return
    would = "would suggest" if dry_run else "suggested"
    click.echo(
        f"{out['file']}: {out['questionnaire'].upper()} {out['version']}, "
        f"{out['answered']} questions answered; {would} {len(out['suggestions'])} answers "
        f"for assessment {assessment_id} (sha256 {out['sha256'][:12]})"
    )
    for p in out["suggestions"]:
        shown = _shown(p["value"])
        echo_row(p["id"] or "-", p["capability_key"], shown, p["question_id"], p["cell"])
    for k in out["refused"]:
        click.echo(f"not used: {k['cell']} {k['question_id']}: {k['reason']}")
    click.echo(f"left unanswered: {', '.join(out['unmapped']) or 'none'}")
    for note in out["notes"]:
        click.echo(f"note: {note}")
    if not dry_run:
        click.echo(
            f"accept them with `vetting questionnaires accept {assessment_id}` (or some: --id)"
        )


def _shown(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


@questionnaires.command("suggestions")
@click.argument("assessment_id", type=int)
@with_appcontext
def list_suggestions(assessment_id: int) -> None:
    """Pending suggestions: ID, capability, proposed value (current → proposed when the
    capability is answered), origin and the vendor's words."""
    from vetting.services.suggestions import pending

    for p in pending(db.session(), assessment_id):
        row = p.suggestion
        value = _shown(row.value)
        if p.current is not None:
            value = f"{_shown(p.current.value)} ({p.current.source}) → {value}"
        echo_row(row.id, row.capability_key, value, row.origin_kind, row.origin_ref, last=row.note)


def _choose(name: str, verb: str) -> click.Command:
    @questionnaires.command(
        name,
        help=f"{verb.capitalize()} pending suggestions of ASSESSMENT_ID (all, or those named "
        "by --id).",
    )
    @click.argument("assessment_id", type=int)
    @click.option("--id", "ids", type=int, multiple=True, help="one suggestion (repeatable)")
    @with_appcontext
    def command(assessment_id: int, ids: tuple[int, ...]) -> None:
        from vetting.services import suggestions

        action = suggestions.accept if name == "accept" else suggestions.dismiss
        done = action(db.session(), actor(), assessment_id, list(ids) or None)
        click.echo(f"{verb} {len(done)} suggestion{'s' * (len(done) != 1)}")

    return command


accept = _choose("accept", "accepted")
dismiss = _choose("dismiss", "dismissed")


@questionnaires.group("links")
def links() -> None:
    """Answer links: the vendor answers one assessment without an account."""


@links.command("create")
@click.argument("assessment_id", type=int)
@click.option("--days", type=int, default=14, show_default=True, help="how long it works")
@click.option("--email", help="who it is for (optional)")
@click.option("--until-revoked", is_flag=True, help="not single use: open until it expires")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@with_appcontext
def links_create(
    assessment_id: int, days: int, email: str | None, until_revoked: bool, base_url: str
) -> None:
    """Create an answer link and print its URL (once: only its hash is kept)."""
    from vetting.services import answer_links

    made = answer_links.create(
        db.session(), actor(), assessment_id, days, email, single_use=not until_revoked
    )
    click.echo(f"{base_url.rstrip('/')}/answer/{made.token}")
    click.echo(
        f"link {made.link.id} for assessment {assessment_id}, until "
        f"{made.link.expires_at.date().isoformat()}"
        f"{', single use' if made.link.single_use else ''}",
        err=True,
    )


@links.command("list")
@click.argument("assessment_id", type=int)
@with_appcontext
def links_list(assessment_id: int) -> None:
    """ID, state, recipient, expiry, submissions."""
    from vetting.services import answer_links

    for link in answer_links.list_(db.session(), assessment_id):
        echo_row(
            link.id,
            answer_links.state(link),
            link.recipient_email or "-",
            link.expires_at.date().isoformat(),
            link.submissions,
        )


@links.command("revoke")
@click.argument("link_id", type=int)
@with_appcontext
def links_revoke(link_id: int) -> None:
    """Revoke an answer link: it stops working at once."""
    from vetting.services import answer_links

    link = answer_links.revoke(db.session(), actor(), link_id)
    click.echo(f"link {link.id} revoked")


@questionnaires.command("export")
@click.argument("assessment_id", type=int, required=False)
@click.option("--vendor", "vendor_id", type=int, help="instead of an assessment: this vendor…")
@click.option("--checklist", "checklist_id", help="…and this checklist (its current version)")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="the .xlsx to write (default: questionnaire-<id>-<checklist>-<version>.xlsx here)",
)
@with_appcontext
def export(
    assessment_id: int | None,
    vendor_id: int | None,
    checklist_id: str | None,
    output: str | None,
) -> None:
    """Write the questionnaire workbook of an assessment, or of a vendor and a checklist
    (`--vendor ID --checklist ID`) before any assessment exists: it is imported later into an
    open assessment of one of the vendor's apps on the same checklist version."""
    from flask import current_app

    from vetting.current import current_settings
    from vetting.services import checklists
    from vetting.services import questionnaires as svc

    secret = current_settings().secret_key
    if assessment_id is not None:
        if vendor_id is not None or checklist_id is not None:
            raise click.UsageError("give an assessment, or --vendor and --checklist, not both")
        out = svc.export(db.session(), actor(), assessment_id, secret)
    elif vendor_id is None or checklist_id is None:
        raise click.UsageError("give an assessment ID, or both --vendor and --checklist")
    else:
        checklist = checklists.get(current_app.extensions["vetting.checklists"], checklist_id)
        out = svc.export_for_vendor(db.session(), actor(), vendor_id, checklist, secret)
    path = Path(output or out.filename)
    path.write_bytes(out.data)
    click.echo(f"wrote {path} ({len(out.data):,} bytes)")


@questionnaires.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--assessment",
    "assessment_id",
    type=int,
    help="the assessment to import into (needed for a vendor's workbook when the vendor has "
    "several open assessments on its checklist version)",
)
@click.option("--dry-run", is_flag=True, help="check and list the changes, write nothing")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@with_appcontext
def import_(file: str, assessment_id: int | None, dry_run: bool, as_json: bool) -> None:
    """Import a filled questionnaire workbook into the assessment it was exported for (a
    vendor's workbook: that vendor's open assessment on the same checklist version)."""
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
        assessment_id=assessment_id,
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
