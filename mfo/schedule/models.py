"""The schedule's tables: sessions and their breaks, sections of split classes, the draw, placements and people's requests.

The entries feature knows nothing of sections or the draw: an entry's section and its place in
the draw live here, in `schedule_entry`, one row per entry that has either.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask_security.utils import naive_utcnow
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.adjudicators.models import Adjudicator
from mfo.database import db
from mfo.entries.models import Entry
from mfo.festival.models import Festival, Timestamps
from mfo.people.models import Person
from mfo.syllabus.models import Discipline, FestivalClass
from mfo.venues.models import Venue

# How the entries of a class are ordered: a random draw (its seed kept), by name, youngest first, or by hand on the board.
DRAW_METHODS = ("random", "alphabetical", "age", "manual")
# Keep-together requests: all on one day, or also one after the other in one session.
TOGETHER_MODES = ("same-day", "back-to-back")


def _known(column: str, values: tuple[str, ...]) -> str:
    """Return a CHECK condition that the column holds one of the values."""
    return f"{column} IN ('" + "', '".join(values) + "')"


class Session(Timestamps, db.Model):
    """A block of time in one venue on one festival day, judged by one adjudicator, optionally for one discipline."""

    __tablename__ = "schedule_session"
    __table_args__ = (CheckConstraint("end_time > start_time", name="times_in_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[time] = mapped_column("start_time", Time)
    end: Mapped[time] = mapped_column("end_time", Time)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="RESTRICT"), index=True)
    adjudicator_id: Mapped[int | None] = mapped_column(ForeignKey("adjudicator.id", ondelete="SET NULL"), index=True)
    discipline_id: Mapped[int | None] = mapped_column(ForeignKey("discipline.id", ondelete="SET NULL"), index=True)

    festival: Mapped[Festival] = relationship()
    venue: Mapped[Venue] = relationship()
    adjudicator: Mapped[Adjudicator | None] = relationship()
    discipline: Mapped[Discipline | None] = relationship()
    breaks: Mapped[list[SessionBreak]] = relationship(back_populates="session", order_by="SessionBreak.start", cascade="all, delete-orphan")

    @property
    def starts_at(self) -> datetime:
        """Return when the session starts (its day and start time)."""
        return datetime.combine(self.day, self.start)

    @property
    def ends_at(self) -> datetime:
        """Return when the session ends (its day and end time)."""
        return datetime.combine(self.day, self.end)

    def __str__(self) -> str:
        return self.name or f"{self.day.isoformat()} {self.start.strftime('%H:%M')}"


class SessionBreak(db.Model):
    """A pause inside a session (lunch): nothing is performed between its start and end."""

    __tablename__ = "session_break"
    __table_args__ = (CheckConstraint("end_time > start_time", name="times_in_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("schedule_session.id", ondelete="CASCADE"), index=True)
    start: Mapped[time] = mapped_column("start_time", Time)
    end: Mapped[time] = mapped_column("end_time", Time)

    session: Mapped[Session] = relationship(back_populates="breaks")


class ClassSection(Timestamps, db.Model):
    """A part of a class an organizer split (1203A, 1203B), placed on its own; `label` is the letter added to the code."""

    __tablename__ = "class_section"
    __table_args__ = (UniqueConstraint("class_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("festival_class.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(4))
    position: Mapped[int] = mapped_column(Integer, default=0)

    festival_class: Mapped[FestivalClass] = relationship()

    @property
    def code(self) -> str:
        """Return the section's code as organizers write it: the class's code and the label (1203A)."""
        return f"{self.festival_class.code}{self.label}"

    def __str__(self) -> str:
        return self.code


class ClassDraw(Timestamps, db.Model):
    """How a class's entries are ordered: the method, and for a random draw the seed that gives the order again."""

    __tablename__ = "class_draw"
    __table_args__ = (CheckConstraint(_known("method", DRAW_METHODS), name="method_known"),)

    class_id: Mapped[int] = mapped_column(ForeignKey("festival_class.id", ondelete="CASCADE"), primary_key=True)
    method: Mapped[str] = mapped_column(String(12), default="random")
    seed: Mapped[int | None] = mapped_column(Integer)

    festival_class: Mapped[FestivalClass] = relationship()


