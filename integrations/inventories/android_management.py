"""Google's Android Management API: the devices' application report (`ApplicationReport`:
packageName, displayName, versionName, versionCode, state, applicationSource…) written as
CSV. Every row is an Android app."""

from __future__ import annotations

from typing import Any

from integrations.inventories.base import Inventory
from integrations.registry import register
from vetting.core.imports import header_key


@register
class AndroidManagementApplications(Inventory):
    slug = "android-management"
    title = "Android Management application report"
    priority = 30
    platform = "android"
    columns = {
        "name": ("displayName", "Display Name", "App Name", "Application Name"),
        "store_id": ("packageName", "Package Name", "Package"),
        "vendor": ("Vendor", "Developer", "Publisher"),
        "version": ("versionName", "Version Name", "Version"),
        "source": ("applicationSource", "Application Source", "Source"),
    }
    required = ("name", "store_id")

    @classmethod
    def recognise(cls, headers: list[Any]) -> dict[str, int] | None:
        """A generic sheet may say "Package name" too, but it has a platform column."""
        found = super().recognise(headers)
        if found is None or "platform" in {header_key(h) for h in headers}:
            return None
        return found
