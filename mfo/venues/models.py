"""Venues: the halls and rooms of a festival, the hours each is open, and the travel time between two of them."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Time, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.database import db
from mfo.festival.models import Festival, Timestamps


class Venue(Timestamps, db.Model):
    """A room where sessions are held (a room of a building is a venue of its own), with its piano and opening hours."""

    __tablename__ = "venue"
    __table_args__ = (UniqueConstraint("festival_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(255))
    has_piano: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    festival: Mapped[Festival] = relationship()
    opening: Mapped[list[VenueOpening]] = relationship(
        back_populates="venue", order_by="[VenueOpening.day, VenueOpening.start]", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class VenueOpening(db.Model):
    """A window a venue is open on one festival day (a venue may open twice a day, e.g. morning and evening)."""

    __tablename__ = "venue_opening"
    __table_args__ = (CheckConstraint("end_time > start_time", name="times_in_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[time] = mapped_column("start_time", Time)
    end: Mapped[time] = mapped_column("end_time", Time)

    venue: Mapped[Venue] = relationship(back_populates="opening")


class VenueTravel(db.Model):
    """The time a person needs between two venues, where it differs from the festival's default."""

    __tablename__ = "venue_travel"
    __table_args__ = (
        UniqueConstraint("venue_a_id", "venue_b_id"),
        # One row per pair, whichever way it was typed: the smaller id first.
        CheckConstraint("venue_a_id < venue_b_id", name="pair_ordered"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    venue_a_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"))
    venue_b_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    minutes: Mapped[int] = mapped_column(Integer)

    venue_a: Mapped[Venue] = relationship(foreign_keys=[venue_a_id])
    venue_b: Mapped[Venue] = relationship(foreign_keys=[venue_b_id])
