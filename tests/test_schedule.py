"""The schedule's data: venues, adjudicators, sessions and placements, their rules, who may see and change them, and the loader."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mfo.adjudicators.models import Adjudicator, AdjudicatorAvailability
from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.timing import entry_seconds
from mfo.people.models import Group
from mfo.schedule import problem as plain
from mfo.schedule.loading import ScheduleError, load_problem, load_schedule, save_schedule
from mfo.schedule.models import ClassDraw, ClassSection, KeepTogether, Placement, ScheduleEntry, Session, SessionBreak, Unavailability
from mfo.syllabus.models import Discipline, FestivalClass
from mfo.venues.models import Venue, VenueOpening, VenueTravel
from tests.admin_helpers import flashed, page
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece, make_school
from tests.helpers import post_form
from tests.test_database import recorded_queries

SATURDAY = date(2027, 4, 10)
SUNDAY = date(2027, 4, 11)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Return a time on a festival day."""
    return datetime.combine(day, time(hour, minute))


@pytest.fixture
def season(app) -> dict[str, int]:
    """A small festival: two venues, an adjudicator, a session with lunch, a class split in two, a duet by a group, a song."""
    festival = make_festival("spring-2027", travel_minutes=20)
    hall = Venue(festival_id=festival.id, name="Main hall", address="1 Music St", has_piano=True)
    studio = Venue(festival_id=festival.id, name="Studio B", has_piano=False)
    db.session.add_all([hall, studio])
    db.session.flush()
    db.session.add_all(
        [
            VenueOpening(venue_id=hall.id, day=SATURDAY, start=time(9), end=time(12)),
            VenueOpening(venue_id=hall.id, day=SATURDAY, start=time(13), end=time(18)),
            VenueTravel(venue_a_id=hall.id, venue_b_id=studio.id, minutes=5),
        ]
    )
    school = make_school("École Saint-Laurent")
    judge = make_person("Clara", "Judge")
    teacher = make_person("Marie", "Lefèvre")
    pianist = make_person("Paul", "Keys")
    ana, ben, cal, dee = (make_person(name, "Pupil", school_id=school.id) for name in ("Ana", "Ben", "Cal", "Dee"))
    minuet = make_piece("Minuet in G", "Bach", 90)
    gavotte = make_piece("Gavotte", "Gossec", 120)

    baroque = make_class(festival, "1203", "Baroque", discipline="Piano", closing_time=300)
    piano = db.session.scalar(select(Discipline).where(Discipline.name == "Piano"))
    adjudicator = Adjudicator(
        festival_id=festival.id, person_id=judge.id, disciplines=[piano], conflict_schools=[school], conflict_people=[teacher]
    )
    db.session.add(adjudicator)
    db.session.flush()
    db.session.add(AdjudicatorAvailability(adjudicator_id=adjudicator.id, day=SATURDAY, start=time(9), end=time(17)))
    session = Session(
        festival_id=festival.id,
        name="Piano morning",
        day=SATURDAY,
        start=time(9),
        end=time(17),
        venue_id=hall.id,
        adjudicator_id=adjudicator.id,
        discipline_id=piano.id,
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(SessionBreak(session_id=session.id, start=time(12), end=time(13)))

    # 1203 is split: A holds Cal then Ana (drawn in that order), B holds Ben; Dee withdrew.
    first = make_entry(baroque, [ana], [(minuet, 95), (gavotte, 125)], teacher_id=teacher.id, school_id=school.id)
    second = make_entry(baroque, [ben], [(minuet, 100)])
    third = make_entry(baroque, [cal], [(gavotte, 130)])
    make_entry(baroque, [dee], [(minuet, 90)], status="withdrawn")
    part_a = ClassSection(class_id=baroque.id, label="A", position=0)
    part_b = ClassSection(class_id=baroque.id, label="B", position=1)
    db.session.add_all([part_a, part_b])
    db.session.flush()
    db.session.add_all(
        [
            ScheduleEntry(entry_id=first.id, section_id=part_a.id, position=2),
            ScheduleEntry(entry_id=third.id, section_id=part_a.id, position=1),
            ScheduleEntry(entry_id=second.id, section_id=part_b.id),
            ClassDraw(class_id=baroque.id, method="random", seed=42),
        ]
    )

    # The duet's entry names only one performer: the group's members perform too.
    duo = Group(name="The Maple Duo", name_key="the maple duo", school_id=school.id, members=[ana, dee])
    db.session.add(duo)
    db.session.flush()
    duet = make_class(festival, "2001", "Piano duet", class_type="duet")
    duet_entry = make_entry(duet, [ana], [(minuet, 95)], group_id=duo.id)
    song = make_class(festival, "3001", "Art song", discipline="Voice", accompanist_required=True)
    song_entry = make_entry(song, [ben], [(gavotte, 150)], accompanist_id=pianist.id)

    db.session.add_all(
        [
            Unavailability(festival_id=festival.id, person_id=ben.id, start=at(SUNDAY, 0), end=at(SUNDAY, 23, 59), note="not on Sunday"),
            KeepTogether(festival_id=festival.id, name="Pupil siblings", mode="same-day", people=[ana, ben]),
        ]
    )
    db.session.commit()
    return {
        "festival": festival.id,
        "hall": hall.id,
        "studio": studio.id,
        "session": session.id,
        "adjudicator": adjudicator.id,
        "baroque": baroque.id,
        "part_a": part_a.id,
        "part_b": part_b.id,
        "duet": duet.id,
        "song": song.id,
        "first": first.id,
        "second": second.id,
        "third": third.id,
        "duet_entry": duet_entry.id,
        "song_entry": song_entry.id,
        "ana": ana.id,
        "ben": ben.id,
        "cal": cal.id,
        "dee": dee.id,
        "teacher": teacher.id,
        "pianist": pianist.id,
        "school": school.id,
        "judge": judge.id,
        "piano": piano.id,
    }


def festival_of(ids):
    """Return the season's festival record."""
    from mfo.festival.models import Festival

    return db.session.get(Festival, ids["festival"])


# --- the tables' own rules


def test_a_placement_is_of_a_class_or_a_section_never_both_nor_neither(season):
    """The database refuses a placement of no unit, and of a class and a section at once."""
    for unit in ({}, {"class_id": season["baroque"], "section_id": season["part_a"]}):
        db.session.add(Placement(festival_id=season["festival"], session_id=season["session"], start=at(SATURDAY, 9), **unit))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_unit_is_placed_once(season):
    """A second placement of the same class is refused by the database."""
    for _ in range(2):
        db.session.add(
            Placement(festival_id=season["festival"], class_id=season["song"], session_id=season["session"], start=at(SATURDAY, 9))
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "record",
    [
        lambda ids: VenueOpening(venue_id=ids["hall"], day=SATURDAY, start=time(12), end=time(9)),
        lambda ids: VenueTravel(venue_a_id=ids["studio"], venue_b_id=ids["hall"], minutes=5),
        lambda ids: SessionBreak(session_id=ids["session"], start=time(13), end=time(13)),
        lambda ids: ClassDraw(class_id=ids["song"], method="by-height"),
        lambda ids: KeepTogether(festival_id=ids["festival"], name="x", mode="same-week"),
        lambda ids: ClassSection(class_id=ids["baroque"], label="A"),
    ],
    ids=["opening-backwards", "travel-pair-unordered", "empty-break", "unknown-draw", "unknown-mode", "section-twice"],
)
def test_the_database_refuses_impossible_rows(season, record):
    """Windows that end before they start, a travel pair typed twice, unknown codes and a section letter twice are refused."""
    db.session.add(record(season))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_new_class_closes_in_no_time_and_a_festival_travels_in_15_minutes(app):
    """closing_time defaults to 0 and the festival's travel time to 15 minutes, in the database itself."""
    festival = make_festival("autumn-2027")
    festival_class = make_class(festival, "1")
    db.session.commit()
    assert festival_class.closing_time == 0 and festival.travel_minutes == 15


# --- the Schedule tab: who sees it, what it shows


def test_staff_read_the_schedule_page(season, users, staff_client):
    """Staff see the venues with their hours, the adjudicators with their disciplines, and the sessions by day; no edit links."""
    html = page(staff_client.get("/festivals/spring-2027/schedule/"))
    assert 'data-nav="schedule.index"' in html
    assert "Main hall" in html and "09:00–12:00" in html and "13:00–18:00" in html
    assert "Clara Judge" in html and "Piano" in html
    assert f'data-session="{season["session"]}"' in html and "Piano morning" in html and "12:00–13:00" in html
    assert 'data-day="2027-04-10"' in html
    assert "/admin/sessions/" not in html and "/admin/venue/" not in html


def test_the_schedule_page_is_in_french(season, users, staff_client):
    """The page speaks French to a French reader."""
    html = page(staff_client.get("/festivals/spring-2027/schedule/", headers={"Accept-Language": "fr"}))
    assert "Salles" in html and "Juges" in html and "Séances" in html


def test_organizers_get_links_to_edit_in_the_admin(season, users, organizer_client):
    """Organizers see each venue, adjudicator and session linked to its admin form."""
    html = page(organizer_client.get("/festivals/spring-2027/schedule/"))
    assert f"/admin/venue/edit/?id={season['hall']}" in html
    assert f"/admin/adjudicator/edit/?id={season['adjudicator']}" in html
    assert f"/admin/sessions/edit/?id={season['session']}" in html


@pytest.mark.parametrize(("role", "status"), [("end-user", 403), ("staff", 200), ("organizer", 200)])
def test_the_schedule_page_needs_schedule_read(season, users, client_for, role, status):
    """Only holders of schedule-read open the page."""
    assert client_for(role).get("/festivals/spring-2027/schedule/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(season, anon_client):
    """The page is not public."""
    response = anon_client.get("/festivals/spring-2027/schedule/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_empty_festival_says_what_is_missing(app, users, staff_client):
    """A festival with nothing scheduled yet says so in each part."""
    make_festival("autumn-2027")
    db.session.commit()
    html = page(staff_client.get("/festivals/autumn-2027/schedule/"))
    assert 'id="no-venues"' in html and 'id="no-adjudicators"' in html and 'id="no-sessions"' in html


# --- the admin: organizers change, staff cannot; every change is recorded


def session_form(ids, **changes) -> dict[str, str]:
    """Return the admin form of a Sunday session in the main hall."""
    data = {
        "festival": str(ids["festival"]),
        "name": "Sunday strings",
        "day": "2027-04-11",
        "start": "10:00",
        "end": "16:00",
        "venue": str(ids["hall"]),
        "adjudicator": str(ids["adjudicator"]),
        "discipline": "__None",
        "breaks-0-start": "12:30",
        "breaks-0-end": "13:15",
    }
    data.update(changes)
    return data


def test_an_organizer_creates_a_session_and_it_is_recorded(season, users, organizer_client):
    """A session created in the admin is saved with its break, and the trail records it with the break."""
    response = post_form(organizer_client, "/admin/sessions/new/", session_form(season), token_from="/admin/sessions/new/")
    assert response.status_code == 302, flashed(response)
    created = db.session.scalar(select(Session).where(Session.name == "Sunday strings"))
    assert (created.day, created.start, created.end) == (SUNDAY, time(10), time(16))
    assert [(b.start, b.end) for b in created.breaks] == [(time(12, 30), time(13, 15))]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule_session-created")).one()
    assert "Main hall" in event.target and "12:30-13:15" in event.details


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"day": "2027-05-01"}, "is not a day of Spring Festival 2027"),
        ({"start": "16:00", "end": "10:00"}, "must be after the start"),
        ({"breaks-0-start": "08:00", "breaks-0-end": "09:00"}, "A break must start and end within the session"),
    ],
)
def test_a_session_breaking_a_rule_is_refused(season, users, organizer_client, changes, message):
    """A day outside the festival, hours backwards, a break outside the session: refused with the reason, nothing saved."""
    response = post_form(
        organizer_client, "/admin/sessions/new/", session_form(season, **changes), token_from="/admin/sessions/new/", follow_redirects=True
    )
    assert message in page(response)
    assert db.session.scalar(select(func.count(Session.id))) == 1


