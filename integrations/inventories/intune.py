"""Microsoft Intune: the discovered-apps export (Apps › Monitor › Discovered apps › Export,
and the AppInvAggregate / AppInvRawData reports). Windows and macOS rows are skipped."""

from __future__ import annotations

from integrations.inventories.base import Inventory
from integrations.registry import register


@register
class IntuneDiscoveredApps(Inventory):
    slug = "intune"
    title = "Intune discovered apps"
    priority = 10
    columns = {
        "name": ("ApplicationName", "Application name", "App name", "Application"),
        "platform": ("Platform", "Operating system", "OS"),
        "store_id": ("ApplicationId", "Application ID", "App ID", "Bundle ID", "Identifier"),
        "vendor": ("ApplicationPublisher", "Publisher", "Application publisher"),
        "version": ("ApplicationVersion", "Version", "ApplicationShortVersion"),
        "devices": ("DeviceCount", "Device count", "Devices"),
    }
    required = ("name", "platform", "store_id", "devices")
