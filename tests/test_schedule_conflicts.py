"""The schedule's conflict checker and measures: each code found, and not found just past its boundary; pure data, no database."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta

import pytest
from flask import render_template_string
from flask_babel import force_locale

from mfo.schedule.codes import CODES, Conflict
from mfo.schedule.conflicts import Checker, changes, check
from mfo.schedule.measures import idle_seconds, measure, performer_days
from mfo.schedule.problem import (
    Adjudicator,
    KeepTogether,
    Performance,
    Placement,
    Problem,
    Schedule,
    Session,
    Unavailable,
    Unit,
    Venue,
    Window,
)

DAY = date(2026, 3, 14)


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    """Return a time on the festival's first day (or `day` days later)."""
    return datetime.combine(DAY + timedelta(days=day), datetime.min.time()).replace(hour=hour, minute=minute)


def solo(key: str, *people: int, minutes: int = 10, accompanist: int | None = None, teacher: int | None = None,
         school: int | None = None, discipline: int | None = 1, ages: tuple[int | None, int | None] = (None, None)) -> Unit:
    """Return a unit with one entry of the given length played by the given people."""
    entry = Performance(1, minutes * 60, frozenset(people), accompanist, teacher, school)
    return Unit(key, 1, key.upper(), discipline_id=discipline, min_age=ages[0], max_age=ages[1], entries=(entry,))


def festival(*units: Unit, sessions: tuple[Session, ...] | None = None, **settings) -> Problem:
    """Return a problem with two venues 15 minutes apart, two adjudicators and, unless given, three sessions.

    Session 1: venue 1, 09:00-12:00, adjudicator 1. Session 2: venue 2, 09:00-12:00, adjudicator 2.
    Session 3: venue 1, 13:00-17:00, adjudicator 1.
    """
    if sessions is None:
        sessions = (
            Session(1, "Hall morning", 1, at(9), at(12), adjudicator_id=1),
            Session(2, "Studio morning", 2, at(9), at(12), adjudicator_id=2),
            Session(3, "Hall afternoon", 1, at(13), at(17), adjudicator_id=1),
        )
    adjudicators = settings.pop("adjudicators", (Adjudicator(1, 101, "Ada Judge"), Adjudicator(2, 102, "Bea Judge")))
    venues = settings.pop("venues", (Venue(1, "Hall"), Venue(2, "Studio")))
    return Problem(
        festival_id=1,
        venues={venue.id: venue for venue in venues},
        adjudicators={adjudicator.id: adjudicator for adjudicator in adjudicators},
        sessions={session.id: session for session in sessions},
        units={unit.key: unit for unit in units},
        person_names=settings.pop("person_names", {1: "Ann Lee", 2: "Bo Chan", 3: "Cy Roy", 50: "Tess Teacher"}),
        **settings,
    )


def schedule(**placements: tuple[int, datetime]) -> Schedule:
    """Return a schedule from unit key = (session id, start)."""
    return Schedule({key: Placement(key, session, start) for key, (session, start) in placements.items()})


def found(problem: Problem, plan: Schedule, code: str) -> list[Conflict]:
    """Return the conflicts of one code."""
    return [conflict for conflict in check(problem, plan) if conflict.code == code]


def unit_pairs(conflicts: list[Conflict]) -> set[tuple[str, ...]]:
    """Return the units each conflict involves."""
    return {conflict.units for conflict in conflicts}


# --- errors ---


def test_person_overlap_counts_travel_between_venues():
    """Two units of one person in different venues need the travel time between them: exactly met is fine, a minute short is not."""
    problem = festival(solo("a", 1, minutes=30), solo("b", 1))
    assert found(problem, schedule(a=(1, at(9)), b=(2, at(9, 45))), "person-overlap") == []
    [conflict] = found(problem, schedule(a=(1, at(9)), b=(2, at(9, 44))), "person-overlap")
    assert conflict.severity == "error"
    assert conflict.units == ("a", "b") and conflict.people == (1,) and conflict.sessions == (1, 2)
    assert conflict.params["travel"] == 15


