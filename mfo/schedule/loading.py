"""Between the database and the plain schedule: load a festival's `Problem` and `Schedule`, save a `Schedule` back.

One query per table, whatever the festival's size: the rows are gathered into dictionaries and
the plain types built from those, so a 10,000-entry festival loads in a fraction of a second.

What becomes a unit: every class that is not split is one unit ("class-<id>") with its active
entries (submitted or accepted: those the reports count); a split class gives one unit per
section ("section-<id>") with the entries assigned to it, and its entries that no section holds
stay together in the class's own unit (so no entry is silently dropped). Inside a unit the
entries follow the recorded draw (schedule_entry.position), then the entries not drawn yet in
the order they were made.

A unit needs a piano when its class requires an accompanist, when one of its entries has an
accompanist, or when its discipline is piano (by name: "Piano", "Piano solo", ...).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased

from mfo.adjudicators.models import (
    Adjudicator,
    AdjudicatorAvailability,
    adjudicator_conflict_person,
    adjudicator_conflict_school,
    adjudicator_discipline,
)
from mfo.audit.trail import record
from mfo.database import db
from mfo.entries.models import ACTIVE_STATUSES, Entry, EntryPerformer, EntryPiece
from mfo.entries.timing import entry_seconds
from mfo.festival.models import Festival
from mfo.people.models import Group, Person, group_member
from mfo.schedule import problem as plain
from mfo.schedule.models import (
    ClassSection,
    KeepTogether,
    Placement,
    ScheduleEntry,
    Session,
    SessionBreak,
    Unavailability,
    keep_together_member,
)
from mfo.syllabus.models import Discipline, FestivalClass
from mfo.text import normalise_name
from mfo.venues.models import Venue, VenueOpening, VenueTravel


class ScheduleError(ValueError):
    """A schedule names a unit or session that is not the festival's."""


def _window(day: date, start: time, end: time) -> plain.Window:
    """Return the window of a day between two times."""
    return plain.Window(datetime.combine(day, start), datetime.combine(day, end))


def _is_piano(name: str | None) -> bool:
    """Tell whether a discipline is piano, by its name ("Piano", "Piano solo", "piano")."""
    return bool(name) and normalise_name(name).split()[:1] == ["piano"]


def class_key(class_id: int) -> str:
    """Return the unit key of a whole class."""
    return f"class-{class_id}"


def section_key(section_id: int) -> str:
    """Return the unit key of a section of a class."""
    return f"section-{section_id}"


def load_problem(festival: Festival) -> plain.Problem:
    """Return the festival's schedule problem: venues, adjudicators, sessions, units in draw order, requests and travel."""
    problem = plain.Problem(
        festival_id=festival.id,
        travel_default=timedelta(minutes=festival.travel_minutes if festival.travel_minutes is not None else 15),
    )
    _load_venues(festival.id, problem)
    _load_adjudicators(festival.id, problem)
    _load_sessions(festival.id, problem)
    _load_units(festival.id, problem)
    _load_requests(festival.id, problem)
    return problem


def _load_venues(festival_id: int, problem: plain.Problem) -> None:
    """Add the festival's venues with their opening hours, and the travel times it sets for pairs of venues."""
    opening: dict[int, list[plain.Window]] = defaultdict(list)
    rows = db.session.execute(
        select(VenueOpening.venue_id, VenueOpening.day, VenueOpening.start, VenueOpening.end)
        .join(Venue, Venue.id == VenueOpening.venue_id)
        .where(Venue.festival_id == festival_id)
        .order_by(VenueOpening.day, VenueOpening.start)
    )
    for venue_id, day, start, end in rows:
        opening[venue_id].append(_window(day, start, end))
    for venue_id, name, has_piano in db.session.execute(
        select(Venue.id, Venue.name, Venue.has_piano).where(Venue.festival_id == festival_id).order_by(Venue.name)
    ):
        problem.venues[venue_id] = plain.Venue(venue_id, name, bool(has_piano), tuple(opening[venue_id]))
    for a, b, minutes in db.session.execute(
        select(VenueTravel.venue_a_id, VenueTravel.venue_b_id, VenueTravel.minutes)
        .join(Venue, Venue.id == VenueTravel.venue_a_id)
        .where(Venue.festival_id == festival_id)
    ):
        problem.travel_pairs[frozenset((a, b))] = timedelta(minutes=minutes)


