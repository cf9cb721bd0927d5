"""`vetting baas list|renew|terminate|return-destroy|attach|extract|provisions`: the BAA register
from the shell — thin: parse, call services, print."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any, get_args

import click
from flask.cli import with_appcontext

from vetting import db
from vetting.cli.helpers import actor, echo_json, echo_row, parse_date, validate
from vetting.core.baa import BaaLifecycle, BaaState
from vetting.current import current_settings, current_store
from vetting.schemas import BaaOut, BaaRenew, BaaStateName, BaaUpdate

STATES: tuple[str, ...] = get_args(BaaStateName)
SIGNABLE = [
    BaaLifecycle.ACTIVE.value,
    BaaLifecycle.PENDING_SIGNATURE.value,
    BaaLifecycle.DRAFT.value,
]


def _states(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[str]:
    states = [p.strip() for v in values for p in v.split(",") if p.strip()]
    unknown = [s for s in states if s not in STATES]
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)} (choose from {', '.join(STATES)})", param_hint="--state"
        )
    return states


CLAUSE_HELP = (
    'The breach clause: its words ("within 72 hours of discovery"; "without unreasonable '
    'delay" = unstated, the 60-day legal maximum) or JSON {"value": 5, "unit": '
    '"business_days", "trigger": "discovery", "quote": "…"}.'
)


def _clause(text: str) -> Any:
    """A clause given on the command line: JSON when it looks like an object, else words."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"not valid JSON ({exc})", param_hint="clause") from None
    return text


@click.group()
def baas() -> None:
    """The BAA register: deadlines, renewals, terminations, signed documents."""


@baas.command("list")
@click.option("--state", "states", multiple=True, callback=_states,
              help=f"one or more (repeat or comma-separate): {', '.join(STATES)}")  # fmt: skip
@click.option("--within-days", type=click.IntRange(0, 3650),
              help="a term end or notice deadline within N days of the date")  # fmt: skip
@click.option("--as-of", "as_of", help="date (YYYY-MM-DD); default today")
@click.option("--vendor-id", type=click.IntRange(1, 2**31 - 1))
@click.option("--auto-renews/--fixed-term", "auto_renews", default=None)
@click.option("--json", "as_json", is_flag=True, help="print the BAAs as JSON (as the API does)")
@with_appcontext
def baas_list(
    states: list[str],
    within_days: int | None,
    as_of: str | None,
    vendor_id: int | None,
    auto_renews: bool | None,
    as_json: bool,
) -> None:
    """BAAs with their state, term end, notice deadline and days left on a date."""
    from vetting.services import baas as svc

    day = parse_date(as_of, "--as-of")
    s = db.session()
    chosen = svc.Selection(
        vendor_id=vendor_id,
        as_of=day,
        warning_days=current_settings().baa_warning_days,
        states=states or None,
        within_days=within_days,
        auto_renews=auto_renews,
    )
    result = svc.list_(s, chosen, 1, 2**31 - 1)
    if as_json:
        echo_json([BaaOut.from_view(v).model_dump(mode="json") for v in result.items])
        return
    names = svc.vendor_names(s, {v.baa.vendor_id for v in result.items})
    click.echo(f"{result.total} BAA(s) on {day.isoformat()}")
    for v in result.items:
        b, st = v.baa, v.status
        deadline = f" notice by {st.notice_deadline}" if st.notice_deadline else ""
        left = f" ({st.days_left} days left)" if st.days_left is not None else ""
        flag = " renewed by default" if st.renewed_by_default else ""
        when = f"in force through {st.term_end or '-'}{left}{deadline}{flag}"
        if st.term_end is None:
            when = f"evergreen{deadline}{flag}"
        if st.state in (BaaState.EXPIRED, BaaState.TERMINATED, BaaState.SUPERSEDED):
            when = f"ended: in force through {st.term_end}"
        echo_row(b.id, names.get(b.vendor_id, b.vendor_id), st.state, when, b.title or "")


