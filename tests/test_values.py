"""Parsing the text of imported cells: durations, dates, yes/no, money, numbers, lists, pieces, codes and names.

The last tests attack the parsers with 10,000 characters shaped to make a pattern backtrack: they would hang on a
pattern whose whitespace or digits can match in many ways (such a money pattern took 114 s on 2,000 spaces).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from mfo.features import PERMISSION_NAME
from mfo.festival import values
from mfo.festival.services import SLUG_PATTERN
from mfo.festival.values import (
    MAX_VALUE_LENGTH,
    ValueTooLong,
    ZeroDuration,
    class_code_key,
    format_duration,
    normalise_email,
    normalise_phone,
    parse_bool,
    parse_class_code,
    parse_date,
    parse_duration,
    parse_int,
    parse_money,
    parse_set_pieces,
    split_list,
    split_person_name,
)
from mfo.imports.forms import _ROWS as IMPORT_ROW_NUMBERS
from mfo.text import normalise_name


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("4:05", 245),
        (" 4:05 ", 245),
        ("0:45", 45),
        ("75:00", 4500),
        ("1:02:03", 3723),
        ("00:04:05", 245),  # a workbook time cell
        ("4 : 05", 245),
        ("4", 240),
        ("4.5", 270),
        ("4,5", 270),
        ("4.33", 260),  # rounded to the second
        ("4'05\"", 245),
        ("4'05", 245),
        ("4’05”", 245),
        ("4'", 240),
        ("4 min", 240),
        ("4min", 240),
        ("4 MINUTES", 240),
        ("4.5 min", 270),
        ("4m05s", 245),
        ("4 m 5 s", 245),
        ("4 min 05 sec", 245),
        ("245s", 245),
        ("245 seconds", 245),
        ("1h", 3600),
        ("1h 5min", 3900),
        ("10:00:00", 36000),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_duration_accepts(text: str, seconds: int | None) -> None:
    """Durations in the many ways organizers write them become seconds; blank is None."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-4:05", "negative"),
        ("-4", "negative"),
        ("–3", "negative"),
        ("4:75", "below 60"),
        ("1:75:00", "below 60"),
        ("1:02:75", "below 60"),
        ("4'75", "below 60"),
        ("4m75s", "below 60"),
        ("1h 75min", "below 60"),
        ("4:5", "two digits"),
        ("1:2:03", "two digits"),
        ("0:00", "longer than zero"),
        ("0", "longer than zero"),
        ("10:00:01", "10 hours"),
        ("601", "10 hours"),
        ("abc", "not a duration"),
        ("4:05:", "not a duration"),
        ("four minutes", "not a duration"),
        ("4..5", "not a duration"),
        ("m", "not a duration"),
        ("1h05", "not a duration"),
    ],
)
def test_parse_duration_refuses(text: str, reason: str) -> None:
    """Negative, zero, out-of-range and unreadable durations raise ValueError with a short reason."""
    with pytest.raises(ValueError, match=reason):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (5, "0:05"),
        (245, "4:05"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (3723, "1:02:03"),
        (36000, "10:00:00"),
    ],
)
def test_format_duration(seconds: int, text: str) -> None:
    """Durations print as m:ss, and as h:mm:ss from one hour on; the text parses back to the same seconds."""
    assert format_duration(seconds) == text
    if seconds:
        assert parse_duration(text) == seconds