def _pairs(query, names: dict[int, str] | None = None) -> dict[int, set[int]]:
    """Return {left: {right, ...}} from a query of (left, right) rows; of (left, person, first, last) rows, name the people too."""
    found: dict[int, set[int]] = defaultdict(set)
    for left, right, *name in db.session.execute(query):
        found[left].add(right)
        if names is not None:
            names[right] = _full_name(*name)
    return found


def _full_name(first: str | None, last: str | None) -> str:
    """Return "First Last" as the people feature writes it."""
    return f"{first or ''} {last or ''}".strip()


def _load_adjudicators(festival_id: int, problem: plain.Problem) -> None:
    """Add the festival's adjudicators: their disciplines, availability and conflicts of interest."""
    mine = select(Adjudicator.id).where(Adjudicator.festival_id == festival_id)
    disciplines = _pairs(
        select(adjudicator_discipline.c.adjudicator_id, adjudicator_discipline.c.discipline_id).where(
            adjudicator_discipline.c.adjudicator_id.in_(mine)
        )
    )
    schools = _pairs(
        select(adjudicator_conflict_school.c.adjudicator_id, adjudicator_conflict_school.c.school_id).where(
            adjudicator_conflict_school.c.adjudicator_id.in_(mine)
        )
    )
    people = _pairs(
        select(adjudicator_conflict_person.c.adjudicator_id, adjudicator_conflict_person.c.person_id).where(
            adjudicator_conflict_person.c.adjudicator_id.in_(mine)
        )
    )
    available: dict[int, list[plain.Window]] = defaultdict(list)
    for adjudicator_id, day, start, end in db.session.execute(
        select(
            AdjudicatorAvailability.adjudicator_id, AdjudicatorAvailability.day, AdjudicatorAvailability.start, AdjudicatorAvailability.end
        )
        .where(AdjudicatorAvailability.adjudicator_id.in_(mine))
        .order_by(AdjudicatorAvailability.day, AdjudicatorAvailability.start)
    ):
        available[adjudicator_id].append(_window(day, start, end))
    for adjudicator_id, person_id, first, last in db.session.execute(
        select(Adjudicator.id, Adjudicator.person_id, Person.first_name, Person.last_name)
        .join(Person, Person.id == Adjudicator.person_id)
        .where(Adjudicator.festival_id == festival_id)
    ):
        problem.person_names[person_id] = _full_name(first, last)
        problem.adjudicators[adjudicator_id] = plain.Adjudicator(
            id=adjudicator_id,
            person_id=person_id,
            name=problem.person_names[person_id],
            discipline_ids=frozenset(disciplines[adjudicator_id]),
            available=tuple(available[adjudicator_id]),
            conflict_school_ids=frozenset(schools[adjudicator_id]),
            conflict_person_ids=frozenset(people[adjudicator_id]),
        )


def _load_sessions(festival_id: int, problem: plain.Problem) -> None:
    """Add the festival's sessions with their breaks."""
    breaks: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for session_id, start, end in db.session.execute(
        select(SessionBreak.session_id, SessionBreak.start, SessionBreak.end)
        .join(Session, Session.id == SessionBreak.session_id)
        .where(Session.festival_id == festival_id)
        .order_by(SessionBreak.start)
    ):
        breaks[session_id].append((start, end))
    for row in db.session.execute(
        select(
            Session.id,
            Session.name,
            Session.venue_id,
            Session.day,
            Session.start,
            Session.end,
            Session.adjudicator_id,
            Session.discipline_id,
        )
        .where(Session.festival_id == festival_id)
        .order_by(Session.day, Session.start, Session.id)
    ):
        problem.sessions[row.id] = plain.Session(
            id=row.id,
            name=row.name or "",
            venue_id=row.venue_id,
            start=datetime.combine(row.day, row.start),
            end=datetime.combine(row.day, row.end),
            adjudicator_id=row.adjudicator_id,
            discipline_id=row.discipline_id,
            breaks=tuple(_window(row.day, start, end) for start, end in breaks[row.id]),
        )


