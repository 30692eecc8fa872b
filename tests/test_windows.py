"""Reading a cell of windows (opening hours, availability) and of breaks, and refusing what is not one, in EN and FR."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from mfo.festival import windows
from mfo.festival.windows import (
    MAX_WINDOWS_LENGTH,
    WindowError,
    format_breaks,
    format_windows,
    parse_breaks,
    parse_time,
    parse_windows,
    within,
)

D = dt.date(2026, 3, 2)
T = dt.time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("  ; ;", []),
        ("2026-03-02 09:00-12:00", [(D, T(9), T(12))]),
        ("2026-03-02 9:00 – 12:00", [(D, T(9), T(12))]),
        ("2026-3-2  09:00 - 12:30", [(D, T(9), T(12, 30))]),
        (
            "2026-03-03 09:00-17:00; 2026-03-02 13:00-17:00\n2026-03-02 09:00-12:00",
            [(D, T(9), T(12)), (D, T(13), T(17)), (dt.date(2026, 3, 3), T(9), T(17))],
        ),
        ("2026-03-02 09:00-12:00; 2026-03-02 12:00-17:00", [(D, T(9), T(12)), (D, T(12), T(17))]),  # touching
        ("2026-03-02 20:00-23:59", [(D, T(20), T(23, 59))]),
    ],
)
def test_parse_windows_accepts(text: str, expected: list) -> None:
    """Windows are read day first, sorted, whatever their order and the spaces around the dash."""
    assert parse_windows(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("09:00-12:00", "is not a window"),
        ("2026-03-02", "is not a window"),
        ("02/03/2026 09:00-12:00", "is not a window"),
        ("2026-03-02 09:00-12:00, 2026-03-03 09:00-12:00", "is not a window"),
        ("2026-02-30 09:00-12:00", "this date does not exist"),
        ("2026-13-01 09:00-12:00", "this date does not exist"),
        ("2026-03-02 12:00-09:00", "the end must be after the start"),
        ("2026-03-02 12:00-12:00", "the end must be after the start"),
        ("2026-03-02 24:00-25:00", "is not a time of day"),
        ("2026-03-02 09:60-12:00", "is not a time of day"),
        ("2026-03-02 09:00-12:00; 2026-03-02 11:00-13:00", "overlaps"),
        # A long window overlapping a later, shorter one that does not overlap its neighbour.
        ("2026-03-02 08:00-18:00; 2026-03-02 09:00-10:00; 2026-03-02 12:00-13:00", "overlaps"),
        ("2026-03-02 09:00-12:00; 2026-03-02 09:00-12:00", "overlaps"),
    ],
)
def test_parse_windows_refuses(text: str, reason: str) -> None:
    """Each unreadable or impossible cell is refused with a reason naming the item."""
    with pytest.raises(WindowError, match=reason):
        parse_windows(text)


def test_an_overlap_names_both_windows() -> None:
    """The reason quotes the window that overlaps and the one it overlaps."""
    with pytest.raises(WindowError) as refused:
        parse_windows("2026-03-02 08:00-18:00; 2026-03-02 09:00-10:00; 2026-03-02 12:00-13:00")
    assert str(refused.value) == "“2026-03-02 09:00-10:00” overlaps “2026-03-02 08:00-18:00”"


def test_windows_on_other_days_do_not_overlap() -> None:
    """The same hours on two days are two windows."""
    assert len(parse_windows("2026-03-02 09:00-12:00; 2026-03-03 09:00-12:00")) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("12:00-13:00; 10:30 - 10:45", [(T(10, 30), T(10, 45)), (T(12), T(13))]),
        ("10:00-10:15;10:15-10:30", [(T(10), T(10, 15)), (T(10, 15), T(10, 30))]),
    ],
)
def test_parse_breaks_accepts(text: str, expected: list) -> None:
    """Breaks are times of day without a date, sorted."""
    assert parse_breaks(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-03-02 10:00-10:15", "is not a break"),
        ("10:00", "is not a break"),
        ("10:15-10:00", "the end must be after the start"),
        ("10:00-10:30; 10:15-10:45", "overlaps"),
        ("10:00-12:00; 10:15-10:30; 11:00-11:15", "overlaps"),
    ],
)
def test_parse_breaks_refuses(text: str, reason: str) -> None:
    """Breaks are refused like windows."""
    with pytest.raises(WindowError, match=reason):
        parse_breaks(text)


def test_formatting_reads_back() -> None:
    """What format_windows and format_breaks write, the parsers read back."""
    cell = "2026-03-03 09:00-17:00; 2026-03-02 13:00-17:00; 2026-03-02 09:00-12:00"
    assert parse_windows(format_windows(parse_windows(cell))) == parse_windows(cell)
    assert format_windows(parse_windows(cell)).startswith("2026-03-02 09:00-12:00; ")
    assert format_breaks(parse_breaks("12:00-13:00;10:30-10:45")) == "10:30-10:45; 12:00-13:00"


def test_the_reasons_are_said_in_french(app) -> None:
    """An organizer reading French sees the reason in French."""
    with app.test_request_context(), force_locale("fr"):
        for text, expected in [
            ("2026-03-02 12:00-09:00", "« 2026-03-02 12:00-09:00 » : la fin doit être après le début"),
            ("2026-03-02 09:00-12:00;2026-03-02 11:00-13:00", "« 2026-03-02 11:00-13:00 » chevauche « 2026-03-02 09:00-12:00 »"),
        ]:
            with pytest.raises(WindowError) as refused:
                parse_windows(text)
            assert str(refused.value.reason) == expected.replace(" :", "\u00a0:").replace("« ", "«\u00a0").replace(" »", "\u00a0»")


# 10,000 characters shaped to make a pattern backtrack, each ending in a character no pattern accepts there.
SIZE = 10_000
ATTACKS = {
    "spaces after a date": "2026-03-02" + " " * SIZE + "x",
    "spaces around a dash": "2026-03-02 09:00" + " " * (SIZE // 2) + "-" + " " * (SIZE // 2) + "x",
    "digits": "1" * SIZE + "x",
    "digits and colons": "1:" * (SIZE // 2) + "x",
    "digits and dashes": "1-" * (SIZE // 2) + "x",
    "windows without separators": "2026-03-02 09:00-12:00 " * (SIZE // 23) + "x",
    "separators": ";" * SIZE + "x",
}


@pytest.mark.parametrize("shape", sorted(ATTACKS))
@pytest.mark.parametrize("parse", [parse_windows, parse_breaks], ids=["windows", "breaks"])
def test_a_cell_longer_than_the_cap_is_refused_before_parsing(parse, shape: str) -> None:
    """10,000 characters of the worst shapes are refused as too long, with the limit in the reason."""
    with pytest.raises(WindowError, match="too long: at most 2,000 characters"):
        parse(ATTACKS[shape])


@pytest.mark.parametrize("parse", [parse_windows, parse_breaks], ids=["windows", "breaks"])
def test_an_item_longer_than_any_window_is_refused_before_parsing(parse) -> None:
    """Under the cell's cap, one item of 1,999 characters is refused before a pattern reads it."""
    with pytest.raises(WindowError, match="too long for one window"):
        parse("1" + " " * (MAX_WINDOWS_LENGTH - 2) + "x")


