"""`vetting reminders run`: the reminder sweep from the shell."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import actor, echo_json, echo_row, parse_date
from vetting.current import current_settings


@click.group()
def reminders() -> None:
    """The reminder sweep (BAA term ends, notice deadlines, reassessments)."""


@reminders.command("run")
@click.option("--as-of", "as_of", help="sweep as if today were this date (YYYY-MM-DD)")
@click.option("--dry-run", is_flag=True, help="show what would be created; write nothing")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@with_appcontext
def reminders_run(as_of: str | None, dry_run: bool, as_json: bool) -> None:
    """Put every reminder due on a date into the outbox (exactly once; safe to rerun)."""
    from vetting.jobs import sweep

    settings = current_settings().notify
    day = parse_date(as_of, "--as-of")
    summary = sweep(db.session(), day, settings, actor().name, dry_run)
    if as_json:
        echo_json(summary.as_dict(with_rows=dry_run))
        return
    if summary.skipped:
        click.echo(f"{day}: another sweep is running; skipped (it does the same work)")
        return
    verb = "would create" if dry_run else "created"
    channels = ", ".join(f"{n} {c}" for c, n in sorted(summary.by_channel.items())) or "none"
    click.echo(
        f"{day}: {summary.subjects} agreements/decisions looked at, {summary.due} reminders "
        f"due; {verb} {summary.created} notifications ({channels}); "
        f"{summary.existing} already in the outbox; "
        f"{'would cancel' if dry_run else 'cancelled'} {summary.cancelled}"
    )
    if dry_run:
        for r in summary.planned:
            echo_row(
                f"  {r['subject_kind']} {r['subject_id']}",
                r["kind"],
                r["term_end"],
                f"{r['threshold_days']:>4}d",
                r["channel"],
                r["recipient"],
                r["title"],
            )
