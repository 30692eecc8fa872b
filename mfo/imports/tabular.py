"""Read an uploaded CSV or XLSX file into a table of text cells, and match its header row to an import's fields."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from mfo.issues.codes import EscapedMessage

CSV_EXTENSIONS = frozenset({".csv", ".txt"})
XLSX_EXTENSIONS = frozenset({".xlsx"})

# A workbook is a zip of XML files. The upload limit bounds the compressed size only, and XML compresses ten to a
# hundred times, so the unpacked size is bounded by what the row and column limits need (Limits.xlsx_unpacked): a
# cell is written as `<c r="CV20001" t="inlineStr"><is><t>…</t></is></c>` (45 bytes and its text) or as a
# shared-string reference (`<c r="CV20001" t="s"><v>123456</v></c>`, 38 bytes, and its text once in
# sharedStrings.xml); measured, a sheet of 20,001 rows by 100 columns of 8-letter values written by openpyxl is
# 113 MB, 56 bytes a cell. 64 bytes a cell, plus 1 MB for the workbook's other parts (styles, theme, properties),
# allows that file and refuses a "zip bomb" that inflates to gigabytes before a byte of it is parsed.
XLSX_BYTES_PER_CELL = 64
XLSX_OTHER_PARTS = 1024 * 1024

# The longest cell and the longest line (one spreadsheet row) a file may have, in characters. A festival's longest
# cells are comments of a few hundred characters; a longer one is a damaged or hostile file. The line limit stays
# under the csv module's own field limit (131,072 characters), so that a record spanning several lines and hitting
# that limit is still a quotation mark left open.
MAX_CELL_CHARS = 10_000
MAX_LINE_CHARS = 100_000

# Files that people rename to .csv or .txt by mistake. They are refused as the wrong kind of file (with advice to
# save as CSV or XLSX) rather than as unreadable text.
_BINARY_SIGNATURES = (
    b"PK\x03\x04",  # zip: .xlsx, .ods, .docx
    b"PK\x05\x06",  # empty zip
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2: .xls, .doc, password-protected .xlsx
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"\x1f\x8b",  # gzip
    b"{\\rtf",
)
# Text files that are documents, not tables: web pages and XML (including the "XML spreadsheet" some programs export).
_MARKUP_STARTS = ("<?xml", "<html", "<!doctype", "<table")

_CSV_DELIMITERS = (",", ";", "\t")
_SNIFF_CHARS = 64 * 1024
_SNIFF_ROWS = 50

# C0 and C1 control characters other than tab, line feed and carriage return: plain text has almost none of them.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.02

_MESSAGES: dict[str, Callable[..., LazyString]] = {
    "wrong-type": lambda **p: _l(
        "The file “%(filename)s” could not be read: it is not a CSV file or an Excel workbook (.xlsx), or it is "
        "damaged. Save it as CSV UTF-8 or as an Excel workbook (.xlsx) and upload it again.",
        **p,
    ),
    "too-large": lambda **p: _l(
        "The workbook “%(filename)s” is too large to import once unpacked: an import takes at most %(rows)s rows "
        "and %(columns)s columns. Copy the sheet to import into a new workbook, or save it as CSV UTF-8, and upload "
        "it again.",
        **p,
    ),
    "too-many-rows": lambda **p: _l(
        "The file “%(filename)s” has more than %(rows)s rows of data. An import takes at most %(rows)s rows and "
        "%(columns)s columns: split the file into smaller files and upload each of them.",
        **p,
    ),
    "too-many-columns": lambda **p: _l(
        "Row %(row)s of the file “%(filename)s” has more than %(columns)s columns. An import takes at most "
        "%(rows)s rows and %(columns)s columns: delete the columns you do not import and upload the file again.",
        **p,
    ),
    "too-long": lambda **p: _l(
        "Row %(row)s of the file “%(filename)s” is too long: an import takes cells of at most %(cell)s characters "
        "and rows of at most %(line)s characters. Check that row in your spreadsheet and upload the file again.",
        **p,
    ),
    "unreadable-encoding": lambda **p: _l(
        "The file “%(filename)s” could not be read: its text is not in an encoding we recognise, or it is not a "
        "text file. Save it as CSV UTF-8 or as an Excel workbook (.xlsx) and upload it again.",
        **p,
    ),
    "unclosed-quote": lambda **p: _l(
        'The file “%(filename)s” could not be read: on row %(row)s a cell opens a quotation mark (") that is never '
        "closed, so the rest of the file would run into that cell. Check that row in your spreadsheet, save it "
        "again as CSV and upload it again.",
        **p,
    ),
    "empty-file": lambda **p: _l(
        "The file “%(filename)s” is empty: it has no row of column names. Put the column names in the first row, "
        "one per column, with your data below, and upload it again.",
        **p,
    ),
    "duplicate-column": lambda **p: _l(
        "Two columns are named “%(column)s” (case, accents and punctuation aside). Give each column its own name, "
        "or delete the extra column, and upload the file again.",
        **p,
    ),
    "unknown-column": lambda **p: _l(
        "The file has no column “%(column)s”. Choose one of the columns of the file you uploaded.",
        **p,
    ),
    "mapping-conflict": lambda **p: _l(
        "The column “%(column)s” is chosen for two fields (%(field)s and %(other_field)s). Choose a different "
        "column for one of them.",
        **p,
    ),
}


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a file an import reads: at most `rows` data rows, each of at most `columns` columns."""

    rows: int = 20_000
    columns: int = 100

    @property
    def xlsx_unpacked(self) -> int:
        """Return the largest unpacked size of a workbook that these limits need, in bytes (see XLSX_BYTES_PER_CELL)."""
        return (self.rows + 1) * self.columns * XLSX_BYTES_PER_CELL + XLSX_OTHER_PARTS

    def params(self) -> dict[str, int]:
        """Return the limits as the messages name them."""
        return {"rows": self.rows, "columns": self.columns}


