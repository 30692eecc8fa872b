"""CSV cells that no spreadsheet runs as a formula, whichever separator it splits lines at ("," or ";" or tab)."""

from __future__ import annotations

import csv
import io

import pytest

from mfo.text import csv_writer, neutralise_cell

# What a spreadsheet reads as a formula (or as the start of one) at the start of a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Values that hide a formula after a separator: a spreadsheet set to split at ";" (French regional settings) or ","
# reads an unquoted "x;=2*3" as the cells "x" and "=2*3".
ATTACKS = [
    "x;=2*3",
    "x,=2*3",
    "x; =2*3",
    'x;"=2*3"',
    "Bach; +1+2",
    "Bach, -2+3",
    "ok;@SUM(A1:A9)",
    "x;\t=1+1",
    "x,\r=1+1",
    "x\n=1+1",
    "=HYPERLINK(\"http://evil.example\";\"x\")",
    "\t=cmd|' /C calc'!A0",
    "a;b;c;=1;-1;+1;@1",
]
PLAIN = ["Maria", "Bach, J. S.", "Title; Title 2", "12.50", "-12.50", "1,234", "it's 4 o'clock", ""]


def fields(text: str, delimiter: str) -> list[str]:
    """Return every field of a CSV text read with the given delimiter, as a spreadsheet would split it."""
    return [field for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for field in row]


def written(rows: list[list[object]], delimiter: str) -> str:
    """Return rows written by the writer every CSV export uses."""
    buffer = io.StringIO()
    csv_writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize("written_with", [",", ";"])
@pytest.mark.parametrize("read_with", [",", ";", "\t"])
def test_no_field_starts_a_formula_whatever_the_separators(written_with: str, read_with: str) -> None:
    """Written with "," or ";" and read back with ",", ";" or tab, no field starts with = + - @ tab or CR."""
    text = written([[attack, "plain", attack] for attack in ATTACKS], written_with)
    found = fields(text, read_with)
    assert found
    for field in found:
        assert not field.startswith(FORMULA_STARTS), (written_with, read_with, field)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_the_cells_keep_their_text_and_plain_ones_are_untouched(delimiter: str) -> None:
    """Read with the separator it was written with, each cell is its text with quotes added; plain cells are unchanged."""
    rows = [[value, "plain"] for value in ATTACKS + PLAIN]
    read = list(csv.reader(io.StringIO(written(rows, delimiter), newline=""), delimiter=delimiter))
    for (value, _plain), (cell, plain) in zip(rows, read, strict=True):
        assert plain == "plain"
        assert cell.replace("'", "") == value.replace("'", "")
        assert cell == value if value in PLAIN else cell != value


def test_neutralise_cell_quotes_each_place_a_cell_may_start() -> None:
    """The quote goes where the formula starts: at the start, or after the separator and its spaces."""
    assert neutralise_cell("x;=2*3") == "x;'=2*3"
    assert neutralise_cell("a, -b") == "a, '-b"
    assert neutralise_cell("=1+1") == "'=1+1"
    assert neutralise_cell("x;\t=1") == "x;'\t'=1"
    assert neutralise_cell(-3) == -3 and neutralise_cell(None) is None


def test_a_long_cell_is_neutralised_in_one_pass() -> None:
    """10,000 separators, spaces or tabs are read once (a pattern that backtracked would hang here)."""
    assert neutralise_cell(";" + " " * 10_000 + "x") == ";" + " " * 10_000 + "x"
    assert neutralise_cell(";" + " " * 10_000 + "=") == ";" + " " * 10_000 + "'="
    assert neutralise_cell("\t" * 10_000 + "=") == "'" + "\t" * 10_000 + "'="
    assert neutralise_cell(', "' * 5_000 + "x").count("'") == 0
