"""Assessments: the list, starting one, the answer form over the checklist, the scorecard
and the recorded decision."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.core.checklist import (
    NA,
    AnswerValueError,
    Capability,
    Checklist,
    Kind,
    newer_version,
    reassess_notice,
)
from vetting.core.scoring import Outcome, Source, Verdict
from vetting.core.statuses import AssessmentStatus
from vetting.errors import Invalid, VettingError
from vetting.queries import browse
from vetting.schemas import AnswerIn, AssessmentCreate, DecisionIn
from vetting.services import assessments as svc
from vetting.web.base import (
    Form,
    area,
    arg_int,
    arg_str,
    decision_months,
    form_values,
    in_months,
    optional,
    requires,
    validate,
)

bp = area("assessments", __name__)
SOURCES = [
    (Source.VERIFIED, "Verified — a reviewer checked the evidence"),
    (Source.ATTESTED, "Attested — the vendor says so"),
    (Source.DISCOVERED, "Discovered — a scanner's suggestion (counts for nothing)"),
]
DECISIONS = tuple(Outcome)


def _registry() -> Mapping[str, Checklist]:
    return current_app.extensions["vetting.checklists"]


@bp.get("/assessments")
@requires("assessments:read")
def index() -> ResponseReturnValue:
    status = arg_str("status")
    verdict = arg_str("verdict")
    checklist = arg_str("checklist")
    result = browse.assessment_table(
        db.session(),
        q=arg_str("q"),
        status=status if status in tuple(AssessmentStatus) else None,
        verdict=verdict if verdict in tuple(Verdict) else None,
        checklist_id=checklist,
        page=arg_int("page"),
    )
    return render_template(
        "assessments/list.html",
        result=result,
        q=arg_str("q"),
        status=status,
        verdict=verdict,
        checklist=checklist,
        checklists=sorted(_registry()),
    )


@bp.route("/assessments/new", methods=["GET", "POST"])
@requires("assessments:write")
def new() -> ResponseReturnValue:
    s = db.session()
    form = Form(values=request.args.to_dict())
    status = 200
    if request.method == "POST":
        form.values = form_values()
        data = validate(AssessmentCreate, optional(form.values, "app_id", "checklist_id"), form)
        if data is not None:
            try:
                assessment = svc.create(s, g.principal, _registry(), data)
            except VettingError as exc:
                form.add(exc)
            else:
                flash(f"Assessment #{assessment.id} started.", "ok")
                return redirect(url_for("assessments.answers", assessment_id=assessment.id))
        status = 422
    q = (form.values.get("q") or "").strip()[:200]
    matches = browse.app_search(s, q) if q else []
    chosen = None
    app_id = str(form.values.get("app_id") or "")
    if app_id.isdigit():
        try:
            chosen = browse.app_label(s, int(app_id))
        except VettingError:
            form.errors.setdefault("app_id", f"no app with id {app_id}")
    checklists = [
        (c.id, f"{c.title} ({c.id} v{c.version})") for _, c in sorted(_registry().items())
    ]
    return render_template(
        "assessments/new.html",
        form=form,
        q=q,
        matches=matches,
        chosen=chosen,
        checklists=checklists,
    ), status


def _themes(checklist: Checklist) -> list[tuple[str, list[Capability]]]:
    """Capabilities grouped by theme, in the checklist's order of first appearance."""
    order: dict[str, int] = {}
    for cap in checklist.capabilities:
        order.setdefault(cap.theme, len(order))
    caps = sorted(checklist.capabilities, key=lambda c: order[c.theme])
    return [(theme, list(group)) for theme, group in groupby(caps, key=lambda c: c.theme)]


def _stored_values(view: svc.AssessmentView) -> dict[str, str]:
    """The form's initial values from the recorded answers."""
    values: dict[str, str] = {}
    for c in view.score.capabilities:
        if c.source is None:
            continue
        k = c.key
        v = c.value
        if v == NA:
            values[f"na.{k}"] = "on"
            values[f"v.{k}"] = NA
        elif v is True or v is False:
            values[f"v.{k}"] = "yes" if v else "no"
        elif isinstance(v, Mapping):  # a deadline in its words (vetting.core.deadlines)
            values[f"v.{k}"] = _number(v["value"]) if v.get("stated") else "unstated"
            values[f"u.{k}"] = v.get("unit") or ""
            values[f"t.{k}"] = v.get("trigger") or ""
            values[f"qt.{k}"] = v.get("quote") or ""
        else:
            values[f"v.{k}"] = str(v)
        values[f"src.{k}"] = c.source
        values[f"ev.{k}"] = c.evidence_url or ""
        values[f"note.{k}"] = c.note or ""
    return values


