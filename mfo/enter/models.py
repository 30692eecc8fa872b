"""Performer profiles: the people an account enters for (its holder, and the holder's children)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.database import db
from mfo.festival.models import Timestamps
from mfo.people.models import Person

# "self": the account holder's own person record (a performer, or only the guardian of the children);
# "child": a child the holder enters for, whose person record names the holder's as guardian.
RELATIONS = ("self", "child")


class Profile(Timestamps, db.Model):
    """A person an account may enter for. Profiles outlive festivals: a family keeps its children from one season to the next.

    Each account sees and changes only its own profiles (the views look them up by account and id).
    An account has at most one "self" profile (kept by mfo.enter.services).
    """

    __tablename__ = "performer_profile"
    __table_args__ = (
        UniqueConstraint("user_id", "person_id"),
        CheckConstraint("relation IN ('" + "', '".join(RELATIONS) + "')", name="relation_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(10))

    person: Mapped[Person] = relationship()

    def __str__(self) -> str:
        return self.person.full_name
