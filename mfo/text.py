"""Text keys for matching what people type: without accents, case or punctuation (a core helper with no dependencies)."""

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
