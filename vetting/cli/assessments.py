"""`vetting score`: an assessment's score, verdict and per-capability explanation; `vetting
rescore`: every assessment scored again under its pinned checklist."""

from __future__ import annotations

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


@click.command("rescore")
@click.option("--dry-run", is_flag=True, help="count what would change, write nothing")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def rescore(dry_run: bool, as_json: bool) -> None:
    """Score every assessment again under its pinned checklist version (after an upgrade that
    changed the scoring rules); only changed scores and verdicts are written, audited once."""
    from vetting.cli.helpers import actor, echo_json
    from vetting.services.rescoring import rescore as run

    summary = run(db.session(), actor().name, dry_run=dry_run)
    if as_json:
        echo_json(summary.as_dict())
        return
    would = "would change" if dry_run else "changed"
    click.echo(
        f"{summary.assessments} assessments rescored: {summary.changed} {would} "
        f"({summary.verdicts_changed} verdicts)"
    )
    for e in summary.examples:
        click.echo(
            f"  assessment {e['assessment_id']}: {e['score'][0]:g} {e['verdict'][0]} → "
            f"{e['score'][1]:g} {e['verdict'][1]}"
        )
