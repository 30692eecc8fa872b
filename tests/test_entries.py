"""Entries pages: the filtered, paginated list; an entry's page and where it came from; status and payment changes; the admin view."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.models import Entry
from mfo.syllabus.models import FestivalClass
from tests.admin_helpers import flashed, page
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece, make_school
from tests.helpers import post_form
from tests.test_database import recorded_queries


@pytest.fixture
def season(app):
    """A festival with piano and voice entries from two teachers and schools, one imported, one withdrawn; and another festival."""
    festival = make_festival("spring-2027")
    piano = make_class(festival, "1203", "Baroque", suffix="A", discipline="Piano", time_limit=180)
    voice = make_class(festival, "2001", "Art song", discipline="Voice", accompanist_required=True)
    north, south = make_school("North Studio"), make_school("South Academy")
    marie, paul = make_person("Marie", "Lefèvre"), make_person("Paul", "Keys")
    minuet = make_piece("Minuet in G", "Bach", 90)
    ids = {
        "ann": make_entry(piano, [make_person("Ann", "Lee")], [(minuet, 95)], teacher_id=marie.id, school_id=north.id).id,
        "bob": make_entry(piano, [make_person("Bob", "Ray")], [(minuet, 100)], teacher_id=paul.id, school_id=south.id, source="import",
                          import_filename="entries-march.xlsx", import_row=14, import_batch_id=3).id,
        "cy": make_entry(voice, [make_person("Cy", "Zoë")], [(make_piece("Caro mio ben", "Giordani", 150), 160)], teacher_id=marie.id,
                         accompanist_id=paul.id, school_id=north.id, status="withdrawn").id,
    }
    other = make_festival("autumn-2027", name="Autumn")
    ids["foreign"] = make_entry(make_class(other, "1", "Elsewhere"), [make_person("Dee", "Far")]).id
    ids["piano"], ids["voice"], ids["marie"], ids["north"] = piano.id, voice.id, marie.id, north.id
    db.session.commit()
    return ids


def listed(html: str) -> list[int]:
    """Return the entry numbers listed, in order."""
    return [int(n) for n in re.findall(r'<tr data-entry="(\d+)"', html)]


def test_the_list_shows_each_entry_in_syllabus_order(season, users, staff_client):
    """Class, performers, teacher, accompanist, pieces with durations, status, fee and paid; another festival's are not there."""
    html = page(staff_client.get("/festivals/spring-2027/entries/"))
    assert listed(html) == [season["ann"], season["bob"], season["cy"]]
    row = html.split(f'data-entry="{season["cy"]}"')[1].split("</tr>")[0]
    for shown in ("2001", "Cy Zoë", "Marie Lefèvre", "Paul Keys", "Caro mio ben (Giordani)", "2:40", 'data-status="withdrawn"', "$15.00"):
        assert shown in row, shown
    assert "Dee Far" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=withdrawn", ["cy"]),
        ("status=nonsense", ["ann", "bob", "cy"]),
        ("q=zoe", ["cy"]),
        ("q=LEE", ["ann"]),
        ("q=1203", ["ann", "bob"]),
        ("q=nobody", []),
    ],
)
def test_the_list_filters(season, users, staff_client, query, expected):
    """By status (an unknown one is ignored) and by a search of performers (accents and case ignored) or class number."""
    html = page(staff_client.get(f"/festivals/spring-2027/entries/?{query}"))
    assert listed(html) == [season[name] for name in expected]


def test_the_list_filters_by_class_discipline_teacher_and_school(season, users, staff_client):
    """The drop-downs keep the entries of one class, discipline, teacher or school."""
    voice_discipline = db.session.get(FestivalClass, season["voice"]).discipline_id
    cases = {
        f"class={season['piano']}": ["ann", "bob"],
        f"discipline={voice_discipline}": ["cy"],
        f"teacher={season['marie']}": ["ann", "cy"],
        f"school={season['north']}&teacher={season['marie']}&status=submitted": ["ann"],
    }
    for query, expected in cases.items():
        assert listed(page(staff_client.get(f"/festivals/spring-2027/entries/?{query}"))) == [season[n] for n in expected], query


def test_an_empty_festival_and_an_empty_filter_say_what_to_do(season, users, staff_client):
    """No entries at all: how entries arrive; no match: a way back to every entry."""
    make_festival("empty")
    db.session.commit()
    assert 'id="no-entries"' in page(staff_client.get("/festivals/empty/entries/"))
    assert 'id="no-match"' in page(staff_client.get("/festivals/spring-2027/entries/?q=nobody"))


