"""The festival pages: the list of festivals, creating and changing one, choosing the current one, and a festival's page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user, permissions_accepted
from sqlalchemy import select
from werkzeug.routing import BuildError

from mfo.database import db
from mfo.festival.forms import ConfirmForm, FestivalForm
from mfo.festival.labels import festival_status_label
from mfo.festival.models import Festival
from mfo.festival.permissions import FESTIVAL_READ, FESTIVAL_WRITE
from mfo.festival.scoping import current_festival, festival_routes
from mfo.festival.services import (
    FestivalError,
    create_festival,
    current_festival_or_none,
    make_current,
    set_status_from_dates,
    status_from_dates,
    update_festival,
)
from mfo.festival.slots import FESTIVAL_ACTIONS, FESTIVAL_FACTS, collect_flat

bp = festival_routes(Blueprint("festival", __name__, url_prefix="/festivals", template_folder="templates"))

# The page a festival opens on when the reports feature (its dashboard) is installed.
DASHBOARD_ENDPOINT = "reports.dashboard"


def _show_errors(form: FestivalForm, error: FestivalError) -> None:
    """Put the service's reasons next to the fields they concern."""
    for name, message in error.errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, message]


@bp.route("/")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def index():
    """List every festival, newest first, the current one marked."""
    festivals = db.session.scalars(select(Festival).order_by(Festival.start_date.desc(), Festival.id.desc())).all()
    return render_template("festival/index.html", festivals=festivals, may_write=current_user.has_permission(FESTIVAL_WRITE))


@bp.route("/new", methods=["GET", "POST"])
@auth_required()
@permissions_accepted(FESTIVAL_WRITE)
def new():
    """Create a festival from its settings."""
    form = FestivalForm()
    if form.validate_on_submit():
        try:
            festival = create_festival(form.settings())
        except FestivalError as error:
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The festival %(name)s has been created.", name=festival.name), "success")
            return redirect(url_for("festival.detail", festival_slug=festival.slug), code=303)
    return render_template("festival/form.html", form=form, festival=None)


@bp.route("/current")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def current():
    """Open the current festival (its dashboard when there is one), or say how to create the first."""
    festival = current_festival_or_none()
    if festival is None:
        return render_template("festival/none.html", may_write=current_user.has_permission(FESTIVAL_WRITE))
    try:
        return redirect(url_for(DASHBOARD_ENDPOINT, festival_slug=festival.slug))
    except BuildError:
        return redirect(url_for("festival.detail", festival_slug=festival.slug))


@bp.route("/<festival_slug>/")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def detail():
    """Show a festival's settings and facts, and what can be done with it."""
    festival = current_festival()
    today = date.today()
    return render_template(
        "festival/detail.html",
        today=today,
        festival=festival,
        facts=collect_flat(FESTIVAL_FACTS, festival),
        actions=collect_flat(FESTIVAL_ACTIONS, festival),
        may_write=current_user.has_permission(FESTIVAL_WRITE),
        implied_status=status_from_dates(festival, today),
        status_form=ConfirmForm(),
    )


@bp.route("/<festival_slug>/status-from-dates", methods=["POST"], endpoint="status_from_dates")
@auth_required()
@permissions_accepted(FESTIVAL_WRITE)
def status_from_dates_view():
    """Give the festival the status its entry window implies today (the festival page offers it when they disagree)."""
    festival = current_festival()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if set_status_from_dates(festival, date.today()):
        db.session.commit()
        flash(_("The status is now “%(status)s”.", status=festival_status_label(festival.status)), "success")
    else:
        flash(_("The status already agrees with the entry dates."), "info")
    return redirect(url_for("festival.detail", festival_slug=festival.slug), code=303)


@bp.route("/<festival_slug>/edit", methods=["GET", "POST"])
@auth_required()
@permissions_accepted(FESTIVAL_WRITE)
def edit():
    """Change a festival's settings."""
    festival = current_festival()
    form = FestivalForm(obj=festival)
    if form.validate_on_submit():
        try:
            changes = update_festival(festival, form.settings())
        except FestivalError as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            db.session.commit()
            if changes:
                flash(_("The festival's settings have been saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("festival.detail", festival_slug=festival.slug), code=303)
    return render_template("festival/form.html", form=form, festival=festival)


@bp.route("/<festival_slug>/make-current", methods=["GET", "POST"], endpoint="make_current")
@auth_required()
@permissions_accepted(FESTIVAL_WRITE)
def make_current_view():
    """Ask, then make this festival the one the site opens on."""
    festival = current_festival()
    form = ConfirmForm()
    if form.validate_on_submit():
        if make_current(festival):
            db.session.commit()
            flash(_("%(name)s is now the current festival.", name=festival.name), "success")
        else:
            flash(_("%(name)s already is the current festival.", name=festival.name), "info")
        return redirect(url_for("festival.index"), code=303)
    previous = current_festival_or_none()
    return render_template("festival/make_current.html", festival=festival, previous=previous, form=form)