def _load_units(festival_id: int, problem: plain.Problem) -> None:
    """Add the units: classes and sections with their active entries in draw order."""
    classes = {
        c.id: c
        for c in db.session.scalars(
            select(FestivalClass).where(FestivalClass.festival_id == festival_id).order_by(FestivalClass.number, FestivalClass.suffix)
        )
    }
    problem.discipline_names = dict(
        db.session.execute(select(Discipline.id, Discipline.name).where(Discipline.festival_id == festival_id)).all()
    )
    piano_disciplines = {discipline_id for discipline_id, name in problem.discipline_names.items() if _is_piano(name)}
    sections: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for section_id, class_id, label in db.session.execute(
        select(ClassSection.id, ClassSection.class_id, ClassSection.label)
        .join(FestivalClass, FestivalClass.id == ClassSection.class_id)
        .where(FestivalClass.festival_id == festival_id)
        .order_by(ClassSection.position, ClassSection.label)
    ):
        sections[class_id].append((section_id, label))

    active = (Entry.festival_id == festival_id, Entry.status.in_(ACTIVE_STATUSES))
    teacher, accompanist = aliased(Person), aliased(Person)
    entries = db.session.execute(
        select(
            Entry.id,
            Entry.class_id,
            Entry.group_id,
            Entry.teacher_id,
            Entry.accompanist_id,
            Entry.school_id,
            teacher.first_name,
            teacher.last_name,
            accompanist.first_name,
            accompanist.last_name,
        )
        .outerjoin(teacher, teacher.id == Entry.teacher_id)
        .outerjoin(accompanist, accompanist.id == Entry.accompanist_id)
        .where(*active)
        .order_by(Entry.id)
    ).all()
    names = problem.person_names
    declared = dict(
        db.session.execute(
            select(EntryPiece.entry_id, func.coalesce(func.sum(EntryPiece.duration), 0))
            .join(Entry, Entry.id == EntryPiece.entry_id)
            .where(*active)
            .group_by(EntryPiece.entry_id)
        ).all()
    )
    performers = _pairs(
        select(EntryPerformer.entry_id, EntryPerformer.person_id, Person.first_name, Person.last_name)
        .join(Entry, Entry.id == EntryPerformer.entry_id)
        .join(Person, Person.id == EntryPerformer.person_id)
        .where(*active),
        names,
    )
    groups = select(Entry.group_id).where(*active, Entry.group_id.is_not(None))
    members = _pairs(
        select(group_member.c.group_id, group_member.c.person_id, Person.first_name, Person.last_name)
        .join(Person, Person.id == group_member.c.person_id)
        .where(group_member.c.group_id.in_(groups)),
        names,
    )
    group_schools = dict(db.session.execute(select(Group.id, Group.school_id).where(Group.id.in_(groups))).all())
    placed = {
        entry_id: (section_id, position)
        for entry_id, section_id, position in db.session.execute(
            select(ScheduleEntry.entry_id, ScheduleEntry.section_id, ScheduleEntry.position)
            .join(Entry, Entry.id == ScheduleEntry.entry_id)
            .where(*active)
        )
    }

    # (unit key, draw position or None, entry id, performance) gathered per unit, then sorted.
    by_unit: dict[str, list[tuple[int, int, plain.Performance]]] = defaultdict(list)
    accompanied: set[str] = set()
    section_class = {sid: class_id for class_id, members in sections.items() for sid, _label in members}
    for entry in entries:
        if entry.teacher_id is not None:
            names[entry.teacher_id] = _full_name(entry[6], entry[7])
        if entry.accompanist_id is not None:
            names[entry.accompanist_id] = _full_name(entry[8], entry[9])
        festival_class = classes.get(entry.class_id)
        if festival_class is None:
            # An entry in another festival's class cannot be placed here; the validator reports it (unknown-class).
            continue
        section_id, position = placed.get(entry.id, (None, None))
        key = section_key(section_id) if section_class.get(section_id) == entry.class_id else class_key(entry.class_id)
        people = performers.get(entry.id, set())
        if entry.group_id is not None:
            people = people | members.get(entry.group_id, set())
        performance = plain.Performance(
            entry_id=entry.id,
            seconds=entry_seconds(declared.get(entry.id, 0) or 0, festival_class),
            performer_ids=frozenset(people),
            accompanist_id=entry.accompanist_id,
            teacher_id=entry.teacher_id,
            school_id=entry.school_id if entry.school_id is not None else group_schools.get(entry.group_id),
        )
        # Entries drawn come first, by their place; the others after them, by id.
        order = (0, position) if position is not None else (1, entry.id)
        by_unit[key].append((order, entry.id, performance))
        if entry.accompanist_id is not None:
            accompanied.add(key)

    for class_id, festival_class in classes.items():
        keys = [(section_key(sid), f"{festival_class.code}{label}") for sid, label in sections.get(class_id, ())]
        # A class that is not split is one unit; a split one keeps a unit of its own only for entries no section holds.
        if not keys or by_unit.get(class_key(class_id)):
            keys.insert(0, (class_key(class_id), festival_class.code))
        for key, label in keys:
            drawn = sorted(by_unit.get(key, ()), key=lambda item: (item[0], item[1]))
            problem.units[key] = plain.Unit(
                key=key,
                class_id=class_id,
                label=label,
                name=festival_class.name,
                discipline_id=festival_class.discipline_id,
                min_age=festival_class.min_age,
                max_age=festival_class.max_age,
                closing_seconds=festival_class.closing_time or 0,
                needs_piano=bool(festival_class.accompanist_required)
                or key in accompanied
                or festival_class.discipline_id in piano_disciplines,
                entries=tuple(performance for _order, _id, performance in drawn),
            )


