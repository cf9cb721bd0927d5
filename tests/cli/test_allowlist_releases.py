"""`vetting allowlist publish | releases | diff | export` (issue 5)."""

from __future__ import annotations

import json
import plistlib
from datetime import date

import openpyxl
import pytest

from tests.api.chain import approved_app, baa, vendor
from tests.cli.helpers import clean_error, invoke, ok
from vetting import clock


@pytest.fixture
def acme(client, admin):
    vid = vendor(client, admin, "Acme Health")
    baa(client, admin, vid, expiration_date="2026-11-30")
    approved_app(client, admin, vid, name="Acme Camera", store_id="com.acme.camera")
    return vid


def test_publish_then_publish_again_without_change(runner, acme):
    out = ok(invoke(runner, "allowlist", "publish", "--note", "weekly"))
    assert out.startswith("published release 1 (sha256 ")
    assert "1 approved; 1 added" in out
    assert "Acme Camera (ios com.acme.camera): added: approved 2026-11-25" in out
    again = ok(invoke(runner, "allowlist", "publish"))
    assert again.startswith("no change since release 1") and "nothing published" in again


def test_publish_as_of_a_date_and_diff_says_why(runner, acme):
    ok(invoke(runner, "allowlist", "publish"))
    # Emptying the list needs saying so.
    refused = invoke(runner, "allowlist", "publish", "--as-of", "2026-12-01")
    clean_error(refused, "the list is empty", "--allow-shrink")
    out = ok(invoke(runner, "allowlist", "publish", "--as-of", "2026-12-01", "--allow-shrink"))
    assert "published release 2" in out
    diff = ok(invoke(runner, "allowlist", "diff", "2"))
    assert diff.splitlines()[0] == "release 2 (2026-12-01) since release 1: 1 removed"
    assert (
        "Acme Camera (ios com.acme.camera): removed: BAA with Acme Health expired: in force "
        "through 2026-11-30" in diff
    )
    # Dated 2026-12-01, it is not what MDMs pull before that day.
    assert ok(invoke(runner, "allowlist", "diff", "latest")) != diff
    clock.freeze(date(2026, 12, 1))
    assert ok(invoke(runner, "allowlist", "diff", "latest")) == diff
    listing = ok(invoke(runner, "allowlist", "releases")).splitlines()
    assert [line.split("\t")[:3] for line in listing] == [
        ["2", "2026-12-01", "0 approved"],
        ["1", "2026-11-25", "1 approved"],
    ]


def test_export_latest_and_by_id_to_files(runner, acme, tmp_path):
    ok(invoke(runner, "allowlist", "publish"))
    clock.freeze(date(2026, 12, 2))
    ok(invoke(runner, "allowlist", "publish", "--allow-shrink"))
    profile = tmp_path / "list.mobileconfig"
    ok(invoke(runner, "allowlist", "export", "--release", "1", "--format", "mobileconfig",
              "-o", str(profile)))  # fmt: skip
    (payload,) = plistlib.loads(profile.read_bytes())["PayloadContent"]
    assert "com.acme.camera" in payload["allowListedAppBundleIDs"]
    book = tmp_path / "list.xlsx"
    out = ok(invoke(runner, "allowlist", "export", "--format", "xlsx", "-o", str(book)))
    assert "wrote release 2 as xlsx" in out
    wb = openpyxl.load_workbook(book)
    removed = list(wb["Removed"].iter_rows(min_row=2, values_only=True))
    assert removed == [
        (
            "Acme Camera",
            "ios",
            "com.acme.camera",
            "Acme Health",
            "removed: BAA with Acme Health expired: in force through 2026-11-30",
        )
    ]
    doc = json.loads(ok(invoke(runner, "allowlist", "export", "--format", "json")))
    assert doc["release"]["id"] == 2 and doc["entries"] == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("export", "--format", "pdf"), ("unknown format 'pdf'", "mobileconfig")),
        (("export", "--release", "42", "--format", "json"), ("no release with id 42",)),
        (("export", "--release", "first", "--format", "json"), ("no release 'first'",)),
        (("diff", "9"), ("no release with id 9",)),
    ],
)
def test_bad_export_and_diff_arguments_are_clean_errors(runner, acme, args, words):
    ok(invoke(runner, "allowlist", "publish"))
    clean_error(invoke(runner, "allowlist", *args), *words)


def test_commands_before_any_release_say_to_publish(runner, app):
    clean_error(invoke(runner, "allowlist", "export", "--format", "csv"), "allowlist publish")
    assert "no release published yet" in ok(invoke(runner, "allowlist", "releases"))


def test_publish_refuses_a_bad_date(runner, app):
    r = invoke(runner, "allowlist", "publish", "--as-of", "soon")
    assert r.exit_code == 2 and "'soon' is not a date" in r.output
    clean_error(invoke(runner, "allowlist", "publish", "--as-of", "9999-12-31"), "as_of: must be")
