"""Reports: what each one lists and adds up, sorting, filters, pages, exports safe from formulas, personal data, audit."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.features import registry
from mfo.reports.catalogue import REPORTS
from mfo.reports.exports import to_xlsx
from mfo.reports.framework import Column, Report
from mfo.syllabus.models import Discipline
from tests.admin_helpers import page
from tests.reports_helpers import (
    BASE,
    EVIL_TITLE,
    PERSONAL,
    REPORT_NAMES,
    add_entries,
    build_season,
    csv_rows,
    table_column,
    xlsx_rows,
    xlsx_sheet,
)


@pytest.fixture
def season(app):
    """The small season of tests.reports_helpers."""
    return build_season()


def test_every_report_of_the_issue_is_declared():
    """Entries, classes, repertoire, teachers, accompanists, performers, groups and schools, in that order, then the fees'."""
    assert tuple(REPORTS) == (*REPORT_NAMES, "invoices", "payments", "outstanding")


# --- Classes: entries, fees and estimated time


def test_the_classes_report_adds_up_entries_fees_and_time(season, staff_client):
    """Active entries only; each entry's declared time is cut to the class's limit, plus adjudication and change-over."""
    rows = {row["Class"]: row for row in csv_rows(staff_client.get(f"{BASE}/reports/classes.csv"))}
    # 1203A: Ann 320 s cut to the 300 s limit, Bob 100 s, plus 2 x (120 + 30); Chloé withdrew.
    assert rows["1203A"]["Entries"] == "2" and rows["1203A"]["Fees"] == "30.00" and rows["1203A"]["Paid"] == "15.00"
    assert rows["1203A"]["Estimated time"] == "0:11:40"
    assert rows["500"]["Estimated time"] == "0:06:00"  # 210 s, no limit, + 150 s
    assert rows["9"]["Estimated time"] == "0:02:30"  # no pieces declared: adjudication and change-over only
    assert rows["10"]["Entries"] == "0" and rows["10"]["Estimated time"] == "0:00:00"


def test_the_classes_page_has_a_totals_row_over_every_class(season, staff_client):
    """The totals row sums every class the filters keep, not only the page shown."""
    html = page(staff_client.get(f"{BASE}/reports/classes?per_page=50"))
    assert 'data-total="entries">4<' in html
    assert 'data-total="fees">$60.00<' in html and 'data-total="paid">$35.00<' in html
    assert 'data-total="time">20:10<' in html  # 700 + 360 + 150 seconds
    assert "Total of 4 rows" in html


def test_classes_sort_by_number_as_a_number(season, staff_client):
    """9 comes before 10, and 500 before 1203A; sorting again by the same column reverses it."""
    assert table_column(page(staff_client.get(f"{BASE}/reports/classes")), "code") == ["9", "10", "500", "1203A"]
    html = page(staff_client.get(f"{BASE}/reports/classes?sort=code&order=desc"))
    assert table_column(html, "code") == ["1203A", "500", "10", "9"]
    assert 'aria-sort="descending"' in html


def test_classes_sort_by_a_computed_column(season, staff_client):
    """Sorting by estimated time orders by the SQL total."""
    html = page(staff_client.get(f"{BASE}/reports/classes?sort=time&order=desc"))
    assert table_column(html, "code") == ["1203A", "500", "9", "10"]


def test_classes_filter_by_discipline_and_search(season, staff_client):
    """A discipline keeps its classes; a search matches a number's start or a name."""
    value = db.session.scalar(select(Discipline.id).where(Discipline.name == "Strings"))
    assert table_column(page(staff_client.get(f"{BASE}/reports/classes?discipline={value}")), "code") == ["9", "10"]
    assert table_column(page(staff_client.get(f"{BASE}/reports/classes?q=12")), "code") == ["1203A"]
    assert table_column(page(staff_client.get(f"{BASE}/reports/classes?q=duet")), "code") == ["500"]


