"""The solver proposes schedules with no error conflicts, keeps pins, and says why when none exists."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bench.schedule_instances import make_problem, naive_first_fit
from mfo.schedule.conflicts import check
from mfo.schedule.greedy import first_fit
from mfo.schedule.grid import Grid
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
from mfo.schedule.solver import Weights, measures, solve

PIANO, VOICE = 1, 3
DAY = datetime(2027, 3, 1)


def at(hour: float) -> datetime:
    """Return a time on the festival's day."""
    return DAY + timedelta(minutes=round(hour * 60))


def unit(key: str, people: list[set[int]], discipline: int = PIANO, minutes: int = 10, **extra) -> Unit:
    """Return a class whose entries have the given performers, each entry `minutes` long."""
    entries = tuple(Performance(index, minutes * 60, frozenset(group), **extra) for index, group in enumerate(people))
    return Unit(key, int(key.split("-")[1]), key.split("-")[1], discipline_id=discipline, entries=entries)


def festival(sessions: list[Session], units: list[Unit], adjudicators: list[Adjudicator] | None = None, **extra) -> Problem:
    """Return a problem with two venues with pianos, a piano and voice adjudicator, and the given sessions and units."""
    judges = adjudicators or [Adjudicator(1, 900, "Ada", frozenset({PIANO, VOICE}))]
    return Problem(
        festival_id=1, venues={1: Venue(1, "Hall"), 2: Venue(2, "Church")}, adjudicators={a.id: a for a in judges},
        sessions={s.id: s for s in sessions}, units={u.key: u for u in units}, discipline_names={PIANO: "Piano", VOICE: "Voice"}, **extra)


def window(problem: Problem, schedule: Schedule, key: str) -> Window:
    """Return when a unit runs in a schedule."""
    found = schedule.window(problem, key)
    assert found is not None, f"{key} is not placed"
    return found


def errors(problem: Problem, schedule: Schedule) -> list[str]:
    """Return every error in a schedule, found by comparing every pair (the slow, obvious way)."""
    found = []
    keys = list(problem.units)
    for key in keys:
        if key not in schedule.placements:
            found.append(f"{key} unplaced")
            continue
        placed, span, item = schedule.placements[key], window(problem, schedule, key), problem.units[key]
        session = problem.sessions[placed.session_id]
        judge = problem.adjudicators[session.adjudicator_id]
        if not session.window.contains(span):
            found.append(f"{key} outside {session.name}")
        if any(pause.overlaps(span) for pause in session.breaks):
            found.append(f"{key} crosses a break")
        if judge.available and not any(w.contains(span) for w in judge.available):
            found.append(f"{key} outside the adjudicator's hours")
        venue = problem.venues[session.venue_id]
        if venue.opening and not any(w.contains(span) for w in venue.opening):
            found.append(f"{key} outside the venue's hours")
        if item.needs_piano and not venue.has_piano:
            found.append(f"{key} without a piano")
        if item.discipline_id not in judge.discipline_ids or session.discipline_id not in (None, item.discipline_id):
            found.append(f"{key} judged by the wrong adjudicator")
        for entry in item.entries:
            if entry.school_id in judge.conflict_school_ids or {entry.teacher_id, *entry.performer_ids} & judge.conflict_person_ids:
                found.append(f"{key} judged with a conflict of interest")
        for request in problem.unavailable:
            if request.person_id in item.people and request.window.overlaps(span):
                found.append(f"{key} in a person's unavailable time")
    for index, first in enumerate(keys):
        for second in keys[index + 1:]:
            if first not in schedule.placements or second not in schedule.placements:
                continue
            a, b = window(problem, schedule, first), window(problem, schedule, second)
            pa, pb = schedule.placements[first], schedule.placements[second]
            if pa.session_id == pb.session_id and a.overlaps(b):
                found.append(f"{first} and {second} overlap")
            if problem.units[first].people & problem.units[second].people:
                gap = problem.travel(problem.sessions[pa.session_id].venue_id, problem.sessions[pb.session_id].venue_id)
                if a.start < b.end + gap and b.start < a.end + gap:
                    found.append(f"{first} and {second} share a person without the time between them")
    return found


