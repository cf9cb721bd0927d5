"""Changing an app's settings inside a test (the app reads them once, at creation)."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask

from vetting import clock, current
from vetting.current import settings_of


def use(app: Flask, **changes: Any) -> None:
    """Replace top-level settings (auto_sync=True, max_document_bytes=2048 …)."""
    app.extensions[current.KEY] = dataclasses.replace(settings_of(app), **changes)
    if "timezone" in changes:  # the organisation's zone, as create_app sets it
        clock.set_zone(changes["timezone"])


def use_notify(app: Flask, **changes: Any) -> None:
    """Replace reminder / outbox / scheduler settings (smtp_host=…, sweep_at=(7, 30) …)."""
    current = settings_of(app)
    use(app, notify=dataclasses.replace(current.notify, **changes))
