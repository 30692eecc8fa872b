"""The syllabus pages: classes by discipline and level with filters, a class's page with its entries and time, the admin views."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.timing import class_seconds, entry_seconds, performance_seconds
from mfo.festival.values import format_duration
from mfo.syllabus.models import FestivalClass, Piece, piece_key
from tests.admin_helpers import flashed, page
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece
from tests.helpers import post_form
from tests.test_database import recorded_queries


@pytest.fixture
def syllabus(app):
    """A festival with piano and voice classes at two levels, one with set pieces, and a few entries."""
    festival = make_festival("spring-2027")
    baroque = make_class(festival, "1203", "Baroque", suffix="A", discipline="Piano", level="Grade 3", time_limit=180,
                         set_pieces=[("Minuet in G", "Bach")], min_age=8, max_age=10, fee=Decimal("18.50"))
    make_class(festival, "1203", "Romantic", suffix="B", discipline="Piano", level="Grade 3")
    make_class(festival, "1401", "Sonatina", discipline="Piano", level="Grade 5", class_type="solo")
    make_class(festival, "2001", "Vocal duet", discipline="Voice", level="Open", class_type="duet", accompanist_required=True)
    make_class(festival, "9", "Open recital", class_type="recital")
    minuet = make_piece("Minuet in G", "Bach", 90)
    make_entry(baroque, [make_person("Ann", "Lee")], [(minuet, 100)])
    make_entry(baroque, [make_person("Bob", "Ray")], [(minuet, 200)])
    make_entry(baroque, [make_person("Cy", "Day")], [(minuet, 100)], status="withdrawn")
    db.session.commit()
    return festival


def codes_on(html: str) -> list[str]:
    """Return the class codes listed on a classes page, in order."""
    return re.findall(r'data-class="([^"]+)"', html)


def test_classes_are_listed_by_discipline_then_level_then_number(syllabus, users, staff_client):
    """Piano Grade 3, Piano Grade 5, Voice Open, then classes without a discipline; each row shows the class's rules."""
    html = page(staff_client.get("/festivals/spring-2027/classes/"))
    assert codes_on(html) == ["1203A", "1203B", "1401", "2001", "9"]
    row = html.split('data-class="1203A"')[1].split("</tr>")[0]
    for shown in ("Baroque", "Solo", "8 to 10", "18.50", "3:00", "2:00 + 0:30", "Minuet in G (Bach)", 'data-entries="2"'):
        assert shown in row, shown
    assert "required" in html.split('data-class="2001"')[1].split("</tr>")[0]
    assert "No discipline" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=duet", ["2001"]),
        ("q=1203", ["1203A", "1203B"]),
        ("q=1203+a", ["1203A"]),
        ("q=sonat", ["1401"]),
        ("q=%25", []),
        ("type=nonsense", ["1203A", "1203B", "1401", "2001", "9"]),
    ],
)
def test_classes_filter_by_type_and_search(syllabus, users, staff_client, query, expected):
    """Type and a search by number (with or without the space before the suffix) or name; a wildcard matches nothing."""
    assert codes_on(page(staff_client.get(f"/festivals/spring-2027/classes/?{query}"))) == expected


def test_classes_filter_by_discipline_and_level(syllabus, users, staff_client):
    """The discipline and level drop-downs keep only their classes."""
    piano = db.session.scalar(select(FestivalClass).where(FestivalClass.number == "1401")).discipline_id
    grade5 = db.session.scalar(select(FestivalClass).where(FestivalClass.number == "1401")).level_id
    assert codes_on(page(staff_client.get(f"/festivals/spring-2027/classes/?discipline={piano}"))) == ["1203A", "1203B", "1401"]
    assert codes_on(page(staff_client.get(f"/festivals/spring-2027/classes/?level={grade5}"))) == ["1401"]
    html = page(staff_client.get(f"/festivals/spring-2027/classes/?level={grade5}&type=duet"))
    assert codes_on(html) == [] and 'id="no-match"' in html


