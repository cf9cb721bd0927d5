"""Assessments: the list, starting one, the answer form over the checklist, the scorecard
and the recorded decision."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import groupby
from typing import Any

from flask import (
    current_app,
    flash,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from vetting import db
from vetting.core.breach import ANSWER_KEY
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
from vetting.current import current_settings, current_store
from vetting.downloads import stored_file, table_file
from vetting.errors import VettingError
from vetting.models import Decision, DecisionCondition
from vetting.queries import browse, reminder_schedule, sheets
from vetting.schemas import AnswerIn, AssessmentCreate, DecisionIn
from vetting.services import assessments as svc
from vetting.services import decisions, evidence, suggestions
from vetting.services.common import PageResult
from vetting.services.evidence import FileUpload, Limits
from vetting.web.base import (
    Form,
    area,
    arg_int,
    arg_str,
    form_values,
    optional,
    requires,
    today,
    validate,
)

bp = area("assessments", __name__)
SOURCES = [
    (Source.VERIFIED, "Verified — a reviewer checked the evidence (URL or file required)"),
    (Source.ATTESTED, "Attested — the vendor says so"),
    (Source.DISCOVERED, "Discovered — a scanner's suggestion (counts for nothing)"),
]
DECISIONS = tuple(Outcome)


def _registry() -> Mapping[str, Checklist]:
    return current_app.extensions["vetting.checklists"]


@bp.get("/assessments")
@requires("assessments:read")
def index() -> ResponseReturnValue:
    result = _assessment_table(arg_int("page"))
    return render_template(
        "assessments/list.html",
        result=result,
        q=arg_str("q"),
        status=arg_str("status"),
        verdict=arg_str("verdict"),
        checklist=arg_str("checklist"),
        checklists=sorted(_registry()),
        sort=_sort(),
        descending=request.args.get("desc", "1") == "1",
        sorts=[("started", "Started"), ("app", "App"), ("score", "Score"), ("updated", "Updated")],
    )


def _sort() -> str:
    sort = request.args.get("sort", "started")
    return sort if sort in browse.ASSESSMENT_SORTS else "started"


def _assessment_table(page: int, per_page: int = 50) -> PageResult:
    """The assessments the list's filters, search and sort select (one page)."""
    return browse.assessment_table(db.session(), page=page, per_page=per_page, **_selection())


def _selection() -> dict[str, Any]:
    """What the list's filters, search and sort ask for (its page and its download alike)."""
    status = arg_str("status")
    verdict = arg_str("verdict")
    return {
        "q": arg_str("q"),
        "status": status if status in tuple(AssessmentStatus) else None,
        "verdict": verdict if verdict in tuple(Verdict) else None,
        "checklist_id": arg_str("checklist"),
        "sort": _sort(),
        "descending": request.args.get("desc", "1") == "1",
    }


@bp.get("/assessments/export.<fmt>")
@requires("assessments:read")
def export(fmt: str) -> ResponseReturnValue:
    """The assessments the list shows under its filters and sort (all pages)."""
    sheets.check_format(fmt)
    found = browse.assessment_ids(db.session(), sheets.MAX_ROWS + 1, **_selection())
    ids = sheets.listed(found, "assessments")
    return table_file(sheets.assessments(db.session, ids, today()), fmt)


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


