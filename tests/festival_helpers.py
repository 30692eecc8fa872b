"""Plain builders of festival data for tests: a festival, classes, people, pieces and entries (inside an app context).

(No tests here: festival test modules import these.) Each builder commits nothing; call
db.session.commit() when the data is ready, as a real request would.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer, EntryPiece
from mfo.festival.models import Festival
from mfo.issues.rules import piece_key
from mfo.people.models import Person, School
from mfo.syllabus.models import Discipline, FestivalClass, Level, Piece, SetPiece
from mfo.text import normalise_name


def make_festival(slug: str = "spring-2027", **fields) -> Festival:
    """Add a festival (9 days in April 2027, ages on 31 December 2026)."""
    values = {
        "name": "Spring Festival 2027",
        "year": 2027,
        "start_date": date(2027, 4, 10),
        "end_date": date(2027, 4, 18),
        "age_cutoff": date(2026, 12, 31),
        "status": "entries-open",
        **fields,
    }
    festival = Festival(slug=slug, **values)
    db.session.add(festival)
    db.session.flush()
    return festival


def make_class(festival: Festival, number: str, name: str = "Piano Solo", suffix: str = "", **fields) -> FestivalClass:
    """Add a class (a piano solo without limits unless told otherwise); `discipline`/`level` may be names."""
    discipline = fields.pop("discipline", None)
    level = fields.pop("level", None)
    set_pieces = fields.pop("set_pieces", ())
    festival_class = FestivalClass(
        festival_id=festival.id,
        number=number,
        suffix=suffix,
        name=name,
        fee=fields.pop("fee", Decimal("15.00")),
        adjudication_time=fields.pop("adjudication_time", 120),
        changeover_time=fields.pop("changeover_time", 30),
        **fields,
    )
    if discipline:
        festival_class.discipline = _lookup(Discipline, festival, discipline)
    if level:
        festival_class.level = _lookup(Level, festival, level)
    db.session.add(festival_class)
    db.session.flush()
    for position, (title, composer) in enumerate(set_pieces):
        db.session.add(SetPiece(class_id=festival_class.id, piece_id=make_piece(title, composer).id, position=position))
    db.session.flush()
    return festival_class


def _lookup(model, festival: Festival, name: str):
    """Return the festival's discipline or level of that name, adding it when missing."""
    found = db.session.query(model).filter_by(festival_id=festival.id, name=name).one_or_none()
    if found is None:
        found = model(festival_id=festival.id, name=name)
        db.session.add(found)
        db.session.flush()
    return found


def make_piece(title: str, composer: str = "", duration: int | None = None) -> Piece:
    """Return the repertoire's piece with this title and composer, adding it when missing."""
    key = piece_key(title, composer)
    piece = db.session.query(Piece).filter_by(key=key).one_or_none()
    if piece is None:
        piece = Piece(title=title, composer=composer, duration=duration, key=key)
        db.session.add(piece)
        db.session.flush()
    return piece


def make_school(name: str) -> School:
    """Add a school."""
    school = School(name=name, key=normalise_name(name))
    db.session.add(school)
    db.session.flush()
    return school


def make_person(first_name: str, last_name: str, birth_date: date | None = None, **fields) -> Person:
    """Add a person."""
    person = Person(birth_date=birth_date, **fields)
    person.set_name(first_name, last_name)
    db.session.add(person)
    db.session.flush()
    return person


def make_entry(
    festival_class: FestivalClass,
    performers: list[Person],
    pieces: list[tuple[Piece, int | None]] = (),
    **fields,
) -> Entry:
    """Add an entry of the performers in the class, playing (piece, declared seconds) in order."""
    entry = Entry(
        festival_id=festival_class.festival_id,
        class_id=festival_class.id,
        fee=fields.pop("fee", festival_class.fee),
        given_contacts=fields.pop("given_contacts", {}),
        **fields,
    )
    db.session.add(entry)
    db.session.flush()
    for position, person in enumerate(performers):
        db.session.add(EntryPerformer(entry_id=entry.id, person_id=person.id, position=position))
    for position, (piece, seconds) in enumerate(pieces):
        db.session.add(EntryPiece(entry_id=entry.id, piece_id=piece.id, position=position, duration=seconds))
    db.session.flush()
    return entry
