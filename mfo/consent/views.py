"""The consents page of a festival (every performer's answers, consent-read) and a person's data as JSON (a data request)."""

from __future__ import annotations

import json
from collections import defaultdict

from flask import Response, abort, render_template, request
from flask_security import auth_required, permissions_accepted, permissions_required
from sqlalchemy import or_, select

from mfo.audit.trail import record
from mfo.consent.models import KINDS, Consent
from mfo.consent.permissions import CONSENT_READ, DATA_EXPORT_PERMISSIONS
from mfo.consent.privacy import export_data
from mfo.consent.services import online_performers, withheld_names
from mfo.consent.wording import KIND_LABELS, WORDING_VERSION
from mfo.database import db
from mfo.database.collation import reading
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
