"""`vetting …` commands: thin — parse arguments, call services, print."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import OperationalError

from vetting import audit as audit_log
from vetting import auth, clock, db, migrate, warmup
from vetting.app import create_app
from vetting.config import REPO_ROOT, ConfigError
from vetting.core.checklist import ChecklistError, load_checklist, load_directory
from vetting.errors import VettingError


def actor() -> auth.Principal:
    try:
        who = getpass.getuser()
    except Exception:
        who = "unknown"
    return auth.Principal(f"cli:{who}", "admin", frozenset(auth.SCOPES), kind="cli")


def _create_app() -> object:
    # Commands never start the in-process scheduler; `vetting scheduler` is that process.
    return create_app({"START_SCHEDULER": False})


class VettingGroup(FlaskGroup):
    """Turns user-fixable errors into a one-line message and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (VettingError, ChecklistError, ConfigError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except OperationalError as exc:
            click.echo(f"Error: database unavailable: {exc.orig}", err=True)
            sys.exit(1)


@click.group(
    cls=VettingGroup, create_app=_create_app, add_default_commands=True, add_version_option=False
)
def cli() -> None:
    """Vetting: app assessments, BAAs and the approved-app list."""


def main() -> None:
    cli.main(prog_name="vetting")


def _as_of(value: str | None) -> date:
    if value is None:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


# --- database -------------------------------------------------------------------------------


@cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    migrate.upgrade(db.engine())
    click.echo(f"database at revision {migrate.current(db.engine())}")


# --- checklists -----------------------------------------------------------------------------


@cli.group()
def checklists() -> None:
    """Capability checklists."""


@checklists.command("validate", context_settings={"ignore_unknown_options": False})
@click.argument("path", required=False, type=click.Path(path_type=Path))
def checklists_validate(path: Path | None) -> None:
    """Validate a checklist file or a folder of them (default: the configured folder)."""
    target = path or Path(os.environ.get("VETTING_CHECKLISTS_DIR") or REPO_ROOT / "checklists")
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
        gating = sum(cap.gating for cap in c.capabilities)
        click.echo(
            f"ok  {c.id} {c.version}  {len(c.capabilities)} capabilities, "
            f"{gating} must-have  sha256={c.sha256[:12]}  ({c.source})"
        )


# --- users and tokens -----------------------------------------------------------------------


@cli.group()
def users() -> None:
    """People who sign in."""


@users.command("create-admin")
@click.argument("email")
@click.option("--password", help="prompted for (hidden, twice) when absent")
@with_appcontext
def users_create_admin(email: str, password: str | None) -> None:
    """Create an administrator."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = auth.create_user(db.session(), actor(), email, password, "admin")
    click.echo(f"created admin {user.email} (id {user.id})")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--password", help="prompted for (hidden, twice) when absent")
@with_appcontext
def users_create(email: str, role: str, password: str | None) -> None:
    """Create a user with a role."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = auth.create_user(db.session(), actor(), email, password, role)
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@cli.group()
def tokens() -> None:
    """API tokens for machines (MDM pulls, scripts)."""


@tokens.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="limit the token to these scopes (default: all the role allows)",
)
@click.option("--expires-days", type=click.IntRange(min=1), default=None)
@with_appcontext
def tokens_create(name: str, role: str, scopes: tuple[str, ...], expires_days: int | None) -> None:
    """Create a token and print it once (it is stored only as a hash)."""
    expires = clock.now() + timedelta(days=expires_days) if expires_days else None
    token, secret = auth.create_token(db.session(), actor(), name, role, list(scopes), expires)
    click.echo(secret)
    click.echo(
        f"token {token.id} {token.name!r} role={token.role} "
        f"scopes={','.join(token.scopes)} — shown once, store it now",
        err=True,
    )


