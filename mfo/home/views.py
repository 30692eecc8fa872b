"""Home views: landing page or dashboard, and the footer's language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_security import current_user
from flask_security.utils import validate_redirect_url

from mfo.database import db
from mfo.features import dashboard_cards

bp = Blueprint("home", __name__, template_folder="templates", static_folder="static", static_url_path="/home/static")


@bp.route("/")
def index():
    """Show the public landing page, or the dashboard of what the signed-in user may do."""
    if current_user.is_authenticated:
        return render_template("home/dashboard.html", cards=dashboard_cards(current_user))
    return render_template("home/index.html")


@bp.route("/favicon.ico")
def favicon():
    """Serve the site icon where browsers look for it by default (pages without an icon link)."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the chosen language (in the session, and on the profile when signed in)."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["MFO_LANGUAGES"]:
        flash(_("That language is not available."), "error")
        return redirect(_safe_next(), code=303)
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    return redirect(_safe_next(), code=303)


def _safe_next() -> str:
    """Return the form's `next` when it stays on this site, else the home page."""
    target = request.form.get("next", "")
    # "//host" and "/\host" are read by browsers as another site.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and validate_redirect_url(target):
        return target
    return "/"
