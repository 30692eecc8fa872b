"""Parse the text of one imported cell into a value: durations, dates, yes/no, money, numbers, names and codes.

Every parser takes the cell's text (as read_table returns it: stripped, formulas as text, workbook dates as ISO text)
and raises ValueError with a short English reason when the text is not a valid value; the caller turns it into an
issue for the organizer. Parsers of optional values return None for a blank cell; parse_class_code, which has no
meaning when blank, refuses it. A duration, date, yes/no, amount, whole number or class code longer than
MAX_VALUE_LENGTH is refused with ValueTooLong before any pattern reads it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

MAX_DURATION = 10 * 60 * 60  # seconds; no performance in a festival lasts longer
# Characters, once stripped; the longest valid values ("2015-03-04T10:30:00.000000+01:00", "1 234 567,50 CAD",
# "1 hour 5 minutes 30 seconds") are well within it. A form field or a cell may hold far more.
MAX_VALUE_LENGTH = 50

# In every pattern a run of whitespace has one way to match: each \s* sits between two tokens that cannot be
# whitespace, never beside another \s* or inside a repetition that also takes spaces. A failing match then backtracks
# over each run once, not over every way to share it out (tests/test_values.py runs each on 10,000 characters).
_CLOCK = re.compile(r"(?:(\d+)\s*:\s*)?(\d+)\s*:\s*(\d+)")
_MINUTES = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:m|mn|mins?|minutes?)?")
_FEET_INCHES = re.compile(r"(\d+)\s*['’′]\s*(?:(\d+)\s*(?:\"|''|”|″|’’)?)?")
_UNITS = re.compile(
    r"(?:(\d+)\s*(?:h|hrs?|hours?)\s*)?"
    r"(?:(\d+)\s*(?:m|mn|mins?|minutes?)\s*)?"
    r"(?:(\d+)\s*(?:s|secs?|seconds?))?"
)

_ISO_DATE = re.compile(
    r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_DAY_FIRST_DATE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d+)")

_TRUE = frozenset({"yes", "y", "true", "1", "x", "oui", "vrai"})
_FALSE = frozenset({"no", "n", "false", "0", "non", "faux"})

_CENT = Decimal("0.01")
_MINUS = "-−–"  # hyphen-minus, minus sign, and the en dash that word processors put in its place
_CURRENCY = r"(?:[A-Za-z]{0,2}[$€£¥]|CAD|USD|EUR|GBP|AUD|NZD|CHF)"
# Whitespace is matched only right after a sign or a currency, or as one thousands separator between digits (the
# number needs a digit after each separator), so a run of spaces has exactly one way to match: "1" followed by
# thousands of spaces and a letter is refused in one pass, not after trying every way to share the spaces out.
_MONEY = re.compile(
    rf"(?:(?P<sign1>[{_MINUS}])\s*)?(?:{_CURRENCY}\s*(?:(?P<sign2>[{_MINUS}])\s*)?)?"
    rf"(?P<number>\d+(?:[\s.,'’]\d+)*)(?:\s*{_CURRENCY})?(?:\s*(?P<sign3>[{_MINUS}]))?",
    re.IGNORECASE,
)

_INTEGER = re.compile(r"[+-]?\d+(?:[.,]0+)?")
# Spaces before the letter are matched by one \s* only, after the dash or dot by another.
_CLASS_CODE = re.compile(r"(\d+)(?:\s*(?:[-.]\s*)?([A-Za-z]))?")
_PIECE_SEPARATOR = re.compile(r"(?:^|\s)[-–—](?:\s|$)")
_LIST_SEPARATORS = re.compile(r"[;\n]")

class ValueTooLong(ValueError):
    """A value longer than any valid one, refused before it is parsed; `limit` is the most characters allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"too long: at most {limit} characters")
        self.limit = limit

def _short(text: str) -> str:
    """Return the text stripped, refusing it (ValueTooLong) when it is longer than any valid value."""
    value = text.strip()
    if len(value) > MAX_VALUE_LENGTH:
        raise ValueTooLong(MAX_VALUE_LENGTH)
    return value

class ZeroDuration(ValueError):
    """A duration of zero where one must be longer (a piece); not the same mistake as an unreadable duration."""

    def __init__(self) -> None:
        super().__init__("a duration must be longer than zero")


def parse_duration(text: str, *, zero: bool = False) -> int | None:
    """Return a duration in whole seconds, or None for a blank cell.

    Accepts m:ss ("4:05"), h:mm:ss ("1:02:03", also the "00:04:05" of a workbook time cell), minutes as a number
    ("4", "4.5", "4,5"; rounded to the second), 4'05" / 4'05 / 4', and units ("4 min", "4m05s", "245s", "1h 5min").
    Refuses negative and unreadable durations, minutes or seconds of 60 or more after a larger unit, and more
    than ten hours; zero too (ZeroDuration) unless `zero` says it is a real answer (no change-over time).
    """
    value = _short(text)
    if not value:
        return None
    if value[0] in _MINUS:
        raise ValueError("a duration cannot be negative")
    seconds = _duration_seconds(value.casefold())
    if seconds is None:
        raise ValueError("not a duration; write minutes and seconds as m:ss, for example 4:05")
    if seconds == 0 and not zero:
        raise ZeroDuration()
    if seconds > MAX_DURATION:
        raise ValueError("a duration cannot be longer than 10 hours")
    return seconds

