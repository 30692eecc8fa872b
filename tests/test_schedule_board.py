"""The schedule board: who sees it and who may move, what a move changes and reports, pins, refusals and the audit trail."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.models import Entry
from mfo.festival.models import Festival
from mfo.schedule import problem as plain
from mfo.schedule.loading import schedule_revision
from mfo.schedule.models import ClassSection, Placement, ScheduleEntry, Session
from mfo.schedule.moves import repack
from mfo.syllabus.models import FestivalClass
from mfo.venues.models import Venue
from tests.admin_helpers import flashed, page
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece
from tests.helpers import csrf_token, post_form

SATURDAY = date(2027, 4, 10)
SUNDAY = date(2027, 4, 11)
# Classes whose entries take exactly their declared time (no adjudication or change-over).
QUICK = {"adjudication_time": 0, "changeover_time": 0}
BOARD = "/festivals/spring-2027/schedule/board"


def board_festival(slug: str = "spring-2027") -> dict[str, int]:
    """Add a festival: a hall and a studio; Saturday morning sessions in both and a Sunday one; three classes, two share Ana."""
    festival = make_festival(slug)
    hall = Venue(festival_id=festival.id, name="Main hall", has_piano=True)
    studio = Venue(festival_id=festival.id, name="Studio B", has_piano=True)
    db.session.add_all([hall, studio])
    db.session.flush()
    sessions = {
        "hall": Session(festival_id=festival.id, name="Hall morning", day=SATURDAY, start=time(9), end=time(12), venue_id=hall.id),
        "studio": Session(festival_id=festival.id, name="Studio morning", day=SATURDAY, start=time(9), end=time(12), venue_id=studio.id),
        "sunday": Session(festival_id=festival.id, name="Sunday hall", day=SUNDAY, start=time(9), end=time(12), venue_id=hall.id),
    }
    db.session.add_all(sessions.values())
    db.session.flush()
    ana, ben = make_person("Ana", "Pupil"), make_person("Ben", "Pupil")
    minuet = make_piece("Minuet in G", "Bach", 600)
    baroque = make_class(festival, "1001", "Baroque", **QUICK)
    romantic = make_class(festival, "1002", "Romantic", **QUICK)
    modern = make_class(festival, "1003", "Modern", **QUICK)
    unplaced = make_class(festival, "1004", "Sonatina", **QUICK)
    make_entry(baroque, [ana], [(minuet, 600)])
    make_entry(romantic, [ana], [(minuet, 600)])
    make_entry(modern, [ben], [(minuet, 1200)])
    make_entry(unplaced, [ben], [(minuet, 300)])
    db.session.add_all(
        [
            Placement(festival_id=festival.id, class_id=baroque.id, session_id=sessions["hall"].id,
                      start=datetime.combine(SATURDAY, time(9))),
            Placement(festival_id=festival.id, class_id=modern.id, session_id=sessions["hall"].id,
                      start=datetime.combine(SATURDAY, time(9, 10))),
            Placement(festival_id=festival.id, class_id=romantic.id, session_id=sessions["sunday"].id,
                      start=datetime.combine(SUNDAY, time(9))),
        ]
    )
    db.session.commit()
    return {
        "festival": festival.id,
        **{name: session.id for name, session in sessions.items()},
        "baroque": baroque.id,
        "romantic": romantic.id,
        "modern": modern.id,
        "unplaced": unplaced.id,
    }


@pytest.fixture
def board_ids(app) -> dict[str, int]:
    """The board's festival, committed."""
    return board_festival()


def revision(slug: str = "spring-2027") -> str:
    """Return the festival's schedule revision as it is now (what a freshly loaded board sends back)."""
    db.session.expire_all()
    return schedule_revision(db.session.scalars(select(Festival).where(Festival.slug == slug)).one())


def post_json(client, url: str, body: dict, token: str | None = None):
    """POST JSON with the CSRF token in a header, as the board's script does (with the current revision unless given)."""
    token = token or csrf_token(client, f"{BOARD}?day={SATURDAY}")
    body = {"revision": revision(), **body}
    return client.post(url, data=json.dumps(body), content_type="application/json", headers={"X-CSRFToken": token})


def placements() -> dict[int, tuple[int, datetime, bool]]:
    """Return each placed class's session, start and pin."""
    db.session.expire_all()
    return {row.class_id: (row.session_id, row.start, row.pinned) for row in db.session.scalars(select(Placement))}


