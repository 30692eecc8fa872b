"""People pages: find a person, "which classes is this child in?", schools and groups; personal data only for people-read."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.people.models import Group, Person
from tests.admin_helpers import flashed, page, sign_in, user_with_permissions
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece, make_school
from tests.helpers import post_form
from tests.test_database import recorded_queries

BIRTH = date(2016, 5, 17)
SECRETS = ("2016-05-17", "May 17, 2016", "zoe@example.org", "5145550101", "12 Rue des Érables")


@pytest.fixture
def front_desk(app):
    """Zoë, a child in a solo, a duet (through her group) and another festival; her teacher and accompanist (their ids)."""
    festival = make_festival("spring-2027")
    school = make_school("École Saint-Laurent")
    zoe = make_person("Zoë", "Ngô", BIRTH, email="zoe@example.org", phone="5145550101", address="12 Rue des Érables", school_id=school.id)
    sam = make_person("Sam", "Ray", date(2015, 1, 2))
    teacher = make_person("Marie", "Lefèvre", email="marie@example.org")
    pianist = make_person("Paul", "Keys", phone="5145550202")
    guardian = make_person("Ana", "Ngô", email="ana@example.org")
    zoe.guardian_id = guardian.id
    duo = Group(name="The Maple Duo", name_key="the maple duo", school_id=school.id, contact_id=zoe.id, members=[zoe, sam])
    db.session.add(duo)
    db.session.flush()
    minuet = make_piece("Minuet in G", "Bach", 90)
    make_entry(make_class(festival, "1203", "Baroque", suffix="A"), [zoe], [(minuet, 95)], teacher_id=teacher.id, accompanist_id=pianist.id,
               given_contacts={"performer": {"email": "zoe.other@example.org", "phone": "5145559999"}})
    # The group's entry names only the contact as performer: Zoë is in it as a member of the group.
    make_entry(make_class(festival, "2001", "Piano duet", class_type="duet"), [sam], [(minuet, 95)], group_id=duo.id)
    make_entry(make_class(festival, "3001", "Accompanied song"), [sam], [(minuet, 95)], accompanist_id=zoe.id)
    other = make_festival("autumn-2027", name="Autumn")
    make_entry(make_class(other, "1", "Elsewhere"), [zoe], [(minuet, 95)])
    db.session.commit()
    # Ids, not records: the records leave the session when the clients' requests end it.
    return {"zoe": zoe.id, "teacher": teacher.id, "pianist": pianist.id, "group": duo.id}


def parts(html: str) -> dict[str, str]:
    """Return class code -> the person's parts, from a person's entries table."""
    rows = re.findall(r'data-entry="\d+">\s*<td class="text-nowrap"><a [^>]*>([^<]+)</a>.*?data-parts="([^"]*)"', html, re.S)
    return dict(rows)


@pytest.mark.parametrize("query", ["zoe", "ZOË", "ngo zoe", "  Ngô  "])
def test_search_ignores_accents_case_spacing_and_word_order(front_desk, users, staff_client, query):
    """Typing the name without accents, in capitals or in another order finds the person."""
    html = page(staff_client.get("/festivals/spring-2027/people/", query_string={"q": query}))
    assert f'data-person="{front_desk["zoe"]}"' in html
    assert f'data-person="{front_desk["teacher"]}"' not in html


def test_a_search_finding_nobody_says_so(front_desk, users, staff_client):
    """An empty result explains what to try."""
    html = page(staff_client.get("/festivals/spring-2027/people/?q=nobody"))
    assert 'id="no-match"' in html and "Check the spelling" in html


def test_which_classes_is_this_child_in(front_desk, users, staff_client):
    """The person's page lists this festival's entries: as performer, as a member of the group, as accompanist; not another festival's."""
    html = page(staff_client.get(f"/festivals/spring-2027/people/{front_desk['zoe']}"))
    assert parts(html) == {"1203A": "performer", "2001": "performer", "3001": "accompanist"}
    assert "Elsewhere" not in html
    assert "The Maple Duo" in html and "(contact)" in html
    teacher_html = page(staff_client.get(f"/festivals/spring-2027/people/{front_desk['teacher']}"))
    assert parts(teacher_html) == {"1203A": "teacher"}
    html = page(staff_client.get(f"/festivals/autumn-2027/people/{front_desk['zoe']}"))
    assert parts(html) == {"1": "performer"}


