"""Forms of the account area."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_security.proxies import _security
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError


class ProfileForm(FlaskForm):
    """A user's own name and preferred language."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)], filters=[lambda v: v.strip() if v else v])
    locale = SelectField(_l("Language"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = list(current_app.config["MFO_LANGUAGES"].items())


class SetPasswordForm(FlaskForm):
    """An invited user's first password, typed twice; the site's password policy checks it."""

    password = PasswordField(_l("Password"), validators=[InputRequired()])
    password_confirm = PasswordField(
        _l("Password again"), validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))]
    )
    submit = SubmitField(_l("Set my password"))

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field) -> None:
        """Check the password against the site's policy (length, breached lists, complexity)."""
        errors, normalized = _security.password_util.validate(field.data, False, user=self.user)
        if errors:
            raise ValidationError(" ".join(str(error) for error in errors))
        field.data = normalized
