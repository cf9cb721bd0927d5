"""The pure rules of bulk imports: dates (Excel serials, text), renewal words, platforms,
store IDs, names and the keys that find the same app or vendor twice."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from vetting.core.imports import (
    CellError,
    DateOrder,
    OtherPlatform,
    app_key,
    auto_renews_of,
    blank,
    excel_serial_date,
    find_columns,
    header_key,
    name_key,
    parse_date,
    platform_of,
    store_id_of,
    whole_number,
)
from vetting.core.store_ids import Platform


@pytest.mark.parametrize(
    ("serial", "day"),
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),  # before the leap-year bug: no off-by-one
        (61, date(1900, 3, 1)),
        (45658, date(2025, 1, 1)),
        (45658.75, date(2025, 1, 1)),  # a time of day in the fraction is dropped
        (2958465, date(9999, 12, 31)),
    ],
)
def test_excel_serials_follow_the_1900_date_system(serial, day):
    assert excel_serial_date(serial) == day


@pytest.mark.parametrize("serial", [0, -3, 60, 2958466, float("inf"), float("-inf"), 1e300])
def test_impossible_serials_are_refused(serial):
    with pytest.raises(CellError):
        excel_serial_date(serial)


def test_serial_60_names_the_day_that_never_was():
    with pytest.raises(CellError, match="1900-02-29"):
        parse_date(60)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-31", date(2026, 3, 31)),
        ("2026/3/31", date(2026, 3, 31)),
        ("31 Mar 2026", date(2026, 3, 31)),
        ("31-Mar-2026", date(2026, 3, 31)),
        ("31st March 2026", date(2026, 3, 31)),
        ("March 31, 2026", date(2026, 3, 31)),
        ("Sept 1 2026", date(2026, 9, 1)),
        ("31/03/2026", date(2026, 3, 31)),  # only day/month makes a day
        ("03/31/2026", date(2026, 3, 31)),  # only month/day makes a day
        ("05.05.2026", date(2026, 5, 5)),  # either order: the same day
        ("  2026-03-31  ", date(2026, 3, 31)),
    ],
)
def test_text_dates_in_the_common_formats(text, day):
    assert parse_date(text) == day


def test_ambiguous_numeric_dates_need_the_sheets_order():
    with pytest.raises(CellError, match="day/month or month/day"):
        parse_date("03/04/2026")
    assert parse_date("03/04/2026", DateOrder.DMY) == date(2026, 4, 3)
    assert parse_date("03/04/2026", DateOrder.MDY) == date(2026, 3, 4)


@pytest.mark.parametrize("text", ["31/03/26", "31-Mar-26", "Mar 31, 26"])
def test_two_digit_years_are_refused(text):
    with pytest.raises(CellError, match="four digits"):
        parse_date(text)


@pytest.mark.parametrize("text", ["2026-02-29", "31/04/2026", "Smarch 3 2026", "soon", "45658"])
def test_not_a_date(text):
    with pytest.raises(CellError):
        parse_date(text)


def test_date_cells_and_blanks():
    assert parse_date(datetime(2026, 1, 2)) == date(2026, 1, 2)
    assert parse_date(date(2026, 1, 2)) == date(2026, 1, 2)
    assert (
        parse_date(None) is None and parse_date("  ") is None and parse_date(float("nan")) is None
    )
    with pytest.raises(CellError, match="time"):
        parse_date(datetime(2026, 1, 2, 9, 30))
    with pytest.raises(CellError):
        parse_date(True)


@pytest.mark.parametrize(
    "word",
    ["yes", "Y", "TRUE", "auto", "Automatic", "auto-renew", "Auto  Renews", "evergreen", True],
)
def test_renewal_words_that_mean_it_renews(word):
    assert auto_renews_of(word) is True


@pytest.mark.parametrize("word", ["no", "N", "false", "manual", "Fixed term", "0", False])
def test_renewal_words_that_mean_it_does_not(word):
    assert auto_renews_of(word) is False


def test_an_unknown_renewal_word_is_refused_and_blank_is_unsaid():
    assert auto_renews_of("") is None
    with pytest.raises(CellError, match="'maybe' is not a renewal word"):
        auto_renews_of("maybe")


@pytest.mark.parametrize(
    ("word", "platform"),
    [
        ("iOS", Platform.IOS),
        ("iPadOS", Platform.IOS),
        (" ios/ipados ", Platform.IOS),
        ("Android Enterprise", Platform.ANDROID),
        ("Google Play", Platform.ANDROID),
        ("ANDROID", Platform.ANDROID),
        ("Web app", Platform.WEB),
    ],
)
def test_platform_words(word, platform):
    assert platform_of(word) == platform


def test_other_platforms_are_told_apart_from_mistakes():
    with pytest.raises(OtherPlatform):
        platform_of("Windows")
    with pytest.raises(OtherPlatform):
        platform_of("macOS")
    with pytest.raises(CellError) as caught:
        platform_of("Symbian")
    assert not isinstance(caught.value, OtherPlatform)


def test_store_ids_keep_their_text_and_a_number_cell_is_refused():
    assert store_id_of(" 0012.example.app ", Platform.IOS) == "0012.example.app"
    assert store_id_of("Com.Example.App", Platform.IOS) == "Com.Example.App"
    assert store_id_of("", Platform.IOS) is None
    with pytest.raises(CellError, match="number cell"):
        store_id_of(12.5, Platform.IOS)
    with pytest.raises(CellError, match="Android package"):
        store_id_of("1com.example", Platform.ANDROID)
    with pytest.raises(CellError, match="no store ID"):
        store_id_of("com.example.app", Platform.WEB)


def test_the_same_app_or_vendor_whatever_the_case():
    assert app_key("ios", "com.Example.App") == app_key(Platform.IOS, "COM.EXAMPLE.APP")
    assert app_key("ios", "com.example.app") != app_key("android", "com.example.app")
    assert name_key("  Acme   Health ") == name_key("acme health")


def test_headers_match_case_and_spacing_aside():
    assert header_key(" Bundle_ID ") == header_key("bundleid") == "bundleid"
    columns = find_columns(
        ["x", "APP NAME", "bundle-identifier"],
        {"name": ("App Name",), "store_id": ("Bundle Identifier",), "vendor": ("Vendor",)},
    )
    assert columns == {"name": 1, "store_id": 2}


def test_whole_numbers():
    assert whole_number("12") == 12 and whole_number(12.0) == 12 and whole_number(None) is None
    for bad in ("12.5", "twelve", 12.5, -1, 5000, True):
        with pytest.raises(CellError):
            whole_number(bad)


def test_blank():
    assert blank(None) and blank(" ") and blank(float("nan")) and not blank(0) and not blank("NA")
