"""Text helpers that need nothing else of mfo: keys for matching what people type, and CSV cells that stay text."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from defusedcsv import csv as defused_csv


def plain(text: str) -> str:
    """Return text casefolded and without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.lru_cache(maxsize=65_536)
def reading_key(text: str) -> tuple[str, str]:
    """Return the key that sorts text as a reader expects: accents and case aside ("Béland" before "Brown",
    "École" among the E's), then as written, so that equal keys still sort the same way every time.

    Cached: SQLite calls it for every comparison of a sort (see mfo.database.collation).
    """
    return plain(text), text


def normalise_name(text: str) -> str:
    """Return the form of a name used to find duplicates: no accents, casefolded, words of letters and digits only.

    "  Zoë  O'Brien-Smith " -> "zoe o brien smith".
    """
    return " ".join(word for word in re.split(r"[\W_]+", plain(text or "")) if word)


# Where a spreadsheet may start a cell inside one of ours: at its start, and after any character some spreadsheet
# splits an unquoted line at (",", the ";" of French regional settings, tab) or ends a row at (CR, LF). A cell
# starting there with = + - @ | % (defusedcsv's list), after spaces or quotes, is read as a formula; so is one
# starting with tab or CR (OWASP's list) after a "," ";" or line break. Each such place gets a quote. Spaces and
# quotes never touch the separators they follow, so the pattern reads a cell in one pass whatever its length.
_FORMULA_START = re.compile(r"""(?:^|(?<=[,;\t\r\n]))[ "]*(?=[=+\-@|%])|(?:^|(?<=[,;\n]))(?=[\t\r])""")
# A plain number ("-12.50", "1,234") is data, not a formula: it keeps its value (defusedcsv's exception).
_NUMBER = re.compile(r"-?[\d.,]+")


def neutralise_cell(value: object) -> object:
    """Return a CSV cell that no spreadsheet will run as a formula, whichever separator it splits lines at.

    "=1+1" gives "'=1+1", "x;=2*3" gives "x;'=2*3", "a, -b" gives "a, '-b"; numbers and other text are unchanged.
    """
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return value
    return _FORMULA_START.sub(lambda match: match.group(0) + "'", value)


class SafeCsvWriter:
    """A CSV writer (defusedcsv's, the csv module's options) whose every cell goes through neutralise_cell."""

    def __init__(self, stream: Any, **options: Any) -> None:
        self._writer = defused_csv.writer(stream, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        """Write one row of neutralised cells; return what the stream's write returned (a streamed line)."""
        return self._writer.writerow([neutralise_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write rows of neutralised cells."""
        for row in rows:
            self.writerow(row)


def csv_writer(stream: Any, **options: Any) -> SafeCsvWriter:
    """Return the writer every CSV mfo produces goes through: no cell of it can run as a formula."""
    return SafeCsvWriter(stream, **options)