class ScheduleEntry(db.Model):
    """An entry's part in the schedule: the section it is in (None: the whole class) and its place in the draw."""

    __tablename__ = "schedule_entry"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("class_section.id", ondelete="SET NULL"), index=True)
    position: Mapped[int | None] = mapped_column(Integer)

    entry: Mapped[Entry] = relationship()
    section: Mapped[ClassSection | None] = relationship()


class Placement(Timestamps, db.Model):
    """Where a class, or one section of it, runs: its session and start; a pinned one stays where the organizer put it."""

    __tablename__ = "placement"
    __table_args__ = (
        CheckConstraint("(class_id IS NULL) <> (section_id IS NULL)", name="one_unit"),
        UniqueConstraint("class_id"),
        UniqueConstraint("section_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    # The unit: a whole class, or a section of a split class (exactly one of the two).
    class_id: Mapped[int | None] = mapped_column(ForeignKey("festival_class.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("class_section.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("schedule_session.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column(DateTime)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    festival_class: Mapped[FestivalClass | None] = relationship()
    section: Mapped[ClassSection | None] = relationship()
    session: Mapped[Session] = relationship()

    @property
    def unit_key(self) -> str:
        """Return the key of the placed unit, as the plain schedule names it ("class-12", "section-5")."""
        return f"section-{self.section_id}" if self.section_id is not None else f"class-{self.class_id}"


class Unavailability(Timestamps, db.Model):
    """A person's request not to be scheduled in a window ("not before 10:00 on Saturday", "not on Sunday")."""

    __tablename__ = "unavailability"
    __table_args__ = (CheckConstraint("end_at > start_at", name="times_in_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column("start_at", DateTime)
    end: Mapped[datetime] = mapped_column("end_at", DateTime)
    note: Mapped[str | None] = mapped_column(String(255))

    festival: Mapped[Festival] = relationship()
    person: Mapped[Person] = relationship()


keep_together_member = Table(
    "keep_together_member",
    db.metadata,
    Column("keep_together_id", Integer, ForeignKey("keep_together.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class KeepTogether(Timestamps, db.Model):
    """A request that some people (siblings, a teacher's pupils) perform on the same day, or back to back."""

    __tablename__ = "keep_together"
    __table_args__ = (CheckConstraint(_known("mode", TOGETHER_MODES), name="mode_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    mode: Mapped[str] = mapped_column(String(12), default="same-day")

    festival: Mapped[Festival] = relationship()
    people: Mapped[list[Person]] = relationship(secondary=keep_together_member, order_by="Person.last_name")

    def __str__(self) -> str:
        return self.name


class ScheduleVersion(db.Model):
    """One publication of a festival's schedule: its number (1, 2, ...), who published it, when, and what it said.

    `performances` is the snapshot: one item per performance as published (entry, class or section,
    session, venue, start, end, the people concerned), written once and never changed, so a later
    change to the schedule leaves every version as it was sent out. See mfo.schedule.publishing.
    """

    __tablename__ = "schedule_version"
    __table_args__ = (
        # Two publications at once cannot both be version 3: the festival's row lock orders them, and this refuses the rest.
        UniqueConstraint("festival_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=naive_utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Who published it as the audit trail names them (an email, or "cli"), kept if the account goes.
    published_by: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    performance_count: Mapped[int] = mapped_column(Integer, default=0)
    performances: Mapped[list] = mapped_column(JSON, default=list, deferred=True)
    # When the families concerned by this version's changes were last emailed, and how many emails went.
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)
    notified_count: Mapped[int | None] = mapped_column(Integer)

    festival: Mapped[Festival] = relationship()