def _duration_seconds(value: str) -> int | None:
    """Return the seconds a duration text says, or None when it matches no accepted form."""
    if match := _CLOCK.fullmatch(value):
        hours, minutes, seconds = match.groups()
        if len(match.group(3)) != 2:
            raise ValueError("write the seconds with two digits, for example 4:05")
        if hours is not None and len(minutes) != 2:
            raise ValueError("write the minutes with two digits after the hours, for example 1:02:03")
        return _sum_units(hours, minutes, seconds)
    if match := _MINUTES.fullmatch(value):
        minutes = Decimal(match.group(1).replace(",", "."))
        return int((minutes * 60).to_integral_value(rounding=ROUND_HALF_UP))
    if match := _FEET_INCHES.fullmatch(value):
        return _sum_units(None, match.group(1), match.group(2))
    if match := _UNITS.fullmatch(value):
        return _sum_units(*match.groups())
    return None

def _sum_units(hours: str | None, minutes: str | None, seconds: str | None) -> int:
    """Add up hours, minutes and seconds, refusing 60 or more of a unit that follows a larger one."""
    if hours is not None and minutes is not None and int(minutes) >= 60:
        raise ValueError("minutes must be below 60 after hours")
    if seconds is not None and (hours is not None or minutes is not None) and int(seconds) >= 60:
        raise ValueError("seconds must be below 60")
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0)

def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Return a person's age in whole years on a day (the festival's cut-off date, a session's day)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def format_duration(seconds: int) -> str:
    """Return a duration in seconds as m:ss, or as h:mm:ss from one hour on."""
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    minutes, second = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}:{second:02d}"
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}"

def parse_date(text: str) -> dt.date | None:
    """Return a date, or None for a blank cell.

    Accepts year first (2015-03-04, 2015/03/04, and the ISO date-time a workbook date cell becomes) and day first
    (04/03/2015, 4/3/2015, 04-03-2015, 04.03.2015). A two-digit year is refused as ambiguous, and so are dates that do
    not exist (31/02/2015).
    """
    value = _short(text)
    if not value:
        return None
    hint = ""
    if match := _ISO_DATE.fullmatch(value):
        year, _separator, month, day = match.groups()
    elif match := _DAY_FIRST_DATE.fullmatch(value):
        day, _separator, month, year = match.groups()
        if len(year) == 2:
            raise ValueError("the year has two digits; write the year in full, for example 04/03/2015")
        if len(year) != 4:
            raise ValueError("not a date; write it as DD/MM/YYYY or YYYY-MM-DD")
        if int(month) > 12:
            # A "month" over 12 is most often a month-first (US) date.
            hint = " (dates are read day first, as DD/MM/YYYY)"
    else:
        raise ValueError("not a date; write it as DD/MM/YYYY or YYYY-MM-DD")
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"this date does not exist{hint}") from None

def parse_bool(text: str) -> bool | None:
    """Return True or False for a yes/no cell, or None for a blank cell.

    Accepts, in any case: yes/no, y/n, true/false, 1/0, x (a ticked box: yes), oui/non, vrai/faux.
    """
    value = _short(text).casefold()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("not a yes/no value; write yes or no")

def parse_money(text: str) -> Decimal | None:
    """Return an amount of money to the cent, or None for a blank cell.

    Accepts a decimal point or a decimal comma (12.50, 12,50), thousands separated by commas, dots, spaces or
    apostrophes (1,234.50, 1.234,50, 1 234,50) and a currency sign or code before or after ($12.50, 12.50 $, €12,
    12 CAD). A lone comma followed by exactly three digits is a thousands separator (1,234 is 1234.00). Refuses
    negative amounts and more than two decimals.
    """
    value = _short(text)
    if not value:
        return None
    if value.startswith("(") and value.endswith(")"):
        raise ValueError("an amount cannot be negative")
    match = _MONEY.fullmatch(value)
    if match is None:
        raise ValueError("not an amount of money; write it like 12.50")
    if match.group("sign1") or match.group("sign2") or match.group("sign3"):
        raise ValueError("an amount cannot be negative")
    whole, decimals = _split_amount(match.group("number").strip())
    if len(decimals) > 2:
        raise ValueError("an amount has at most two decimals")
    return Decimal(f"{whole}.{decimals or '0'}").quantize(_CENT)