def test_a_venue_of_another_festival_is_refused(season, users, organizer_client):
    """A session cannot be held in another festival's venue."""
    other = make_festival("autumn-2027", name="Autumn")
    elsewhere = Venue(festival_id=other.id, name="Elsewhere")
    db.session.add(elsewhere)
    db.session.commit()
    response = post_form(
        organizer_client,
        "/admin/sessions/new/",
        session_form(season, venue=str(elsewhere.id)),
        token_from="/admin/sessions/new/",
        follow_redirects=True,
    )
    assert "Elsewhere belongs to another festival" in page(response)


def test_an_organizer_adds_a_venue_with_opening_hours(season, users, organizer_client):
    """A venue and its hours are saved together; hours off the festival's days are refused."""
    data = {
        "festival": str(season["festival"]),
        "name": "Chapel",
        "address": "",
        "has_piano": "y",
        "opening-0-day": "2027-04-12",
        "opening-0-start": "09:00",
        "opening-0-end": "12:00",
    }
    response = post_form(organizer_client, "/admin/venue/new/", data, token_from="/admin/venue/new/")
    assert response.status_code == 302, flashed(response)
    chapel = db.session.scalar(select(Venue).where(Venue.name == "Chapel"))
    assert [(w.day, w.start, w.end) for w in chapel.opening] == [(date(2027, 4, 12), time(9), time(12))]
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "venue-created"))
        .one()
        .target.startswith("venue Chapel [spring-2027]")
    )
    late = {**data, "name": "Crypt", "opening-0-day": "2027-06-01"}
    response = post_form(organizer_client, "/admin/venue/new/", late, token_from="/admin/venue/new/", follow_redirects=True)
    assert "is not a day of Spring Festival 2027" in page(response)
    assert db.session.scalar(select(Venue).where(Venue.name == "Crypt")) is None