def test_a_small_festival_is_solved_to_optimal():
    """Three classes in one session, one performer in two of them: proved optimal, no errors, no idle time left."""
    problem = festival([Session(1, "Morning", 1, at(9), at(12), 1)],
                       [unit("class-1", [{1}, {2}]), unit("class-2", [{3}]), unit("class-3", [{1}, {4}])])
    result = solve(problem, time_limit=10)
    assert result.status == "optimal"
    assert errors(problem, result.schedule) == []
    # Performer 1 plays back to back: their two classes touch.
    a, b = sorted((window(problem, result.schedule, "class-1"), window(problem, result.schedule, "class-3")), key=lambda w: w.start)
    assert a.end == b.start
    assert result.idle_seconds == 0


def test_a_person_in_two_venues_gets_the_travel_time():
    """A singer in a piano class in the hall and a voice class in the church at the same hours needs 25 minutes between."""
    sessions = [Session(1, "Hall", 1, at(9), at(10), 1, PIANO), Session(2, "Church", 2, at(9), at(10), 1, VOICE)]
    problem = festival(sessions, [unit("class-1", [{1}], PIANO, 15), unit("class-2", [{1}], VOICE, 15)],
                       travel_pairs={frozenset((1, 2)): timedelta(minutes=25)})
    result = solve(problem, time_limit=10)
    assert result.status == "optimal"
    a, b = sorted((window(problem, result.schedule, "class-1"), window(problem, result.schedule, "class-2")), key=lambda w: w.start)
    assert b.start - a.end >= timedelta(minutes=25)
    assert errors(problem, result.schedule) == []


def test_pins_keep_their_place_and_others_move_around_them():
    """A pinned class stays exactly where the organizer put it, even at an odd second; the others fit around it."""
    pinned = Placement("class-1", 1, at(9.5) + timedelta(seconds=20), pinned=True)
    units = [unit(f"class-{n}", [{n}], minutes=30) for n in (1, 2, 3)]
    problem = festival([Session(1, "Morning", 1, at(9), at(11), 1)], units)
    result = solve(problem, Schedule({"class-1": pinned}), time_limit=10)
    assert result.status in ("optimal", "feasible")
    assert result.schedule.placements["class-1"] == pinned
    assert errors(problem, result.schedule) == []


def test_a_persons_unavailable_window_is_respected():
    """A performer who cannot come before 10:00 plays at 10:00 or later, although 9:00 is free."""
    problem = festival([Session(1, "Morning", 1, at(9), at(12), 1)], [unit("class-1", [{1}])],
                       unavailable=(Unavailable(1, 1, Window(at(8), at(10))),))
    result = solve(problem, time_limit=10)
    assert window(problem, result.schedule, "class-1").start >= at(10)
    assert errors(problem, result.schedule) == []


def test_a_class_goes_only_to_an_adjudicator_who_judges_its_discipline():
    """A voice class goes to the session of the voice adjudicator, though the piano one comes first and is empty."""
    judges = [Adjudicator(1, 900, "Piano judge", frozenset({PIANO})), Adjudicator(2, 901, "Voice judge", frozenset({VOICE}))]
    sessions = [Session(1, "Piano", 1, at(9), at(12), 1), Session(2, "Voice", 2, at(13), at(16), 2)]
    problem = festival(sessions, [unit("class-1", [{1}], VOICE)], judges)
    result = solve(problem, time_limit=10)
    assert result.schedule.placements["class-1"].session_id == 2


def test_no_class_is_judged_by_an_adjudicator_with_a_conflict_of_interest():
    """An adjudicator who teaches at a school, or taught a performer, never judges their class."""
    judges = [Adjudicator(1, 900, "Ada", frozenset({PIANO}), conflict_school_ids=frozenset({7}), conflict_person_ids=frozenset({2})),
              Adjudicator(2, 901, "Bea", frozenset({PIANO}))]
    sessions = [Session(1, "Ada's", 1, at(9), at(12), 1), Session(2, "Bea's", 2, at(13), at(14), 2)]
    units = [unit("class-1", [{1}], school_id=7), unit("class-2", [{2}]), unit("class-3", [{3}])]
    problem = festival(sessions, units, judges)
    result = solve(problem, time_limit=10)
    assert result.schedule.placements["class-1"].session_id == 2
    assert result.schedule.placements["class-2"].session_id == 2
    assert errors(problem, result.schedule) == []