def test_unknown_sorts_filters_and_pages_fall_back_to_the_defaults(season, staff_client):
    """Nothing in the URL can break a report: unknown values are ignored."""
    response = staff_client.get(f"{BASE}/reports/classes?sort=password&order=sideways&discipline=999&type=nope&page=abc&per_page=7")
    assert response.status_code == 200
    assert table_column(page(response), "code") == ["9", "10", "500", "1203A"]


def test_a_search_with_wildcards_matches_them_literally(season, staff_client):
    """% and _ in a search are text, not SQL wildcards."""
    assert table_column(page(staff_client.get(f"{BASE}/reports/classes?q=%25")), "code") == []
    assert "No rows match" in page(staff_client.get(f"{BASE}/reports/classes?q=_"))


# --- Entries


def test_the_entries_report_lists_every_entry_with_its_parts(season, organizer_client):
    """Class, performers (a group with its members), teacher, accompanist, pieces, status, fee and paid."""
    rows = {row["No."]: row for row in csv_rows(organizer_client.get(f"{BASE}/reports/entries.csv"))}
    assert len(rows) == 5  # the withdrawn entry too
    ann = rows[str(season.entries["ann"])]
    assert ann["Class"] == "1203A" and ann["Performers"] == "Ann Lee" and ann["Teacher"] == "Tom Teach"
    assert ann["Accompanist"] == "Alice Keys" and ann["School"] == "St Cecilia"
    assert ann["Pieces"] == "Minuet in G (Bach) 2:00; Sonatina (Clementi) 3:20"
    assert ann["Duration"] == "0:05:20" and ann["Status"] == "Accepted"
    assert (ann["Fee"], ann["Paid"], ann["Owing"]) == ("15.00", "15.00", "0.00")
    assert rows[str(season.entries["duet"])]["Performers"] == "Lee Duo: Ann Lee, Bob Zed"


def test_entries_filter_by_status_and_class(season, staff_client):
    """The status and class filters keep only those entries."""
    html = page(staff_client.get(f"{BASE}/reports/entries?status=withdrawn"))
    assert table_column(html, "number") == [str(season.entries["chloe-withdrawn"])]
    html = page(staff_client.get(f"{BASE}/reports/entries?class={season.classes['500']}"))
    assert table_column(html, "number") == [str(season.entries["duet"])]


def test_entries_search_ignores_accents_and_case(season, staff_client):
    """ "chloe EMOND" finds Chloé Émond's entries; a teacher's name finds their students' entries."""
    html = page(staff_client.get(f"{BASE}/reports/entries?q=chloe+EMOND"))
    assert sorted(table_column(html, "number")) == sorted([str(season.entries["chloe"]), str(season.entries["chloe-withdrawn"])])
    html = page(staff_client.get(f"{BASE}/reports/entries?q=teach"))
    assert sorted(table_column(html, "number")) == sorted([str(season.entries["ann"]), str(season.entries["bob"])])


def test_entries_sort_by_performer(season, staff_client):
    """Performers sort by last name, a group by its name: Lee (Ann), Lee Duo, Zed (Bob)."""
    html = page(staff_client.get(f"{BASE}/reports/entries?sort=performers"))
    names = [cell.split(":")[0] for cell in table_column(html, "performers") if "Chlo" not in cell]
    assert names == ["Ann Lee", "Lee Duo", "Bob Zed"]
    html = page(staff_client.get(f"{BASE}/reports/entries?sort=performers&order=desc"))
    assert [cell.split(":")[0] for cell in table_column(html, "performers") if "Chlo" not in cell] == ["Bob Zed", "Lee Duo", "Ann Lee"]


# --- Pages


def test_large_reports_are_paginated_with_totals_over_every_page(season, staff_client):
    """120 more entries: 50 a page, the third page holds the rest, the count and totals cover all of them."""
    add_entries(season.festival_id, 120)
    html = page(staff_client.get(f"{BASE}/reports/entries?page=3"))
    assert len(table_column(html, "number")) == 25  # 125 entries in all
    assert 'data-count="125"' in html and "Rows 101 to 125 of 125" in html
    assert 'data-total="fee">$1,875.00<' in html  # 120 x 15 added to the season's 75, every status
    assert len(table_column(page(staff_client.get(f"{BASE}/reports/entries?per_page=100")), "number")) == 100
    assert "Rows 101 to 125 of 125" in page(staff_client.get(f"{BASE}/reports/entries?page=999"))


