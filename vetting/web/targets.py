"""MDM sync targets in the UI (IT and admins, `sync:write`): create one of each registered
kind from its own settings (each setting's help shown; secrets named by environment variable,
never typed), edit it, turn it off or on, *Test connection* (its token and read-only state
requests: nothing on the MDM changes), and remove it. Runs stay on the approved-list page."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from integrations.sync.base import Setting
from integrations.sync.base import SyncTarget as SyncKind
from vetting import db
from vetting.current import current_settings
from vetting.errors import Invalid, VettingError
from vetting.queries import dashboard
from vetting.services import sync
from vetting.web.base import Form, area, form_values, requires

bp = area("targets", __name__)


def _options() -> sync.SyncOptions:
    return sync.SyncOptions.from_settings(current_settings())


def _kind_or_422(slug: str) -> type[SyncKind]:
    found = sync.kinds().get(slug)
    if found is None:
        raise Invalid(f"no sync target kind {slug!r} (one of {', '.join(sync.kinds())})", "kind")
    return found


def _settings_from(form: Form, spec: tuple[Setting, ...]) -> dict[str, str]:
    return {s.name: form.values.get(f"settings.{s.name}", "") for s in spec}


@bp.get("/allowlist/targets")
@requires("allowlist:read")
def index() -> ResponseReturnValue:
    return render_template(
        "targets/list.html", targets=dashboard.sync_targets(db.session()), kinds=sync.kinds()
    )


def _form_page(
    form: Form, cls: type[SyncKind], target: object | None, status: int = 200
) -> ResponseReturnValue:
    return render_template("targets/form.html", form=form, cls=cls, target=target), status


@bp.route("/allowlist/targets/new", methods=["GET", "POST"])
@requires("sync:write")
def new() -> ResponseReturnValue:
    slug = request.values.get("kind", "")
    cls = _kind_or_422(slug)
    if request.method == "GET":
        return _form_page(Form(values={"active": "on"}), cls, None)
    form = Form(values=form_values())
    try:
        target = sync.create(
            db.session(),
            g.principal,
            slug,
            form.values.get("name", ""),
            {k: v for k, v in _settings_from(form, cls.settings_spec).items() if v},
            active=form.values.get("active") == "on",
            options=_options(),
        )
    except VettingError as exc:
        form.add(exc)
        return _form_page(form, cls, None, 422)
    flash(f"Sync target {target.name} added. Test its connection, then dry-run it.", "ok")
    return redirect(url_for("targets.index"))


@bp.route("/allowlist/targets/<int:target_id>/edit", methods=["GET", "POST"])
@requires("sync:write")
def edit(target_id: int) -> ResponseReturnValue:
    s = db.session()
    target = sync.get(s, target_id)
    cls = _kind_or_422(target.kind)
    if request.method == "GET":
        values = {"name": target.name, "active": "on" if target.active else ""}
        values |= {f"settings.{k}": v for k, v in (target.settings or {}).items()}
        return _form_page(Form(values=values), cls, target)
    form = Form(values=form_values())
    try:
        sync.update(
            s,
            g.principal,
            target_id,
            name=form.values.get("name", ""),
            settings=_settings_from(form, cls.settings_spec),
            active=form.values.get("active") == "on",
            options=_options(),
        )
    except VettingError as exc:
        form.add(exc)
        return _form_page(form, cls, target, 422)
    flash(f"Sync target {form.values.get('name')} saved.", "ok")
    return redirect(url_for("targets.index"))


@bp.post("/allowlist/targets/<int:target_id>/test")
@requires("sync:write")
def test(target_id: int) -> ResponseReturnValue:
    s = db.session()
    name = sync.get(s, target_id).name
    ok, said = sync.test_connection(s, g.principal, target_id, options=_options())
    flash(f"Test of {name}: {'OK — ' if ok else 'failed — '}{said}", "ok" if ok else "error")
    return redirect(url_for("targets.index"))


@bp.post("/allowlist/targets/<int:target_id>/delete")
@requires("sync:write")
def delete(target_id: int) -> ResponseReturnValue:
    s = db.session()
    name = sync.get(s, target_id).name
    sync.delete(s, g.principal, target_id)
    flash(f"Sync target {name} removed (the audit log keeps its runs' record).", "ok")
    return redirect(url_for("targets.index"))
