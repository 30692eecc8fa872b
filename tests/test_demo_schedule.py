"""The demo festival's schedule data: venues, sessions and adjudicators sized to its classes, and a schedule without errors exists."""

from __future__ import annotations

from sqlalchemy import func, select

from mfo.adjudicators.models import Adjudicator
from mfo.database import db
from mfo.demo.schedule import CAPACITY, PIANO_HALLS, STUDIO, festival_days, hours_needed, plan_sessions
from mfo.festival.models import Festival
from mfo.schedule.conflicts import check
from mfo.schedule.loading import load_problem
from mfo.schedule.models import KeepTogether, Session, Unavailability
from mfo.schedule.solver import solve
from mfo.venues.models import Venue, VenueTravel

SIZE = 150  # big enough for groups, planted rows, two adjudicators in a discipline and the requests
SEED = 2026


def demo_festival(app, entries: int = SIZE) -> Festival:
    """Run `flask festival demo` and return its festival."""
    result = app.test_cli_runner().invoke(args=["festival", "demo", "--entries", str(entries), "--seed", str(SEED)])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Festival).where(Festival.slug == result.output.strip().splitlines()[-1]))


def count(model) -> int:
    """Return how many rows a table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_demo_has_venues_sessions_adjudicators_and_requests(app):
    """Halls with a piano and a studio without, a travel time, sessions with adjudicators and breaks, and requests."""
    festival = demo_festival(app)
    venues = {venue.name: venue for venue in db.session.scalars(select(Venue).where(Venue.festival_id == festival.id))}
    assert set(PIANO_HALLS) | {STUDIO} <= set(venues) and not venues[STUDIO].has_piano
    assert all(len(venue.opening) == len(festival_days(festival)) for venue in venues.values())
    assert count(VenueTravel) == 1
    sessions = db.session.scalars(select(Session).where(Session.festival_id == festival.id)).all()
    assert sessions and all(s.adjudicator_id and s.discipline_id for s in sessions)
    assert any(s.breaks for s in sessions) and {s.start.hour for s in sessions} >= {9, 13}
    adjudicators = db.session.scalars(select(Adjudicator).where(Adjudicator.festival_id == festival.id)).all()
    assert all(a.disciplines and a.availability and a.person.full_name for a in adjudicators)
    assert any(a.conflict_schools or a.conflict_people for a in adjudicators)  # both at 1,200 entries: a small demo's teachers are too big
    assert count(Unavailability) == 1 and count(KeepTogether) >= 1


def test_every_discipline_s_sessions_hold_its_hours_and_the_solver_finds_a_schedule_without_errors(app):
    """Each discipline's halls hold at least CAPACITY times its hours; the solver's schedule has no error the checker finds."""
    festival = demo_festival(app)
    problem = load_problem(festival)
    needed = hours_needed(units=list(problem.units.values()))
    held: dict[int, float] = {}
    for session in problem.sessions.values():
        if problem.venues[session.venue_id].has_piano:
            usable = (session.end - session.start) - sum((b.end - b.start for b in session.breaks), start=session.end - session.end)
            held[session.discipline_id] = held.get(session.discipline_id, 0) + usable.total_seconds() / 3600
    assert needed and all(held.get(discipline, 0) >= hours * CAPACITY for discipline, hours in needed.items())
    assert max(unit.seconds for unit in problem.units.values()) <= 75 * 60  # long classes were split into sections
    result = solve(problem, time_limit=20, workers=1)
    assert result.schedule is not None, result.reasons
    errors = [conflict for conflict in check(problem, result.schedule) if conflict.severity == "error"]
    assert errors == []


def test_the_layout_is_the_same_for_the_same_classes_and_loading_again_adds_nothing(app):
    """Sessions are a function of the classes (so of the seed): planned again, they are those stored; a second run adds none."""
    festival = demo_festival(app, entries=60)
    problem = load_problem(festival)
    units = list(problem.units.values())
    layout = plan_sessions(
        needed=hours_needed(units=units),
        studio_needed=hours_needed(units=[unit for unit in units if not unit.needs_piano]),
        days=festival_days(festival),
    )
    stored = sorted((s.day, s.start, s.venue.name, s.discipline_id) for s in db.session.scalars(select(Session)))
    assert stored == sorted((p.day, p.period.start, p.venue, p.discipline_id) for p in layout.sessions)
    sessions = count(Session)
    demo_festival(app, entries=60)
    assert count(Session) == sessions and count(Venue) == len(layout.halls) + 1
