"""`vetting score`: an assessment's score, verdict and per-capability explanation."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from vetting import db


@click.command("score")
@click.argument("assessment_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="print the full explanation as JSON")
@with_appcontext
def score(assessment_id: int, as_json: bool) -> None:
    """Print an assessment's score, verdict and per-capability explanation."""
    from vetting.schemas import AssessmentDetail
    from vetting.services import assessments

    view = assessments.get(db.session(), assessment_id)
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
    click.echo(f"score {s.score:g} — verdict {s.verdict.upper()} — {s.answered}/{s.total} answered")
    for reason in s.reasons:
        click.echo(f"  {reason}")
    for c in s.capabilities:
        click.echo(
            f"  {c.tier:<8} {c.key:<36} {c.points:>5.2f}/{c.possible:<5.2f} "
            f"{(c.source or '-'):<10} {c.explanation}"
        )
