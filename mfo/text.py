"""Text helpers with no dependencies: keys for matching what people type, and spreadsheet cells that stay text."""

from __future__ import annotations

import re
import unicodedata


def plain(text: str) -> str:
    """Return text casefolded and without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalise_name(text: str) -> str:
    """Return the form of a name used to find duplicates: no accents, casefolded, words of letters and digits only.

    "  Zoë  O'Brien-Smith " -> "zoe o brien smith".
    """
    return " ".join(word for word in re.split(r"[\W_]+", plain(text or "")) if word)


# Cells a spreadsheet would read as a formula. defusedcsv neutralises = + - @ | %; tab and
# carriage return are added here (OWASP's list), so every one of them starts with a quote.
FORMULA_STARTS = ("\t", "\r")


def neutralise_cell(value: object) -> object:
    """Return a CSV cell that a spreadsheet will not run as a formula (tab and CR; defusedcsv does the rest)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
