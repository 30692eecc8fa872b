"""Per-account lockout: consecutive failed sign-ins lock the account for a cool-off period."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from flask_security import password_reset, user_authenticated, user_failed_authn
from flask_security.recoverable import generate_reset_link
from flask_security.tf_plugin import tf_clean_session
from flask_security.utils import naive_utcnow, send_mail
from sqlalchemy import ColumnElement, update

from mfo.audit.trail import record, user_target
from mfo.database import db
from mfo.database.models import ACCOUNT_RULES, AccountRules, User, user_datastore
from mfo.security.events import record_failed_sign_in
from mfo.security.mfa import mfa_required


def now() -> datetime:
    """Return the current time as naive UTC (how the user table stores times); tests patch this clock."""
    return naive_utcnow()


def threshold() -> int:
    """Return how many consecutive failures lock an account (0: lockout is off)."""
    return int(current_app.config["MFO_LOCKOUT_THRESHOLD"])


def cool_off() -> timedelta:
    """Return how long a locked account stays locked."""
    return timedelta(minutes=float(current_app.config["MFO_LOCKOUT_MINUTES"]))


def is_locked(user: User) -> bool:
    """Tell whether the account is locked now (a lock ends by itself when its cool-off is over)."""
    return user.locked_until is not None and user.locked_until > now()


def refuses_sign_in(user: User) -> bool:
    """Tell whether Flask-Security should refuse this user now: locked, except on forgot-password.

    A password reset by email proves the person owns the account, so it stays open during a lock
    (and ends the lock, see _unlock_after_reset): otherwise anyone could keep a user out by
    typing wrong passwords for their address.
    """
    if has_request_context() and request.endpoint == "security.forgot_password":
        return False
    return is_locked(user)


def locked_clause() -> ColumnElement[bool]:
    """Return the SQL condition "locked now", for queries and the admin's "locked" filter."""
    return User.locked_until.is_not(None) & (User.locked_until > now())


def record_failure(user: User) -> None:
    """Count one failed sign-in; the failure that reaches the threshold locks the account.

    Failures while the account is locked are not counted, so an attacker cannot stretch a lock
    (or pile up a count for after it) by hammering a locked account. The owner is told by email,
    once per lock; the sign-in page still answers as for any wrong password.
    """
    if threshold() <= 0 or is_locked(user):
        return
    # Increment in SQL so that concurrent failures all count; the sign-in view does not commit when
    # its form fails to validate, so commit here (the attribute is then re-read from the database).
    user.failed_logins = type(user).failed_logins + 1
    db.session.commit()
    if user.failed_logins >= threshold() and _lock_once(user):
        record(
            "account-locked",
            target=user_target(user),
            details={"failures": threshold(), "until": user.locked_until.isoformat(timespec="seconds")},
        )
        db.session.commit()
        notify_locked(user)


def _lock_once(user: User) -> bool:
    """Lock the account unless it is locked already; tell whether this call locked it.

    Two failures arriving together may both reach the threshold: the condition in the UPDATE
    lets only one of them lock (and so record and email) it.
    """
    until = now() + cool_off()
    locked = db.session.execute(
        update(User)
        .where(User.id == user.id, User.locked_until.is_(None) | (User.locked_until <= now()))
        .values(locked_until=until, failed_logins=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(user)
    return bool(locked)


def notify_locked(user: User) -> None:
    """Email the owner that their account is locked and until when, in their language when it is
    known, with a link to choose a new password (which also ends the lock)."""
    languages = current_app.config["MFO_LANGUAGES"]
    locale = user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        reset_link = generate_reset_link(user)[0] if current_app.config.get("SECURITY_RECOVERABLE") else None
        send_mail(
            _("Your mfo account is locked for a while"),
            user.email,
            "security/email/account_locked",
            user=user,
            until=format_datetime(user.locked_until, "medium"),
            failures=threshold(),
            reset_link=reset_link,
        )


def _failed_sign_in(sender: Flask, user: User, auth_type: str, tfa: bool = False, **_extra) -> None:
    """Record a failed password, code or passkey, then count it towards the lockout.

    One receiver does both, in this order: a signal's receivers run in no set order, and the
    trail must show the failure before the lock it causes.
    """
    record_failed_sign_in(user, auth_type, tfa)
    record_failure(user)


def lock_user(user: User, until: datetime | None = None) -> None:
    """Lock the account until `until` (default: the cool-off from now); the caller commits."""
    user.locked_until = until or now() + cool_off()
    user.failed_logins = 0


def unlock_user(user: User) -> None:
    """Lift a lock and forget earlier failures (used by the admin's "unlock" action); the caller commits."""
    user.locked_until = None
    user.failed_logins = 0


def _reset_after_sign_in(sender: Flask, user: User, **_extra) -> None:
    """Forget earlier failures once a sign-in completes (Flask-Security's view commits)."""
    if user.failed_logins or user.locked_until is not None:
        unlock_user(user)
        db.session.add(user)


def _unlock_after_reset(sender: Flask, user: User, **_extra) -> None:
    """End a lock when the user sets a new password through the emailed reset link."""
    unlock_user(user)
    db.session.add(user)
    db.session.commit()


def _end_second_factor_step_when_locked() -> None:
    """Drop a half-done two-factor sign-in whose account got locked (its code form checks no lock).

    Without this, someone past the password step could keep guessing codes during the lock, since
    failures while locked are not counted; now they must start again at the password, which refuses.
    """
    user_id = session.get("tf_user_id")
    if not user_id:
        return
    user = user_datastore.find_user(fs_uniquifier=user_id)
    if user is None or is_locked(user):
        tf_clean_session()


class LockoutAndMfaRules(AccountRules):
    """The account rules the security core installs: locked accounts are refused, admins need a second factor."""

    def refuses_sign_in(self, user: User) -> bool:
        """Refuse a locked account (except on forgot-password, see refuses_sign_in)."""
        return refuses_sign_in(user)

    def requires_mfa(self, user: User) -> bool:
        """Ask a second factor of everyone the MFA rule names (admin access, by default)."""
        return mfa_required(user)


def init_lockout(app: Flask) -> None:
    """Install the account rules; reset failure counts on sign-in; stop two-factor steps of locked accounts."""
    app.extensions[ACCOUNT_RULES] = LockoutAndMfaRules()
    user_failed_authn.connect(_failed_sign_in, app)
    user_authenticated.connect(_reset_after_sign_in, app)
    password_reset.connect(_unlock_after_reset, app)
    app.before_request(_end_second_factor_step_when_locked)
