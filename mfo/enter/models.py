"""Performer profiles (the people an account enters for: its holder, and the holder's children) and the basket of draft entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.database import db
from mfo.festival.models import Timestamps
from mfo.people.models import Person
from mfo.syllabus.models import FestivalClass

# "self": the account holder's own person record (a performer, or only the guardian of the children);
# "child": a child the holder enters for, whose person record names the holder's as guardian;
# "pupil": a pupil a teacher's account enters for (mfo.enter.teachers), the teacher named on its entries.
RELATIONS = ("self", "child", "pupil")


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


# draft: in the basket, the account's alone; submitted: made into an entry of the festival (entry_id).
BASKET_STATUSES = ("draft", "submitted")


class BasketEntry(Timestamps, db.Model):
    """An entry an account is preparing online: one profile in one class, with the pieces and teacher as typed.

    Drafts stay out of the festival's entries (organizers' lists, the Issues page, the schedule)
    until the account submits them; submitting makes the entry and keeps its id here, with when and
    by whom (the basket's account) it came online.
    """

    __tablename__ = "basket_entry"
    __table_args__ = (CheckConstraint("status IN ('" + "', '".join(BASKET_STATUSES) + "')", name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("festival_class.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("performer_profile.id", ondelete="CASCADE"), index=True)
    teacher_first_name: Mapped[str] = mapped_column(String(100), default="")
    teacher_last_name: Mapped[str] = mapped_column(String(100), default="")
    # [{"title": ..., "composer": ..., "duration": seconds}, ...] in performance order.
    pieces: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="SET NULL"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)

    festival_class: Mapped[FestivalClass] = relationship()
    profile: Mapped[Profile] = relationship()


class TeacherAccount(Timestamps, db.Model):
    """An account that enters as a teacher: the person record its pupils' entries name as teacher (mfo.enter.teachers).

    The person is the account holder's own ("self") record, never a record found by name: claiming a
    name does not open the entries of someone else of that name.
    """

    __tablename__ = "teacher_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)

    person: Mapped[Person] = relationship()


class PupilGuardian(Timestamps, db.Model):
    """The guardian's email a teacher gave for a pupil: the confirmed account of that email sees the pupil as its child.

    `linked_user_id` is the account the pupil was shown to (once linked, the email is not matched again).
    """

    __tablename__ = "pupil_guardian"

    profile_id: Mapped[int] = mapped_column(ForeignKey("performer_profile.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(255), index=True)
    linked_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    profile: Mapped[Profile] = relationship()
