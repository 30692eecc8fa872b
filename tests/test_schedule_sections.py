"""Splitting a class into sections outside the admin, each placed on its own, and joining them back."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.festival.models import Festival
from mfo.schedule import services
from mfo.schedule.conflicts import check
from mfo.schedule.draws import redraw
from mfo.schedule.loading import class_key, load_problem, load_schedule, section_key
from mfo.schedule.models import ClassSection, Placement, Session
from mfo.schedule.sections import SectionRefused, cut, join_sections, split_class
from mfo.venues.models import Venue
from tests.admin_helpers import flashed
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece
from tests.helpers import csrf_token, post_form

SATURDAY = date(2027, 4, 10)
DRAWS = "/festivals/spring-2027/schedule/draws"
NAMES = ("Eve", "Dan", "Cat", "Bob", "Amy")


@pytest.fixture
def big_class(app) -> dict:
    """A festival with a hall, a Saturday session 9:00-12:00 and a class of five ten-minute entries placed at 9:00."""
    festival = make_festival("spring-2027")
    hall = Venue(festival_id=festival.id, name="Main hall", has_piano=True)
    db.session.add(hall)
    db.session.flush()
    session = Session(festival_id=festival.id, name="Morning", day=SATURDAY, start=time(9), end=time(12), venue_id=hall.id)
    db.session.add(session)
    db.session.flush()
    piece = make_piece("Sonatina", "Clementi", 600)
    festival_class = make_class(festival, "1301", "Sonatina", adjudication_time=0, changeover_time=0)
    entries = [make_entry(festival_class, [make_person(name, "Player")], [(piece, 600)]).id for name in NAMES]
    db.session.add(Placement(festival_id=festival.id, class_id=festival_class.id, session_id=session.id,
                             start=datetime.combine(SATURDAY, time(9))))
    db.session.commit()
    return {"festival": festival.id, "class": festival_class.id, "session": session.id, "entries": entries}


def festival_of(ids: dict) -> Festival:
    """Return the fixture's festival, fresh from the database."""
    db.session.expire_all()
    return db.session.get(Festival, ids["festival"])


def test_cut_keeps_the_order_and_is_as_even_as_possible():
    """Five entries in two parts are three then two; in three parts two, two, one."""
    assert cut([1, 2, 3, 4, 5], 2) == [[1, 2, 3], [4, 5]]
    assert cut([1, 2, 3, 4, 5], 3) == [[1, 2], [3, 4], [5]]


