"""Reading uploaded CSV and XLSX files into tables, the errors for files that cannot be imported, header matching."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl
import openpyxl.reader.excel
import pytest
from flask_babel.speaklater import LazyString

from mfo.config import DefaultConfig
from mfo.imports import tabular
from mfo.imports.tabular import (
    DEFAULT_LIMITS,
    Column,
    ColumnMatch,
    Limits,
    Row,
    Table,
    TableError,
    match_columns,
    normalise_header,
    read_table,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n%%EOF\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def xlsx(rows: list[list[Any]] | None = None, *, sheets: dict[str, list[list[Any]]] | None = None) -> bytes:
    """Return the bytes of a workbook made with openpyxl: `rows` from A1 down, or one sheet per entry of `sheets`."""
    workbook = openpyxl.Workbook()
    content = sheets if sheets is not None else {"Sheet": rows or []}
    workbook.remove(workbook.active)
    for title, sheet_rows in content.items():
        worksheet = workbook.create_sheet(title)
        for row_number, row in enumerate(sheet_rows, start=1):
            for column_number, value in enumerate(row, start=1):
                if value is not None:
                    worksheet.cell(row=row_number, column=column_number, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_part(data: bytes, part: str, edit: Any) -> bytes:
    """Return a copy of a zip archive in which the text of one member has been passed through `edit`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                content = edit(content.decode()).encode()
            target.writestr(info, content)
    return buffer.getvalue()


def zip_of(files: dict[str, str]) -> bytes:
    """Return the bytes of a zip archive holding the given text files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def values(table: Table) -> list[tuple[int, list[str]]]:
    """Return each row of a table as (row number, values)."""
    return [(row.number, row.values) for row in table.rows]


def error_of(data: bytes, filename: str, **kwargs: Any) -> TableError:
    """Return the TableError that reading the file raises."""
    with pytest.raises(TableError) as caught:
        read_table(data, filename, **kwargs)
    return caught.value


# --- Files that cannot be imported ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        pytest.param(PNG, "entries.csv", id="png-named-csv"),
        pytest.param(PDF, "entries.csv", id="pdf-named-csv"),
        pytest.param(PDF, "syllabus.pdf", id="pdf"),
        pytest.param(OLE2, "entries.xls", id="old-excel"),
        pytest.param(b"Name,Age\nAda,12\n", "entries.xls", id="csv-text-named-xls"),
        pytest.param(OLE2, "entries.xlsx", id="old-excel-named-xlsx"),
        pytest.param(OLE2, "entries.csv", id="old-excel-named-csv"),
        pytest.param(zip_of({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}), "e.ods", id="ods"),
        pytest.param(zip_of({"hello.txt": "hello"}), "entries.xlsx", id="zip-not-workbook"),
        pytest.param(
            zip_of(
                {
                    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
                    "word/document.xml": "<document/>",
                }
            ),
            "entries.xlsx",
            id="docx-named-xlsx",
        ),
        pytest.param(b"Name,Age\nAda,12\n", "entries.xlsx", id="csv-text-named-xlsx"),
        pytest.param(xlsx([["Name"], ["Ada"]]), "entries.csv", id="xlsx-named-csv"),
        pytest.param(xlsx([["Name"], ["Ada"]])[:600], "entries.xlsx", id="truncated-xlsx"),
        pytest.param(b"<!DOCTYPE html><html><table><tr><td>Name</td></tr></table>", "export.csv", id="html-named-csv"),
        pytest.param(b'<?xml version="1.0"?><Workbook></Workbook>', "export.txt", id="xml-spreadsheet"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", "photo.csv", id="jpeg-named-csv"),
        pytest.param(b"Name,Age\nAda,12\n", "entries", id="no-extension"),
        pytest.param(b"Name,Age\nAda,12\n", "entries.ods", id="ods-name"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_the_wrong_type(data: bytes, filename: str) -> None:
    """Images, PDFs, old .xls, other zips and unknown extensions are refused as the wrong kind of file."""
    error = error_of(data, filename)
    assert error.code == "wrong-type"
    assert error.params == {"filename": filename}
    assert f"“{filename}”" in str(error)
    assert "Save it as CSV UTF-8 or as an Excel workbook (.xlsx)" in str(error)


def test_a_damaged_worksheet_is_the_wrong_type() -> None:
    """A workbook whose sheet XML is broken fails while its rows are read, and is refused, not half-read."""
    data = rewrite_part(xlsx([["Name"], ["Ada"]]), "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2])
    assert error_of(data, "entries.xlsx").code == "wrong-type"


def test_a_workbook_that_unpacks_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unpacked size of a workbook is bounded, so a small upload cannot inflate into gigabytes of XML."""
    monkeypatch.setattr(tabular, "XLSX_OTHER_PARTS", 1000)
    error = error_of(xlsx([["Name"], ["Ada"]]), "entries.xlsx", limits=Limits(rows=1, columns=1))
    assert error.code == "too-large"
    assert "save it as CSV UTF-8" in str(error)


