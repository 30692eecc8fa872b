"""The blank import templates an organizer downloads: CSV (UTF-8, as Excel saves it) and an Excel workbook."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from mfo.imports.fields import FIELD_HELP, KIND_LABELS, columns_of, headers_of


def template_csv(kind: str) -> bytes:
    """Return the template as CSV: the header row only, UTF-8 with a byte-order mark so Excel reads accents."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(headers_of(kind))
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(kind: str) -> bytes:
    """Return the template as a workbook: the header row on the first sheet, what each column holds on a second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "syllabus" if kind == "syllabus" else "entries"
    sheet.append(headers_of(kind))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers_of(kind), start=1):
        sheet.column_dimensions[cell_column(index)].width = max(12, len(header) + 2)
    help_sheet = workbook.create_sheet(_("Help"))
    help_sheet.append([_("Column"), _("Required"), _("What it holds")])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in columns_of(kind):
        help_sheet.append([column.name, _("yes") if column.required else "", str(FIELD_HELP.get(column.name, ""))])
    help_sheet.append([])
    help_sheet.append([str(KIND_LABELS[kind]), "", _("One row per line of the first sheet; the first row holds the column names.")])
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["C"].width = 70
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_column(index: int) -> str:
    """Return a spreadsheet's column letters for a 1-based column number (1 -> A, 27 -> AA)."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
