"""The imports' forms: upload a file, map its columns, confirm (leaving rows out), undo, discard."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from mfo.imports import kinds


class UploadForm(FlaskForm):
    """Choose what the file holds, and the file."""

    kind = SelectField(_l("The file holds"), validators=[DataRequired()])
    file = FileField(_l("File (CSV or Excel .xlsx)"), validators=[FileRequired(_l("Choose a file to upload."))])
    submit = SubmitField(_l("Upload"))


def mapping_form(kind: str, headers: list[str], mapping: dict[str, str], formdata=None) -> FlaskForm:
    """Return a form with one select per field of the import, listing the file's headers, pre-filled."""
    choices = [("", _l("— not in the file —"))] + [(header, header) for header in headers if header]

    class MappingForm(FlaskForm):
        """Which column of the file feeds each field."""

        submit = SubmitField(_l("Preview the import"))

    declared = kinds.get(kind)
    for column in declared.columns:
        label = f"{column.name} *" if column.required else column.name
        help_text = declared.field_help.get(column.name, "")
        field = SelectField(label, choices=choices, default=mapping.get(column.name, ""), description=help_text)
        setattr(MappingForm, f"field_{column.name}", field)
    return MappingForm(formdata=formdata)


_ROWS = re.compile(r"^[\d\s,;]*$")


def parse_rows(text: str) -> list[int]:
    """Return the row numbers of a list such as "3, 7; 12" (ValueError for anything else)."""
    if not _ROWS.match(text or ""):
        raise ValueError(text)
    return sorted({int(number) for number in re.findall(r"\d+", text or "")})


class ConfirmForm(FlaskForm):
    """Confirm an import, leaving out the rows with errors (and any other row) explicitly."""

    leave_out_errors = BooleanField(_l("Leave out every row with an error"))
    other_rows = StringField(_l("Other rows to leave out (row numbers, separated by commas)"))
    submit = SubmitField(_l("Import"))

    def validate_other_rows(self, field: StringField) -> None:
        """Accept only row numbers."""
        try:
            parse_rows(field.data or "")
        except ValueError:
            raise ValidationError(_l("Write row numbers separated by commas, for example 3, 7, 12.")) from None


class SwitchKindForm(FlaskForm):
    """Import a file not yet applied as another kind, the one its columns fit."""

    kind = HiddenField(validators=[DataRequired()])


class UndoForm(FlaskForm):
    """Undo an applied import."""

    submit = SubmitField(_l("Undo this import"))


class DiscardForm(FlaskForm):
    """Drop an import that was never applied, with its file."""

    submit = SubmitField(_l("Cancel this import"))


class RetryForm(FlaskForm):
    """Run an import's last job again, after it failed or its worker died."""

    submit = SubmitField(_l("Try again"))
