"""Jamf Pro: the mobile device application report (an inventory of iOS/iPadOS apps: app name,
bundle identifier, versions, how many devices). Every row is an iOS app."""

from __future__ import annotations

from typing import Any

from integrations.inventories.base import Inventory
from integrations.registry import register
from vetting.core.imports import header_key


@register
class JamfMobileApplications(Inventory):
    slug = "jamf"
    title = "Jamf mobile device application report"
    priority = 20
    platform = "ios"
    columns = {
        "name": ("App Name", "Application Name", "Name", "Display Name"),
        "store_id": ("Bundle Identifier", "Bundle ID", "Identifier", "App Identifier"),
        "vendor": ("Vendor", "Developer", "Publisher"),
        "version": ("App Version", "Version", "Short Version", "App Short Version"),
        "devices": ("Device Count", "Devices", "Number of Devices", "Installed On"),
    }
    required = ("name", "store_id")

    @classmethod
    def recognise(cls, headers: list[Any]) -> dict[str, int] | None:
        """A generic sheet may say "Bundle ID" too, but it has a platform column."""
        found = super().recognise(headers)
        if found is None or "platform" in {header_key(h) for h in headers}:
            return None
        return found