def test_format_duration_refuses_negative() -> None:
    """A negative duration has no text."""
    with pytest.raises(ValueError, match="negative"):
        format_duration(-1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-03-04", dt.date(2015, 3, 4)),
        ("2015/03/04", dt.date(2015, 3, 4)),
        ("2015-3-4", dt.date(2015, 3, 4)),
        ("2015-03-04T00:00:00", dt.date(2015, 3, 4)),
        ("2015-03-04T10:30:00", dt.date(2015, 3, 4)),
        ("2015-03-04 00:00:00", dt.date(2015, 3, 4)),
        ("04/03/2015", dt.date(2015, 3, 4)),
        ("4/3/2015", dt.date(2015, 3, 4)),
        ("04-03-2015", dt.date(2015, 3, 4)),
        ("04.03.2015", dt.date(2015, 3, 4)),
        ("29/02/2016", dt.date(2016, 2, 29)),
        (" 31/12/1999 ", dt.date(1999, 12, 31)),
        ("", None),
    ],
)
def test_parse_date_accepts(text: str, expected: dt.date | None) -> None:
    """Year-first and day-first dates, and the ISO date-time of a workbook cell, become dates."""
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("04/03/15", "write the year in full"),
        ("4.3.15", "write the year in full"),
        ("31/02/2015", "does not exist"),
        ("29/02/2015", "does not exist"),
        ("2015-02-30", "does not exist"),
        ("2015-13-01", "does not exist"),
        ("03/31/2015", "read day first"),
        ("04/03-2015", "not a date"),
        ("04/03/201", "not a date"),
        ("4 March 2015", "not a date"),
        ("2015-03-04x", "not a date"),
        ("tomorrow", "not a date"),
    ],
)
def test_parse_date_refuses(text: str, reason: str) -> None:
    """Two-digit years, impossible dates and other text raise ValueError with a short reason."""
    with pytest.raises(ValueError, match=reason):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True), ("Y", True), ("TRUE", True), ("True", True), ("1", True), ("x", True), ("X", True),
        ("Oui", True), ("VRAI", True),
        ("no", False), ("N", False), ("FALSE", False), ("0", False), ("non", False), ("Faux", False),
        (" yes ", True), ("", None),
    ],
)  # fmt: skip
def test_parse_bool_accepts(text: str, expected: bool | None) -> None:
    """English and French yes/no words, 1/0 and a ticked x are read in any case; blank is None."""
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["maybe", "2", "yes please", "ja", "-"])
def test_parse_bool_refuses(text: str) -> None:
    """Anything else is not a yes/no value."""
    with pytest.raises(ValueError, match="yes/no"):
        parse_bool(text)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12", "12.00"),
        ("12.5", "12.50"),
        ("12.50", "12.50"),
        ("$12.50", "12.50"),
        ("$ 12.50", "12.50"),
        ("12,50", "12.50"),
        ("12,5", "12.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1\u202f234,50 €", "1234.50"),
        ("1\u00a0234\u00a0567,50 CAD", "1234567.50"),
        ("CAD 1 234", "1234.00"),
        ("€ 12,50", "12.50"),
        ("1'234.50", "1234.50"),
        ("1,234", "1234.00"),
        ("1,234,567.89", "1234567.89"),
        ("12.50 $", "12.50"),
        ("€12", "12.00"),
        ("12€", "12.00"),
        ("CA$12", "12.00"),
        ("12 CAD", "12.00"),
        ("0", "0.00"),
        ("0.5", "0.50"),
        ("", None),
    ],
)
def test_parse_money_accepts(text: str, amount: str | None) -> None:
    """Amounts with decimal points or commas, thousands separators and currency signs become cents."""
    result = parse_money(text)
    if amount is None:
        assert result is None
    else:
        assert result == Decimal(amount)
        assert str(result) == amount


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-12", "negative"),
        ("$-12", "negative"),
        ("-$12", "negative"),
        ("12-", "negative"),
        ("(12.00)", "negative"),
        ("−5", "negative"),
        ("12.505", "two decimals"),
        ("0,125", "two decimals"),
        ("1,234.567", "two decimals"),
        ("12,50,00", "not an amount"),
        ("1.234.56", "not an amount"),
        ("12 50", "not an amount"),
        ("12.", "not an amount"),
        ("1,2.50", "not an amount"),
        ("twelve", "not an amount"),
        ("$", "not an amount"),
        ("1  234", "not an amount"),
        ("12 $ $", "not an amount"),
        ("12 XYZ", "not an amount"),
    ],
)
def test_parse_money_refuses(text: str, reason: str) -> None:
    """Negative amounts, fractions of a cent and malformed numbers raise ValueError with a short reason."""
    with pytest.raises(ValueError, match=reason):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), (" 12 ", 12), ("+12", 12), ("-3", -3), ("12.0", 12), ("12,00", 12), ("007", 7), ("", None)],
)
def test_parse_int_accepts(text: str, expected: int | None) -> None:
    """Whole numbers, including the "12.0" a spreadsheet may write, become ints; blank is None."""
    assert parse_int(text) == expected