# The settings' defaults (MFO_IMPORT_MAX_ROWS, MFO_IMPORT_MAX_COLUMNS), for callers outside an app.
DEFAULT_LIMITS = Limits()


class TableError(Exception):
    """A file or column mapping that cannot be imported: a stable code, its parameters and a message for people."""

    def __init__(self, code: str, **params: Any) -> None:
        """Build the error for `code` (a key of the message table) with the parameters its message names."""
        if code not in _MESSAGES:
            raise ValueError(f"unknown table error code: {code!r}")
        self.code = code
        self.params: dict[str, Any] = dict(params)
        # The values are text from the file (its name, a header): escaped when the message is put in a page.
        self.message: LazyString = EscapedMessage(_MESSAGES[code], **params)
        super().__init__(code, self.params)

    def __str__(self) -> str:
        """Return the message in the current locale (English outside a request)."""
        return str(self.message)


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its number as the spreadsheet shows it, and one text value per header."""

    number: int
    values: list[str]

    def get(self, header_index: int | None) -> str:
        """Return the value under the header at `header_index`, or "" when the index is None or out of range."""
        if header_index is None or not 0 <= header_index < len(self.values):
            return ""
        return self.values[header_index]


@dataclass(frozen=True)
class Table:
    """A file read as text: its header row as written and its non-blank data rows, each as long as the header."""

    kind: str  # "csv" or "xlsx"
    encoding: str | None  # the codec that decoded a CSV file; None for a workbook
    headers: list[str]
    rows: list[Row]
    # Numbers of the rows that hold data in a column without a header (past the last header, or under a blank one):
    # that data is not imported, so the caller may warn about it.
    extra_cells: list[int] = field(default_factory=list)
    header_row: int = 1
    delimiter: str | None = None  # the CSV delimiter found; None for a workbook
    sheet: str | None = None  # the worksheet read; None for a CSV file

    def __len__(self) -> int:
        """Return the number of data rows."""
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        """Iterate over the data rows."""
        return iter(self.rows)


def read_table(data: bytes, filename: str, *, sheet: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Table:
    """Read an uploaded CSV or XLSX file into a Table, or raise TableError saying why it cannot be imported.

    The kind of file comes from the extension of `filename` and is checked against the content. For a workbook,
    `sheet` names the worksheet to prefer (compared like headers); the first worksheet is read when it is None or no
    sheet has that name. Reading stops at the first row past `limits` (and at a cell or line over MAX_CELL_CHARS or
    MAX_LINE_CHARS), so the work a file causes is bounded by the limits, not by the file.
    """
    extension = PurePath(filename).suffix.lower()
    if extension not in CSV_EXTENSIONS | XLSX_EXTENSIONS:
        raise TableError("wrong-type", filename=filename)
    if not data:
        raise TableError("empty-file", filename=filename)
    if extension in CSV_EXTENSIONS:
        return _read_csv(data, filename, limits)
    return _read_xlsx(data, filename, sheet, limits)


# --- CSV ---------------------------------------------------------------------------------------------------------


def _read_csv(data: bytes, filename: str, limits: Limits) -> Table:
    """Decode, sniff and parse a CSV file."""
    if data.startswith(_BINARY_SIGNATURES):
        raise TableError("wrong-type", filename=filename)
    text, encoding = _decode(data, filename)
    if text.lstrip()[:20].casefold().startswith(_MARKUP_STARTS):
        raise TableError("wrong-type", filename=filename)
    delimiter = _sniff_delimiter(text)
    records = _csv_records(text, delimiter, filename, limits)
    return _build_table(records, filename, limits, kind="csv", encoding=encoding, delimiter=delimiter)


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    """Return the text of a CSV file and the codec that decoded it."""
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif b"\x00" in data:
        # Text in any 8-bit encoding or UTF-8 has no NUL bytes; UTF-16 without a byte order mark cannot be told apart
        # from binary data reliably.
        raise TableError("unreadable-encoding", filename=filename)
    else:
        # Excel on Windows saves "CSV" in the ANSI code page, which is Windows-1252 in Western Europe and the Americas.
        # Python's cp1252 codec refuses the five bytes that code page leaves undefined, which catches most binary data.
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise TableError("unreadable-encoding", filename=filename)
    if "\x00" in text:
        # The NUL check above sees bytes, and only when there is no byte order mark; here it catches NUL characters
        # in UTF-8 with a BOM and in UTF-16 too. No text file has them, and PostgreSQL cannot store them.
        raise TableError("unreadable-encoding", filename=filename)
    # Old DOS tools end text files with Ctrl-Z.
    text = text.rstrip("\x1a")
    if len(_CONTROL_CHARS.findall(text)) > len(text) * _MAX_CONTROL_SHARE:
        raise TableError("unreadable-encoding", filename=filename)
    return text, encoding


def _sniff_delimiter(text: str) -> str:
    """Return the delimiter (comma, semicolon or tab) that splits the first rows into the most regular table.

    csv.Sniffer guesses from character frequencies and is easily misled by decimal commas or by semicolons inside
    cells, so each candidate is tried instead: the best one gives the header at least two columns and the most rows
    as wide as the header; ties go to the comma. When no delimiter gives two columns, one that leaves every row
    blank (a file of ";;;" lines) wins, so that such a file is read as empty rather than as a column named ";;;".
    """
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    best, best_score = ",", (0.0, 0)
    blank_with = None
    for delimiter in _CSV_DELIMITERS:
        rows: list[list[str]] = []
        try:
            for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
                if any(cell.strip() for cell in row):
                    rows.append(row)
                    if len(rows) >= _SNIFF_ROWS:
                        break
        except csv.Error:
            continue
        if not rows:
            blank_with = blank_with or delimiter
            continue
        if len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(row) == width for row in rows) / len(rows), width)
        if score > best_score:
            best, best_score = delimiter, score
    if best_score == (0.0, 0) and blank_with is not None:
        return blank_with
    return best


class _LineTooLong(Exception):
    """A physical line over MAX_LINE_CHARS: raised by _Lines, turned into TableError("too-long") with its row."""


class _Lines:
    """The physical lines of a text, remembering whether the csv reader asked for a line past the last one."""

    def __init__(self, text: str) -> None:
        """Split `text` on \\n, \\r and \\r\\n only, keeping the line endings for the csv reader."""
        self._buffer = io.StringIO(text, newline="")
        self.exhausted = False
        self.record_chars = 0  # characters handed out since the caller last reset this (one record's)

    def __iter__(self) -> _Lines:
        """Return the iterator itself."""
        return self

    def __next__(self) -> str:
        """Return the next line, noting when there is none left; _LineTooLong for a line over MAX_LINE_CHARS."""
        # readline with a size reads no further than the limit, so one enormous line is never copied whole.
        line = self._buffer.readline(MAX_LINE_CHARS + 1)
        if not line:
            self.exhausted = True
            raise StopIteration
        if len(line) > MAX_LINE_CHARS:
            raise _LineTooLong
        self.record_chars += len(line)
        return line


def _csv_records(text: str, delimiter: str, filename: str, limits: Limits) -> Iterator[list[str]]:
    """Yield the records of a CSV text as lists of stripped cells, one per spreadsheet row (blank rows included)."""
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    while True:
        number += 1
        lines.record_chars = 0
        try:
            record = next(reader)
        except StopIteration:
            return
        except _LineTooLong:
            raise TableError("too-long", filename=filename, row=number, **_length_params()) from None
        except csv.Error as exc:
            # The only error left in lenient mode is a cell over the csv module's size limit (128 KiB), which in
            # practice is a quotation mark left open that swallowed the rest of the file.
            raise TableError("unclosed-quote", filename=filename, row=number) from exc
        if lines.exhausted:
            # A record that needed a line past the end of the file was still inside quotes there. The lenient reader
            # returns it anyway, with every later row folded into one cell; refuse rather than lose those rows.
            raise TableError("unclosed-quote", filename=filename, row=number)
        if lines.record_chars > MAX_LINE_CHARS:
            # Lines each under the limit that make one record over it: quotes that joined many lines into one row.
            raise TableError("unclosed-quote", filename=filename, row=number)
        yield [_clean_text(cell) for cell in _within_columns(record, number, filename, limits)]


def _within_columns(cells: Sequence[Any], number: int, filename: str, limits: Limits) -> Sequence[Any]:
    """Return a record's first `limits.columns` cells, or raise TableError when a cell past them holds a value.

    Blank cells past the limit are common (a CSV line ending in ";;;;", a workbook cell formatted far to the right)
    and are dropped here, before each cell is cleaned one by one: list.count runs in C, so a row padded to 18,000
    empty cells costs no more than one of 100.
    """
    if len(cells) <= limits.columns:
        return cells
    beyond = cells[limits.columns :]
    if beyond.count(None) + beyond.count("") < len(beyond):
        raise TableError("too-many-columns", filename=filename, row=number, **limits.params())
    return cells[: limits.columns]


def _length_params() -> dict[str, int]:
    """Return the cell and line limits as the "too-long" message names them."""
    return {"cell": MAX_CELL_CHARS, "line": MAX_LINE_CHARS}


def _clean_text(text: str) -> str:
    """Strip surrounding whitespace and turn Windows and old Mac line breaks inside a cell into \\n."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