def test_a_travel_time_is_kept_with_the_smaller_venue_first(season, users, organizer_client):
    """Typed either way round, a pair is stored once; the same pair again is refused."""
    chapel = Venue(festival_id=season["festival"], name="Chapel")
    db.session.add(chapel)
    db.session.commit()
    data = {"venue_a": str(chapel.id), "venue_b": str(season["studio"]), "minutes": "10"}
    response = post_form(organizer_client, "/admin/venue_travel/new/", data, token_from="/admin/venue_travel/new/")
    assert response.status_code == 302, flashed(response)
    pair = db.session.scalar(select(VenueTravel).where(VenueTravel.minutes == 10))
    assert (pair.venue_a_id, pair.venue_b_id) == (season["studio"], chapel.id)
    again = post_form(
        organizer_client,
        "/admin/venue_travel/new/",
        {**data, "minutes": "12"},
        token_from="/admin/venue_travel/new/",
        follow_redirects=True,
    )
    assert "already have a travel time" in page(again)


def test_an_adjudicator_judges_only_their_festivals_disciplines(season, users, organizer_client):
    """An adjudicator given another festival's discipline is refused; the same person twice in a festival too."""
    other = make_festival("autumn-2027", name="Autumn")
    foreign = make_class(other, "1", discipline="Strings").discipline_id
    newcomer = make_person("Nina", "New")
    db.session.commit()
    data = {"festival": str(season["festival"]), "person": str(newcomer.id), "disciplines": str(foreign)}
    response = post_form(organizer_client, "/admin/adjudicator/new/", data, token_from="/admin/adjudicator/new/", follow_redirects=True)
    assert "Strings belongs to another festival" in page(response)
    twice = {"festival": str(season["festival"]), "person": str(season["judge"])}
    response = post_form(organizer_client, "/admin/adjudicator/new/", twice, token_from="/admin/adjudicator/new/", follow_redirects=True)
    assert "Clara Judge already judges at this festival" in page(response)
    assert db.session.scalar(select(func.count(Adjudicator.id))) == 1


