"""What a running app holds, for the code that runs inside it (views, commands, jobs): its
settings. Kept apart from vetting/app.py so the blueprints it wires never import it back."""

from __future__ import annotations

from flask import Flask, current_app

from vetting.settings import Settings

KEY = "vetting.settings"


def settings_of(app: Flask) -> Settings:
    """The settings an app was created with."""
    found: Settings = app.extensions[KEY]
    return found


def current_settings() -> Settings:
    """The settings of the app handling this request, command or job."""
    return settings_of(current_app)