def test_person_overlap_in_one_venue_needs_no_travel():
    """In one venue a person may go straight from one unit to the next; overlapping by a minute is a conflict."""
    problem = festival(solo("a", 1, minutes=30), solo("b", 1))
    assert found(problem, schedule(a=(1, at(9)), b=(1, at(9, 30))), "person-overlap") == []
    assert unit_pairs(found(problem, schedule(a=(1, at(9)), b=(1, at(9, 29))), "person-overlap")) == {("a", "b")}


def test_person_overlap_uses_a_pair_travel_time():
    """A travel time the festival sets for a pair of venues replaces the default."""
    problem = festival(solo("a", 1, minutes=30), solo("b", 1), travel_pairs={frozenset({1, 2}): timedelta(minutes=40)})
    assert found(problem, schedule(a=(1, at(9)), b=(2, at(10, 10))), "person-overlap") == []
    [conflict] = found(problem, schedule(a=(1, at(9)), b=(2, at(10, 9))), "person-overlap")
    assert conflict.params["travel"] == 40


def test_person_overlap_counts_accompanists_and_groups_people_of_one_pair():
    """An accompanist is busy for the whole unit too; the members two units share are one conflict."""
    problem = festival(solo("a", 1, 2, minutes=30), solo("b", 1, 2), solo("c", 3, accompanist=1))
    [shared] = found(problem, schedule(a=(1, at(9)), b=(2, at(9, 10))), "person-overlap")
    assert shared.people == (1, 2)
    [accompanied] = found(problem, schedule(a=(1, at(9)), c=(2, at(9, 20))), "person-overlap")
    assert accompanied.people == (1,) and accompanied.units == ("a", "c")


def test_a_long_class_overlapping_two_later_ones_is_caught_with_both():
    """A 3-hour class overlaps two later short ones that do not overlap each other: both pairs are found, not only neighbours."""
    problem = festival(solo("long", 1, minutes=180), solo("b", 1), solo("c", 1), solo("d", 2))
    plan = schedule(long=(1, at(9)), b=(2, at(9, 30)), d=(2, at(10)), c=(2, at(11)))
    assert unit_pairs(found(problem, plan, "person-overlap")) == {("b", "long"), ("c", "long")}


def test_adjudicator_overlap_counts_travel():
    """An adjudicator's two sessions in different venues need the travel time between them."""
    def sessions(second_start: datetime) -> tuple[Session, ...]:
        return (
            Session(1, "Hall", 1, at(9), at(12), adjudicator_id=1),
            Session(2, "Studio", 2, second_start, second_start + timedelta(hours=2), adjudicator_id=1),
        )

    assert found(festival(sessions=sessions(at(12, 15))), Schedule(), "adjudicator-overlap") == []
    [conflict] = found(festival(sessions=sessions(at(12, 14))), Schedule(), "adjudicator-overlap")
    assert conflict.sessions == (1, 2) and conflict.adjudicators == (1,) and conflict.params["adjudicator"] == "Ada Judge"


def test_adjudicator_overlap_in_one_venue_is_a_plain_overlap():
    """Back to back in one venue is fine for an adjudicator; overlapping by a minute is not."""
    def sessions(second_start: datetime) -> tuple[Session, ...]:
        return (Session(1, "A", 1, at(9), at(12), adjudicator_id=1), Session(2, "B", 1, second_start, at(15), adjudicator_id=1))

    assert found(festival(sessions=sessions(at(12))), Schedule(), "adjudicator-overlap") == []
    assert len(found(festival(sessions=sessions(at(11, 59))), Schedule(), "adjudicator-overlap")) == 1