def _split_amount(number: str) -> tuple[str, str]:
    """Split the digits of an amount into its whole part (without thousands separators) and its decimals."""
    marks = [char for char in number if not char.isdigit()]
    points = [mark for mark in marks if mark in ".,"]
    decimal_mark = None
    if "." in points and "," in points:
        decimal_mark = points[-1]
    elif len(points) == 1:
        after = number.rsplit(points[0], 1)[1]
        # "1,234" is a thousands separator; "12,50" and "0,125" are decimal commas.
        if points[0] == "." or len(after) != 3 or number.startswith("0"):
            decimal_mark = points[0]
    if decimal_mark is not None:
        if marks.count(decimal_mark) != 1:
            raise ValueError("not an amount of money; write it like 12.50")
        whole, decimals = number.rsplit(decimal_mark, 1)
        if not decimals.isdigit():
            raise ValueError("not an amount of money; write it like 12.50")
    else:
        whole, decimals = number, ""
    digits = re.sub(r"\D", "", whole)
    if whole != digits:
        # The other marks separate thousands: every group after the first must have three digits.
        groups = re.split(r"[\s.,'’]", whole)
        if not groups[0] or any(len(group) != 3 or not group.isdigit() for group in groups[1:]):
            raise ValueError("not an amount of money; write it like 12.50")
    return digits, decimals

def parse_int(text: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """Return a whole number within the bounds given, or None for a blank cell ("12.0" from a workbook is 12)."""
    value = _short(text)
    if not value:
        return None
    if not _INTEGER.fullmatch(value):
        raise ValueError("not a whole number")
    number = int(re.split(r"[.,]", value)[0])
    if minimum is not None and number < minimum:
        raise ValueError(f"must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise ValueError(f"must be at most {maximum}")
    return number

def split_list(text: str, sep: str = ";") -> list[str]:
    """Split a cell into its items: trimmed, without empty ones (a blank cell gives an empty list)."""
    return [item.strip() for item in text.split(sep) if item.strip()]

def parse_set_pieces(text: str) -> list[tuple[str, str]]:
    """Return the (title, composer) pairs of a cell such as "Title - Composer; Title 2 - Composer 2".

    Pieces are separated by semicolons or line breaks. Each splits at its last dash (-, – or —) with a space on each
    side, so titles may hold dashes ("Allegro - Sonata in C - Mozart") and hyphenated names stay whole. A piece
    without a composer gives (title, ""); a blank cell gives an empty list; a piece without a title is refused.
    """
    pieces = []
    for item in _LIST_SEPARATORS.split(text):
        item = item.strip()
        if not item:
            continue
        separators = list(_PIECE_SEPARATOR.finditer(item))
        if separators:
            last = separators[-1]
            title, composer = item[: last.start()].strip(), item[last.end() :].strip()
        else:
            title, composer = item, ""
        if not title:
            raise ValueError(f"a piece has no title: “{item}”; write pieces as Title - Composer")
        pieces.append((title, composer))
    return pieces

def parse_class_code(text: str) -> tuple[str, str]:
    """Return the number (its digits as written, leading zeros kept) and the upper-case letter of a class code.

    "1203A", "1203 a", "1203-A" and "1203.A" give ("1203", "A"); "1203" gives ("1203", ""). A blank code is refused.
    """
    value = _short(text)
    if not value:
        raise ValueError("the class number is missing")
    match = _CLASS_CODE.fullmatch(value)
    if match is None:
        raise ValueError("not a class number; write digits with an optional letter, for example 1203A")
    number, letter = match.groups()
    return number, (letter or "").upper()

def class_code_key(code: str) -> tuple:
    """Return a sort key that puts class codes in the syllabus's order: 9 before 10, 1201A before 3206.

    The order of the SQL `class_order` (the number as a number, leading zeros aside, then as written, then the
    suffix), for lists sorted in Python; a code that is not a class number sorts after every class number.
    """
    try:
        number, suffix = parse_class_code(code)
    except ValueError:
        return (1, code)
    digits = number.lstrip("0")
    return (0, len(digits), digits, number, suffix)

def normalise_email(text: str) -> str | None:
    """Return an email address stripped and casefolded, or None for a blank cell; refuses text that is not one."""
    value = text.strip().casefold()
    if not value:
        return None
    if value.count("@") != 1 or re.search(r"\s", value) or value.startswith("@") or value.endswith("@"):
        raise ValueError("not an email address")
    return value

def normalise_phone(text: str) -> str | None:
    """Return the digits of a phone number and a leading "+", or None for a blank cell; refuses text without digits."""
    value = text.strip()
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if not digits:
        raise ValueError("not a phone number")
    return f"+{digits}" if value.startswith("+") else digits

def split_person_name(text: str) -> tuple[str, str]:
    """Split a person's name into (first names, last name).

    "Last, First" follows the comma; otherwise the last word is the last name ("Mary Ann Smith" -> ("Mary Ann",
    "Smith")); a single word is a first name (word, ""), and a blank cell gives ("", "").
    """
    value = " ".join(text.split())
    if "," in value:
        last, first = value.split(",", 1)
        return first.strip(), last.strip()
    first, _space, last = value.rpartition(" ")
    if not first:
        return last, ""
    return first, last
