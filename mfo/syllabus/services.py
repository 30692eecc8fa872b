"""The syllabus's services: reading a festival's classes with everything their pages show, and rolling a syllabus over.

A roll-over starts next season from this one: a new festival with copies of the disciplines,
levels, classes and set pieces (the pieces themselves are the shared repertoire), and no entries.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import contains_eager, selectinload

from mfo.audit.trail import record
from mfo.database import db
from mfo.festival.models import Festival
from mfo.festival.services import (
    FestivalSettings,
    audited_settings,
    create_festival,
    festival_target,
    shift_year,
    slugify,
    unique_slug,
)
from mfo.syllabus.models import Discipline, FestivalClass, Level, SetPiece

# Columns of a class copied as they are by a roll-over (discipline and level are mapped to the new festival's).
COPIED_CLASS_COLUMNS = (
    "number", "suffix", "name", "class_type", "min_age", "max_age", "fee", "time_limit",
    "adjudication_time", "changeover_time", "accompanist_required",
)


def class_order(festival_class=FestivalClass) -> list[ColumnElement]:
    """Return the ORDER BY of classes by number as a number (9 before 10, leading zeros aside), then suffix.

    One order for every list, filter, report and export of classes; `festival_class` may be an alias.
    """
    digits = func.ltrim(festival_class.number, "0")
    return [func.length(digits), digits, festival_class.number, festival_class.suffix]


def disciplines_of(festival: Festival) -> list[Discipline]:
    """Return a festival's disciplines in their order."""
    query = select(Discipline).where(Discipline.festival_id == festival.id).order_by(Discipline.position, Discipline.name)
    return list(db.session.scalars(query))


def levels_of(festival: Festival) -> list[Level]:
    """Return a festival's levels in their order."""
    query = select(Level).where(Level.festival_id == festival.id).order_by(Level.position, Level.name)
    return list(db.session.scalars(query))


def classes_query(festival: Festival):
    """Return the query of a festival's classes, by discipline, level and number, with their set pieces (two queries)."""
    return (
        select(FestivalClass)
        .outerjoin(Discipline, FestivalClass.discipline_id == Discipline.id)
        .outerjoin(Level, FestivalClass.level_id == Level.id)
        .where(FestivalClass.festival_id == festival.id)
        .options(
            contains_eager(FestivalClass.discipline),
            contains_eager(FestivalClass.level),
            selectinload(FestivalClass.set_pieces).joinedload(SetPiece.piece),
        )
        # Classes without a discipline or level come after those with one.
        .order_by(
            Discipline.id.is_(None), Discipline.position, Discipline.name,
            Level.id.is_(None), Level.position, Level.name,
            *class_order(),
        )
    )


def next_name(name: str, year: int) -> str:
    """Return next season's name: the year in the name moved on by one, or the next year added."""
    if re.search(rf"\b{year}\b", name):
        return re.sub(rf"\b{year}\b", str(year + 1), name)
    return f"{name} {year + 1}"


def next_season(festival: Festival) -> FestivalSettings:
    """Return the settings a roll-over of the festival proposes: same name a year on, dates a year on, same currency and consent age."""
    name = next_name(festival.name, festival.year)
    return FestivalSettings(
        name=name,
        year=festival.year + 1,
        start_date=shift_year(festival.start_date),
        end_date=shift_year(festival.end_date),
        age_cutoff=shift_year(festival.age_cutoff),
        entries_open=shift_year(festival.entries_open),
        entries_close=shift_year(festival.entries_close),
        status="draft",
        slug=unique_slug(slugify(name)),
        currency=festival.currency,
        consent_age=festival.consent_age,
    )


def roll_over(source: Festival, settings: FestivalSettings, *, from_cli: bool = False) -> Festival:
    """Create next season's festival with a copy of the source's syllabus; record it as one event.

    Raises mfo.festival.services.FestivalError when the settings are wrong; nothing is written then.
    The caller commits.
    """
    festival = create_festival(settings, from_cli=from_cli, audited=False)
    disciplines = {}
    for old in disciplines_of(source):
        disciplines[old.id] = Discipline(festival_id=festival.id, name=old.name, position=old.position)
    levels = {}
    for old in levels_of(source):
        levels[old.id] = Level(festival_id=festival.id, name=old.name, position=old.position)
    db.session.add_all([*disciplines.values(), *levels.values()])
    copied = 0
    set_pieces = 0
    for old in db.session.scalars(
        select(FestivalClass).where(FestivalClass.festival_id == source.id).options(selectinload(FestivalClass.set_pieces))
    ):
        new = FestivalClass(festival_id=festival.id, **{column: getattr(old, column) for column in COPIED_CLASS_COLUMNS})
        new.discipline = disciplines.get(old.discipline_id)
        new.level = levels.get(old.level_id)
        new.set_pieces = [SetPiece(piece_id=sp.piece_id, position=sp.position) for sp in old.set_pieces]
        db.session.add(new)
        copied += 1
        set_pieces += len(old.set_pieces)
    db.session.flush()
    record(
        "festival-rolled-over",
        target=festival_target(festival),
        details={
            "from": festival_target(source),
            **audited_settings(festival),
            "copied": {"disciplines": len(disciplines), "levels": len(levels), "classes": copied, "set_pieces": set_pieces},
        },
        from_cli=from_cli,
    )
    return festival
