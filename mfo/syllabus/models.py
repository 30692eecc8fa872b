"""The syllabus of a festival: disciplines, levels and classes with their set pieces; and the repertoire of pieces."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.database import db
from mfo.festival.models import Festival, Timestamps
from mfo.text import normalise_name

# A class's type and how many performers one entry has: (fewest, most); None: no upper bound.
CLASS_TYPES: dict[str, tuple[int, int | None]] = {
    "solo": (1, 1),
    "duet": (2, 2),
    "trio": (3, 3),
    "quartet": (4, 4),
    "quintet": (5, 5),
    "ensemble": (2, None),
    "recital": (1, 1),
}


class Discipline(Timestamps, db.Model):
    """A family of classes in one festival: piano, strings, voice..."""

    __tablename__ = "discipline"
    __table_args__ = (UniqueConstraint("festival_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.name


class Level(Timestamps, db.Model):
    """A level of classes in one festival: Grade 3, Junior, Open..."""

    __tablename__ = "level"
    __table_args__ = (UniqueConstraint("festival_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.name


def piece_key(title: str, composer: str = "") -> str:
    """Return how a piece is recognised when typed again: its title and composer without accents, case or punctuation."""
    return f"{normalise_name(title)}|{normalise_name(composer)}"


class Piece(Timestamps, db.Model):
    """A work of the repertoire, shared by every festival and entry: title, composer, arranger, usual duration."""

    __tablename__ = "piece"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    composer: Mapped[str] = mapped_column(String(200), default="")
    arranger: Mapped[str | None] = mapped_column(String(200))
    # Seconds; the duration first declared for it, against which later declarations are compared.
    duration: Mapped[int | None] = mapped_column(Integer)
    # Title and composer without accents, case or punctuation: how a piece typed again is recognised.
    key: Mapped[str] = mapped_column(String(520), unique=True)

    def __str__(self) -> str:
        return f"{self.title} ({self.composer})" if self.composer else self.title


class FestivalClass(Timestamps, db.Model):
    """One competition of a festival, e.g. 1203A "Baroque, Grade 3": who may enter it, its fee and its timings.

    Timings are in seconds: the performance time limit (None: none), adjudication time per entry,
    the change-over between entries and the closing time (summary and awards); the schedule builds on them.
    """

    __tablename__ = "festival_class"
    __table_args__ = (
        UniqueConstraint("festival_id", "number", "suffix"),
        CheckConstraint("class_type IN ('" + "', '".join(CLASS_TYPES) + "')", name="type_known"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="ages_in_order"),
        Index("ix_festival_class_festival_id_discipline_id", "festival_id", "discipline_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(10))
    suffix: Mapped[str] = mapped_column(String(4), default="", server_default="")
    name: Mapped[str] = mapped_column(String(200))
    discipline_id: Mapped[int | None] = mapped_column(ForeignKey("discipline.id", ondelete="SET NULL"))
    level_id: Mapped[int | None] = mapped_column(ForeignKey("level.id", ondelete="SET NULL"), index=True)
    class_type: Mapped[str] = mapped_column(String(12), default="solo")
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    fee: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0.00"))
    time_limit: Mapped[int | None] = mapped_column(Integer)
    adjudication_time: Mapped[int] = mapped_column(Integer, default=0)
    changeover_time: Mapped[int] = mapped_column(Integer, default=0)
    accompanist_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The adjudicator's summary and awards after the last entry (seconds).
    closing_time: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    festival: Mapped[Festival] = relationship()
    discipline: Mapped[Discipline | None] = relationship()
    level: Mapped[Level | None] = relationship()
    set_pieces: Mapped[list[SetPiece]] = relationship(
        back_populates="festival_class", order_by="SetPiece.position", cascade="all, delete-orphan"
    )

    @property
    def code(self) -> str:
        """Return the number and suffix as organizers write them: 1203A."""
        return f"{self.number}{self.suffix}"

    @property
    def performers_needed(self) -> tuple[int, int | None]:
        """Return (fewest, most) performers one entry of this class has."""
        return CLASS_TYPES[self.class_type]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SetPiece(db.Model):
    """A piece every entrant of a class must play (one of them, when a class lists several)."""

    __tablename__ = "set_piece"
    __table_args__ = (UniqueConstraint("class_id", "piece_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("festival_class.id", ondelete="CASCADE"), index=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("piece.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    festival_class: Mapped[FestivalClass] = relationship(back_populates="set_pieces")
    piece: Mapped[Piece] = relationship()