@pytest.mark.parametrize("text", ["12.5", "1e3", "twelve", "1 234", "12.0.0", "--1"])
def test_parse_int_refuses_what_is_not_a_whole_number(text: str) -> None:
    """Fractions and other text are not whole numbers."""
    with pytest.raises(ValueError, match="not a whole number"):
        parse_int(text)


def test_parse_int_bounds() -> None:
    """Bounds are inclusive and named in the reason."""
    assert parse_int("5", minimum=5, maximum=18) == 5
    assert parse_int("18", minimum=5, maximum=18) == 18
    with pytest.raises(ValueError, match="at least 5"):
        parse_int("4", minimum=5)
    with pytest.raises(ValueError, match="at most 18"):
        parse_int("19.0", maximum=18)


@pytest.mark.parametrize(
    ("text", "sep", "items"),
    [
        ("a; b ;c", ";", ["a", "b", "c"]),
        (" ;a;; ;b; ", ";", ["a", "b"]),
        ("", ";", []),
        ("solo", ";", ["solo"]),
        ("a, b", ",", ["a", "b"]),
    ],
)
def test_split_list(text: str, sep: str, items: list[str]) -> None:
    """Items are trimmed and empty ones dropped."""
    assert split_list(text, sep) == items


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Title - Composer; Title 2 - Composer 2", [("Title", "Composer"), ("Title 2", "Composer 2")]),
        ("Allegro - Sonata in C - Mozart", [("Allegro - Sonata in C", "Mozart")]),
        ("Gavotte – Jean-Baptiste Lully", [("Gavotte", "Jean-Baptiste Lully")]),
        ("Gavotte — Lully", [("Gavotte", "Lully")]),
        ("Jean-Baptiste's Air", [("Jean-Baptiste's Air", "")]),
        ("Own choice", [("Own choice", "")]),
        ("Minuet -", [("Minuet", "")]),
        ("A - X\nB - Y", [("A", "X"), ("B", "Y")]),
        (" ; A - X ;; ", [("A", "X")]),
        ("", []),
    ],
)
def test_parse_set_pieces(text: str, pieces: list[tuple[str, str]]) -> None:
    """Pieces split at the last spaced dash, so titles keep their dashes and names their hyphens."""
    assert parse_set_pieces(text) == pieces


@pytest.mark.parametrize("text", ["- Mozart", "A - X; – Y"])
def test_parse_set_pieces_refuses_a_piece_without_a_title(text: str) -> None:
    """A composer without a title is refused."""
    with pytest.raises(ValueError, match="no title"):
        parse_set_pieces(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1203A", ("1203", "A")),
        ("1203 a", ("1203", "A")),
        ("1203-A", ("1203", "A")),
        ("1203 - b", ("1203", "B")),
        ("1203.A", ("1203", "A")),
        ("1203", ("1203", "")),
        (" 0042b ", ("0042", "B")),
    ],
)
def test_parse_class_code_accepts(text: str, code: tuple[str, str]) -> None:
    """A class code is its digits (as written) and an optional letter, upper-cased."""
    assert parse_class_code(text) == code


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "missing"),
        ("  ", "missing"),
        ("A1203", "not a class number"),
        ("1203AB", "not a class number"),
        ("12 03", "not a class number"),
        ("1203-", "not a class number"),
        ("1203é", "not a class number"),
        ("Piano", "not a class number"),
    ],
)
def test_parse_class_code_refuses(text: str, reason: str) -> None:
    """Anything but digits with one optional letter is refused, and so is a blank code."""
    with pytest.raises(ValueError, match=reason):
        parse_class_code(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Zoë  O'Brien-Smith ", "zoe o brien smith"),
        ("ZOE O’BRIEN SMITH", "zoe o brien smith"),
        ("Dr. J.-P. Côté", "dr j p cote"),
        ("Straße", "strasse"),
        ("Ada\tLovelace\n", "ada lovelace"),
        ("", ""),
    ],
)
def test_normalise_name(text: str, expected: str) -> None:
    """Names compare without accents, case, punctuation or extra spaces."""
    assert normalise_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [(" Ada@Example.ORG ", "ada@example.org"), ("a.b+c@x.ca", "a.b+c@x.ca"), ("", None), ("  ", None)],
)
def test_normalise_email(text: str, expected: str | None) -> None:
    """Email addresses are stripped and casefolded; blank is None."""
    assert normalise_email(text) == expected


