"""The online entry forms: a performer profile (the account holder, or a child with the holder as guardian), an entry."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, SelectField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from mfo.enter.services import PersonValues
from mfo.festival.forms import DurationField

NAME_MAX = 100  # Person.first_name and last_name
EMAIL_MAX = 255  # PupilGuardian.email
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


PIECE_ROWS = 3
TITLE_MAX = 300  # Piece.title
COMPOSER_MAX = 200  # Piece.composer
SCHOOL_MAX = 200  # School.name


class PieceForm(Form):
    """One piece of an entry: its title, composer and the duration the performer will take."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=TITLE_MAX)], filters=[_strip])
    composer = StringField(_l("Composer"), validators=[Optional(), Length(max=COMPOSER_MAX)], filters=[_strip])
    duration = DurationField(_l("Duration"), description=_l("Minutes and seconds, e.g. 3:30."))

    def validate(self, extra_validators=None) -> bool:
        """A row with a title needs a duration, and a duration needs a title."""
        valid = super().validate(extra_validators)
        if self.title.data and self.duration.data is None and not self.duration.errors:
            self.duration.errors.append(_l("Give the piece's duration."))
            valid = False
        if self.duration.data is not None and not self.title.data:
            self.title.errors.append(_l("Give the piece's title."))
            valid = False
        return valid


class EntryForm(FlaskForm):
    """An entry: the pieces in performance order (one at least), the teacher, accompanist and school, if any.

    A class with set pieces offers them as a choice, played first; the rows below are free text (a
    class may ask for a set piece and one of the performer's own choice). Only this class's set
    pieces are valid choices: any other id is refused. A free title that is no set piece is the
    validator's not-a-set-piece, shown with the draft.
    """

    set_piece = SelectField(_l("Set piece"), choices=[])
    set_piece_duration = DurationField(_l("Duration of the set piece"), description=_l("Minutes and seconds, e.g. 3:30."))
    pieces = FieldList(FormField(PieceForm), min_entries=PIECE_ROWS, max_entries=PIECE_ROWS)
    teacher_first_name = StringField(_l("Teacher's first name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip])
    teacher_last_name = StringField(_l("Teacher's last name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip])
    accompanist_first_name = StringField(
        _l("Accompanist's first name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip]
    )
    accompanist_last_name = StringField(
        _l("Accompanist's last name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip]
    )
    school = StringField(
        _l("School"), validators=[Optional(), Length(max=SCHOOL_MAX)], filters=[_strip],
        description=_l("The school, conservatory or studio the entry comes from, if any."),
    )
    submit = SubmitField(_l("Add to the basket"))

    def __init__(self, *args, festival_class=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The class's set pieces by their id as the form posts it.
        self.set_pieces = {str(sp.id): sp.piece for sp in festival_class.set_pieces} if festival_class is not None else {}
        self.accompanist_required = bool(festival_class is not None and festival_class.accompanist_required)
        if self.set_pieces:
            self.set_piece.choices = [
                ("", _l("Choose a set piece")),
                *((key, f"{piece.title} ({piece.composer})" if piece.composer else piece.title) for key, piece in self.set_pieces.items()),
            ]
        else:
            del self.set_piece
            del self.set_piece_duration

    def validate(self, extra_validators=None) -> bool:
        """At least one piece; a set piece needs its duration; a teacher's or accompanist's last name needs a first name."""
        valid = super().validate(extra_validators)
        chosen = self.set_piece is not None and bool(self.set_piece.data)
        if self.set_piece is not None:
            duration = self.set_piece_duration
            if chosen and duration.data is None and not duration.errors:
                duration.errors = [*duration.errors, _l("Give the piece's duration.")]
                valid = False
            if duration.data is not None and not chosen:
                self.set_piece.errors = [*self.set_piece.errors, _l("Choose the set piece this duration is for.")]
                valid = False
        first = self.pieces.entries[0].form
        if not chosen and not any(row.form.title.data for row in self.pieces.entries) and not first.title.errors:
            if self.set_piece is not None and not self.set_piece.errors:
                self.set_piece.errors = [*self.set_piece.errors, _l("Give at least one piece.")]
            else:
                first.title.errors.append(_l("Give at least one piece."))
            valid = False
        for first_name, last_name, message in (
            (self.teacher_first_name, self.teacher_last_name, _l("Give the teacher's first name.")),
            (self.accompanist_first_name, self.accompanist_last_name, _l("Give the accompanist's first name.")),
        ):
            if last_name.data and not first_name.data:
                first_name.errors = [*first_name.errors, message]
                valid = False
        return valid

    def typed_pieces(self) -> list[dict]:
        """Return the pieces typed, in order (the set piece chosen first), as the basket keeps them."""
        pieces = []
        if self.set_piece is not None and self.set_piece.data:
            piece = self.set_pieces[self.set_piece.data]
            pieces.append({"title": piece.title, "composer": piece.composer or "", "duration": self.set_piece_duration.data})
        pieces.extend(
            {"title": row.form.title.data, "composer": row.form.composer.data or "", "duration": row.form.duration.data}
            for row in self.pieces.entries
            if row.form.title.data
        )
        return pieces

    def teacher(self) -> tuple[str, str]:
        """Return the teacher's name as typed ("" for none)."""
        return (self.teacher_first_name.data or "", self.teacher_last_name.data or "")

    def accompanist(self) -> tuple[str, str]:
        """Return the accompanist's name as typed ("" for none)."""
        return (self.accompanist_first_name.data or "", self.accompanist_last_name.data or "")


class ConfirmForm(FlaskForm):
    """A button that changes the basket (remove, submit): a CSRF-protected POST."""

    submit = SubmitField(_l("Confirm"))


class TeacherForm(FlaskForm):
    """Entering as a teacher: the teacher's name, asked only when the account has no record of its own yet."""

    first_name = StringField(_l("Your first name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip])
    last_name = StringField(_l("Your last name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip])
    submit = SubmitField(_l("I am a teacher"))

    def __init__(self, *args, needs_name: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.needs_name = needs_name
        if needs_name:
            for field in (self.first_name, self.last_name):
                field.validators = [InputRequired(), Length(max=NAME_MAX)]
                field.flags.required = True

    def values(self) -> PersonValues | None:
        """Return the teacher's name as typed, when the form asked for it."""
        return PersonValues(self.first_name.data, self.last_name.data, None) if self.needs_name else None


class PupilForm(ProfileForm):
    """A pupil a teacher enters: name, birth date, and the guardian's email when the teacher has it."""

    guardian_email = StringField(
        _l("Guardian's email (optional)"),
        validators=[Optional(), Length(max=EMAIL_MAX), Email()],
        filters=[_strip],
        description=_l("The family's account with this email, once confirmed, sees the pupil and the entries you make."),
    )
