"""Bulk imports (services/imports.py): apps from each inventory layout, vendors, BAAs; all or
nothing; a dry run writes nothing; one audit event per import; no statement per row."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select

from vetting import auth, db
from vetting.core.imports import ImportKind
from vetting.errors import Forbidden, Invalid
from vetting.models import BAA, App, AuditEvent, Vendor
from vetting.services import imports
from vetting.services.imports import ImportRefused

CLI = auth.CLI_PRINCIPAL


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def xlsx_bytes(rows: list[list[Any]], title: str = "Sheet1") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def s(app):
    with app.app_context():
        yield db.session()


def count(s, model) -> int:
    return s.scalar(select(func.count()).select_from(model))


def events(s, action: str) -> list[AuditEvent]:
    return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


GENERIC = (
    "Name,Platform,Store ID,Vendor,Category",
    "Ward Notes,iOS,com.wardnotes.app,Wardly Ltd,clinical",
    "Ward Notes,Android,com.wardnotes.app,Wardly Ltd,clinical",
    "Pill Timer,iPadOS,0012.pilltimer,Dosewise,",
)


def test_generic_sheet_creates_apps_and_their_vendors_with_one_audit_event(s):
    report = imports.run(s, CLI, ImportKind.APPS, csv_bytes(*GENERIC), "apps.csv")
    assert report.applied and report.counts["created"] == 3 and not report.errors()
    assert report.vendors_created == ["Dosewise", "Wardly Ltd"]
    apps = {(a.platform, a.store_id): a for a in s.scalars(select(App))}
    assert apps[("ios", "0012.pilltimer")].name == "Pill Timer"  # leading zeros kept
    assert apps[("android", "com.wardnotes.app")].category == "clinical"
    [event_] = events(s, "app.import")
    assert event_.after["counts"]["created"] == 3 and len(event_.after["sha256"]) == 64
    assert not events(s, "app.create")


def test_reimporting_the_same_file_changes_nothing(s):
    imports.run(s, CLI, ImportKind.APPS, csv_bytes(*GENERIC), "apps.csv")
    again = imports.run(s, CLI, ImportKind.APPS, csv_bytes(*GENERIC), "apps.csv")
    assert again.counts["unchanged"] == 3 and again.counts["created"] == 0


def test_a_changed_row_updates_and_blanks_never_overwrite(s):
    imports.run(s, CLI, ImportKind.APPS, csv_bytes(*GENERIC), "apps.csv")
    changed = csv_bytes(
        "Name,Platform,Store ID,Vendor,Category",
        "Ward Notes Pro,ios,COM.WARDNOTES.APP,,",  # other case: the same app; blanks kept
    )
    report = imports.run(s, CLI, ImportKind.APPS, changed, "apps.csv")
    assert [(r.outcome, r.changes) for r in report.rows] == [("updated", ["name"])]
    app = s.scalar(select(App).where(App.platform == "ios", App.store_id.like("com.%")))
    assert (app.name, app.category, app.store_id) == (
        "Ward Notes Pro",
        "clinical",
        "com.wardnotes.app",
    )


def test_one_refused_row_refuses_the_file_and_every_error_says_where(s):
    bad = csv_bytes(
        "Name,Platform,Store ID,Vendor",
        "Good App,ios,com.good.app,Good Co",
        "Bad App,symbian,com.bad.app,Bad Co",
        "No Id,android,not a package,Bad Co",
    )
    report = imports.run(s, CLI, ImportKind.APPS, bad, "inventory.csv")
    assert report.refused and not report.applied
    assert count(s, App) == 0 and count(s, Vendor) == 0 and not events(s, "app.import")
    lines = report.error_lines()
    assert lines[0].startswith("inventory.csv: row 3, column B: Platform: 'symbian'")
    assert lines[1].startswith("inventory.csv: row 4, column C: Store ID: 'not a package'")
    assert [r.outcome for r in report.rows] == ["created", "refused", "refused"]


def test_dry_run_reports_the_same_and_writes_nothing(s):
    dry = imports.run(s, CLI, ImportKind.APPS, csv_bytes(*GENERIC), "apps.csv", dry_run=True)
    assert dry.counts["created"] == 3 and not dry.applied
    assert count(s, App) == 0 and count(s, Vendor) == 0 and not events(s, "app.import")


def test_duplicate_rows_in_one_file(s):
    same = csv_bytes(*GENERIC, "Ward Notes,ios,com.WardNotes.app,wardly ltd,clinical")
    report = imports.run(s, CLI, ImportKind.APPS, same, "apps.csv")
    assert report.rows[-1].outcome == "unchanged" and "row 2" in report.rows[-1].note
    other = csv_bytes(*GENERIC, "Ward Notes Two,ios,com.wardnotes.app,Wardly Ltd,clinical")
    refused = imports.run(s, CLI, ImportKind.APPS, other, "apps2.csv", dry_run=True)
    assert refused.refused and "row 2 already names this app" in refused.error_lines()[0]


def test_intune_export_skips_windows_and_reads_publisher_as_vendor(s):
    intune = csv_bytes(
        "ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,"
        "ApplicationVersion,DeviceCount,Platform,ApplicationId",
        "k1,Shift Board,Rota Works,2.1,2.1.0,41,iOS,com.rotaworks.shiftboard",
        "k2,Spreadsheet Thing,Big Soft,16,16.0,300,Windows,",
        "k3,Shift Board,Rota Works,2.1,2.1.0,12,Android,com.rotaworks.shiftboard",
    )
    report = imports.run(s, CLI, ImportKind.APPS, intune, "AppInvAggregate.csv")
    assert report.layout == "Intune discovered apps"
    assert [r.outcome for r in report.rows] == ["created", "skipped", "created"]
    assert count(s, App) == 2


def test_jamf_report_in_a_workbook_is_ios_and_needs_a_vendor_or_a_default(s):
    data = xlsx_bytes(
        [
            ["Mobile device apps"],
            ["App Name", "Bundle Identifier", "App Version", "Devices"],
            ["Vitals Log", "com.vitalslog.ios", "3.2", 17],
        ],
        title="Apps",
    )
    refused = imports.run(s, CLI, ImportKind.APPS, data, "jamf.xlsx")
    assert refused.layout == "Jamf mobile device application report"
    assert (
        refused.error_lines()
        == ["jamf.xlsx: Apps!B3: a new app needs its vendor (add a vendor column)"]
        or "vendor" in refused.error_lines()[0]
    )
    report = imports.run(s, CLI, ImportKind.APPS, data, "jamf.xlsx", default_vendor="Unknown")
    assert report.applied and s.scalar(select(App.platform)) == "ios"


def test_android_management_report_is_android(s):
    data = csv_bytes(
        "packageName,displayName,versionName,versionCode,state,applicationSource",
        "com.caremaps.android,Care Maps,5.0,50,INSTALLED,PUBLIC_GOOGLE_PLAY",
    )
    report = imports.run(s, CLI, ImportKind.APPS, data, "apps.csv", default_vendor="Care Maps Inc")
    assert report.layout == "Android Management application report" and report.applied
    assert s.scalar(select(App.platform)) == "android"


def test_a_number_cell_as_store_id_is_refused(s):
    data = xlsx_bytes([["Name", "Platform", "Store ID", "Vendor"], ["Odd", "ios", 12.5, "V"]])
    report = imports.run(s, CLI, ImportKind.APPS, data, "apps.xlsx", dry_run=True)
    assert "Sheet1!C2" in report.error_lines()[0] and "number cell" in report.error_lines()[0]


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls", "save it as .xlsx without protection"),
        (b"just some words\n", "apps.csv", "no header row"),
        (csv_bytes("Name,Platform,Store ID,Vendor"), "apps.csv", "no rows to import"),
    ],
)
def test_a_file_refused_as_a_whole_is_a_422_naming_the_file(s, data, name, words):
    with pytest.raises(ImportRefused) as caught:
        imports.run(s, CLI, ImportKind.APPS, data, name)
    assert name in str(caught.value) and words in str(caught.value)
    assert caught.value.status == 422


def test_a_viewer_cannot_import(s):
    viewer = auth.Principal("v", "viewer", frozenset(auth.ROLE_SCOPES["viewer"]))
    with pytest.raises(Forbidden):
        imports.run(s, viewer, ImportKind.APPS, csv_bytes(*GENERIC), "apps.csv")


def test_import_runs_a_fixed_number_of_statements(s):
    rows = [f"App {i},ios,com.example.app{i},Vendor {i % 7}" for i in range(300)]
    data = csv_bytes("Name,Platform,Store ID,Vendor", *rows)
    seen: list[str] = []

    def hook(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine(), "before_cursor_execute", hook)
    try:
        report = imports.run(s, CLI, ImportKind.APPS, data, "apps.csv")
    finally:
        event.remove(db.engine(), "before_cursor_execute", hook)
    assert report.counts["created"] == 300 and count(s, App) == 300
    assert len(seen) < 20, seen


VENDORS = (
    "Vendor,Website,Contact Email,Notes",
    "Wardly Ltd,https://wardly.example,legal@wardly.example,",
    "Dosewise,,,makes timers",
)


def test_vendors_are_matched_by_name_case_and_spacing_aside(s):
    first = imports.run(s, CLI, ImportKind.VENDORS, csv_bytes(*VENDORS), "vendors.csv")
    assert first.counts["created"] == 2
    again = csv_bytes("name,website", "  wardly   LTD ,https://wardly.example/new")
    report = imports.run(s, CLI, ImportKind.VENDORS, again, "vendors.csv")
    assert [(r.outcome, r.changes) for r in report.rows] == [("updated", ["website"])]
    assert count(s, Vendor) == 2
    assert s.scalar(select(Vendor.name).where(Vendor.website.like("%new"))) == "Wardly Ltd"


def test_a_bad_vendor_email_names_its_cell(s):
    bad = csv_bytes("Vendor,Contact Email", "Wardly Ltd,not-an-email")
    report = imports.run(s, CLI, ImportKind.VENDORS, bad, "vendors.csv")
    assert report.error_lines() == [
        "vendors.csv: row 2, column B: Contact Email: must be an email address"
    ]


BAAS = (
    "Vendor,Title,Effective Date,Expiration Date,Auto Renew,Renewal Term Months,Notice Days,"
    "Signed Copy",
    "Wardly Ltd,Wardly BAA,2025-01-01,31 Dec 2026,automatic,12,60,legal drive/wardly.pdf",
    "Dosewise,,15/03/2025,,evergreen,,,cabinet 3",
)


def test_baa_sheet_creates_agreements_with_the_sheets_words(s):
    imports.run(s, CLI, ImportKind.VENDORS, csv_bytes(*VENDORS), "vendors.csv")
    report = imports.run(s, CLI, ImportKind.BAAS, csv_bytes(*BAAS), "baas.csv")
    assert report.counts["created"] == 2, report.error_lines()
    wardly, dose = sorted(s.scalars(select(BAA)), key=lambda b: b.effective_date)
    assert (wardly.expiration_date, wardly.auto_renews, wardly.renewal_term_months) == (
        date(2026, 12, 31),
        True,
        12,
    )
    assert wardly.status == "active" and not wardly.scope_reviewed
    assert (dose.effective_date, dose.expiration_date, dose.auto_renews) == (
        date(2025, 3, 15),
        None,
        False,
    )  # evergreen: no term end
    assert len(events(s, "baa.import")) == 1
    again = imports.run(s, CLI, ImportKind.BAAS, csv_bytes(*BAAS), "baas.csv")
    assert again.counts["unchanged"] == 2


def test_baa_rows_name_what_is_wrong(s):
    imports.run(s, CLI, ImportKind.VENDORS, csv_bytes(*VENDORS), "vendors.csv")
    bad = xlsx_bytes(
        [
            ["Vendor", "Effective Date", "Expiration Date", "Auto Renew", "Signed Copy"],
            ["Nobody Inc", date(2025, 1, 1), None, "no", "x"],
            ["Wardly Ltd", "03/04/2025", None, "no", "x"],
            ["Wardly Ltd", 60, None, "no", "x"],
            ["Dosewise", 45658, 45657, "perhaps", "x"],
            ["Dosewise", 45658, None, "yes", "x"],
        ],
        title="BAAs",
    )
    report = imports.run(s, CLI, ImportKind.BAAS, bad, "legal.xlsx")
    lines = report.error_lines()
    assert lines[0].startswith("legal.xlsx: BAAs!A2: Vendor: no vendor named 'Nobody Inc'")
    assert lines[1].startswith("legal.xlsx: BAAs!B3: Effective Date: '03/04/2025' could be")
    assert lines[2].startswith("legal.xlsx: BAAs!B4: Effective Date: serial 60 is 1900-02-29")
    assert lines[3].startswith("legal.xlsx: BAAs!D5: Auto Renew: 'perhaps' is not a renewal")
    assert "legal.xlsx: BAAs!C6" in lines[4] and "term end" in lines[4]
    assert count(s, BAA) == 0
    ordered = imports.run(
        s, CLI, ImportKind.BAAS, bad, "legal.xlsx", dry_run=True, date_order="dmy"
    )
    assert not any("BAAs!B3" in line for line in ordered.error_lines())


def test_an_active_baa_without_a_signed_copy_is_refused_and_pending_is_fine(s):
    imports.run(s, CLI, ImportKind.VENDORS, csv_bytes(*VENDORS), "vendors.csv")
    data = csv_bytes(
        "Vendor,Effective Date,Status", "Dosewise,2025-02-01,active", "Wardly Ltd,2025-02-01,"
    )
    report = imports.run(s, CLI, ImportKind.BAAS, data, "baas.csv")
    assert report.refused and "signed copy" in report.error_lines()[0]
    assert [r.outcome for r in report.rows] == ["refused", "created"]
    with pytest.raises(Invalid):
        imports.apply(s, CLI, report)


def test_the_import_benchmark_runs_at_a_small_size():
    """tests/benchmarks/bench_import.py at 200 rows: both formats import every row, and the
    same file again changes nothing (the timing aim is for the full size, not checked here)."""
    from tests.benchmarks.bench_import import run

    results = run(200)
    assert [(r["format"], r["rows"]) for r in results] == [("csv", 200), ("xlsx", 200)]


def test_a_web_app_is_matched_by_its_name(s):
    data = csv_bytes("Name,Platform,Store ID,Vendor", "Rota Portal,web,,Rota Works")
    assert imports.run(s, CLI, ImportKind.APPS, data, "a.csv").counts["created"] == 1
    again = csv_bytes("Name,Platform,Store ID,Vendor,Store URL",
                      "rota  portal,Web app,,Rota Works,https://rota.example")  # fmt: skip
    report = imports.run(s, CLI, ImportKind.APPS, again, "a.csv")
    assert [(r.outcome, r.changes) for r in report.rows] == [("updated", ["name", "store_url"])]
    assert count(s, App) == 1


def test_an_over_large_file_is_refused_before_it_is_parsed(s):
    big = b"Name,Platform,Store ID,Vendor\n" + b"x" * (20 * 1024 * 1024)
    with pytest.raises(ImportRefused, match="the limit is 20,971,520 bytes"):
        imports.run(s, CLI, ImportKind.APPS, big, "huge.csv", dry_run=True)


def test_a_sheet_with_more_rows_than_the_bound_is_refused_whole(s, monkeypatch):
    from integrations.spreadsheets import reading

    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    monkeypatch.setattr(reading.table, "__defaults__", (None, 3))
    rows = [["Name", "Platform", "Store ID", "Vendor"]]
    rows += [[f"A{i}", "ios", f"com.a.a{i}", "V"] for i in range(5)]
    with pytest.raises(ImportRefused, match="more than 3 rows; split the sheet"):
        imports.run(s, CLI, ImportKind.APPS, xlsx_bytes(rows), "apps.xlsx")
    assert count(s, App) == 0


def test_a_baa_import_that_moves_dates_is_seen_by_todays_state_filters(s):
    """An import updates agreements with plain SQL (no ORM flush): it must mark the kept
    states stale, so the register's filter for today shows the new state at once."""
    from vetting import clock
    from vetting.services import baas

    clock.freeze(date(2026, 11, 25))
    try:
        imports.run(s, CLI, ImportKind.VENDORS, csv_bytes(*VENDORS), "vendors.csv")
        fixed = (
            "Vendor,Title,Effective Date,Expiration Date,Signed Copy",
            "Wardly Ltd,Wardly BAA,2025-01-01,31 Dec 2027,legal drive/wardly.pdf",
        )
        imports.run(s, CLI, ImportKind.BAAS, csv_bytes(*fixed), "baas.csv")
        assert (
            baas.list_(s, baas.Selection(states=["expiring"])).total == 0
        )  # builds the kept states
        soon = (fixed[0], "Wardly Ltd,Wardly BAA,2025-01-01,10 Dec 2026,legal drive/wardly.pdf")
        report = imports.run(s, CLI, ImportKind.BAAS, csv_bytes(*soon), "baas.csv")
        assert report.counts["updated"] == 1, report.error_lines()
        assert baas.list_(s, baas.Selection(states=["expiring"])).total == 1
    finally:
        clock.freeze(None)