@pytest.mark.parametrize("text", ["ada.example.org", "ada@@example.org", "ada @example.org", "@example.org", "ada@"])
def test_normalise_email_refuses(text: str) -> None:
    """Text that cannot be an email address is refused."""
    with pytest.raises(ValueError, match="not an email address"):
        normalise_email(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(555) 123-4567", "5551234567"),
        ("+33 6 12 34 56 78", "+33612345678"),
        (" +1-555-123-4567 ", "+15551234567"),
        ("555.123.4567 ext. 89", "555123456789"),
        ("", None),
    ],
)
def test_normalise_phone(text: str, expected: str | None) -> None:
    """Phone numbers keep their digits and a leading +; blank is None."""
    assert normalise_phone(text) == expected


def test_normalise_phone_refuses_text_without_digits() -> None:
    """A phone number needs digits."""
    with pytest.raises(ValueError, match="not a phone number"):
        normalise_phone("n/a")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ada Lovelace", ("Ada", "Lovelace")),
        ("Lovelace, Ada", ("Ada", "Lovelace")),
        ("Mary Ann Smith", ("Mary Ann", "Smith")),
        ("van Beethoven, Ludwig", ("Ludwig", "van Beethoven")),
        ("  Ada   Lovelace ", ("Ada", "Lovelace")),
        ("Cher", ("Cher", "")),
        ("", ("", "")),
    ],
)
def test_split_person_name(text: str, names: tuple[str, str]) -> None:
    """A comma means "Last, First"; otherwise the last word is the last name."""
    assert split_person_name(text) == names