@baas.command("renew")
@click.argument("baa_id", type=int)
@click.option("--effective-date", required=True, help="the day the renewal takes over")
@click.option("--expiration-date", help="the last day in force (omit: evergreen)")
@click.option("--status", type=click.Choice(SIGNABLE), default=SIGNABLE[0], show_default=True)
@click.option("--auto-renews/--no-auto-renews", default=None, help="default: as the old BAA")
@click.option("--renewal-term-months", type=int)
@click.option("--notice-days", type=int, help="notice of non-renewal in days")
@click.option("--notice-months", type=int, help="… or in months (not both)")
@click.option("--title")
@click.option(
    "--signed-copy-note",
    help="where the signed copy is held (an active renewal "
    "needs this, or a signed document uploaded while it is pending signature)",
)
@click.option("--breach-clause", help=f"default: as the old BAA. {CLAUSE_HELP}")
@with_appcontext
def baas_renew(baa_id: int, **options: Any) -> None:
    """Renew a BAA: a new one that supersedes it from its effective date."""
    from vetting.services import baas as svc

    data = {k: v for k, v in options.items() if v is not None}
    if "breach_clause" in data:
        data["breach_clause"] = _clause(data["breach_clause"])
    new = svc.renew(db.session(), actor(), baa_id, validate(BaaRenew, data))
    when = "from " + new.effective_date.isoformat()
    if new.status != BaaLifecycle.ACTIVE:
        when = f"once it is active (now {new.status})"
    click.echo(f"BAA {new.id} renews BAA {baa_id}; it supersedes it {when}")


@baas.command("terminate")
@click.argument("baa_id", type=int)
@click.option("--on", "on", required=True,
              help="the day the termination takes effect: its first day out of force")  # fmt: skip
@click.option("--reason", required=True)
@with_appcontext
def baas_terminate(baa_id: int, on: str, reason: str) -> None:
    """Terminate a BAA from a date, with the reason."""
    from vetting.services import baas as svc

    day = parse_date(on, "--on")
    b = svc.terminate(db.session(), actor(), baa_id, day, reason)
    assert b.terminated_on is not None
    last = b.terminated_on - timedelta(days=1)
    click.echo(
        f"BAA {b.id} terminated effective {b.terminated_on} (in force through {last}): "
        f"{b.termination_reason}"
    )


@baas.command("return-destroy")
@click.argument("baa_id", type=int)
@click.option("--on", "on", required=True, help="the day the vendor certified it (YYYY-MM-DD)")
@click.option("--reference", required=True, help="where the certificate is (document, ticket)")
@with_appcontext
def baas_return_destroy(baa_id: int, on: str, reference: str) -> None:
    """Mark a terminated BAA's return/destroy certificate received."""
    from vetting.services import baas as svc

    day = parse_date(on, "--on")
    b = svc.record_return_destroy(db.session(), actor(), baa_id, day, reference)
    click.echo(
        f"BAA {b.id}: return/destroy certificate received {b.return_destroy_certified_on} "
        f"({b.return_destroy_reference})"
    )


