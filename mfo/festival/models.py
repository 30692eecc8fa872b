"""A festival season: its dates, the age cut-off date, the entry window and where it stands."""

from __future__ import annotations

from datetime import date, datetime

from flask_security.utils import naive_utcnow
from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from mfo.database import db

# A season's life, in order: set up, taking entries, entries closed, scheduled, schedule published, archived.
# The money of a new festival's fees (ISO 4217), until an organizer sets another.
DEFAULT_CURRENCY = "CAD"

# Performers younger than this (on the day they are entered) have their consents given by their guardian.
DEFAULT_CONSENT_AGE = 16
CONSENT_AGE_MAX = 21

STATUSES = ("draft", "entries-open", "entries-closed", "scheduled", "published", "archived")


class Timestamps:
    """created_at and updated_at (naive UTC); an import undoes only what nobody changed after it (updated_at)."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=naive_utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=naive_utcnow, onupdate=naive_utcnow)


class Festival(Timestamps, db.Model):
    """One year's festival: a name, a slug for its URLs, its days, the age cut-off date and the entry window."""

    __tablename__ = "festival"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("status IN ('" + "', '".join(STATUSES) + "')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # Performers' ages are taken on this date (often 31 December before the festival).
    age_cutoff: Mapped[date] = mapped_column(Date)
    entries_open: Mapped[date | None] = mapped_column(Date)
    entries_close: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # The festival the site opens on; exactly one when any exists (see mfo.festival.services.make_current).
    is_current: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Minutes a person needs between two venues, unless the venues feature sets it for the pair.
    travel_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default=text("15"))
    # The ISO 4217 code of the money the festival's fees are in; pages show amounts in it (mfo.festival.scoping.format_money).
    currency: Mapped[str] = mapped_column(String(3), default=DEFAULT_CURRENCY, server_default=DEFAULT_CURRENCY)
    # The most minutes of stage time one performer's active entries may add up to (None: no cap). Checked
    # across the whole festival when an entry is made, not per day: the days are not known before the schedule.
    stage_minutes_cap: Mapped[int | None] = mapped_column(Integer)

    # Under this age a performer's consents (mfo.consent) are given by their guardian's account.
    consent_age: Mapped[int] = mapped_column(Integer, default=DEFAULT_CONSENT_AGE, server_default=text(str(DEFAULT_CONSENT_AGE)))

    @property
    def days(self) -> int:
        """Return how many days the festival runs, both ends included."""
        return (self.end_date - self.start_date).days + 1

    def __str__(self) -> str:
        return self.name
