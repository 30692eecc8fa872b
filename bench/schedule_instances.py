"""Festival schedules to solve, made up from a seed: the solver's tests and its benchmark both use them.

`make_problem(entries, venues, days, seed)` returns a `Problem` shaped like a real festival's:
disciplines piano, strings, voice and woodwinds; classes of 1 to 15 entries by age band, each
entry's slot its performance (2-8 min, shorter for the younger bands), its adjudication (2-4 min)
and a change-over (1 min), each class closed by the adjudicator's summary (5-10 min); about 30% of
the voice and strings entries accompanied by one of a few shared accompanists; performers who
enter two or three classes, siblings who asked to perform on the same day, teachers with many
pupils, schools; adjudicators judging one or two disciplines, with their hours and conflicts of
interest; sessions of 3-4 h with a short break, separated by lunch (and supper); a few
unavailability requests. The sessions are sized so the classes fill about `fill` of them, which
leaves room for a schedule without errors. When the festival's days cannot hold the classes at
that fill with sessions from 8:00 to 23:00, the performances are shortened until they can.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta

from mfo.schedule.grid import Grid
from mfo.schedule.problem import (
    Adjudicator,
    KeepTogether,
    Performance,
    Problem,
    Schedule,
    Session,
    Unavailable,
    Unit,
    Venue,
    Window,
    pack,
)

DISCIPLINES = {1: "Piano", 2: "Strings", 3: "Voice", 4: "Woodwinds"}
SHARES = {1: 0.4, 2: 0.25, 3: 0.25, 4: 0.1}
# Age bands (min, max) and the performance time limits (minutes) their classes draw from.
BANDS = [((None, 8), (2, 3)), ((9, 10), (2, 4)), ((11, 12), (3, 5)), ((13, 14), (3, 6)), ((15, 17), (4, 8)), ((18, None), (5, 8))]
BAND_WEIGHTS = [3, 3, 3, 2, 2, 1]
FIRST_DAY = date(2027, 3, 1)
DAY_START = 8 * 60
DAY_END = 23 * 60
GAP = 45
# A class longer than this (minutes, with its closing) is split into sections.
SECTION_MINUTES = 70


def _at(day: int, minute: int) -> datetime:
    """Return the moment a number of minutes after midnight on the festival's day (0 for the first)."""
    return datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time()) + timedelta(minutes=minute)


def _played(minutes: int, shrink: float) -> int:
    """Return a performance's minutes shortened by the factor (at least one)."""
    return max(1, round(minutes * shrink))


def _adjudication(performance: int) -> int:
    """Return the minutes an adjudicator writes about a performance: longer pieces, longer remarks."""
    return 2 if performance <= 3 else 3 if performance <= 5 else 4