# --- XLSX --------------------------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, filename: str, sheet: str | None, limits: Limits) -> Table:
    """Open a workbook read-only, without evaluating formulas, and read one worksheet."""
    # openpyxl is imported here so that the CSV path and the app's start-up do not pay for it.
    from openpyxl.reader.excel import ExcelReader

    if not data.startswith(b"PK\x03\x04"):
        raise TableError("wrong-type", filename=filename)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise TableError("wrong-type", filename=filename) from exc
    if unpacked > limits.xlsx_unpacked:
        raise TableError("too-large", filename=filename, **limits.params())
    try:
        # data_only=False: a formula arrives as its text and is never evaluated, nor replaced by the value cached
        # by the program that saved the file, which the organizer may not be able to see or trust.
        # load_workbook's steps, with the shared strings counted between reading the manifest and reading them.
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
        reader.read_manifest()
        _check_shared_strings(reader, filename, limits)
        reader.read()
        workbook = reader.wb
    except TableError:
        raise
    except Exception as exc:  # openpyxl raises many kinds of error on damaged or foreign files
        raise TableError("wrong-type", filename=filename) from exc
    try:
        worksheets = list(workbook.worksheets)
        if not worksheets:
            raise TableError("empty-file", filename=filename)
        worksheet = _pick_sheet(worksheets, sheet)
        # The size a workbook declares is sometimes wrong (some programs write "A1"); ignoring it makes openpyxl
        # read every row and cell actually present.
        worksheet.reset_dimensions()
        records = (
            [_cell_text(value) for value in _within_columns(row, number, filename, limits)]
            for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1)
        )
        return _build_table(records, filename, limits, kind="xlsx", encoding=None, sheet=worksheet.title)
    except TableError:
        raise
    except Exception as exc:  # a damaged worksheet fails only while its rows are read
        raise TableError("wrong-type", filename=filename) from exc
    finally:
        # A read-only workbook keeps its zip archive open until closed.
        workbook.close()