def test_staff_never_see_personal_data(front_desk, users, staff_client):
    """Staff (no people-read) see names and entries, and none of the birth date, email, phone, address or guardian."""
    zoe = front_desk["zoe"]
    festival_pages = [
        "/festivals/spring-2027/people/",
        "/festivals/spring-2027/people/?q=zoe",
        f"/festivals/spring-2027/people/{zoe}",
        f"/festivals/spring-2027/people/{front_desk['pianist']}",
        "/festivals/spring-2027/people/groups",
        "/festivals/spring-2027/people/schools",
        "/festivals/spring-2027/entries/",
        "/festivals/spring-2027/issues/",
    ]
    entry_ids = re.findall(r'data-entry="(\d+)"', page(staff_client.get("/festivals/spring-2027/entries/")))
    festival_pages += [f"/festivals/spring-2027/entries/{entry_id}" for entry_id in entry_ids]
    classes = re.findall(r'/classes/(\d+)"', page(staff_client.get("/festivals/spring-2027/classes/")))
    festival_pages += [f"/festivals/spring-2027/classes/{class_id}" for class_id in classes]
    for url in festival_pages:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        html = page(response)
        for secret in (*SECRETS, "zoe.other@example.org", "5145559999", "marie@example.org", "5145550202", "Ana Ngô", "ana@example.org"):
            assert secret not in html, (url, secret)
    assert 'id="personal-hidden"' in page(staff_client.get(f"/festivals/spring-2027/people/{zoe}"))


def test_organizers_see_personal_data(front_desk, users, organizer_client):
    """Holders of people-read see the birth date (with the age on the cut-off date), contacts, address and guardian."""
    zoe = front_desk["zoe"]
    html = page(organizer_client.get(f"/festivals/spring-2027/people/{zoe}"))
    personal = html.split('id="personal-data"')[1]
    for shown in ("May 17, 2016", "10 on the cut-off date", "zoe@example.org", "5145550101", "12 Rue des Érables", "Ana Ngô"):
        assert shown in personal, shown
    listing = page(organizer_client.get("/festivals/spring-2027/people/?q=zoe"))
    assert "May 17, 2016" in listing and "zoe@example.org" in listing
    entry_id = re.findall(r'data-entry="(\d+)"', html)[0]
    assert "zoe.other@example.org" in page(organizer_client.get(f"/festivals/spring-2027/entries/{entry_id}"))