def test_every_page_of_a_report_runs_as_many_queries_whatever_its_size(season, client_for):
    """Each report page and export (CSV and XLSX) runs the same number of SQL statements with 5 entries and with 45."""
    from tests.test_database import recorded_queries

    client = client_for("organizer")
    urls = [f"{BASE}/reports/{name}{suffix}" for name in REPORT_NAMES for suffix in ("", ".csv", ".xlsx")]

    def counts() -> dict[str, int]:
        found = {}
        for url in urls:
            client.get(url)  # warm up
            with recorded_queries() as statements:
                assert client.get(url).status_code == 200
            found[url] = len(statements)
        return found

    small = counts()
    add_entries(season.festival_id, 40)
    assert counts() == small
    # Sign-in (user, roles), the festival, the filters' options, totals, the rows and their list cells;
    # an export also writes its audit event.
    assert max(count for url, count in small.items() if not url.endswith((".csv", ".xlsx"))) <= 10, small
    assert max(small.values()) <= 14, small


def test_exports_join_the_ids_of_their_rows_rather_than_listing_them_in_a_subquery(season, organizer_client):
    """An export fills its list cells by joining the ids of the rows it writes, never `IN (SELECT ...)` of them.

    SQLite, without planner statistics, checked such a list inside its loop over the festival's
    entries, once per entry: the performers export at 10,000 entries spent 5 of its 11 s there.
    """
    from tests.test_database import recorded_queries

    for name in REPORT_NAMES:
        for fmt in ("csv", "xlsx"):
            with recorded_queries() as statements:
                assert organizer_client.get(f"{BASE}/reports/{name}.{fmt}").status_code == 200
            listed = [s for s in statements if re.search(r"\bIN\s*\(\s*SELECT\s+report\.id", s, re.IGNORECASE)]
            assert listed == [], (name, fmt)
            if REPORTS[name].enrich.__func__ is not Report.enrich:
                assert any(re.search(r"JOIN\s*\(\s*SELECT\s+report\.id", s) for s in statements), (name, fmt)


# --- Personal data


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_staff_never_see_personal_data_in_pages_or_exports(season, staff_client, name):
    """Without people-read: no birth date, email, phone or address, on the page, in the CSV or in the XLSX."""
    html = page(staff_client.get(f"{BASE}/reports/{name}"))
    csv_text = staff_client.get(f"{BASE}/reports/{name}.csv").get_data(as_text=True)
    workbook = staff_client.get(f"{BASE}/reports/{name}.xlsx").data
    sheet_text = " ".join(str(value) for row in xlsx_sheet(workbook).iter_rows(values_only=True) for value in row)
    for secret in PERSONAL:
        assert secret not in html and secret not in csv_text and secret not in sheet_text, (name, secret)
    for heading in ("Birth date", "Email", "Phone", "Address"):
        assert heading not in csv_text.splitlines()[0]


def test_staff_export_of_performers_has_no_birth_dates(season, staff_client):
    """The performers export a staff member takes has neither a birth-date column nor an age."""
    rows = xlsx_rows(staff_client.get(f"{BASE}/reports/performers.xlsx").data)
    assert rows and not any(key in rows[0] for key in ("Birth date", "Age on the cut-off date", "Email", "Phone"))
    assert "Ann Lee" in {row["Name"] for row in rows}


def test_organizers_see_personal_data(season, organizer_client):
    """Holders of people-read get birth dates, ages on the cut-off date, emails, phones and addresses."""
    rows = {row["Name"]: row for row in csv_rows(organizer_client.get(f"{BASE}/reports/performers.csv"))}
    assert rows["Ann Lee"]["Birth date"] == "2015-03-04" and rows["Ann Lee"]["Age on the cut-off date"] == "11"
    assert rows["Ann Lee"]["Address"] == "12 Rue des Lilas" and rows["Ann Lee"]["Email"] == "ann@example.org"
    assert rows["Ann Lee"]["Classes"] == "500; 1203A"
    html = page(organizer_client.get(f"{BASE}/reports/teachers"))
    assert "tom@example.org" in html and 'id="personal-data-hidden"' not in html


