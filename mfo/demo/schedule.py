"""The demo festival's schedule data: venues, sessions, adjudicators and people's requests, sized to its classes.

`add_schedule_data(festival=...)` reads the festival's classes as the solver will (`load_problem`),
splits the classes too long for any session into sections, and lays out sessions in the morning,
afternoon (with a tea break) and evening, lunch and supper between them, discipline by discipline
until each discipline's sessions hold about `CAPACITY` times the hours its classes need. Every
session has an adjudicator of its discipline; no adjudicator has two sessions at once, and the gaps
between sessions exceed every travel time, so a schedule without errors exists at any size. The
layout is a function of the classes alone (no randomness), so the demo stays the same for a seed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from mfo.adjudicators.models import Adjudicator, AdjudicatorAvailability
from mfo.database import db
from mfo.festival.models import Festival
from mfo.people.models import Person, School
from mfo.schedule.loading import load_problem
from mfo.schedule.models import ClassSection, KeepTogether, ScheduleEntry, Session, SessionBreak, Unavailability
from mfo.schedule.problem import Problem, Unit
from mfo.syllabus.models import Discipline
from mfo.venues.models import Venue, VenueOpening, VenueTravel

# The sessions of each discipline hold this many times the hours its classes need.
CAPACITY = 1.25
# A class longer than this many minutes is split into sections of about SECTION_MINUTES each.
LONGEST_UNIT_MINUTES = 75
SECTION_MINUTES = 60


@dataclass(frozen=True)
class Period:
    """A part of the day that holds one session per venue, with its break if it has one."""

    name: str
    start: time
    end: time
    pause: tuple[time, time] | None = None

    @property
    def minutes(self) -> int:
        """Return the minutes the period offers, its break left out."""
        pause = _minutes(*self.pause) if self.pause else 0
        return _minutes(self.start, self.end) - pause


# Lunch (12:30-13:30) and supper (17:30-18:30) are longer than any travel time, so an adjudicator may
# judge in two venues on one day.
PERIODS = (
    Period("Morning", time(9, 0), time(12, 30)),
    Period("Afternoon", time(13, 30), time(17, 30), pause=(time(15, 15), time(15, 30))),
    Period("Evening", time(18, 30), time(21, 30)),
)
# Halls with a piano; more rooms are added ("Room 4", ...) when a large festival needs them.
PIANO_HALLS = ("Concert Hall", "Recital Hall", "St. Andrew's Chapel")
STUDIO = "Studio B"  # no piano, open in the day only: unaccompanied strings and winds
HALLS_OPEN = (time(8, 30), time(22, 0))
STUDIO_OPEN = (time(8, 30), time(18, 0))
# The chapel is down the street: the one pair of venues with a travel time of its own.
CHAPEL_TRAVEL_MINUTES = 25
# An adjudicator's conflict of interest covers at most this share of their discipline's hours (the colleague judges those classes).
MOST_CONFLICTED = 0.25
ADJUDICATOR_NAMES = (
    ("Margaret", "Ashworth"), ("Julien", "Beaulieu"), ("Helen", "Carrow"), ("Tomasz", "Dabrowski"),
    ("Eleanor", "Fitzgerald"), ("Anand", "Gupta"), ("Rosalind", "Hartley"), ("Pierre", "Lemaire"),
    ("Siobhan", "McAllister"), ("Kenji", "Nakamura"), ("Ingrid", "Olsen"), ("Victor", "Pelletier"),
)


def _minutes(start: time, end: time) -> int:
    """Return the minutes from one time of day to a later one."""
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _person(first: str, last: str) -> Person:
    """Return a new person record with its name set (and its matching key)."""
    person = Person()
    person.set_name(first, last)
    return person


def festival_days(festival: Festival) -> list[date]:
    """Return the festival's days, first to last."""
    return [festival.start_date + timedelta(days=n) for n in range((festival.end_date - festival.start_date).days + 1)]


