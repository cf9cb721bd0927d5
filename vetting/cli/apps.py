"""`vetting apps lookup|refresh`: look apps up in their stores from the shell — thin: parse,
call the store-lookup service, print."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import actor, echo_json, echo_row, parse_date
from vetting.current import current_settings
from vetting.schemas import StoreListingOut


def _print_listing(listing: Any) -> None:
    out = StoreListingOut.model_validate(listing)
    echo_row("status", out.status)
    for name in (
        "title", "seller_name", "developer_name", "store_url", "version", "released_at",
        "minimum_os", "developer_website", "developer_email", "privacy_policy_url",
        "lookup_url", "fetched_at", "sha256",
    ):  # fmt: skip
        value = getattr(out, name)
        if value is not None:
            echo_row(name, value)
    safety = out.data_safety or {}
    for practice in safety.get("practices") or []:
        echo_row("practice", practice["label"], last=practice.get("description"))
    for flag in out.flags:
        echo_row("flag", flag.code, last=flag.message)


@click.group()
def apps() -> None:
    """Apps: look them up in their app stores."""


@apps.command("lookup")
@click.argument("app_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON (as the API does)")
@with_appcontext
def apps_lookup(app_id: int, as_json: bool) -> None:
    """Look app APP_ID up in its store now: keep the listing, raise its flags, and propose
    declared data-safety practices on its open assessments (exit 1 when the store could not
    be read; the error is kept on the listing)."""
    from vetting.schemas import StoreLookupOut
    from vetting.services import store_lookup

    options = store_lookup.options_from(current_settings())
    outcome = store_lookup.lookup(db.session(), actor(), app_id, options)
    if as_json:
        echo_json(
            StoreLookupOut(
                listing=StoreListingOut.model_validate(outcome.listing),
                suggestion_ids=[sg.id for sg in outcome.suggested if sg.id is not None],
                notes=outcome.notes,
            ).model_dump(mode="json")
        )
        return
    _print_listing(outcome.listing)
    for sg in outcome.suggested:
        echo_row("suggested", f"assessment {sg.assessment_id}", sg.capability_key, sg.value)
    for note in outcome.notes:
        echo_row("note", note)


@apps.command("refresh")
@click.option("--as-of", help="whose approved list (YYYY-MM-DD; default today)")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def apps_refresh(as_of: str | None, as_json: bool) -> None:
    """Look up every app on the approved list now (what the daily job does with
    VETTING_STORE_REFRESH=on); a failure is recorded on that app's listing."""
    from vetting.services import store_lookup

    options = store_lookup.options_from(current_settings())
    summary = store_lookup.refresh_listed(db.session(), parse_date(as_of, "--as-of"), options)
    if as_json:
        echo_json(summary.as_dict())
        return
    echo_row("looked up", summary.looked_up)
    echo_row("failed", summary.failed)
    echo_row("flagged", summary.flagged)
    echo_row("suggested", summary.suggested)
    for error in summary.errors:
        echo_row("error", error)
