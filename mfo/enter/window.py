"""The entry window: whether a festival takes entries online today, and what to tell an entrant when it does not.

A festival takes entries when its status is "entries-open" and today falls between its entries-open
and entries-close dates (both included; a date left empty does not limit that side). Before that
(a festival in draft, or open with a start date still to come) entries have not opened; after it
(a later status, or the close date passed) they are closed. Organizers still add late entries in
the admin, which does not read this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from flask_babel import format_date
from flask_babel import gettext as _

from mfo.festival.models import Festival

# Statuses that come before a festival takes entries; every status after "entries-open" means closed.
BEFORE_STATUSES = ("draft",)
OPEN_STATUS = "entries-open"


class State(Enum):
    """Where a festival's entry window stands today."""

    BEFORE = "before"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Window:
    """A festival's entry window as seen on one day: its state and the date worth saying."""

    state: State
    # The day entries open (before) or closed (closed) or close (open), when the festival has set it.
    day: date | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether entries are taken online today."""
        return self.state is State.OPEN

    def message(self) -> str:
        """Return what an entrant is told, in the page's language."""
        when = format_date(self.day, format="long") if self.day else None
        if self.state is State.BEFORE:
            return _("Entries open on %(date)s.", date=when) if when else _("Entries are not open yet.")
        if self.state is State.CLOSED:
            return _("Entries closed on %(date)s.", date=when) if when else _("Entries are closed.")
        return _("Entries are open until %(date)s.", date=when) if when else _("Entries are open.")


def entry_window(festival: Festival, today: date | None = None) -> Window:
    """Return the festival's entry window on a day (default: today)."""
    today = today or date.today()
    opens, closes = festival.entries_open, festival.entries_close
    if festival.status in BEFORE_STATUSES:
        return Window(State.BEFORE, opens if opens and opens > today else None)
    if festival.status != OPEN_STATUS:
        return Window(State.CLOSED, closes if closes and closes < today else None)
    if opens and today < opens:
        return Window(State.BEFORE, opens)
    if closes and today > closes:
        return Window(State.CLOSED, closes)
    return Window(State.OPEN, closes)
