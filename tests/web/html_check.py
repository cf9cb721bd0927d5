"""What every page must get right to validate and be usable with a keyboard and a screen
reader: a well-formed HTML5 document, lang, one h1, a label for every control, unique ids,
and nothing inline that the Content-Security-Policy would block."""

from __future__ import annotations

from collections import Counter

import html5lib
from bs4 import BeautifulSoup

LABELLED_TYPES_SKIP = {"hidden", "submit", "button", "reset", "image"}


def problems(html: str) -> list[str]:
    found: list[str] = []
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(html)
    found += [f"HTML parse error {code} at {pos} {vars_}" for pos, code, vars_ in parser.errors]
    soup = BeautifulSoup(html, "html.parser")
    root = soup.find("html")
    if root is None or not root.get("lang"):
        found.append("<html> has no lang attribute")
    h1 = soup.find_all("h1")
    if len(h1) != 1:
        found.append(f"{len(h1)} <h1> elements, want exactly one")
    if soup.find("title") is None or not soup.find("title").get_text(strip=True):
        found.append("no <title>")
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    found += [f"duplicate id {i!r}" for i, n in ids.items() if n > 1]
    labels = {lab.get("for") for lab in soup.find_all("label") if lab.get("for")}
    for tag in soup.find_all(["input", "select", "textarea"]):
        if tag.name == "input" and tag.get("type", "text") in LABELLED_TYPES_SKIP:
            continue
        named = tag.get("aria-label") or tag.get("aria-labelledby")
        wrapped = tag.find_parent("label") is not None
        if not (tag.get("id") in labels or named or wrapped):
            found.append(f"<{tag.name} name={tag.get('name')!r}> has no label")
    for tag in soup.find_all(True):
        if "style" in tag.attrs:
            found.append(f"inline style on <{tag.name}>")
        found += [f"inline handler {a} on <{tag.name}>" for a in tag.attrs if a.startswith("on")]
    for script in soup.find_all("script"):
        if not script.get("src") or script.get_text(strip=True):
            found.append("inline <script>")
        elif not script["src"].startswith("/"):
            found.append(f"external script {script['src']}")
    for link in soup.find_all("link", href=True):
        if link["href"].startswith(("http:", "https:", "//")):
            found.append(f"external resource {link['href']}")
    return found