def test_an_organizer_sets_a_class_closing_time(season, users, organizer_client):
    """The class form takes the closing time as m:ss and stores seconds."""
    baroque = db.session.get(FestivalClass, season["song"])
    url = f"/admin/classes/edit/?id={baroque.id}"
    data = {
        "festival": str(baroque.festival_id),
        "number": "3001",
        "suffix": "",
        "name": "Art song",
        "discipline": str(baroque.discipline_id),
        "level": "__None",
        "class_type": "solo",
        "fee": "15.00",
        "adjudication_time": "2:00",
        "changeover_time": "0:30",
        "closing_time": "4:30",
        "accompanist_required": "y",
    }
    response = post_form(organizer_client, url, data, token_from=url)
    assert response.status_code == 302, flashed(response)
    db.session.expire_all()
    assert db.session.get(FestivalClass, season["song"]).closing_time == 270


@pytest.mark.parametrize("url", ["/admin/sessions/new/", "/admin/placements/new/", "/admin/venue/new/", "/admin/adjudicator/new/"])
def test_staff_cannot_write_the_schedule(season, users, staff_client, url):
    """A crafted POST by staff is refused and writes nothing."""
    response = post_form(staff_client, url, session_form(season), token_from="/")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Session.id))) == 1


def test_schedule_readers_without_write_cannot_change_sessions(app, season):
    """Admin access and schedule-read open the sessions list but not a change."""
    from tests.admin_helpers import sign_in, user_with_permissions

    client = sign_in(app, user_with_permissions("reader@example.org", "schedule-reader", {"admin-access", "schedule-read"}))
    assert client.get("/admin/sessions/").status_code == 200
    response = post_form(client, "/admin/sessions/new/", session_form(season), token_from="/")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Session.id))) == 1


