"""The text of a signed agreement (integrations/documents/text.py): PDF text layers, DOCX
paragraphs and tables, UTF-8 text; and the clear refusal of what has no readable text."""

from __future__ import annotations

import io

import pytest

from integrations.documents.text import TextUnavailable, text_of
from tests.agreement_files import (
    docx_with,
    encrypted_pdf,
    pdf_with_text,
    pdf_without_text,
)
from vetting.core.documents import DOCX, PDF, TEXT

CLAUSE = "Business Associate shall notify Covered Entity of a Breach within five (5) business days."


def test_pdf_text_layer_is_read_page_by_page():
    text = text_of(io.BytesIO(pdf_with_text(["First page words.", CLAUSE])), PDF)
    assert "First page words." in text
    assert "within five (5) business days" in " ".join(text.split())


def test_docx_paragraphs_and_tables_are_read():
    text = text_of(io.BytesIO(docx_with(["Intro.", CLAUSE], [["Term", "one year"]])), DOCX)
    assert CLAUSE in text and "Term one year" in text


def test_utf8_text_with_a_byte_order_mark():
    assert text_of(io.BytesIO(("\ufeff" + CLAUSE).encode()), TEXT) == CLAUSE


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (pdf_without_text(), PDF, "no text layer: OCR it first"),
        (encrypted_pdf(CLAUSE * 3), PDF, r"encrypted \(password-protected\) PDF"),
        (b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n", PDF, "PDF that cannot be read"),
        (b"%PDF-1.7 then nothing a reader understands", PDF, "PDF that cannot be read"),
        (docx_with([]), DOCX, "has no text"),
        (b"PK\x03\x04 not really a zip", DOCX, "Word document that cannot be read"),
    ],
)
def test_documents_without_readable_text_say_why(data, kind, message):
    with pytest.raises(TextUnavailable, match=message):
        text_of(io.BytesIO(data), kind)


def test_the_terms_benchmark_runs_on_a_few_pages(monkeypatch):
    """tests/benchmarks/bench_terms.py on a short agreement: its checks of what is read hold
    (the ratio is the benchmark's business, not the suite's)."""
    from tests.benchmarks import bench_terms

    monkeypatch.setattr(bench_terms, "PAGES", 12)
    assert bench_terms.run() > 0