def test_the_list_is_paginated_and_runs_the_same_queries_for_60_and_240_entries(app, users, staff_client):
    """Fifty entries a page, filters kept in the links; the number of queries does not grow with the festival."""
    counts = []
    piece = make_piece("Study", "Czerny", 60)
    for slug, size in (("small", 60), ("large", 240)):
        festival = make_festival(slug)
        teacher = make_person("Tea", slug)
        classes = [make_class(festival, str(100 + n), discipline=f"D{n % 3}") for n in range(6)]
        for n in range(size):
            make_entry(classes[n % 6], [make_person(f"P{n}", slug)], [(piece, 60)], teacher_id=teacher.id)
        db.session.commit()
        url = f"/festivals/{slug}/entries/?status=submitted&page=2"
        staff_client.get(url)
        with recorded_queries() as statements:
            response = staff_client.get(url)
        html = page(response)
        assert len(listed(html)) == 10 if size == 60 else 50
        assert f"/festivals/{slug}/entries/?page=1&amp;status=submitted" in html
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 16, counts


def test_the_entry_page_says_everything_and_where_it_came_from(season, users, staff_client):
    """Class, performers, teacher, pieces with declared and usual durations, the import file and row, and its issues."""
    html = page(staff_client.get(f"/festivals/spring-2027/entries/{season['bob']}"))
    assert "Imported from entries-march.xlsx, row 14" in html
    assert "Bob Ray" in html and "Paul Keys" in html and "South Academy" in html
    assert "1:40" in html and "1:30" in html and "limit 3:00" in html
    assert 'id="entry-issues"' in html and 'id="entry-update-form"' not in html  # staff read, do not write
    assert "Entered online" in page(staff_client.get(f"/festivals/spring-2027/entries/{season['ann']}"))


def test_the_entry_page_shows_the_validators_issues(season, users, staff_client):
    """An entry over its class's time limit and without the accompanist its class needs shows both issues."""
    voice = db.session.get(FestivalClass, season["voice"])
    late = make_entry(voice, [make_person("Eve", "Long")], [(make_piece("Long aria", "Handel", 200), 200)])
    voice.time_limit = 120
    db.session.commit()
    html = page(staff_client.get(f"/festivals/spring-2027/entries/{late.id}"))
    panel = html.split('id="entry-issues"')[1]
    assert 'data-code="over-time-limit"' in panel and 'data-code="accompanist-missing"' in panel
    assert 'id="no-entry-issues"' in page(staff_client.get(f"/festivals/spring-2027/entries/{season['ann']}"))


def test_organizers_change_status_and_payment_recorded(season, users, organizer_client):
    """The form saves status and amount paid and records entry-updated with before and after."""
    url = f"/festivals/spring-2027/entries/{season['ann']}"
    response = post_form(organizer_client, f"{url}/update", {"status": "accepted", "amount_paid": "12,50"}, token_from=url)
    assert response.status_code == 303 and response.location.endswith(url)
    db.session.expire_all()
    entry = db.session.get(Entry, season["ann"])
    assert (entry.status, entry.amount_paid) == ("accepted", Decimal("12.50"))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).one()
    assert json.loads(event.details)["changes"] == {"status": ["submitted", "accepted"], "amount_paid": ["0.00", "12.50"]}
    assert event.target.startswith(f"entry #{season['ann']} 1203A Ann Lee") and event.actor == users["organizer"]


def test_a_wrong_amount_is_refused_and_nothing_changes(season, users, organizer_client):
    """A negative or unreadable amount, or an unknown status, is a 400 with the reason; the entry is unchanged."""
    url = f"/festivals/spring-2027/entries/{season['ann']}"
    wrong = (
        {"status": "accepted", "amount_paid": "-5"},
        {"status": "accepted", "amount_paid": "lots"},
        {"status": "paid", "amount_paid": "1"},
    )
    for data in wrong:
        response = post_form(organizer_client, f"{url}/update", data, token_from=url)
        assert response.status_code == 400, data
        assert "Not saved" in flashed(response) or "Not saved" in page(response)
    db.session.expire_all()
    assert db.session.get(Entry, season["ann"]).status == "submitted"
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).all()