def test_the_board_shows_each_day_with_venues_sessions_and_cards(board_ids, users, organizer_client):
    """Saturday shows both venues, their sessions and cards (code, name, entries, times); Sunday its own; the tray the unplaced class."""
    html = page(organizer_client.get(f"{BOARD}?day={SATURDAY}"))
    assert 'data-venue="' in html and "Main hall" in html and "Studio B" in html
    assert f'data-session="{board_ids["hall"]}"' in html and f'data-session="{board_ids["studio"]}"' in html
    assert f'data-session="{board_ids["sunday"]}"' not in html
    assert f'id="card-class-{board_ids["baroque"]}"' in html and "1001" in html and "Baroque" in html
    assert "09:00–09:10" in html and "09:10–09:30" in html and "1 entry" in html
    # 20 minutes is four five-minute steps; the unplaced class waits in the tray.
    assert 'board-step-4' in html and f'id="card-class-{board_ids["unplaced"]}"' in html
    assert "Move to…" in html and "Sortable.min.js" in html
    sunday = page(organizer_client.get(f"{BOARD}?day={SUNDAY}"))
    assert f'data-session="{board_ids["sunday"]}"' in sunday and f'id="card-class-{board_ids["romantic"]}"' in sunday
    assert 'aria-current="page"' in sunday


def test_staff_see_the_board_without_controls_and_cannot_move(board_ids, users, staff_client, organizer_client):
    """Staff read the board without handles, forms or the drag script, and get 403 on both endpoints."""
    html = page(staff_client.get(f"{BOARD}?day={SATURDAY}"))
    assert "Baroque" in html
    assert "board-handle" not in html and "Move to…" not in html and "Sortable.min.js" not in html and "/board/pin" not in html
    token = csrf_token(staff_client, "/account/")
    body = {"unit": f"class-{board_ids['romantic']}", "session": board_ids["studio"], "position": 0}
    assert post_json(staff_client, f"{BOARD}/move", body, token).status_code == 403
    assert post_json(staff_client, f"{BOARD}/pin", {"unit": f"class-{board_ids['baroque']}", "pinned": True}, token).status_code == 403
    assert placements()[board_ids["romantic"]][0] == board_ids["sunday"]