def test_an_admin_reader_without_people_read_cannot_open_people_and_sees_no_contacts_on_entries(front_desk, app, users):
    """Admin access and entries-read without people-read: the people views are refused; the entry list and export show no personal data."""
    email = user_with_permissions("desk@example.org", "desk", {"admin-access", "entries-read", "festival-read"})
    client = sign_in(app, email)
    for url in ("/admin/persons/", "/admin/persons/export/csv/", f"/admin/persons/details/?id={front_desk['zoe']}", "/admin/groups/",
                "/festivals/spring-2027/people/"):
        expected = 200 if url.startswith("/festivals") else 403
        assert client.get(url).status_code == expected, url
    for url in ("/admin/entry/", "/admin/entry/export/csv/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = page(response)
        assert "Zoë Ngô" in body
        for secret in (*SECRETS, "zoe.other@example.org", "marie@example.org"):
            assert secret not in body, (url, secret)


def test_people_read_holders_export_people_from_the_admin(front_desk, users, organizer_client):
    """The people export is for people-read holders, and is recorded."""
    response = organizer_client.get("/admin/persons/export/csv/")
    assert response.status_code == 200 and "zoe@example.org" in page(response)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person-exported")).one()


def test_schools_and_groups_are_listed_with_their_people(front_desk, users, staff_client):
    """Schools with their numbers of people and groups; groups with their contact and members, linked to their pages."""
    html = page(staff_client.get("/festivals/spring-2027/people/schools"))
    row = html.split('data-school="')[1].split("</tr>")[0]
    assert "École Saint-Laurent" in row and re.findall(r'text-right">(\d+)<', row) == ["1", "1"]
    html = page(staff_client.get("/festivals/spring-2027/people/groups"))
    assert "The Maple Duo" in html and f'/people/{front_desk["zoe"]}"' in html and "Sam Ray" in html
    assert 'id="no-match"' in page(staff_client.get("/festivals/spring-2027/people/groups?q=quartet"))


def test_people_pages_run_the_same_queries_whatever_their_number(app, users, organizer_client):
    """The people list (a page at a time) and the groups list read a fixed number of queries for 5 or 120 people."""
    counts = []
    for size in (5, 120):
        festival = make_festival(f"f{size}")
        school = make_school(f"School {size}")
        members = [
            make_person(f"P{n}", f"Size{size}", date(2010, 1, 1), email=f"p{n}.{size}@example.org", school_id=school.id)
            for n in range(size)
        ]
        for n in range(0, size, 5):
            group = Group(name=f"G{size}-{n}", name_key=f"g{size} {n}", school_id=school.id, contact_id=members[n].id)
            group.members = members[n : n + 5]
            db.session.add(group)
        db.session.commit()
        urls = (f"/festivals/{festival.slug}/people/?q=size{size}", f"/festivals/{festival.slug}/people/groups?q=g{size}",
                f"/festivals/{festival.slug}/people/schools")
        measured = []
        for url in urls:
            organizer_client.get(url)
            with recorded_queries() as statements:
                assert organizer_client.get(url).status_code == 200
            measured.append(len(statements))
        counts.append(measured)
    assert counts[0] == counts[1], counts


def test_the_list_is_paginated(app, users, staff_client):
    """Fifty people to a page; the links keep the search."""
    festival = make_festival()
    for n in range(60):
        make_person(f"Pupil{n:02d}", "Same")
    db.session.commit()
    first = page(staff_client.get(f"/festivals/{festival.slug}/people/?q=same"))
    assert first.count("data-person=") == 50 and "Showing 1–50 of 60" in first
    assert f'/festivals/{festival.slug}/people/?page=2&amp;q=same' in first
    second = page(staff_client.get(f"/festivals/{festival.slug}/people/?q=same&page=2"))
    assert second.count("data-person=") == 10


def test_an_unknown_person_is_404(app, users, staff_client):
    """A person id that does not exist is a 404."""
    festival = make_festival()
    db.session.commit()
    assert staff_client.get(f"/festivals/{festival.slug}/people/999").status_code == 404


# --- admin


def test_a_person_edited_in_the_admin_keeps_a_matching_key_and_tidy_contacts(front_desk, users, organizer_client):
    """Renaming updates the search key; the email is lower-cased; a birth date that makes her too young is warned about."""
    zoe = front_desk["zoe"]
    url = f"/admin/persons/edit/?id={zoe}"
    data = {"first_name": "Zoé", "last_name": "Ngô-Tran", "birth_date": "2016-05-17", "email": "ZOE@Example.org", "phone": "514 555 0101",
            "address": "12 Rue des Érables"}
    response = post_form(organizer_client, url, data, token_from=url)
    assert response.status_code == 302, flashed(response)
    db.session.expire_all()
    person = db.session.get(Person, zoe)
    assert (person.name_key, person.email, person.phone) == ("zoe ngo tran", "zoe@example.org", "5145550101")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person-updated")).one()
    assert json.loads(event.details)["changes"]["last_name"] == ["Ngô", "Ngô-Tran"]
    assert event.target == f"person Zoé Ngô-Tran (#{zoe})"


def test_a_wrong_email_is_refused(front_desk, users, organizer_client):
    """An address without @ is refused with its reason; nothing changes."""
    zoe = front_desk["zoe"]
    url = f"/admin/persons/edit/?id={zoe}"
    response = post_form(organizer_client, url, {"first_name": "Zoë", "last_name": "Ngô", "email": "not-an-email"}, token_from=url,
                         follow_redirects=True)
    assert "“not-an-email” is not an email address." in flashed(response)
    db.session.expire_all()
    assert db.session.get(Person, zoe).email == "zoe@example.org"


def test_a_person_in_entries_cannot_be_deleted(front_desk, users, organizer_client):
    """Entries keep their performers: the delete is refused plainly."""
    zoe = front_desk["zoe"]
    response = post_form(organizer_client, "/admin/persons/delete/", {"id": str(zoe)}, token_from="/admin/persons/", follow_redirects=True)
    assert "other records still use this one" in flashed(response)
    db.session.expire_all()
    assert db.session.get(Person, zoe) is not None


def test_schools_are_not_created_twice(app, users, organizer_client):
    """A school typed again with other accents or case is refused."""
    make_school("École Saint-Laurent")
    db.session.commit()
    response = post_form(organizer_client, "/admin/schools/new/", {"name": "ecole saint laurent"}, token_from="/admin/schools/new/",
                         follow_redirects=True)
    assert "There already is a school called ecole saint laurent." in flashed(response)


def test_people_schools_and_groups_sort_as_a_reader_expects(app, users, staff_client):
    """Accents and case aside: Béland before Brown, École among the E's (before Ezra), a lower-case name in its place."""
    festival = make_festival()
    ids = {name: make_person("Ann", name).id for name in ("Brown", "Ezra", "École", "béland", "Zola", "Abel")}
    for name in ("Brass Band", "École de musique", "Académie Nord", "ensemble Ouest"):
        make_school(name)
    db.session.commit()
    html = page(staff_client.get(f"/festivals/{festival.slug}/people/"))
    shown = [int(n) for n in re.findall(r'data-person="(\d+)"', html)]
    assert [ids[name] for name in ("Abel", "béland", "Brown", "École", "Ezra", "Zola")] == [n for n in shown if n in ids.values()]
    schools = page(staff_client.get(f"/festivals/{festival.slug}/people/schools"))
    positions = [schools.index(name) for name in ("Académie Nord", "Brass Band", "École de musique", "ensemble Ouest")]
    assert positions == sorted(positions)