def test_a_huge_amount_is_refused_as_too_long_at_once(season, users, organizer_client):
    """10,000 spaces between a digit and a letter (which made the money parser backtrack for hours) are refused as too
    long, in the page's language, and the entry is unchanged."""
    url = f"/festivals/spring-2027/entries/{season['ann']}"
    attack = {"status": "accepted", "amount_paid": "1" + " " * 10_000 + "x"}
    response = post_form(organizer_client, f"{url}/update", attack, token_from=url)
    assert response.status_code == 400
    assert "Too long: write at most 50 characters." in page(response)
    post_form(organizer_client, "/language", {"locale": "fr", "next": url})
    french = post_form(organizer_client, f"{url}/update", attack, token_from=url)
    assert french.status_code == 400 and "Trop long\u00a0: écrivez au plus 50 caractères." in page(french)
    db.session.expire_all()
    assert (db.session.get(Entry, season["ann"]).status, db.session.get(Entry, season["ann"]).amount_paid) == ("submitted", 0)


def test_crafted_posts_are_refused(season, users, staff_client, organizer_client):
    """Staff (entries-read only) get 403; a POST without its CSRF token is a 400; another festival's entry is a 404."""
    url = f"/festivals/spring-2027/entries/{season['ann']}"
    data = {"status": "withdrawn", "amount_paid": "0"}
    assert post_form(staff_client, f"{url}/update", data, token_from=url).status_code == 403
    assert organizer_client.post(f"{url}/update", data=data).status_code == 400
    foreign = f"/festivals/spring-2027/entries/{season['foreign']}"
    assert organizer_client.get(foreign).status_code == 404
    assert post_form(organizer_client, f"{foreign}/update", data, token_from=url).status_code == 404
    assert organizer_client.get(f"/festivals/autumn-2027/entries/{season['foreign']}").status_code == 200
    db.session.expire_all()
    statuses = db.session.scalars(select(Entry.status).where(Entry.id.in_([season["ann"], season["foreign"]]))).all()
    assert statuses == ["submitted"] * 2
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).all()


# --- admin


def entry_form(entry: Entry, **changes) -> dict:
    """Return the admin edit form's data for an entry, with changes."""
    data = {
        "festival_class": str(entry.class_id),
        "status": entry.status,
        "fee": str(entry.fee),
        "amount_paid": str(entry.amount_paid),
        "comments": entry.comments or "",
    }
    for name in ("group", "teacher", "accompanist", "school"):
        value = getattr(entry, f"{name}_id")
        if value:
            data[name] = str(value)
    data.update(changes)
    return data


def test_an_admin_edit_that_creates_an_error_is_refused(season, users, organizer_client):
    """Moving an entry to another festival's class is an unknown-class error: refused with its message, nothing written."""
    foreign_class = db.session.scalar(select(FestivalClass).where(FestivalClass.number == "1"))
    entry = db.session.get(Entry, season["ann"])
    url = f"/admin/entry/edit/?id={entry.id}"
    response = post_form(organizer_client, url, entry_form(entry, festival_class=str(foreign_class.id)), token_from=url,
                         follow_redirects=True)
    assert "There is no class 1 in this festival" in flashed(response)
    db.session.expire_all()
    assert db.session.get(Entry, season["ann"]).class_id == season["piano"]
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).all()


def test_an_admin_edit_with_warnings_is_saved_and_warned(season, users, organizer_client):
    """Removing the accompanist of a class that needs one saves, records the change and shows the warning."""
    entry = db.session.get(Entry, season["cy"])
    entry.status = "submitted"
    db.session.commit()
    url = f"/admin/entry/edit/?id={entry.id}"
    data = entry_form(entry)
    data["accompanist"] = ""  # an emptied search field
    response = post_form(organizer_client, url, data, token_from=url, follow_redirects=True)
    assert "Class 2001 needs an accompanist; none is given." in flashed(response)
    db.session.expire_all()
    assert db.session.get(Entry, season["cy"]).accompanist_id is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).one()
    assert json.loads(event.details)["changes"]["accompanist_id"][1] is None


def test_the_admin_list_loads_its_rows_in_a_fixed_number_of_queries(app, users, organizer_client):
    """The entries list shows performers without a query per row."""
    counts = []
    for slug, size in (("small", 5), ("large", 25)):
        festival = make_festival(slug)
        festival_class = make_class(festival, "1")
        for n in range(size):
            make_entry(festival_class, [make_person(f"P{n}", slug), make_person(f"Q{n}", slug)], [(make_piece(f"Piece {n}"), 60)],
                       teacher_id=make_person("T", f"{slug}{n}").id)
        db.session.commit()
        url = f"/admin/entry/?flt0_0={festival.id}"
        organizer_client.get(url)
        with recorded_queries() as statements:
            assert organizer_client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts



def admin_listed(html: str) -> list[int]:
    """Return the entry numbers of the admin list's rows, in order (its entry number column)."""
    return [int(n) for n in re.findall(r'<td class="col-id">\s*(\d+)', html)]


