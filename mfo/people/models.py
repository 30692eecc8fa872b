"""People, schools and groups: one record per person, whatever they do at the festival."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.database import db
from mfo.festival.models import Timestamps
from mfo.text import normalise_name


class School(Timestamps, db.Model):
    """A school, conservatory or studio that performers and groups come from."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name without accents, case or punctuation: "St. Cecilia Academy" typed again finds it.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    city: Mapped[str | None] = mapped_column(String(100))

    def __str__(self) -> str:
        return self.name


class Person(Timestamps, db.Model):
    """Someone the festival knows: a performer, teacher, accompanist or group contact (an adjudicator later).

    Birth date, address and phone are personal data: pages show them only to holders of people-read.
    A minor's guardian is another person.
    """

    __tablename__ = "person"
    __table_args__ = (Index("ix_person_name_key_birth_date", "name_key", "birth_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="")
    # First and last name without accents, case or punctuation, for matching and duplicate checks.
    name_key: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(Text)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"), index=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    school: Mapped[School | None] = relationship()
    guardian: Mapped[Person | None] = relationship(remote_side=[id])

    @property
    def full_name(self) -> str:
        """Return "First Last"."""
        return f"{self.first_name} {self.last_name}".strip()

    def set_name(self, first_name: str, last_name: str) -> None:
        """Set the name and its matching key together."""
        self.first_name = first_name.strip()
        self.last_name = last_name.strip()
        self.name_key = normalise_name(f"{self.first_name} {self.last_name}")

    def __str__(self) -> str:
        return self.full_name


group_member = Table(
    "group_member",
    db.metadata,
    Column("group_id", Integer, ForeignKey("performing_group.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Group(Timestamps, db.Model):
    """A duet to quintet, choir, band or orchestra: a name, a school, a contact and its members."""

    __tablename__ = "performing_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    school: Mapped[School | None] = relationship()
    contact: Mapped[Person | None] = relationship()
    members: Mapped[list[Person]] = relationship(secondary=group_member, order_by="Person.last_name")

    def __str__(self) -> str:
        return self.name
