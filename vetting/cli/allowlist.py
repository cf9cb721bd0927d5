"""`vetting allowlist [publish|releases|diff|export]`: the approved-app list and its
releases."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from vetting import clock, db
from vetting.cli.helpers import actor, echo_row, parse_date
from vetting.current import current_settings


@click.group("allowlist", invoke_without_command=True)
@click.option("--as-of", "as_of", help="date (YYYY-MM-DD); default today")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write to a file instead of standard output",
)
@click.pass_context
@with_appcontext
def allowlist(ctx: click.Context, as_of: str | None, fmt: str, output: Path | None) -> None:
    """Print the approved-app list for a date, with the reason for every app left out."""
    if ctx.invoked_subcommand is not None:
        return
    from vetting.queries import allowlist as svc

    result = svc.compute(db.session(), parse_date(as_of))
    text = (
        svc.as_csv(result)
        if fmt == "csv"
        else json.dumps(svc.as_dict(result, clock.now()), indent=2) + "\n"
    )
    if output:
        output.write_text(text, encoding="utf-8", newline="")
        click.echo(
            f"wrote {len(result.entries)} approved, {len(result.excluded)} excluded to {output}",
            err=True,
        )
    else:
        click.echo(text, nl=False)


@allowlist.command("forecast")
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@with_appcontext
def allowlist_forecast(days: int, as_json: bool) -> None:
    """Apps that will leave the list in the next N days: the day each leaves, and why."""
    from vetting.queries import allowlist as svc

    today = clock.today()
    items = svc.forecast(db.session(), today, days)
    if as_json:
        click.echo(json.dumps(svc.forecast_dict(today, days, items), indent=2))
        return
    if not items:
        click.echo(f"no app leaves the list in the next {days} days")
    for d in items:
        click.echo(
            f"{d.leaves_on.isoformat()}  {d.name} ({d.platform}, {d.vendor_name}): {d.reason}"
        )


@allowlist.command("publish")
@click.option("--as-of", "as_of", help="compute the list for this date (YYYY-MM-DD); default today")
@click.option("--note", help="a note stored with the release")
@click.option(
    "--allow-shrink",
    is_flag=True,
    help="publish even an empty list, or one dropping more than VETTING_PUBLISH_MAX_DROP_PERCENT",
)
@with_appcontext
def allowlist_publish(as_of: str | None, note: str | None, allow_shrink: bool) -> None:
    """Store today's list as a release, only if it differs from the latest one."""
    from vetting.current import current_settings
    from vetting.services import releases

    result = releases.publish(
        db.session(),
        actor(),
        parse_date(as_of),
        note,
        allow_shrink=allow_shrink,
        max_drop_percent=current_settings().publish_max_drop_percent,
    )
    click.echo(result.message)
    _echo_changes(result.diff)


def _echo_changes(diff: object) -> None:
    for kind in ("added", "removed", "changed", "blocked", "unblocked"):
        for c in getattr(diff, kind):
            click.echo(f"  {c.name} ({c.platform} {c.store_id or '-'}): {c.reason}")


@allowlist.command("releases")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@with_appcontext
def allowlist_releases(limit: int) -> None:
    """Published releases, newest first."""
    from vetting.queries import releases

    page = releases.list_(db.session(), 1, limit)
    if not page.items:
        click.echo("no release published yet (vetting allowlist publish)")
    for r in page.items:
        echo_row(
            r["id"],
            r["as_of"].isoformat(),
            f"{r['entry_count']} approved",
            f"sha256 {r['sha256'][:12]}",
            r["created_at"].isoformat(timespec="seconds"),
            r["created_by"],
            last=r["note"],
        )


@allowlist.command("diff")
@click.argument("release_id")
@with_appcontext
def allowlist_diff(release_id: str) -> None:
    """What a release (an id, or 'latest') added and removed since the one before, and why."""
    from vetting.queries import releases

    row, diff = releases.diff(db.session(), release_id)
    since = f"release {row.previous_id}" if row.previous_id else "nothing (first release)"
    click.echo(f"release {row.id} ({row.as_of.isoformat()}) since {since}: {diff.summary}")
    _echo_changes(diff)


@allowlist.command("export")
@click.option("--release", "release_id", default="latest", show_default=True, help="id or 'latest'")
@click.option(
    "--format", "fmt", required=True, help="json, csv, xlsx, mobileconfig, android-policy, intune"
)
@click.option("--mode", type=click.Choice(["allow", "block"]), default="allow", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write to this file (default: standard output)",
)
@with_appcontext
def allowlist_export(release_id: str, fmt: str, mode: str, output: Path | None) -> None:
    """Write a release in one format."""
    from vetting.queries import releases

    releases.check_format(fmt)
    options = releases.export_options(current_settings(), mode)
    f = releases.export(db.session(), release_id, fmt, options)
    if output is None:
        click.echo(f.body, nl=False)  # bytes go to the binary stream
        return
    output.write_bytes(f.body)
    size = f"{len(f.body):,} bytes"
    click.echo(f"wrote release {f.release_id} as {fmt} ({size}) to {output}", err=True)
