"""Adjudicators: the people who judge a festival's sessions, what they judge, when they can, and whom they must not judge."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, Table, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.database import db
from mfo.festival.models import Festival, Timestamps
from mfo.people.models import Person, School
from mfo.syllabus.models import Discipline

adjudicator_discipline = Table(
    "adjudicator_discipline",
    db.metadata,
    Column("adjudicator_id", Integer, ForeignKey("adjudicator.id", ondelete="CASCADE"), primary_key=True),
    Column("discipline_id", Integer, ForeignKey("discipline.id", ondelete="CASCADE"), primary_key=True, index=True),
)

adjudicator_conflict_school = Table(
    "adjudicator_conflict_school",
    db.metadata,
    Column("adjudicator_id", Integer, ForeignKey("adjudicator.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", Integer, ForeignKey("school.id", ondelete="CASCADE"), primary_key=True, index=True),
)

adjudicator_conflict_person = Table(
    "adjudicator_conflict_person",
    db.metadata,
    Column("adjudicator_id", Integer, ForeignKey("adjudicator.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Adjudicator(Timestamps, db.Model):
    """A person who judges at one festival: the disciplines they judge, when they are available, their conflicts of interest."""

    __tablename__ = "adjudicator"
    __table_args__ = (UniqueConstraint("festival_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    # The same person record as everywhere else: a teacher who also judges is one person.
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"), index=True)

    festival: Mapped[Festival] = relationship()
    person: Mapped[Person] = relationship()
    disciplines: Mapped[list[Discipline]] = relationship(secondary=adjudicator_discipline, order_by="Discipline.position")
    availability: Mapped[list[AdjudicatorAvailability]] = relationship(
        back_populates="adjudicator",
        order_by="[AdjudicatorAvailability.day, AdjudicatorAvailability.start]",
        cascade="all, delete-orphan",
    )
    # Schools and people (teachers or performers) they must not judge.
    conflict_schools: Mapped[list[School]] = relationship(secondary=adjudicator_conflict_school, order_by="School.name")
    conflict_people: Mapped[list[Person]] = relationship(secondary=adjudicator_conflict_person, order_by="Person.last_name")

    def __str__(self) -> str:
        return self.person.full_name if self.person is not None else f"#{self.id}"


class AdjudicatorAvailability(db.Model):
    """A window an adjudicator can judge on one festival day."""

    __tablename__ = "adjudicator_availability"
    __table_args__ = (CheckConstraint("end_time > start_time", name="times_in_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adjudicator_id: Mapped[int] = mapped_column(ForeignKey("adjudicator.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[time] = mapped_column("start_time", Time)
    end: Mapped[time] = mapped_column("end_time", Time)

    adjudicator: Mapped[Adjudicator] = relationship(back_populates="availability")