def test_the_unpacked_size_a_workbook_may_have_follows_the_limits() -> None:
    """64 bytes a cell of the largest file accepted, and 1 MB for the rest: 129 MB at the defaults."""
    assert Limits(DefaultConfig.MFO_IMPORT_MAX_ROWS, DefaultConfig.MFO_IMPORT_MAX_COLUMNS) == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.xlsx_unpacked == 20_001 * 100 * 64 + 1024 * 1024
    assert Limits(rows=10, columns=2).xlsx_unpacked < DEFAULT_LIMITS.xlsx_unpacked


SMALL = Limits(rows=3, columns=2)


def csv_of(lines: list[str]) -> bytes:
    """Return CSV bytes of these lines."""
    return ("\n".join(lines) + "\n").encode()


def with_shared_strings(data: bytes, count: int) -> bytes:
    """Return a copy of a workbook given a shared-strings part of `count` one-letter strings, as Excel writes them."""
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<si><t>a</t></si>" * count
        + "</sst>"
    )
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{content_type}"/></Types>'
    data = rewrite_part(data, "[Content_Types].xml", lambda xml: xml.replace("</Types>", override))
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", strings)
    return buffer.getvalue()


def test_shared_strings_past_the_cells_the_limits_allow_are_refused_before_openpyxl_reads_them() -> None:
    """A sheet of 4 rows by 2 columns uses at most 8 distinct strings: a ninth is a workbook too large to import."""
    base = xlsx([["a", "b"], ["1", "2"]])
    assert len(read_table(with_shared_strings(base, 8), "e.xlsx", limits=SMALL)) == 1
    assert error_of(with_shared_strings(base, 9), "e.xlsx", limits=SMALL).code == "too-large"
    # A small upload of a million strings (openpyxl takes over a minute to read them): refused at the default limits'
    # two million cells only if over them, so here with limits of 100 by 100 it is refused at the 10,101st string.
    bomb = with_shared_strings(base, 1_000_000)
    assert len(bomb) < 100_000
    assert error_of(bomb, "e.xlsx", limits=Limits(rows=100, columns=100)).code == "too-large"


def test_rows_past_the_limit_are_refused_without_reading_the_rest() -> None:
    """The fourth data row stops the reader: the quotation mark left open further down is never reached."""
    assert len(read_table(csv_of(["a,b", "1,2", "3,4", "5,6"]), "e.csv", limits=SMALL)) == 3
    error = error_of(csv_of(["a,b", "1,2", "3,4", "5,6", "7,8", '9,"never closed']), "e.csv", limits=SMALL)
    assert error.code == "too-many-rows"
    assert error.params == {"filename": "e.csv", "rows": 3, "columns": 2}
    assert "at most 3 rows and 2 columns" in str(error)


def test_a_file_of_blank_rows_is_refused_once_it_has_twice_the_limit() -> None:
    """Blank rows are skipped, but not forever: a file may have as many blank rows as data rows."""
    assert len(read_table(csv_of(["a,b", "1,2", "", "", ""]), "e.csv", limits=SMALL)) == 1
    assert error_of(csv_of(["a,b"] + [",,"] * 6), "e.csv", limits=SMALL).code == "too-many-rows"