def test_a_festival_without_classes_says_what_to_do(app, users, staff_client):
    """The empty page explains how classes arrive."""
    make_festival("empty")
    db.session.commit()
    html = page(staff_client.get("/festivals/empty/classes/"))
    assert 'id="no-classes"' in html and "roll-over" in html


def test_the_class_page_lists_entries_and_the_estimated_time(syllabus, users, staff_client):
    """Entries with performers and pieces; the time counts active entries, each at most the limit, plus adjudication and change-over."""
    baroque = db.session.scalar(select(FestivalClass).where(FestivalClass.suffix == "A"))
    html = page(staff_client.get(f"/festivals/spring-2027/classes/{baroque.id}"))
    assert "Ann Lee" in html and "Bob Ray" in html and "Cy Day" in html and 'data-status="withdrawn"' in html
    # (100 + 120 + 30) + (min(200, 180) + 120 + 30) = 250 + 330 = 580 s
    assert "Estimated time: 9:40" in html and "(2 active entries)" in html
    assert "Minuet in G (Bach)" in html.split('id="set-pieces"')[1]


def test_estimated_time_formula(app):
    """min(declared, limit) + adjudication + change-over, summed over entries; no limit keeps the declared time."""
    festival_class = FestivalClass(time_limit=180, adjudication_time=120, changeover_time=30)
    assert performance_seconds(200, 180) == 180 and performance_seconds(200, None) == 200
    assert entry_seconds(100, festival_class) == 250
    assert class_seconds(festival_class, [100, 200]) == 580
    assert class_seconds(FestivalClass(time_limit=None, adjudication_time=0, changeover_time=0), [100, 200]) == 300


def test_another_festivals_class_is_not_found(syllabus, users, organizer_client):
    """A class id of another festival under this festival's address is a 404."""
    other = make_festival("autumn-2027", name="Autumn")
    foreign = make_class(other, "77", "Foreign")
    db.session.commit()
    assert organizer_client.get(f"/festivals/spring-2027/classes/{foreign.id}").status_code == 404
    assert organizer_client.get(f"/festivals/autumn-2027/classes/{foreign.id}").status_code == 200


def many_classes(festival, count: int) -> None:
    """Add `count` classes over several disciplines and levels, each with a set piece and an entry."""
    piece = make_piece("Study", "Czerny", 60)
    for number in range(count):
        festival_class = make_class(
            festival, str(1000 + number), f"Class {number}", discipline=f"D{number % 4}", level=f"L{number % 3}",
            set_pieces=[("Study", "Czerny")],
        )
        make_entry(festival_class, [make_person(f"P{number}", "Player")], [(piece, 60)])
    db.session.commit()


def test_the_classes_page_runs_the_same_queries_for_10_and_100_classes(app, users, staff_client):
    """Classes, set pieces, disciplines, levels and entry counts are each read once, whatever the size of the syllabus."""
    counts = []
    for slug, size in (("small", 10), ("large", 100)):
        festival = make_festival(slug)
        many_classes(festival, size)
        staff_client.get(f"/festivals/{slug}/classes/")  # warm up
        with recorded_queries() as statements:
            response = staff_client.get(f"/festivals/{slug}/classes/")
        assert response.status_code == 200 and len(codes_on(page(response))) == size
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12, counts