# --- the loader


def test_the_loader_builds_the_festivals_problem(season):
    """Venues, travel, adjudicators, sessions with breaks and requests come out as plain data."""
    problem = load_problem(festival_of(season))
    hall = problem.venues[season["hall"]]
    assert hall.has_piano and hall.opening == (
        plain.Window(at(SATURDAY, 9), at(SATURDAY, 12)),
        plain.Window(at(SATURDAY, 13), at(SATURDAY, 18)),
    )
    assert not problem.venues[season["studio"]].has_piano
    assert problem.travel(season["hall"], season["studio"]) == timedelta(minutes=5)
    assert problem.travel_default == timedelta(minutes=20)
    judge = problem.adjudicators[season["adjudicator"]]
    assert judge.name == "Clara Judge" and judge.discipline_ids == {season["piano"]}
    assert problem.discipline_name(season["piano"]) == "Piano"
    assert judge.conflict_school_ids == {season["school"]} and judge.conflict_person_ids == {season["teacher"]}
    assert judge.available == (plain.Window(at(SATURDAY, 9), at(SATURDAY, 17)),)
    session = problem.sessions[season["session"]]
    assert (session.start, session.end, session.venue_id) == (at(SATURDAY, 9), at(SATURDAY, 17), season["hall"])
    assert session.breaks == (plain.Window(at(SATURDAY, 12), at(SATURDAY, 13)),)
    assert [(u.person_id, u.window.start) for u in problem.unavailable] == [(season["ben"], at(SUNDAY, 0))]
    assert [(t.person_ids, t.mode) for t in problem.together] == [(frozenset({season["ana"], season["ben"]}), "same-day")]
    names = {season[key]: problem.person_name(season[key]) for key in ("pianist", "teacher", "judge", "dee", "ben")}
    assert names == {
        season["pianist"]: "Paul Keys",
        season["teacher"]: "Marie Lefèvre",
        season["judge"]: "Clara Judge",
        season["dee"]: "Dee Pupil",
        season["ben"]: "Ben Pupil",
    }


def test_a_split_class_gives_one_unit_per_section_in_draw_order(season):
    """1203 split in A and B gives two units (no whole-class unit); A runs Cal then Ana as drawn; the withdrawn entry is left out."""
    units = load_problem(festival_of(season)).units
    a, b = units[f"section-{season['part_a']}"], units[f"section-{season['part_b']}"]
    assert f"class-{season['baroque']}" not in units
    assert (a.label, b.label) == ("1203A", "1203B")
    assert [p.entry_id for p in a.entries] == [season["third"], season["first"]]
    assert [p.entry_id for p in b.entries] == [season["second"]]
    baroque = db.session.get(FestivalClass, season["baroque"])
    first = next(p for p in a.entries if p.entry_id == season["first"])
    assert first.seconds == entry_seconds(95 + 125, baroque)
    assert (first.teacher_id, first.school_id, first.performer_ids) == (season["teacher"], season["school"], {season["ana"]})
    assert a.closing_seconds == 300 and a.seconds == sum(p.seconds for p in a.entries) + 300
    assert a.needs_piano  # the discipline is piano


def test_a_groups_members_perform_and_an_accompanied_class_needs_a_piano(season):
    """The duet's performers are its group's members; the song needs a piano for its accompanist; the duet's school is the group's."""
    units = load_problem(festival_of(season)).units
    duet = units[f"class-{season['duet']}"]
    assert duet.entries[0].performer_ids == {season["ana"], season["dee"]}
    assert duet.entries[0].school_id == season["school"]
    song = units[f"class-{season['song']}"]
    assert song.needs_piano and song.entries[0].accompanist_id == season["pianist"]
    assert song.people == {season["ben"], season["pianist"]}
    assert not duet.needs_piano  # no discipline, no accompanist


def test_loading_runs_the_same_queries_for_a_bigger_festival(season):
    """The loader reads each table once: more entries, classes and sections add no query."""
    with recorded_queries() as small:
        load_problem(festival_of(season))
    festival = festival_of(season)
    piece = make_piece("Minuet in G", "Bach")
    for number in range(10):
        festival_class = make_class(festival, f"9{number:02d}", discipline="Piano")
        db.session.add(ClassSection(class_id=festival_class.id, label="A"))
        for _ in range(5):
            make_entry(festival_class, [make_person("Extra", f"Pupil {number}")], [(piece, 60)])
    db.session.commit()
    with recorded_queries() as big:
        problem = load_problem(festival_of(season))
    assert len(problem.units) > 10
    assert len(big) == len(small)