def test_split_gives_two_units_the_checker_and_the_solver_place(big_class):
    """Split in two by the draw: A (first three) keeps the class's place, B waits unplaced; the checker and the solver see both."""
    festival = festival_of(big_class)
    redraw(festival, big_class["class"], "alphabetical")
    change = split_class(festival, big_class["class"], 2)
    db.session.commit()
    e = big_class["entries"]
    # Alphabetical: Amy, Bob, Cat, Dan, Eve = the entries in reverse.
    assert change.sections == {"1301A": [e[4], e[3], e[2]], "1301B": [e[1], e[0]]}
    sections = {s.label: s.id for s in db.session.scalars(select(ClassSection))}
    problem = load_problem(festival_of(big_class))
    assert class_key(big_class["class"]) not in problem.units
    a, b = section_key(sections["A"]), section_key(sections["B"])
    assert [p.entry_id for p in problem.units[a].entries] == [e[4], e[3], e[2]]
    assert [p.entry_id for p in problem.units[b].entries] == [e[1], e[0]]
    schedule = load_schedule(festival_of(big_class), problem)
    assert set(schedule.placements) == {a}
    assert schedule.placements[a].start == datetime.combine(SATURDAY, time(9))
    assert any(c.code == "class-unscheduled" and b in c.units for c in check(problem, schedule))
    proposal, _problem = services.propose(festival_of(big_class), time_limit=5)
    assert proposal.after is not None and {a, b} <= set(proposal.after.placements)
    actions = [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "schedule-split" in actions and "schedule-saved" in actions


def test_join_puts_the_class_back_in_one_piece(big_class):
    """Joined back: one unit with the sections' orders one after the other, at the first section's place, no section left."""
    festival = festival_of(big_class)
    split_class(festival, big_class["class"], 3)
    db.session.commit()
    change = join_sections(festival_of(big_class), big_class["class"])
    db.session.commit()
    assert change.sections == {"1301": big_class["entries"]}
    assert db.session.scalars(select(ClassSection)).first() is None
    problem = load_problem(festival_of(big_class))
    assert [p.entry_id for p in problem.units[class_key(big_class["class"])].entries] == big_class["entries"]
    schedule = load_schedule(festival_of(big_class), problem)
    placement = schedule.placements[class_key(big_class["class"])]
    assert (placement.session_id, placement.start) == (big_class["session"], datetime.combine(SATURDAY, time(9)))
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule-joined")).first() is not None


def test_refusals(big_class):
    """Too many or too few parts, a second split, a join of a class not split: refused, nothing written."""
    festival = festival_of(big_class)
    for parts in (1, 6):
        with pytest.raises(SectionRefused):
            split_class(festival, big_class["class"], parts)
    with pytest.raises(SectionRefused):
        join_sections(festival, big_class["class"])
    split_class(festival, big_class["class"], 2)
    with pytest.raises(SectionRefused):
        split_class(festival, big_class["class"], 2)


def test_organizers_split_and_join_from_the_page(big_class, users, organizer_client):
    """The page splits the class (the sections are listed) and joins it back, each with a message."""
    url = f"{DRAWS}/{big_class['class']}"
    response = post_form(organizer_client, f"{url}/split", {"parts": "2"}, token_from=DRAWS, follow_redirects=True)
    assert "1301A, 1301B" in flashed(response) and 'data-sections="2"' in response.get_data(as_text=True)
    response = post_form(organizer_client, f"{url}/split", {"parts": "2"}, token_from=DRAWS, follow_redirects=True)
    assert "already split" in flashed(response)
    response = post_form(organizer_client, f"{url}/join", token_from=DRAWS, follow_redirects=True)
    assert "joined" in flashed(response) and db.session.scalars(select(ClassSection)).first() is None
    response = post_form(organizer_client, f"{url}/split", {"parts": "9"}, token_from=DRAWS, follow_redirects=True)
    assert "Choose between 2" in flashed(response) and db.session.scalars(select(ClassSection)).first() is None


def test_staff_forged_and_foreign_requests_are_refused(big_class, users, staff_client, organizer_client):
    """Staff get 403, a POST without CSRF token 400, another festival's class 404; no section is made."""
    url = f"{DRAWS}/{big_class['class']}"
    token = csrf_token(staff_client, "/account/")
    assert staff_client.post(f"{url}/split", data={"parts": "2", "csrf_token": token}).status_code == 403
    assert staff_client.post(f"{url}/join", data={"csrf_token": token}).status_code == 403
    assert organizer_client.post(f"{url}/split", data={"parts": "2"}).status_code == 400
    other = make_class(make_festival("autumn-2027"), "1301", "Elsewhere")
    db.session.commit()
    other_id = other.id
    assert post_form(organizer_client, f"{DRAWS}/{other_id}/split", {"parts": "2"}, token_from=DRAWS).status_code == 404
    assert post_form(organizer_client, f"{DRAWS}/{other_id}/join", token_from=DRAWS).status_code == 404
    assert db.session.scalars(select(ClassSection)).first() is None


def test_a_draw_made_again_keeps_each_entry_in_its_section(big_class):
    """After a split, drawing again reorders inside each section and moves no entry to another section."""
    festival = festival_of(big_class)
    change = split_class(festival, big_class["class"], 2)
    db.session.commit()
    redraw(festival_of(big_class), big_class["class"], "alphabetical")
    db.session.commit()
    problem = load_problem(festival_of(big_class))
    units = {unit.label: [p.entry_id for p in unit.entries] for unit in problem.units.values()}
    e = big_class["entries"]
    assert change.sections == {"1301A": [e[0], e[1], e[2]], "1301B": [e[3], e[4]]}
    # Alphabetical inside each section: Cat, Dan, Eve in A; Amy, Bob in B.
    assert units == {"1301A": [e[2], e[1], e[0]], "1301B": [e[4], e[3]]}
