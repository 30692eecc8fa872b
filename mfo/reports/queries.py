"""The pieces the reports' statements share: people's names in SQL, the active entries, the filters' choices,
per-owner counts and money, the classes' statistics (the dashboard reads them too), and list cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, or_, select

from mfo.database import db
from mfo.database.collation import reading
from mfo.entries.labels import STATUS_LABELS as ENTRY_STATUS_LABELS
from mfo.entries.models import ACTIVE_STATUSES, STATUSES, Entry, EntryPerformer, EntryPiece
from mfo.festival.models import Festival
from mfo.festival.values import format_duration
from mfo.people.models import Person, School
from mfo.reports.framework import IdSource, among
from mfo.syllabus.labels import CLASS_TYPE_LABELS
from mfo.syllabus.models import CLASS_TYPES, Discipline, FestivalClass, Level
from mfo.syllabus.services import class_order
from mfo.text import normalise_name

Row = dict[str, Any]


def class_sort_columns(festival_class=FestivalClass) -> list[ColumnElement]:
    """Return the class order as labelled columns (_c1.._c4), for sorting a report by class."""
    return [expression.label(f"_c{position}") for position, expression in enumerate(class_order(festival_class), 1)]


CLASS_SORT = ("_c1", "_c2", "_c3", "_c4")


def full_name(person) -> ColumnElement:
    """Return "First Last" of a person (or an alias of Person) in SQL."""
    return func.trim(person.first_name + literal(" ") + person.last_name)


def last_first(person) -> ColumnElement:
    """Return "last first" of a person (or an alias of Person) in SQL, the text people are sorted by."""
    return person.last_name + literal(" ") + person.first_name


def sort_name(person) -> ColumnElement:
    """Return "last first" in the reader's order (accents and case aside), how people are sorted."""
    return reading(last_first(person))


def active(entry=Entry) -> ColumnElement:
    """Return the condition of an active entry (submitted or accepted)."""
    return entry.status.in_(ACTIVE_STATUSES)


def matches(column: ColumnElement, search: str) -> ColumnElement | None:
    """Return "the column's normalised text holds the search's words", or None for a search without words."""
    words = normalise_name(search)
    return column.contains(words, autoescape=True) if words else None


def by_id(rows: list[Row], **lists: Iterable) -> dict[int, Row]:
    """Return the rows by id, each given an empty list for every list cell named."""
    for row in rows:
        for key in lists:
            row[key] = []
    return {row["id"]: row for row in rows}


def festival_classes(festival: Festival) -> list[tuple[str, str]]:
    """Return the festival's classes as filter options, in class order."""
    query = select(FestivalClass.id, FestivalClass.number, FestivalClass.suffix, FestivalClass.name).where(
        FestivalClass.festival_id == festival.id
    )
    return [(str(i), f"{number}{suffix} {name}") for i, number, suffix, name in db.session.execute(query.order_by(*class_order()))]


def festival_disciplines(festival: Festival) -> list[tuple[str, str]]:
    """Return the festival's disciplines as filter options."""
    query = select(Discipline.id, Discipline.name).where(Discipline.festival_id == festival.id)
    return [(str(i), name) for i, name in db.session.execute(query.order_by(Discipline.position, Discipline.name))]


def festival_levels(festival: Festival) -> list[tuple[str, str]]:
    """Return the festival's levels as filter options."""
    query = select(Level.id, Level.name).where(Level.festival_id == festival.id)
    return [(str(i), name) for i, name in db.session.execute(query.order_by(Level.position, Level.name))]


def festival_schools(festival: Festival) -> list[tuple[str, str]]:
    """Return the schools named by the festival's entries or their performers, as filter options."""
    on_entries = select(Entry.school_id).where(Entry.festival_id == festival.id)
    of_performers = (
        select(Person.school_id)
        .join(EntryPerformer, EntryPerformer.person_id == Person.id)
        .join(Entry, Entry.id == EntryPerformer.entry_id)
        .where(Entry.festival_id == festival.id)
    )
    query = select(School.id, School.name).where(or_(School.id.in_(on_entries), School.id.in_(of_performers)))
    return [(str(i), name) for i, name in db.session.execute(query.order_by(reading(School.name)))]


def entry_statuses(festival: Festival) -> list[tuple[str, Any]]:
    """Return the entry statuses as filter options (no query)."""
    del festival
    return [(status, ENTRY_STATUS_LABELS[status]) for status in STATUSES]