def test_a_festival_without_room_says_which_discipline_and_how_many_hours():
    """Piano classes needing 2 h in piano sessions of 1 h: infeasible, and the reason names Piano and both lengths."""
    sessions = [Session(1, "Piano", 1, at(9), at(10), 1, PIANO), Session(2, "Voice", 2, at(9), at(12), 1, VOICE)]
    units = [unit(f"class-{n}", [{n}], PIANO, 20) for n in range(1, 7)]
    result = solve(festival(sessions, units), time_limit=10)
    assert result.status == "infeasible" and result.schedule is None
    reason = next(r for r in result.reasons if r.code == "capacity")
    assert reason.params == {"discipline": "Piano", "offered": "1 h", "needed": "2 h"}
    assert str(reason) == "The Piano sessions hold 1 h, the Piano classes need 2 h."


def test_a_class_no_session_accepts_gets_its_reason():
    """A voice class with only piano adjudicators, and a piano class whose only adjudicator taught its performer."""
    judges = [Adjudicator(1, 900, "Ada", frozenset({PIANO}), conflict_person_ids=frozenset({2}))]
    units = [unit("class-1", [{1}], VOICE), unit("class-2", [{2}], PIANO)]
    result = solve(festival([Session(1, "Morning", 1, at(9), at(12), 1)], units, judges), time_limit=10)
    assert result.status == "infeasible"
    codes = {r.params.get("unit"): r.code for r in result.reasons}
    assert codes == {"1": "no-judge", "2": "conflict"}
    assert "no session's adjudicator judges Voice" in str(next(r for r in result.reasons if r.code == "no-judge"))


def test_when_only_the_search_proves_it_impossible_the_unplaceable_class_is_named():
    """Two back-to-back sessions in two venues 15 minutes apart, one performer in a class filling each: one cannot be placed."""
    sessions = [Session(1, "Hall", 1, at(9), at(9.5), 1, PIANO), Session(2, "Church", 2, at(9.5), at(10), 1, VOICE)]
    problem = festival(sessions, [unit("class-1", [{1}], PIANO, 30), unit("class-2", [{1}], VOICE, 30)])
    result = solve(problem, time_limit=10)
    assert result.status == "infeasible"
    assert [r.code for r in result.reasons] == ["unplaced"]
    assert result.unplaced in (["class-1"], ["class-2"])


def test_progress_is_reported_and_the_caller_can_stop_the_search():
    """The progress callable hears of each solution; should_stop ends the search at the first one."""
    problem = make_problem(entries=60, venues=2, days=1, seed=3)
    heard = []
    result = solve(problem, time_limit=30, progress=lambda *report: heard.append(report), should_stop=lambda: True)
    assert len(heard) == 1
    assert result.status == "feasible"
    assert result.objective == heard[0][0]


def test_a_generated_festival_has_no_errors_by_a_brute_force_check():
    """Every unit of a generated festival is placed, and no pair of them breaks a rule when compared one by one."""
    problem = make_problem(entries=80, venues=3, days=1, seed=5)
    result = solve(problem, time_limit=5)
    assert result.status in ("optimal", "feasible")
    assert errors(problem, result.schedule) == []
    assert measures(problem, result.schedule) == (result.idle_seconds, result.performer_days)


@pytest.mark.slow
def test_the_solver_leaves_less_idle_time_than_first_fit():
    """On a festival of 150 entries the solver's performers and accompanists wait less than with first-fit placement."""
    problem = make_problem(entries=150, venues=2, days=1, seed=1)
    result = solve(problem, time_limit=5, weights=Weights(balance=0))
    assert errors(problem, result.schedule) == []
    naive_idle, _ = measures(problem, naive_first_fit(problem))
    assert result.idle_seconds < naive_idle


