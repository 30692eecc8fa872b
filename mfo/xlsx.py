"""Writing XLSX files: one writer for every export (XlsxWriter in constant-memory mode), where text is never a formula.

Every text cell is written as a string, so a value such as =HYPERLINK(...), +1 or #N/A stays that
text in any spreadsheet; numbers and dates are typed cells a spreadsheet can add up, with a number
format when one is given (`Formatted`). XlsxWriter writes each row to a temporary file as it comes,
so a workbook of 10,000 rows costs little memory, and in about half the CPU time openpyxl's
write-only mode takes for the same cells (measured on the entries report: docs/festival-performance.md).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

# Characters a workbook cannot hold at all (XML 1.0 forbids them): dropped rather than failing the export.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Sheet names may not hold these and are at most 31 characters.
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")
SHEET_NAME_MAX = 31
DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class Formatted:
    """A number or date shown in a number format, e.g. Formatted(Decimal("12.50"), "#,##0.00")."""

    value: Any
    number_format: str


def sheet_name(title: str, default: str = "Sheet") -> str:
    """Return a title made fit to name a sheet (forbidden characters dropped, at most 31 characters)."""
    return "".join(c for c in title if c not in SHEET_NAME_FORBIDDEN)[:SHEET_NAME_MAX].strip() or default


class Workbook:
    """An XLSX file being written: add sheets, write rows, then `close()` returns the file's bytes."""

    def __init__(self) -> None:
        """Start an empty workbook in memory (its rows go through temporary files until it is closed)."""
        self._buffer = io.BytesIO()
        self._book = xlsxwriter.Workbook(
            self._buffer,
            {
                "constant_memory": True,
                # Text stays text: never read as a formula, a number or a link.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self._formats: dict[tuple[str, bool], Any] = {}

    def format(self, number_format: str = "", bold: bool = False):
        """Return the workbook's cell format for a number format and weight (made once, then shared)."""
        key = (number_format, bold)
        if key not in self._formats:
            properties: dict[str, Any] = {}
            if number_format:
                properties["num_format"] = number_format
            if bold:
                properties["bold"] = True
            self._formats[key] = self._book.add_format(properties)
        return self._formats[key]

    def sheet(self, title: str) -> Sheet:
        """Add a sheet (its title made fit to name one) and return it."""
        return Sheet(self, self._book.add_worksheet(sheet_name(title)))

    def close(self) -> bytes:
        """Finish the file and return its bytes."""
        self._book.close()
        return self._buffer.getvalue()


class Sheet:
    """One sheet of a Workbook, written a row at a time from the top (constant-memory mode cannot go back)."""

    def __init__(self, workbook: Workbook, worksheet) -> None:
        """Wrap one worksheet of the workbook."""
        self._workbook = workbook
        self._worksheet = worksheet
        self._row = 0

    def header(self, labels: Iterable[Any]) -> None:
        """Write a row of headings in bold, as text."""
        bold = self._workbook.format(bold=True)
        for column, label in enumerate(labels):
            self._worksheet.write_string(self._row, column, clean(str(label)), bold)
        self._row += 1

    def row(self, values: Iterable[Any]) -> None:
        """Write a row: None leaves a cell empty, text is a string cell, numbers and dates typed cells."""
        for column, value in enumerate(values):
            if value is not None:
                self._write(column, value)
        self._row += 1

    def _write(self, column: int, value: Any) -> None:
        """Write one cell by the value's type."""
        number_format = ""
        if isinstance(value, Formatted):
            value, number_format = value.value, value.number_format
        worksheet, row = self._worksheet, self._row
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | date):
            worksheet.write_string(row, column, clean(str(value)))
        elif isinstance(value, date):
            # A datetime is a date too: a plain date gets the date format, a datetime the one given (if any).
            fmt = number_format or (DATE_FORMAT if not isinstance(value, datetime) else "yyyy-mm-dd hh:mm")
            worksheet.write_datetime(row, column, value, self._workbook.format(fmt))
        else:
            cell_format = self._workbook.format(number_format) if number_format else None
            worksheet.write_number(row, column, float(value), cell_format)


def clean(text: str) -> str:
    """Return text without the characters a workbook cannot hold."""
    return ILLEGAL_CHARACTERS.sub("", text)
