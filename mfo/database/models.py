"""The accounts' tables: fsqla_v3 Role, User and WebAuthn, and the Flask-Security user datastore.

Nothing here imports the security core or any feature: how sign-in treats a user (lockout, a
required second factor) is asked of the AccountRules the security core installs on the app.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_security import SQLAlchemyUserDatastore
from flask_security.models import fsqla_v3 as fsqla
from flask_security.utils import get_message
from sqlalchemy import DDL, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, event, false, text
from sqlalchemy.orm import Mapped, mapped_column

from mfo.database.setup import db

fsqla.FsModels.set_db_info(db)

# fsqla's association table has neither a primary key nor an index, so every look-up of a user's
# roles scans it: with Flask-Security's joined load of roles, SQLite scanned all of roles_users on
# every signed-in request (30 ms at 100,000 users, growing with the table). Replace it, before the
# models use it, with a keyed table: the primary key (user_id, role_id) serves "roles of a user",
# the index serves "users of a role".
db.metadata.remove(fsqla.FsModels.roles_users)
roles_users = db.Table(
    "roles_users",
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("role.id", ondelete="CASCADE"), primary_key=True, index=True),
)
fsqla.FsModels.roles_users = roles_users


class AccountRules:
    """How sign-in treats a user; this default refuses nobody and asks no one for a second factor.

    The security core installs its own rules on each app (under ACCOUNT_RULES): account lockout,
    and a second factor for everyone with admin access.
    """

    def refuses_sign_in(self, user: User) -> bool:
        """Tell whether sign-in must refuse this user now (a locked account)."""
        del user
        return False

    def requires_mfa(self, user: User) -> bool:
        """Tell whether this user must use a second factor, whatever they chose."""
        del user
        return False


ACCOUNT_RULES = "mfo.account_rules"
_NO_RULES = AccountRules()


def account_rules() -> AccountRules:
    """Return the current app's account rules (the permissive default when none are installed)."""
    return current_app.extensions.get(ACCOUNT_RULES, _NO_RULES)


class Role(db.Model, fsqla.FsRoleMixin):
    """A named set of permissions (the built-in roles are declared by the security core)."""

    __tablename__ = "role"


class User(db.Model, fsqla.FsUserMixin):
    """A person who signs in: festival staff, organizers and administrators."""

    __tablename__ = "user"

    name: Mapped[str | None] = mapped_column(String(120))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Account lockout (the security core's lockout rules): consecutive failed sign-ins, and the end of a lock.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # The 30-second time step of the last second-factor code accepted from this user: a code is
    # accepted once, and neither it nor an older one works again (the security core's Totp).
    tf_totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # A password someone else chose (the one-time password of `users bootstrap-admin`): the user
    # must replace it before anything else once signed in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the pending invitation was sent; cleared when the invitee sets their password.
    invited_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def display_name(self) -> str:
        """Return the name to greet the user by."""
        return self.name or self.email

    def is_locked(self, form_error: list[str] | None = None) -> bool:
        """Refuse sign-in while the account rules say so; Flask-Security shows the generic failure message."""
        if not account_rules().refuses_sign_in(self):
            return False
        if form_error is not None:
            # Sign-in replaces errors on the email field with its generic "invalid credentials"
            # message (SECURITY_RETURN_GENERIC_RESPONSES): a locked account looks like a wrong password.
            form_error.append(get_message("GENERIC_AUTHN_FAILED")[0])
        return True

    def check_tf_required(self, tf_setup_methods, tf_fresh):
        """Require a second factor from users who set one up, and from those the account rules name."""
        required, methods = super().check_tf_required(tf_setup_methods, tf_fresh)
        if not required and account_rules().requires_mfa(self):
            return True, methods
        return required, methods

    def check_tf_required_setup(self) -> bool:
        """Tell the set-up page that this user may not switch two-factor off."""
        return super().check_tf_required_setup() or account_rules().requires_mfa(self)


# The admin's user search matches '%term%' anywhere in the email, username and name (Flask-Admin's
# ILIKE). No B-tree index serves a leading wildcard, so at 100,000 users every search read the whole
# table; on PostgreSQL, pg_trgm's trigram indexes serve it (docs/performance.md has the numbers).
# SQLite has no such index and keeps scanning; PostgreSQL is the production database.
SEARCHED_USER_COLUMNS = ("email", "username", "name")
for _column in SEARCHED_USER_COLUMNS:
    Index(
        f"ix_user_{_column}_trgm",
        User.__table__.c[_column],
        postgresql_using="gin",
        postgresql_ops={_column: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")
event.listen(
    User.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


class WebAuthn(db.Model, fsqla.FsWebAuthnMixin):
    """A passkey registered by a user (fsqla_v3's User has a relationship to it: without it, mappers fail)."""

    __tablename__ = "webauthn"


user_datastore = SQLAlchemyUserDatastore(db, User, Role, WebAuthn)
