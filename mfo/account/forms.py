"""Forms of the account area."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional


class ProfileForm(FlaskForm):
    """A user's own name and preferred language."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)], filters=[lambda v: v.strip() if v else v])
    locale = SelectField(_l("Language"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = list(current_app.config["MFO_LANGUAGES"].items())