def test_a_schedule_is_saved_loaded_and_recorded(season, users):
    """Placements are written back, moved and removed; the trail says what changed; loading gives the same schedule."""
    festival = festival_of(season)
    problem = load_problem(festival)
    keys = [f"section-{season['part_a']}", f"section-{season['part_b']}", f"class-{season['duet']}"]
    placements = plain.pack(problem, season["session"], keys, pinned=frozenset({keys[2]}))
    save_schedule(festival, plain.Schedule({p.unit_key: p for p in placements}))
    db.session.commit()
    loaded = load_schedule(festival, problem)
    assert loaded.placements == {p.unit_key: p for p in placements}
    assert loaded.placements[keys[2]].pinned

    moved = plain.Placement(keys[0], season["session"], at(SATURDAY, 14))
    changes = save_schedule(festival, plain.Schedule({keys[0]: moved}))
    db.session.commit()
    assert changes == {"added": [], "moved": [keys[0]], "removed": sorted(keys[1:])}
    assert load_schedule(festival).placements == {keys[0]: moved}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule-saved").order_by(AuditEvent.id)).all()
    assert len(events) == 2 and json.loads(events[1].details)["moved"] == [keys[0]]


def test_saving_refuses_another_festivals_units_and_sessions(season):
    """A unit or session that is not the festival's is refused and nothing is written."""
    festival = festival_of(season)
    other = make_festival("autumn-2027", name="Autumn")
    foreign_class = make_class(other, "1")
    db.session.commit()
    for placement in (
        plain.Placement(f"class-{foreign_class.id}", season["session"], at(SATURDAY, 9)),
        plain.Placement(f"class-{season['song']}", 999_999, at(SATURDAY, 9)),
        plain.Placement("entry-1", season["session"], at(SATURDAY, 9)),
    ):
        with pytest.raises(ScheduleError):
            save_schedule(festival, plain.Schedule({placement.unit_key: placement}))
    assert db.session.scalar(select(func.count(Placement.id))) == 0


def test_an_organizer_moves_an_entry_to_another_section_of_its_class_only(season, users, organizer_client):
    """An entry's section is changed in the admin; a section of another class is refused."""
    url = f"/admin/schedule_entries/edit/?id={season['second']}"
    data = {"entry_id": str(season["second"]), "section": str(season["part_a"]), "position": "3"}
    response = post_form(organizer_client, url, data, token_from=url)
    assert response.status_code == 302, flashed(response)
    db.session.expire_all()
    assert db.session.get(ScheduleEntry, season["second"]).section_id == season["part_a"]
    units = load_problem(festival_of(season)).units
    assert [p.entry_id for p in units[f"section-{season['part_a']}"].entries] == [season["third"], season["first"], season["second"]]
    other = ClassSection(class_id=season["song"], label="A")
    db.session.add(other)
    db.session.commit()
    song_url = "/admin/schedule_entries/new/"
    data = {"entry_id": str(season["duet_entry"]), "section": str(other.id), "position": ""}
    response = post_form(organizer_client, song_url, data, token_from=song_url, follow_redirects=True)
    assert "is not a section of the entry" in page(response)
    assert db.session.get(ScheduleEntry, season["duet_entry"]) is None


def test_an_organizer_places_a_class_in_a_session_on_its_day(season, users, organizer_client):
    """A placement is made in the admin and recorded; a start on another day than the session's is refused."""
    url = "/admin/placements/new/"
    data = {"festival_class": str(season["song"]), "section": "__None", "session": str(season["session"]), "start": "2027-04-10 10:30:00"}
    response = post_form(organizer_client, url, data, token_from=url)
    assert response.status_code == 302, flashed(response)
    placement = db.session.scalar(select(Placement))
    assert (placement.unit_key, placement.festival_id, placement.start) == (
        f"class-{season['song']}",
        season["festival"],
        at(SATURDAY, 10, 30),
    )
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "placement-created")).one()
    wrong_day = {**data, "festival_class": str(season["duet"]), "start": "2027-04-11 10:30:00"}
    response = post_form(organizer_client, url, wrong_day, token_from=url, follow_redirects=True)
    assert "The start must be on the session" in page(response)
    assert db.session.scalar(select(func.count(Placement.id))) == 1