def _load_requests(festival_id: int, problem: plain.Problem) -> None:
    """Add the people's unavailable times and keep-together requests."""
    unavailable = []
    for row in db.session.execute(
        select(Unavailability.id, Unavailability.person_id, Unavailability.start, Unavailability.end, Person.first_name, Person.last_name)
        .join(Person, Person.id == Unavailability.person_id)
        .where(Unavailability.festival_id == festival_id)
        .order_by(Unavailability.start, Unavailability.id)
    ):
        problem.person_names[row.person_id] = _full_name(row.first_name, row.last_name)
        unavailable.append(plain.Unavailable(row.id, row.person_id, plain.Window(row.start, row.end)))
    problem.unavailable = tuple(unavailable)
    mine = select(KeepTogether.id).where(KeepTogether.festival_id == festival_id)
    members = _pairs(
        select(keep_together_member.c.keep_together_id, keep_together_member.c.person_id, Person.first_name, Person.last_name)
        .join(Person, Person.id == keep_together_member.c.person_id)
        .where(keep_together_member.c.keep_together_id.in_(mine)),
        problem.person_names,
    )
    problem.together = tuple(
        plain.KeepTogether(row.id, frozenset(members[row.id]), row.mode, row.name)
        for row in db.session.execute(
            select(KeepTogether.id, KeepTogether.name, KeepTogether.mode)
            .where(KeepTogether.festival_id == festival_id)
            .order_by(KeepTogether.id)
        )
    )


