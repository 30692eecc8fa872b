"""What a report is: its columns (some personal), filters, sorts and totals, and how a page of it is read in SQL.

A report builds one SELECT of labelled columns for a festival (its filters applied); everything
else is done on that statement as a subquery, so it holds for every report: the totals row is one
aggregate query, a page is one ordered, limited query, and the list cells (performers, pieces,
classes) are filled by a fixed number of queries over the page's ids. A page therefore runs the
same number of queries whether the festival has ten entries or ten thousand. Exports read every
row the filters keep, in the same order, through the same statement.

Personal data (birth dates, addresses, phone numbers, emails) is never selected for a reader
without people-read: the columns marked `personal` are left out of the statement itself, not
only hidden when the page is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from mfo.database import db
from mfo.database.collation import reading
from mfo.festival.models import Festival

# Text shown to people: a lazy_gettext string, or plain text.
Label = Any

# How a column's values are shown and exported.
KINDS = ("id", "text", "int", "money", "duration", "date", "list", "status", "type")
PER_PAGE_CHOICES = (50, 100, 500)
DEFAULT_PER_PAGE = 50


@dataclass(frozen=True)
class Column:
    """A column of a report: its key in the statement, its heading, how it is shown and sorted.

    `sort_by` names the statement's columns that order it (default: the column itself; text is
    compared without case); `sortable=False` for list cells, which are filled after the query.
    `total`: summed in the totals row. `personal`: only for holders of people-read. `labels`: the
    words a stored code reads as (a payment method), on pages and in files alike.
    """

    key: str
    label: Label
    kind: str = "text"
    personal: bool = False
    sortable: bool = True
    total: bool = False
    sort_by: tuple[str, ...] = ()
    labels: Mapping[str, Label] | None = field(default=None, compare=False)

    @property
    def numeric(self) -> bool:
        """Tell whether the column holds numbers (right-aligned, summed)."""
        return self.kind in ("id", "int", "money", "duration")


@dataclass(frozen=True)
class ChoiceFilter:
    """A drop-down filter: its key in the URL, its label and the options of a festival (value, label)."""

    key: str
    label: Label
    options: Callable[[Festival], Sequence[tuple[str, Any]]]


@dataclass
class ReportQuery:
    """What the reader asked for: a search, chosen filters, a sort, a page."""

    search: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    descending: bool = False
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


@dataclass
class ReportPage:
    """One page of a report: its rows, how many rows the filters keep, the totals over all of them."""

    rows: list[dict[str, Any]]
    count: int
    totals: dict[str, Any]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return how many pages the rows fill (at least one)."""
        return max(1, -(-self.count // self.per_page))

    @property
    def first(self) -> int:
        """Return the number of the page's first row (0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """Return the number of the page's last row."""
        return (self.page - 1) * self.per_page + len(self.rows)


IdSource = Sequence[int] | Select


def among(query: Select, column: ColumnElement, ids: IdSource) -> Select:
    """Keep the rows of `query` whose `column` is one of the ids: a page's list with IN, a SELECT of them joined.

    A SELECT of ids (an export's: every row the filters keep) is joined rather than written
    `column IN (SELECT ...)`: SQLite has no planner statistics unless someone runs ANALYZE, and
    without them it guessed that a festival has a few entries and probed the whole list of ids
    inside its loop over them, once per entry: the performers export at 10,000 entries looked up
    6,000 ids 10,000 times (5 s of its 11 s). Joined, the ids are read once and each finds its
    rows through the column's index, whatever the statistics say; PostgreSQL plans both alike.
    The ids are a report's row ids, unique, so the join repeats no row.
    """
    if isinstance(ids, Select):
        chosen = ids.subquery("chosen")
        return query.join(chosen, chosen.c.id == column)
    return query.where(column.in_(ids))


class Report:
    """A report of a festival; subclasses give its statement, and fill list cells in `enrich`."""

    name: str = ""
    title: Label = ""
    description: Label = ""
    # Besides festival-read, the read permission of what the report shows.
    permissions: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    filters: tuple[ChoiceFilter, ...] = ()
    search_label: Label = ""
    default_sort: str = ""

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Return the SELECT of the report's rows (an `id` column first), with the search and filters applied."""
        raise NotImplementedError

    def enrich(self, festival: Festival, rows: list[dict[str, Any]], ids: IdSource, personal: bool) -> None:
        """Fill the list cells of the rows whose ids are given (a list, or a SELECT of them for exports)."""

    def visible_columns(self, personal: bool) -> list[Column]:
        """Return the columns a reader sees: without the personal ones unless they hold people-read."""
        return [column for column in self.columns if personal or not column.personal]

    def column(self, key: str) -> Column | None:
        """Return the column of that key, or None."""
        return next((column for column in self.columns if column.key == key), None)

    def filter_options(self, festival: Festival) -> dict[str, list[tuple[str, Any]]]:
        """Return every drop-down filter's options for the festival (one query each)."""
        return {choice.key: list(choice.options(festival)) for choice in self.filters}

    def clean(self, query: ReportQuery, options: dict[str, list[tuple[str, Any]]], personal: bool) -> ReportQuery:
        """Keep only what the report knows: known filter values, a sortable visible column, a page size offered."""
        filters = {}
        for key, value in query.filters.items():
            if value and value in {option for option, _label in options.get(key, ())}:
                filters[key] = value
        sortable = {column.key for column in self.visible_columns(personal) if column.sortable}
        sort = query.sort if query.sort in sortable else self.default_sort
        per_page = query.per_page if query.per_page in PER_PAGE_CHOICES else DEFAULT_PER_PAGE
        return ReportQuery(
            search=query.search.strip()[:100],
            filters=filters,
            sort=sort,
            descending=query.descending and sort == query.sort,
            page=max(1, query.page),
            per_page=per_page,
        )

    def _ordered(self, festival: Festival, query: ReportQuery, personal: bool):
        """Return the filtered statement as a subquery and the ORDER BY of the chosen sort."""
        sub = self.statement(festival, query, personal).subquery("report")
        column = self.column(query.sort) or self.column(self.default_sort)
        order: list[ColumnElement] = []
        for key in column.sort_by or (column.key,):
            expression = sub.c[key]
            if column.kind in ("text", "type", "status") and not column.sort_by:
                expression = reading(expression)
            expression = expression.desc() if query.descending else expression.asc()
            order.append(expression.nulls_last())
        order.append(sub.c.id.desc() if query.descending else sub.c.id.asc())
        return sub, order

    def page(self, festival: Festival, query: ReportQuery, personal: bool) -> ReportPage:
        """Return one page of the report with the totals over every row the filters keep (a fixed number of queries)."""
        sub, order = self._ordered(festival, query, personal)
        totals = self.totals(sub)
        count = totals.pop("_count")
        pages = max(1, -(-count // query.per_page))
        page = min(query.page, pages)
        result = db.session.execute(select(sub).order_by(*order).limit(query.per_page).offset((page - 1) * query.per_page))
        rows = [dict(row._mapping) for row in result]
        if rows:
            self.enrich(festival, rows, [row["id"] for row in rows], personal)
        return ReportPage(rows=rows, count=count, totals=totals, page=page, per_page=query.per_page)

    def all_rows(self, festival: Festival, query: ReportQuery, personal: bool) -> list[dict[str, Any]]:
        """Return every row the filters keep, in the chosen order (for exports)."""
        sub, order = self._ordered(festival, query, personal)
        rows = [dict(row._mapping) for row in db.session.execute(select(sub).order_by(*order))]
        if rows:
            self.enrich(festival, rows, select(sub.c.id), personal)
        return rows

    def totals(self, sub) -> dict[str, Any]:
        """Return the number of rows and the sum of every totalled column, in one aggregate query."""
        summed = [column for column in self.columns if column.total]
        values = db.session.execute(select(func.count().label("_count"), *(func.sum(sub.c[c.key]).label(c.key) for c in summed))).one()
        totals = dict(values._mapping)
        for column in summed:
            totals[column.key] = _number(column, totals[column.key])
        return totals


def _number(column: Column, value: Any) -> Any:
    """Return a sum as the column's kind (SQLite sums money as a float; empty sums are zero)."""
    if column.kind == "money":
        return Decimal(str(value or 0)).quantize(Decimal("0.01"))
    return int(value or 0)