@tokens.command("list")
@with_appcontext
def tokens_list() -> None:
    """List tokens (never their secrets)."""
    from sqlalchemy import select

    from vetting.models import ApiToken

    for t in db.session().scalars(select(ApiToken).order_by(ApiToken.id)):
        state = "revoked" if t.revoked_at else "active"
        click.echo(f"{t.id}\t{t.name}\t{t.role}\t{t.prefix}…\t{state}\t{','.join(t.scopes)}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def tokens_revoke(token_id: int) -> None:
    """Revoke a token at once."""
    token = auth.revoke_token(db.session(), actor(), token_id)
    click.echo(f"revoked token {token.id} {token.name!r}")


# --- scoring --------------------------------------------------------------------------------


@cli.command("score")
@click.argument("assessment_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="print the full explanation as JSON")
@with_appcontext
def score(assessment_id: int, as_json: bool) -> None:
    """Print an assessment's score, verdict and per-capability explanation."""
    from vetting.schemas import AssessmentDetail
    from vetting.services import assessments

    view = assessments.get(db.session(), assessment_id)
    if as_json:
        click.echo(AssessmentDetail.from_view(view).model_dump_json(indent=2))
        return
    s = view.score
    a = view.assessment
    click.echo(
        f"assessment {a.id}: {view.checklist.id} {view.checklist.version} "
        f"(sha256 {view.checklist.sha256[:12]})"
    )
    click.echo(f"score {s.score:g} — verdict {s.verdict.upper()} — {s.answered}/{s.total} answered")
    for reason in s.reasons:
        click.echo(f"  {reason}")
    for c in s.capabilities:
        mark = "!" if c.gating else " "
        click.echo(
            f" {mark} {c.key:<36} {c.points:>5.2f}/{c.possible:<5.2f} "
            f"{(c.source or '-'):<10} {c.explanation}"
        )


# --- approved list --------------------------------------------------------------------------


@cli.group("allowlist", invoke_without_command=True)
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
    from vetting.services import allowlist as svc

    result = svc.compute(db.session(), _as_of(as_of))
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


@allowlist.command("publish")
@click.option("--as-of", "as_of", help="compute the list for this date (YYYY-MM-DD); default today")
@click.option("--note", help="a note stored with the release")
@with_appcontext
def allowlist_publish(as_of: str | None, note: str | None) -> None:
    """Store today's list as a release, only if it differs from the latest one."""
    from vetting.services import releases

    result = releases.publish(db.session(), actor(), _as_of(as_of), note)
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
    from vetting.services import releases

    page = releases.list_(db.session(), 1, limit)
    if not page.items:
        click.echo("no release published yet (vetting allowlist publish)")
    for r in page.items:
        click.echo(
            f"{r['id']}\t{r['as_of'].isoformat()}\t{r['entry_count']} approved\t"
            f"sha256 {r['sha256'][:12]}\t{r['created_at'].isoformat(timespec='seconds')}\t"
            f"{r['created_by']}" + (f"\t{r['note']}" if r["note"] else "")
        )


@allowlist.command("diff")
@click.argument("release_id")
@with_appcontext
def allowlist_diff(release_id: str) -> None:
    """What a release (an id, or 'latest') added and removed since the one before, and why."""
    from vetting.services import releases

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
    from vetting.services import releases

    releases.check_format(fmt)
    options = releases.export_options(current_app.config, mode)
    f = releases.export(db.session(), release_id, fmt, options)
    if output is None:
        click.echo(f.body, nl=False)  # bytes go to the binary stream
        return
    output.write_bytes(f.body)
    size = f"{len(f.body):,} bytes"
    click.echo(f"wrote release {f.release_id} as {fmt} ({size}) to {output}", err=True)


# --- audit ----------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check the chain; exit 1 naming the first altered or missing event."""
    result = audit_log.verify(db.session())
    if result.ok:
        click.echo(f"ok: {result.checked} events, chain intact")
        return
    click.echo(
        f"BROKEN at seq {result.first_bad_seq}: {result.reason} "
        f"({result.checked} events verified before it)",
        err=True,
    )
    sys.exit(1)


@audit.command("list")
@click.option("--limit", type=click.IntRange(1, 10000), default=50)
@with_appcontext
def audit_list(limit: int) -> None:
    """The most recent events, newest first."""
    from sqlalchemy import select

    from vetting.models import AuditEvent

    rows = db.session().scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit))
    for ev in rows:
        click.echo(
            f"{ev.seq}\t{ev.at.isoformat()}\t{ev.actor}\t{ev.action}\t"
            f"{ev.entity_type}:{ev.entity_id}"
        )


# --- demo -----------------------------------------------------------------------------------


@cli.command("demo")
@click.option("--serve", is_flag=True, help="then start the web server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="wipe vendors/apps/BAAs first (asks to confirm)")
@with_appcontext
def demo(serve: bool, host: str, port: int, reset: bool) -> None:
    """Load a realistic demo data set (idempotent) and optionally serve the app."""
    from vetting import demo as demo_data

    migrate.upgrade(db.engine())
    if reset:
        click.confirm("Delete all vendors, apps, assessments and BAAs?", abort=True)
    report = demo_data.load(
        db.session(),
        current_app.extensions["vetting.checklists"],
        reset=reset,
        warning_days=current_app.config["BAA_WARNING_DAYS"],
        base_url=f"http://{host}:{port}",
    )
    for line in report:
        click.echo(line)
    if serve:
        click.echo(f"serving on http://{host}:{port}/  (Ctrl-C to stop)")
        # Flask's app.run() refuses to run inside a `flask`-style CLI command; serve directly.
        from werkzeug.serving import run_simple

        if current_app.config["WARM_CACHES"]:
            warmup.start(current_app._get_current_object())  # type: ignore[attr-defined]
        run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]


# --- reminders, the outbox, notification channels, the scheduler (vetting/cli/reminders.py) ---

from vetting.cli import reminders as cli_reminders  # noqa: E402

cli_reminders.register(cli)

# --- the BAA register: list, renew, terminate, attach (vetting/cli/baas.py) ---------------

from vetting.cli import baas as cli_baas  # noqa: E402

cli_baas.register(cli)

# --- MDM sync targets and push sync (vetting/cli/sync.py) -------------------------------------

from vetting.cli import sync as cli_sync  # noqa: E402

cli_sync.register(cli)

# --- backup and restore: one zip archive of the database and documents (vetting/cli/backup.py) -

from vetting.cli import backup as cli_backup  # noqa: E402

cli_backup.register(cli)
