"""Files as organizers save them: encodings, workbooks, formulas; bad files get a clear page and nothing is written."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date, time

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from mfo.database import db
from mfo.entries.models import Entry
from mfo.imports.models import ImportBatch
from mfo.people.models import Person
from tests.admin_helpers import page
from tests.helpers import post_form
from tests.import_helpers import (
    ENTRY_HEADERS,
    entries_csv,
    entry,
    import_file,
    imports_url,
    mapping_data,
    small_festival,
    table_counts,
    upload,
    uploaded_batch_id,
)


def workbook(headers: list[str], rows: list[list]) -> bytes:
    """Return an Excel workbook with one sheet of these rows."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_utf8_with_a_byte_order_mark_and_windows_1252_read_the_same(app):
    """Excel's "CSV UTF-8" and its ANSI CSV: accents arrive intact either way."""
    festival = small_festival()
    row = entry(performer_first_name="Chloé", performer_last_name="Côté", comments="Très bien")
    import_file(festival, "entries", b"\xef\xbb\xbf" + entries_csv([row]), filename="utf8.csv")
    import_file(festival, "entries", entries_csv([row], encoding="cp1252"), filename="ansi.csv")
    people = db.session.scalars(select(Person).where(Person.name_key == "chloe cote")).all()
    assert [p.full_name for p in people] == ["Chloé Côté"]
    assert db.session.scalar(select(func.count(Entry.id))) == 1  # the second file matched the first


def test_a_workbook_with_date_and_time_cells_is_imported(app):
    """Dates typed as dates and durations typed as times are read as such."""
    festival = small_festival()
    values = entry()
    values["performer_birth_date"] = date(2016, 5, 1)
    values["piece_1_duration"] = time(0, 1, 30)
    data = workbook(ENTRY_HEADERS, [[values.get(header, "") for header in ENTRY_HEADERS]])
    _batch, plan = import_file(festival, "entries", data, filename="entries.xlsx")
    assert plan.issues == []
    created = db.session.scalars(select(Entry)).one()
    assert created.performers[0].person.birth_date == date(2016, 5, 1)
    assert created.pieces[0].duration == 90


def test_formulas_are_read_as_text_never_evaluated(app):
    """A formula in a CSV cell or a workbook cell arrives as the text typed, not its value."""
    festival = small_festival()
    import_file(festival, "entries", entries_csv([entry(comments="=1+1")]))
    assert db.session.scalar(select(Entry.comments)) == "=1+1"
    values = entry(performer_first_name="Ben", comments="")
    row = [values.get(header, "") for header in ENTRY_HEADERS]
    row[ENTRY_HEADERS.index("comments")] = "=HYPERLINK(\"http://example.org\",\"click\")"
    import_file(festival, "entries", workbook(ENTRY_HEADERS, [row]), filename="book.xlsx")
    comments = db.session.scalars(select(Entry.comments).order_by(Entry.id)).all()
    assert comments[1] == '=HYPERLINK("http://example.org","click")'


BAD_FILES = [
    ("wrong-type", b"%PDF-1.4 not a table", "entries.pdf", "it is not a CSV file or an Excel workbook"),
    ("renamed-image", b"\x89PNG\r\n\x1a\n....", "entries.csv", "it is not a CSV file or an Excel workbook"),
    ("damaged-workbook", b"PK\x03\x04 damaged", "entries.xlsx", "it is not a CSV file or an Excel workbook"),
    ("unreadable-encoding", b"class,name\r\n101,\x81\x8d\x8f\x90\x9d\r\n", "entries.csv", "not in an encoding we recognise"),
    ("empty", b"", "entries.csv", "is empty"),
    ("blank-lines-only", b"\r\n\r\n,,\r\n", "entries.csv", "is empty"),
    ("unclosed-quote", b'class,comments\r\n101,"never closed\r\n102,x\r\n', "entries.csv", "never closed"),
]


