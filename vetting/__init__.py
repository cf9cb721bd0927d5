"""Vetting: which third-party apps may touch PHI, the BAAs behind them, and the approved list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: configuration, database, checklists, API, CLI — wiring only."""
    from vetting import api, db, jobs, warmup, web
    from vetting import config as settings
    from vetting.services import checklists

    app = Flask(__name__, instance_relative_config=True)
    overrides = dict(config or {})
    instance = Path(overrides.pop("INSTANCE_PATH", app.instance_path))
    app.instance_path = str(instance)
    env = overrides.pop("ENV", None)
    app.config.update(settings.load(instance, env))
    app.config.update(overrides)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    db.init_app(app)
    app.extensions["vetting.checklists"] = checklists.load_all(Path(app.config["CHECKLISTS_DIR"]))
    api.init_app(app)
    web.init_app(app)
    jobs.init_app(app)  # the in-process scheduler, only when VETTING_SCHEDULER=on
    warmup.init_app(app)  # today's costly pages computed ahead, in serving processes
    return app