def _register_values(view: svc.AssessmentView) -> dict[str, str]:
    """An unanswered breach question starts as the clause of the BAA covering the app (the
    register is its source), for a person to save; a recorded answer is never replaced."""
    br = view.breach
    if br is None or br.answer is not None:
        return {}
    row = next((c for c in view.score.capabilities if c.key == ANSWER_KEY), None)
    if row is None or row.source not in (None, Source.DISCOVERED):
        return {}
    c, k = br.source.clause, ANSWER_KEY
    return {
        f"v.{k}": _number(c["value"]) if c["stated"] else "unstated",
        f"u.{k}": c["unit"] or "",
        f"t.{k}": c["trigger"],
        f"qt.{k}": c["quote"] or "",
        f"src.{k}": Source.ATTESTED,
        f"note.{k}": f"From the BAA register: BAA {br.source.baa_id} with "
        f"{br.source.vendor_name} says {br.source.words}.",
    }


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
    checklist: Checklist,
    values: Mapping[str, str],
    answered: set[str],
    form: Form,
    files: Mapping[str, FileUpload] | None = None,
    capabilities: Sequence[Capability] | None = None,
) -> dict[str, AnswerIn]:
    """The answers the form carries for `capabilities` (default: all of the checklist's),
    validated with AnswerIn; messages go to `form`."""
    out: dict[str, AnswerIn] = {}
    for cap in checklist.capabilities if capabilities is None else capabilities:
        k = cap.key
        raw = values.get(f"v.{k}", "")
        if cap.allow_na and values.get(f"na.{k}") == "on":
            raw = NA
        url, note = values.get(f"ev.{k}", ""), values.get(f"note.{k}", "")
        quote = values.get(f"qt.{k}", "").strip()
        if raw == "":
            if k in answered:
                form.errors[f"v.{k}"] = "a recorded answer cannot be left empty; choose a value"
            elif url or note or quote or k in (files or {}):
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
            "evidence_url": url or None,
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
            ("ev", "evidence URL"),
            ("evf", "evidence file"),
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
        form = Form(values=_stored_values(view) | _register_values(view))
    else:
        form = Form(values=form_values())
        saved = _save_form(view, form, view.checklist.capabilities)
        if saved is not None:
            view = saved.view
        if not form.errors and saved is not None:
            flash(_saved_words(saved), "ok")
            target = "detail" if form.values.get("then") == "scorecard" else "answers"
            return redirect(url_for(f"assessments.{target}", assessment_id=assessment_id))
        status = 422
        if saved is not None and saved.saved:
            flash(
                _saved_words(saved)
                + " The questions marked below were not saved: fix them and save again.",
                "info",
            )
    return render_template(
        "assessments/form.html",
        view=view,
        context=context,
        form=form,
        themes=_themes(view.checklist),
        results={c.key: c for c in view.score.capabilities},
        sources=SOURCES,
        labels=_labels(view.checklist),
        max_mib=current_settings().max_document_bytes // (1024 * 1024),
        units=DEADLINE_UNITS,
        triggers=DEADLINE_TRIGGERS,
        breach_key=ANSWER_KEY,
    ), status


def _save_form(
    view: svc.AssessmentView, form: Form, capabilities: Sequence[Capability]
) -> svc.FormSave | None:
    """Save what the form carries for `capabilities`, each capability on its own: one with
    a mistake is refused whole (its message on its field, the typed values kept) and the
    others are recorded. None: nothing could be saved at all (the assessment is decided);
    the reason is on the form."""
    answered = {c.key for c in view.score.capabilities if c.source is not None}
    files = {k: f for k, f in _uploads().items() if any(c.key == k for c in capabilities)}
    checklist = view.checklist
    parsed = _parse_answers(checklist, form.values, answered, form, files, capabilities)
    bad = {_capability_named(f) for f in form.errors}
    try:
        saved = svc.answer_each(
            db.session(),
            g.principal,
            view.assessment.id or 0,
            {k: v for k, v in parsed.items() if k not in bad},
            {k: v for k, v in files.items() if k not in bad},
            _limits(),
        )
    except VettingError as exc:
        if exc.status >= 500:
            raise
        form.add(exc)
        return None
    for e in saved.refused:
        form.errors.setdefault(_form_field(e.field), e.message)
    for key in files.keys() - saved.saved:  # a browser cannot refill a file input
        form.errors.setdefault(f"evf.{key}", "not saved with this answer: choose the file again")
    return saved


def _capability_named(form_field: str) -> str:
    """The capability a form field belongs to ("v.<key>", "evf.<key>" …); "" for the form."""
    return form_field.split(".", 1)[1] if "." in form_field else ""


def _saved_words(saved: svc.FormSave) -> str:
    sc, files = saved.view.score, saved.files
    with_files = f" and {files} evidence file{'s' * (files != 1)}" if files else ""
    return (
        f"Saved {saved.changed} answer{'s' * (saved.changed != 1)}{with_files}. "
        f"Score {sc.score:g}, verdict {sc.verdict}."
    )


