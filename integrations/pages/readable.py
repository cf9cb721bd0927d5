"""The readable text of a vendor's page: what a person reads, one block a line.

HTML goes through BeautifulSoup (html.parser): scripts, styles, navigation, headers, footers,
forms, hidden elements and cookie or consent banners are dropped; each block (heading,
paragraph, list item, table row) becomes one line with its white space collapsed, a list item
starting with "• ", a table row's cells joined by " | " (the claim extractor reads no claims
from table rows). Plain text keeps its lines; a line wrapped inside a paragraph is joined to
the next (a newline becomes a space, so the text keeps its length).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

DROP_TAGS = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "form", "button",
    "svg", "iframe", "object", "embed", "select", "input", "textarea", "aside", "dialog",
    "head", "title", "meta", "link",
)  # fmt: skip
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr",
    "dt", "dd", "blockquote", "pre", "figcaption", "caption", "summary", "details", "br",
    "hr", "ul", "ol", "dl", "table", "thead", "tbody", "body", "html", "address", "center",
}  # fmt: skip
# Cookie and consent banners, skip links and the like, by id, class or role.
_CHROME = re.compile(
    r"cookie|consent|gdpr|onetrust|cmp-|banner|navbar|nav-|menu|breadcrumb|skip-link|"
    r"newsletter|subscribe|social|share|sidebar|modal|popup|toast",
    re.I,
)
_SPACE = re.compile(r"\s+")


def readable_text(content: str, media_type: str) -> str:
    """The page's readable text: HTML through `html_text`, anything else as plain text."""
    if media_type in ("text/html", "application/xhtml+xml") or (
        not media_type and content.lstrip()[:1] == "<"
    ):
        return html_text(content)
    return plain_text(content)


def plain_text(content: str) -> str:
    """Plain text with wrapped paragraph lines joined (a long line without an end mark,
    followed by a line of text, continues on it)."""
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        joins = (
            len(line.strip()) > 40
            and not re.search(r"[.!?:]\W*$", line.strip())
            and nxt.strip() != ""
            and not re.match(r"\s*(?:[-*•]|\d{1,2}[.)])\s", nxt)
        )
        out.append(line + (" " if joins else "\n"))
    return "".join(out).rstrip("\n") + "\n"


def _hidden(tag: Tag) -> bool:
    if not tag.attrs:
        return False
    if "hidden" in tag.attrs or tag.get("aria-hidden") == "true":
        return True
    style = str(tag.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    role = str(tag.get("role") or "").lower()
    if role in ("navigation", "banner", "contentinfo", "dialog", "alertdialog", "search"):
        return True
    names = " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])
    return bool(names.strip()) and _CHROME.search(names) is not None


def html_text(content: str) -> str:
    """The readable text of an HTML page (see the module's doc): one walk of the tree that
    skips dropped and hidden elements, comments and declarations as it goes."""
    soup = BeautifulSoup(content, "html.parser")
    drop = set(DROP_TAGS)
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = _SPACE.sub(" ", "".join(current)).strip()
        current.clear()
        if text:
            lines.append(text)

    def walk(node: Tag) -> None:
        for child in node.children:
            if type(child) is NavigableString:
                current.append(child)
                continue
            if not isinstance(child, Tag) or child.name in drop or _hidden(child):
                continue
            name = child.name
            if name == "tr":
                flush()
                cells: list[str] = []
                for cell in child.find_all(["td", "th"]):
                    if not _hidden(cell):
                        cells.append(_SPACE.sub(" ", cell.get_text(" ")).strip())
                row = " | ".join(c for c in cells if c)
                if row:
                    lines.append(row if " | " in row else "| " + row)
                continue
            if name in BLOCK_TAGS:
                flush()
                if name == "li":
                    current.append("• ")
                walk(child)
                flush()
            else:
                walk(child)

    walk(soup)
    flush()
    return "\n".join(lines) + ("\n" if lines else "")