def test_classes_that_fit_only_a_few_sessions_are_named_when_those_are_too_small():
    """Piano classes needing the hall's piano need 1 h 30 of a 1 h session, though the discipline as a whole has room."""
    problem = festival([Session(1, "Hall morning", 1, at(9), at(10), 1), Session(2, "Church", 2, at(9), at(12), 1)],
                       [*(unit(f"class-{n}", [{n}], PIANO, 30) for n in (1, 2, 3)), unit("class-4", [{4}], PIANO, 10)])
    problem.venues[2] = Venue(2, "Church", has_piano=False)
    problem.units = {key: replace(item, needs_piano=key != "class-4") for key, item in problem.units.items()}
    result = solve(problem, time_limit=10)
    assert result.status == "infeasible"
    assert str(result.reasons[0]) == "Classes 1, 2, 3 can only go in Hall morning, which hold 1 h; they need 1 h 30."
    # The data error beside it is named too: one adjudicator in two rooms at once.
    assert [reason.code for reason in result.reasons[1:]] == ["adjudicator-double"]


def test_a_large_festival_keeps_its_first_sessions_and_improves_the_times(monkeypatch):
    """Past the full model's size the solver only moves start times: still no errors, and no more waiting than its first schedule."""
    from mfo.schedule import solver

    monkeypatch.setattr(solver, "FULL_MODEL_LIMIT", 0)
    problem = make_problem(entries=150, venues=2, days=1, seed=1)
    grid = Grid(problem)
    spots = first_fit(grid, {key: grid.options(item) for key, item in problem.units.items()}, {})
    first = Schedule({key: Placement(key, session_id, grid.moment(start)) for key, (session_id, start) in spots.items()})
    monkeypatch.setattr(solver, "LNS_SESSIONS", 0)
    heard = []
    result = solve(problem, time_limit=5, progress=lambda *report: heard.append(report))
    assert result.status == "feasible" and heard
    assert errors(problem, result.schedule) == []
    sessions = {key: placement.session_id for key, placement in result.schedule.placements.items()}
    assert sessions == {key: placement.session_id for key, placement in first.placements.items()}
    assert result.idle_seconds < measures(problem, first)[0]


@pytest.mark.slow
def test_a_large_festival_moves_classes_between_sessions_a_few_sessions_at_a_time(monkeypatch):
    """Past the full model's size, the neighbourhood search brings a performer's two classes onto one day, which retiming cannot.

    The current schedule (kept by the first schedule: it breaks no rule) has performer 1 on both
    days; moving class 2 to Monday saves them a day. Other classes stay clear of each other.
    """
    from mfo.schedule import solver

    monkeypatch.setattr(solver, "FULL_MODEL_LIMIT", 0)
    tuesday = DAY + timedelta(days=1)
    sessions = [Session(1, "Monday", 1, at(9), at(12), 1), Session(2, "Tuesday", 1, tuesday.replace(hour=9), tuesday.replace(hour=12), 1)]
    units = [unit("class-1", [{1}, {2}], minutes=20), unit("class-2", [{1}, {3}], minutes=20), unit("class-3", [{4}], minutes=30),
             unit("class-4", [{5}], minutes=30)]
    problem = festival(sessions, units)
    current = Schedule({"class-1": Placement("class-1", 1, at(9)), "class-2": Placement("class-2", 2, tuesday.replace(hour=9)),
                        "class-3": Placement("class-3", 2, tuesday.replace(hour=10)), "class-4": Placement("class-4", 1, at(10))})
    heard = []
    result = solve(problem, current, time_limit=10, weights=Weights(balance=0), progress=lambda *report: heard.append(report))
    assert result.status == "feasible" and heard
    assert errors(problem, result.schedule) == []
    placed = result.schedule.placements
    assert placed["class-1"].session_id == placed["class-2"].session_id
    assert result.performer_days < measures(problem, current)[1]
    # With many sessions, each round fixes the classes around the freed ones: still no error anywhere.
    generated = make_problem(entries=150, venues=2, days=1, seed=1)
    assert errors(generated, solve(generated, time_limit=5).schedule) == []
    # Retiming alone keeps the sessions: the day is not saved.
    monkeypatch.setattr(solver, "LNS_SESSIONS", 0)
    timed = solve(problem, current, time_limit=3, weights=Weights(balance=0)).schedule.placements
    assert timed["class-1"].session_id != timed["class-2"].session_id


