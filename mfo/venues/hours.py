"""Checks of a window of hours on a festival day, shared by venues' opening hours, adjudicators' availability and sessions."""

from __future__ import annotations

from datetime import date, time

from flask_babel import gettext as _

from mfo.festival.models import Festival


def window_problem(festival: Festival, day: date | None, start: time | None, end: time | None) -> str | None:
    """Return what is wrong with a window on a festival day (a missing part, the end not after the start, another day), or None."""
    if day is None or start is None or end is None:
        return _("Give each window a day, a start and an end.")
    if end <= start:
        return _(
            "On %(day)s, the end (%(end)s) must be after the start (%(start)s).",
            day=day.isoformat(),
            start=start.strftime("%H:%M"),
            end=end.strftime("%H:%M"),
        )
    if not festival.start_date <= day <= festival.end_date:
        return _(
            "%(day)s is not a day of %(festival)s (%(first)s to %(last)s).",
            day=day.isoformat(),
            festival=festival.name,
            first=festival.start_date.isoformat(),
            last=festival.end_date.isoformat(),
        )
    return None
