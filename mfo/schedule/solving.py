"""The "Build the schedule" page: start the solver in the background, follow it, stop it, and accept or discard its proposal.

The proposal is kept in the solver job's progress (see mfo.schedule.jobs); Accept writes it with
the service layer (mfo.schedule.services), which refuses a proposal the schedule has moved on from.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import auth_required, current_user, permissions_accepted
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.validators import DataRequired, NumberRange, Optional

from mfo.database import db
from mfo.festival.scoping import current_festival
from mfo.jobs import claims
from mfo.schedule import jobs, services
from mfo.schedule.loading import load_problem
from mfo.schedule.permissions import SCHEDULE_WRITE
from mfo.schedule.solver import Weights
from mfo.schedule.views import bp

MAX_WEIGHT = 10000


def _weight(name: str, label) -> IntegerField:
    """Return a field for one weight of the solver's objective, its default the solver's; left out of a post, the default stands."""
    return IntegerField(label, default=getattr(Weights(), name), validators=[Optional(), NumberRange(min=0, max=MAX_WEIGHT)])


class StartForm(FlaskForm):
    """How long the solver may search, and what it should avoid most (each weight in points of the objective)."""

    time_limit = IntegerField(
        _l("Seconds the solver may search"),
        default=jobs.DEFAULT_TIME_LIMIT,
        validators=[DataRequired(), NumberRange(min=5, max=jobs.MAX_TIME_LIMIT)],
    )
    # The weights an organizer may change, in their words (mfo.schedule.solver.Weights has them all).
    keep_together = _weight("keep_together", _l("Families and groups who asked to come on the same day, or back to back: "
                                                "points per request not kept"))
    long_wait = _weight("long_wait", _l("Performers waiting longer than the festival's limit: points per performer and day"))
    teacher_overlap = _weight("teacher_overlap", _l("Teachers with pupils in two venues at the same time: points per pair of classes"))
    age_order = _weight("age_order", _l("Younger classes after older ones in a session: points per pair of classes"))
    idle = _weight("idle", _l("Performers' waiting time between their classes: points per minute"))
    day = _weight("day", _l("Days each performer must come: points per extra day"))
    balance = _weight("balance", _l("Sessions evenly filled: points per percent of the fullest session"))
    submit = SubmitField(_l("Build the schedule"))

    WEIGHTS = ("keep_together", "long_wait", "teacher_overlap", "age_order", "idle", "day", "balance")

    def weight_fields(self) -> list:
        """Return the weights' fields in the page's order."""
        return [getattr(self, name) for name in self.WEIGHTS]

    def changed_weights(self) -> dict[str, int]:
        """Return the weights set to something other than their defaults (an emptied field keeps its default)."""
        defaults = Weights()
        chosen = {name: getattr(self, name).data for name in self.WEIGHTS}
        return {name: value for name, value in chosen.items() if value is not None and value != getattr(defaults, name)}


class JobForm(FlaskForm):
    """Stop, accept or discard: which job's proposal the page showed."""

    job_id = HiddenField()


def _back():
    """Return to the page."""
    return redirect(url_for("schedule.solve"))


@bp.route("/solve")
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def solve():
    """Show the solver's state: a form to start it, its progress, or its proposal against the current schedule."""
    festival = current_festival()
    job = jobs.latest(festival)
    state = claims.describe(job)
    kept = jobs.proposal_of(job)
    seen = problem = None
    if kept is not None:
        problem = load_problem(festival)
        seen = services.review(problem, services.Proposal.from_json(kept, problem))
    return render_template(
        "schedule/solve.html",
        festival=festival,
        job=job,
        state=state,
        running=job is not None and not state["done"],
        seen=seen,
        problem=problem,
        start_form=StartForm(),
        job_form=JobForm(job_id=job.id if job else ""),
    )


@bp.route("/solve/status")
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def solve_status():
    """Return how far the solver is (polled by the page): status, best idle minutes so far, seconds left."""
    festival = current_festival()
    job = jobs.latest(festival)
    state = claims.describe(job)
    progress = state.pop("progress")
    state.update(best_idle_minutes=progress.get("best_idle_minutes"), seconds_left=progress.get("seconds_left"),
                 proposal=jobs.proposal_of(job) is not None)
    return jsonify(state)


@bp.route("/solve/start", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def solve_start():
    """Start the solver on the festival in the background (one at a time per festival)."""
    festival = current_festival()
    form = StartForm()
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            label = getattr(form, name).label.text if hasattr(form, name) else ""
            for message in errors:
                flash(f"{label}: {message}" if label else message, "error")
        return _back()
    if jobs.start(festival, form.time_limit.data, current_user.id, form.changed_weights()) is None:
        flash(_("The solver is already working on this festival's schedule."), "warning")
    return _back()


def _job_of_form(festival):
    """Return the festival's latest job if the posted form names it (CSRF checked), else abort 400."""
    form = JobForm()
    if not form.validate_on_submit():
        abort(400)
    job = jobs.latest(festival)
    if job is None or str(job.id) != (form.job_id.data or ""):
        flash(_("This proposal is no longer the latest one."), "warning")
        return None
    return job


@bp.route("/solve/stop", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def solve_stop():
    """Ask the running solver to stop: it keeps the best schedule found so far as its proposal."""
    festival = current_festival()
    if _job_of_form(festival) is not None:
        claims.request_stop(jobs.subject(festival))
        db.session.commit()
        flash(_("The solver was asked to stop; it keeps the best schedule found so far."), "info")
    return _back()


@bp.route("/solve/accept", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def solve_accept():
    """Write the proposal as the festival's schedule (recorded in the audit trail); refused if the schedule changed since."""
    festival = current_festival()
    job = _job_of_form(festival)
    kept = jobs.proposal_of(job)
    if kept is None:
        if job is not None:
            flash(_("There is no proposal to accept."), "warning")
        return _back()
    problem = load_problem(festival)
    try:
        services.apply(festival, services.Proposal.from_json(kept, problem), problem, actor=current_user)
    except services.StaleProposal:
        db.session.rollback()
        flash(_("The schedule changed since this proposal was made: nothing was written. Build the schedule again."), "error")
        return _back()
    except services.NotErrorFree:
        db.session.rollback()
        flash(_("This proposal has errors: nothing was written."), "error")
        return _back()
    jobs.close(job, "accepted")
    db.session.commit()
    flash(_("The proposed schedule was written."), "success")
    return redirect(url_for("schedule.index"))


@bp.route("/solve/discard", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def solve_discard():
    """Set the proposal aside: the schedule stays as it is."""
    festival = current_festival()
    job = _job_of_form(festival)
    if job is not None and jobs.proposal_of(job) is not None:
        jobs.close(job, "discarded")
        db.session.commit()
        flash(_("The proposal was discarded; the schedule is unchanged."), "info")
    return _back()