@bp.post("/assessments/<int:assessment_id>/answers/<key>")
@requires("assessments:write")
def answer_one(assessment_id: int, key: str) -> ResponseReturnValue:
    """Autosave: one capability's fields from the answer form (the page's script posts them
    as they are entered). JSON: what was saved, the field messages, and the page's parts that
    changed (the score, the capability's status, its files and messages)."""
    s = db.session()
    view = svc.get(s, assessment_id)
    cap = view.checklist.capability(key)
    if cap is None:
        return {"error": f"this checklist has no question {key!r}"}, 404
    form = Form(values=form_values())
    saved = _save_form(view, form, [cap])
    if saved is not None:
        view = saved.view
    result = next(c for c in view.score.capabilities if c.key == key)
    ok = not form.errors
    return {
        "saved": ok and saved is not None and key in saved.saved,
        "changed": saved.changed if saved is not None else 0,
        "errors": form.errors,
        "message": "; ".join(form.errors.values()) if form.errors else "",
        "status_html": _bit("cap_status", result),
        "score_html": _bit("score_mini", view),
        "attached_html": _bit("attached", view, key),
        "errors_html": _bit("cap_errors", form, key),
    }, (200 if ok else 422)


def _bit(macro: str, *args: Any) -> str:
    """One part of the answer form (assessments/_answer_bits.html), as the page renders it."""
    return str(get_template_attribute("assessments/_answer_bits.html", macro)(*args))


def _uploads() -> dict[str, FileUpload]:
    """The evidence files the answer form carries (input `evf.<key>`), chosen ones only."""
    return {
        name.removeprefix("evf."): FileUpload(part.stream, part.filename, part.mimetype or None)
        for name, part in request.files.items()
        if name.startswith("evf.") and part.filename
    }


def _limits() -> Limits:
    settings = current_settings()
    return Limits(
        current_store(),
        settings.max_document_bytes,
        settings.max_document_unpacked_bytes,
    )


# The service names a capability's fields "<key>.value", "<key>.evidence_url" (a verified
# answer without evidence) and "<key>.evidence" (a refused file); the form's inputs are these.
_FORM_PREFIX = {".value": "v.", ".evidence_url": "ev.", ".evidence": "evf."}


def _form_field(field: str | None) -> str:
    for suffix, prefix in _FORM_PREFIX.items():
        if field and field.endswith(suffix):
            return prefix + field.removesuffix(suffix)
    return f"v.{field}" if field else "_"


@bp.get("/assessments/<int:assessment_id>/evidence/<int:evidence_id>")
@requires(evidence.READ_SCOPE)
def evidence_file(assessment_id: int, evidence_id: int) -> ResponseReturnValue:
    row, found = evidence.open_file(
        db.session(),
        g.principal,
        assessment_id,
        evidence_id,
        store=current_store(),
    )
    return stored_file(found, row.content_type, row.filename, row.sha256)


CONDITION_ROWS = 5  # blank condition rows the decision form offers


def _decision_form(view: svc.AssessmentView) -> Form:
    verdict = view.score.verdict
    values: dict[str, str] = {
        "decision": verdict if verdict in {d.value for d in DECISIONS} else "",
        "valid_until": current_settings().decision_rules.default_valid_until(today()).isoformat(),
    }
    # The verdict's conditions, as a start: each still needs a due date and an owner.
    for i, text in enumerate(view.score.conditions[:CONDITION_ROWS]):
        values[f"conditions.{i}.text"] = text[:500]
    return Form(values=values)


def _condition_labels() -> dict[str, tuple[str, str]]:
    """Error-summary links and words for the condition rows ("Condition 2 due date")."""
    out: dict[str, tuple[str, str]] = {}
    for i in range(CONDITION_ROWS):
        for part, words in (("text", "text"), ("due_date", "due date"), ("owner", "owner")):
            out[f"conditions.{i}.{part}"] = (
                f"f-conditions-{i}-{part}",
                f"Condition {i + 1} {words}",
            )
    return out


def _conditions_from(values: Mapping[str, str]) -> list[dict[str, str | None]]:
    """The condition rows typed in the form; a row left wholly blank is no condition."""
    rows: list[dict[str, str | None]] = []
    for i in range(CONDITION_ROWS):
        row = {k: values.get(f"conditions.{i}.{k}") or None for k in ("text", "due_date", "owner")}
        if any(row.values()):
            rows.append(row)
    return rows


@bp.get("/assessments/<int:assessment_id>")
@requires("assessments:read")
def detail(assessment_id: int) -> ResponseReturnValue:
    return _scorecard(assessment_id, None)