def test_staff_are_told_why_personal_columns_are_missing(season, staff_client):
    """A report with personal columns says they are kept for people allowed to see personal data."""
    assert 'id="personal-data-hidden"' in page(staff_client.get(f"{BASE}/reports/performers"))
    assert 'id="personal-data-hidden"' not in page(staff_client.get(f"{BASE}/reports/classes"))


def test_personal_columns_cannot_be_sorted_by_without_people_read(season, staff_client):
    """A staff member asking to sort by birth date gets the default order, and still no birth date."""
    html = page(staff_client.get(f"{BASE}/reports/performers?sort=birth_date"))
    assert "2015-03-04" not in html and 'aria-sort="ascending"' in html.split('data-column="name"', 1)[1][:80]


# --- The other reports


def test_teachers_accompanists_groups_schools_and_repertoire(season, staff_client):
    """Each report counts what the issue asks for, over active entries."""
    teachers = {row["Name"]: row for row in csv_rows(staff_client.get(f"{BASE}/reports/teachers.csv"))}
    assert teachers["Tom Teach"]["Students"] == "2" and teachers["Tom Teach"]["Entries"] == "2"
    assert teachers["Tom Teach"]["Fees"] == "30.00" and teachers["Tom Teach"]["Paid"] == "15.00"
    accompanists = {row["Name"]: row for row in csv_rows(staff_client.get(f"{BASE}/reports/accompanists.csv"))}
    assert accompanists["Alice Keys"]["Entries"] == "2" and accompanists["Alice Keys"]["Class list"] == "500; 1203A"
    groups = csv_rows(staff_client.get(f"{BASE}/reports/groups.csv"))
    assert [(g["Group"], g["Members"], g["Member names"], g["Classes"]) for g in groups] == [("Lee Duo", "2", "Ann Lee; Bob Zed", "500")]
    schools = csv_rows(staff_client.get(f"{BASE}/reports/schools.csv"))
    assert [(s["School"], s["Entries"], s["Performers"], s["Groups"], s["Teachers"]) for s in schools] == [
        ("St Cecilia", "2", "2", "1", "1")
    ]
    pieces = {row["Title"].lstrip("'"): row for row in csv_rows(staff_client.get(f"{BASE}/reports/repertoire.csv"))}
    assert pieces["Minuet in G"]["Entries"] == "1"  # Chloé's withdrawn entry does not count
    assert pieces["Sonatina"]["Entries"] == "2" and pieces["Sonatina"]["Classes"] == "2"
    assert pieces["Largo"]["Entries"] == "0" and pieces["Largo"]["Set piece in (classes)"] == "1"


def test_reports_show_only_their_own_festival(season, staff_client):
    """Another festival's entries, classes and people never appear in this one's reports."""
    from tests.festival_helpers import make_class, make_entry, make_festival, make_person

    other = make_festival("autumn-2027", name="Autumn")
    make_entry(make_class(other, "1", "Other class"), [make_person("Zoe", "Other")])
    db.session.commit()
    for name in REPORT_NAMES:
        text = staff_client.get(f"{BASE}/reports/{name}.csv").get_data(as_text=True)
        assert "Zoe Other" not in text and "Other class" not in text, name


# --- Exports


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_a_private_attachment_recorded_in_the_audit_trail(season, staff_client, users, fmt):
    """The file comes as an attachment, never cached, and who took it is recorded with the report, format and rows."""
    response = staff_client.get(f"{BASE}/reports/classes.{fmt}?discipline=&sort=entries")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="spring-2027-classes.{fmt}"'
    assert response.headers["Cache-Control"] == "private, no-store"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report-exported")).one()
    assert event.actor == users["staff"] and event.target.startswith("festival spring-2027")
    details = json.loads(event.details)
    assert details["report"] == "classes" and details["format"] == fmt and details["rows"] == 4
    assert details["personal_data"] is False and details["query"] == "discipline=&sort=entries"
    assert str(registry().audit_label("report-exported")) == "Report exported"