def test_the_first_schedule_keeps_the_current_places_that_break_no_rule():
    """The organizer's current places are where the search starts, unless they break a rule (then the class moves)."""
    units = [unit("class-1", [{1}]), unit("class-2", [{1}]), unit("class-3", [{3}])]
    problem = festival([Session(1, "Morning", 1, at(9), at(12), 1)], units)
    grid = Grid(problem)
    options = {key: grid.options(item) for key, item in problem.units.items()}
    eleven, clash = grid.floor(at(11)), grid.floor(at(11) + timedelta(minutes=5))
    spots = first_fit(grid, options, {}, {"class-1": (1, eleven), "class-2": (1, clash)})
    assert spots["class-1"] == (1, eleven)
    # class-2 shares its performer with class-1 and overlapped it: it goes elsewhere, clear of it.
    assert spots["class-2"][1] + 10 <= eleven or spots["class-2"][1] >= eleven + 10


def piano_festival(**judge) -> Problem:
    """Return a class needing a piano, a session in the hall with one (judged by Ada) and one in the church without."""
    judges = [Adjudicator(1, 900, "Ada", frozenset({PIANO}), **judge), Adjudicator(2, 901, "Bea", frozenset({PIANO}))]
    sessions = [Session(1, "Hall morning", 1, at(9), at(12), 1), Session(2, "Church morning", 2, at(9), at(12), 2)]
    problem = festival(sessions, [unit("class-1", [{1}], PIANO, 20, teacher_id=50)], judges)
    problem.venues[1] = Venue(1, "Hall", has_piano=True)
    problem.venues[2] = Venue(2, "Church", has_piano=False)
    problem.units = {key: replace(item, needs_piano=True) for key, item in problem.units.items()}
    return problem


def test_when_the_only_piano_sessions_adjudicator_has_a_conflict_that_is_the_reason_given():
    """The hall has the only piano and Ada taught the performer: the reason names the conflict and the session, not the piano."""
    result = solve(piano_festival(conflict_person_ids=frozenset({50})), time_limit=10)
    assert result.status == "infeasible"
    assert [reason.code for reason in result.reasons] == ["piano-conflict"]
    assert str(result.reasons[0]) == (
        "Class 1 needs a piano, and the adjudicator of every session with one that could take it (Hall morning) "
        "has a conflict of interest with its entries.")


def test_when_the_only_piano_sessions_adjudicator_is_unavailable_that_is_the_reason_given():
    """Ada is free only in the afternoon, so the hall's morning session has no time: the reason says so, not "no piano"."""
    result = solve(piano_festival(available=(Window(at(14), at(17)),)), time_limit=10)
    assert result.status == "infeasible"
    codes = [reason.code for reason in result.reasons]
    assert codes[0] == "no-hours" and "no-piano" not in codes
    assert "(Hall morning)" in str(result.reasons[0]) and "adjudicator's availability" in str(result.reasons[0])


def test_a_class_with_no_piano_anywhere_still_says_no_piano():
    """With no venue with a piano among the sessions that judge it, the reason is the piano."""
    problem = piano_festival()
    problem.venues[1] = Venue(1, "Hall", has_piano=False)
    result = solve(problem, time_limit=10)
    assert [reason.code for reason in result.reasons] == ["no-piano"]


# --- the warnings the objective avoids: each term changes the solver's choice on a festival made for it


def warnings(problem: Problem, schedule: Schedule, code: str) -> list:
    """Return the checker's conflicts of one code in a schedule."""
    return [conflict for conflict in check(problem, schedule) if conflict.code == code]


def teacher_festival() -> Problem:
    """Ann (teacher 50) has pupils in class 1 (performer 1, also in pinned class 3 at 9:30 in the hall) and class 2 (church, 9:00).

    Class 1 in the hall at 9:00 leaves performer 1 no wait but runs with class 2 in the church; in
    the church after class 3 it clashes with nothing but performer 1 waits for the walk.
    """
    judges = [Adjudicator(1, 900, "Ada", frozenset({PIANO})), Adjudicator(2, 901, "Bea", frozenset({PIANO}))]
    sessions = [Session(1, "Hall", 1, at(9), at(10), 1), Session(2, "Church", 2, at(9), at(11), 2)]
    units = [unit("class-1", [{1}], minutes=30, teacher_id=50), unit("class-2", [{2}], minutes=30, teacher_id=50),
             unit("class-3", [{1}], minutes=30)]
    return festival(sessions, units, judges)


