"""The printable timetable: one page per session with the checker's start times, performers, pieces and accompanist."""

from __future__ import annotations

import re
from datetime import time

import pytest

from mfo.database import db
from mfo.festival.models import Festival
from mfo.schedule.exports import festival_rows
from mfo.schedule.models import Session
from mfo.venues.models import Venue
from tests.festival_helpers import make_festival
from tests.test_schedule import SATURDAY, season  # noqa: F401  (the fixture is used by name)
from tests.test_schedule_io import BASE, placed  # noqa: F401

PRINT = f"{BASE}/print"


def entries_in_order(html: str) -> list[tuple[int, str]]:
    """Return the (entry id, start time) of every performance row, in the page's order."""
    found = re.findall(r'data-entry="(\d+)">\s*<td class="text-nowrap" data-start>(\d\d:\d\d)', html)
    return [(int(entry), start) for entry, start in found]


def test_a_day_prints_every_performance_at_the_checkers_time(placed, users, staff_client):  # noqa: F811
    """Staff get Saturday's session: adjudicator, classes in running order, performances in the exports' order and times."""
    response = staff_client.get(PRINT, query_string={"day": SATURDAY.isoformat()})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Piano morning" in html and "Main hall" in html and "Clara Judge" in html
    assert "print.css" in html and "schedule-print" in html
    rows = festival_rows(db.session.get(Festival, placed["festival"]))
    assert entries_in_order(html) == [(row.entry_id, row.start.strftime("%H:%M")) for row in rows]
    # 1203A runs Cal then Ana (the recorded draw), then 1203B, the duet and the song.
    assert [entry for entry, _start in entries_in_order(html)][:2] == [placed["third"], placed["first"]]
    assert html.index("1203A") < html.index("1203B") < html.index("2001") < html.index("3001")
    # The duet: the group's name and its members; the song: its accompanist; pieces with their composer.
    assert "The Maple Duo" in html and "Ana Pupil, Dee Pupil" in html
    assert "Paul Keys" in html and "Minuet in G (Bach)" in html and "Gavotte (Gossec)" in html
    assert "@" not in html.split("<main", 1)[-1]


def test_a_venue_or_a_session_narrows_the_pages(placed, users, staff_client):  # noqa: F811
    """The studio has no session that day; one session prints alone; an unknown venue or session is 404."""
    studio = staff_client.get(PRINT, query_string={"day": SATURDAY.isoformat(), "venue": placed["studio"]}).get_data(as_text=True)
    assert 'id="print-empty"' in studio and "data-entry=" not in studio
    hall = staff_client.get(PRINT, query_string={"day": SATURDAY.isoformat(), "venue": placed["hall"]}).get_data(as_text=True)
    assert f'data-session="{placed["session"]}"' in hall
    one = staff_client.get(PRINT, query_string={"session": placed["session"]}).get_data(as_text=True)
    assert one.count('<section class="print-session') == 1 and "1203A" in one
    assert staff_client.get(PRINT, query_string={"venue": 999999}).status_code == 404
    assert staff_client.get(PRINT, query_string={"session": "x1"}).status_code == 404


def test_another_festivals_session_or_venue_is_not_found(placed, users, staff_client):  # noqa: F811
    """A session or venue of another festival answers 404 on this festival's page."""
    other = make_festival("autumn-2027")
    venue = Venue(festival_id=other.id, name="Elsewhere")
    db.session.add(venue)
    db.session.flush()
    session = Session(festival_id=other.id, name="Other", day=SATURDAY, start=time(9), end=time(12), venue_id=venue.id)
    db.session.add(session)
    db.session.commit()
    session_id, venue_id = session.id, venue.id
    assert staff_client.get(PRINT, query_string={"session": session_id}).status_code == 404
    assert staff_client.get(PRINT, query_string={"day": SATURDAY.isoformat(), "venue": venue_id}).status_code == 404


@pytest.mark.parametrize("role, status", [("end-user", 403), ("staff", 200), ("organizer", 200)])
def test_who_may_print(placed, users, client_for, anon_client, role, status):  # noqa: F811
    """Anonymous visitors sign in, end users are refused, staff and organizers print."""
    assert anon_client.get(PRINT).status_code == 302
    assert client_for(role).get(PRINT, query_string={"day": SATURDAY.isoformat()}).status_code == status


def test_index_and_board_link_the_printable_timetable_in_both_languages(placed, users, staff_client):  # noqa: F811
    """The schedule's page and the board link it; the page speaks French to a French reader."""
    assert f"{PRINT}?day={SATURDAY.isoformat()}" in staff_client.get(f"{BASE}/").get_data(as_text=True)
    assert f"{PRINT}?day={SATURDAY.isoformat()}" in staff_client.get(f"{BASE}/board").get_data(as_text=True)
    english = staff_client.get(PRINT, query_string={"day": SATURDAY.isoformat()}).get_data(as_text=True)
    assert "Printable timetable" in english and "Adjudicator" in english and "Accompanist" in english
    french = staff_client.get(PRINT, query_string={"day": SATURDAY.isoformat()}, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Horaire à imprimer" in french and "Accompagnateur" in french and "Printable timetable" not in french