def test_report_pages_are_not_cached_either(season, staff_client):
    """Report pages may show personal data: private, no-store."""
    for path in ("dashboard", "reports/", "reports/entries"):
        assert staff_client.get(f"{BASE}/{path}").headers["Cache-Control"] == "private, no-store"


def test_an_export_follows_the_filters_and_sort_but_not_the_page(season, staff_client):
    """The CSV holds every row the filters keep, in the page's order."""
    add_entries(season.festival_id, 60)
    rows = csv_rows(staff_client.get(f"{BASE}/reports/entries.csv?status=submitted&sort=number&order=desc&page=2"))
    numbers = [int(row["No."]) for row in rows]
    assert len(numbers) == 63 and numbers == sorted(numbers, reverse=True)  # 60 added, Bob's, Chloé's and the duet
    assert {row["Status"] for row in rows} == {"Submitted"}


FORMULAS = [EVIL_TITLE, "@SUM(A1:A9)", "+1+2", "-2+3", "\t=1+1", "\r=1+1"]


def test_formulas_in_csv_exports_are_inert(app, staff_client):
    """Every cell that a spreadsheet would run as a formula starts with a quote in the CSV."""
    from tests.festival_helpers import make_class, make_festival

    make_class(make_festival(), "1", "Set pieces", set_pieces=[(title, f"Composer {i}") for i, title in enumerate(FORMULAS)])
    db.session.commit()
    titles = [row["Title"] for row in csv_rows(staff_client.get(f"{BASE}/reports/repertoire.csv"))]
    assert len(titles) == len(FORMULAS)
    for title in titles:
        assert title.startswith("'"), repr(title)


@pytest.mark.parametrize("read_with", [",", ";"])
def test_a_formula_after_a_separator_is_inert_whatever_the_spreadsheets_separator(app, staff_client, read_with):
    """A title such as "x;=2*3" would be the cells "x" and "=2*3" where spreadsheets split at ";": read with either
    separator, no field of any report's CSV starts with = + - @ tab or CR."""
    from tests.festival_helpers import make_class, make_festival

    hidden = ["x;=2*3", "x,=2*3", "Bach; +1+2", "a, -2+3", "ok;@SUM(A1:A9)", "x;\t=1+1", 'x;"=1+1"']
    make_class(make_festival(), "1", "Set pieces", set_pieces=[(title, f"Composer;={i}") for i, title in enumerate(hidden)])
    db.session.commit()
    for name in REPORT_NAMES:
        text = staff_client.get(f"{BASE}/reports/{name}.csv").get_data(as_text=True).lstrip("\ufeff")
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=read_with):
            for field in row:
                assert not field.startswith(("=", "+", "-", "@", "\t", "\r")), (name, field)
    titles = [row["Title"] for row in csv_rows(staff_client.get(f"{BASE}/reports/repertoire.csv"))]
    assert sorted(title.replace("'", "") for title in titles) == sorted(title.replace("'", "") for title in hidden)


def test_a_formula_in_a_piece_title_is_inert_in_both_exports(season, organizer_client):
    """=HYPERLINK(...) as a piece's title: quoted in the CSV, a plain string cell (never a formula) in the XLSX."""
    rows = csv_rows(organizer_client.get(f"{BASE}/reports/repertoire.csv"))
    assert "'" + EVIL_TITLE in [row["Title"] for row in rows]
    bob = [row for row in csv_rows(organizer_client.get(f"{BASE}/reports/entries.csv")) if row["Performers"] == "Bob Zed"]
    assert bob[0]["Pieces"].startswith("'=HYPERLINK")

    data = organizer_client.get(f"{BASE}/reports/repertoire.xlsx").data
    sheet = xlsx_sheet(data)
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == EVIL_TITLE]
    assert cells and all(cell.data_type == "s" for cell in cells)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    entries_xml = zipfile.ZipFile(io.BytesIO(organizer_client.get(f"{BASE}/reports/entries.xlsx").data))
    assert "<f>" not in entries_xml.read("xl/worksheets/sheet1.xml").decode()