def load_schedule(festival: Festival, problem: plain.Problem | None = None) -> plain.Schedule:
    """Return the festival's placements as a plain schedule.

    Given the problem, placements of units it no longer has (a class split after it was placed)
    are left out, so every placement of the answer names one of its units.
    """
    schedule = plain.Schedule()
    for row in db.session.execute(
        select(Placement.class_id, Placement.section_id, Placement.session_id, Placement.start, Placement.pinned)
        .where(Placement.festival_id == festival.id)
        .order_by(Placement.start, Placement.id)
    ):
        key = section_key(row.section_id) if row.section_id is not None else class_key(row.class_id)
        if problem is not None and key not in problem.units:
            continue
        schedule.placements[key] = plain.Placement(key, row.session_id, row.start, bool(row.pinned))
    return schedule


def schedule_revision(festival: Festival) -> str:
    """Return the revision of the festival's schedule: a digest of every placement, which any change to one changes.

    The board sends it back with each move and the solver's proposal keeps it, so a change made
    against a schedule that has changed since it was read is refused instead of silently undoing
    someone else's.
    """
    return plain.fingerprint(load_schedule(festival))


def _parse_key(key: str) -> tuple[str, int]:
    """Return ("class" or "section", id) from a unit key; refuse anything else."""
    kind, _dash, number = key.partition("-")
    if kind not in ("class", "section") or not number.isdigit():
        raise ScheduleError(f"not a unit key: {key!r}")
    return kind, int(number)


def save_schedule(festival: Festival, schedule: plain.Schedule, actor=None, from_cli: bool = False) -> dict[str, list[str]]:
    """Make the festival's placements those of the schedule, in the caller's transaction, and record it in the audit trail.

    Placements the schedule no longer has are removed, the others added or moved. Refuses
    (ScheduleError, nothing written) a unit or session that is not the festival's. Returns the
    unit keys added, moved and removed; the caller commits.
    """
    class_ids = set(db.session.scalars(select(FestivalClass.id).where(FestivalClass.festival_id == festival.id)))
    section_ids = set(
        db.session.scalars(
            select(ClassSection.id)
            .join(FestivalClass, FestivalClass.id == ClassSection.class_id)
            .where(FestivalClass.festival_id == festival.id)
        )
    )
    session_ids = set(db.session.scalars(select(Session.id).where(Session.festival_id == festival.id)))
    for key, placement in schedule.placements.items():
        kind, number = _parse_key(key)
        if key != placement.unit_key or number not in (class_ids if kind == "class" else section_ids):
            raise ScheduleError(f"{key} is not a class or section of {festival.slug}")
        if placement.session_id not in session_ids:
            raise ScheduleError(f"session {placement.session_id} is not a session of {festival.slug}")

    existing = {row.unit_key: row for row in db.session.scalars(select(Placement).where(Placement.festival_id == festival.id))}
    removed = sorted(set(existing) - set(schedule.placements))
    if removed:
        db.session.execute(delete(Placement).where(Placement.id.in_([existing[key].id for key in removed])))
    added, moved = [], []
    for key, placement in sorted(schedule.placements.items()):
        row = existing.get(key)
        if row is None:
            kind, number = _parse_key(key)
            db.session.add(
                Placement(
                    festival_id=festival.id,
                    class_id=number if kind == "class" else None,
                    section_id=number if kind == "section" else None,
                    session_id=placement.session_id,
                    start=placement.start,
                    pinned=placement.pinned,
                )
            )
            added.append(key)
        elif (row.session_id, row.start, row.pinned) != (placement.session_id, placement.start, placement.pinned):
            row.session_id, row.start, row.pinned = placement.session_id, placement.start, placement.pinned
            moved.append(key)
    db.session.flush()
    changes = {"added": added, "moved": moved, "removed": removed}
    if any(changes.values()):
        record("schedule-saved", target=f"festival {festival.slug} (#{festival.id})", details=changes, actor=actor, from_cli=from_cli)
    return changes
