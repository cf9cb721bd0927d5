"""What a running app holds, for the code that runs inside it (views, commands, jobs): its
settings and its document store. Kept apart from vetting/app.py so the blueprints it wires
never import it back."""

from __future__ import annotations

from flask import Flask, current_app

from integrations.storage.base import DocumentStore
from vetting.settings import Settings

KEY = "vetting.settings"
DOCUMENTS = "vetting.documents"


def settings_of(app: Flask) -> Settings:
    """The settings an app was created with."""
    found: Settings = app.extensions[KEY]
    return found


def current_settings() -> Settings:
    """The settings of the app handling this request, command or job."""
    return settings_of(current_app)


def store_of(app: Flask) -> DocumentStore:
    """The document store (signed BAAs, evidence files) an app was created with."""
    found: DocumentStore = app.extensions[DOCUMENTS]
    return found


def current_store() -> DocumentStore:
    """The document store of the app handling this request, command or job."""
    return store_of(current_app)
