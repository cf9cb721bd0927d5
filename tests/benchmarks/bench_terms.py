"""Benchmark: reading the terms of a 40-page signed BAA (issue 14), against extracting its
text alone with pypdf in the same run.

The agreement is written here: 40 pages of the tests' own contract prose (about 1,000 words
a page of filler sentences around a breach clause, a security-incident clause, a
subcontractor clause and return/destroy). Measured, best of 9 interleaved runs:

1. text: pypdf's text extraction of every page (the baseline: what any reader pays);
2. terms: text extraction + `vetting.core.baa_terms.extract` (what attaching a document
   does before its transaction).

Aim: terms ≤ 2× text (reading the clauses costs no more than getting the text out).

    python tests/benchmarks/bench_terms.py
    pytest tests/benchmarks/bench_terms.py -s
    BENCH_PAGES=200 python tests/benchmarks/bench_terms.py
"""

from __future__ import annotations

import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from integrations.documents.text import text_of  # noqa: E402
from tests.agreement_files import pdf_with_text  # noqa: E402
from vetting.core.baa_terms import extract  # noqa: E402
from vetting.core.documents import PDF  # noqa: E402

AIM = 2.0
PAGES = int(os.environ.get("BENCH_PAGES", "40"))
FILLER = [
    "Each party shall perform its obligations under this Agreement in good faith.",
    "Business Associate shall maintain policies that describe how staff handle PHI.",
    "Notices under this Agreement shall be sent to the addresses on the signature page.",
    "Capitalised terms not defined here have the meanings given in the HIPAA Rules.",
    "Business Associate shall retain training records for six (6) years.",
    "Covered Entity may terminate this Agreement upon thirty (30) days' written notice if "
    "Business Associate materially breaches it and does not cure the breach.",
    "Nothing in this Agreement confers any rights on any third party.",
    "The parties shall amend this Agreement as needed to comply with changes in the law.",
]
CLAUSES = {
    1: 'This Business Associate Agreement is entered into as of April 1, 2026 (the "Effective '
    'Date") between Maple Ridge Health ("Covered Entity") and Corvid Systems LLC ("Business '
    'Associate").',
    7: "Business Associate shall notify Covered Entity of any Breach of Unsecured Protected "
    "Health Information without unreasonable delay and in no case later than ten (10) "
    "business days after discovery of the Breach.",
    9: "Business Associate shall report any Security Incident of which it becomes aware within "
    "seventy-two (72) hours.",
    12: "Business Associate shall ensure that any subcontractor that receives PHI agrees in "
    "writing to the same restrictions and conditions, and shall require each subcontractor to "
    "report any Breach to Business Associate within two (2) business days.",
    30: "Upon termination, Business Associate shall return or destroy all PHI; where that is "
    "infeasible, it shall extend the protections of this Agreement to that PHI.",
}


def agreement(pages: int) -> bytes:
    rng = random.Random(14)
    texts = []
    for page in range(1, pages + 1):
        paras = []
        for _ in range(12):
            paras.append(" ".join(rng.choice(FILLER) for _ in range(6)))
        if page in CLAUSES:
            paras.insert(3, f"{page}.1 {CLAUSES[page]}")
        texts.append("\n\n".join(paras))
    return pdf_with_text(texts, width=110)


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def best_of_both(base, other, runs: int = 9) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The best time of each, their runs interleaved so a busy machine slows both alike."""
    a, b = [], []
    for _ in range(runs):
        a.append(_timed(base))
        b.append(_timed(other))
    return min(a), min(b)


def run() -> float:
    data = agreement(PAGES)
    text = text_of(io.BytesIO(data), PDF)
    got = extract(text).as_json()
    assert got["breach_notification"]["value"] == 10, got["breach_notification"]
    assert got["security_incident_notification"]["value"] == 72
    assert got["subcontractor_notification"]["value"] == 2
    assert got["conflicts"] == [], got["conflicts"]
    baseline, terms = best_of_both(
        lambda: text_of(io.BytesIO(data), PDF), lambda: extract(text_of(io.BytesIO(data), PDF))
    )
    ratio = terms / baseline
    print(
        f"{PAGES} pages, {len(data):,} bytes, {len(text.split()):,} words: text {baseline:.3f} s, "
        f"text + terms {terms:.3f} s = {ratio:.2f}× (aim ≤ {AIM}×)"
    )
    return ratio


def test_terms_cost_little_beyond_the_text() -> None:
    assert run() <= AIM


if __name__ == "__main__":
    run()
