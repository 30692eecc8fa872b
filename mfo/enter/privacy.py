"""The enter feature's part of a person's data (their profiles and online entries) and of forgetting people (a purge)."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from mfo.database import db
from mfo.enter.models import BasketEntry, Profile
from mfo.people.models import Person


def personal_data(person: Person) -> dict:
    """Return the accounts this person is a performer profile of, and the basket entries made for them."""
    profiles = db.session.scalars(select(Profile).where(Profile.person_id == person.id).order_by(Profile.id)).all()
    items = db.session.scalars(
        select(BasketEntry).where(BasketEntry.profile_id.in_([p.id for p in profiles])).order_by(BasketEntry.id)
    ).all() if profiles else []
    return {
        "profiles": [{"id": p.id, "account_id": p.user_id, "relation": p.relation} for p in profiles],
        "online_entries": [
            {"id": item.id, "festival_id": item.festival_id, "class": item.festival_class.code, "status": item.status,
             "entry_id": item.entry_id, "submitted_at": item.submitted_at.isoformat() if item.submitted_at else None,
             "teacher": f"{item.teacher_first_name} {item.teacher_last_name}".strip(), "pieces": item.pieces}
            for item in items
        ],
    }


def forget_people(plan) -> None:
    """Remove the teachers' names typed in the purged festivals' baskets; drop the profiles and baskets of deleted accounts."""
    if plan.festival_ids:
        db.session.execute(
            update(BasketEntry).where(BasketEntry.festival_id.in_(plan.festival_ids))
            .values(teacher_first_name="", teacher_last_name="").execution_options(synchronize_session=False)
        )
    if plan.user_ids:
        db.session.execute(delete(BasketEntry).where(BasketEntry.user_id.in_(plan.user_ids)).execution_options(synchronize_session=False))
        db.session.execute(delete(Profile).where(Profile.user_id.in_(plan.user_ids)).execution_options(synchronize_session=False))