def test_xlsx_cells_are_typed(season, staff_client):
    """Numbers are numbers, money has two decimals, durations are times a spreadsheet can add."""
    sheet = xlsx_sheet(staff_client.get(f"{BASE}/reports/classes.xlsx").data)
    header = [cell.value for cell in sheet[1]]
    row = {header[i]: cell for i, cell in enumerate(sheet[5])}  # 1203A, last in class order
    assert row["Class"].value == "1203A" and row["Entries"].value == 2
    assert Decimal(str(row["Fees"].value)) == Decimal("30") and row["Fees"].number_format == "#,##0.00"
    assert row["Estimated time"].value.total_seconds() == 700 and row["Estimated time"].number_format == "[h]:mm:ss"
    assert sheet["A1"].font.bold


def test_xlsx_text_that_reads_as_a_formula_or_an_error_value_stays_text():
    """=1+1, #N/A and #REF! in a text column are string cells, as plain text is; none becomes a formula or an error cell."""
    texts = ["=1+1", "#N/A", "#REF!", "+1", "plain", "tab\there"]
    data = to_xlsx([Column("text", "Text")], [{"text": text} for text in texts], "Texts")
    cells = [row[0] for row in xlsx_sheet(data).iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in cells] == [(text, "s") for text in texts]


def test_exports_refuse_unknown_formats(season, staff_client):
    """Only csv and xlsx are served."""
    assert staff_client.get(f"{BASE}/reports/classes.pdf").status_code == 404
    assert staff_client.get(f"{BASE}/reports/nothing").status_code == 404


# --- The pages' look: print, CSP, languages


def test_report_pages_print_and_load_their_script_with_the_nonce(season, staff_client):
    """A Print button (shown by a script file carrying the nonce) and the print stylesheet; no inline style."""
    response = staff_client.get(f"{BASE}/reports/entries")
    html = page(response)
    nonce = response.headers["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}" src="/reports/static/reports.js"></script>' in html
    assert 'href="/reports/static/reports.css"' in html and "data-print hidden" in html
    assert "style=" not in html and "<style" not in html
    with staff_client.get("/reports/static/reports.css") as response:
        css = response.get_data(as_text=True)
    assert "@media print" in css and ".report-filters" in css and ".navbar" in css


def test_report_pages_speak_french(season, staff_client):
    """Headings, labels and the export's headings follow the reader's language."""
    staff_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    html = page(staff_client.get(f"{BASE}/reports/entries"))
    assert "Inscriptions" in html and "Exporter en CSV" in html and "Imprimer" in html
    first_line = staff_client.get(f"{BASE}/reports/classes.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert first_line.startswith("Classe,Nom,Discipline")
    assert "Reçue" in staff_client.get(f"{BASE}/reports/entries.csv").get_data(as_text=True)


def test_the_index_lists_only_the_reports_a_reader_may_open(season, app, users):
    """A reader with festival-read and syllabus-read but not entries-read sees classes and repertoire only."""
    from tests.admin_helpers import sign_in, user_with_permissions

    email = user_with_permissions("syllabus@example.org", "syllabus-reader", {"festival-read", "syllabus-read"})
    html = page(sign_in(app, email).get(f"{BASE}/reports/"))
    assert 'data-report="classes"' in html and 'data-report="repertoire"' in html
    assert 'data-report="entries"' not in html and 'data-report="performers"' not in html


def test_the_festival_tabs_lead_to_the_dashboard_and_the_reports(season, staff_client):
    """The festival's tabs have Dashboard and Reports."""
    html = page(staff_client.get(f"{BASE}/reports/classes"))
    assert 'data-nav="reports.dashboard"' in html and 'data-nav="reports.index"' in html
