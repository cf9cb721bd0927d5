"""`vetting discover …`: evidence found on a vendor's own pages.

`discover page URL_OR_FILE --vendor ID` reads a page (fetched through the guarded client and
then watched, or a saved copy) for claims about checklist capabilities, and makes them pending
suggestions on the vendor's open assessments; `watch`, `unwatch`, `pages` and `refresh` manage
and re-fetch the watched pages (a claim a page no longer makes raises an alert)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import actor, echo_json, echo_row
from vetting.current import current_settings
from vetting.services import page_watch


@click.group()
def discover() -> None:
    """Evidence found on vendors' pages."""


def _loaded() -> Any:
    return current_app.extensions["vetting.checklists"]


def _print(result: page_watch.FetchResult) -> None:
    for c in result.claims:
        cond = f" [{c.condition}]" if c.condition else ""
        click.echo(f'{c.stance:<11} {c.capability}{cond}  "{c.quote}"  ({c.start}-{c.end})')
    n = len(result.claims)
    click.echo(
        f"{n} claim{'s' * (n != 1)}, {result.suggested} new suggestion"
        f"{'s' * (result.suggested != 1)}; {result.read.url} sha256={result.read.sha256}"
    )
    for words in result.alerts:
        click.echo(f"alert: the page {words}", err=True)


@discover.command("page")
@click.argument("url_or_file")
@click.option("--vendor", "vendor_id", type=int, required=True, help="Vendor ID.")
@click.option("--checklist", "checklist_id", help="Read with this checklist's signals.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def discover_page(
    url_or_file: str, vendor_id: int, checklist_id: str | None, as_json: bool
) -> None:
    """Read a vendor's page (a URL, then watched; or a saved .html/.txt file) for claims."""
    s = db.session()
    who = actor()
    if checklist_id and checklist_id not in _loaded():
        known = ", ".join(sorted(_loaded())) or "none"
        raise click.ClickException(f"no checklist {checklist_id!r} (known: {known})")
    if url_or_file.lower().startswith(("http://", "https://")):
        watched = {p.url: p for p in page_watch.list_pages(s, vendor_id)}
        page = watched.get(url_or_file.strip())
        if page is None:
            page = page_watch.add_page(s, who, vendor_id, url_or_file, _loaded(), checklist_id)
        elif checklist_id and page.checklist_id != checklist_id:
            raise click.ClickException(
                f"page {page.id} is watched with {page.checklist_id or 'the open assessments'}' "
                f"checklists, not {checklist_id!r}: unwatch it first to change that"
            )
        assert page.id is not None
        result = page_watch.fetch_now(
            s, who, vendor_id, page.id, _loaded(), current_settings().notify
        )
    else:
        path = Path(url_or_file)
        if not path.is_file():
            raise click.ClickException(f"{url_or_file}: not an http(s) URL nor a file")
        read = page_watch.read_file(path)
        result = page_watch.suggest_from_file(s, who, vendor_id, read, _loaded(), checklist_id)
    if as_json:
        out = result.as_dict()
        echo_json({"claims": out["claims"], "url": out["url"], "sha256": out["sha256"]})
        return
    _print(result)


@discover.command("watch")
@click.argument("url")
@click.option("--vendor", "vendor_id", type=int, required=True)
@click.option("--checklist", "checklist_id")
@with_appcontext
def discover_watch(url: str, vendor_id: int, checklist_id: str | None) -> None:
    """Watch a vendor's page (fetched by `refresh`, or `page`)."""
    page = page_watch.add_page(db.session(), actor(), vendor_id, url, _loaded(), checklist_id)
    click.echo(f"watching page {page.id}: {page.url}")


@discover.command("unwatch")
@click.argument("page_id", type=int)
@click.option("--vendor", "vendor_id", type=int, required=True)
@with_appcontext
def discover_unwatch(page_id: int, vendor_id: int) -> None:
    """Stop watching a page (its claims are dropped; suggestions made stay)."""
    page_watch.remove_page(db.session(), actor(), vendor_id, page_id)
    click.echo(f"no longer watching page {page_id}")


@discover.command("pages")
@click.option("--vendor", "vendor_id", type=int, required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def discover_pages(vendor_id: int, as_json: bool) -> None:
    """The vendor's watched pages: last fetch, last error, SHA-256, claims."""
    s = db.session()
    pages = page_watch.list_pages(s, vendor_id)
    claims = page_watch.claims_of(s, [p.id for p in pages if p.id is not None])
    rows = [page_dict(p, claims.get(p.id or 0, [])) for p in pages]
    if as_json:
        echo_json({"pages": rows})
        return
    for r in rows:
        echo_row(
            r["id"], r["url"], r["last_fetched_at"] or "never", r["sha256"] or "-",
            f"{len(r['claims'])} claims", last=r["last_error"],
        )  # fmt: skip


@discover.command("refresh")
@click.option("--vendor", "vendor_id", type=int, help="Only this vendor's pages.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def discover_refresh(vendor_id: int | None, as_json: bool) -> None:
    """Fetch every watched page again (a failure is recorded on its page; the rest go on).
    The daily job does this too."""
    out = page_watch.refresh(db.session(), actor(), _loaded(), current_settings().notify, vendor_id)
    if as_json:
        echo_json({"pages": out})
    else:
        for row in out:
            where = f"{row['page_id']} {row['url']}"
            if "error" in row:
                click.echo(f"{where}: {row['error']}", err=True)
                continue
            click.echo(
                f"{where}: {len(row['claims'])} claims, {row['suggested']} new suggestions, "
                f"{len(row['alerts'])} alerts"
            )
            for words in row["alerts"]:
                click.echo(f"  alert: the page {words}", err=True)
    if any("error" in row for row in out):
        raise SystemExit(1)


def page_dict(p: Any, claims: list[Any]) -> dict[str, Any]:
    return {
        "id": p.id,
        "vendor_id": p.vendor_id,
        "url": p.url,
        "checklist_id": p.checklist_id,
        "last_attempt_at": p.last_attempt_at.isoformat() if p.last_attempt_at else None,
        "last_fetched_at": p.last_fetched_at.isoformat() if p.last_fetched_at else None,
        "last_error": p.last_error,
        "final_url": p.final_url,
        "sha256": p.sha256,
        "claims": [
            {
                "capability": c.capability_key,
                "stance": c.stance,
                "condition": c.condition,
                "quote": c.quote,
                "start": c.start_offset,
                "end": c.end_offset,
            }
            for c in claims
        ],
    }
