"""The consents page of a festival (every performer's answers, consent-read) and a person's data as JSON (a data request)."""

from __future__ import annotations

import json
from collections import defaultdict

from flask import Response, abort, render_template, request
from flask_security import auth_required, permissions_accepted, permissions_required
from sqlalchemy import select

from mfo.audit.trail import record
from mfo.consent.models import KINDS, Consent
from mfo.consent.permissions import CONSENT_READ, DATA_EXPORT_PERMISSIONS
from mfo.consent.privacy import export_data
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
    """List every performer with recorded consents in the festival, optionally only those whose name is withheld."""
    festival = current_festival()
    withheld_only = request.args.get("withheld") == "1"
    rows = db.session.execute(
        select(Person, Consent)
        .join(Consent, Consent.person_id == Person.id)
        .where(Consent.festival_id == festival.id)
        .order_by(reading(Person.last_name), reading(Person.first_name), Person.id)
    ).all()
    answers: dict[int, dict[str, Consent]] = defaultdict(dict)
    people: dict[int, Person] = {}
    for person, consent in rows:
        people[person.id] = person
        answers[person.id][consent.kind] = consent
    listed = [
        (person, answers[person.id]) for person in people.values()
        if not withheld_only or (answers[person.id].get("publish-name") and not answers[person.id]["publish-name"].given)
    ]
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
