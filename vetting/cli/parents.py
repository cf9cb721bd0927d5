"""`vetting parents list|add|update`: parent agreements (master agreements whose term BAAs may
follow) from the shell — thin: parse, call services, print."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import actor, echo_json, echo_row, validate
from vetting.schemas import ParentAgreementCreate, ParentAgreementOut, ParentAgreementUpdate


def _terms(f: Any) -> Any:
    """The options `add` and `update` share."""
    for option in reversed(
        [
            click.option("--vendor-id", type=int, help="the vendor it is with (optional)"),
            click.option("--expiration-date", help="the LAST day in force (omit: evergreen)"),
            click.option("--auto-renews/--no-auto-renews", default=None),
            click.option("--renewal-term-months", type=int),
            click.option("--notice-days", type=int, help="notice of non-renewal in days"),
            click.option("--notice-months", type=int, help="… or in months (not both)"),
            click.option("--notes"),
        ]
    ):
        f = option(f)
    return f


@click.group()
def parents() -> None:
    """Parent agreements: master agreements whose dates BAAs may follow."""


@parents.command("list")
@click.option("--vendor-id", type=int)
@click.option("--json", "as_json", is_flag=True, help="print them as JSON (as the API does)")
@with_appcontext
def parents_list(vendor_id: int | None, as_json: bool) -> None:
    """Parent agreements, their dates and the BAAs that follow them."""
    from vetting.services import parent_agreements as svc

    s = db.session()
    result = svc.list_(s, 1, 2**31 - 1, vendor_id)
    links = svc.linked(s, [p.id for p in result.items])
    if as_json:
        echo_json(
            [
                ParentAgreementOut.model_validate(p)
                .model_copy(
                    update={
                        "baa_ids": [b for b, _ in links[p.id]],
                        "following_ids": [b for b, f in links[p.id] if f],
                    }
                )
                .model_dump(mode="json")
                for p in result.items
            ]
        )
        return
    click.echo(f"{result.total} parent agreement(s)")
    for p in result.items:
        end = f"through {p.expiration_date}" if p.expiration_date else "evergreen"
        renews = f", renews {p.renewal_term_months} months" if p.auto_renews else ""
        following = [str(b) for b, f in links[p.id] if f]
        who = f"BAAs following: {', '.join(following)}" if following else "no BAA follows it"
        echo_row(p.id, p.name, f"from {p.effective_date} {end}{renews}", who)


@parents.command("add")
@click.option("--name", required=True)
@click.option("--effective-date", required=True, help="the first day in force (YYYY-MM-DD)")
@_terms
@with_appcontext
def parents_add(**options: Any) -> None:
    """Record a parent agreement."""
    from vetting.services import parent_agreements as svc

    data = {k: v for k, v in options.items() if v is not None}
    p = svc.create(db.session(), actor(), validate(ParentAgreementCreate, data))
    click.echo(f"parent agreement {p.id} recorded: {p.name}")


@parents.command("update")
@click.argument("parent_id", type=int)
@click.option("--name")
@click.option("--effective-date", help="the first day in force (YYYY-MM-DD)")
@click.option("--evergreen", is_flag=True, help="clear the expiration date")
@_terms
@with_appcontext
def parents_update(parent_id: int, evergreen: bool, **options: Any) -> None:
    """Change a parent agreement; the BAAs that follow it take its new dates at once."""
    from vetting.services import parent_agreements as svc

    data = {k: v for k, v in options.items() if v is not None}
    if evergreen:
        if "expiration_date" in data:
            raise click.UsageError("--evergreen or --expiration-date, not both")
        data["expiration_date"] = None
    s = db.session()
    p = svc.update(s, actor(), parent_id, validate(ParentAgreementUpdate, data))
    moved = [b for b, f in svc.linked(s, [parent_id])[parent_id] if f]
    end = f"through {p.expiration_date}" if p.expiration_date else "evergreen"
    tail = f"; BAAs following it: {', '.join(map(str, moved))}" if moved else ""
    click.echo(f"parent agreement {p.id} updated: from {p.effective_date} {end}{tail}")