def test_adjudicator_unavailable_outside_every_window():
    """A session must lie wholly inside one of its adjudicator's windows; none recorded means available any time."""
    def judges(start: datetime) -> tuple[Adjudicator, ...]:
        return (Adjudicator(1, 101, "Ada Judge", available=(Window(at(8), at(10)), Window(start, at(18)))), Adjudicator(2, 102, "Bea"))

    assert found(festival(adjudicators=judges(at(9))), Schedule(), "adjudicator-unavailable") == []
    conflicts = found(festival(adjudicators=judges(at(9, 1))), Schedule(), "adjudicator-unavailable")
    assert [conflict.sessions for conflict in conflicts] == [(1,)]  # session 3 (13:00-17:00) still fits


def test_adjudicator_discipline():
    """A unit of a discipline its adjudicator does not judge is an error; an adjudicator with no disciplines judges any."""
    def judges(disciplines: frozenset[int]) -> tuple[Adjudicator, ...]:
        return (Adjudicator(1, 101, "Ada", discipline_ids=disciplines),)

    plan = schedule(a=(1, at(9)))
    assert found(festival(solo("a", 1, discipline=2), adjudicators=judges(frozenset({1, 2}))), plan, "adjudicator-discipline") == []
    assert found(festival(solo("a", 1, discipline=2), adjudicators=judges(frozenset())), plan, "adjudicator-discipline") == []
    [conflict] = found(festival(solo("a", 1, discipline=2), adjudicators=judges(frozenset({1}))), plan, "adjudicator-discipline")
    assert conflict.units == ("a",) and conflict.sessions == (1,) and conflict.adjudicators == (1,)


@pytest.mark.parametrize(
    ("judge", "reason", "people"),
    [
        (Adjudicator(1, 101, "Ada", conflict_person_ids=frozenset({1})), "performer", (1,)),
        (Adjudicator(1, 101, "Ada", conflict_person_ids=frozenset({50})), "teacher", (50,)),
        (Adjudicator(1, 101, "Ada", conflict_school_ids=frozenset({7})), "school", (1,)),
    ],
)
def test_adjudicator_conflict_of_interest(judge, reason, people):
    """An entry whose performer, teacher or school the adjudicator must not judge; another adjudicator may."""
    problem = festival(solo("a", 1, teacher=50, school=7), adjudicators=(judge, Adjudicator(2, 102, "Bea")))
    [conflict] = found(problem, schedule(a=(1, at(9))), "adjudicator-conflict-of-interest")
    assert conflict.params["reason"] == reason and conflict.people == people and conflict.units == ("a",)
    assert found(problem, schedule(a=(2, at(9))), "adjudicator-conflict-of-interest") == []


def test_session_overrun_start_and_end():
    """A unit starting before its session or ending after it overruns; exactly at the edges it fits."""
    problem = festival(solo("a", 1, minutes=60))
    assert found(problem, schedule(a=(1, at(9))), "session-overrun") == []
    assert found(problem, schedule(a=(1, at(11))), "session-overrun") == []
    assert [c.variant for c in found(problem, schedule(a=(1, at(8, 59))), "session-overrun")] == ["early"]
    assert [c.variant for c in found(problem, schedule(a=(1, at(11, 1))), "session-overrun")] == ["late"]


def test_session_overrun_break():
    """A unit crossing a break overruns; one ending as the break starts, or starting as it ends, does not."""
    session = Session(1, "Hall", 1, at(9), at(12), adjudicator_id=1, breaks=(Window(at(10, 30), at(10, 45)),))
    problem = festival(solo("a", 1, minutes=30), sessions=(session,))
    assert found(problem, schedule(a=(1, at(10))), "session-overrun") == []
    assert found(problem, schedule(a=(1, at(10, 45))), "session-overrun") == []
    [conflict] = found(problem, schedule(a=(1, at(10, 1))), "session-overrun")
    assert conflict.params["reason"] == "break" and conflict.params["break_start"] == "10:30"