def test_a_move_without_a_csrf_token_is_refused(board_ids, users, organizer_client):
    """A forged cross-site POST (no token) moves nothing."""
    body = {"unit": f"class-{board_ids['romantic']}", "session": board_ids["studio"], "position": 0}
    response = organizer_client.post(f"{BOARD}/move", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert placements()[board_ids["romantic"]][0] == board_ids["sunday"]


def test_a_move_into_a_clash_reports_it_created_and_moving_back_removed(board_ids, users, organizer_client):
    """Ana's second class moved beside her first (other venue, same time) creates a person-overlap; moving it back removes it."""
    unit = f"class-{board_ids['romantic']}"
    response = post_json(organizer_client, f"{BOARD}/move", {"unit": unit, "session": board_ids["studio"], "position": 0})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    created = [conflict for conflict in answer["created"] if conflict["code"] == "person-overlap"]
    assert len(created) == 1 and "Ana Pupil" in created[0]["message"]
    assert answer["sessions"][str(board_ids["studio"])] == [{"unit": unit, "start": "09:00", "end": "09:10", "pinned": False}]
    assert placements()[board_ids["romantic"]] == (board_ids["studio"], datetime.combine(SATURDAY, time(9)), False)
    # The board now shows it: a badge on the card and the conflict in the day's panel.
    html = page(organizer_client.get(f"{BOARD}?day={SATURDAY}"))
    assert created[0]["key"] in html

    back = post_json(organizer_client, f"{BOARD}/move", {"unit": unit, "session": board_ids["sunday"], "position": 0}).get_json()
    assert [conflict["key"] for conflict in back["removed"]] == [created[0]["key"]]
    assert back["created"] == []


def test_a_move_repacks_the_sessions_it_leaves_and_joins(board_ids, users, organizer_client):
    """Moving the first class of the hall after the second lays both end to end again from the session's start."""
    unit = f"class-{board_ids['baroque']}"
    answer = post_json(organizer_client, f"{BOARD}/move", {"unit": unit, "session": board_ids["hall"], "position": 5}).get_json()
    assert [(p["unit"], p["start"]) for p in answer["sessions"][str(board_ids["hall"])]] == [
        (f"class-{board_ids['modern']}", "09:00"),
        (unit, "09:20"),
    ]


def test_a_pinned_class_keeps_its_place_and_cannot_be_moved(board_ids, users, organizer_client):
    """A pinned class is refused with 409; others packed around it skip its time; unpinning frees it."""
    unit = f"class-{board_ids['modern']}"
    pinned = post_json(organizer_client, f"{BOARD}/pin", {"unit": unit, "pinned": True})
    assert pinned.status_code == 200 and placements()[board_ids["modern"]][2] is True
    refused = post_json(organizer_client, f"{BOARD}/move", {"unit": unit, "session": board_ids["studio"], "position": 0})
    assert refused.status_code == 409 and refused.get_json()["error"] == "pinned"
    assert placements()[board_ids["modern"]][0] == board_ids["hall"]
    # Sunday's class put first in the hall cannot start at 9:10 (pinned 1003 runs 9:10-9:30): it goes after.
    romantic = f"class-{board_ids['romantic']}"
    answer = post_json(organizer_client, f"{BOARD}/move", {"unit": romantic, "session": board_ids["hall"], "position": 1}).get_json()
    starts = {p["unit"]: p["start"] for p in answer["sessions"][str(board_ids["hall"])]}
    assert starts == {f"class-{board_ids['baroque']}": "09:00", unit: "09:10", romantic: "09:30"}
    assert post_json(organizer_client, f"{BOARD}/pin", {"unit": unit, "pinned": False}).status_code == 200
    assert post_json(organizer_client, f"{BOARD}/move", {"unit": unit, "session": board_ids["studio"], "position": 0}).status_code == 200


def test_packing_treats_pinned_classes_as_breaks():
    """repack: a pinned unit keeps its start; the free ones are laid around it and the session's breaks."""
    day = datetime(2027, 4, 10)
    session = plain.Session(1, "S", 1, day.replace(hour=9), day.replace(hour=12),
                            breaks=(plain.Window(day.replace(hour=10), day.replace(hour=10, minute=30)),))
    units = {key: plain.Unit(key, n, key, entries=(plain.Performance(n, 1800),)) for n, key in enumerate(("a", "b", "c", "d"))}
    problem = plain.Problem(1, sessions={1: session}, units=units)
    pinned = {"b": plain.Placement("b", 1, day.replace(hour=9, minute=15), pinned=True)}
    placed = {p.unit_key: p.start.strftime("%H:%M") for p in repack(problem, 1, ["a", "b", "c", "d"], pinned)}
    # a cannot run 9:00-9:30 (b is pinned at 9:15) nor 9:45-10:15 (the break): it starts at 10:30.
    assert placed == {"a": "10:30", "b": "09:15", "c": "11:00", "d": "11:30"}


def test_another_festivals_unit_or_session_is_refused(board_ids, users, organizer_client):
    """A class or session of another festival, or a made-up key, is refused with 400 and nothing moves."""
    other = board_festival("autumn-2027")
    before = placements()
    for body in (
        {"unit": f"class-{other['romantic']}", "session": board_ids["studio"], "position": 0},
        {"unit": f"class-{board_ids['romantic']}", "session": other["studio"], "position": 0},
        {"unit": "class-x", "session": board_ids["studio"], "position": 0},
        {"unit": f"class-{board_ids['romantic']}", "session": "studio", "position": 0},
    ):
        assert post_json(organizer_client, f"{BOARD}/move", body).status_code == 400, body
    assert post_json(organizer_client, f"{BOARD}/pin", {"unit": f"class-{other['baroque']}", "pinned": True}).status_code == 400
    assert placements() == before


def test_each_move_and_pin_is_recorded_in_the_audit_trail(board_ids, users, organizer_client):
    """Every change the board makes leaves one schedule-saved event naming what moved, by whom."""
    unit = f"class-{board_ids['romantic']}"
    post_json(organizer_client, f"{BOARD}/move", {"unit": unit, "session": board_ids["studio"], "position": 0})
    post_json(organizer_client, f"{BOARD}/move", {"unit": unit, "session": None, "position": 0})
    post_json(organizer_client, f"{BOARD}/pin", {"unit": f"class-{board_ids['baroque']}", "pinned": True})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule-saved").order_by(AuditEvent.id)).all()
    assert len(events) == 3
    assert json.loads(events[1].details)["removed"] == [unit]
    assert all(users["organizer"] in event.actor for event in events)


def test_the_move_to_form_works_without_javascript(board_ids, users, organizer_client):
    """The "Move to..." form posts, redirects back to the day and flashes the move and the conflicts it created."""
    url = f"{BOARD}?day={SATURDAY}"
    response = post_form(
        organizer_client, f"{BOARD}/move",
        {"unit": f"class-{board_ids['romantic']}", "session": str(board_ids["studio"]), "position": "1", "day": SATURDAY.isoformat(),
         "revision": revision()},
        token_from=url,
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    shown = flashed(organizer_client.get(url))
    assert "moved to Studio morning, position 1" in shown and "Conflicts created" in shown and "Ana Pupil" in shown
    assert placements()[board_ids["romantic"]][0] == board_ids["studio"]
    pinned = post_form(organizer_client, f"{BOARD}/pin", {"unit": f"class-{board_ids['romantic']}", "pinned": "1", "revision": revision()},
                       token_from=url)
    assert pinned.status_code == 303
    refused = post_form(organizer_client, f"{BOARD}/move",
                        {"unit": f"class-{board_ids['romantic']}", "session": "", "position": "1", "revision": revision()}, token_from=url)
    assert refused.status_code == 303 and "pinned" in flashed(organizer_client.get(url))


def test_the_schedule_page_links_to_the_board_and_the_board_speaks_french(board_ids, users, staff_client):
    """The Schedule tab opens the board; in French the board's words are French."""
    assert 'id="open-board"' in page(staff_client.get("/festivals/spring-2027/schedule/"))
    html = page(staff_client.get(f"{BOARD}?day={SATURDAY}", headers={"Accept-Language": "fr"}))
    assert "Tableau de l’horaire" in html and "Non placées" in html and "1 inscription" in html


def test_an_organizer_reorders_the_draw_and_it_is_recorded(board_ids, users, organizer_client, staff_client):
    """Move down swaps two entries of a class, writes every position and leaves an audit event; staff are refused."""
    ben, cal = make_person("Ben", "Second"), make_person("Cal", "Third")
    modern = db.session.get(FestivalClass, board_ids["modern"])
    second = make_entry(modern, [ben], [(make_piece("Etude", "Czerny", 60), 60)])
    make_entry(modern, [cal], [(make_piece("Etude", "Czerny", 60), 60)])
    second_id = second.id
    db.session.commit()
    url = f"{BOARD}?day={SATURDAY}"
    html = page(organizer_client.get(url))
    assert "Move down" in html and "Ben Second" in html
    drawn = db.session.scalars(select(Entry.id).where(Entry.class_id == board_ids["modern"]).order_by(Entry.id)).all()
    first = drawn[0]
    assert f'name="order" value="{",".join(map(str, drawn))}"' in html
    form = {"unit": f"class-{board_ids['modern']}", "entry": str(first), "direction": "down", "day": SATURDAY.isoformat(),
            "order": ",".join(map(str, drawn))}
    assert post_form(staff_client, f"{BOARD}/draw", form, token_from="/account/").status_code == 403
    response = post_form(organizer_client, f"{BOARD}/draw", form, token_from=url)
    assert response.status_code == 303 and "draw of class 1003" in flashed(organizer_client.get(url))
    db.session.expire_all()
    positions = {row.entry_id: row.position for row in db.session.scalars(select(ScheduleEntry))}
    assert positions[second_id] == 1 and positions[first] == 2 and len(positions) == 3
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule_entry-updated")).one()
    assert json.loads(event.details)["draw"][:2] == [second_id, first]
    foreign = dict(form, unit=f"class-{board_ids['baroque']}")
    assert post_form(organizer_client, f"{BOARD}/draw", foreign, token_from=url).status_code == 400


def test_a_move_leaves_placements_of_units_the_festival_no_longer_has(board_ids, users, organizer_client):
    """A placement of a class split since it was placed is not the board's to delete when another class moves."""
    baroque = db.session.get(FestivalClass, board_ids["baroque"])
    section = ClassSection(class_id=baroque.id, label="A", position=0)
    db.session.add(section)
    db.session.flush()
    entry = db.session.scalar(select(Entry.id).where(Entry.class_id == baroque.id))
    db.session.add(ScheduleEntry(entry_id=entry, section_id=section.id))
    db.session.commit()
    body = {"unit": f"class-{board_ids['romantic']}", "session": board_ids["studio"], "position": 0}
    assert post_json(organizer_client, f"{BOARD}/move", body).status_code == 200
    assert board_ids["baroque"] in placements()


def test_the_board_carries_the_schedules_revision_and_each_change_answers_the_next(board_ids, users, organizer_client):
    """The page and its forms hold the revision; a move answers the new one, which the next move is made against."""
    first = revision()
    html = page(organizer_client.get(f"{BOARD}?day={SATURDAY}"))
    assert f'data-revision="{first}"' in html and f'name="revision" value="{first}"' in html
    body = {"unit": f"class-{board_ids['romantic']}", "session": board_ids["studio"], "position": 0, "revision": first}
    answer = post_json(organizer_client, f"{BOARD}/move", body).get_json()
    assert answer["revision"] == revision() != first
    pinned = post_json(organizer_client, f"{BOARD}/pin", {"unit": f"class-{board_ids['baroque']}", "pinned": True,
                                                          "revision": answer["revision"]})
    assert pinned.status_code == 200 and pinned.get_json()["revision"] == revision()


def test_a_change_made_on_a_stale_board_is_refused_and_the_board_reloads_with_why(board_ids, users, organizer_client):
    """Two organizers on one board: the second's move, made on the revision before the first's, moves nothing (409)."""
    seen = revision()
    # One token for every POST: fetching one reads the board, which would show (and use up) the message.
    token = csrf_token(organizer_client, f"{BOARD}?day={SATURDAY}")
    first = {"unit": f"class-{board_ids['romantic']}", "session": board_ids["studio"], "position": 0, "revision": seen}
    assert post_json(organizer_client, f"{BOARD}/move", first, token).status_code == 200
    before = placements()
    second = {"unit": f"class-{board_ids['modern']}", "session": None, "position": 0, "revision": seen}
    refused = post_json(organizer_client, f"{BOARD}/move", second, token)
    assert refused.status_code == 409
    answer = refused.get_json()
    assert answer["error"] == "stale" and answer["reload"] is True and "Someone else changed the schedule" in answer["message"]
    stale_pin = post_json(organizer_client, f"{BOARD}/pin", {"unit": f"class-{board_ids['baroque']}", "pinned": True, "revision": seen},
                          token)
    assert stale_pin.status_code == 409
    assert placements() == before
    # The reloaded board says why, once.
    assert "Someone else changed the schedule" in flashed(organizer_client.get(f"{BOARD}?day={SATURDAY}"))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule-saved")).all()
    assert len(events) == 1


@pytest.mark.parametrize("sent", [None, "", "0" * 64, "x" * 5000])
def test_a_crafted_post_without_the_current_revision_moves_nothing(board_ids, users, organizer_client, sent):
    """The check is the server's: a plain form with no revision, an old or a made-up one is refused with a message."""
    url = f"{BOARD}?day={SATURDAY}"
    form = {"unit": f"class-{board_ids['romantic']}", "session": str(board_ids["studio"]), "position": "1", "day": SATURDAY.isoformat()}
    if sent is not None:
        form["revision"] = sent
    before = placements()
    response = post_form(organizer_client, f"{BOARD}/move", form, token_from=url)
    assert response.status_code == 303 and placements() == before
    assert "Someone else changed the schedule" in flashed(organizer_client.get(url))


def test_the_stale_refusal_speaks_french(board_ids, users, organizer_client):
    """The refusal is in the organizer's language."""
    body = {"unit": f"class-{board_ids['romantic']}", "session": board_ids["studio"], "position": 0, "revision": "0" * 64}
    token = csrf_token(organizer_client, f"{BOARD}?day={SATURDAY}")
    response = organizer_client.post(f"{BOARD}/move", data=json.dumps(body), content_type="application/json",
                                     headers={"X-CSRFToken": token, "Accept-Language": "fr"})
    assert response.status_code == 409 and "Quelqu’un d’autre a modifié l’horaire" in response.get_json()["message"]


def test_a_draw_move_on_a_draw_someone_else_changed_is_refused(board_ids, users, organizer_client):
    """Move down on a draw shown before another organizer's change (or with no draw shown) changes nothing and says why."""
    modern = db.session.get(FestivalClass, board_ids["modern"])
    make_entry(modern, [make_person("Cal", "Third")], [(make_piece("Etude", "Czerny", 60), 60)])
    db.session.commit()
    drawn = db.session.scalars(select(Entry.id).where(Entry.class_id == board_ids["modern"]).order_by(Entry.id)).all()
    url = f"{BOARD}?day={SATURDAY}"
    form = {"unit": f"class-{board_ids['modern']}", "entry": str(drawn[0]), "direction": "down", "order": ",".join(map(str, drawn))}
    assert post_form(organizer_client, f"{BOARD}/draw", form, token_from=url).status_code == 303
    # The same click again, from the page as it was: the draw is no longer what it showed.
    for shown in (form["order"], None, "1,x", "9" * 20000):
        stale = dict(form) if shown is not None else {k: v for k, v in form.items() if k != "order"}
        if shown is not None:
            stale["order"] = shown
        assert post_form(organizer_client, f"{BOARD}/draw", stale, token_from=url).status_code == 303
        assert "Someone else changed the schedule" in flashed(organizer_client.get(url))
    db.session.expire_all()
    positions = {row.entry_id: row.position for row in db.session.scalars(select(ScheduleEntry))}
    assert [entry for entry, _position in sorted(positions.items(), key=lambda item: item[1])] == [drawn[1], drawn[0]]
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule_entry-updated")).all()) == 1