def test_a_workbook_cell_far_down_is_refused_without_reading_the_rows_above() -> None:
    """openpyxl yields every empty row above a cell on row 999,999,999: the reader stops at twice the limit."""
    far_down = rewrite_part(
        xlsx([["Name"], ["Ada"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace('r="2"', 'r="999999999"').replace('r="A2"', 'r="A999999999"'),
    )
    assert error_of(far_down, "entries.xlsx", limits=SMALL).code == "too-many-rows"


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        pytest.param(csv_of(["a,b,c", "1,2,3"]), "e.csv", id="csv-header"),
        pytest.param(csv_of(["a,b", "1,2,3"]), "e.csv", id="csv-data-row"),
        pytest.param(xlsx([["a", "b", "c"]]), "e.xlsx", id="xlsx-header"),
        pytest.param(xlsx([["a", "b"], ["1", None, None, None, "far right"]]), "e.xlsx", id="xlsx-far-right"),
    ],
)
def test_columns_past_the_limit_are_refused(data: bytes, filename: str) -> None:
    """A value in a column past the limit, in the header or any row, is refused with its row and the limits."""
    error = error_of(data, filename, limits=SMALL)
    assert error.code == "too-many-columns"
    assert "at most 3 rows and 2 columns" in str(error)


def test_blank_cells_past_the_column_limit_are_dropped() -> None:
    """Empty cells at the end of a line (";;;;" padding) do not count as columns."""
    table = read_table(csv_of(["a,b" + "," * 50, "1,2" + "," * 50]), "e.csv", limits=SMALL)
    assert table.headers == ["a", "b"]
    assert values(table) == [(2, ["1", "2"])]


def test_an_enormous_line_or_cell_is_refused_as_too_long() -> None:
    """A line over MAX_LINE_CHARS stops the reader at that line; a cell over MAX_CELL_CHARS is refused too."""
    line = error_of(b"a,b\n1," + b"x" * (tabular.MAX_LINE_CHARS + 1) + b"\n", "e.csv")
    assert (line.code, line.params["row"]) == ("too-long", 2)
    assert "rows of at most 100000 characters" in str(line)
    cell = error_of(b"a,b\n1,2\n3," + b"x" * (tabular.MAX_CELL_CHARS + 1) + b"\n", "e.csv")
    assert (cell.code, cell.params["row"]) == ("too-long", 3)
    assert error_of(xlsx([["a", "b"], ["1", "x" * (tabular.MAX_CELL_CHARS + 1)]]), "e.xlsx").code == "too-long"
    # Within the limits, a long cell is data.
    assert read_table(b"a,b\n1," + b"x" * tabular.MAX_CELL_CHARS + b"\n", "e.csv").rows[0].values[1] == "x" * 10_000


@pytest.mark.parametrize(
    "prefix, encoding",
    [
        pytest.param(b"", "utf-8", id="utf-8"),
        pytest.param(codecs.BOM_UTF8, "utf-8", id="utf-8-bom"),
        pytest.param(codecs.BOM_UTF16_LE, "utf-16-le", id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE, "utf-16-be", id="utf-16-be-bom"),
    ],
)
def test_a_nul_character_is_refused_whatever_the_encoding(prefix: bytes, encoding: str) -> None:
    """One NUL among ordinary text (too few control characters to look binary) is refused on every path."""
    text = "Name,Notes\n" + "Ada,an ordinary note\n" * 10 + "Bob,a\x00b\n"
    assert error_of(prefix + text.encode(encoding), "entries.csv").code == "unreadable-encoding"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes(range(256)) * 4, id="binary-with-nul"),
        pytest.param(b"Name,Age\n\x81\x8d\x8f\x90\x9d,12\n", id="undefined-cp1252-bytes"),
        pytest.param(("Name,Age\n" + "\x01\x02\x03\x04,\x05\x06\n" * 20).encode(), id="control-characters"),
        pytest.param("Name,Age\nAda,12\n".encode("utf-16-le"), id="utf-16-without-bom"),
        pytest.param(codecs.BOM_UTF16_LE + b"N\x00\x00\xd8", id="utf-16-lone-surrogate"),
        pytest.param(codecs.BOM_UTF8 + b"Name\n\xff\xfe\n", id="utf-8-bom-then-invalid"),
    ],
)
def test_binary_or_undecodable_text_is_an_unreadable_encoding(data: bytes) -> None:
    """Bytes that no accepted encoding turns into plain text are refused with advice to save as CSV UTF-8."""
    error = error_of(data, "entries.csv")
    assert error.code == "unreadable-encoding"
    assert "Save it as CSV UTF-8" in str(error)


def test_a_few_control_characters_do_not_make_text_unreadable() -> None:
    """One stray control character in a real file is kept as data, and a trailing Ctrl-Z is dropped."""
    data = ("Name,Notes\n" + "".join(f"Performer {n},plays well\n" for n in range(20)) + "Ada,a\x0bb\n\x1a").encode()
    table = read_table(data, "entries.csv")
    assert table.rows[-1].values == ["Ada", "a\x0bb"]
    assert len(table) == 21


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        pytest.param(b"", "entries.csv", id="zero-bytes-csv"),
        pytest.param(b"", "entries.xlsx", id="zero-bytes-xlsx"),
        pytest.param(codecs.BOM_UTF8, "entries.csv", id="bom-only"),
        pytest.param(b"\n\n  \r\n\t\n", "entries.csv", id="blank-lines"),
        pytest.param(b",,,\n , ,\n", "entries.txt", id="empty-cells-only"),
        pytest.param(b";;;\n\t;\n", "entries.csv", id="empty-cells-semicolons"),
        pytest.param(xlsx([]), "entries.xlsx", id="xlsx-empty-sheet"),
        pytest.param(xlsx([[None, "  "], [], [" "]]), "entries.xlsx", id="xlsx-blank-cells-only"),
    ],
)
def test_files_without_a_header_row_are_empty(data: bytes, filename: str) -> None:
    """A file with no non-blank row has no header and is refused as empty."""
    error = error_of(data, filename)
    assert error.code == "empty-file"
    assert "first row" in str(error)


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Name,Age,name", "name"),
        ("Min. age,Class,min age", "min age"),
        ("Élève,Classe,ELEVE", "ELEVE"),
        ("First Name;Last-Name;last_name", "last_name"),
    ],
)
def test_duplicate_columns_are_refused_and_named(header: str, column: str) -> None:
    """Two headers that normalise alike would feed one field twice: the second one is named in the error."""
    error = error_of(f"{header}\n1,2,3\n".encode(), "entries.csv")
    assert error.code == "duplicate-column"
    assert error.params == {"column": column}
    assert f"“{column}”" in str(error)