def test_the_admin_list_shows_entry_numbers_in_class_order_and_searches(season, users, organizer_client):
    """The admin's entries: an entry number column, the syllabus's order then entry number, and a search by class or teacher."""
    html = organizer_client.get("/admin/entry/").get_data(as_text=True)
    assert "Entry number" in html and 'name="search"' in html
    # 1 (the other festival's class "1") sorts before 1203A before 2001; Ann before Bob in 1203A.
    assert admin_listed(html) == [season["foreign"], season["ann"], season["bob"], season["cy"]]
    assert admin_listed(organizer_client.get("/admin/entry/?search=2001").get_data(as_text=True)) == [season["cy"]]
    assert admin_listed(organizer_client.get("/admin/entry/?search=Keys").get_data(as_text=True)) == [season["bob"]]
    assert admin_listed(organizer_client.get("/admin/entry/?search=Baroque").get_data(as_text=True)) == [season["ann"], season["bob"]]


def test_an_entry_created_in_the_admin_joins_its_class_festival(season, users, organizer_client):
    """A new entry takes its class's festival and fee, comes from "online", and is recorded with the validator's warnings shown."""
    data = {"festival_class": str(season["voice"]), "status": "submitted", "fee": "", "amount_paid": "", "teacher": str(season["marie"])}
    response = post_form(organizer_client, "/admin/entry/new/", data, token_from="/admin/entry/new/", follow_redirects=True)
    assert "Class 2001 needs an accompanist; none is given." in flashed(response), flashed(response)
    created = db.session.scalars(select(Entry).where(Entry.class_id == season["voice"]).order_by(Entry.id.desc())).first()
    assert created.id not in season.values()
    assert (created.festival.slug, created.fee, created.amount_paid, created.source) == ("spring-2027", Decimal("15.00"), 0, "online")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-created")).one()
    assert event.target.startswith(f"entry #{created.id} 2001")


# Accepting in bulk

LIST = "/festivals/spring-2027/entries/"


def statuses(*ids: int) -> list[str]:
    """Return the entries' statuses, in the order of the ids given."""
    db.session.expire_all()
    found = dict(db.session.execute(select(Entry.id, Entry.status).where(Entry.id.in_(ids))).all())
    return [found[i] for i in ids]


def test_organizers_tick_submitted_entries_and_accept_them_together(season, users, organizer_client):
    """Only submitted entries get a box; the ticked ones become accepted, each recorded; the list keeps its filters."""
    html = page(organizer_client.get(LIST + "?status=submitted"))
    assert f'id="accept-{season["ann"]}"' in html and f'id="accept-{season["bob"]}"' in html
    assert f'id="accept-{season["cy"]}"' not in page(organizer_client.get(LIST))  # withdrawn: no box
    response = post_form(organizer_client, LIST + "accept", {"entry": [str(season["ann"]), str(season["bob"])], "status": "submitted"},
                         token_from=LIST)
    assert response.status_code == 303 and response.location.endswith("/entries/?status=submitted")
    assert statuses(season["ann"], season["bob"], season["cy"]) == ["accepted", "accepted", "withdrawn"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated").order_by(AuditEvent.id)).all()
    assert [e.target for e in events] == [f"entry #{season['ann']}", f"entry #{season['bob']}"]
    assert all(json.loads(e.details)["changes"] == {"status": ["submitted", "accepted"]} for e in events)
    assert "2 entries accepted." in flashed(organizer_client.get(LIST))


def test_bulk_accept_passes_over_what_it_may_not_change(season, users, organizer_client):
    """A withdrawn entry, another festival's, and ids that are not numbers are left alone."""
    data = {"entry": [str(season["cy"]), str(season["foreign"]), "x", "-1", "9" * 30]}
    response = post_form(organizer_client, LIST + "accept", data, token_from=LIST)
    assert response.status_code == 303
    assert statuses(season["cy"], season["foreign"]) == ["withdrawn", "submitted"]
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).all() == []


def test_bulk_accept_needs_entries_write_and_its_token(season, users, staff_client, organizer_client):
    """Staff (entries-read) get 403 and no boxes; a POST without the CSRF token is a 400; nothing changes."""
    assert 'id="accept-form"' not in page(staff_client.get(LIST))
    assert post_form(staff_client, LIST + "accept", {"entry": [str(season["ann"])]}, token_from=LIST).status_code == 403
    assert organizer_client.post(LIST + "accept", data={"entry": [str(season["ann"])]}).status_code == 400
    assert statuses(season["ann"]) == ["submitted"]