class _TooManyStrings(Exception):
    """Raised by the shared-string counter to stop the parser at the first string past the limit."""


def _check_shared_strings(reader: Any, filename: str, limits: Limits) -> None:
    """Raise TableError("too-large") when the workbook's shared strings outnumber the cells the limits allow.

    openpyxl reads every shared string before any row, at about 100 µs a string on a busy machine (measured: a
    46 KB upload of a million one-letter strings took 79 s), and a sheet cannot use more distinct strings than it has
    cells. They are counted first with expat, which only counts, and the count stops at the first one too many.
    """
    from xml.parsers import expat

    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return
    allowed = (limits.rows + 1) * limits.columns
    tag = f"{SHEET_MAIN_NS} si"  # how expat names openpyxl's "{namespace}si" with this separator
    count = 0

    def start(name: str, _attributes: Any) -> None:
        """Count one string; stop the parser past the limit."""
        nonlocal count
        if name == tag:
            count += 1
            if count > allowed:
                raise _TooManyStrings

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    try:
        with reader.archive.open(part.PartName[1:]) as source:
            parser.ParseFile(source)
    except _TooManyStrings:
        raise TableError("too-large", filename=filename, **limits.params()) from None


def _pick_sheet(worksheets: list[Any], wanted: str | None) -> Any:
    """Return the worksheet whose name matches `wanted` like a header would, else the first one."""
    if wanted is not None:
        key = normalise_header(wanted)
        for worksheet in worksheets:
            if normalise_header(worksheet.title) == key:
                return worksheet
    return worksheets[0]