def test_duplicate_columns_in_a_workbook_are_refused() -> None:
    """Workbooks are checked for duplicate headers like CSV files."""
    error = error_of(xlsx([["Name", "NAME"], ["Ada", "Lovelace"]]), "entries.xlsx")
    assert (error.code, error.params) == ("duplicate-column", {"column": "NAME"})


def test_blank_headers_are_not_duplicates_of_each_other() -> None:
    """Blank header cells do not clash; data under them is flagged as extra cells instead."""
    table = read_table(b"Name,,Age,,Notes\nAda,,12,oops,\n", "entries.csv")
    assert table.headers == ["Name", "", "Age", "", "Notes"]
    assert values(table) == [(2, ["Ada", "", "12", "oops", ""])]
    assert table.extra_cells == [2]


@pytest.mark.parametrize(
    ("data", "row"),
    [
        pytest.param(b'Name,Notes\nAda,fine\nBob,"unclosed\nCy,3\nDee,4\n', 3, id="unclosed-at-the-end"),
        # Lines under the line limit that an open quote joins into one cell over the csv module's limit.
        pytest.param(b'Name,Notes\nAda,"' + (b"x" * 99 + b"\n") * 1400 + b"Bob,2\n", 2, id="runaway-cell-over-the-limit"),
    ],
)
def test_an_unclosed_quote_is_refused_with_its_row(data: bytes, row: int) -> None:
    """A quotation mark never closed would fold every later row into one cell: refused, naming the row."""
    error = error_of(data, "entries.csv")
    assert (error.code, error.params) == ("unclosed-quote", {"filename": "entries.csv", "row": row})
    assert f"on row {row}" in str(error)


def test_header_without_rows_is_a_table_with_no_rows() -> None:
    """A header with no data is not an error: the caller decides what an empty import means."""
    table = read_table(b"Name,Age\n\n,\n", "entries.csv")
    assert table.headers == ["Name", "Age"]
    assert len(table) == 0
    assert table.rows == []
    assert read_table(xlsx([["Name", "Age"]]), "entries.xlsx").headers == ["Name", "Age"]


# --- TableError --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "params"),
    [
        ("wrong-type", {"filename": "a.pdf"}),
        ("too-large", {"filename": "a.xlsx", "rows": 20000, "columns": 100}),
        ("unreadable-encoding", {"filename": "a.csv"}),
        ("unclosed-quote", {"filename": "a.csv", "row": 7}),
        ("empty-file", {"filename": "a.csv"}),
        ("duplicate-column", {"column": "Name"}),
        ("unknown-column", {"column": "Name"}),
        ("mapping-conflict", {"column": "Name", "field": "first_name", "other_field": "last_name"}),
    ],
)
def test_every_error_renders_its_message_with_its_parameters(code: str, params: dict[str, Any]) -> None:
    """Each code has a lazy English message (no request needed) into which its parameters are filled."""
    error = TableError(code, **params)
    assert error.code == code
    assert error.params == params
    assert str(error) == str(error.message)
    assert "%(" not in str(error)
    for value in params.values():
        assert str(value) in str(error)
    # The message is lazy, so that it renders in the organizer's language when shown, and escaped in a page.
    assert isinstance(error.message, LazyString)
    assert hasattr(error.message, "__html__")


def test_the_values_in_a_message_are_escaped_when_put_in_a_page() -> None:
    """A file name or header holding HTML is text in the page: Jinja escapes the message as a whole."""
    from markupsafe import escape

    html = "<img src=x onerror=alert(1)><b>bold</b>"
    for error in (TableError("wrong-type", filename=html), TableError("duplicate-column", column=html)):
        shown = str(escape(error.message))
        assert "&lt;img src=x" in shown
        assert "<img" not in shown and "<b>" not in shown
        assert html in str(error)  # plain text (the command line, logs) stays as written


