"""`flask --app mfo reports NAME --festival SLUG --format csv|xlsx [-o FILE]`: every report, personal data, exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from tests.reports_helpers import EVIL_TITLE, REPORT_NAMES, SLUG, build_season, xlsx_rows


@pytest.fixture
def season(app):
    """The small season of tests.reports_helpers."""
    return build_season()


def run(app, *args: str):
    """Run the reports command and return click's result (standard output kept as bytes)."""
    return app.test_cli_runner().invoke(args=["reports", *args])


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_every_report_exports_as_csv_to_standard_output(season, app, name):
    """Without -o, CSV goes to standard output, without a byte-order mark, headed like the web export."""
    result = run(app, name, "--festival", SLUG, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert not result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) >= 2  # the heading and at least one row of the season


def test_the_cli_export_holds_personal_data_and_is_recorded(season, app):
    """The operator's export has birth dates and emails; the audit trail names the command line as the actor."""
    result = run(app, "performers", "--festival", SLUG)
    assert result.exit_code == 0, result.output
    rows = {row["Name"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["Ann Lee"]["Birth date"] == "2015-03-04" and rows["Ann Lee"]["Email"] == "ann@example.org"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report-exported")).one()
    details = json.loads(event.details)
    assert event.actor == "cli" and details["report"] == "performers" and details["rows"] == 3
    assert details["personal_data"] is True and details["format"] == "csv"


def test_xlsx_to_a_file(season, app, tmp_path):
    """-o writes the workbook; the formula in a piece's title stays text."""
    target = tmp_path / "repertoire.xlsx"
    result = run(app, "repertoire", "--festival", SLUG, "--format", "xlsx", "-o", str(target))
    assert result.exit_code == 0, result.output
    titles = [row["Title"] for row in xlsx_rows(target.read_bytes())]
    assert EVIL_TITLE in titles and "4 rows written to" in result.stderr and result.stdout_bytes == b""


def test_csv_to_a_file_has_a_byte_order_mark(season, app, tmp_path):
    """A CSV file gets the byte-order mark spreadsheets need to read accents."""
    target = tmp_path / "entries.csv"
    assert run(app, "entries", "--festival", SLUG, "-o", str(target)).exit_code == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "Chloé Émond".encode() in data
    assert "'=HYPERLINK" in data.decode("utf-8-sig")


def test_xlsx_to_standard_output_when_it_is_not_a_terminal(season, app):
    """Redirected, XLSX is written to standard output as the workbook's bytes."""
    result = run(app, "classes", "--festival", SLUG, "--format", "xlsx")
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"PK")
    assert [row["Class"] for row in xlsx_rows(result.stdout_bytes)] == ["9", "10", "500", "1203A"]


def test_sort_and_language(season, app):
    """--sort and --descending order the rows; --language fr gives French headings and labels."""
    result = run(app, "classes", "--festival", SLUG, "--sort", "time", "--descending", "--language", "fr")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["Classe"] for row in rows] == ["1203A", "500", "9", "10"]
    assert rows[0]["Type"] == "Solo" and rows[1]["Type"] == "Duo"


@pytest.mark.parametrize(
    "args",
    [
        ("entries", "--festival", "nope"),
        ("nothing", "--festival", SLUG),
        ("entries",),
        ("entries", "--festival", SLUG, "--format", "pdf"),
        ("entries", "--festival", SLUG, "--sort", "password"),
        ("entries", "--festival", SLUG, "--language", "xx"),
    ],
)
def test_bad_arguments_exit_with_status_2_and_record_nothing(season, app, args):
    """An unknown festival, report, format, sort or language is refused with exit status 2, and nothing is recorded."""
    result = run(app, *args)
    assert result.exit_code == 2, result.output
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report-exported")).all() == []
