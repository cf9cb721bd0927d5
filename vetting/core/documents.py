"""What an uploaded file (a signed agreement, a piece of evidence) really is, judged by its
bytes, never by its name.

Known: PDF (starts with "%PDF-"), PNG and JPEG (their signatures), DOCX (a zip holding
"[Content_Types].xml" and "word/document.xml", with its unpacked size and compression ratio
bounded so a zip bomb is refused before anyone opens it) and plain text (valid UTF-8 without
NUL characters). Each use accepts some of them: `AGREEMENT` for signed BAAs, `EVIDENCE` for
the evidence behind a verified answer (screenshots too), `CERTIFICATE` for a vendor's
return/destroy certificate (scans too).
Pure: reads a seekable binary stream the caller provides; no file system, no Flask.
"""

from __future__ import annotations

import codecs
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain; charset=utf-8"
PNG = "image/png"
JPEG = "image/jpeg"
KIND_WORDS: dict[str, str] = {
    PDF: "a PDF",
    PNG: "a PNG image",
    JPEG: "a JPEG image",
    DOCX: "a Word (.docx) document",
    TEXT: "plain text",
}
EXTENSIONS: dict[str, str] = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", TEXT: ".txt"}
# The types each use accepts, in the order their names are listed to people.
AGREEMENT: tuple[str, ...] = (PDF, DOCX, TEXT)
EVIDENCE: tuple[str, ...] = (PDF, PNG, JPEG, DOCX, TEXT)
# A vendor's return/destroy certificate: often a scan or a photo of a signed page.
CERTIFICATE: tuple[str, ...] = (PDF, PNG, JPEG, DOCX, TEXT)
# What a file name or a part's Content-Type claims; anything else claims nothing we check.
CLAIMED_BY_EXTENSION: dict[str, str] = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".txt": TEXT,
    ".text": TEXT,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
}
CLAIMED_BY_MIMETYPE: dict[str, str] = {
    "application/pdf": PDF,
    DOCX: DOCX,
    "text/plain": TEXT,
    "image/png": PNG,
    "image/jpeg": JPEG,
}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"

MAX_ZIP_ENTRIES = 10_000
MAX_COMPRESSION_RATIO = 100  # real Word XML compresses ~10:1; bombs reach 1000:1
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CHUNK = 1 << 16


class DocumentRejected(Exception):
    """The file is not an acceptable agreement document; the message says why."""


@dataclass(frozen=True)
class Identified:
    content_type: str
    extension: str


def kinds_in_words(accept: tuple[str, ...]) -> str:
    """'a PDF, a Word (.docx) document or plain text'."""
    words = [KIND_WORDS[k] for k in accept]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def identify(
    fh: BinaryIO, size: int, max_unpacked: int, accept: tuple[str, ...] = AGREEMENT
) -> Identified:
    """The document's type from its content, if `accept` holds it; DocumentRejected with the
    reason otherwise."""
    if size == 0:
        raise DocumentRejected("is empty")
    fh.seek(0)
    head = fh.read(8)
    fh.seek(0)
    # A type the caller does not accept is not looked for: it is refused as what it is not.
    if head.startswith(b"%PDF-") and PDF in accept:
        return Identified(PDF, EXTENSIONS[PDF])
    if head.startswith(_PNG_SIGNATURE) and PNG in accept:
        return Identified(PNG, EXTENSIONS[PNG])
    if head.startswith(_JPEG_SIGNATURE) and JPEG in accept:
        return Identified(JPEG, EXTENSIONS[JPEG])
    if head.startswith(b"PK\x03\x04") and DOCX in accept:
        _check_docx(fh, max_unpacked)
        return Identified(DOCX, EXTENSIONS[DOCX])
    if TEXT not in accept:
        raise DocumentRejected(f"is not {kinds_in_words(accept)}")
    _check_text(fh, accept)
    return Identified(TEXT, ".txt")