def split_long_classes(*, problem: Problem) -> int:
    """Split each unit longer than LONGEST_UNIT_MINUTES into sections, its entries in draw order; return how many were split."""
    split = 0
    for unit in problem.units.values():
        if unit.seconds <= LONGEST_UNIT_MINUTES * 60 or len(unit.entries) < 2 or not unit.key.startswith("class-"):
            continue
        parts = min(len(unit.entries), math.ceil(unit.seconds / (SECTION_MINUTES * 60)))
        for index in range(parts):
            section = ClassSection(class_id=unit.class_id, label=chr(ord("A") + index), position=index)
            db.session.add(section)
            db.session.flush()
            share = unit.entries[index * len(unit.entries) // parts:(index + 1) * len(unit.entries) // parts]
            for position, performance in enumerate(share):
                db.session.merge(ScheduleEntry(entry_id=performance.entry_id, section_id=section.id, position=position))
        split += 1
    return split


def hours_needed(*, units: list[Unit]) -> dict[int, float]:
    """Return the hours each discipline's units need, by discipline id."""
    hours: dict[int, float] = defaultdict(float)
    for unit in units:
        if unit.discipline_id is not None:
            hours[unit.discipline_id] += unit.seconds / 3600
    return dict(hours)


@dataclass(frozen=True)
class PlannedSession:
    """One session of the layout: its day, period, venue (by name), discipline and adjudicator (by index)."""

    day: date
    period: Period
    venue: str
    discipline_id: int
    adjudicator: int


@dataclass(frozen=True)
class Layout:
    """The halls (by name), the sessions, and each adjudicator's discipline (by adjudicator number)."""

    halls: list[str]
    sessions: list[PlannedSession]
    discipline_of: dict[int, int]


def plan_sessions(*, needed: dict[int, float], studio_needed: dict[int, float], days: list[date]) -> Layout:
    """Lay out sessions until every discipline holds CAPACITY times its hours, in halls with a piano, and a studio without.

    Slots are filled hall by hall, each going to the discipline furthest below its target. The studio
    (no piano) adds day sessions for the hours of classes that need no piano, beyond the target.
    Adjudicators are numbered; each judges one discipline and at most one session per period.
    """
    # A discipline whose classes have no entries yet still gets a session: its classes must be placed somewhere.
    target = {discipline: max(hours * CAPACITY, 0.01) for discipline, hours in needed.items()}
    hall_day_hours = sum(period.minutes for period in PERIODS) / 60
    halls = max(len(PIANO_HALLS), math.ceil(sum(target.values()) / (hall_day_hours * len(days))))
    names = [*PIANO_HALLS, *(f"Room {n}" for n in range(len(PIANO_HALLS) + 1, halls + 1))]
    held: dict[int, float] = defaultdict(float)
    studio_held: dict[int, float] = defaultdict(float)
    judges: dict[int, list[int]] = defaultdict(list)  # discipline -> adjudicator numbers
    discipline_of: dict[int, int] = {}
    busy: set[tuple[int, date, str]] = set()
    sessions: list[PlannedSession] = []

    def adjudicator_for(discipline: int, day: date, period: Period) -> int:
        """Return the discipline's adjudicator free in the period who judges least so far; a new one when none is (two at least)."""
        free = [n for n in judges[discipline] if (n, day, period.name) not in busy]
        if not free or len(judges[discipline]) < 2 and any(s.discipline_id == discipline for s in sessions):
            number = len(discipline_of)
            discipline_of[number] = discipline
            judges[discipline].append(number)
            free = [number]
        chosen = min(free, key=lambda n: (sum(1 for s in sessions if s.adjudicator == n), n))
        busy.add((chosen, day, period.name))
        return chosen

    # Hall by hall over the whole festival: the fewer sessions run at once, the easier for accompanists
    # who play in many classes (each keeps them for all of it).
    for venue in names:
        for day in days:
            for period in PERIODS:
                short = {d: target[d] - held[d] for d in sorted(target) if held[d] < target[d]}
                if short:
                    discipline = max(short, key=lambda d: (short[d], -d))
                    held[discipline] += period.minutes / 60
                    sessions.append(PlannedSession(day, period, venue, discipline, adjudicator_for(discipline, day, period)))
    for day in days:
        for period in PERIODS:
            if period.end <= STUDIO_OPEN[1]:
                short = {d: h - studio_held[d] for d, h in sorted(studio_needed.items()) if studio_held[d] < h}
                if short:
                    discipline = max(short, key=lambda d: (short[d], -d))
                    studio_held[discipline] += period.minutes / 60
                    sessions.append(PlannedSession(day, period, STUDIO, discipline, adjudicator_for(discipline, day, period)))
    return Layout(names, sessions, discipline_of)


def add_schedule_data(*, festival: Festival) -> int:
    """Add the demo's venues, sessions, adjudicators and requests to a festival that has none; return the sessions added.

    The caller commits. A festival that has venues already is left alone (loading the demo again
    changes nothing).
    """
    if db.session.scalar(select(Venue.id).where(Venue.festival_id == festival.id).limit(1)) is not None:
        return 0
    db.session.flush()
    if split_long_classes(problem=load_problem(festival)):
        db.session.flush()
    problem = load_problem(festival)
    units = sorted(problem.units.values(), key=lambda unit: unit.key)
    days = festival_days(festival)
    needed = hours_needed(units=units)
    studio_needed = hours_needed(units=[unit for unit in units if not unit.needs_piano])
    layout = plan_sessions(needed=needed, studio_needed=studio_needed, days=days)
    planned, discipline_of = layout.sessions, layout.discipline_of
    venues = _add_venues(festival=festival, halls=layout.halls, days=days)
    adjudicators = _add_adjudicators(festival=festival, discipline_of=discipline_of, planned=planned)
    for session in planned:
        venue, adjudicator = venues[session.venue], adjudicators[session.adjudicator]
        db.session.add(_session(festival=festival, planned=session, venue=venue, adjudicator=adjudicator))
    db.session.flush()
    _add_conflicts_of_interest(units=units, adjudicators=adjudicators, discipline_of=discipline_of, planned=planned)
    _add_requests(festival=festival, units=units, planned=planned)
    return len(planned)


def _add_venues(*, festival: Festival, halls: list[str], days: list[date]) -> dict[str, Venue]:
    """Add the halls (with a piano), the studio (without), their opening hours and the chapel's travel time."""
    venues: dict[str, Venue] = {}
    for name in [*halls, STUDIO]:
        studio = name == STUDIO
        opens, closes = STUDIO_OPEN if studio else HALLS_OPEN
        venue = Venue(festival_id=festival.id, name=name, address="12 Riverside Road" if not studio else "12 Riverside Road, 2nd floor",
                      has_piano=not studio)
        venue.opening = [VenueOpening(day=day, start=opens, end=closes) for day in days]
        db.session.add(venue)
        venues[name] = venue
    venues[PIANO_HALLS[2]].address = "40 Church Street"
    db.session.flush()
    first, second = sorted((venues[PIANO_HALLS[0]].id, venues[PIANO_HALLS[2]].id))
    db.session.add(VenueTravel(venue_a_id=first, venue_b_id=second, minutes=CHAPEL_TRAVEL_MINUTES))
    return venues


def _add_adjudicators(*, festival: Festival, discipline_of: dict[int, int], planned: list[PlannedSession]) -> dict[int, Adjudicator]:
    """Add one person and adjudicator per number, judging their discipline, available from their first to their last session each day."""
    disciplines = {d.id: d for d in db.session.scalars(select(Discipline).where(Discipline.festival_id == festival.id))}
    adjudicators: dict[int, Adjudicator] = {}
    for number, discipline in sorted(discipline_of.items()):
        first, last = ADJUDICATOR_NAMES[number % len(ADJUDICATOR_NAMES)]
        suffix = f" {number // len(ADJUDICATOR_NAMES) + 1}" if number >= len(ADJUDICATOR_NAMES) else ""
        adjudicator = Adjudicator(festival_id=festival.id, person=_person(first, last + suffix), disciplines=[disciplines[discipline]])
        spans: dict[date, tuple[time, time]] = {}
        for session in planned:
            if session.adjudicator == number:
                start, end = spans.get(session.day, (session.period.start, session.period.end))
                spans[session.day] = (min(start, session.period.start), max(end, session.period.end))
        adjudicator.availability = [AdjudicatorAvailability(day=day, start=start, end=end) for day, (start, end) in sorted(spans.items())]
        db.session.add(adjudicator)
        adjudicators[number] = adjudicator
    db.session.flush()
    return adjudicators


def _session(*, festival: Festival, planned: PlannedSession, venue: Venue, adjudicator: Adjudicator) -> Session:
    """Return the session of a planned one, with its break."""
    period = planned.period
    session = Session(festival_id=festival.id, name=f"{period.name} – {venue.name}", day=planned.day, start=period.start,
                      end=period.end, venue=venue, adjudicator=adjudicator, discipline_id=planned.discipline_id)
    if period.pause:
        session.breaks = [SessionBreak(start=period.pause[0], end=period.pause[1])]
    return session


def _rarest(counts: dict[int, float]) -> int | None:
    """Return the key seen least often (the smallest id among equals), or None when there is none."""
    return min(counts, key=lambda key: (counts[key], key)) if counts else None


def _add_conflicts_of_interest(*, units: list[Unit], adjudicators: dict[int, Adjudicator], discipline_of: dict[int, int],
                               planned: list[PlannedSession]) -> None:
    """Give one adjudicator a school and another a teacher they must not judge, where a colleague can judge instead.

    Only adjudicators of a discipline with two judging in halls (classes that need a piano can
    go to the other); the school and the teacher are the ones whose classes take the fewest hours
    in that discipline, and at most MOST_CONFLICTED of them, so the colleague has room for them.
    """
    by_discipline: dict[int, list[int]] = defaultdict(list)
    in_halls = sorted({session.adjudicator for session in planned if session.venue != STUDIO})
    for number in in_halls:
        by_discipline[discipline_of[number]].append(number)
    shared = [numbers for _discipline, numbers in sorted(by_discipline.items()) if len(numbers) >= 2]
    given: set[int] = set()
    for kind in ("school", "teacher"):
        for numbers in shared:
            discipline = discipline_of[numbers[0]]
            if numbers[0] in given:
                continue
            theirs = [unit for unit in units if unit.discipline_id == discipline]
            hours: dict[int, float] = defaultdict(float)
            for unit in theirs:
                for key in {p.school_id if kind == "school" else p.teacher_id for p in unit.entries} - {None}:
                    hours[key] += unit.seconds / 3600
            chosen = _rarest(hours)
            # Where one school or teacher has most of the discipline's classes (a small demo), the next discipline is tried.
            if chosen is None or hours[chosen] > MOST_CONFLICTED * sum(unit.seconds for unit in theirs) / 3600:
                continue
            adjudicator = adjudicators[numbers[0]]
            if kind == "school":
                adjudicator.conflict_schools = [db.session.get(School, chosen)]
            else:
                adjudicator.conflict_people = [db.session.get(Person, chosen)]
            given.add(numbers[0])
            break


def _add_requests(*, festival: Festival, units: list[Unit], planned: list[PlannedSession]) -> None:
    """Add a performer's free morning and keep-together requests (same day) for up to three families of siblings."""
    classes_of: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        for person in sorted(unit.people):
            classes_of[person].append(unit)
    # A performer in one class, of a discipline that has sessions outside the morning they keep free.
    for person, their in sorted(classes_of.items()):
        if len(their) != 1:
            continue
        discipline = their[0].discipline_id
        mornings = [s for s in planned if s.discipline_id == discipline and s.period is PERIODS[0]]
        if not mornings or sum(1 for s in planned if s.discipline_id == discipline) < 3:
            continue
        day = mornings[0].day
        db.session.add(Unavailability(festival_id=festival.id, person_id=person, start=_at(day, time(8, 0)), end=_at(day, time(12, 30)),
                                      note="School trip in the morning"))
        break
    performers = set(classes_of)
    # Siblings: performers with the same last name at the same school (the imports keep no family links).
    families: dict[tuple[str, int], list[int]] = defaultdict(list)
    for person_id, last_name, school_id in db.session.execute(
        select(Person.id, Person.last_name, Person.school_id).where(Person.school_id.is_not(None)).order_by(Person.id)
    ):
        if person_id in performers:
            families[(last_name, school_id)].append(person_id)
    siblings = [members for _guardian, members in sorted(families.items()) if len(members) >= 2][:3]
    for members in siblings:
        people = [db.session.get(Person, person_id) for person_id in members]
        db.session.add(KeepTogether(festival_id=festival.id, name=f"The {people[0].last_name} family", mode="same-day", people=people))


def _at(day: date, moment: time) -> datetime:
    """Return the moment on a day as a naive datetime (the festival's local time)."""
    return datetime.combine(day, moment)