def test_session_overrun_two_units_overlapping():
    """Two units of one session overlapping overrun it, even with nobody in common; end to end they fit."""
    problem = festival(solo("a", 1, minutes=30), solo("b", 2), solo("c", 3))
    assert found(problem, schedule(a=(1, at(9)), b=(1, at(9, 30))), "session-overrun") == []
    conflicts = found(problem, schedule(a=(1, at(9)), b=(1, at(9, 10)), c=(1, at(9, 29))), "session-overrun")
    assert unit_pairs(conflicts) == {("a", "b"), ("a", "c")}


def test_venue_closed():
    """A session outside its venue's opening hours is an error; a venue with none recorded is always open."""
    def venues(opens: datetime) -> tuple[Venue, ...]:
        return (Venue(1, "Hall", opening=(Window(opens, at(18)),)), Venue(2, "Studio"))

    assert found(festival(venues=venues(at(9))), Schedule(), "venue-closed") == []
    [conflict] = found(festival(venues=venues(at(9, 1))), Schedule(), "venue-closed")
    assert conflict.sessions == (1,) and conflict.params["venue"] == "Hall"


def test_venue_overlap():
    """Two sessions of one venue at once are an error; one ending as the other starts is not."""
    def sessions(start: datetime) -> tuple[Session, ...]:
        return (Session(1, "A", 1, at(9), at(12)), Session(2, "B", 1, start, at(14)), Session(3, "C", 2, at(9), at(12)))

    assert found(festival(sessions=sessions(at(12))), Schedule(), "venue-overlap") == []
    [conflict] = found(festival(sessions=sessions(at(11, 59))), Schedule(), "venue-overlap")
    assert conflict.sessions == (1, 2)


def test_request_unavailable():
    """A person's unit touching a window they asked to keep free is an error; ending as it begins is fine."""
    problem = festival(solo("a", 1, minutes=30), solo("b", 2), unavailable=(Unavailable(9, 1, Window(at(10), at(11))),))
    assert found(problem, schedule(a=(1, at(9, 30)), b=(1, at(10))), "request-unavailable") == []
    [conflict] = found(problem, schedule(a=(1, at(9, 31))), "request-unavailable")
    assert conflict.people == (1,) and conflict.units == ("a",) and conflict.variant == "request-9"


def test_class_unscheduled():
    """A unit with no placement is an error."""
    problem = festival(solo("a", 1), solo("b", 2))
    [conflict] = found(problem, schedule(a=(1, at(9))), "class-unscheduled")
    assert conflict.units == ("b",)
    assert found(problem, schedule(a=(1, at(9)), b=(1, at(10))), "class-unscheduled") == []


# --- warnings ---


def test_teacher_overlap_in_different_venues():
    """A teacher's pupils in two venues at once is a warning; one after the other, or in one venue, is not."""
    problem = festival(solo("a", 1, minutes=30, teacher=50), solo("b", 2, teacher=50), solo("c", 3, teacher=50))
    assert found(problem, schedule(a=(1, at(9)), b=(2, at(9, 30))), "teacher-overlap") == []
    [conflict] = found(problem, schedule(a=(1, at(9)), b=(2, at(9, 29))), "teacher-overlap")
    assert conflict.severity == "warning" and conflict.people == (50,) and conflict.units == ("a", "b")
    assert found(problem, schedule(a=(1, at(9)), c=(1, at(9, 10))), "teacher-overlap") == []


def test_together_same_day():
    """People who asked for one day get a warning when their units are on two days."""
    sessions = (
        Session(1, "Sat", 1, at(9), at(12)), Session(2, "Sun", 1, at(9, day=1), at(12, day=1)), Session(3, "Sat pm", 2, at(13), at(17)),
    )
    request = KeepTogether(4, frozenset({1, 2}), "same-day", "Lee family")
    problem = festival(solo("a", 1), solo("b", 2), sessions=sessions, together=(request,))
    assert found(problem, schedule(a=(1, at(9)), b=(3, at(15))), "together-not-kept") == []
    [conflict] = found(problem, schedule(a=(1, at(9)), b=(2, at(9, day=1))), "together-not-kept")
    assert conflict.units == ("a", "b") and conflict.people == (1, 2) and conflict.params["who"] == "Lee family"


