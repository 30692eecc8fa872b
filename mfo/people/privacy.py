"""The people feature's part of a person's data (a data request) and of forgetting people (a purge).

Declared on the feature (`personal_data`, `forget_people`); the consent feature's privacy service
collects every feature's parts (mfo.consent.privacy), so this feature never learns of the others.
"""

from __future__ import annotations

from datetime import date

from flask.cli import AppGroup
from sqlalchemy import select

from mfo.database import db
from mfo.people.models import Group, Person, group_member

# The `flask --app mfo people` commands; higher features add theirs to it (export-data, purge) in their set-up.
people_cli = AppGroup("people", help="People's data: answer a request for it, purge it after the retention period.")

# What an anonymized person is called: their id keeps them apart in counts and lists.
ANONYMOUS_FIRST_NAME = "Anonymous"


def personal_data(person: Person) -> dict:
    """Return the person's own record and their groups, for a data request."""
    group_ids = select(group_member.c.group_id).where(group_member.c.person_id == person.id)
    groups = db.session.scalars(select(Group).where((Group.id.in_(group_ids)) | (Group.contact_id == person.id)).order_by(Group.id))
    return {
        "person": {
            "id": person.id, "first_name": person.first_name, "last_name": person.last_name,
            "birth_date": person.birth_date.isoformat() if person.birth_date else None,
            "email": person.email, "phone": person.phone, "address": person.address,
            "school": person.school.name if person.school else None, "guardian_id": person.guardian_id,
            "created_at": person.created_at.isoformat() if person.created_at else None,
        },
        "groups": [{"id": g.id, "name": g.name, "contact": g.contact_id == person.id} for g in groups],
    }


def anonymize(person: Person) -> None:
    """Replace a person's name, keep only the year of their birth date, and remove their contact details."""
    person.set_name(ANONYMOUS_FIRST_NAME, f"#{person.id}")
    if person.birth_date is not None:
        person.birth_date = date(person.birth_date.year, 1, 1)
    person.email = person.phone = person.address = None


def forget_people(plan) -> None:
    """Anonymize every person of the plan (the plan's `person_ids`)."""
    ids = sorted(plan.person_ids)
    for start in range(0, len(ids), 500):
        for person in db.session.scalars(select(Person).where(Person.id.in_(ids[start:start + 500]))):
            anonymize(person)