def test_an_unknown_error_code_is_a_programming_error() -> None:
    """Codes are a fixed set: a typo fails loudly instead of showing an empty message."""
    with pytest.raises(ValueError, match="unknown table error code"):
        TableError("no-such-code")


# --- CSV that reads ----------------------------------------------------------------------------------------------

FRENCH = "Nom;Prénom;Œuvre;Remarque\nDupont;Héloïse;Cœur d’amour;l’été\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param(FRENCH.encode("utf-8"), "utf-8", id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "utf-8-sig", id="utf-8-bom"),
        pytest.param(codecs.BOM_UTF16_LE + FRENCH.encode("utf-16-le"), "utf-16", id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be"), "utf-16", id="utf-16-be-bom"),
        pytest.param(FRENCH.encode("cp1252"), "cp1252", id="windows-1252"),
    ],
)
def test_text_encodings_are_decoded_and_recorded(data: bytes, encoding: str) -> None:
    """UTF-8 with or without BOM, UTF-16 with BOM and Windows-1252 (é, œ, ’) all read the same text."""
    table = read_table(data, "entries.csv")
    assert table.kind == "csv"
    assert table.encoding == encoding
    assert table.headers == ["Nom", "Prénom", "Œuvre", "Remarque"]
    assert values(table) == [(2, ["Dupont", "Héloïse", "Cœur d’amour", "l’été"])]


def test_windows_1252_bytes_for_accents_and_typographic_quotes() -> None:
    """The bytes Excel writes on Windows for é, œ and ’ (0xE9, 0x9C, 0x92) decode to those characters."""
    table = read_table(b"Name,Piece\nRen\xe9e,C\x9cur d\x92amour\n", "entries.csv")
    assert table.encoding == "cp1252"
    assert table.rows[0].values == ["Renée", "Cœur d’amour"]


@pytest.mark.parametrize(
    ("text", "delimiter", "expected"),
    [
        pytest.param("Nom;Frais;Note\nDupont;12,50;8,5\n", ";", ["Dupont", "12,50", "8,5"], id="semicolon"),
        pytest.param("Name\tFee\tNote\nAda\t12.50\ta, b\n", "\t", ["Ada", "12.50", "a, b"], id="tab"),
        pytest.param(
            'Class,Pieces,Fee\n101,"A - B; C - D",12\n', ",", ["101", "A - B; C - D", "12"], id="comma-with-semicolons"
        ),
        pytest.param(
            'Classe;Pièces\n101;"Ave Maria, op. 52 - Schubert"\n',
            ";",
            ["101", "Ave Maria, op. 52 - Schubert"],
            id="semicolon-with-commas",
        ),
        pytest.param("Name\nAda Lovelace\n", ",", ["Ada Lovelace"], id="one-column"),
    ],
)
def test_the_delimiter_is_sniffed(text: str, delimiter: str, expected: list[str]) -> None:
    """Comma, semicolon (French exports, decimal commas) and tab are told apart; one column falls back to comma."""
    table = read_table(text.encode(), "entries.csv")
    assert table.delimiter == delimiter
    assert table.rows[0].values == expected


def test_quoted_cells_hold_delimiters_quotes_and_line_breaks() -> None:
    """RFC 4180 quoting: commas, doubled quotes and line breaks inside a cell; the row after keeps its number."""
    data = b'Name,Notes,Pieces\r\n"Lovelace, Ada","She said ""bravo""","Line one\r\nLine two"\r\nBob,plain,"x"\r\n'
    table = read_table(data, "entries.csv")
    assert values(table) == [
        (2, ["Lovelace, Ada", 'She said "bravo"', "Line one\nLine two"]),
        (3, ["Bob", "plain", "x"]),
    ]


def test_blank_rows_are_skipped_but_counted() -> None:
    """Row numbers are those the organizer sees in the spreadsheet, blank rows and a late header included."""
    data = b"\n,,\nName,Age\nAda,12\n\n , \nBob,13\n"
    table = read_table(data, "entries.csv")
    assert table.header_row == 3
    assert values(table) == [(4, ["Ada", "12"]), (7, ["Bob", "13"])]


def test_cells_are_stripped_and_rows_padded_to_the_header() -> None:
    """Whitespace around cells and headers goes, and short rows get "" for their missing cells."""
    table = read_table(b" Name , Age ,Class\n  Ada  ,12\nBob\n", "entries.csv")
    assert table.headers == ["Name", "Age", "Class"]
    assert values(table) == [(2, ["Ada", "12", ""]), (3, ["Bob", "", ""])]


def test_extra_cells_are_recorded_only_when_they_hold_data() -> None:
    """Cells past the header are dropped from the values; rows where they held data are listed for a warning."""
    table = read_table(b"Name,Age,,\nAda,12,,\nBob,13,,late\nCy,14\n", "entries.csv")
    assert table.headers == ["Name", "Age"]
    assert values(table) == [(2, ["Ada", "12"]), (3, ["Bob", "13"]), (4, ["Cy", "14"])]
    assert table.extra_cells == [3]