def test_together_back_to_back():
    """Back to back means consecutive units in one session: a unit between them, or another session, breaks it."""
    problem = festival(solo("a", 1), solo("b", 3), solo("c", 2), together=(KeepTogether(4, frozenset({1, 2}), "back-to-back"),))
    assert found(problem, schedule(a=(1, at(9)), c=(1, at(9, 10)), b=(1, at(9, 20))), "together-not-kept") == []
    [conflict] = found(problem, schedule(a=(1, at(9)), b=(1, at(9, 10)), c=(1, at(9, 20))), "together-not-kept")
    assert conflict.params["mode"] == "back-to-back" and conflict.params["who"] == "Ann Lee, Bo Chan"
    assert len(found(problem, schedule(a=(1, at(9)), c=(3, at(13))), "together-not-kept")) == 1


def test_age_order():
    """In a one-discipline session, a younger class after an older one is a warning; units without ages are ignored."""
    problem = festival(
        solo("u8", 1, ages=(None, 8)), solo("u10", 2, ages=(9, 10)), solo("open", 3), solo("adult", 4, ages=(18, None)),
        solo("voice", 5, discipline=2, ages=(None, 8)),
    )
    assert found(problem, schedule(u8=(1, at(9)), u10=(1, at(9, 10)), open=(1, at(9, 20)), adult=(1, at(9, 30))), "age-order") == []
    [conflict] = found(problem, schedule(u10=(1, at(9)), open=(1, at(9, 10)), u8=(1, at(9, 20))), "age-order")
    assert conflict.units == ("u10", "u8") and conflict.sessions == (1,)
    assert [c.units for c in found(problem, schedule(adult=(1, at(9)), u10=(1, at(9, 10))), "age-order")] == [("adult", "u10")]
    # Mixed disciplines: the organizer grouped the session otherwise, and the order is theirs.
    assert found(problem, schedule(u10=(1, at(9)), voice=(1, at(9, 10))), "age-order") == []


def test_long_wait():
    """Waiting more than the festival's limit between two performances on one day is a warning; exactly the limit is not."""
    problem = festival(solo("a", 1, minutes=30), solo("b", 1), solo("c", 1, minutes=60))
    assert found(problem, schedule(a=(1, at(9)), b=(3, at(12, 30))), "long-wait") == []
    [conflict] = found(problem, schedule(a=(1, at(9)), b=(3, at(12, 31))), "long-wait")
    assert conflict.units == ("a", "b") and conflict.people == (1,) and conflict.params["wait"] == "3:01:00"


def test_long_wait_counts_from_the_end_of_a_long_unit():
    """The wait runs from the latest end so far: a long unit covering a short one is what the person waits after."""
    problem = festival(solo("long", 1, minutes=180), solo("short", 1), solo("late", 1))
    plan = schedule(long=(1, at(9)), short=(2, at(9, 30)), late=(3, at(15)))
    assert found(problem, plan, "long-wait") == []
    plan = schedule(long=(1, at(9)), short=(2, at(9, 30)), late=(3, at(15, 1)))
    assert unit_pairs(found(problem, plan, "long-wait")) == {("late", "long")}


# --- identity, scope and the board's moves ---