def _scorecard(assessment_id: int, form: Form | None, status: int = 200) -> ResponseReturnValue:
    s = db.session()
    rules = current_settings().decision_rules
    view = svc.get(s, assessment_id, rules)
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
        rules=rules,
        latest_valid_until=rules.latest_valid_until(today()).isoformat(),
        condition_rows=CONDITION_ROWS,
        labels=_condition_labels(),
        current_user_name=g.principal.name,
        rebind=browse.decision_rebinds(s, view.assessment.app_id, view.decisions),
        suggested=suggestions.count_pending(s, assessment_id),
        reminders=(
            reminder_schedule.for_decision(
                s, view.decisions[-1].decision, today(), current_settings().notify
            )
            if view.decisions
            else None
        ),
        standing=browse.list_standing(
            s,
            view.assessment.app_id,
            context.vendor_id,
            context.vendor_name,
            today(),
            current_settings().baa_warning_days,
        ),
    ), status


@bp.post("/assessments/<int:assessment_id>/decision")
@requires("decisions:write")
def decide(assessment_id: int) -> ResponseReturnValue:
    form = Form(values=form_values())
    fields = optional(form.values, "decision", "justification", "valid_until")
    conditions = _conditions_from(form.values)
    data = validate(DecisionIn, {**fields, "conditions": conditions}, form)
    if data is not None:
        try:
            decision = decisions.decide(
                db.session(), g.principal, assessment_id, data, current_settings().decision_rules
            )
        except VettingError as exc:
            form.add(exc)
        else:
            pending = " It waits for a second person to confirm it." * decision.needs_confirmation
            flash(
                f"Decision recorded: {decision.decision}, valid until "
                f"{decision.valid_until.isoformat()}.{pending}",
                "ok",
            )
            return redirect(url_for("assessments.detail", assessment_id=assessment_id))
    return _scorecard(assessment_id, form, 422)


def _back(decision: Decision) -> ResponseReturnValue:
    return redirect(url_for("assessments.detail", assessment_id=decision.assessment_id))


def _act(action: Callable[[], Decision], done: str, decision_id: int) -> ResponseReturnValue:
    """Run a decision action from a button; its refusal becomes a message on the scorecard."""
    try:
        decision = action()
    except VettingError as exc:
        flash(str(exc), "error")
        found = db.session().get(Decision, decision_id)
        if found is None:
            return redirect(url_for("assessments.index"))
        return _back(found)
    flash(done, "ok")
    return _back(decision)


@bp.post("/decisions/<int:decision_id>/confirm")
@requires("decisions:write")
def confirm(decision_id: int) -> ResponseReturnValue:
    return _act(
        lambda: decisions.confirm(db.session(), g.principal, decision_id),
        "Decision confirmed: it is in effect.",
        decision_id,
    )


@bp.post("/decisions/<int:decision_id>/refuse")
@requires("decisions:write")
def refuse(decision_id: int) -> ResponseReturnValue:
    reason = form_values().get("reason", "")
    return _act(
        lambda: decisions.refuse(db.session(), g.principal, decision_id, reason),
        "Decision refused: it never takes effect, and the assessment is open again.",
        decision_id,
    )


@bp.post("/decisions/<int:decision_id>/reconfirm")
@requires("decisions:write")
def reconfirm(decision_id: int) -> ResponseReturnValue:
    why = form_values().get("justification", "")
    return _act(
        lambda: decisions.reconfirm(
            db.session(), g.principal, decision_id, why, current_settings().decision_rules
        ),
        "Re-confirmation recorded: it waits for a second person to confirm it.",
        decision_id,
    )


@bp.post("/decisions/conditions/<int:condition_id>/met")
@requires("decisions:write")
def condition_met(condition_id: int) -> ResponseReturnValue:
    s = db.session()
    note = form_values().get("note") or None
    try:
        c = decisions.meet_condition(s, g.principal, condition_id, note)
    except VettingError as exc:
        flash(str(exc), "error")
        found = s.get(DecisionCondition, condition_id)
        made = s.get(Decision, found.decision_id) if found is not None else None
        if made is None:
            return redirect(url_for("assessments.index"))
        return _back(made)
    decision = s.get(Decision, c.decision_id)
    assert decision is not None  # a condition's decision
    flash(f"Condition marked met: {c.text}", "ok")
    return _back(decision)
