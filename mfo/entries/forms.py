"""The entries' forms: an entry's status and the amount paid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from mfo.entries.labels import STATUS_LABELS
from mfo.festival.forms import MoneyField


class EntryUpdateForm(FlaskForm):
    """What the front desk and organizers change on an entry: its status and what was paid."""

    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()))
    amount_paid = MoneyField(_l("Amount paid"))
    submit = SubmitField(_l("Save"))