def test_the_class_page_runs_the_same_queries_for_few_and_many_entries(app, users, staff_client):
    """A class with 2 or 40 entries is read in the same number of queries."""
    counts = []
    piece = make_piece("Air", "Anon", 60)
    for slug, size in (("small", 2), ("large", 40)):
        festival = make_festival(slug)
        festival_class = make_class(festival, "1")
        teacher = make_person("Tea", f"Cher {slug}")
        for number in range(size):
            make_entry(festival_class, [make_person(f"P{number}", slug)], [(piece, 60)], teacher_id=teacher.id)
        db.session.commit()
        staff_client.get(f"/festivals/{slug}/classes/{festival_class.id}")
        with recorded_queries() as statements:
            assert staff_client.get(f"/festivals/{slug}/classes/{festival_class.id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


# --- admin


def class_form(festival_class: FestivalClass, **changes) -> dict:
    """Return the admin edit form's data for a class, with changes."""
    data = {
        "festival": str(festival_class.festival_id),
        "number": festival_class.number,
        "suffix": festival_class.suffix,
        "name": festival_class.name,
        "discipline": str(festival_class.discipline_id or "__None"),
        "level": str(festival_class.level_id or "__None"),
        "class_type": festival_class.class_type,
        "min_age": "" if festival_class.min_age is None else str(festival_class.min_age),
        "max_age": "" if festival_class.max_age is None else str(festival_class.max_age),
        "fee": str(festival_class.fee),
        "time_limit": "" if festival_class.time_limit is None else format_duration(festival_class.time_limit),
        "adjudication_time": "2:00",
        "changeover_time": "0:30",
    }
    if festival_class.accompanist_required:
        data["accompanist_required"] = "y"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_admin_edit_is_recorded_and_its_warnings_shown(syllabus, users, organizer_client):
    """Lowering the maximum age saves, records the change, and warns about the entries it makes too old."""
    baroque = db.session.scalar(select(FestivalClass).where(FestivalClass.suffix == "A"))
    make_entry(baroque, [make_person("Old", "Timer", date(2010, 1, 1))], [(make_piece("Minuet in G", "Bach"), 90)])
    db.session.commit()
    url = f"/admin/classes/edit/?id={baroque.id}"
    response = post_form(organizer_client, url, class_form(baroque, time_limit="4:00"), token_from=url, follow_redirects=True)
    assert "Old Timer is 16 on the cut-off date" in flashed(response)
    db.session.expire_all()
    assert db.session.get(FestivalClass, baroque.id).time_limit == 240
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "festival_class-updated")).one()
    assert json.loads(event.details)["changes"]["time_limit"] == [180, 240]
    assert event.target.startswith("class 1203A Baroque [spring-2027]")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_age": "12", "max_age": "10"}, "The minimum age cannot be above the maximum age."),
        ({"suffix": "B"}, "The festival already has a class 1203B."),
        ({"time_limit": "four minutes"}, "Not a duration"),
        ({"time_limit": "0:00"}, "A duration must be longer than zero."),
        # 10,000 spaces made the money parser backtrack for hours; any value that long is refused before parsing.
        ({"fee": "1" + " " * 10_000 + "x"}, "Too long: write at most 50 characters."),
        ({"time_limit": "1" + " " * 10_000 + "x"}, "Too long: write at most 50 characters."),
    ],
)
def test_an_admin_edit_breaking_a_rule_is_refused(syllabus, users, organizer_client, changes, message):
    """Ages out of order, a number taken, an unreadable or huge value: refused with the reason, nothing saved or recorded."""
    baroque = db.session.scalar(select(FestivalClass).where(FestivalClass.suffix == "A"))
    url = f"/admin/classes/edit/?id={baroque.id}"
    response = post_form(organizer_client, url, class_form(baroque, **changes), token_from=url, follow_redirects=True)
    assert message in page(response)
    db.session.expire_all()
    assert db.session.get(FestivalClass, baroque.id).suffix == "A"
    assert db.session.get(FestivalClass, baroque.id).min_age == 8
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "festival_class-updated")).all()


def test_an_admin_edit_may_set_no_change_over_or_adjudication_time(syllabus, users, organizer_client):
    """Zero is a real answer for the adjudication, change-over and closing times (and saved as zero)."""
    baroque = db.session.scalar(select(FestivalClass).where(FestivalClass.suffix == "A"))
    url = f"/admin/classes/edit/?id={baroque.id}"
    zeros = {"adjudication_time": "0", "changeover_time": "0:00", "closing_time": "0"}
    post_form(organizer_client, url, class_form(baroque, **zeros), token_from=url, follow_redirects=True)
    db.session.expire_all()
    saved = db.session.get(FestivalClass, baroque.id)
    assert (saved.adjudication_time, saved.changeover_time, saved.closing_time) == (0, 0, 0)


