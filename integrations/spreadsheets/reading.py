"""Open an uploaded workbook or CSV without trusting it.

Checked before any parser sees the bytes:

- the size of the upload (`MAX_UPLOAD`, 20 MiB);
- the kind, by its first bytes, not its name: `PK\\x03\\x04` is a workbook (xlsx); an OLE2
  header (`D0 CF 11 E0`) is a legacy .xls or an IRM-protected workbook, refused with
  "save it as .xlsx without protection"; anything else is read as CSV text when the name
  says .csv (or no name says otherwise), and refused otherwise;
- a workbook's archive, by decompressing every member (declared sizes can lie): at most
  `MAX_UNZIPPED` (100 MiB) in all, and no member inflating more than `MAX_RATIO` (100) times
  its compressed size once it passes 1 MiB (a zip bomb);
- macros (`xl/vbaProject.bin`) are noted, never run: only cell values are read.

Rows are read with a bound (`MAX_ROWS` a sheet): a sheet that declares a million rows costs
no more than its real rows, and a sheet with more real rows than the bound is refused.

Every refusal is a `SpreadsheetError` naming the file and, where there is one, the sheet,
row (as Excel numbers it) and column, with a reason a person can act on; never a parser's
exception text.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

MAX_UPLOAD = 20 * 1024 * 1024
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # members smaller than this may compress as well as they like
MAX_ROWS = 100_000
CHUNK = 64 * 1024

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass(eq=False)  # not frozen: raising through a `with` block sets __traceback__
class SpreadsheetError(Exception):
    """A refusal that names where: file, sheet, row and column (each optional but the file)."""

    file: str
    reason: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    @property
    def where(self) -> str:
        """`file`, `file: Sheet!C14`, `file: Sheet row 14`, `file: Sheet`, or for a CSV
        `file: row 14, column C`."""
        if self.sheet is None:  # a CSV file: rows and columns without a sheet
            if self.row is not None and self.column is not None:
                return f"{self.file}: row {self.row}, column {self.column}"
            if self.row is not None:
                return f"{self.file}: row {self.row}"
            return self.file
        if self.row is not None and self.column is not None:
            return f"{self.file}: {self.sheet}!{self.column}{self.row}"
        if self.row is not None:
            return f"{self.file}: {self.sheet} row {self.row}"
        return f"{self.file}: {self.sheet}"

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Upload:
    """Bytes that passed the checks: `kind` is "xlsx" or "csv"."""

    name: str
    data: bytes
    kind: str
    has_macros: bool = False


def check(data: bytes, name: str, max_upload: int = MAX_UPLOAD) -> Upload:
    """The upload, checked (see the module's doc), or a `SpreadsheetError`."""
    if len(data) > max_upload:
        raise SpreadsheetError(
            name, f"the file is {len(data):,} bytes; the limit is {max_upload:,} bytes"
        )
    if not data:
        raise SpreadsheetError(name, "the file is empty")
    lower = name.lower()
    if data.startswith(OLE2_MAGIC):
        raise SpreadsheetError(
            name,
            "this is a legacy .xls or a protected (IRM) workbook: "
            "save it as .xlsx without protection and upload that",
        )
    if data.startswith(XLSX_MAGIC):
        return Upload(name, data, "xlsx", has_macros=_check_archive(data, name))
    if lower.endswith((".xlsx", ".xlsm", ".xls")):
        raise SpreadsheetError(name, "this is not an Excel workbook (.xlsx) despite its name")
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(name, "this is neither a CSV text file nor an .xlsx workbook")
    return Upload(name, data, "csv")


def _check_archive(data: bytes, name: str) -> bool:
    """Inflate every member with running caps; whether the workbook carries macros."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SpreadsheetError(name, "the workbook is damaged (not a readable .xlsx)") from None
    total = 0
    macros = False
    for info in members:
        if info.filename.lower() == "xl/vbaproject.bin":
            macros = True
        out = 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(CHUNK):
                    out += len(chunk)
                    total += len(chunk)
                    if total > MAX_UNZIPPED:
                        raise SpreadsheetError(
                            name,
                            f"the workbook unpacks to more than {MAX_UNZIPPED:,} bytes; "
                            "split it or remove what is not needed",
                        )
                    if out > RATIO_FLOOR and out > MAX_RATIO * max(info.compress_size, 1):
                        raise SpreadsheetError(
                            name,
                            f"part {info.filename} inflates more than {MAX_RATIO} times "
                            "(a zip bomb?); refused",
                        )
        except SpreadsheetError:
            raise
        except RuntimeError:  # zipfile: "… is encrypted, password required for extraction"
            raise SpreadsheetError(
                name, "the workbook is password-protected: save it without a password"
            ) from None
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise SpreadsheetError(name, "the workbook is damaged (not a readable .xlsx)") from None
    return macros


def open_workbook(upload: Upload, read_only: bool = True) -> Workbook:
    """The checked workbook's cell values (cached results of formulas; nothing is run).

    `read_only` streams the sheets (low memory); pass False where hidden sheets, data
    validations or protection must be read."""
    if upload.kind != "xlsx":
        raise SpreadsheetError(upload.name, "expected an .xlsx workbook, got a CSV text file")
    try:
        return load_workbook(io.BytesIO(upload.data), read_only=read_only, data_only=True)
    except SpreadsheetError:
        raise
    except Exception:  # openpyxl raises many kinds on a malformed part
        raise SpreadsheetError(
            upload.name, "the workbook could not be read (is it a valid .xlsx?)"
        ) from None


def rows(
    upload: Upload,
    sheet: Worksheet,
    max_rows: int = MAX_ROWS,
    first: int = 1,
    *,
    last: int | None = None,
    columns: int | None = None,
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, values) for each row from `first` that holds any value, bounded:
    more than `max_rows` rows is a `SpreadsheetError` naming the sheet.

    `last` stops the scan quietly at that Excel row and `columns` reads only that many columns
    from A: a scan that only looks for a known layout (a questionnaire's header and its rows)
    costs the same whatever rows and columns the sheet declares."""
    seen = 0
    try:
        for number, values in enumerate(
            sheet.iter_rows(min_row=first, max_row=last, max_col=columns, values_only=True),
            start=first,
        ):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            seen += 1
            if seen > max_rows:
                raise SpreadsheetError(
                    upload.name,
                    f"more than {max_rows:,} rows; split the sheet",
                    sheet=sheet.title,
                )
            yield number, tuple(values)
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(
            upload.name, "the sheet could not be read", sheet=sheet.title
        ) from None


def column_letter(index: int) -> str:
    """Excel's letter for a 0-based column index (0 → A)."""
    return get_column_letter(index + 1)


def text(upload: Upload) -> str:
    """A CSV upload's text: UTF-8 (with or without a byte-order mark), else Windows-1252, the
    two encodings spreadsheet programs write."""
    if upload.kind != "csv":
        raise SpreadsheetError(upload.name, "expected a CSV text file, got a workbook")
    try:
        return upload.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return upload.data.decode("cp1252", errors="replace")


@dataclass(frozen=True)
class Table:
    """One sheet (or a CSV file) read as raw cell values: `sheet` is None for a CSV; `rows`
    are (row number as Excel or a spreadsheet program shows it, values) for each row that
    holds any value, the header row included."""

    sheet: str | None
    rows: list[tuple[int, tuple[Any, ...]]]


def table(upload: Upload, sheet: str | None = None, max_rows: int = MAX_ROWS) -> Table:
    """The checked upload's cells as raw values, bounded: at most `max_rows` rows that hold a
    value, else a `SpreadsheetError` naming the sheet. A workbook's first sheet unless `sheet`
    names one.

    A CSV is parsed by pandas (`read_csv`, every cell text as written: "0012" keeps its zeros,
    "NA" stays "NA"). A workbook's cells come from openpyxl's streaming reader through `rows`
    (text stays text, dates stay dates, numbers stay numbers): pandas' `read_excel(nrows=…)`
    would stop silently at the bound and drop the rows after it, where this refuses them."""
    if upload.kind == "csv":
        return _csv_table(upload, max_rows)
    book = open_workbook(upload)
    try:
        names = list(book.sheetnames)
        if sheet is None:
            title = names[0]
        elif sheet in names:
            title = sheet
        else:
            raise SpreadsheetError(
                upload.name, f"no sheet named {sheet!r}; its sheets: {', '.join(names)}"
            )
        return Table(title, list(rows(upload, book[title], max_rows)))
    finally:
        book.close()


def _csv_table(upload: Upload, max_rows: int) -> Table:
    import pandas as pd  # heavy: loaded by the imports that need it only

    limit = 2 * (max_rows + 1)  # blank lines count towards nrows; bounded all the same
    body = text(upload)
    # pandas finds no columns after leading blank lines: skip them and count them.
    leading = _LEADING_BLANK_LINES.match(body)
    offset = leading.group().count("\n") if leading else 0
    try:
        frame = pd.read_csv(
            io.StringIO(body[leading.end() :] if leading else body),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            nrows=limit,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        return Table(None, [])
    except pd.errors.ParserError as exc:
        raise SpreadsheetError(
            upload.name,
            "a row has more cells than the header row, or a quote is not closed",
            row=_parser_row(str(exc), offset),
        ) from None
    except Exception:
        raise SpreadsheetError(upload.name, "the file could not be read as CSV") from None
    found: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in enumerate(frame.itertuples(index=False, name=None), start=1 + offset):
        if all(not v or not v.strip() for v in values):
            continue
        if len(found) >= max_rows:
            raise SpreadsheetError(upload.name, f"more than {max_rows:,} rows; split the file")
        found.append((number, values))
    if len(frame) >= limit:
        raise SpreadsheetError(
            upload.name, f"more than {limit:,} lines, many of them blank; remove the blank lines"
        )
    return Table(None, found)


_LEADING_BLANK_LINES = re.compile(r"(?:[ \t\r]*\n)+")


def _parser_row(message: str, offset: int) -> int | None:
    """The line a pandas parser error names ("… in line 7, saw 4"), if any."""
    m = re.search(r"line (\d+)", message)
    return int(m[1]) + offset if m else None
