"""The blank import templates an organizer downloads: CSV (UTF-8, as Excel saves it) and an Excel workbook."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from mfo.imports.kinds import ImportKind


def template_csv(kind: ImportKind) -> bytes:
    """Return the template as CSV: the header row only, UTF-8 with a byte-order mark so Excel reads accents."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(kind.headers)
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(kind: ImportKind) -> bytes:
    """Return the template as a workbook: the header row on the first sheet, what each column holds on a second,
    and the kind's example rows (if it has any) on a third, never on the sheet that is imported."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.title
    sheet.append(kind.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(kind.headers, start=1):
        sheet.column_dimensions[cell_column(index)].width = max(12, len(header) + 2)
    help_sheet = workbook.create_sheet(_("Help"))
    help_sheet.append([_("Column"), _("Required"), _("What it holds")])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        help_sheet.append([column.name, _("yes") if column.required else "", str(kind.field_help.get(column.name, ""))])
    help_sheet.append([])
    help_sheet.append([str(kind.label), "", _("One row per line of the first sheet; the first row holds the column names.")])
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["C"].width = 70
    if kind.example_rows:
        example = workbook.create_sheet(_("Example"))
        example.append(kind.headers)
        for cell in example[1]:
            cell.font = Font(bold=True)
        for row in kind.example_rows:
            # Written as text, so an example never becomes a formula or a date the workbook reformats.
            example.append([str(value) for value in row])
            for cell in example[example.max_row]:
                cell.data_type = "s"
        for index, header in enumerate(kind.headers, start=1):
            example.column_dimensions[cell_column(index)].width = max(12, len(header) + 2)
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
