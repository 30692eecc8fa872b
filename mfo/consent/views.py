"""The consents pages of a festival: every performer's answers (consent-read), an account's own answers (any account,
its own performers only), and a person's data as JSON (a data request)."""

from __future__ import annotations

import json
from collections import defaultdict

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user, permissions_accepted, permissions_required
from flask_security.utils import naive_utcnow
from flask_wtf import FlaskForm
from sqlalchemy import or_, select

from mfo.audit.trail import record
from mfo.consent.models import KINDS, REQUIRED, Consent
from mfo.consent.permissions import CONSENT_READ, DATA_EXPORT_PERMISSIONS
from mfo.consent.privacy import export_data
from mfo.consent.services import (
    consents_of,
    field_name,
    giver,
    missing_required,
    online_performers,
    record_answers,
    withheld_names,
)
from mfo.consent.wording import KIND_LABELS, QUESTIONS, WORDING_VERSION
from mfo.database import db
from mfo.database.collation import reading
from mfo.enter.models import Profile
from mfo.entries.models import Entry, EntryPerformer
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.people.models import Person

bp = festival_blueprint("consent", __name__, url_prefix="/consent", template_folder="templates")


@bp.route("/")
@auth_required()
@permissions_accepted(CONSENT_READ)
def index():
    """List the festival's performers with their answers (those entered online without any: awaiting their guardian)."""
    festival = current_festival()
    withheld_only = request.args.get("withheld") == "1"
    answered = select(Consent.person_id).where(Consent.festival_id == festival.id)
    online = online_performers(festival)
    people = db.session.scalars(
        select(Person).where(or_(Person.id.in_(answered), Person.id.in_(online)))
        .order_by(reading(Person.last_name), reading(Person.first_name), Person.id)
    ).all()
    answers: dict[int, dict[str, Consent]] = defaultdict(dict)
    for consent in db.session.scalars(select(Consent).where(Consent.festival_id == festival.id)):
        answers[consent.person_id][consent.kind] = consent
    withheld = withheld_names(festival, [person.id for person in people])
    listed = [(person, answers[person.id], person.id in withheld) for person in people if not withheld_only or person.id in withheld]
    return render_template(
        "consent/index.html", festival=festival, rows=listed, kinds=KINDS, labels=KIND_LABELS, version=WORDING_VERSION,
        withheld_only=withheld_only,
    )


@bp.route("/people/<int:person_id>/data.json")
@auth_required()
@permissions_required(*DATA_EXPORT_PERMISSIONS)
def person_data(person_id: int):
    """Download everything every feature keeps about a person, as JSON (recorded in the audit trail)."""
    festival = current_festival()
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    data = export_data(person)
    record("person-data-exported", target=f"person #{person.id}", details={"festival": festival.id})
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2, default=str), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="person-{person.id}-data.json"'
    return response


class AnswersForm(FlaskForm):
    """The account's consent answers (the checkboxes are named per performer, read from the form): CSRF only here."""


def answerable(festival, user) -> list:
    """Return (person, standing, answers) for each of the account's performers in the festival's entries it may answer for."""
    people = db.session.scalars(
        select(Person)
        .join(Profile, Profile.person_id == Person.id)
        .where(Profile.user_id == user.id, Person.id.in_(
            select(EntryPerformer.person_id).join(Entry, Entry.id == EntryPerformer.entry_id).where(Entry.festival_id == festival.id)
        ))
        .order_by(Person.first_name, Person.id)
    ).all()
    today = naive_utcnow().date()
    rows = []
    for person in people:
        standing = giver(user, person, festival, today)
        if standing.allowed:
            rows.append((person, standing, {c.kind: c.given for c in consents_of(person, festival)}))
    return rows


@bp.route("/mine", methods=["GET", "POST"])
@auth_required()
def mine():
    """The signed-in account's answers for its performers entered in the festival: read them, change them (withdraw a yes)."""
    festival = current_festival()
    rows = answerable(festival, current_user)
    form = AnswersForm()
    problems: list[str] = []
    if form.validate_on_submit():
        answers_of = {}
        for person, standing, _before in rows:
            # Only the account's own performers are read: a box named after anyone else is ignored.
            answers = {kind: request.form.get(field_name(person.id, kind)) == "yes" for kind in KINDS}
            for kind in missing_required(answers):
                problems.append(_("%(name)s: “%(question)s” is needed to enter; to withdraw it, withdraw the entries.",
                                  name=person.full_name, question=KIND_LABELS[kind]))
            answers_of[person.id] = (person, answers, standing)
        if not problems:
            now = naive_utcnow()
            for person, answers, standing in answers_of.values():
                before = {c.kind: c.given for c in consents_of(person, festival)}
                if before != answers:
                    record_answers(festival, person, answers, user=current_user, given_as=standing.given_as, at=now)
            db.session.commit()
            flash(_("Your answers are saved."), "success")
            return redirect(url_for("consent.mine"))
    return render_template(
        "consent/mine.html", festival=festival, rows=rows, form=form, problems=problems, kinds=KINDS, required=REQUIRED,
        questions=QUESTIONS, labels=KIND_LABELS, version=WORDING_VERSION, field_name=field_name,
    ), 200