def test_row_get_and_table_protocols() -> None:
    """Row.get gives "" outside the row or for no index; a table has a length and iterates over its rows."""
    row = Row(5, ["a", "b"])
    assert (row.get(0), row.get(1), row.get(2), row.get(-1), row.get(None)) == ("a", "b", "", "", "")
    table = read_table(b"x\n1\n2\n", "numbers.txt")
    assert len(table) == 2
    assert [row.number for row in table] == [2, 3]


# --- XLSX that reads ---------------------------------------------------------------------------------------------


def test_workbook_cells_become_text() -> None:
    """Numbers, dates, times, durations and booleans become the text an organizer would type."""
    data = xlsx(
        [
            ["Int", "Whole float", "Float", "Noisy", "Date", "Midnight", "Datetime", "Time", "Duration", "Yes", "No"],
            [
                12,
                12.0,
                12.5,
                0.1 + 0.2,
                dt.date(2015, 3, 4),
                dt.datetime(2015, 3, 4),
                dt.datetime(2015, 3, 4, 10, 30),
                dt.time(0, 4, 5),
                dt.timedelta(hours=26, minutes=4, seconds=5),
                True,
                False,
            ],
            ["  padded  ", 1e-05, -3.25, 1234567.891, None, None, None, None, None, None, None],
        ]
    )
    table = read_table(data, "entries.xlsx")
    assert table.kind == "xlsx"
    assert table.encoding is None
    assert table.sheet == "Sheet"
    assert values(table) == [
        (
            2,
            [
                "12",
                "12",
                "12.5",
                "0.3",
                "2015-03-04",
                "2015-03-04",
                "2015-03-04T10:30:00",
                "00:04:05",
                "26:04:05",
                "TRUE",
                "FALSE",
            ],
        ),
        (3, ["padded", "0.00001", "-3.25", "1234567.891", "", "", "", "", "", "", ""]),
    ]


def test_formulas_are_read_as_text_and_never_evaluated() -> None:
    """A formula is kept as written, even when the file carries a value cached by the program that saved it."""
    data = xlsx([["Sum", "Link"], ["=1+1", '=HYPERLINK("http://x","y")']])
    # openpyxl saves formulas without a cached value; give =1+1 the cached 2 that Excel would have written.
    data = rewrite_part(
        data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace("<f>1+1</f><v />", "<f>1+1</f><v>2</v>")
    )
    assert "<v>2</v>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    table = read_table(data, "entries.xlsx")
    assert table.rows[0].values == ["=1+1", '=HYPERLINK("http://x","y")']


def test_workbook_rows_keep_their_numbers() -> None:
    """Blank rows above the header and between data rows are skipped but counted, as in the spreadsheet."""
    data = xlsx([[], [None, None], ["Name", "Age"], ["Ada", 12], [], [None, "  "], ["Bob", 13]])
    table = read_table(data, "entries.xlsx")
    assert table.header_row == 3
    assert values(table) == [(4, ["Ada", "12"]), (7, ["Bob", "13"])]


def test_workbook_extra_cells_and_padding() -> None:
    """Short workbook rows are padded and data past the header is flagged, as for CSV."""
    data = xlsx([["Name", "Age"], ["Ada"], ["Bob", 13, None, "late"]])
    table = read_table(data, "entries.xlsx")
    assert values(table) == [(2, ["Ada", ""]), (3, ["Bob", "13"])]
    assert table.extra_cells == [3]


def test_a_wrong_declared_size_does_not_hide_rows() -> None:
    """Some programs declare a sheet size of A1; every row actually present is still read."""
    data = xlsx([["Name", "Age"], ["Ada", 12], ["Bob", 13]])
    data = rewrite_part(
        data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace('<dimension ref="A1:B3" />', '<dimension ref="A1" />')
    )
    table = read_table(data, "entries.xlsx")
    assert values(table) == [(2, ["Ada", "12"]), (3, ["Bob", "13"])]


def test_the_sheet_named_like_the_import_is_read() -> None:
    """A sheet whose name matches (like a header: case, accents, spaces) is preferred; otherwise the first sheet."""
    data = xlsx(sheets={"Read me": [["Notes"], ["hello"]], "Entrées 2026": [["Name"], ["Ada"]]})
    assert read_table(data, "festival.xlsx", sheet="entrees-2026").sheet == "Entrées 2026"
    assert read_table(data, "festival.xlsx", sheet="entrees-2026").rows[0].values == ["Ada"]
    assert read_table(data, "festival.xlsx", sheet="syllabus").sheet == "Read me"
    assert read_table(data, "festival.xlsx").headers == ["Notes"]