def test_the_cap_counts_the_cell_not_the_spaces_around_it() -> None:
    """Spaces around the cell do not count; a full cell of valid windows is read."""
    assert parse_windows(" " * SIZE + "2026-03-02 09:00-12:00" + " " * SIZE) == [(D, T(9), T(12))]
    many = "; ".join(f"2026-03-{day:02d} 09:00-12:00" for day in range(1, 29))
    assert len(many) < MAX_WINDOWS_LENGTH
    assert len(parse_windows(many)) == 28


@pytest.mark.parametrize("shape", sorted(ATTACKS))
@pytest.mark.parametrize("pattern", [windows._WINDOW, windows._BREAK, windows._SEPARATORS], ids=["window", "break", "sep"])
def test_no_pattern_backtracks_on_10000_characters(pattern, shape: str) -> None:
    """Without the caps, each pattern still refuses the worst shapes in one pass (a catastrophic one would hang here)."""
    assert pattern.fullmatch(ATTACKS[shape] + "!") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", None), ("  ", None), ("9:00", T(9)), (" 09:30 ", T(9, 30)), ("9h05", T(9, 5)), ("23:59:00", T(23, 59))],
)
def test_parse_time_accepts(text: str, expected) -> None:
    """A time of day as HH:MM (9h05 and a spreadsheet's 09:30:00 too); a blank cell is None."""
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("9", "write a time of day as HH:MM"), ("09:30:15", "write a time of day as HH:MM"), ("x" * 10_000, "write a time"),
     ("24:00", "24:00 is not a time of day"), ("12:60", "12:60 is not a time of day")],
)
def test_parse_time_refuses(text: str, reason: str) -> None:
    """Anything else is refused with why, a long cell before any pattern reads it."""
    with pytest.raises(WindowError, match=reason):
        parse_time(text)


def test_within_needs_the_windows_to_hold_the_whole_span() -> None:
    """A span inside a window, or across two that touch, is within; one across a gap or past the last window is not."""
    morning, afternoon, evening = (T(9), T(12)), (T(12), T(17)), (T(18), T(21))
    assert within((T(9), T(12)), [evening, morning, afternoon])
    assert within((T(11), T(13)), [evening, morning, afternoon])
    assert not within((T(16), T(19)), [morning, afternoon, evening])
    assert not within((T(20), T(22)), [morning, afternoon, evening])
    assert not within((T(9), T(10)), [])
