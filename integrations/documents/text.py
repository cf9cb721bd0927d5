"""The text of a signed agreement, for reading its terms (vetting/core/baa_terms.py).

The kind is the one vetting/core/documents.py judged from the bytes (PDF, DOCX, UTF-8 text).
PDF text comes from pypdf (the text layer: a scan has none and must be OCR'd first), DOCX
text from python-docx (paragraphs, then tables, in document order). Every failure is one
`TextUnavailable` whose message says what to do, never a library's traceback.
"""

from __future__ import annotations

import io
import logging
from typing import BinaryIO

from vetting.core.documents import DOCX, PDF, TEXT

MAX_PAGES = 1000  # a signed agreement is tens of pages; a thousand is not an agreement
MAX_CHARS = 2_000_000  # about 300 pages of contract text; the rest is not read
MIN_TEXT_CHARS = 40  # fewer letters than this in a whole PDF: no text layer to speak of

# pypdf logs every oddity of a damaged PDF as a warning; the reason we give is enough.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class TextUnavailable(Exception):
    """The document's text cannot be read; the message says why and what to do."""


def text_of(fh: BinaryIO, content_type: str) -> str:
    """The document's text, its paragraphs separated by blank lines."""
    fh.seek(0)
    if content_type == PDF:
        return _pdf(fh)
    if content_type == DOCX:
        return _docx(fh)
    if content_type.split(";")[0] == TEXT.split(";")[0]:
        data = fh.read(MAX_CHARS * 4 + 1)
        try:
            return data.decode("utf-8-sig")[:MAX_CHARS]
        except UnicodeDecodeError:
            raise TextUnavailable("is not valid UTF-8 text") from None
    raise TextUnavailable(f"has no text to read ({content_type})")


def _pdf(fh: BinaryIO) -> str:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

    try:
        reader = PdfReader(fh, strict=False)
        if reader.is_encrypted:
            # An owner password alone (printing, copying limits) opens with an empty one.
            try:
                opened = bool(reader.decrypt(""))
            except (DependencyError, NotImplementedError):
                opened = False
            if not opened:
                raise TextUnavailable(
                    "is an encrypted (password-protected) PDF: attach a copy without a "
                    "password to have its terms read"
                )
        pages = len(reader.pages)
        if pages > MAX_PAGES:
            raise TextUnavailable(f"has {pages} pages (more than {MAX_PAGES}); not read")
        parts: list[str] = []
        total = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            total += len(text)
            if total > MAX_CHARS:
                break
    except TextUnavailable:
        raise
    except FileNotDecryptedError:
        raise TextUnavailable(
            "is an encrypted (password-protected) PDF: attach a copy without a password to "
            "have its terms read"
        ) from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise TextUnavailable(f"is a PDF that cannot be read ({exc.__class__.__name__})") from None
    except RecursionError:
        raise TextUnavailable("is a PDF that cannot be read (its structure loops)") from None
    text = "\n\n".join(parts)[:MAX_CHARS]
    if sum(ch.isalpha() for ch in text) < MIN_TEXT_CHARS:
        raise TextUnavailable("has no text layer: OCR it first (it looks like a scan)")
    return text


def _docx(fh: BinaryIO) -> str:
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = Document(io.BytesIO(fh.read()))
        parts = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            for row in table.rows:
                parts.append(" ".join(cell.text for cell in row.cells))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TextUnavailable(
            f"is a Word document that cannot be read ({exc.__class__.__name__})"
        ) from None
    except Exception as exc:  # lxml's XMLSyntaxError and kin: a damaged part
        raise TextUnavailable(
            f"is a Word document that cannot be read ({exc.__class__.__name__})"
        ) from None
    text = "\n\n".join(p for p in parts if p.strip())[:MAX_CHARS]
    if not text.strip():
        raise TextUnavailable("has no text (an empty Word document, or only images)")
    return text