class _ClosingSpy:
    """Wraps openpyxl's ExcelReader (load_workbook's steps) and records whether each workbook it opened was closed."""

    def __init__(self) -> None:
        """Start with no workbook opened."""
        self.opened: list[Any] = []
        self.closed = 0
        self.real = openpyxl.reader.excel.ExcelReader

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Make the reader for real, checking the options, and count the close() of the workbook it reads."""
        assert kwargs == {"read_only": True, "data_only": False}
        reader = self.real(*args, **kwargs)
        real_read = reader.read

        def read() -> None:
            """Read the workbook for real, then watch its close()."""
            real_read()
            workbook = reader.wb
            real_close = workbook.close

            def close() -> None:
                """Count the close, then close the workbook for real."""
                self.closed += 1
                real_close()

            workbook.close = close
            self.opened.append(workbook)

        reader.read = read
        return reader


@pytest.mark.parametrize(
    ("rows", "code"),
    [([["Name"], ["Ada"]], None), ([["Name", "name"], ["Ada", "x"]], "duplicate-column"), ([], "empty-file")],
)
def test_the_workbook_is_opened_read_only_and_always_closed(
    monkeypatch: pytest.MonkeyPatch, rows: list[list[Any]], code: str | None
) -> None:
    """Read-only workbooks keep their zip open: it is closed after reading, and after an error too."""
    spy = _ClosingSpy()
    monkeypatch.setattr(openpyxl.reader.excel, "ExcelReader", spy)
    if code is None:
        read_table(xlsx(rows), "entries.xlsx")
    else:
        assert error_of(xlsx(rows), "entries.xlsx").code == code
    assert len(spy.opened) == 1
    assert spy.closed == 1


# --- Header matching ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Performer First Name", "performer_first_name"),
        ("Min. age", "min_age"),
        ("  Prénom de l'élève ", "prenom_de_l_eleve"),
        ("E-mail", "e_mail"),
        ("Date/Time", "date_time"),
        ("CLASS  --  number", "class_number"),
        ("Fee ($)", "fee"),
        ("__Œuvre__", "œuvre"),
        ("Straße", "strasse"),
        ("#", "#"),
        ("", ""),
    ],
)
def test_normalise_header(text: str, expected: str) -> None:
    """Headers compare without case, accents or punctuation, words joined by single underscores."""
    assert normalise_header(text) == expected


COLUMNS = (
    Column("class_number", required=True, aliases=("class", "classe", "no_de_classe")),
    Column("performer_first_name", required=True, aliases=("first_name", "prenom")),
    Column("performer_last_name", required=True, aliases=("last_name", "nom")),
    Column("teacher_email", aliases=("email",)),
    Column("notes"),
)


def test_headers_match_by_name_ignoring_case_accents_and_spaces() -> None:
    """Headers written with other case, spaces, hyphens or accents match the canonical names."""
    headers = ["CLASS NUMBER", "Performer First-Name", "performer last name", "Notes", "Comments"]
    match = match_columns(headers, COLUMNS)
    assert match.index == {"class_number": 0, "performer_first_name": 1, "performer_last_name": 2, "notes": 3}
    assert match.missing_required == []
    assert match.unused_headers == ["Comments"]
    assert match.mapping == {
        "class_number": "CLASS NUMBER",
        "performer_first_name": "Performer First-Name",
        "performer_last_name": "performer last name",
        "notes": "Notes",
    }


def test_headers_match_by_alias() -> None:
    """Aliases let a French file ("Classe", "Prénom", "Nom", "E-mail") feed the canonical fields."""
    match = match_columns(["Classe", "Prénom", "Nom", "Email"], COLUMNS)
    assert match.index == {"class_number": 0, "performer_first_name": 1, "performer_last_name": 2, "teacher_email": 3}


def test_a_fields_own_name_beats_another_fields_alias() -> None:
    """Name matches are made for every field before alias matches, whatever the order of the columns."""
    columns = (Column("first", aliases=("name",)), Column("name"))
    match = match_columns(["name", "other"], columns)
    assert match.index == {"name": 0}
    assert match.unused_headers == ["other"]


def test_each_header_feeds_at_most_one_field() -> None:
    """Two fields sharing an alias: the first takes the header, the second stays unmapped."""
    columns = (Column("home_phone", aliases=("phone",)), Column("mobile_phone", aliases=("phone",)))
    match = match_columns(["Phone"], columns)
    assert match.index == {"home_phone": 0}
    assert match.unused_headers == []


def test_a_remembered_mapping_wins_when_its_header_is_in_the_file() -> None:
    """The organizer's earlier choice beats name and alias matches; it is ignored when the header is absent."""
    headers = ["Class", "Given", "Family", "Last Name"]
    remembered = {"performer_first_name": "Given", "performer_last_name": "Family", "notes": "Remarks"}
    match = match_columns(headers, COLUMNS, remembered)
    assert match.index == {"class_number": 0, "performer_first_name": 1, "performer_last_name": 2}
    assert match.unused_headers == ["Last Name"]
    # Compared exactly first, then like any header.
    assert match_columns(["GIVEN"], COLUMNS, {"performer_first_name": "Given"}).index == {"performer_first_name": 0}