def test_conflicts_come_errors_first_with_a_stable_identity():
    """Conflicts are sorted errors first; equal identity means equal conflicts, whatever their times."""
    problem = festival(solo("a", 1, minutes=30), solo("b", 1), solo("c", 2))
    first = check(problem, schedule(a=(1, at(9)), b=(2, at(9, 40))))
    assert [c.severity for c in first] == sorted((c.severity for c in first), key=lambda s: s != "error")
    moved = check(problem, schedule(a=(1, at(9)), b=(2, at(9, 35))))
    overlap = [c for c in first if c.code == "person-overlap"]
    assert overlap and overlap == [c for c in moved if c.code == "person-overlap"]
    assert overlap[0].key == "person-overlap||u=a,b|s=1,2|p=1|a="
    with pytest.raises(ValueError):
        Conflict("no-such-code")


def test_changes_tells_what_a_move_created_and_removed():
    """Moving a unit reports the conflicts it created and those it removed, and nothing that stayed."""
    problem = festival(solo("a", 1, minutes=30), solo("b", 1), solo("c", 2), solo("d", 3))
    before = schedule(a=(1, at(9)), b=(2, at(9, 40)), c=(2, at(9)), d=(2, at(9, 5)))  # c and d overlap, untouched
    after = schedule(a=(1, at(9)), b=(2, at(9, 50)), c=(2, at(9)), d=(2, at(9, 5)))
    created, removed = changes(problem, before, after)
    assert created == [] and [c.code for c in removed] == ["person-overlap"]
    created, removed = changes(problem, after, before)
    assert [c.code for c in created] == ["person-overlap"] and removed == []
    assert changes(problem, before, before) == ([], [])