def test_the_solver_keeps_a_teachers_pupils_apart_when_the_warning_is_weighed():
    """Without the teacher-overlap term the solver saves performer 1 a wait and Ann cannot hear both; with it, it does not."""
    problem = teacher_festival()
    current = Schedule({"class-2": Placement("class-2", 2, at(9), pinned=True), "class-3": Placement("class-3", 1, at(9.5), pinned=True)})
    blind = solve(problem, current, time_limit=10, weights=Weights(teacher_overlap=0, balance=0))
    assert blind.schedule.placements["class-1"].session_id == 1
    assert len(warnings(problem, blind.schedule, "teacher-overlap")) == 1
    weighed = solve(problem, current, time_limit=10, weights=Weights(balance=0))
    assert weighed.status == "optimal"
    assert weighed.schedule.placements["class-1"].session_id == 2
    assert warnings(problem, weighed.schedule, "teacher-overlap") == []
    assert errors(problem, weighed.schedule) == []


def test_the_solver_puts_younger_classes_first_when_the_age_order_is_weighed():
    """Performer 1 plays in pinned class 3 at 9:00 and in the 12-14 class: without the term the older class follows at once."""
    units = [unit("class-1", [{1}], minutes=30), unit("class-2", [{2}], minutes=30), unit("class-3", [{1}], minutes=30)]
    units[0] = replace(units[0], min_age=12, max_age=14)
    units[1] = replace(units[1], min_age=8, max_age=10)
    problem = festival([Session(1, "Morning", 1, at(9), at(11), 1)], units)
    current = Schedule({"class-3": Placement("class-3", 1, at(9), pinned=True)})
    blind = solve(problem, current, time_limit=10, weights=Weights(age_order=0, balance=0))
    assert blind.schedule.placements["class-1"].start == at(9.5)
    assert len(warnings(problem, blind.schedule, "age-order")) == 1
    weighed = solve(problem, current, time_limit=10, weights=Weights(balance=0))
    assert weighed.status == "optimal"
    assert weighed.schedule.placements["class-2"].start < weighed.schedule.placements["class-1"].start
    assert warnings(problem, weighed.schedule, "age-order") == []


def test_the_solver_keeps_a_back_to_back_request_with_no_class_between():
    """Two sisters (7, 8) asked to play back to back; their classes also hold performers pulled towards pinned classes 4 and 5.

    Each class beside its pinned neighbour wastes no one's time but leaves class 3 between the
    sisters; the back-to-back term puts them one after the other (someone waits half an hour).
    """
    units = [unit("class-1", [{1}, {7}], minutes=15), unit("class-2", [{2}, {8}], minutes=15), unit("class-3", [{3}], minutes=30),
             unit("class-4", [{1}], minutes=30), unit("class-5", [{2}], minutes=30)]
    together = (KeepTogether(1, frozenset({7, 8}), "back-to-back", "Sisters"),)
    problem = festival([Session(1, "Morning", 1, at(9), at(11.5), 1)], units, together=together)
    current = Schedule({"class-4": Placement("class-4", 1, at(9), pinned=True), "class-5": Placement("class-5", 1, at(11), pinned=True)})
    blind = solve(problem, current, time_limit=10, weights=Weights(keep_together=0, balance=0))
    assert blind.idle_seconds == 0 and len(warnings(problem, blind.schedule, "together-not-kept")) == 1
    weighed = solve(problem, current, time_limit=10, weights=Weights(balance=0))
    assert weighed.status == "optimal"
    assert warnings(problem, weighed.schedule, "together-not-kept") == []
    assert errors(problem, weighed.schedule) == []


def test_weights_are_set_by_name():
    """Each weight can be changed by name (the command line's --weight), the others keep their defaults; bad ones are refused."""
    weights = Weights.parse(["idle=2", "age-order=0"])
    assert weights.idle == 2 and weights.age_order == 0 and weights.teacher_overlap == Weights().teacher_overlap
    for bad in ("idle", "idle=-1", "idle=1.5", "height=3", "idle=" + "9" * 20, "idle" + " " * 100 + "=1", "idle=²"):
        try:
            Weights.parse([bad])
        except ValueError:
            continue
        raise AssertionError(f"{bad} was accepted")
