"""The application factory: settings, database, checklists, API, UI, CLI, jobs — wiring only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, appcontext_pushed

from vetting import clock, db


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """A configured Flask app; `config` overrides settings (tests: DATABASE_URL, TESTING…)."""
    from vetting import api, jobs, warmup, web
    from vetting import config as settings
    from vetting.services import checklists

    app = Flask("vetting", instance_relative_config=True)
    overrides = dict(config or {})
    instance = Path(overrides.pop("INSTANCE_PATH", app.instance_path))
    app.instance_path = str(instance)
    env = overrides.pop("ENV", None)
    app.config.update(settings.load(instance, env))
    app.config.update(overrides)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    clock.set_zone(app.config["NOTIFY"].timezone)  # one "today" for pages, API, CLI and jobs

    bind_database(app)
    app.extensions["vetting.checklists"] = checklists.load_all(Path(app.config["CHECKLISTS_DIR"]))
    api.init_app(app)
    web.init_app(app)
    jobs.init_app(app)  # the in-process scheduler, only when VETTING_SCHEDULER=on
    warmup.init_app(app)  # today's costly pages computed ahead, in serving processes
    return app


def bind_database(app: Flask) -> None:
    """One engine per app; every app context (a request, a command, a job run) is one unit of
    work whose session `db.session()` returns and whose end closes it."""
    app.extensions["vetting.engine"] = db.make_engine(app.config["DATABASE_URL"])

    def _open(sender: Flask, **_: Any) -> None:
        db.open_scope(sender.extensions["vetting.engine"])

    appcontext_pushed.connect(_open, app, weak=False)
    app.teardown_appcontext(lambda _exc: db.close_scope())
