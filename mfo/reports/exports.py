"""A report's rows as CSV or XLSX, where no cell can ever run as a formula, and as text on the page.

CSV goes through mfo.text.csv_writer: a quote goes before = + - @ | % tab and CR wherever a
spreadsheet may start a cell, after a "," or ";" inside a value too. In XLSX every text cell is
written as a string cell, never a formula, so a title such as =HYPERLINK(...) stays that text;
numbers, money, dates and durations are typed cells a spreadsheet can add up.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import format_date, format_decimal

from mfo.audit.trail import record
from mfo.entries.labels import entry_status_label
from mfo.festival.models import Festival
from mfo.festival.scoping import format_money
from mfo.festival.values import format_duration
from mfo.reports.framework import Column, Report
from mfo.syllabus.labels import class_type_label
from mfo.text import csv_writer
from mfo.xlsx import Formatted, Workbook

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LIST_SEPARATOR = "; "
SECONDS_PER_DAY = 86400
# The audit action of every export, from the pages and the command line alike.
EXPORTED = "report-exported"


def long_duration(seconds: int) -> str:
    """Return a duration as h:mm:ss, which spreadsheets read as a time (4:30 would be four hours and a half)."""
    minutes, second = divmod(int(seconds), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}"


def plain_value(column: Column, value: Any) -> Any:
    """Return a cell as exported to CSV: numbers as numbers, lists joined, labels in the current language."""
    if value is None:
        return ""
    if column.labels is not None:
        return str(column.labels.get(value, value))
    if column.kind == "list":
        return LIST_SEPARATOR.join(str(item) for item in value)
    if column.kind == "money":
        return f"{Decimal(value):.2f}"
    if column.kind == "duration":
        return long_duration(value)
    if column.kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if column.kind == "status":
        return str(entry_status_label(value))
    if column.kind == "type":
        return str(class_type_label(value))
    return value


def display_value(column: Column, value: Any) -> str:
    """Return a cell as the page shows it, in the reader's language."""
    if value is None or value == "":
        return ""
    if column.kind == "money":
        # In the currency of the report's festival (the page's); files keep the plain number (plain_value).
        return format_money(Decimal(value))
    if column.kind == "int":
        return format_decimal(value)
    if column.kind == "duration":
        return format_duration(value)
    if column.kind == "date":
        return format_date(value) if isinstance(value, date) else str(value)
    if column.kind in ("status", "type") or column.labels is not None:
        return str(plain_value(column, value))
    if column.kind == "list":
        return LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


def to_csv(columns: Sequence[Column], rows: Iterable[dict[str, Any]], *, bom: bool = True) -> bytes:
    """Return the rows as CSV in UTF-8 (with a byte-order mark, so spreadsheets read accents right)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([str(column.label) for column in columns])
    for row in rows:
        writer.writerow([plain_value(column, row.get(column.key)) for column in columns])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(column: Column) -> Callable[[Any], Any]:
    """Return what turns a column's values into cells (chosen once per column, not per cell).

    Money, durations and dates are typed cells with a number format a spreadsheet adds up and shows
    as such; ids and counts plain numbers; everything else text (mfo.xlsx never writes a formula).
    """
    if column.kind == "money":
        return lambda value: Formatted(Decimal(value), "#,##0.00")
    if column.kind in ("id", "int"):
        return int
    if column.kind == "duration":
        return lambda value: Formatted(int(value) / SECONDS_PER_DAY, "[h]:mm:ss")
    if column.kind == "date":
        return lambda value: Formatted(value, "yyyy-mm-dd") if isinstance(value, date) else str(value)
    return lambda value: str(plain_value(column, value))


def to_xlsx(columns: Sequence[Column], rows: Iterable[dict[str, Any]], title: str) -> bytes:
    """Return the rows as an XLSX workbook of one sheet, headings in bold."""
    workbook = Workbook()
    sheet = workbook.sheet(title or "Report")
    sheet.header(column.label for column in columns)
    cells = [(column.key, _xlsx_cell(column)) for column in columns]
    for row in rows:
        sheet.row(None if (value := row.get(key)) is None else cell(value) for key, cell in cells)
    return workbook.close()


def export(columns: Sequence[Column], rows: list[dict[str, Any]], fmt: str, title: str, *, bom: bool = True) -> bytes:
    """Return the rows in the format asked for (csv or xlsx)."""
    if fmt == "xlsx":
        return to_xlsx(columns, rows, title)
    return to_csv(columns, rows, bom=bom)


def record_export(festival: Festival, report: Report, fmt: str, rows: int, personal: bool, query: str, **options) -> None:
    """Record who took a copy of which report, in which format, how many rows, with or without personal data."""
    record(
        EXPORTED,
        target=f"festival {festival.slug} (#{festival.id})",
        details={"report": report.name, "format": fmt, "rows": rows, "personal_data": personal, "query": query},
        **options,
    )
