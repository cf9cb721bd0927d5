"""Inventory layouts are recognised by their header row (case and spacing aside)."""

from __future__ import annotations

import pytest

from integrations.inventories.base import layouts, recognise


@pytest.mark.parametrize(
    ("headers", "slug"),
    [
        (
            [
                "ApplicationKey",
                "ApplicationName",
                "ApplicationPublisher",
                "ApplicationVersion",
                "DeviceCount",
                "Platform",
                "ApplicationId",
            ],
            "intune",
        ),
        (["Application Name", "Application ID", "Platform", "Device count", "Publisher"], "intune"),
        (["App Name", "Bundle Identifier", "App Version", "Devices"], "jamf"),
        (["name", "bundle id"], "jamf"),
        (["packageName", "displayName", "versionName", "state"], "android-management"),
        (["Package Name", "Display Name"], "android-management"),
        (["Name", "Platform", "Store ID", "Vendor"], "generic"),
        (["name", "PLATFORM", "bundle_id", "publisher", "category"], "generic"),
    ],
)
def test_each_layout_is_recognised_by_its_headers(headers, slug):
    found = recognise(headers)
    assert found is not None and found[0].slug == slug


def test_unknown_headers_are_not_an_inventory():
    assert recognise(["Colour", "Size"]) is None


def test_the_generic_columns_map_to_the_common_row():
    plugin, columns = recognise([None, "Vendor", "Store ID", "Platform", "Name"])
    assert columns["name"] == 4 and columns["vendor"] == 1 and plugin.slug == "generic"


def test_mdm_layouts_are_tried_before_the_generic_sheet():
    assert [p.slug for p in layouts()][-1] == "generic"