@pytest.mark.parametrize(("name", "data", "filename", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_gets_a_clear_page_and_nothing_is_written(app, organizer_client, name, data, filename, message):
    """The upload page again, with a message saying what is wrong and what to do; no batch is kept."""
    small_festival()
    before = table_counts()
    response = upload(organizer_client, data, filename)
    assert response.status_code == 400
    assert message in page(response).replace("&#34;", '"').replace("&#39;", "'")
    assert 'id="file-error"' in page(response)
    assert table_counts() == before
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_missing_required_columns_are_named_and_can_be_chosen(app, organizer_client):
    """The mapping page names the required fields without a column; previewing is refused until one is chosen."""
    small_festival()
    data = b"Category,First,Last\r\n101,Anna,Smith\r\n"
    batch_id = uploaded_batch_id(upload(organizer_client, data))
    mapping_page = page(organizer_client.get(imports_url(f"{batch_id}/mapping")))
    assert "These required fields have no column yet: class, performer_first_name, performer_last_name." in mapping_page
    refused = post_form(organizer_client, imports_url(f"{batch_id}/mapping"), mapping_data(batch_id))
    assert refused.status_code == 400
    assert "Choose a column for every required field: class, performer_first_name, performer_last_name." in page(refused)
    assert db.session.get(ImportBatch, batch_id).job is None
    chosen = mapping_data(batch_id, **{"class": "Category", "performer_first_name": "First", "performer_last_name": "Last"})
    response = post_form(organizer_client, imports_url(f"{batch_id}/mapping"), chosen)
    assert response.status_code == 302


def test_one_column_chosen_for_two_fields_is_refused(app, organizer_client):
    """The mapping page says which column was chosen twice."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv([entry()])))
    chosen = mapping_data(batch_id, comments="class")
    response = post_form(organizer_client, imports_url(f"{batch_id}/mapping"), chosen)
    assert response.status_code == 400
    assert "is chosen for two fields" in page(response)


@pytest.mark.settings(MFO_IMPORT_MAX_BYTES=4096)
def test_a_file_over_the_import_limit_gets_a_readable_413(app, organizer_client):
    """Over the import's own limit (not the site's 2 MB): a page saying the limit; nothing kept."""
    small_festival()
    before = table_counts()
    big = entries_csv([entry(comments="x" * 200)] * 40)
    assert len(big) > 4096
    response = upload(organizer_client, big)
    assert response.status_code == 413
    assert "The file is larger than the import limit of 4 KB." in page(response)
    assert table_counts() == before


def test_the_import_limit_is_its_own_not_the_sites(app, organizer_client):
    """A 3 MB file passes the import page (limit 10 MB) though every other request is limited to 2 MB."""
    small_festival()
    rows = [entry(performer_first_name=f"P{i}", comments="y" * 300) for i in range(7000)]
    data = entries_csv(rows)
    assert 2 * 1024 * 1024 < len(data) < 10 * 1024 * 1024
    assert uploaded_batch_id(upload(organizer_client, data))
    too_big = organizer_client.post("/account/", data={"name": "x" * (3 * 1024 * 1024)})
    assert too_big.status_code == 413


def test_a_file_over_ten_megabytes_is_refused(app, organizer_client):
    """The default limit is 10 MB."""
    small_festival()
    data = entries_csv([entry()]) + b"," * (10 * 1024 * 1024)
    response = upload(organizer_client, data)
    assert response.status_code == 413
    assert "import limit of 10 MB" in page(response)


# --- Limits: a file's size does not bound the work it causes, so its rows, columns and lines are bounded too ---------

LIMITS = "at most 50 rows and 5 columns"
LIMITS_FR = "au plus 50 lignes et 5 colonnes"


def assert_refused(response, *messages: str) -> None:
    """The upload page again (400), saying each message; no batch or record kept."""
    assert response.status_code == 400
    text = page(response)
    assert 'id="file-error"' in text
    for message in messages:
        assert message in text
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def grid(rows: int, columns: int) -> bytes:
    """Return a CSV of a header row and `rows` data rows, `columns` columns wide."""
    lines = [",".join(f"column {c}" for c in range(columns))]
    lines += [",".join(f"r{r}c{c}" for c in range(columns)) for r in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.settings(MFO_IMPORT_MAX_ROWS=50, MFO_IMPORT_MAX_COLUMNS=5)
def test_a_file_at_the_limits_is_accepted(app, organizer_client):
    """50 data rows of 5 columns: the most a file may have under these settings."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, grid(50, 5)))
    assert db.session.get(ImportBatch, batch_id).rows == 50


@pytest.mark.settings(MFO_IMPORT_MAX_ROWS=50, MFO_IMPORT_MAX_COLUMNS=5)
def test_a_file_with_one_row_too_many_is_refused_saying_the_limits(app, organizer_client):
    """51 data rows: refused at upload with the limits named, in English and in French."""
    small_festival()
    before = table_counts()
    assert_refused(upload(organizer_client, grid(51, 5)), "has more than 50 rows of data", LIMITS)
    organizer_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert_refused(upload(organizer_client, grid(51, 5)), "plus de 50 lignes de données", LIMITS_FR)
    assert table_counts() == before


@pytest.mark.settings(MFO_IMPORT_MAX_ROWS=50, MFO_IMPORT_MAX_COLUMNS=5)
def test_a_file_with_one_column_too_many_is_refused_saying_the_limits(app, organizer_client):
    """6 columns: refused at upload, the row and the limits named."""
    small_festival()
    before = table_counts()
    assert_refused(upload(organizer_client, grid(3, 6)), "Row 1 of the file “entries.csv” has more than 5 columns", LIMITS)
    assert table_counts() == before


@pytest.mark.settings(MFO_IMPORT_MAX_ROWS=50, MFO_IMPORT_MAX_COLUMNS=5)
def test_a_workbook_that_unpacks_past_the_limits_is_refused(app, organizer_client):
    """A small upload whose sheet inflates past what 50 rows of 5 columns need is refused before it is parsed."""
    small_festival()
    sheet = workbook(["Name"], [["Ada"]])
    sheet_xml = "xl/worksheets/sheet1.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sheet)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == sheet_xml:
                # Whitespace before the closing tag: valid XML, a thousand times smaller compressed.
                content = content.replace(b"</worksheet>", b" " * (2 * 1024 * 1024) + b"</worksheet>")
            bomb.writestr(info, content, zipfile.ZIP_DEFLATED)
    data = buffer.getvalue()
    assert len(data) < 20 * 1024
    assert sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 2 * 1024 * 1024
    assert_refused(upload(organizer_client, data, "entries.xlsx"), "is too large to import once unpacked", LIMITS)


def test_a_csv_of_one_enormous_line_is_refused_saying_the_line_limit(app, organizer_client):
    """A 5 MB line: refused as too long (never parsed whole), in English and in French."""
    small_festival()
    data = b"class,comments\r\n101," + b"x" * (5 * 1024 * 1024) + b"\r\n"
    assert_refused(upload(organizer_client, data), "Row 2 of the file “entries.csv” is too long", "rows of at most 100000 characters")
    organizer_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert_refused(upload(organizer_client, data), "La ligne 2 du fichier «\u00a0entries.csv\u00a0» est trop longue")


# --- Values from the file are text in every message ----------------------------------------------------------------

HTML = "<img src=x onerror=alert(1)><b>bold</b>"


def assert_escaped(response) -> None:
    """The HTML from the file shows as text: escaped, never as markup."""
    text = page(response)
    assert "&lt;img" in text
    assert "<img src=x" not in text
    assert "<b>bold</b>" not in text


def test_a_file_name_with_html_is_escaped_in_its_error(app, organizer_client):
    """A damaged file named with HTML: the message names it as text."""
    small_festival()
    response = upload(organizer_client, b"%PDF-1.4 not a table", f"{HTML}.csv")
    assert response.status_code == 400
    assert_escaped(response)


def test_a_file_name_with_html_is_escaped_in_a_limit_error(app, organizer_client):
    """The new limit messages name the file as text too."""
    small_festival()
    response = upload(organizer_client, b"class,comments\r\n101," + b"x" * 200_000 + b"\r\n", f"{HTML}.csv")
    assert response.status_code == 400
    assert_escaped(response)


def test_two_columns_named_alike_with_html_are_escaped(app, organizer_client):
    """Two headers that differ only in case: the message names the column as text."""
    small_festival()
    data = f"class,{HTML},{HTML.replace('bold', 'BOLD')}\r\n101,a,b\r\n".encode()
    response = upload(organizer_client, data)
    assert response.status_code == 400
    assert "Two columns are named" in page(response)
    assert_escaped(response)


def test_a_column_with_html_chosen_twice_is_escaped(app, organizer_client):
    """The mapping page's message about a column chosen for two fields names it as text."""
    small_festival()
    headers = [*ENTRY_HEADERS, HTML]
    row = entry()
    data = ",".join(f'"{h}"' for h in headers).encode() + b"\r\n" + ",".join(f'"{row.get(h, "")}"' for h in headers).encode() + b"\r\n"
    batch_id = uploaded_batch_id(upload(organizer_client, data))
    response = post_form(organizer_client, imports_url(f"{batch_id}/mapping"), mapping_data(batch_id, comments=HTML, school=HTML))
    assert response.status_code == 400
    assert "is chosen for two fields" in page(response)
    assert_escaped(response)


# --- NUL characters, whatever the encoding ---------------------------------------------------------------------------

# One NUL in a file of ordinary length: too few control characters to make the text look binary.
NUL_TEXT = "class,comments\r\n" + "101,an ordinary comment\r\n" * 10 + "101,a\x00b\r\n"
NUL_FILES = [
    ("utf-8", NUL_TEXT.encode()),
    ("utf-8-bom", codecs.BOM_UTF8 + NUL_TEXT.encode()),
    ("utf-16-le-bom", codecs.BOM_UTF16_LE + NUL_TEXT.encode("utf-16-le")),
    ("utf-16-be-bom", codecs.BOM_UTF16_BE + NUL_TEXT.encode("utf-16-be")),
]


@pytest.mark.parametrize(("name", "data"), NUL_FILES, ids=[name for name, _data in NUL_FILES])
def test_a_nul_character_is_refused_in_every_encoding(app, organizer_client, name, data):
    """PostgreSQL cannot store NUL: a file holding one is refused, with or without a byte order mark."""
    small_festival()
    before = table_counts()
    assert_refused(upload(organizer_client, data), "not in an encoding we recognise")
    assert table_counts() == before


def test_a_file_kept_before_the_limits_were_lowered_is_refused_on_its_mapping_page(app, organizer_client):
    """The mapping page reads the kept file within today's limits: over them, it says so instead of failing."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, grid(10, 5)))
    app.config.update(MFO_IMPORT_MAX_ROWS=5)
    response = organizer_client.get(imports_url(f"{batch_id}/mapping"))
    assert response.status_code == 302
    shown = page(organizer_client.get(response.headers["Location"]))
    assert "has more than 5 rows of data" in shown