def test_a_discipline_of_another_festival_is_refused(syllabus, users, organizer_client):
    """A class cannot be filed under another festival's discipline."""
    other = make_festival("autumn-2027", name="Autumn")
    foreign = make_class(other, "1", discipline="Strings")
    db.session.commit()
    baroque = db.session.scalar(select(FestivalClass).where(FestivalClass.suffix == "A"))
    url = f"/admin/classes/edit/?id={baroque.id}"
    response = post_form(organizer_client, url, class_form(baroque, discipline=str(foreign.discipline_id)), token_from=url,
                         follow_redirects=True)
    assert "Strings belongs to another festival" in flashed(response)
    db.session.expire_all()
    assert db.session.get(FestivalClass, baroque.id).discipline.name == "Piano"


def test_a_class_with_entries_cannot_be_deleted(syllabus, users, organizer_client):
    """The database keeps a class that entries use; the admin says so plainly."""
    baroque = db.session.scalar(select(FestivalClass).where(FestivalClass.suffix == "A"))
    response = post_form(organizer_client, "/admin/classes/delete/", {"id": str(baroque.id)}, token_from="/admin/classes/",
                         follow_redirects=True)
    assert "other records still use this one" in flashed(response)
    db.session.expire_all()
    assert db.session.get(FestivalClass, baroque.id) is not None


def test_pieces_keep_their_key_and_are_not_added_twice(app, users, organizer_client):
    """The repertoire's key follows title and composer; the same piece typed again differently is refused."""
    response = post_form(organizer_client, "/admin/pieces/new/", {"title": "Für Elise", "composer": "Beethoven", "duration": "3:10"},
                         token_from="/admin/pieces/new/")
    assert response.status_code == 302
    piece = db.session.scalar(select(Piece))
    assert piece.key == piece_key("Für Elise", "Beethoven") == "fur elise|beethoven" and piece.duration == 190
    again = post_form(organizer_client, "/admin/pieces/new/", {"title": "fur elise", "composer": "BEETHOVEN"},
                      token_from="/admin/pieces/new/", follow_redirects=True)
    assert "The repertoire already has this piece: Für Elise (Beethoven)." in flashed(again)
    assert len(db.session.scalars(select(Piece)).all()) == 1


def test_disciplines_are_made_per_festival(app, users, organizer_client):
    """A discipline is created for the festival chosen in the form, and named with it in the trail."""
    festival = make_festival("spring-2027")
    db.session.commit()
    response = post_form(organizer_client, "/admin/disciplines/new/", {"festival_id": str(festival.id), "name": " Brass ", "position": "3"},
                         token_from="/admin/disciplines/new/")
    assert response.status_code == 302
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "discipline-created")).one()
    assert event.target.startswith("discipline Brass [spring-2027]")


@pytest.mark.features("mfo.home", "mfo.account", "mfo.admin", "mfo.health", "mfo.festival", "mfo.syllabus", "mfo.people")
def test_the_syllabus_works_without_the_entries_feature(app, users, admin_client):
    """Left out, the entries feature leaves no column, panel or tab behind: the pages it fills still work."""
    festival = make_festival("spring-2027")
    festival_class = make_class(festival, "101", "Baroque", discipline="Piano")
    db.session.commit()
    html = page(admin_client.get("/festivals/spring-2027/classes/"))
    assert 'data-class="101"' in html and "data-entries" not in html and 'data-nav="entries.index"' not in html
    html = page(admin_client.get(f"/festivals/spring-2027/classes/{festival_class.id}"))
    assert 'id="class-rules"' in html and 'id="class-entries"' not in html
    assert 'data-fact="classes"' in page(admin_client.get("/festivals/spring-2027/"))