def test_a_remembered_header_is_taken_from_the_field_that_would_match_it_by_name() -> None:
    """A remembered header is given out first, so the field whose name it is falls back to its aliases."""
    remembered = {"performer_first_name": "Performer last name"}
    match = match_columns(["Performer last name", "Nom"], COLUMNS, remembered)
    assert match.index == {"performer_first_name": 0, "performer_last_name": 1}


def test_missing_required_fields_are_named() -> None:
    """Required fields without a header are listed in the columns' order; optional ones are not."""
    match = match_columns(["Prénom", "Something"], COLUMNS)
    assert match.missing_required == ["class_number", "performer_last_name"]
    assert match.unused_headers == ["Something"]


def test_blank_headers_are_never_matched_nor_reported_unused() -> None:
    """A blank header cell feeds no field and is not listed as unused."""
    match = match_columns(["", "Notes", ""], COLUMNS)
    assert match.index == {"notes": 1}
    assert match.unused_headers == []


def test_value_reads_a_field_from_a_row() -> None:
    """ColumnMatch.value gives the row's cell for a mapped field and "" for a field with no header."""
    match = match_columns(["Nom", "Classe"], COLUMNS)
    row = Row(2, ["Dupont", "101A"])
    assert match.value(row, "performer_last_name") == "Dupont"
    assert match.value(row, "class_number") == "101A"
    assert match.value(row, "notes") == ""


def test_from_mapping_builds_the_organizers_choice() -> None:
    """An explicit mapping is applied as given; blank choices leave the field unmapped."""
    headers = ["No", "Given", "Family", "Remarks"]
    mapping = {"class_number": "No", "performer_first_name": "Given", "notes": "", "teacher_email": None}
    match = ColumnMatch.from_mapping(headers, COLUMNS, mapping)
    assert match.index == {"class_number": 0, "performer_first_name": 1}
    assert match.missing_required == ["performer_last_name"]
    assert match.unused_headers == ["Family", "Remarks"]
    assert match.override("performer_last_name", "Family").index == {
        "class_number": 0,
        "performer_first_name": 1,
        "performer_last_name": 2,
    }
    assert match.override("class_number", None).index == {"performer_first_name": 1}


def test_from_mapping_refuses_a_header_the_file_does_not_have() -> None:
    """A choice naming a header of another file is refused with the header named."""
    with pytest.raises(TableError) as caught:
        ColumnMatch.from_mapping(["Name"], COLUMNS, {"notes": "Remarks"})
    assert (caught.value.code, caught.value.params) == ("unknown-column", {"column": "Remarks"})


def test_from_mapping_refuses_one_header_for_two_fields() -> None:
    """A header chosen twice is a conflict naming both fields."""
    with pytest.raises(TableError) as caught:
        ColumnMatch.from_mapping(["Name"], COLUMNS, {"performer_first_name": "Name", "performer_last_name": "Name"})
    assert caught.value.code == "mapping-conflict"
    assert caught.value.params == {
        "column": "Name",
        "field": "performer_first_name",
        "other_field": "performer_last_name",
    }
    with pytest.raises(TableError, match="chosen for two fields"):
        match_columns(["Name", "Age"], COLUMNS).override("notes", "Name").override("teacher_email", "Name")


def test_from_mapping_refuses_an_unknown_field() -> None:
    """A field the import does not have is a programming error, not the organizer's."""
    with pytest.raises(ValueError, match="unknown field 'age'"):
        ColumnMatch.from_mapping(["Age"], COLUMNS, {"age": "Age"})


def test_matching_a_read_table() -> None:
    """End to end: a semicolon CSV from a French spreadsheet is read and its fields found."""
    data = "Classe;Prénom;Nom;Remarques\n1203A;Zoë;O’Brien;\n".encode("cp1252")
    table = read_table(data, "inscriptions.csv")
    match = match_columns(table.headers, COLUMNS)
    assert match.missing_required == []
    row = table.rows[0]
    assert [match.value(row, name) for name in ("class_number", "performer_first_name", "performer_last_name")] == [
        "1203A",
        "Zoë",
        "O’Brien",
    ]
