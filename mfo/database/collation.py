"""Text in the reader's order in SQL: "Béland" before "Brown", "École" among the E's, case aside.

`reading(expression)` is an ORDER BY term. PostgreSQL compares with ICU's root collation ("und-x-icu",
built into every PostgreSQL with ICU, as Debian's is); SQLite with `mfo_reading`, a collation each
connection gets (mfo.database.setup) that compares mfo.text.reading_key, the same key Python code
sorts with. Sorting this way costs SQLite a Python call per comparison: about 0.3 s more for 10,000
rows, nothing for a page of 50 (a top-N sort); PostgreSQL sorts natively.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from mfo.text import reading_key

SQLITE_COLLATION = "mfo_reading"
POSTGRESQL_COLLATION = '"und-x-icu"'


class reading(ColumnElement):  # noqa: N801 - used like a SQL function: order_by(reading(Person.last_name))
    """An ORDER BY term comparing a text expression in the reader's order (see the module's docstring)."""

    inherit_cache = True
    _traverse_internals = [("text", InternalTraversal.dp_clauseelement)]

    def __init__(self, expression: Any) -> None:
        self.text = expression
        self.type = expression.type


@compiles(reading)
def _plain(element: reading, compiler, **kw) -> str:
    """Other databases sort as they do by default."""
    return compiler.process(element.text, **kw)


@compiles(reading, "sqlite")
def _sqlite(element: reading, compiler, **kw) -> str:
    return f"{compiler.process(element.text, **kw)} COLLATE {SQLITE_COLLATION}"


@compiles(reading, "postgresql")
def _postgresql(element: reading, compiler, **kw) -> str:
    return f"{compiler.process(element.text, **kw)} COLLATE {POSTGRESQL_COLLATION}"


def compare(left: str | None, right: str | None) -> int:
    """Compare two texts in the reader's order (SQLite's collation callback; NULLs never reach it)."""
    a, b = reading_key(left or ""), reading_key(right or "")
    return (a > b) - (a < b)
