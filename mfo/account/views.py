"""Account views: the signed-in user's profile and security settings."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_security import auth_required, current_user, logout_user, url_for_security

from mfo.account.forms import ProfileForm, SetPasswordForm
from mfo.audit.browsers import describe_browser
from mfo.audit.trail import record, sign_ins_of, user_target
from mfo.database import db
from mfo.security import invitations
from mfo.security.mfa import has_mfa, mfa_required
from mfo.security.roles import role_description
from mfo.security.sessions import end_all_sessions

# The answer to an invitation link that no longer works, by why.
_INVITATION_GONE_STATUS = {
    invitations.Status.EXPIRED: 410,
    invitations.Status.ACCEPTED: 410,
    invitations.Status.REPLACED: 410,
    invitations.Status.INVALID: 404,
}

bp = Blueprint(
    "account",
    __name__,
    url_prefix="/account",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.route("/", methods=["GET", "POST"])
@auth_required()
def index():
    """Show and save the user's profile: name and language."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data or None
        current_user.locale = form.locale.data
        session["locale"] = form.locale.data
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("account.index"), code=303)
    roles = sorted((role.name, role_description(role)) for role in current_user.roles)
    return render_template("account/index.html", form=form, roles=roles)


@bp.route("/security")
@auth_required()
def security():
    """Show the user's security settings: password, email, two-factor and sign-in details."""
    methods = {"authenticator": _("authenticator app"), "email": _("codes by email")}
    return render_template(
        "account/security.html",
        mfa_enabled=has_mfa(current_user),
        mfa_method=methods.get(current_user.tf_primary_method, current_user.tf_primary_method),
        mfa_required=mfa_required(current_user),
        sign_ins=[_sign_in_row(event) for event in sign_ins_of(current_user)],
        # Flask-Security's bookkeeping copies the current sign-in into the previous one at a first
        # sign-in: only from the second on is there a sign-in before this one.
        has_previous_sign_in=(current_user.login_count or 0) > 1,
    )


def _sign_in_row(event) -> dict:
    """Return a recent sign-in event as the security page shows it: what happened, from where, in words."""
    try:
        details = json.loads(event.details or "{}")
    except ValueError:  # "[redacted]" by a purge of people's data (mfo.audit.trail.redact)
        details = {}
    if event.action == "sign-in":
        result = _("Signed in")
    elif event.action == "account-locked":
        until = details.get("until")
        result = _("Account locked until %(time)s (UTC)", time=until[:16].replace("T", " ")) if until else _("Account locked")
    elif event.action == "account-unlocked":
        result = _("Unlocked by an administrator")
    else:
        result = _("Failed attempt")
    # An unlock comes from an administrator's browser: neither their address nor browser is yours to see.
    own = event.action != "account-unlocked"
    return {
        "at": event.at,
        "action": event.action,
        "result": result,
        "ip": event.ip if own else None,
        "browser": describe_browser(event.user_agent) if own else None,
        "user_agent": event.user_agent if own else None,
    }


@bp.route("/sign-out-everywhere", methods=["POST"])
@auth_required()
def sign_out_everywhere():
    """End every session of the user on every device, this browser's too, and go to the sign-in page."""
    end_all_sessions(current_user)
    record("signed-out-everywhere", target=user_target(current_user))
    db.session.commit()
    # This browser is signed out as well: "everywhere" means it, and signing in again shows it worked.
    logout_user()
    flash(_("You have been signed out everywhere. Sign in again to continue."), "success")
    return redirect(url_for_security("login"), code=303)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Let an invited user set their first password from the emailed link; then they sign in.

    Open to visitors (the signed link is the proof); a signed-in user is asked to sign out first,
    so that nobody sets a password for an account while signed in as another.
    """
    status, user = invitations.read_invitation(token)
    within = format_timedelta(invitations.lifetime())
    if status is not invitations.Status.VALID:
        page = render_template("account/invitation.html", status=status.value, within=within, form=None)
        return page, _INVITATION_GONE_STATUS[status]
    if current_user.is_authenticated:
        return render_template("account/invitation.html", status="signed-in", within=within, form=None)
    form = SetPasswordForm(user)
    if form.validate_on_submit():
        invitations.accept_invitation(user, form.password.data)
        db.session.commit()
        flash(_("Your password is set. Sign in with your email address and this password."), "success")
        return redirect(url_for_security("login"), code=303)
    return render_template("account/invitation.html", status=status.value, within=within, form=form, email=user.email)
