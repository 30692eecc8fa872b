"""Invitations: a signed, timed link with which an invited user sets their first password, once.

An admin creates the user without a password and stamps `invited_at`; the emailed link carries the
user's id and that stamp, signed with SECRET_KEY. The link stops working when it expires
(MFO_INVITATION_DAYS), once the password is set (`invited_at` is cleared), and when a newer
invitation replaces it (the stamp no longer matches).
"""

from __future__ import annotations

import time
from datetime import timedelta
from enum import Enum

from flask import current_app
from flask_security.utils import hash_password, naive_utcnow
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from mfo.audit.trail import record, user_target
from mfo.database import db
from mfo.database.models import User

SALT = "mfo-invitation"


class Status(Enum):
    """What an invitation link is worth now."""

    VALID = "valid"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    REPLACED = "replaced"
    INVALID = "invalid"


def clock() -> float:
    """Return the current Unix time; tests patch this clock to age links."""
    return time.time()


class _Signer(TimestampSigner):
    """itsdangerous' timestamp signer, on this module's clock."""

    def get_timestamp(self) -> int:
        """Return the current time, from the patchable clock."""
        return int(clock())


def _serializer() -> URLSafeTimedSerializer:
    """Return the serializer of invitation tokens (keyed by SECRET_KEY, apart from other tokens by its salt)."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=_Signer)


def lifetime() -> timedelta:
    """Return how long an invitation link works."""
    return timedelta(days=float(current_app.config["MFO_INVITATION_DAYS"]))


def _stamp(user: User) -> str:
    """Return the invitation stamp a token must carry (when the current invitation was sent)."""
    return user.invited_at.isoformat(timespec="microseconds") if user.invited_at else ""


def start_invitation(user: User) -> None:
    """Mark the user invited now (a newer invitation replaces an older link); the caller commits."""
    user.invited_at = naive_utcnow()


def invitation_token(user: User) -> str:
    """Return the token of the user's current invitation (start_invitation first)."""
    return _serializer().dumps([user.id, _stamp(user)])


def read_invitation(token: str) -> tuple[Status, User | None]:
    """Return what the token is worth now, and the invited user when it names one."""
    serializer = _serializer()
    try:
        user_id, stamp = serializer.loads(token, max_age=int(lifetime().total_seconds()))
        expired = False
    except SignatureExpired as error:
        # The signature is good, only old: read whom it invited, to tell expired from accepted.
        expired = True
        try:
            user_id, stamp = serializer.load_payload(error.payload)
        except (BadSignature, TypeError, ValueError):
            return Status.INVALID, None
    except (BadSignature, TypeError, ValueError):
        return Status.INVALID, None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        return Status.INVALID, None
    if user.invited_at is None:
        return Status.ACCEPTED, user
    if stamp != _stamp(user):
        return Status.REPLACED, user
    return (Status.EXPIRED if expired else Status.VALID), user


def accept_invitation(user: User, password: str) -> None:
    """Set the invited user's password: the invitation is used up and the address confirmed (the link
    reached it). Recorded; the caller commits."""
    user.password = hash_password(password)
    user.invited_at = None
    if user.confirmed_at is None:
        user.confirmed_at = naive_utcnow()
    record("invitation-accepted", actor=user, target=user_target(user))