def make_problem(entries: int = 150, venues: int = 2, days: int = 1, seed: int = 0, fill: float = 0.8) -> Problem:
    """Return a festival of about `entries` entries over `venues` venues and `days` days, the same for the same seed."""
    rng = random.Random(seed)
    problem = Problem(festival_id=1, discipline_names=dict(DISCIPLINES))
    next_id = iter(range(1, 10**7))
    teachers = [next(next_id) for _ in range(max(3, entries // 20))]
    teacher_weights = [1 / (rank + 1) for rank in range(len(teachers))]
    schools = list(range(1, max(2, entries // 60) + 1))
    # A shared accompanist plays for about four classes a day: each class they play in keeps them for all of it.
    class_estimate = entries / 6 * (SHARES[2] + SHARES[3]) * 0.75
    accompanists = [next(next_id) for _ in range(max(2, round(class_estimate / (4 * days))))]
    pool: dict[int, list[int]] = {discipline: [] for discipline in DISCIPLINES}
    teacher_of: dict[int, tuple[int, int]] = {}
    siblings: list[frozenset[int]] = []
    classes = []
    total = 0
    number = 0
    while total < entries:
        discipline = rng.choices(list(SHARES), weights=list(SHARES.values()))[0]
        (min_age, max_age), (shortest, longest) = rng.choices(BANDS, weights=BAND_WEIGHTS)[0]
        size = min(entries - total, max(1, min(15, round(rng.triangular(1, 15, 5)))))
        limit = rng.randint(shortest, longest)
        members: list[tuple[int, int, int | None]] = []
        pianist = rng.choice(accompanists)
        taken: set[int] = set()
        for _ in range(size):
            performer = None
            if pool[discipline] and rng.random() < 0.15:
                performer = rng.choice(pool[discipline])
                if performer in taken:
                    performer = None
            if performer is None:
                performer = next(next_id)
                teacher_of[performer] = (rng.choices(teachers, weights=teacher_weights)[0], rng.choice(schools))
                pool[discipline].append(performer)
                if rng.random() < 0.05:
                    sibling = next(next_id)
                    teacher_of[sibling] = teacher_of[performer]
                    pool[rng.choice(list(DISCIPLINES))].append(sibling)
                    siblings.append(frozenset((performer, sibling)))
            taken.add(performer)
            accompanist = pianist if discipline in (2, 3) and rng.random() < 0.3 else None
            members.append((performer, rng.randint(max(shortest, limit - 1), limit), accompanist))
        number += 1
        classes.append((number, discipline, min_age, max_age, members, rng.randint(5, 10)))
        total += size
    # The content in minutes, then the sessions that hold it at the wanted fill (3 or fewer a day, of at most 4 h):
    # the halls with a piano must hold the classes that need one, all the halls all the classes.
    piano_halls = venues - 1 if venues >= 4 else venues

    def per_venue_day(shrink: float) -> float:
        """Return the minutes of sessions each venue needs each day with every performance shortened by the factor."""
        def minutes(members: list, closing: int) -> float:
            return sum(_played(p, shrink) + _adjudication(_played(p, shrink)) + 1 for _, p, _ in members) + closing
        everything = sum(minutes(members, closing) for *_, members, closing in classes)
        with_piano = sum(minutes(members, closing) for _, discipline, _, _, members, closing in classes
                         if discipline == 1 or any(accompanist for *_, accompanist in members))
        return max(everything / venues, with_piano / piano_halls) / days / fill

    count = max(1, math.ceil(per_venue_day(1.0) / 240))
    while count > 1 and DAY_START + count * (240 + 15) + (count - 1) * GAP > DAY_END:
        count -= 1
    shrink = 1.0
    while shrink > 0.3 and per_venue_day(shrink) > count * 240:
        shrink -= 0.05
    length = max(180, min(240, math.ceil(per_venue_day(shrink) / count)))
    for number, discipline, min_age, max_age, members, closing in classes:
        performances = []
        for performer, minutes, accompanist in members:
            played = _played(minutes, shrink)
            teacher, school = teacher_of[performer]
            performances.append(Performance(
                entry_id=next(next_id), seconds=(played + _adjudication(played) + 1) * 60 - rng.randint(0, 40),
                performer_ids=frozenset({performer}), accompanist_id=accompanist, teacher_id=teacher, school_id=school))
        needs_piano = discipline == 1 or any(p.accompanist_id for p in performances)
        label = f"{discipline}{number:03d}"
        # A class too long for the time before a break is split into sections, as an organizer would.
        parts = math.ceil((sum(p.seconds for p in performances) / 60 + closing) / SECTION_MINUTES)
        size = math.ceil(len(performances) / parts)
        for part in range(parts):
            key, name = (f"class-{number}", label) if parts == 1 else (f"section-{number}-{part + 1}", f"{label}{'ABCDEFGH'[part]}")
            problem.units[key] = Unit(
                key=key, class_id=number, label=name, name=f"{DISCIPLINES[discipline]} {name}", discipline_id=discipline,
                min_age=min_age, max_age=max_age, closing_seconds=closing * 60, needs_piano=needs_piano,
                entries=tuple(performances[part * size:(part + 1) * size]))
    _venues(problem, venues, days, rng)
    _sessions(problem, venues, days, count, length, rng, next_id)
    _keep_judgeable(problem)
    problem.together = tuple(KeepTogether(index + 1, group, "same-day", "siblings") for index, group in enumerate(siblings))
    names = {person for unit in problem.units.values() for person in unit.people}
    problem.person_names = {person: f"Person {person}" for person in names}
    people = sorted(names)
    requests = []
    for index in range(max(1, entries // 100)):
        person = rng.choice(people)
        start = _at(rng.randrange(days), DAY_START)
        requests.append(Unavailable(index + 1, person, Window(start, start + timedelta(hours=rng.choice((2, 3))))))
    problem.unavailable = tuple(requests)
    return problem


def _venues(problem: Problem, venues: int, days: int, rng: random.Random) -> None:
    """Add the venues (the last of four or more has no piano) and the travel times between some of them."""
    for venue_id in range(1, venues + 1):
        opening = ()
        if venue_id == 1:
            opening = tuple(Window(_at(d, DAY_START), _at(d, DAY_END)) for d in range(days))
        problem.venues[venue_id] = Venue(venue_id, f"Hall {venue_id}", has_piano=not (venues >= 4 and venue_id == venues), opening=opening)
    for a in range(1, venues + 1):
        for b in range(a + 1, venues + 1):
            if rng.random() < 0.5:
                problem.travel_pairs[frozenset((a, b))] = timedelta(minutes=rng.choice((10, 20, 25)))


def _sessions(problem: Problem, venues: int, days: int, count: int, length: int, rng: random.Random, next_id: Iterator[int]) -> None:
    """Add the sessions, each discipline getting its share of them, and one adjudicator per venue and day."""
    slots = [(day, venue, index) for day in range(days) for venue in range(1, venues + 1) for index in range(count)]
    no_piano = [slot for slot in slots if not problem.venues[slot[1]].has_piano]
    with_piano = [slot for slot in slots if problem.venues[slot[1]].has_piano]
    # The hall without a piano takes the classes that need none; the others share the halls with one in
    # proportion to their time.
    ordered_slots = no_piano + with_piano
    plan = _quotas(problem, len(no_piano), lambda unit: not unit.needs_piano)
    plan += _quotas(problem, len(with_piano), lambda unit: unit.needs_piano or not no_piano)
    busy: dict[tuple[int, int], set[int]] = {}
    performers = sorted({person for unit in problem.units.values() for entry in unit.entries for person in entry.performer_ids})
    schools = max((entry.school_id or 0 for unit in problem.units.values() for entry in unit.entries), default=0)
    hours = tuple(Window(_at(day, DAY_START - 30), _at(day, DAY_END + 30)) for day in range(days))
    for (day, venue, index), discipline in zip(ordered_slots, plan, strict=False):
        taken = busy.setdefault((day, index), set())
        adjudicator = next((a for a in problem.adjudicators.values() if discipline in a.discipline_ids and a.id not in taken), None)
        if adjudicator is None:
            adjudicator_id = len(problem.adjudicators) + 1
            second = rng.choice([d for d in DISCIPLINES if d != discipline])
            disciplines = frozenset({discipline, second}) if rng.random() < 0.3 else frozenset({discipline})
            if len(slots) < 12:
                # A small festival hires few adjudicators, each judging every discipline.
                disciplines = frozenset(DISCIPLINES)
            # Adjudicators taught a few performers (and, in a large festival, one school) whom they must not judge.
            pupils = frozenset(rng.sample(performers, min(3, len(performers))))
            school = frozenset({rng.randint(1, schools)}) if schools >= 20 and rng.random() < 0.3 else frozenset()
            adjudicator = Adjudicator(adjudicator_id, next(next_id), f"Adjudicator {adjudicator_id}", disciplines, hours, school, pupils)
            problem.adjudicators[adjudicator_id] = adjudicator
        taken.add(adjudicator.id)
        start = _at(day, DAY_START + index * (length + GAP + 15))
        middle = start + timedelta(minutes=length * 3 // 5)
        session_id = len(problem.sessions) + 1
        problem.sessions[session_id] = Session(
            session_id, f"{problem.venues[venue].name}, day {day + 1}, session {index + 1}", venue, start,
            start + timedelta(minutes=length + 15), adjudicator.id, discipline if len(slots) >= 12 and rng.random() < 0.7 else None,
            (Window(middle, middle + timedelta(minutes=15)),))


def _quotas(problem: Problem, slots: int, takes: Callable[[Unit], bool]) -> list[int]:
    """Return a discipline for each of some sessions, in proportion to the time of the classes they take."""
    if not slots:
        return []
    need = {d: 1 for d in DISCIPLINES}
    for unit in problem.units.values():
        if takes(unit):
            need[unit.discipline_id] += unit.seconds
    total = sum(need.values())
    # Round up, then take back from whichever has the most room to spare: no discipline is left short by rounding.
    quota = {d: math.ceil(slots * need[d] / total) for d in DISCIPLINES}
    while sum(quota.values()) > slots:
        d = max((d for d in DISCIPLINES if quota[d] > 0), key=lambda d: quota[d] - slots * need[d] / total)
        quota[d] -= 1
    return [d for d in DISCIPLINES for _ in range(quota[d])]


def _keep_judgeable(problem: Problem) -> None:
    """Drop the conflicts of interest that leave a class no session (a festival would hire another adjudicator)."""
    grid = Grid(problem)
    stuck = [entry for unit in problem.units.values() if not grid.options(unit) for entry in unit.entries]
    people = {person for entry in stuck for person in entry.performer_ids}
    schools = {entry.school_id for entry in stuck}
    for adjudicator in list(problem.adjudicators.values()):
        problem.adjudicators[adjudicator.id] = replace(adjudicator, conflict_person_ids=adjudicator.conflict_person_ids - people,
                                                       conflict_school_ids=adjudicator.conflict_school_ids - schools)


def naive_first_fit(problem: Problem) -> Schedule:
    """Return a schedule placing classes in order, each in the first session that takes it where it fits (people ignored)."""
    grid = Grid(problem)
    used: dict[int, list[str]] = {sid: [] for sid in problem.sessions}
    for key, unit in problem.units.items():
        for sid in sorted(grid.options(unit), key=lambda s: problem.sessions[s].start):
            trial = pack(problem, sid, [*used[sid], key])
            end = trial[-1].start + timedelta(seconds=unit.seconds)
            if end <= problem.sessions[sid].end:
                used[sid].append(key)
                break
    return Schedule({p.unit_key: p for sid, keys in used.items() for p in pack(problem, sid, keys)})
