"""The festival's forms: its settings, making it current; and form fields the festival features share (durations, money)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from mfo.festival.labels import STATUS_LABELS
from mfo.festival.models import CONSENT_AGE_MAX, DEFAULT_CONSENT_AGE, DEFAULT_CURRENCY
from mfo.festival.services import SLUG_MAX, YEARS, FestivalSettings, currency_code
from mfo.festival.values import ValueTooLong, ZeroDuration, format_duration, parse_duration, parse_money


def _strip(value):
    """Strip the spaces around a text value (None stays None)."""
    return value.strip() if isinstance(value, str) else value


class FestivalForm(FlaskForm):
    """A festival's settings: name, year, address (slug), days, age cut-off, entry window and status."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)], filters=[_strip])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(*YEARS)])
    slug = StringField(
        _l("Address in links"),
        validators=[Optional(), Length(max=SLUG_MAX)],
        filters=[lambda v: _strip(v) or None],
        description=_l("Lowercase letters, digits and hyphens, e.g. spring-2027. Left empty, it is made from the name."),
    )
    start_date = DateField(_l("First day"), validators=[InputRequired()])
    end_date = DateField(_l("Last day"), validators=[InputRequired()])
    age_cutoff = DateField(
        _l("Age cut-off date"),
        validators=[InputRequired()],
        description=_l("Performers' ages are taken on this date (often 31 December before the festival)."),
    )
    entries_open = DateField(_l("Entries open"), validators=[Optional()])
    entries_close = DateField(_l("Entries close"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()), default="draft")
    currency = StringField(
        _l("Currency"),
        # Left empty: the default currency (a form posted without the field keeps the festival's).
        validators=[Optional(), Length(max=3)],
        filters=[currency_code],
        default=DEFAULT_CURRENCY,
        description=_l("The three-letter code of the money fees are paid in, e.g. CAD, USD or EUR."),
    )
    consent_age = IntegerField(
        _l("Age from which performers give their own consent"),
        # Left empty: the default age (a form posted without the field gets it too).
        validators=[Optional(), NumberRange(0, CONSENT_AGE_MAX)],
        default=DEFAULT_CONSENT_AGE,
        description=_l("Younger performers' consents (photos, name published) are given by their guardian's account."),
    )
    submit = SubmitField(_l("Save"))

    def settings(self) -> FestivalSettings:
        """Return the settings typed in the form (the slug made from the name when left empty)."""
        return FestivalSettings(
            name=self.name.data or "",
            year=self.year.data,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            age_cutoff=self.age_cutoff.data,
            entries_open=self.entries_open.data,
            entries_close=self.entries_close.data,
            status=self.status.data,
            slug=self.slug.data or None,
            currency=self.currency.data or DEFAULT_CURRENCY,
            consent_age=DEFAULT_CONSENT_AGE if self.consent_age.data is None else self.consent_age.data,
        )


class ConfirmForm(FlaskForm):
    """A confirmation: the page says what will happen; the button does it (CSRF-protected POST)."""

    submit = SubmitField(_l("Confirm"))


def too_long(error: ValueTooLong) -> str:
    """Return, in the page's language, that a typed value is longer than any valid one."""
    return _("Too long: write at most %(count)s characters.", count=error.limit)


class DurationField(Field):
    """A duration typed as m:ss, minutes or "4 min" and kept in seconds; shown as m:ss.

    zero: zero is a real answer (no change-over time); otherwise it is refused as too short.
    """

    widget = TextInput()

    def __init__(self, *args, zero: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zero = zero

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_duration(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist) -> None:
        """Read the typed duration; a blank field is None."""
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_duration(valuelist[0], zero=self.zero)
            except ValueTooLong as error:
                raise ValueError(too_long(error)) from None
            except ZeroDuration:
                raise ValueError(_("A duration must be longer than zero.")) from None
            except ValueError:
                # The parser's reason is English; the form speaks the page's language. A plain string, not a
                # lazy one: Flask-Admin shows a field's errors only when they are strings.
                raise ValueError(_("Not a duration: write minutes and seconds, e.g. 4:30.")) from None


class MoneyField(Field):
    """An amount of money typed as 12.50, 12,50 or $12.50 and kept as a Decimal with two places."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:.2f}" if self.data is not None else ""

    def process_formdata(self, valuelist) -> None:
        """Read the typed amount; a blank field is None (the form decides what that means)."""
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_money(valuelist[0])
            except ValueTooLong as error:
                raise ValueError(too_long(error)) from None
            except ValueError:
                raise ValueError(_("Not an amount of money: write it like 12.50.")) from None
