"""Every export format, parsed back with an independent reader and checked against the schema
its consumer publishes (pure: releases built in memory, no database, no network)."""

from __future__ import annotations

import csv
import io
import json
import plistlib
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import googleapiclient
import jsonschema
import openpyxl
import pytest

from integrations.exporters.apple import DEFAULT_IOS_BASE_APPS
from integrations.exporters.base import ExportError, ExportOptions, exporter, load_exporters
from tests.core.release_builders import entry, exclusion, release
from vetting.core.allowlist import ApprovedList

ALLOW = ExportOptions("allow", ("com.apple.Preferences", "com.apple.mobilephone"), "org.example")
BLOCK = ExportOptions("block", ("com.apple.Preferences",), "org.example")

CAMERA = entry(1, "Acme Camera", store_id="com.acme.camera", store_url="https://apps.apple.com/x")
NOTES = entry(2, "Acme Notes", platform="android", store_id="com.acme.notes")
NO_ID = entry(3, "Bare App", store_id=None)
CHAT = exclusion(4, "Chat Box", ("rejected 2026-10-03 by sam",), rejected=True, store_id="com.chat")
CHAT_DROID = exclusion(
    5, "Chat Droid", ("rejected 2026-10-03 by sam",), rejected=True, platform="android",
    store_id="com.chat.droid",
)  # fmt: skip
PENDING = exclusion(6, "Pending Pal", ("no decision recorded",), store_id="com.pending.pal")
RELEASE = release((CAMERA, NOTES, NO_ID), (CHAT, CHAT_DROID, PENDING))


def export(fmt: str, rel=RELEASE, options: ExportOptions = ALLOW) -> bytes:
    return exporter(fmt).export(rel, options)


# --- Apple configuration profile -------------------------------------------------------------
# Key names, types and presence as published in apple/device-management:
#   mdm/profiles/TopLevel.yaml, mdm/profiles/CommonPayloadKeys.yaml,
#   mdm/profiles/com.apple.applicationaccess.yaml (allowListedAppBundleIDs and
#   blockedAppBundleIDs: <array> of <string>, iOS 15.0+, supervised; the whitelisted/
#   blacklisted keys are deprecated since 15.0).
PLIST_TYPES = {
    "<string>": str,
    "<integer>": int,
    "<boolean>": bool,
    "<array>": list,
    "<dictionary>": dict,
    "<real>": float,
    "<date>": datetime,
    "<data>": bytes,
}
TOP_LEVEL = {
    "PayloadIdentifier": ("<string>", True, None),
    "PayloadUUID": ("<string>", True, None),
    "PayloadType": ("<string>", True, ["Configuration"]),
    "PayloadVersion": ("<integer>", True, [1]),
    "IsEncrypted": ("<boolean>", False, None),
    "PayloadContent": ("<array>", True, None),
    "EncryptedPayloadContent": ("<data>", False, None),
    "PayloadDescription": ("<string>", False, None),
    "PayloadDisplayName": ("<string>", False, None),
    "HasRemovalPasscode": ("<boolean>", False, None),
    "PayloadOrganization": ("<string>", False, None),
    "PayloadRemovalDisallowed": ("<boolean>", False, None),
    "PayloadScope": ("<string>", False, ["System", "User"]),
    "RemovalDate": ("<date>", False, None),
    "DurationUntilRemoval": ("<real>", False, None),
    "PayloadExpirationDate": ("<date>", False, None),
    "TargetDeviceType": ("<integer>", False, [0, 1, 2, 3, 4, 5]),
    "ConsentText": ("<dictionary>", False, None),
}
COMMON_PAYLOAD = {
    "PayloadIdentifier": ("<string>", True, None),
    "PayloadUUID": ("<string>", True, None),
    "PayloadType": ("<string>", True, None),
    "PayloadVersion": ("<integer>", True, [1]),
    "PayloadDescription": ("<string>", False, None),
    "PayloadDisplayName": ("<string>", False, None),
    "PayloadOrganization": ("<string>", False, None),
}
APPLICATION_ACCESS = {
    **COMMON_PAYLOAD,
    "allowListedAppBundleIDs": ("<array>", False, None),
    "blockedAppBundleIDs": ("<array>", False, None),
}
DEPRECATED = {"whitelistedAppBundleIDs", "blacklistedAppBundleIDs"}


