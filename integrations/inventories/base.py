"""The inventory family: an Inventory knows one sheet layout by its header row and maps it
onto the common app row (name, platform, store ID, vendor, category, store URL).

A layout is data: for each common field, the headers that name it (compared case, spaces,
underscores, hyphens and dots aside), the fields its header row must have to be recognised,
and the platform when the sheet names none (a Jamf report is iOS only). The first inventory
(in `PRIORITY` order) whose required headers are all present reads the sheet."""

from __future__ import annotations

from typing import Any, ClassVar

from integrations import registry
from vetting.core.imports import find_columns

FAMILY = "inventories"

# The common row: every inventory maps its columns onto these fields.
FIELDS = ("name", "platform", "store_id", "vendor", "category", "store_url")


class Inventory:
    """One sheet layout. `columns`: field → accepted headers; `required`: the fields whose
    columns recognise the layout; `platform`: the platform of every row when no column says."""

    family: ClassVar[str] = FAMILY
    slug: ClassVar[str]
    title: ClassVar[str]
    columns: ClassVar[dict[str, tuple[str, ...]]]
    required: ClassVar[tuple[str, ...]]
    platform: ClassVar[str | None] = None
    # Lower first: the specific MDM layouts are tried before the generic sheet.
    priority: ClassVar[int] = 50

    @classmethod
    def recognise(cls, headers: list[Any]) -> dict[str, int] | None:
        """field → column index when the header row is this layout's, else None."""
        found = find_columns(headers, cls.columns)
        if all(name in found for name in cls.required):
            return found
        return None


def recognise(headers: list[Any]) -> tuple[type[Inventory], dict[str, int]] | None:
    """The inventory whose layout the header row is, with its columns; None for none."""
    plugins = sorted(registry.family(FAMILY).values(), key=lambda p: (p.priority, p.slug))
    for plugin in plugins:
        found = plugin.recognise(headers)
        if found is not None:
            return plugin, found
    return None


def layouts() -> list[type[Inventory]]:
    """Every registered inventory layout, in the order they are tried."""
    return sorted(registry.family(FAMILY).values(), key=lambda p: (p.priority, p.slug))
