"""Account views: the signed-in user's profile and security settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user, logout_user, url_for_security

from mfo.account.forms import ProfileForm
from mfo.audit.trail import record, sign_ins_of, user_target
from mfo.database import db
from mfo.security.mfa import has_mfa, mfa_required
from mfo.security.sessions import end_all_sessions

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
    return render_template("account/index.html", form=form)


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
        sign_ins=sign_ins_of(current_user),
    )


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