def _number(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


# A deadline's unit and clock trigger on the answer form (vetting.core.deadlines).
DEADLINE_UNITS = [
    ("calendar_days", "calendar days"),
    ("business_days", "business days"),
    ("hours", "hours"),
]
DEADLINE_TRIGGERS = [
    ("unspecified", "not stated"),
    ("discovery", "discovery"),
    ("confirmation", "the vendor's confirmation"),
]


def _deadline(cap: Capability, raw: str, values: Mapping[str, str]) -> Any:
    """A deadline from the form: a bare number in the chosen unit, or the words typed ("72
    hours", "unstated", "without unreasonable delay"); the trigger and the quote fields are
    kept with it. Raises AnswerValueError."""
    k = cap.key
    if raw == NA:
        return NA
    trigger = values.get(f"t.{k}") or "unspecified"
    quote = values.get(f"qt.{k}", "").strip() or None
    text = raw.strip()
    try:
        number: float | None = float(text)
    except ValueError:
        number = None
    if number is not None:
        value: float | int = int(number) if number.is_integer() else number
        out = {"value": value, "unit": values.get(f"u.{k}") or "calendar_days"}
    else:
        words = cap.normalise(text)
        out = {"value": words["value"], "unit": words["unit"], "stated": words["stated"]}
        if trigger == "unspecified":
            trigger = words["trigger"]
        quote = quote or words["quote"]
    return {**out, "trigger": trigger, "quote": quote}


def _parse_answers(
    checklist: Checklist, values: Mapping[str, str], answered: set[str], form: Form
) -> dict[str, AnswerIn]:
    """The answers the form carries, validated with AnswerIn; messages go to `form`."""
    out: dict[str, AnswerIn] = {}
    for cap in checklist.capabilities:
        k = cap.key
        raw = values.get(f"v.{k}", "")
        if cap.allow_na and values.get(f"na.{k}") == "on":
            raw = NA
        evidence, note = values.get(f"ev.{k}", ""), values.get(f"note.{k}", "")
        quote = values.get(f"qt.{k}", "").strip()
        if raw == "":
            if k in answered:
                form.errors[f"v.{k}"] = "a recorded answer cannot be left empty; choose a value"
            elif evidence or note or quote:
                form.errors[f"v.{k}"] = "choose an answer, or leave evidence and note empty"
            continue
        value: Any = raw
        if cap.kind == Kind.MAX_DAYS:
            try:
                value = _deadline(cap, raw, values)
            except AnswerValueError as exc:
                form.errors.setdefault(f"v.{k}", str(exc))
                continue
        data = {
            "value": value,
            "source": values.get(f"src.{k}") or None,
            "evidence_url": evidence or None,
            "note": note or None,
        }
        try:  # report a value that does not fit together with every other problem
            cap.normalise(value)
        except AnswerValueError as exc:
            form.errors.setdefault(f"v.{k}", str(exc))
        prefixes = {"value": "v.", "source": "src.", "evidence_url": "ev.", "note": "note."}
        local = Form()
        parsed = validate(AnswerIn, data, local)
        for loc, msg in local.errors.items():
            form.errors.setdefault(f"{prefixes.get(loc, 'v.')}{k}", msg)
        if parsed is not None:
            out[k] = parsed
    return out


def _labels(checklist: Checklist) -> dict[str, tuple[str, str]]:
    """Error-summary links: form field → (anchor, words naming the capability)."""
    out: dict[str, tuple[str, str]] = {}
    for cap in checklist.capabilities:
        for prefix, what in (
            ("v", "answer"),
            ("u", "unit"),
            ("t", "clock trigger"),
            ("qt", "BAA wording"),
            ("src", "source"),
            ("ev", "evidence"),
            ("note", "note"),
        ):
            out[f"{prefix}.{cap.key}"] = (f"cap-{cap.key}", f"{cap.title} ({what})")
    return out


@bp.route("/assessments/<int:assessment_id>/answers", methods=["GET", "POST"])
@requires("assessments:write")
def answers(assessment_id: int) -> ResponseReturnValue:
    s = db.session()
    view = svc.get(s, assessment_id)
    context = browse.assessment_context(s, view.assessment)
    if view.assessment.status == AssessmentStatus.DECIDED and request.method == "GET":
        flash("This assessment is decided; its answers are frozen.", "info")
        return redirect(url_for("assessments.detail", assessment_id=assessment_id))
    status = 200
    if request.method == "GET":
        form = Form(values=_stored_values(view))
    else:
        form = Form(values=form_values())
        answered = {c.key for c in view.score.capabilities if c.source is not None}
        parsed = _parse_answers(view.checklist, form.values, answered, form)
        if not form.errors:
            try:
                view, changed = svc.answer_many(s, g.principal, assessment_id, parsed)
            except Invalid as exc:
                for e in exc.errors:
                    key = (e.field or "").removesuffix(".value")
                    form.errors.setdefault(f"v.{key}" if key else "_", e.message)
            except VettingError as exc:
                form.add(exc)
            else:
                sc = view.score
                flash(
                    f"Saved {changed} answer{'s' * (changed != 1)}. Score {sc.score:g}, "
                    f"verdict {sc.verdict}.",
                    "ok",
                )
                target = "detail" if form.values.get("then") == "scorecard" else "answers"
                return redirect(url_for(f"assessments.{target}", assessment_id=assessment_id))
        status = 422
    return render_template(
        "assessments/form.html",
        view=view,
        context=context,
        form=form,
        themes=_themes(view.checklist),
        results={c.key: c for c in view.score.capabilities},
        sources=SOURCES,
        labels=_labels(view.checklist),
        units=DEADLINE_UNITS,
        triggers=DEADLINE_TRIGGERS,
    ), status


def _decision_form(view: svc.AssessmentView) -> Form:
    verdict = view.score.verdict
    return Form(
        values={
            "decision": verdict if verdict in {d.value for d in DECISIONS} else "",
            "valid_until": in_months(decision_months()).isoformat(),
        }
    )


@bp.get("/assessments/<int:assessment_id>")
@requires("assessments:read")
def detail(assessment_id: int) -> ResponseReturnValue:
    return _scorecard(assessment_id, None)


def _scorecard(assessment_id: int, form: Form | None, status: int = 200) -> ResponseReturnValue:
    s = db.session()
    view = svc.get(s, assessment_id)
    context = browse.assessment_context(s, view.assessment)
    caps = view.score.capabilities
    incomplete = view.score.verdict == Verdict.INCOMPLETE
    newer = newer_version(view.checklist, _registry())
    return render_template(
        "assessments/scorecard.html",
        view=view,
        context=context,
        reassess=reassess_notice(view.checklist, newer) if newer else None,
        form=form or _decision_form(view),
        missing=[c for c in caps if c.key in view.score.missing],
        failing=[c for c in caps if c.key in view.score.gating_failures],
        themes=[(t, [c for c in caps if c.theme == t]) for t, _ in _themes(view.checklist)],
        caps={c.key: c for c in view.checklist.capabilities},
        # only a rejection can be decided on an incomplete assessment
        decisions=(Outcome.REJECTED,) if incomplete else DECISIONS,
    ), status


@bp.post("/assessments/<int:assessment_id>/decision")
@requires("decisions:write")
def decide(assessment_id: int) -> ResponseReturnValue:
    form = Form(values=form_values())
    data = validate(
        DecisionIn,
        optional(form.values, "decision", "justification", "valid_until", "conditions"),
        form,
    )
    if data is not None:
        try:
            decision = svc.decide(db.session(), g.principal, assessment_id, data, decision_months())
        except VettingError as exc:
            form.add(exc)
        else:
            flash(
                f"Decision recorded: {decision.decision}, valid until "
                f"{decision.valid_until.isoformat()}.",
                "ok",
            )
            return redirect(url_for("assessments.detail", assessment_id=assessment_id))
    return _scorecard(assessment_id, form, 422)