def random_problem(seed: int) -> tuple[Problem, Schedule]:
    """Return a small random festival and a random (often conflicting) schedule."""
    rng = random.Random(seed)
    venues = [Venue(v, f"V{v}", opening=(Window(at(7 + v), at(18)), Window(at(8, day=1), at(18, day=1)))) for v in (1, 2, 3)]
    judges = [Adjudicator(a, 100 + a, f"J{a}", discipline_ids=frozenset(rng.sample([1, 2, 3], 2)),
                          available=(Window(at(8), at(16)),), conflict_person_ids=frozenset({rng.randrange(10)}))
              for a in (1, 2, 3)]
    sessions = []
    for session_id in range(1, 8):
        start = at(rng.randrange(8, 15), rng.choice([0, 30]), day=rng.randrange(2))
        end = start + timedelta(minutes=rng.randrange(60, 240, 30))
        pause = Window(start + timedelta(hours=1), start + timedelta(minutes=75))
        venue, judge = rng.choice([1, 2, 3]), rng.choice([1, 2, 3, None])
        sessions.append(Session(session_id, f"S{session_id}", venue, start, end, judge, breaks=(pause,)))
    units = []
    for number in range(18):
        entries = tuple(
            Performance(number * 10 + e, rng.randrange(3, 20) * 60, frozenset(rng.sample(range(10), rng.choice([1, 1, 2]))),
                        rng.choice([None, None, 10, 11]), rng.choice([None, 20, 21]), rng.choice([None, 30]))
            for e in range(rng.randrange(1, 4))
        )
        low = rng.choice([None, 6, 9, 12])
        units.append(Unit(f"u{number}", number, str(100 + number), discipline_id=rng.choice([1, 2, 3]), min_age=low,
                          max_age=None if low is None else low + 3, closing_seconds=rng.choice([0, 300]), entries=entries))
    problem = festival(
        *units, sessions=tuple(sessions), venues=tuple(venues), adjudicators=tuple(judges),
        travel_default=timedelta(minutes=10), travel_pairs={frozenset({1, 2}): timedelta(minutes=25)},
        unavailable=(Unavailable(1, 3, Window(at(10), at(12))), Unavailable(2, 10, Window(at(0, day=1), at(0, day=2)))),
        together=(KeepTogether(1, frozenset({1, 2}), "same-day"), KeepTogether(2, frozenset({4, 5}), "back-to-back")),
        long_wait=timedelta(hours=1),
    )
    placements = {}
    for unit in units:
        if rng.random() < 0.9:
            session = rng.choice(sessions)
            start = session.start + timedelta(minutes=rng.randrange(-10, int((session.end - session.start).total_seconds() // 60), 5))
            placements[unit.key] = Placement(unit.key, session.id, start)
    return problem, Schedule(placements)


@pytest.mark.parametrize("seed", range(40))
def test_overlaps_match_a_brute_force_pair_check(seed):
    """On random festivals, person, session and venue overlaps are exactly those a check of every pair finds."""
    problem, plan = random_problem(seed)
    conflicts = check(problem, plan)
    windows = {key: plan.window(problem, key) for key in plan.placements}
    venue = {key: problem.sessions[p.session_id].venue_id for key, p in plan.placements.items()}
    expected_people, expected_session = {}, set()
    for a, b in itertools.combinations(sorted(plan.placements), 2):
        shared = problem.units[a].people & problem.units[b].people
        travel = problem.travel(venue[a], venue[b])
        wa, wb = windows[a], windows[b]
        if shared and wa.start < wb.end + travel and wb.start < wa.end + travel:
            expected_people[(a, b)] = tuple(sorted(shared))
        if plan.placements[a].session_id == plan.placements[b].session_id and wa.overlaps(wb):
            expected_session.add((a, b))
    assert {c.units: c.people for c in conflicts if c.code == "person-overlap"} == expected_people
    assert {c.units for c in conflicts if c.code == "session-overrun" and c.variant == "overlap"} == expected_session
    expected_venues = {
        (one.id, two.id) for one, two in itertools.combinations(sorted(problem.sessions.values(), key=lambda s: s.id), 2)
        if one.venue_id == two.venue_id and one.window.overlaps(two.window)
    }
    assert {c.sessions for c in conflicts if c.code == "venue-overlap"} == expected_venues


@pytest.mark.parametrize("seed", range(40))
def test_a_scoped_check_is_the_whole_check_filtered(seed):
    """Checking only some units and sessions gives exactly the whole check's conflicts that involve them."""
    problem, plan = random_problem(seed)
    rng = random.Random(seed)
    every = check(problem, plan)
    checker = Checker(problem)
    units = set(rng.sample(sorted(problem.units), 2))
    sessions = {rng.choice(sorted(problem.sessions))}
    scope_sessions = sessions | {plan.placements[key].session_id for key in units if key in plan.placements}
    scope_units = units | {key for key, p in plan.placements.items() if p.session_id in scope_sessions}
    scope_people = {person for key in scope_units for person in problem.units[key].people}
    wanted = [
        c for c in every
        if set(c.units) & scope_units or set(c.sessions) & scope_sessions or (c.code == "long-wait" and set(c.people) & scope_people)
    ]
    assert checker.check(plan, units=units, sessions=sessions) == wanted
    assert [c.key for c in checker.check(plan, units=units, sessions=sessions)] == [c.key for c in wanted]


@pytest.mark.parametrize("seed", range(20))
def test_changes_agree_with_two_whole_checks(seed):
    """What a random move created and removed is what comparing two whole checks says."""
    problem, plan = random_problem(seed)
    rng = random.Random(seed)
    key = rng.choice(sorted(problem.units))
    session = rng.choice(sorted(problem.sessions.values(), key=lambda s: s.id))
    moved = Schedule({**plan.placements, key: Placement(key, session.id, session.start + timedelta(minutes=rng.randrange(0, 90, 5)))})
    before = {c.key for c in check(problem, plan)}
    after = {c.key for c in check(problem, moved)}
    created, removed = changes(problem, plan, moved)
    assert {c.key for c in created} == after - before and {c.key for c in removed} == before - after


def test_every_code_is_found_on_some_random_festival():
    """The random festivals above exercise every code, so the comparisons cover them all."""
    codes = {c.code for seed in range(40) for c in check(*random_problem(seed))}
    assert codes == set(CODES)


# --- measures ---


def test_measures_on_a_hand_computed_schedule():
    """Idle time is each person's span of a day less their own units; days count each person's days."""
    problem = festival(
        solo("a", 1, minutes=30, accompanist=2), solo("b", 1, minutes=20), solo("c", 1, minutes=10, accompanist=2),
        solo("x", 3, minutes=60), solo("y", 3, minutes=60), solo("unplaced", 4),
        sessions=(
            Session(1, "Sat", 1, at(9), at(17)), Session(2, "Sun", 1, at(9, day=1), at(17, day=1)), Session(3, "Sat 2", 2, at(9), at(17)),
        ),
    )
    plan = schedule(a=(1, at(9)), b=(1, at(10)), c=(2, at(14, day=1)), x=(3, at(9)), y=(1, at(9, 30)))
    # Ann: Saturday 09:00-10:20 with 50 minutes on stage (30 idle); Sunday 10 minutes (0 idle).
    # Bo (accompanist): Saturday 09:00-09:30, Sunday 14:00-14:10 (0 idle). Cy: 09:00-10:30 covered by
    # two overlapping hours (counted once, 0 idle). Dee: unplaced, no day.
    assert idle_seconds(problem, plan) == 30 * 60
    assert performer_days(problem, plan) == 2 + 2 + 1
    assert measure(problem, plan) == type(measure(problem, plan))(30 * 60, 5, 1)


# --- messages ---


def test_messages_render_in_english_and_french_and_escape_names(app):
    """A conflict's message is built in the reader's language from its values, and a name is text, never markup."""
    problem = festival(solo("a", 1, minutes=30), solo("b", 1), person_names={1: "<b>Zoë</b> O'Brien"})
    [conflict] = found(problem, schedule(a=(1, at(9)), b=(2, at(9, 40))), "person-overlap")
    with app.test_request_context():
        with force_locale("en"):
            english = str(conflict.message)
            page = render_template_string("<p>{{ message }}</p>", message=conflict.message)
            title = str(conflict.title)
        with force_locale("fr"):
            french = str(conflict.message)
            french_title = str(conflict.title)
    assert "must be in class A (Hall, 09:00–09:30) and in class B (Studio, 09:40–09:50)" in english
    assert "Saturday 14 March" in english and "15 minutes" in english
    assert "comptent toutes deux" in french and "samedi 14 mars" in french and "15 minutes" in french
    assert title != french_title
    assert "<b>" not in page and "&lt;b&gt;Zoë&lt;/b&gt; O&#39;Brien" in page


def test_every_message_renders_in_both_languages(app):
    """Every conflict the random festivals produce renders in English and in French, the French text differing."""
    every = (conflict for seed in range(40) for conflict in check(*random_problem(seed)))
    conflicts = {c.code + str(c.params.get("reason", c.params.get("mode", ""))): c for c in every}
    with app.test_request_context():
        for conflict in conflicts.values():
            with force_locale("en"):
                english = str(conflict.message)
            with force_locale("fr"):
                french = str(conflict.message)
            assert english and french and english != french, conflict.code
            assert "%(" not in english and "%(" not in french


def test_days_in_a_message_follow_the_readers_language(app):
    """Days are written when the message is shown, in the reader's language, not when the check ran."""
    sessions = (Session(1, "Sat", 1, at(9), at(12)), Session(2, "Sun", 1, at(9, day=1), at(12, day=1)))
    problem = festival(solo("a", 1), solo("b", 2), sessions=sessions, together=(KeepTogether(4, frozenset({1, 2})),))
    [conflict] = found(problem, schedule(a=(1, at(9)), b=(2, at(9, day=1))), "together-not-kept")
    with app.test_request_context():
        with force_locale("en"):
            assert "are on Saturday 14 March, Sunday 15 March." in str(conflict.message)
        with force_locale("fr"):
            assert "ont lieu le samedi 14 mars, dimanche 15 mars." in str(conflict.message)