def _cell_text(value: Any) -> str:
    """Return the text of one workbook cell value, as an organizer would type it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dt.datetime):
        value = _round_datetime(value)
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return _round_datetime(dt.datetime.combine(dt.date(2000, 1, 1), value)).time().isoformat()
    if isinstance(value, dt.timedelta):
        # Cells formatted as a duration ([h]:mm:ss) arrive as a timedelta, which may pass 24 hours.
        seconds = round(value.total_seconds())
        sign = "-" if seconds < 0 else ""
        minutes, second = divmod(abs(seconds), 60)
        hours, minute = divmod(minutes, 60)
        return f"{sign}{hours}:{minute:02d}:{second:02d}"
    # Array formulas and what-if data tables arrive as objects; they are formulas too, so they are kept as text.
    if getattr(value, "t", None) == "dataTable":
        return f"=TABLE({value.r1 or ''},{value.r2 or ''})"
    text = getattr(value, "text", None)
    return _clean_text(text if isinstance(text, str) else str(value))


def _float_text(value: float) -> str:
    """Return a float the way a spreadsheet shows it: whole numbers without ".0", at most 15 significant digits."""
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return str(int(value))
    # Spreadsheets keep 15 significant digits; the rest is binary floating point noise (0.1 + 0.2 gives
    # 0.30000000000000004).
    return format(Decimal(format(value, ".15g")), "f")


def _round_datetime(value: dt.datetime) -> dt.datetime:
    """Round to the nearest second: spreadsheet times are fractions of a day and come back a microsecond off."""
    if value.microsecond >= 500_000:
        value += dt.timedelta(seconds=1)
    return value.replace(microsecond=0)


# --- Building the table ------------------------------------------------------------------------------------------


def _build_table(
    records: Iterable[list[str]],
    filename: str,
    limits: Limits,
    *,
    kind: str,
    encoding: str | None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Turn the records of a file (one list of cells per spreadsheet row) into a Table, refusing one past `limits`.

    The records are read one at a time and each limit is checked as soon as it can be passed, so a file far over
    them costs no more than one just over them.
    """
    headers: list[str] | None = None
    header_row = 0
    named: list[bool] = []
    rows: list[Row] = []
    extra_cells: list[int] = []
    for number, cells in enumerate(records, start=1):
        if number > 2 * limits.rows:
            # Blank rows cost little each, but a file of nothing else (or a workbook cell on row 999,999,999, which
            # openpyxl reaches by yielding every empty row above it) must not keep the reader going: a file may
            # have as many blank rows as data rows.
            raise TableError("too-many-rows", filename=filename, **limits.params())
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise TableError("too-long", filename=filename, row=number, **_length_params())
        if headers is None:
            headers, header_row = cells, number
            _check_duplicates(headers)
            named = [bool(header) for header in headers]
            continue
        width = len(headers)
        if len(cells) > width or any(value and not named[index] for index, value in enumerate(cells)):
            extra_cells.append(number)
        values = cells[:width]
        if len(values) < width:
            values.extend([""] * (width - len(values)))
        if len(rows) == limits.rows:
            raise TableError("too-many-rows", filename=filename, **limits.params())
        rows.append(Row(number, values))
    if headers is None:
        raise TableError("empty-file", filename=filename)
    return Table(
        kind=kind,
        encoding=encoding,
        headers=headers,
        rows=rows,
        extra_cells=extra_cells,
        header_row=header_row,
        delimiter=delimiter,
        sheet=sheet,
    )


