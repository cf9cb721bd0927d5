"""Builders for the BAA register tests: files of every kind (real PDF/DOCX/text bytes and the
bad ones), uploads, and reading the approved list on a date."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask.testing import FlaskClient

Headers = dict[str, str]

CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TEXT = "Business Associate Agreement between Acme Health and Example Clinic — §4.2.\n".encode()


def docx(document_xml: bytes = b"<w:document><w:t>BAA</w:t></w:document>", **parts: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        z.writestr("word/document.xml", document_xml)
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a word document")
    return buf.getvalue()


def zip_bomb_docx() -> bytes:
    """A .docx whose document.xml inflates 8 MiB of zeros from a few KiB (≈1000:1)."""
    return docx(b"<w:t>" + b"0" * (8 * 1024 * 1024) + b"</w:t>")


def upload(
    client: FlaskClient,
    headers: Headers,
    baa_id: int,
    data: bytes,
    filename: str = "signed.pdf",
    content_type: str | None = None,
) -> Any:
    part: tuple[Any, ...] = (io.BytesIO(data), filename)
    if content_type:
        part = (*part, content_type)
    return client.post(
        f"/api/v1/baas/{baa_id}/document",
        data={"file": part},
        headers=headers,
        content_type="multipart/form-data",
    )


def listed(client: FlaskClient, headers: Headers, as_of: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/allowlist?as_of={as_of}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json
