"""Publishing pages: the schedule's versions and status, the changelog, Publish, and emailing the people concerned.

Who does what: `schedule-read` (the front desk and organizers) reads the versions and every
changelog; `schedule-write` (organizers) publishes and sends the emails. Both actions are POSTs
with a CSRF token, go through mfo.schedule.publishing and are recorded in the audit trail.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import auth_required, current_user, permissions_accepted
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length

from mfo.database import db
from mfo.festival.scoping import current_festival
from mfo.people.permissions import PEOPLE_READ
from mfo.schedule import notify_job, publishing
from mfo.schedule.permissions import SCHEDULE_READ, SCHEDULE_WRITE
from mfo.schedule.views import bp

# The most names of people without an email listed in the message after sending; the rest are counted.
NAMES_SHOWN = 30


class PublishForm(FlaskForm):
    """Publish the schedule as its next version, with a note, and optionally email the people concerned at once."""

    note = StringField(_l("Note (kept with the version)"), validators=[Length(max=publishing.NOTE_MAX)])
    notify = BooleanField(_l("Email the people concerned by the changes"))
    submit = SubmitField(_l("Publish"))


class NotifyForm(FlaskForm):
    """Email the people concerned by a version's changes."""

    submit = SubmitField(_l("Send to the families concerned"))


def _may_publish() -> bool:
    """Tell whether the signed-in user may publish and send (schedule-write)."""
    return current_user.has_permission(SCHEDULE_WRITE)


def _version_or_404(number: int):
    """Return the current festival's version of that number, or 404 (another festival's versions are not found)."""
    version = publishing.version_of(current_festival(), number)
    if version is None:
        abort(404)
    return version


@bp.route("/versions")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def versions():
    """Show whether the schedule is a draft or published, the changes waiting for the next version, and every version."""
    festival = current_festival()
    state = publishing.status(festival)
    return render_template(
        "schedule/versions.html", festival=festival, state=state, versions=publishing.versions(festival),
        may_publish=_may_publish(), publish_form=PublishForm(), format_datetime=format_datetime,
        # Who published is an account's email, personal data: hidden from whoever may not read people.
        show_who=current_user.has_permission(PEOPLE_READ),
    )


@bp.route("/changes")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def changes():
    """Show the changes since the latest version: what the next version will publish."""
    festival = current_festival()
    return render_template("schedule/changes.html", festival=festival, changelog=publishing.pending_changes(festival),
                           notify_form=None, format_datetime=format_datetime)


def _changes_page(number: int, since: int | None):
    """Render what version `number` changed from `since` (default: the version before it); 404 for a version the festival lacks."""
    festival = current_festival()
    published = _version_or_404(number)
    earlier = None
    if since is not None and since != number - 1:
        earlier = _version_or_404(since)
        if earlier.number >= published.number:
            abort(404)
    # The emails are about a version's own changes (from the one before it): the button is not offered on a comparison.
    sends = _may_publish() and earlier is None
    return render_template("schedule/changes.html", festival=festival, changelog=publishing.changes_of(festival, published, earlier),
                           notify_form=NotifyForm() if sends else None, sending=_sending(published) if sends else None,
                           format_datetime=format_datetime)


@bp.route("/versions/<int:number>")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def version(number: int):
    """Show what a version changed from the one before it (or from ?since=<an earlier version>), and the organizers' Send button."""
    return _changes_page(number, request.args.get("since", type=int))


@bp.route("/versions/compare")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def compare():
    """Show the changes between two versions chosen on the versions page, the earlier first whichever way they were picked.

    Without a choice: the latest version's own changes.
    """
    festival = current_festival()
    last = publishing.latest(festival)
    if last is None:
        abort(404)
    first = request.args.get("since", type=int)
    second = request.args.get("until", type=int) or last.number
    if first is None or first == second:
        return _changes_page(second, None)
    since, until = sorted((first, second))
    return _changes_page(until, since)


@bp.route("/publish", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def publish():
    """Publish the schedule as its next version (refused while it has errors); email the people concerned if asked."""
    festival = current_festival()
    form = PublishForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("schedule.versions"))
    try:
        published = publishing.publish(festival, note=form.note.data or "", actor=current_user)
    except publishing.PublishRefused as refusal:
        db.session.rollback()
        flash(publishing.refusal_message(refusal), "error")
        return redirect(url_for("schedule.versions"))
    db.session.commit()
    flash(_("Version %(number)d of the schedule is published.", number=published.number), "success")
    if form.notify.data:
        _send(festival, published)
    return redirect(url_for("schedule.version", number=published.number))


def _send(festival, published) -> None:
    """Start emailing the people concerned by a version's changes in the background (the version's page follows it)."""
    job = notify_job.start(festival, published, current_user.id, str(get_locale() or ""))
    if job is None:
        flash(_("The emails of version %(number)d are being sent already.", number=published.number), "warning")
    else:
        flash(_("The emails of version %(number)d are being sent: its page says when they have gone.", number=published.number), "info")


def _sending(published) -> dict | None:
    """Return what the latest job sending a version's emails did or is doing, for its page (None: never asked)."""
    job = notify_job.latest(published)
    if job is None:
        return None
    progress = job.progress or {}
    names = list(progress.get("without_email") or [])[:NAMES_SHOWN]
    more = int(progress.get("without_email_count") or 0) - len(names)
    return {
        "live": job.status in ("queued", "running"),
        "failed": job.status == "failed",
        "sent": progress.get("sent") if job.status == "done" else None,
        "without_email": ", ".join(names) + (" " + ngettext("and %(num)d other", "and %(num)d others", more) if more > 0 else ""),
    }


@bp.route("/versions/<int:number>/notify", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def notify(number: int):
    """Email each person concerned by a version's changes the performances that concern them (audited)."""
    festival = current_festival()
    published = _version_or_404(number)
    if not NotifyForm().validate_on_submit():
        abort(400)
    _send(festival, published)
    return redirect(url_for("schedule.version", number=published.number))
