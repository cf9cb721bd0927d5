"""The application factory: settings, database, checklists, API, UI, CLI, jobs — wiring only."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from flask import Flask, appcontext_pushed
from werkzeug.middleware.proxy_fix import ProxyFix

from vetting import audit, clock, current, db
from vetting.settings import Settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """A configured Flask app. `config` overrides: keys naming a setting (DATABASE_URL,
    SECRET_KEY, CHECKLISTS_DIR…) replace it, INSTANCE_PATH and ENV (a dict standing for the
    environment) say where to read from, and the rest is Flask's own (TESTING…)."""
    from vetting import api, jobs, logs, settings, warmup, web
    from vetting.services import checklists, documents

    logs.install()  # no ?token= value in request logs
    app = Flask("vetting", instance_relative_config=True)
    overrides = dict(config or {})
    instance = Path(
        overrides.pop("INSTANCE_PATH", None) or settings.instance_path() or app.instance_path
    )
    app.instance_path = str(instance)
    loaded = settings.load(instance, overrides.pop("ENV", None))
    names = {f.name.upper() for f in fields(Settings)}
    given = {k.lower(): overrides.pop(k) for k in list(overrides) if k in names}
    loaded = replace(loaded, **given)
    settings.check_document_store(loaded)
    app.extensions[current.KEY] = loaded
    app.extensions[current.DOCUMENTS] = documents.store_for(loaded)
    app.config.update(
        SECRET_KEY=loaded.secret_key,
        MAX_CONTENT_LENGTH=loaded.max_request_bytes,
        JSON_SORT_KEYS=False,
    )
    app.config.update(overrides)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    clock.set_zone(loaded.timezone)  # one "today" for pages, API, CLI and jobs

    bind_database(app, loaded.database_url)
    audit.use_key(app.extensions["vetting.engine"], loaded.audit_key)
    app.extensions["vetting.checklists"] = checklists.load_all(Path(loaded.checklists_dir))
    api.init_app(app)
    web.init_app(app)
    jobs.init_app(app)  # the in-process scheduler, only when VETTING_SCHEDULER=on
    warmup.init_app(app)  # today's costly pages computed ahead, in serving processes
    if loaded.trusted_proxies:
        # Behind N proxies the client's address and https come from their X-Forwarded-*
        # headers (the login throttle counts per client; Secure cookies, absolute URLs).
        # Never believed without the setting: any client could claim any address.
        # Each proxy appends to X-Forwarded-For; the scheme, host and port are set once, by
        # the proxy in front, and passed on: one value each.
        n = loaded.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=n, x_proto=1, x_host=1, x_port=1
        )
    return app


def bind_database(app: Flask, url: str) -> None:
    """One engine per app; every app context (a request, a command, a job run) is one unit of
    work whose session `db.session()` returns and whose end closes it."""
    app.extensions["vetting.engine"] = db.make_engine(url)

    def _open(sender: Flask, **_: Any) -> None:
        db.open_scope(sender.extensions["vetting.engine"])

    appcontext_pushed.connect(_open, app, weak=False)
    app.teardown_appcontext(lambda _exc: db.close_scope())
