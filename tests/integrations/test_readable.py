"""The readable text of a vendor page (integrations/pages/readable.py): what a person reads,
one block a line; navigation, scripts, banners and hidden parts dropped."""

from __future__ import annotations

from integrations.pages.readable import html_text, plain_text, readable_text

PAGE = """<!doctype html>
<html><head><title>Tessera trust</title><style>p { color: red }</style>
<script>document.write("We sign a BAA")</script></head>
<body>
<!-- We sign a BAA -->
<header><a href="/">Tessera</a></header>
<nav><ul><li>We sign a BAA</li></ul></nav>
<div id="onetrust-consent-sdk"><p>We use cookies and sign a BAA with them.</p></div>
<div role="dialog"><p>Subscribe to our newsletter.</p></div>
<main>
  <h1>Security   at
  Tessera</h1>
  <p>We encrypt data <em>at rest</em>
     and in transit.</p>
  <p style="display: none">Hidden: we sign a BAA.</p>
  <p aria-hidden="true">Also hidden.</p>
  <ul><li>Audit logs</li><li>Remote wipe</li></ul>
  <table><tr><th>Subprocessor</th><th>Purpose</th></tr>
  <tr><td>Northwind</td><td>Hosting</td></tr></table>
</main>
<footer>© Tessera. We sign a BAA.</footer>
</body></html>"""


def test_html_keeps_what_a_reader_reads_one_block_a_line() -> None:
    assert html_text(PAGE) == (
        "Security at Tessera\n"
        "We encrypt data at rest and in transit.\n"
        "• Audit logs\n"
        "• Remote wipe\n"
        "Subprocessor | Purpose\n"
        "Northwind | Hosting\n"
    )


def test_plain_text_joins_wrapped_lines_and_keeps_the_length() -> None:
    text = (
        "Security\n"
        "We encrypt every photo at rest and in transit, and we\n"
        "sign a business associate agreement with each clinic.\n"
        "- a list item\n"
    )
    out = plain_text(text)
    assert len(out) == len(text)
    assert out.splitlines() == [
        "Security",
        "We encrypt every photo at rest and in transit, and we "
        "sign a business associate agreement with each clinic.",
        "- a list item",
    ]


def test_the_media_type_chooses_the_reader() -> None:
    assert readable_text("<p>Hi <b>there</b></p>", "text/html") == "Hi there\n"
    assert readable_text("<p>Hi</p>", "text/plain") == "<p>Hi</p>\n"


def test_the_benchmark_page_at_20_kb() -> None:
    """tests/benchmarks/bench_claims.py's page, small: every quote is its offsets' text, and
    its traps (a competitor, a FAQ question and its general answer, a subprocessor table, a
    carve-out, a cookie banner) give no support."""
    from pathlib import Path

    from tests.benchmarks.bench_claims import page
    from vetting.core.checklist import load_directory
    from vetting.core.claims import find_claims
    from vetting.services.page_watch import signals_for

    checklists = load_directory(Path(__file__).resolve().parents[2] / "checklists")
    text = html_text(page(20))
    claims = find_claims(text, signals_for(list(checklists.values())), ["Tessera"])
    assert claims and all(text[c.start : c.end] == c.quote for c in claims)
    supported = [c.quote for c in claims if c.stance == "supports"]
    for trap in ("WhatsApp", "Ask every vendor", "Northwind", "Beta services", "cookies"):
        assert not any(trap in q for q in supported), trap