def _check_duplicates(headers: list[str]) -> None:
    """Raise TableError when two headers name the same column once normalised (blank headers are not compared)."""
    seen: set[str] = set()
    for header in headers:
        key = normalise_header(header)
        if not key:
            continue
        if key in seen:
            raise TableError("duplicate-column", column=header)
        seen.add(key)


# --- Header matching ---------------------------------------------------------------------------------------------


def normalise_header(text: str) -> str:
    """Return the comparable form of a header: casefolded, without accents, words joined by single underscores.

    Every run of characters other than letters and digits (spaces, hyphens, dots, slashes, brackets...) becomes one
    "_", and underscores at the ends are dropped: "Performer First Name" -> "performer_first_name", "Min. age" ->
    "min_age". A header made only of such characters ("#") keeps them, so that it still differs from a blank one.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    name = re.sub(r"[\W_]+", "_", plain).strip("_")
    return name or plain.strip()


@dataclass(frozen=True)
class Column:
    """A field an import expects: its canonical name, whether a file must have it, and other accepted headers."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnMatch:
    """Which header of a file feeds each field of an import."""

    headers: list[str]
    columns: tuple[Column, ...]
    index: dict[str, int]  # field name -> header index

    @property
    def missing_required(self) -> list[str]:
        """The required fields that no header feeds, in the order of the columns."""
        return [column.name for column in self.columns if column.required and column.name not in self.index]

    @property
    def unused_headers(self) -> list[str]:
        """The non-blank headers, as written, that feed no field."""
        used = set(self.index.values())
        return [header for i, header in enumerate(self.headers) if i not in used and header]

    @property
    def mapping(self) -> dict[str, str]:
        """Field name -> header as written: what to remember for the organizer's next file."""
        return {name: self.headers[i] for name, i in self.index.items()}

    def value(self, row: Row, field_name: str) -> str:
        """Return the row's value for a field, or "" when no header feeds that field."""
        return row.get(self.index.get(field_name))

    @classmethod
    def from_mapping(
        cls, headers: list[str], columns: Sequence[Column], mapping: Mapping[str, str | None]
    ) -> ColumnMatch:
        """Build a match from an explicit choice (field name -> header as written; "" or None leaves it unmapped).

        Raises ValueError for a field that is not one of `columns`, TableError("unknown-column") for a header the
        file does not have, and TableError("mapping-conflict") when one header is chosen for two fields.
        """
        columns = tuple(columns)
        names = {column.name for column in columns}
        index: dict[str, int] = {}
        taken: dict[int, str] = {}
        for name, header in mapping.items():
            if name not in names:
                raise ValueError(f"unknown field {name!r}; expected one of {sorted(names)}")
            if not header:
                continue
            if header not in headers:
                raise TableError("unknown-column", column=header)
            position = headers.index(header)
            if position in taken:
                raise TableError("mapping-conflict", column=header, field=taken[position], other_field=name)
            taken[position] = name
            index[name] = position
        return cls(headers=list(headers), columns=columns, index=_in_column_order(index, columns))

    def override(self, field_name: str, header: str | None) -> ColumnMatch:
        """Return a copy where `field_name` is fed by `header` (or by nothing when it is "" or None)."""
        return ColumnMatch.from_mapping(self.headers, self.columns, {**self.mapping, field_name: header})


