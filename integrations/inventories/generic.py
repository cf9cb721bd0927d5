"""The generic apps sheet: name, platform, store ID, vendor (and optional category and store
URL), one app a row: the layout to fill by hand or from any other MDM."""

from __future__ import annotations

from integrations.inventories.base import Inventory
from integrations.registry import register


@register
class GenericApps(Inventory):
    slug = "generic"
    title = "Generic apps sheet"
    priority = 90
    columns = {
        "name": ("Name", "App", "App Name", "Application", "Application Name"),
        "platform": ("Platform", "OS"),
        "store_id": ("Store ID", "Bundle ID", "Package Name", "Bundle ID / Package",
                     "Package", "Identifier", "App ID"),
        "vendor": ("Vendor", "Publisher", "Developer", "Seller"),
        "category": ("Category",),
        "store_url": ("Store URL", "URL", "Link"),
    }  # fmt: skip
    required = ("name", "platform", "store_id")
