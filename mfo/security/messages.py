"""Flask-Security's messages (and email subjects) in the site's words: plain sentences, "sign in", in English and French.

Flask-Security reads each message from its SECURITY_MSG_<KEY> setting and passes it through its
own catalog (flask_security.utils.get_message -> localize_callback, its "flask_security" gettext
domain). Its stock messages read badly in places ("Authentication failed - identity or
password/passcode invalid", "log in") and its French says "adresse email" without French spacing.
The messages below replace them: lazy strings from the site's catalog, which the domain installed
here renders in the request's language (Flask-Security's own catalog knows none of them).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_security.babel import FsDomain
from flask_security.core import _default_config, _default_messages

MESSAGES: dict[str, tuple[LazyString, str]] = {
    # Signing in. A locked account gets this same answer (mfo.database.models.User.is_locked).
    "GENERIC_AUTHN_FAILED": (_l("The email address or password is incorrect."), "error"),
    "LOGIN": (_l("Please sign in to see this page."), "info"),
    "UNAUTHENTICATED": (_l("Please sign in to see this page."), "error"),
    "REFRESH": (_l("Please enter your password again to continue."), "info"),
    "REAUTHENTICATION_SUCCESSFUL": (_l("Thank you: you can continue."), "info"),
    "DISABLED_ACCOUNT": (_l("This account is deactivated."), "error"),
    # Registering and confirming the email address.
    "CONFIRM_REGISTRATION": (
        _l("Thank you. To confirm your email address %(email)s, follow the link in the email we have just sent you."),
        "success",
    ),
    "EMAIL_CONFIRMED": (_l("Thank you: your email address is confirmed."), "success"),
    "ALREADY_CONFIRMED": (_l("Your email address is already confirmed."), "info"),
    "INVALID_CONFIRMATION_TOKEN": (_l("This confirmation link is not valid."), "error"),
    "CONFIRMATION_REQUIRED": (_l("Please confirm your email address first."), "error"),
    "CONFIRMATION_REQUEST": (_l("We have sent a confirmation link to %(email)s."), "info"),
    "CONFIRMATION_EXPIRED": (
        _l("This confirmation link has expired (it worked for %(within)s). Ask for a new one below."),
        "error",
    ),
    "EMAIL_ALREADY_ASSOCIATED": (_l("%(email)s is already used by another account."), "error"),
    "EMAIL_NOT_PROVIDED": (_l("Please enter your email address."), "error"),
    "INVALID_EMAIL_ADDRESS": (_l("This email address is not valid."), "error"),
    "CHANGE_EMAIL_SENT": (_l("We have sent a link to %(email)s: follow it to confirm your new email address."), "success"),
    "CHANGE_EMAIL_CONFIRMED": (_l("Your new email address is confirmed."), "success"),
    # Passwords.
    "GENERIC_RECOVERY": (
        _l("If this email address has an account, we have sent it a link to choose a new password."),
        "info",
    ),
    "FORGOT_PASSWORD": (_l("Forgot your password?"), "info"),
    "PASSWORD_RESET_EXPIRED": (
        _l("This link has expired (it worked for %(within)s). Ask for a new one below."),
        "error",
    ),
    "INVALID_RESET_PASSWORD_TOKEN": (_l("This link to choose a new password is not valid."), "error"),
    "PASSWORD_RESET": (_l("Your new password is set, and you are signed in."), "success"),
    "PASSWORD_RESET_NO_LOGIN": (_l("Your new password is set. Sign in with it."), "success"),
    "PASSWORD_CHANGE": (_l("Your password has been changed."), "success"),
    # Two-factor authentication and recovery codes.
    "TWO_FACTOR_INVALID_TOKEN": (_l("This code is not right, or has expired. Enter the code shown now."), "error"),
    "TWO_FACTOR_LOGIN_SUCCESSFUL": (_l("Code accepted."), "success"),
    "TWO_FACTOR_CHANGE_METHOD_SUCCESSFUL": (_l("Your second factor has been changed."), "success"),
    "TWO_FACTOR_PERMISSION_DENIED": (_l("Please sign in again to continue."), "error"),
    "TWO_FACTOR_DISABLED": (_l("Two-factor authentication is off."), "success"),
    "TWO_FACTOR_SETUP_EXPIRED": (_l("Finish the set-up within %(within)s: please start again."), "error"),
    "CODE_HAS_BEEN_SENT": (_l("We have sent you a code."), "info"),
    "FAILED_TO_SEND_CODE": (_l("The code could not be sent. Please try again later."), "error"),
    "INVALID_RECOVERY_CODE": (_l("This recovery code is not right, or was used already."), "error"),
    "NO_RECOVERY_CODES_SETUP": (_l("You have no recovery codes yet."), "info"),
    # Passkeys.
    "WEBAUTHN_REGISTER_SUCCESSFUL": (_l("Passkey “%(name)s” added."), "info"),
    "WEBAUTHN_CREDENTIAL_DELETED": (_l("Passkey “%(name)s” removed."), "info"),
    "WEBAUTHN_NO_VERIFY": (_l("The passkey could not be checked (%(cause)s)."), "error"),
}


# Subjects of Flask-Security's emails that read badly ("Two-Factor Login"), by setting.
SUBJECTS: dict[str, LazyString] = {
    "SECURITY_EMAIL_SUBJECT_TWO_FACTOR": _l("Your mfo sign-in code"),
    "SECURITY_EMAIL_SUBJECT_TWO_FACTOR_RESCUE": _l("A user cannot use their second factor"),
}


class SiteMessagesDomain(FsDomain):
    """Flask-Security's gettext domain, rendering the site's lazy messages in the request's language."""

    def gettext(self, string, **variables):
        """Translate Flask-Security's own strings with its catalog; render ours from the site's catalog."""
        if isinstance(string, LazyString):
            text = str(string)
            return text % variables if variables else text
        return super().gettext(string, **variables)


def init_messages(app: Flask) -> None:
    """Replace Flask-Security's stock messages by ours, unless the settings already replace them;
    install the domain that renders them (call after Flask-Security is set up)."""
    for key, message in MESSAGES.items():
        name = f"SECURITY_MSG_{key}"
        if app.config.get(name) in (None, _default_messages.get(key)):
            app.config[name] = message
    for name, subject in SUBJECTS.items():
        if app.config.get(name) in (None, _default_config.get(name.removeprefix("SECURITY_"))):
            app.config[name] = subject
    app.extensions["security"].i18n_domain = SiteMessagesDomain(app)
