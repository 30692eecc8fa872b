"""The cells of one imported row read as values, each unreadable cell noted as an issue of that row."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from mfo.festival.values import (
    ZeroDuration,
    normalise_email,
    normalise_phone,
    parse_bool,
    parse_date,
    parse_duration,
    parse_int,
    parse_money,
)
from mfo.festival.windows import WindowError, parse_breaks, parse_time, parse_windows
from mfo.imports.plan import RowResult
from mfo.imports.tabular import ColumnMatch, Row
from mfo.issues.codes import Issue

# Why a cell could not be read, said in the organizer's language (the parsers' own reasons are English only).
REASONS = {
    "email": _l("this is not an email address"),
    "phone": _l("a phone number needs digits"),
    "money": _l("write an amount of money like 12.50"),
    "yes-no": _l("write yes or no"),
    "age": _l("write an age in whole years, from 0 to 120"),
    "ages": _l("the minimum age is above the maximum age"),
    "type": _l("write solo, duet, trio, quartet, quintet, ensemble or recital"),
    "set-pieces": _l("write the set pieces as Title - Composer, separated by semicolons"),
    "suffix": _l("write one letter, or leave it blank"),
    "number": _l("write the class number in digits"),
}


class Cells:
    """Read the cells of one row by field name; every cell that cannot be read adds an issue to the row's result."""

    def __init__(self, match: ColumnMatch, row: Row, result: RowResult) -> None:
        self.match = match
        self.row = row
        self.result = result

    def text(self, name: str) -> str:
        """Return the cell's text ("" when the file has no column for that field)."""
        return self.match.value(self.row, name)

    def header(self, name: str) -> str:
        """Return how the file names a field's column (the field's own name when it has no column)."""
        index = self.match.index.get(name)
        return self.match.headers[index] if index is not None else name

    def issue(self, code: str, /, **params: Any) -> None:
        """Add an issue to the row."""
        self.result.issues.append(Issue(code, params, row=self.row.number))

    def missing(self, name: str) -> None:
        """Note that a field the row needs is blank."""
        self.issue("missing-field", field=self.header(name))

    def bad(self, name: str, reason: str) -> None:
        """Note that a cell cannot be read as the value its field needs."""
        self.issue("bad-value", field=self.header(name), value=self.text(name), reason=REASONS[reason])

    def required(self, name: str) -> str:
        """Return a cell that must not be blank ("" and an issue when it is)."""
        value = self.text(name)
        if not value:
            self.missing(name)
        return value

    def date(self, name: str) -> date | None:
        """Return a date, or None (blank, or unreadable: bad-date)."""
        try:
            return parse_date(self.text(name))
        except ValueError:
            self.issue("bad-date", field=self.header(name), value=self.text(name))
            return None

    def duration(self, name: str, *, zero: bool = False) -> int | None:
        """Return a duration in seconds, or None (blank, or unreadable or zero where zero is wrong: bad-duration).

        zero: a zero duration is a real answer for this field (no change-over time).
        """
        try:
            return parse_duration(self.text(name), zero=zero)
        except ZeroDuration:
            self.issue("bad-duration", field=self.header(name), value=self.text(name), problem="zero")
            return None
        except ValueError:
            self.issue("bad-duration", field=self.header(name), value=self.text(name))
            return None

    def money(self, name: str) -> Decimal | None:
        """Return an amount of money, or None (blank, or unreadable: bad-value)."""
        try:
            return parse_money(self.text(name))
        except ValueError:
            self.bad(name, "money")
            return None

    def age(self, name: str) -> int | None:
        """Return an age in whole years, or None (blank, or unreadable: bad-value)."""
        try:
            return parse_int(self.text(name), minimum=0, maximum=120)
        except ValueError:
            self.bad(name, "age")
            return None

    def yes_no(self, name: str) -> bool | None:
        """Return yes (True) or no (False), or None (blank, or unreadable: bad-value)."""
        try:
            return parse_bool(self.text(name))
        except ValueError:
            self.bad(name, "yes-no")
            return None

    def email(self, name: str) -> str | None:
        """Return an email address, or None (blank, or unreadable: bad-value)."""
        try:
            return normalise_email(self.text(name))
        except ValueError:
            self.bad(name, "email")
            return None

    def phone(self, name: str) -> str | None:
        """Return a phone number as written, or None (blank, or without digits: bad-value)."""
        try:
            return normalise_phone(self.text(name)) and " ".join(self.text(name).split())
        except ValueError:
            self.bad(name, "phone")
            return None

    def windows(self, name: str, first: date, last: date) -> list[tuple[date, time, time]] | None:
        """Return a cell of windows (YYYY-MM-DD HH:MM-HH:MM; ...) on the days first to last, or None (blank, or bad-value)."""
        text = self.text(name)
        if not text:
            return None
        try:
            windows = parse_windows(text)
        except WindowError as error:
            self.issue("bad-value", field=self.header(name), value=text, reason=error.reason)
            return None
        for day, _start, _end in windows:
            if not first <= day <= last:
                self.not_a_festival_day(name, day, first, last)
                return None
        return windows

    def not_a_festival_day(self, name: str, day: date, first: date, last: date) -> None:
        """Note that a cell names a day outside the festival's days, first to last."""
        self.issue("bad-value", field=self.header(name), value=self.text(name), reason=_l(
            "%(day)s is not a day of the festival (%(first)s to %(last)s)",
            day=day.isoformat(), first=first.isoformat(), last=last.isoformat(),
        ))

    def too_long(self, name: str, limit: int, value: str | None = None) -> None:
        """Note that a cell (or the value read from it) is longer than its column holds."""
        value = self.text(name) if value is None else value
        self.issue("bad-value", field=self.header(name), value=value[:limit] + "…", reason=_l("at most %(limit)s characters", limit=limit))

    def breaks(self, name: str) -> list[tuple[time, time]] | None:
        """Return a cell of breaks (HH:MM-HH:MM; ...), or None (blank, or unreadable: bad-value)."""
        text = self.text(name)
        if not text:
            return None
        try:
            return parse_breaks(text)
        except WindowError as error:
            self.issue("bad-value", field=self.header(name), value=text, reason=error.reason)
            return None

    def time(self, name: str) -> time | None:
        """Return a time of day (HH:MM), or None (blank, or unreadable: bad-value)."""
        try:
            return parse_time(self.text(name))
        except WindowError as error:
            self.issue("bad-value", field=self.header(name), value=self.text(name), reason=error.reason)
            return None
