"""Parse a cell of windows of hours: opening hours and availability (`YYYY-MM-DD HH:MM-HH:MM; ...`) and breaks (`HH:MM-HH:MM; ...`).

`parse_windows` returns (day, start, end) triples and `parse_breaks` (start, end) pairs, both sorted, for a cell
whose items are separated by semicolons (or line breaks); a blank cell gives an empty list. Either refuses, with a
`WindowError` whose `reason` is said in the organizer's language (English or French when shown):

- a cell longer than MAX_WINDOWS_LENGTH characters, before any pattern reads it (a list is longer than one value,
  so its cap is larger than values.MAX_VALUE_LENGTH: 2,000 characters hold some 90 windows, more than any venue or
  person has in one festival), and an item longer than MAX_VALUE_LENGTH;
- an item that is not a window, a date that does not exist, a time that is not a time of day;
- a window whose end is not after its start;
- two windows that overlap (on the same day for windows); windows that only touch (09:00-12:00; 12:00-17:00) do not.

What the windows mean for a festival (inside its days, ...) is checked by the features that store them.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l

from mfo.festival.values import MAX_VALUE_LENGTH

MAX_WINDOWS_LENGTH = 2_000

# Whitespace is matched only between two tokens that cannot be whitespace, and no part repeats: each item is read in
# one pass, whatever it holds (tests/test_windows.py attacks both patterns with 10,000 characters).
_TIMES = r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})"
_WINDOW = re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})\s+{_TIMES}")
_BREAK = re.compile(_TIMES)
# A spreadsheet's time cell reads as "09:30:00": whole seconds are accepted, as nothing is scheduled by the second.
_TIME = re.compile(r"(\d{1,2})[:h](\d{2})(?::00)?")
_SEPARATORS = re.compile(r"[;\n]")


class WindowError(ValueError):
    """A cell of windows that cannot be read; `reason` says why in the organizer's language when shown.

    Like the reasons of mfo.festival.values, it is a clause without a capital or a final stop, to be put
    in a sentence (the `bad-value` issue's "... cannot be read: <reason>.").
    """

    def __init__(self, reason: Any) -> None:
        super().__init__(str(reason))
        self.reason = reason


def _items(text: str) -> list[str]:
    """Return the cell's items, trimmed, refusing a cell or an item longer than any valid one."""
    if len(text.strip()) > MAX_WINDOWS_LENGTH:
        raise WindowError(_l("too long: at most %(limit)s characters", limit=f"{MAX_WINDOWS_LENGTH:,}"))
    items = [item.strip() for item in _SEPARATORS.split(text) if item.strip()]
    for item in items:
        if len(item) > MAX_VALUE_LENGTH:
            raise WindowError(
                _l("“%(item)s…” is too long for one window: separate windows with semicolons", item=item[:20])
            )
    return items


def _time(item: str, hours: str, minutes: str) -> time:
    """Return a time of day, refusing hours above 23 and minutes above 59."""
    if int(hours) > 23 or int(minutes) > 59:
        raise WindowError(_l("“%(item)s”: %(time)s is not a time of day", item=item, time=f"{hours}:{minutes}"))
    return time(int(hours), int(minutes))


def _span(item: str, groups: tuple[str, ...]) -> tuple[time, time]:
    """Return the start and end of an item from its four time groups, refusing an end not after the start."""
    start = _time(item, groups[0], groups[1])
    end = _time(item, groups[2], groups[3])
    if end <= start:
        raise WindowError(_l("“%(item)s”: the end must be after the start", item=item))
    return start, end


def parse_windows(text: str) -> list[tuple[date, time, time]]:
    """Return the (day, start, end) windows of a cell such as "2026-03-02 09:00-12:00; 2026-03-02 13:00-17:00", sorted."""
    windows: list[tuple[date, time, time, str]] = []
    for item in _items(text):
        match = _WINDOW.fullmatch(item)
        if match is None:
            raise WindowError(_l("“%(item)s” is not a window: write it as YYYY-MM-DD HH:MM-HH:MM", item=item))
        year, month, day, *times = match.groups()
        try:
            when = date(int(year), int(month), int(day))
        except ValueError:
            raise WindowError(_l("“%(item)s”: this date does not exist", item=item)) from None
        windows.append((when, *_span(item, tuple(times)), item))
    windows.sort()
    _refuse_overlaps([((when, start), (when, end), item) for when, start, end, item in windows])
    return [(when, start, end) for when, start, end, _item in windows]


def parse_breaks(text: str) -> list[tuple[time, time]]:
    """Return the (start, end) breaks of a cell such as "10:30-10:45; 12:00-13:00", sorted."""
    breaks: list[tuple[time, time, str]] = []
    for item in _items(text):
        match = _BREAK.fullmatch(item)
        if match is None:
            raise WindowError(_l("“%(item)s” is not a break: write it as HH:MM-HH:MM", item=item))
        breaks.append((*_span(item, match.groups()), item))
    breaks.sort()
    _refuse_overlaps(breaks)
    return [(start, end) for start, end, _item in breaks]


def parse_time(text: str) -> time | None:
    """Return the time of day of a cell such as "09:30" (or "9h30", or "09:30:00"), None for a blank cell."""
    item = text.strip()
    if not item:
        return None
    match = _TIME.fullmatch(item) if len(item) <= 8 else None
    if match is None:
        raise WindowError(_l("write a time of day as HH:MM"))
    return _time(item, *match.groups())


def within(span: tuple[time, time], windows: list[tuple[time, time]]) -> bool:
    """Tell whether a span of one day lies inside the windows of that day (windows that touch or overlap count as one)."""
    merged: list[list[time]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return any(start <= span[0] and span[1] <= end for start, end in merged)


def _refuse_overlaps(spans: list[tuple[Any, Any, str]]) -> None:
    """Refuse two spans that overlap; the spans are sorted by start, so each is compared with the latest end so far."""
    # Comparing each span with its neighbour only would miss a long span overlapping a later, shorter one.
    latest: tuple[Any, str] | None = None
    for start, end, item in spans:
        if latest is not None and start < latest[0]:
            raise WindowError(_l("“%(item)s” overlaps “%(other)s”", item=item, other=latest[1]))
        if latest is None or end > latest[0]:
            latest = (end, item)


def format_windows(windows: list[tuple[date, time, time]]) -> str:
    """Return windows as a cell parse_windows reads back: "2026-03-02 09:00-12:00; ..."."""
    return "; ".join(f"{when.isoformat()} {start:%H:%M}-{end:%H:%M}" for when, start, end in windows)


def format_breaks(breaks: list[tuple[time, time]]) -> str:
    """Return breaks as a cell parse_breaks reads back: "10:30-10:45; ..."."""
    return "; ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in breaks)
