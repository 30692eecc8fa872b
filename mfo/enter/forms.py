"""The online entry forms: a performer profile (the account holder, or a child with the holder as guardian)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from mfo.enter.services import PersonValues

NAME_MAX = 100  # Person.first_name and last_name
EARLIEST_BIRTH = date(1900, 1, 1)


def _strip(value):
    """Strip the spaces around a text value (None stays None)."""
    return value.strip() if isinstance(value, str) else value


def _plausible_birth_date(form, field) -> None:
    """Refuse a birth date in the future or before 1900 (a typing slip that would make every age check wrong)."""
    if field.data is not None and not (EARLIEST_BIRTH <= field.data <= date.today()):
        raise ValidationError(_l("Enter the birth date as it is on the performer's papers."))


class ProfileForm(FlaskForm):
    """A performer's name and birth date (needed to know which classes their age allows)."""

    first_name = StringField(_l("First name"), validators=[InputRequired(), Length(max=NAME_MAX)], filters=[_strip])
    last_name = StringField(_l("Last name"), validators=[InputRequired(), Length(max=NAME_MAX)], filters=[_strip])
    birth_date = DateField(
        _l("Birth date"),
        validators=[InputRequired(), _plausible_birth_date],
        description=_l("Classes are offered by the performer's age on the festival's cut-off date."),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, birth_date_required: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not birth_date_required:
            # The holder's own record, made when they added a child, may have no birth date: they need not perform.
            self.birth_date.validators = [Optional(), _plausible_birth_date]
            self.birth_date.flags.required = False

    def values(self) -> PersonValues:
        """Return the person's details as typed."""
        return PersonValues(self.first_name.data, self.last_name.data, self.birth_date.data)


class SelfForm(ProfileForm):
    """The account holder as a performer: the birth date is needed."""


class ChildForm(ProfileForm):
    """A child, and the holder's own name when the account has no record of its own yet (the child's guardian)."""

    guardian_first_name = StringField(_l("Your first name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip])
    guardian_last_name = StringField(_l("Your last name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip])

    def __init__(self, *args, needs_guardian: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.needs_guardian = needs_guardian
        if needs_guardian:
            for field in (self.guardian_first_name, self.guardian_last_name):
                field.validators = [InputRequired(), Length(max=NAME_MAX)]
                field.flags.required = True

    def guardian_values(self) -> PersonValues | None:
        """Return the holder's name as typed, when the form asked for it."""
        if not self.needs_guardian:
            return None
        return PersonValues(self.guardian_first_name.data, self.guardian_last_name.data, None)
