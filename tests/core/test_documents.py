"""Signed-agreement files are judged by their bytes: PDF, DOCX (zip-bomb guarded) or UTF-8
text; a name or Content-Type that claims otherwise is refused; stored names are safe."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.api.register_helpers import PDF, TEXT, docx, plain_zip, zip_bomb_docx
from vetting.core.documents import (
    DOCX,
    DocumentRejected,
    Identified,
    check_claim,
    identify,
    safe_filename,
)
from vetting.core.documents import (
    TEXT as TEXT_TYPE,
)

LIMIT = 10 * 1024 * 1024


def judge(data: bytes, max_unpacked: int = LIMIT) -> str:
    return identify(io.BytesIO(data), len(data), max_unpacked).content_type


def test_each_accepted_kind_is_recognised_by_content() -> None:
    assert judge(PDF) == "application/pdf"
    assert judge(docx()) == DOCX
    assert judge(TEXT) == TEXT_TYPE
    assert judge("ünïcödé BAA ✓".encode()) == TEXT_TYPE


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (b"abc\x00def", "NUL byte at offset 3"),
        (b"ok \xff", "invalid UTF-8 at byte 3"),
        ("ends mid-character é".encode()[:-1], "ends mid-character"),
        (plain_zip(), "no [Content_Types].xml"),
        (zip_bomb_docx(), "zip bomb"),
        (b"PK\x03\x04" + b"\x00" * 40, "cannot be read"),
    ],
)
def test_what_is_not_an_agreement_document_is_refused_with_the_reason(
    data: bytes, reason: str
) -> None:
    with pytest.raises(DocumentRejected, match=None) as caught:
        judge(data)
    assert reason in str(caught.value)


def test_a_docx_without_a_word_main_part_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(DocumentRejected, match="declares no Word document"):
        judge(buf.getvalue())


def test_the_unpacked_size_is_bounded_whatever_the_ratio() -> None:
    with pytest.raises(DocumentRejected, match="unpacks to more than 1000 bytes"):
        judge(docx(b"x" * 2000), max_unpacked=1000)


def _lying_docx(real: bytes, declared: int) -> bytes:
    """A .docx whose document.xml says it unpacks to `declared` bytes but inflates `real`."""
    data = bytearray(docx(real))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("word/document.xml")
    # The uncompressed size: at offset 22 of the local header, 24 of the central directory's.
    data[info.header_offset + 22 : info.header_offset + 26] = declared.to_bytes(4, "little")
    central = bytes(data).find(b"PK\x01\x02")
    while bytes(data[central + 46 : central + 46 + 17]) != b"word/document.xml":
        central = bytes(data).find(b"PK\x01\x02", central + 4)
        assert central > 0
    data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    return bytes(data)


def test_a_zip_bomb_lying_about_its_sizes_is_refused_by_what_it_inflates() -> None:
    bomb = _lying_docx(b"<w:t>" + b"0" * (3 * 1024 * 1024) + b"</w:t>", declared=900)
    with zipfile.ZipFile(io.BytesIO(bomb)) as z:  # what the headers claim: small and tame
        assert z.getinfo("word/document.xml").file_size == 900
    with pytest.raises(DocumentRejected, match="unpacks to more than 1048576 bytes"):
        judge(bomb, max_unpacked=1024 * 1024)
    assert judge(docx(b"<w:t>fine</w:t>"), max_unpacked=1024 * 1024) == DOCX


@pytest.mark.parametrize(
    ("name", "mimetype", "actual", "ok"),
    [
        ("baa.pdf", None, "application/pdf", True),
        ("BAA.PDF", None, "application/pdf", True),
        ("baa.pdf", None, TEXT_TYPE, False),
        ("baa.docx", None, "application/pdf", False),
        ("baa.txt", None, DOCX, False),
        ("baa", "application/pdf", TEXT_TYPE, False),
        ("baa", "application/octet-stream", TEXT_TYPE, True),
        ("baa.md", "text/markdown", TEXT_TYPE, True),
    ],
)
def test_a_claim_by_name_or_type_must_match_the_content(name, mimetype, actual, ok) -> None:
    kind = Identified(actual, ".x")
    if ok:
        check_claim(name, mimetype, kind)
    else:
        with pytest.raises(DocumentRejected, match="but its content is"):
            check_claim(name, mimetype, kind)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Acme BAA (signed).pdf", "Acme BAA _signed_.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\x\\contract.pdf", "contract.pdf"),
        ('evil"\r\nX-Header: 1.pdf', "evil_X-Header_ 1.pdf"),
        ("Vertrag für Ärzte.pdf", "Vertrag fur Arzte.pdf"),
        ("", "agreement.pdf"),
        ("notes.html", "notes.html.pdf"),
    ],
)
def test_stored_names_are_safe_and_end_in_the_real_extension(name: str, expected: str) -> None:
    assert safe_filename(name, Identified("application/pdf", ".pdf")) == expected


# --- evidence: the same judge, more kinds --------------------------------------------------

SCREENSHOT = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(32)
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)


def test_evidence_accepts_screenshots_and_photos_as_well_as_documents() -> None:
    from vetting.core.documents import EVIDENCE, JPEG, PNG

    def as_evidence(data: bytes) -> Identified:
        return identify(io.BytesIO(data), len(data), LIMIT, EVIDENCE)

    assert as_evidence(SCREENSHOT) == Identified(PNG, ".png")
    assert as_evidence(PHOTO) == Identified(JPEG, ".jpg")
    assert as_evidence(PDF).content_type == "application/pdf"
    assert as_evidence(docx()).content_type == DOCX
    assert as_evidence(TEXT).content_type == TEXT_TYPE
    with pytest.raises(DocumentRejected, match="not a PDF, a PNG image, a JPEG image, a Word"):
        as_evidence(b"GIF89a" + bytes(20))
    # a photo named as a PDF is what it is, not what its name says
    with pytest.raises(DocumentRejected, match="named as a PDF but its content is a JPEG image"):
        check_claim("report.pdf", None, as_evidence(PHOTO))
    assert safe_filename("ward 3 photo.jpeg", as_evidence(PHOTO), "evidence") == "ward 3 photo.jpeg"
    assert safe_filename("", as_evidence(SCREENSHOT), "evidence") == "evidence.png"


def test_an_agreement_is_never_an_image() -> None:
    with pytest.raises(DocumentRejected, match="NUL byte"):
        judge(SCREENSHOT)


def test_a_word_document_whose_styles_inflate_past_one_read_is_identified():
    """python-docx's template inflates styles.xml (~350 KB) from one read: the check stops at
    the entry's end instead of looping on what follows it."""
    import io

    from tests.agreement_files import docx_with
    from vetting.core.documents import DOCX, identify

    data = docx_with(["A signed agreement."])
    assert identify(io.BytesIO(data), len(data), 10_000_000).content_type == DOCX