def check_keys(where: str, data: dict[str, Any], schema: dict[str, tuple]) -> None:
    unknown = set(data) - set(schema)
    assert not unknown, f"{where}: keys not in Apple's schema: {unknown}"
    for key, (kind, required, allowed) in schema.items():
        if key not in data:
            assert not required, f"{where}: required key {key} missing"
            continue
        value = data[key]
        expected = PLIST_TYPES[kind]
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        assert ok, f"{where}.{key}: {type(value).__name__}, Apple says {kind}"
        if allowed is not None:
            assert value in allowed, f"{where}.{key}: {value!r} not in {allowed}"


def profile(options: ExportOptions = ALLOW, rel=RELEASE) -> dict[str, Any]:
    return plistlib.loads(export("mobileconfig", rel, options))


@pytest.mark.parametrize("options", [ALLOW, BLOCK], ids=["allow", "block"])
def test_profile_matches_apples_published_schema(options):
    p = profile(options)
    check_keys("TopLevel", p, TOP_LEVEL)
    (payload,) = p["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.applicationaccess"
    check_keys("com.apple.applicationaccess", payload, APPLICATION_ACCESS)
    for key in ("allowListedAppBundleIDs", "blockedAppBundleIDs"):
        assert all(isinstance(b, str) for b in payload.get(key, []))
    assert not DEPRECATED & set(payload)
    for uid in (p["PayloadUUID"], payload["PayloadUUID"]):
        assert str(uuid.UUID(uid)).upper() == uid
    assert payload["PayloadIdentifier"].startswith(p["PayloadIdentifier"] + ".")


def test_allow_profile_lists_approved_ios_apps_and_the_base_system_apps():
    (payload,) = profile(ALLOW)["PayloadContent"]
    assert payload["allowListedAppBundleIDs"] == [
        "com.acme.camera",
        "com.apple.Preferences",
        "com.apple.mobilephone",
    ]
    assert "blockedAppBundleIDs" not in payload


def test_block_profile_lists_only_rejected_ios_apps():
    (payload,) = profile(BLOCK)["PayloadContent"]
    assert payload["blockedAppBundleIDs"] == ["com.chat"]
    assert "allowListedAppBundleIDs" not in payload


def test_profile_says_it_needs_supervised_ios_15_and_names_skipped_apps():
    p = profile(ALLOW)
    assert "supervised devices running iOS 15 or later" in p["PayloadDescription"]
    assert "Bare App (app 3): no bundle ID" in p["PayloadDescription"]
    (payload,) = p["PayloadContent"]
    assert None not in payload["allowListedAppBundleIDs"]


def test_payload_identifier_is_stable_and_uuid_changes_only_with_content():
    other = release((CAMERA,), (), release_id=8)
    same_content = release((CAMERA, NOTES, NO_ID), (CHAT, CHAT_DROID, PENDING), release_id=9)
    a, b, c = profile(ALLOW), profile(ALLOW, other), profile(ALLOW, same_content)
    assert a["PayloadIdentifier"] == b["PayloadIdentifier"] == "org.example.allowlist"
    assert a["PayloadUUID"] != b["PayloadUUID"]
    assert a["PayloadUUID"] == c["PayloadUUID"]
    assert profile(BLOCK)["PayloadIdentifier"] == "org.example.blocklist"


def test_default_base_apps_are_apple_bundle_ids():
    assert "com.apple.Preferences" in DEFAULT_IOS_BASE_APPS
    assert all(b.startswith("com.apple.") for b in DEFAULT_IOS_BASE_APPS)


# --- Android Management API -------------------------------------------------------------------

DISCOVERY = (
    Path(googleapiclient.__file__).parent / "discovery_cache/documents/androidmanagement.v1.json"
)


def _json_schema(node: Any) -> Any:
    """A discovery-document schema as JSON Schema (draft 7); unknown fields are refused, as
    the API refuses them ("Unknown name")."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": f"#/definitions/{node['$ref']}"}
    out: dict[str, Any] = {}
    kind = node.get("type")
    if kind == "any":
        return {}
    if kind:
        out["type"] = kind
    if "enum" in node:
        out["enum"] = node["enum"]
    if "items" in node:
        out["items"] = _json_schema(node["items"])
    if "properties" in node:
        out["properties"] = {k: _json_schema(v) for k, v in node["properties"].items()}
        out["additionalProperties"] = False
    elif "additionalProperties" in node:
        out["additionalProperties"] = _json_schema(node["additionalProperties"])
    return out


@pytest.fixture(scope="module")
def policy_validator() -> jsonschema.Draft7Validator:
    doc = json.loads(DISCOVERY.read_text())
    definitions = {name: _json_schema(s) for name, s in doc["schemas"].items()}
    # Policy.applications: "This can have at most 3,000 elements."
    assert "at most 3,000" in doc["schemas"]["Policy"]["properties"]["applications"]["description"]
    definitions["Policy"]["properties"]["applications"]["maxItems"] = 3000
    schema = {"definitions": definitions, "$ref": "#/definitions/Policy"}
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def android(options: ExportOptions = ALLOW, rel=RELEASE) -> dict[str, Any]:
    return json.loads(export("android-policy", rel, options))


def test_android_allow_policy_is_a_valid_policy_with_whitelist(policy_validator):
    doc = android(ALLOW)
    policy_validator.validate(doc["policy"])
    assert doc["policy"] == {
        "playStoreMode": "WHITELIST",
        "applications": [{"packageName": "com.acme.notes", "installType": "AVAILABLE"}],
    }


def test_android_block_policy_blocks_rejected_apps_with_blacklist(policy_validator):
    doc = android(BLOCK)
    policy_validator.validate(doc["policy"])
    assert doc["policy"]["playStoreMode"] == "BLACKLIST"
    assert doc["policy"]["applications"] == [
        {"packageName": "com.acme.notes", "installType": "AVAILABLE"},
        {"packageName": "com.chat.droid", "installType": "BLOCKED"},
    ]


def test_the_validator_catches_a_broken_policy(policy_validator):
    bad = {"playStoreMode": "ALLOWLIST", "applications": [{"package": "x"}]}
    messages = {e.message for e in policy_validator.iter_errors(bad)}
    assert any("ALLOWLIST" in m for m in messages)
    assert any("package" in m for m in messages)


def test_android_app_without_package_name_is_skipped_with_the_reason(policy_validator):
    droid = entry(9, "Droid Bare", platform="android", store_id=None)
    doc = android(ALLOW, release((NOTES, droid)))
    policy_validator.validate(doc["policy"])
    assert doc["skipped"] == [
        {
            "app_id": 9,
            "name": "Droid Bare",
            "platform": "android",
            "store_id": None,
            "reason": "no package name: an MDM list cannot carry it until the app record has one",
        }
    ]
    assert doc["release"]["sha256"] and doc["mode"] == "allow"


def test_more_than_3000_android_apps_is_refused_naming_the_limit():
    many = tuple(entry(i, f"A{i}", platform="android", store_id=f"org.a.a{i}") for i in range(3001))
    with pytest.raises(ExportError, match=r"3001 Android applications.*at most 3,000"):
        export("android-policy", release(many))


# --- Microsoft Graph v1.0 (Intune) ------------------------------------------------------------
# Types from the Graph v1.0 reference: managedMobileApp {mobileAppIdentifier, id, version};
# iosMobileAppIdentifier {bundleId}; androidMobileAppIdentifier {packageId}; targetApps action
# {apps, appGroupType: targetedManagedAppGroupType}; appListItem {name, publisher, appStoreUrl,
# appId}; appListType {none, appsInListCompliant, appsNotInListCompliant};
# iosGeneralDeviceConfiguration.appsVisibilityList / compliantAppsList: at most 10000 items.
APP_IDENTIFIERS = {
    "#microsoft.graph.iosMobileAppIdentifier": {"bundleId"},
    "#microsoft.graph.androidMobileAppIdentifier": {"packageId"},
}
GROUP_TYPES = {"selectedPublicApps", "allCoreMicrosoftApps", "allMicrosoftApps", "allApps"}
LIST_TYPES = {"none", "appsInListCompliant", "appsNotInListCompliant"}
APP_LIST_ITEM = {"@odata.type", "name", "publisher", "appStoreUrl", "appId"}


def check_graph_bodies(doc: dict[str, Any]) -> None:
    target = doc["targetApps"]
    assert set(target) <= {"apps", "appGroupType"} and target["appGroupType"] in GROUP_TYPES
    for app in target["apps"]:
        assert app["@odata.type"] == "#microsoft.graph.managedMobileApp"
        assert set(app) <= {"@odata.type", "mobileAppIdentifier", "id", "version"}
        ident = app["mobileAppIdentifier"]
        props = APP_IDENTIFIERS[ident["@odata.type"]]
        assert set(ident) == {"@odata.type"} | props
        assert all(isinstance(ident[p], str) and ident[p] for p in props)
    ios = doc["iosGeneralDeviceConfiguration"]
    assert ios["@odata.type"] == "#microsoft.graph.iosGeneralDeviceConfiguration"
    assert set(ios) == {
        "@odata.type",
        "appsVisibilityList",
        "appsVisibilityListType",
        "compliantAppsList",
        "compliantAppListType",
    }
    assert {ios["appsVisibilityListType"], ios["compliantAppListType"]} <= LIST_TYPES
    for item in ios["appsVisibilityList"] + ios["compliantAppsList"]:
        assert set(item) == APP_LIST_ITEM and item["@odata.type"] == "#microsoft.graph.appListItem"
        assert all(item[k] is None or isinstance(item[k], str) for k in APP_LIST_ITEM)
        assert item["appId"]
    assert len(ios["appsVisibilityList"]) <= 10000 and len(ios["compliantAppsList"]) <= 10000


def intune(options: ExportOptions = ALLOW, rel=RELEASE) -> dict[str, Any]:
    return json.loads(export("intune", rel, options))


def test_intune_allow_bodies_have_graph_shapes_and_the_full_approved_list():
    doc = intune(ALLOW)
    check_graph_bodies(doc)
    idents = [a["mobileAppIdentifier"] for a in doc["targetApps"]["apps"]]
    assert idents == [
        {"@odata.type": "#microsoft.graph.iosMobileAppIdentifier", "bundleId": "com.acme.camera"},
        {
            "@odata.type": "#microsoft.graph.androidMobileAppIdentifier",
            "packageId": "com.acme.notes",
        },
    ]
    ios = doc["iosGeneralDeviceConfiguration"]
    assert ios["compliantAppListType"] == ios["appsVisibilityListType"] == "appsInListCompliant"
    assert ios["compliantAppsList"] == [
        {
            "@odata.type": "#microsoft.graph.appListItem",
            "name": "Acme Camera",
            "publisher": "Acme Health",
            "appStoreUrl": "https://apps.apple.com/x",
            "appId": "com.acme.camera",
        }
    ]
    visible = [i["appId"] for i in ios["appsVisibilityList"]]
    assert visible == ["com.acme.camera", "com.apple.Preferences", "com.apple.mobilephone"]
    assert [s["app_id"] for s in doc["skipped"]] == [3]


def test_intune_block_bodies_list_rejected_apps_as_not_compliant():
    doc = intune(BLOCK)
    check_graph_bodies(doc)
    ios = doc["iosGeneralDeviceConfiguration"]
    assert ios["appsVisibilityListType"] == "appsNotInListCompliant"
    assert [i["appId"] for i in ios["compliantAppsList"]] == ["com.chat"]
    # The app protection policy still targets the approved apps, whatever the mode.
    assert len(doc["targetApps"]["apps"]) == 2


def test_more_than_10000_ios_apps_is_refused_naming_the_list():
    many = tuple(entry(i, f"A{i}", store_id=f"org.a.a{i}") for i in range(10_001))
    with pytest.raises(ExportError, match=r"10,001 apps in appsVisibilityList.*at most 10,000"):
        export("intune", release(many), ExportOptions("allow"))


# --- our own JSON and CSV, and the workbook ---------------------------------------------------


def test_json_export_is_versioned_and_carries_entries_exclusions_and_release():
    doc = json.loads(export("json"))
    assert doc["schema"] == "vetting.allowlist/v1"
    assert doc["release"]["id"] == 7 and doc["release"]["sha256"] == RELEASE.sha256
    assert [e["app_id"] for e in doc["entries"]] == [1, 2, 3]
    assert [(x["app_id"], x["rejected"]) for x in doc["excluded"]] == [
        (4, True),
        (5, True),
        (6, False),
    ]
    assert set(doc["diff"]) == {"added", "removed", "changed", "blocked", "unblocked"}


def test_json_export_is_canonical_json_of_its_document():
    from integrations.exporters.json_list import document

    rel = release((entry(1, "Ärzte-App ✓"), CAMERA), (CHAT,))
    body = export("json", rel)
    assert body == json.dumps(document(rel), sort_keys=True, separators=(",", ":")).encode()
    assert json.loads(body)["entries"][1]["name"] == "Ärzte-App ✓"


def test_csv_export_has_one_row_per_app_with_status():
    rows = list(csv.DictReader(io.StringIO(export("csv").decode("utf-8"))))
    assert [(r["app_id"], r["status"]) for r in rows] == [
        ("1", "approved"),
        ("2", "approved"),
        ("3", "approved"),
        ("4", "rejected"),
        ("5", "rejected"),
        ("6", "excluded"),
    ]
    assert rows[0]["decided_on"] == "2026-10-02" and rows[0]["store_id"] == "com.acme.camera"


EVIL = '=HYPERLINK("http://evil.example","x")'


def test_csv_export_defuses_formulas():
    rel = release((entry(1, EVIL, conditions="+cmd|' /C calc'!A0"),), (exclusion(2, "@SUM(1)"),))
    rows = list(csv.reader(io.StringIO(export("csv", rel).decode("utf-8"))))
    cells = [c for row in rows[1:] for c in row]
    assert "'" + EVIL in cells and "'@SUM(1)" in cells and "'+cmd|' /C calc'!A0" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_xlsx_has_list_removed_with_reasons_and_release_sheets():
    previous = ApprovedList(date(2026, 11, 1), (CAMERA, entry(10, "Old Scanner")), ())
    gone = exclusion(
        10,
        "Old Scanner",
        ("BAA with Acme Health expired: in force through 2026-11-19",),
        store_id="com.acme.app10",
        vendor_name="Acme Health",
    )
    rel = release((CAMERA,), (gone,), previous=previous)
    wb = openpyxl.load_workbook(io.BytesIO(export("xlsx", rel)))
    assert wb.sheetnames == ["Approved", "Removed", "Not on list", "Release"]
    approved = list(wb["Approved"].iter_rows(values_only=True))
    assert approved[0][:3] == ("App", "Platform", "Store ID")
    assert approved[1][0] == "Acme Camera"
    assert approved[1][5] == datetime(2026, 10, 2)  # a real date cell, not text
    removed = list(wb["Removed"].iter_rows(values_only=True))
    assert removed[1] == (
        "Old Scanner",
        "ios",
        "com.acme.app10",
        "Acme Health",
        "removed: BAA with Acme Health expired: in force through 2026-11-19",
    )
    meta = {r[0]: r[1] for r in wb["Release"].iter_rows(values_only=True)}
    assert meta["Release"] == 7 and meta["SHA-256"] == rel.sha256 and meta["Removed"] == 1
    assert wb["Approved"].freeze_panes == "A2"


def test_xlsx_stores_formula_like_text_as_text():
    rel = release((entry(1, EVIL, conditions="-2+3"),), (exclusion(2, "@SUM(1)"),))
    wb = openpyxl.load_workbook(io.BytesIO(export("xlsx", rel)))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    risky = [c for c in cells if c.value[:1] in ("=", "+", "-", "@")]
    assert {c.value for c in risky} >= {EVIL, "-2+3", "@SUM(1)"}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)


# --- the registry -----------------------------------------------------------------------------


def test_every_format_is_registered_with_a_media_type_and_writes_an_empty_release():
    known = load_exporters()
    assert set(known) >= {"json", "csv", "xlsx", "mobileconfig", "android-policy", "intune"}
    assert known["mobileconfig"].media_type == "application/x-apple-aspen-config"
    for fmt, writer in known.items():
        assert writer.export(release(), ALLOW), fmt


def test_unknown_format_names_the_known_ones():
    with pytest.raises(ExportError, match=r"unknown format 'pdf'; one of: .*mobileconfig"):
        exporter("pdf")
