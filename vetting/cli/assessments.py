"""`vetting assessments score`: an assessment's score, verdict and per-capability explanation;
`vetting assessments rescore [--checklist ID]`: every open assessment scored again under its
pinned checklist, with progress on the terminal. Both are also at the top level (`vetting
score`, `vetting rescore`), as before the group existed."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from vetting import clock, db


@click.command("score")
@click.argument("assessment_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="print the full explanation as JSON")
@with_appcontext
def score(assessment_id: int, as_json: bool) -> None:
    """Print an assessment's score, verdict and per-capability explanation."""
    from vetting.current import current_settings
    from vetting.schemas import AssessmentDetail
    from vetting.services import assessments

    view = assessments.get(db.session(), assessment_id, current_settings().decision_rules)
    detail = AssessmentDetail.from_view(view, current_app.extensions["vetting.checklists"])
    if as_json:
        click.echo(detail.model_dump_json(indent=2))
        return
    s = view.score
    a = view.assessment
    click.echo(
        f"assessment {a.id}: {view.checklist.id} {view.checklist.version} "
        f"(sha256 {view.checklist.sha256[:12]})"
    )
    if detail.notice:
        click.echo(detail.notice)
    verdict = s.verdict if a.status == "open" else a.verdict
    click.echo(f"score {s.score:g} — verdict {verdict.upper()} — {s.answered}/{s.total} answered")
    click.echo(s.evidence.summary())
    for reason in s.reasons:
        click.echo(f"  {reason}")
    for c in s.capabilities:
        files = len(view.files_of(c.key))
        shown = f"{files} file{'s' * (files != 1)}; " if files else ""
        source = "verified*" if c.unsupported else (c.source or "-")
        click.echo(
            f"  {c.tier:<8} {c.key:<36} {c.points:>5.2f}/{c.possible:<5.2f} "
            f"{source:<10} {shown}{c.explanation}"
        )
    if s.unsupported:
        click.echo("* verified — no evidence attached: counts as attested")
    if view.breach is not None and view.breach.message:
        click.echo(
            f"breach deadline differs: {view.breach.message} (BAA {view.breach.source.baa_id})"
        )
    for dv in view.decisions:
        d = dv.decision
        state = "" if dv.confirmation == "not_needed" else f" [{dv.confirmation}]"
        click.echo(
            f"decision {d.id}: {d.decision} by {d.decided_by} on "
            f"{clock.local_day(d.decided_at).isoformat()}, "
            f"valid until {d.valid_until.isoformat()}{state}"
        )
        for cond in dv.conditions:
            met = (
                f"met {clock.local_day(cond.met_at).isoformat()}"
                if cond.met_at
                else ("OVERDUE" if cond.id in dv.overdue_ids else "open")
            )
            click.echo(
                f"  condition {cond.id}: {cond.text} — due {cond.due_date.isoformat()}, "
                f"{cond.owner}, {met}"
            )
        for f in dv.shortfalls:
            click.echo(f"  lacks: {f}")


class _Progress:
    """A progress bar on stderr (stdout stays the command's output, e.g. its JSON), opened
    once the total is known; off a terminal click prints its label once instead."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(
                length=total,
                label=f"{self.label} {total:,} assessment{'s' * (total != 1)}",
                file=sys.stderr,
                show_pos=True,
            )
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _known_checklist(checklist_id: str) -> None:
    """Refuse a checklist id that is neither loaded nor named by any assessment (a typo)."""
    from sqlalchemy import select
    from sqlmodel import col

    from vetting.models import Assessment

    loaded = set(current_app.extensions["vetting.checklists"])
    if checklist_id in loaded:
        return
    used = set(db.session().scalars(select(col(Assessment.checklist_id)).distinct()))
    if checklist_id not in used:
        known = ", ".join(sorted(loaded | used)) or "none"
        raise click.BadParameter(
            f"no checklist {checklist_id!r} is loaded or assessed against (known: {known})",
            param_hint="--checklist",
        )


@click.command("rescore")
@click.option(
    "--checklist",
    "checklist_id",
    metavar="ID",
    help="only the assessments made against this checklist (any of its versions)",
)
@click.option("--dry-run", is_flag=True, help="count what would change, write nothing")
@click.option("--json", "as_json", is_flag=True)
@click.option("--quiet", is_flag=True, help="no progress bar")
@with_appcontext
def rescore(checklist_id: str | None, dry_run: bool, as_json: bool, quiet: bool) -> None:
    """Score every open assessment again under its pinned checklist version (after an upgrade
    that changed the scoring rules, or on demand); only changed scores and verdicts are
    written, audited once. Decided assessments keep what they were decided on."""
    from vetting.cli.helpers import actor, echo_json
    from vetting.services.rescoring import rescore as run

    if checklist_id is not None:
        _known_checklist(checklist_id)
    progress = None if quiet else _Progress("dry run: scoring" if dry_run else "rescoring")
    try:
        summary = run(
            db.session(),
            actor().name,
            dry_run=dry_run,
            checklist_id=checklist_id,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    if as_json:
        echo_json(summary.as_dict())
        return
    would = "would change" if dry_run else "changed"
    of = f" of checklist {checklist_id}" if checklist_id else ""
    click.echo(
        f"{summary.assessments} open assessments{of} rescored: {summary.changed} {would} "
        f"({summary.verdicts_changed} verdicts)"
    )
    for e in summary.examples:
        click.echo(
            f"  assessment {e['assessment_id']}: {e['score'][0]:g} {e['verdict'][0]} → "
            f"{e['score'][1]:g} {e['verdict'][1]}"
        )


@click.group("assessments")
def assessments() -> None:
    """Assessments: scores, verdicts and rescoring."""


assessments.add_command(score)
assessments.add_command(rescore)