# 10,000 characters shaped to make a pattern backtrack: long runs of whitespace, digits or separators that several
# parts of a pattern could share, each ending in a character that no pattern accepts there.
SIZE = 10_000
WORST_SHAPES = {
    "spaces after a digit": "1" + " " * SIZE + "x",
    "spaces after a unit": "1h" + " " * SIZE + "x",
    "spaces after a currency": "$" + " " * SIZE + "1x",
    "spaces after a sign": "-" + " " * SIZE + "1x",
    "spaces after a mark": "1'" + " " * SIZE + "x",
    "spaces before a symbol": "1" + " " * SIZE + "!",
    "digits": "1" * SIZE + "x",
    "digits and spaces": "1 " * (SIZE // 2) + "x",
    "digits and dashes": "1" + " -" * (SIZE // 2) + "!",
    "digits and colons": "1:" * (SIZE // 2) + "x",
    "digits and dots": "1." * (SIZE // 2) + "x",
    "digits and commas": "1," * (SIZE // 2) + "x",
    "fraction of a second": "2015-03-04T10:30:00." + "1" * SIZE + "x",
    "words and hyphens": "a-" * (SIZE // 2) + "!",
}
CAPPED_PARSERS = {
    "duration": parse_duration,
    "date": parse_date,
    "yes/no": parse_bool,
    "money": parse_money,
    "whole number": parse_int,
    "class code": parse_class_code,
}
# Every compiled pattern of values.py (found, so a new one is attacked too) and the others that read what people type.
PATTERNS = {name: value for name, value in vars(values).items() if isinstance(value, re.Pattern)} | {
    "festival address": SLUG_PATTERN,
    "permission name": PERMISSION_NAME,
    "import row numbers": IMPORT_ROW_NUMBERS,
}


@pytest.mark.parametrize("shape", sorted(WORST_SHAPES))
@pytest.mark.parametrize("kind", sorted(CAPPED_PARSERS))
def test_a_value_longer_than_any_valid_one_is_refused_before_parsing(kind: str, shape: str) -> None:
    """10,000 characters of the worst shape are refused as too long (no pattern runs), with the limit in the error."""
    with pytest.raises(ValueTooLong, match=f"too long: at most {MAX_VALUE_LENGTH} characters") as refused:
        CAPPED_PARSERS[kind](WORST_SHAPES[shape])
    assert refused.value.limit == MAX_VALUE_LENGTH
    assert isinstance(refused.value, ValueError)  # callers that catch ValueError still refuse it


@pytest.mark.parametrize("kind", sorted(CAPPED_PARSERS))
def test_the_cap_counts_the_value_not_the_spaces_around_it(kind: str) -> None:
    """Spaces around a value do not count; one character over the cap is refused, whatever it is."""
    parse = CAPPED_PARSERS[kind]
    padded = {"duration": "4:05", "date": "2015-03-04", "yes/no": "yes", "money": "12.50", "whole number": "12",
              "class code": "1203A"}[kind]
    assert parse(" " * SIZE + padded + " " * SIZE) is not None
    with pytest.raises(ValueTooLong):
        parse("1" * (MAX_VALUE_LENGTH + 1))


def test_a_whole_number_as_long_as_the_cap_is_read() -> None:
    """The cap refuses only what is longer than it: 50 digits are still a number."""
    assert parse_int("1" + "0" * (MAX_VALUE_LENGTH - 1)) == 10 ** (MAX_VALUE_LENGTH - 1)


@pytest.mark.parametrize("shape", sorted(WORST_SHAPES))
@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_no_pattern_backtracks_on_10000_characters(name: str, shape: str) -> None:
    """Without the cap, each pattern still refuses the worst shapes in one pass (a catastrophic one would hang here)."""
    pattern = PATTERNS[name]
    text = WORST_SHAPES[shape]
    # No pattern accepts a trailing "!", so each must try (and give up) every way it has to match the rest.
    assert pattern.fullmatch(text + "!") is None
    assert pattern.fullmatch(text + " !") is None


@pytest.mark.parametrize("shape", sorted(WORST_SHAPES))
def test_the_uncapped_parsers_read_10000_characters(shape: str) -> None:
    """Lists, pieces, emails, phone numbers and names have no cap: their patterns are read in one pass."""
    text = WORST_SHAPES[shape]
    try:
        assert len(parse_set_pieces(text)) == 1  # one piece: the text has no semicolon or line break
    except ValueError as refused:  # "- ..." is a composer without a title
        assert "has no title" in str(refused)
    assert split_list(text) == [text.strip()]
    with pytest.raises(ValueError, match="not an email address"):
        normalise_email(text)
    assert split_person_name(text)[0] or split_person_name(text)[1]
    if any(char.isdigit() for char in text):
        assert normalise_phone(text).strip("+").isdigit()


def test_class_codes_sort_in_the_syllabus_order():
    """Numbers as numbers (9 before 10, leading zeros aside), the suffix after, 1201A before 3206; odd codes last."""
    codes = ["3206", "1201A", "10", "9", "0012", "1201", "12", "n/a"]
    assert sorted(codes, key=class_code_key) == ["9", "10", "0012", "12", "1201", "1201A", "3206", "n/a"]


def test_a_zero_duration_is_refused_as_too_short_unless_zero_is_a_real_answer():
    """ZeroDuration says why (a piece must last); with zero=True (a change-over time) zero is none."""
    with pytest.raises(ZeroDuration):
        parse_duration("0:00")
    assert parse_duration("0", zero=True) == 0 and parse_duration("0:00", zero=True) == 0
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon", zero=True)