def class_types(festival: Festival) -> list[tuple[str, Any]]:
    """Return the class types as filter options (no query)."""
    del festival
    return [(name, CLASS_TYPE_LABELS[name]) for name in CLASS_TYPES]


def classes_by_owner(owner: ColumnElement, festival: Festival, ids: IdSource, *joins) -> dict[int, list[str]]:
    """Return the codes of the classes of the festival's active entries, by the owner column (one query)."""
    query = select(owner, FestivalClass.number, FestivalClass.suffix)
    for target, condition in joins:
        query = query.join(target, condition)
    query = among(query, owner, ids).where(Entry.festival_id == festival.id, active()).order_by(owner, *class_order())
    codes: dict[int, list[str]] = defaultdict(list)
    # Someone in a class twice (two entries) lists it once; rows come in class order, so a repeat follows its first.
    for owner_id, number, suffix in db.session.execute(query):
        code = f"{number}{suffix}"
        if not codes[owner_id] or codes[owner_id][-1] != code:
            codes[owner_id].append(code)
    return codes


def piece_text(title: str, composer: str, duration: int | None) -> str:
    """Return a piece as a list cell reads it: "Title (Composer) 4:30"."""
    text = f"{title} ({composer})" if composer else title
    return f"{text} {format_duration(duration)}" if duration is not None else text


def class_statistics(festival: Festival):
    """Return, per class with active entries: entries, fees, paid and estimated performance time (a subquery).

    An entry takes its declared time, cut to the class's time limit, plus the class's adjudication
    and change-over times.
    """
    per_entry = (
        select(
            Entry.id.label("entry_id"),
            Entry.class_id.label("class_id"),
            Entry.fee.label("fee"),
            Entry.amount_paid.label("paid"),
            func.coalesce(func.sum(EntryPiece.duration), 0).label("declared"),
        )
        .outerjoin(EntryPiece, EntryPiece.entry_id == Entry.id)
        .where(Entry.festival_id == festival.id, active())
        .group_by(Entry.id, Entry.class_id, Entry.fee, Entry.amount_paid)
        .subquery("per_entry")
    )
    played = case(
        (and_(FestivalClass.time_limit.is_not(None), per_entry.c.declared > FestivalClass.time_limit), FestivalClass.time_limit),
        else_=per_entry.c.declared,
    )
    return (
        select(
            per_entry.c.class_id.label("class_id"),
            func.count().label("entries"),
            func.sum(per_entry.c.fee).label("fees"),
            func.sum(per_entry.c.paid).label("paid"),
            func.sum(played + FestivalClass.adjudication_time + FestivalClass.changeover_time).label("time"),
        )
        .join(FestivalClass, FestivalClass.id == per_entry.c.class_id)
        .group_by(per_entry.c.class_id)
        .subquery("class_stats")
    )


def money_by(owner: ColumnElement, festival: Festival):
    """Return the fees and amounts paid of the festival's active entries, grouped by an entry column (a subquery)."""
    return (
        select(owner.label("owner_id"), func.sum(Entry.fee).label("fees"), func.sum(Entry.amount_paid).label("paid"))
        .where(Entry.festival_id == festival.id, active(), owner.is_not(None))
        .group_by(owner)
        .subquery("money")
    )


def entry_counts(owner: ColumnElement, festival: Festival, **counted: ColumnElement):
    """Return distinct counts over the festival's active entries, grouped by an entry's (or a performer's) column.

    A subquery with `owner_id` and one column per keyword (`entries=Entry.id` counts distinct
    entries); the entries' performers are joined when the owner or a count reads them.
    """
    statement = select(owner.label("owner_id"), *(func.count(distinct(column)).label(name) for name, column in counted.items()))
    statement = statement.select_from(Entry)
    if any(column.table is EntryPerformer.__table__ for column in (owner, *counted.values())):
        statement = statement.outerjoin(EntryPerformer, EntryPerformer.entry_id == Entry.id)
    return statement.where(Entry.festival_id == festival.id, active(), owner.is_not(None)).group_by(owner).subquery("stats")


def person_columns(personal: bool, *, address: bool = False) -> list[ColumnElement]:
    """Return a person's name columns, and their contacts for holders of people-read."""
    columns = [full_name(Person).label("name"), sort_name(Person).label("_name_sort")]
    if personal:
        columns += [Person.email.label("email"), Person.phone.label("phone")]
        if address:
            columns.append(Person.address.label("address"))
    return columns
