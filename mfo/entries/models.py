"""Entries: one performer or group in one class of a festival, with the pieces they will play."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.database import db
from mfo.festival.models import Festival, Timestamps
from mfo.people.models import Group, Person, School
from mfo.syllabus.models import FestivalClass, Piece

# submitted: received; accepted: checked by the festival; withdrawn: by the entrant before the schedule;
# scratched: did not perform, after the schedule was made.
STATUSES = ("submitted", "accepted", "withdrawn", "scratched")
ACTIVE_STATUSES = ("submitted", "accepted")
SOURCES = ("online", "import")


class Entry(Timestamps, db.Model):
    """One entry: a class, its performers (or group), teacher, accompanist, pieces, status and fees.

    Where it came from is kept as the entrant gave it: online, or an import file and row. The
    contacts given on the entry are kept too, so one that differs from the person's on file is
    seen (contact-mismatch).
    """

    __tablename__ = "entry"
    __table_args__ = (
        CheckConstraint("status IN ('" + "', '".join(STATUSES) + "')", name="status_known"),
        CheckConstraint("source IN ('" + "', '".join(SOURCES) + "')", name="source_known"),
        Index("ix_entry_festival_id_class_id", "festival_id", "class_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("festival_class.id", ondelete="RESTRICT"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("performing_group.id", ondelete="SET NULL"), index=True)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    accompanist_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    fee: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0.00"))
    amount_paid: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0.00"))
    comments: Mapped[str | None] = mapped_column(Text)
    # The contacts as given on this entry, by part: {"performer": {"email": ..., "phone": ...}, "teacher":
    # {...}, "accompanist": {...}}; a contact that differs from the person's on file is a contact-mismatch.
    given_contacts: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(10), default="online")
    # The import that created the entry (mfo.imports keeps the batches), its file and row.
    import_batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    import_filename: Mapped[str | None] = mapped_column(String(255))
    import_row: Mapped[int | None] = mapped_column(Integer)

    festival: Mapped[Festival] = relationship()
    festival_class: Mapped[FestivalClass] = relationship()
    group: Mapped[Group | None] = relationship()
    teacher: Mapped[Person | None] = relationship(foreign_keys=[teacher_id])
    accompanist: Mapped[Person | None] = relationship(foreign_keys=[accompanist_id])
    school: Mapped[School | None] = relationship()
    performers: Mapped[list[EntryPerformer]] = relationship(
        back_populates="entry", order_by="EntryPerformer.position", cascade="all, delete-orphan"
    )
    pieces: Mapped[list[EntryPiece]] = relationship(
        back_populates="entry", order_by="EntryPiece.position", cascade="all, delete-orphan"
    )

    @property
    def total_duration(self) -> int:
        """Return the declared duration of all its pieces, in seconds."""
        return sum(piece.duration or 0 for piece in self.pieces)

    @property
    def performer_names(self) -> str:
        """Return the group's name, or the performers' names."""
        if self.group is not None:
            return self.group.name
        return ", ".join(p.person.full_name for p in self.performers)

    def __str__(self) -> str:
        return f"{self.festival_class.code} {self.performer_names}"


class EntryPerformer(db.Model):
    """A performer of an entry (every member, for a group's entry), in order."""

    __tablename__ = "entry_performer"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    entry: Mapped[Entry] = relationship(back_populates="performers")
    person: Mapped[Person] = relationship()


class EntryPiece(db.Model):
    """A piece of an entry, in performance order, with the duration the entrant declared (seconds)."""

    __tablename__ = "entry_piece"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("piece.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    duration: Mapped[int | None] = mapped_column(Integer)

    entry: Mapped[Entry] = relationship(back_populates="pieces")
    piece: Mapped[Piece] = relationship()