@baas.command("attach")
@click.argument("baa_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def baas_attach(baa_id: int, file: Path) -> None:
    """Attach the signed agreement (PDF, DOCX or UTF-8 text) to a BAA."""
    from vetting.services import baa_documents

    with file.open("rb") as fh:
        result = baa_documents.attach(
            db.session(),
            actor(),
            baa_id,
            fh,
            file.name,
            None,
            store=current_store(),
            max_bytes=current_settings().max_document_bytes,
            max_unpacked=current_settings().max_document_unpacked_bytes,
        )
    d = result.document
    verb = "attached" if result.created else "already attached"
    click.echo(
        f"{verb} {d.filename} ({d.content_type}, {d.size} bytes, sha256 {d.sha256}) "
        f"to BAA {d.baa_id} as document {d.id}"
    )
    if result.created:
        from vetting.services import baa_terms

        read = baa_terms.pending(db.session(), baa_id)
        if read.reading is not None and read.reading.error:
            click.echo(read.reading.error)
        else:
            fields = ", ".join(t.field for t in read.suggestions) or "none"
            click.echo(f"terms suggested for legal to accept on the BAA page: {fields}")


@baas.command("extract")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print everything read as JSON")
@with_appcontext
def baas_extract(file: Path, as_json: bool) -> None:
    """Read a signed BAA's terms (PDF, DOCX or UTF-8 text): the breach-notification deadline,
    security-incident deadline, subcontractor flow-down, return or destruction, the required
    provisions, dates and parties, each with its quote. Writes nothing."""
    from vetting.services import baa_terms

    settings = current_settings()
    size = file.stat().st_size
    if size > settings.max_document_bytes:
        raise click.ClickException(
            f"{file.name} is larger than the {settings.max_document_bytes} byte limit "
            "(VETTING_MAX_DOCUMENT_BYTES)"
        )
    with file.open("rb") as fh:
        terms = baa_terms.read_file(
            fh, size, file.name, max_unpacked=settings.max_document_unpacked_bytes
        )
    out = terms.as_json()
    if as_json:
        echo_json(out)
        return
    for name in ("breach_notification", "security_incident_notification",
                 "non_permitted_use_notification", "subcontractor_notification"):  # fmt: skip
        d = out[name]
        if d is None:
            echo_row(name, "not found")
            continue
        said = (
            "unstated (60-day legal maximum)"
            if d["unstated"]
            else (
                f"{d['value']} {d['unit'].replace('_', ' ')}"
                + ("" if d["unit"] == "calendar_days" else f" = {d['days']} calendar days at worst")
            )
        )
        echo_row(name, said, f"trigger: {d['trigger']}", f"“{d['quote']}”")
    for c in out["conflicts"]:
        echo_row("CONFLICT", c["field"], c["message"], " | ".join(f"“{q}”" for q in c["quotes"]))
    for key in ("subcontractor_flow_down", "return_or_destroy", "term", "termination_for_cause"):
        f = out[key]
        echo_row(key, "present" if f["present"] else "not found", last=f["quote"])
    for key, f in out["provisions"].items():
        echo_row(f"provision {key}", "present" if f["present"] else "not found", last=f["quote"])
    echo_row("effective_date", out["effective_date"] or "not found")
    echo_row("expiration_date", out["expiration_date"] or "not found")
    for p in out["parties"]:
        echo_row("party", p["role"], p["name"])


@baas.command("provisions")
@click.argument("baa_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="print the provisions as JSON")
@with_appcontext
def baas_provisions(baa_id: int, as_json: bool) -> None:
    """The required provisions of a BAA: present / absent / not reviewed, and whether it
    conforms (45 CFR 164.504(e)(2), 164.314(a)(2)(i))."""
    from vetting import clock
    from vetting.services import baas as svc

    s = db.session()
    (v,) = svc.views(s, [svc.get(s, baa_id)], clock.today(), current_settings().baa_warning_days)
    out = BaaOut.from_view(v)
    if as_json:
        echo_json(
            {
                "conforming": out.conforming,
                "non_conforming_reasons": out.non_conforming_reasons,
                "provisions": [p.model_dump(mode="json") for p in out.provisions],
            }
        )
        return
    verdict = (
        "conforming"
        if out.conforming
        else "NON-CONFORMING: " + "; ".join(out.non_conforming_reasons)
    )
    if not out.conforming and out.excepted:
        verdict += " (under a confirmed exception)"
    click.echo(f"BAA {baa_id}: {verdict}; {out.provisions_not_reviewed} not reviewed")
    for p in out.provisions:
        where = p.section or (f"“{p.quote[:60]}”" if p.quote else "")
        echo_row(p.key, p.status, p.citation, where)


@baas.command("breach")
@click.argument("baa_id", type=int)
@click.option("--set", "clause", help=f"record the clause. {CLAUSE_HELP}")
@click.option("--clear", is_flag=True, help="no clause recorded")
@click.option("--json", "as_json", is_flag=True, help="print the clause and differences as JSON")
@with_appcontext
def baas_breach(baa_id: int, clause: str | None, clear: bool, as_json: bool) -> None:
    """A BAA's breach-notification clause, and the covered apps whose assessment answers it
    differently (while this BAA is their source: in force today, the newest covering them)."""
    from vetting import clock
    from vetting.core.breach import clause_from, words
    from vetting.queries import breach
    from vetting.services import baas as svc

    s = db.session()
    if clause is not None and clear:
        raise click.UsageError("give --set or --clear, not both")
    if clause is not None or clear:
        given = {"breach_clause": _clause(clause) if clause is not None else None}
        svc.update(s, actor(), baa_id, validate(BaaUpdate, given))
    baa = svc.get(s, baa_id)
    found = breach.differences(s, baa, clock.today())
    if as_json:
        (v,) = svc.views(s, [baa], clock.today(), current_settings().baa_warning_days)
        echo_json(
            {
                "breach_clause": BaaOut.from_view(v).model_dump(mode="json")["breach_clause"],
                "breach_differences": [
                    {
                        "app_id": d.app_id,
                        "app_name": d.app_name,
                        "assessment_id": d.assessment_id,
                        "answer": d.answer,
                        "message": d.message,
                    }
                    for d in found
                ],
            }
        )
        return
    c = clause_from(baa)
    click.echo(f"BAA {baa_id}: breach notification {words(c)}")
    if c is not None and c["quote"]:
        click.echo(f"  “{c['quote']}”")
    for d in found:
        echo_row(d.app_id, d.app_name, f"assessment {d.assessment_id}", d.message)
