"""`vetting baas extract FILE [--json]`: a signed BAA's terms from the shell; bad input is a
one-line reason, never a traceback; nothing is written."""

from __future__ import annotations

import json

import pytest

from tests.agreement_files import docx_with, encrypted_pdf, pdf_with_text, pdf_without_text
from tests.cli.helpers import clean_error, invoke, ok

CLAUSES = [
    'This agreement is effective as of March 1, 2025 between Elm Street Dental ("Covered '
    'Entity") and Orbitly Inc. ("Business Associate").',
    "Business Associate shall notify Covered Entity of any Breach within sixty (60) days after "
    "discovery.",
    "Business Associate shall require its subcontractors to report any Breach to Business "
    "Associate within five (5) business days.",
]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("baa.pdf", pdf_with_text(["\n\n".join(CLAUSES)])),
        ("baa.docx", docx_with(CLAUSES)),
        ("baa.txt", "\n\n".join(CLAUSES).encode()),
    ],
)
def test_extract_json_from_each_kind(runner, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    got = json.loads(ok(invoke(runner, "baas", "extract", str(path), "--json")))
    b = got["breach_notification"]
    assert (b["days"], b["value"], b["unit"], b["trigger"], b["unstated"]) == (
        60,
        60,
        "calendar_days",
        "discovery",
        False,
    )
    assert got["subcontractor_notification"]["value"] == 5
    assert got["conflicts"] == []
    assert got["effective_date"] == "2025-03-01"
    assert [p["role"] for p in got["parties"]] == ["covered_entity", "business_associate"]
    assert set(got["provisions"]) >= {"report_breaches", "subcontractors", "return_or_destroy"}


def test_extract_in_words(runner, tmp_path):
    path = tmp_path / "baa.txt"
    path.write_text("Business Associate shall report a Breach to Covered Entity within 72 hours.")
    out = ok(invoke(runner, "baas", "extract", str(path)))
    assert "breach_notification\t72 hours = 3 calendar days at worst" in out


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("scan.pdf", pdf_without_text(), ("scan.pdf", "no text layer: OCR it first")),
        ("locked.pdf", encrypted_pdf(" ".join(CLAUSES)), ("locked.pdf", "encrypted")),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00", ("photo.txt", "is not a PDF")),
        ("empty.txt", b"", ("empty.txt", "is empty")),
    ],
)
def test_extract_refuses_what_it_cannot_read(runner, tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    clean_error(invoke(runner, "baas", "extract", str(path)), *words)


def test_attach_says_which_terms_were_suggested_or_why_none(runner, client, admin, tmp_path):
    from tests.api.chain import baa, vendor

    baa_id = baa(client, admin, vendor(client, admin))["id"]
    good = tmp_path / "signed.txt"
    good.write_text("\n\n".join(CLAUSES))
    out = ok(invoke(runner, "baas", "attach", str(baa_id), str(good)))
    assert "terms suggested for legal to accept on the BAA page: breach_notification" in out
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_without_text())
    out = ok(invoke(runner, "baas", "attach", str(baa_id), str(scan)))
    assert "attached scan.pdf" in out and "has no text layer: OCR it first" in out