def match_columns(
    headers: list[str], columns: Sequence[Column], remembered: Mapping[str, str] | None = None
) -> ColumnMatch:
    """Match a file's headers to an import's fields, each header feeding at most one field.

    Each field takes, in this order of preference: the header remembered for it from an earlier file (field name ->
    header as written; used when this file has that header, compared exactly and then normalised), then the header
    whose normalised form is the field's name, then one that is one of its aliases. A stage finishes for every field
    before the next begins, so a field's own name wins over another field's alias.
    """
    columns = tuple(columns)
    keys = [normalise_header(header) for header in headers]
    index: dict[str, int] = {}
    taken: set[int] = set()

    def take(name: str, candidates: Iterable[int]) -> None:
        """Give `name` the first free header among the candidate positions."""
        for position in candidates:
            if position not in taken:
                index[name] = position
                taken.add(position)
                return

    for column in columns:
        header = (remembered or {}).get(column.name)
        if header:
            key = normalise_header(header)
            exact = [i for i, text in enumerate(headers) if text == header]
            take(column.name, exact + [i for i, k in enumerate(keys) if key and k == key])
    for column in columns:
        if column.name not in index:
            key = normalise_header(column.name)
            take(column.name, [i for i, k in enumerate(keys) if k == key])
    for column in columns:
        if column.name not in index:
            aliases = {normalise_header(alias) for alias in column.aliases} - {""}
            take(column.name, [i for i, k in enumerate(keys) if k in aliases])
    return ColumnMatch(headers=list(headers), columns=columns, index=_in_column_order(index, columns))


def _in_column_order(index: dict[str, int], columns: tuple[Column, ...]) -> dict[str, int]:
    """Return the index ordered like the columns, so that mappings read in the import's order."""
    return {column.name: index[column.name] for column in columns if column.name in index}