def _check_docx(fh: BinaryIO, max_unpacked: int) -> None:
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise DocumentRejected(f"is a zip with {len(infos)} entries; not a Word document")
            names = {i.filename for i in infos}
            missing = [n for n in ("[Content_Types].xml", "word/document.xml") if n not in names]
            if missing:
                raise DocumentRejected(
                    f"is a zip archive but not a Word (.docx) document (no {missing[0]})"
                )
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > max_unpacked or total > max_unpacked:
                    raise DocumentRejected(
                        f"unpacks to more than {max_unpacked} bytes (a zip bomb?); refused"
                    )
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > _CHUNK and ratio > MAX_COMPRESSION_RATIO:
                    raise DocumentRejected(
                        f"{info.filename} is compressed {ratio:.0f}:1 (a zip bomb?); refused"
                    )
            # The sizes above are what the archive declares, and a crafted one lies (Python's
            # zipfile even stops at the declared size). Inflate each entry's own data and count
            # what comes out, never past the limit.
            _inflated_within(fh, infos, max_unpacked)
            types = _read_bounded(zf, "[Content_Types].xml", 1 << 20)
            if _DOCX_MAIN.encode() not in types:
                raise DocumentRejected(
                    "is a zip archive but its [Content_Types].xml declares no Word document"
                )
    except DocumentRejected:
        raise
    except (
        zipfile.BadZipFile,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
        zlib.error,
    ) as exc:
        raise DocumentRejected(f"looks like a zip archive but cannot be read ({exc})") from None


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip entry's local file header (30 bytes)


def _inflated_within(fh: BinaryIO, infos: list[zipfile.ZipInfo], limit: int) -> None:
    """Inflate every entry from its compressed bytes, counting the output whatever the
    headers claim; DocumentRejected as soon as the total passes `limit`."""
    total = 0
    for info in infos:
        fh.seek(info.header_offset)
        header = fh.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise DocumentRejected(f"looks like a zip archive but {info.filename} is damaged")
        fields = _LOCAL_HEADER.unpack(header)
        fh.seek(fields[-2] + fields[-1], 1)  # past the name and the extra field
        if info.compress_type == zipfile.ZIP_STORED:
            total += info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflate = zlib.decompressobj(-15)
            while not inflate.eof:
                data = fh.read(_CHUNK)
                if not data:
                    break
                # Past the stream's end zlib consumes nothing more (the rest is the next
                # entry): stop there, or a tail kept from a capped call loops for ever.
                while data and total <= limit and not inflate.eof:
                    total += len(inflate.decompress(data, _CHUNK))
                    data = inflate.unconsumed_tail
                if total > limit:
                    break
        else:
            raise DocumentRejected(f"{info.filename} uses a compression Word never writes")
        if total > limit:
            raise DocumentRejected(f"unpacks to more than {limit} bytes (a zip bomb?); refused")
    fh.seek(0)


def _read_bounded(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """Read one entry, never more than `limit` bytes, whatever its header claims."""
    with zf.open(name) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise DocumentRejected(f"{name} is larger than {limit} bytes; not a Word document")
    return data


def _check_text(fh: BinaryIO, accept: tuple[str, ...]) -> None:
    others = kinds_in_words((*(k for k in accept if k != TEXT), TEXT))  # text named last
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while chunk := fh.read(_CHUNK):
        nul = chunk.find(b"\x00")
        if nul >= 0:
            raise DocumentRejected(
                f"is not {others} (binary content: NUL byte at offset {offset + nul})"
            )
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise DocumentRejected(
                f"is not {others.removesuffix('plain text')}UTF-8 plain text "
                f"(invalid UTF-8 at byte {offset + exc.start})"
            ) from None
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise DocumentRejected("is not valid UTF-8 text (it ends mid-character)") from None
    fh.seek(0)


def claimed_type(filename: str, mimetype: str | None) -> tuple[str, str] | None:
    """(how, type) the upload claims to be — by extension first, then by its Content-Type —
    or None when it claims nothing we know."""
    lower = filename.lower()
    for ext, kind in CLAIMED_BY_EXTENSION.items():
        if lower.endswith(ext):
            return f"is named as {KIND_WORDS[kind]}", kind
    if mimetype and mimetype.lower() in CLAIMED_BY_MIMETYPE:
        return f"is sent as {mimetype}", CLAIMED_BY_MIMETYPE[mimetype.lower()]
    return None


def check_claim(filename: str, mimetype: str | None, actual: Identified) -> None:
    """Refuse a file that claims one type and contains another ("contract.pdf" that is text)."""
    claim = claimed_type(filename, mimetype)
    if claim is not None and claim[1] != actual.content_type:
        raise DocumentRejected(f"{claim[0]} but its content is {KIND_WORDS[actual.content_type]}")


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(filename: str, actual: Identified, default: str = "agreement") -> str:
    """A name safe in a Content-Disposition header and on any file system, ending in the
    extension of what the file really is."""
    name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")[:150] or default
    lower = name.lower()
    if actual.content_type == JPEG and lower.endswith(".jpeg"):
        return name
    if not lower.endswith(actual.extension):
        name += actual.extension
    return name
