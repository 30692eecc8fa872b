"""Who may open the festival pages: one table over every URL rule of the festival features and every role, then the attacks.

Every rule of the festival, syllabus, people, entries, issues and schedule blueprints must be in NEEDS (a new
page that is not fails here until its permission is written down). Then each URL is fetched (GET,
and POST where it takes one) by each role: visitors are sent to sign in, users without the
permissions get 403, holders are let in.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.consent.permissions import CONSENT_READ
from mfo.database import db
from mfo.entries.models import Entry
from mfo.entries.permissions import ENTRIES_READ, ENTRIES_WRITE
from mfo.fees.permissions import FEES_READ
from mfo.festival.models import Festival
from mfo.festival.permissions import FESTIVAL_READ, FESTIVAL_WRITE
from mfo.people.permissions import PEOPLE_READ
from mfo.permissions import role_permissions
from mfo.schedule.models import ScheduleVersion
from mfo.schedule.permissions import SCHEDULE_READ, SCHEDULE_WRITE
from mfo.syllabus.permissions import SYLLABUS_READ, SYLLABUS_WRITE
from mfo.venues.models import Venue
from tests.festival_helpers import make_class, make_entry, make_festival, make_person
from tests.helpers import post_form

BLUEPRINTS = ("festival", "syllabus", "people", "entries", "issues", "schedule", "consent")
ROLES = ("anonymous", "end-user", "staff", "organizer", "admin")

# What each page needs (every one of them).
NEEDS: dict[str, set[str]] = {
    "festival.index": {FESTIVAL_READ},
    "festival.current": {FESTIVAL_READ},
    "festival.detail": {FESTIVAL_READ},
    "festival.new": {FESTIVAL_WRITE},
    "festival.edit": {FESTIVAL_WRITE},
    "festival.make_current": {FESTIVAL_WRITE},
    "festival.status_from_dates": {FESTIVAL_WRITE},
    "syllabus.classes": {SYLLABUS_READ},
    "syllabus.class_page": {SYLLABUS_READ},
    "syllabus.roll_over": {FESTIVAL_WRITE, SYLLABUS_WRITE},
    # Names are for everyone who sees the festival; personal data is filtered inside (tests/test_people.py).
    "people.index": {FESTIVAL_READ},
    "people.person": {FESTIVAL_READ},
    "people.schools": {FESTIVAL_READ},
    "people.groups": {FESTIVAL_READ},
    "entries.index": {ENTRIES_READ},
    "entries.entry_page": {ENTRIES_READ},
    "entries.update": {ENTRIES_WRITE},
    "entries.accept": {ENTRIES_WRITE},
    "issues.index": {ENTRIES_READ},
    "schedule.index": {SCHEDULE_READ},
    # Building the schedule: the page, its progress and every action need schedule-write.
    "schedule.solve": {SCHEDULE_WRITE},
    "schedule.solve_status": {SCHEDULE_WRITE},
    "schedule.solve_start": {SCHEDULE_WRITE},
    "schedule.solve_stop": {SCHEDULE_WRITE},
    "schedule.solve_accept": {SCHEDULE_WRITE},
    "schedule.solve_discard": {SCHEDULE_WRITE},
    # Names and performance times, never contact details (tests/test_schedule_io.py).
    "schedule.download": {SCHEDULE_READ},
    "schedule.venue_calendar": {SCHEDULE_READ},
    "schedule.people": {SCHEDULE_READ},
    "schedule.person": {SCHEDULE_READ},
    "schedule.person_calendar": {SCHEDULE_READ},
    "schedule.board": {SCHEDULE_READ},
    "schedule.board_move": {SCHEDULE_WRITE},
    "schedule.board_pin": {SCHEDULE_WRITE},
    "schedule.board_draw": {SCHEDULE_WRITE},
    # Publishing: the front desk reads the versions and changelogs; organizers publish and email (tests/test_schedule_publishing.py).
    "schedule.versions": {SCHEDULE_READ},
    "schedule.changes": {SCHEDULE_READ},
    "schedule.version": {SCHEDULE_READ},
    "schedule.compare": {SCHEDULE_READ},
    "schedule.publish": {SCHEDULE_WRITE},
    "schedule.notify": {SCHEDULE_WRITE},
    # The front desk's programme: names, times and pieces (tests/test_schedule_print.py).
    "schedule.printable": {SCHEDULE_READ},
    # Draws and sections: the page and its actions are the organizers' (tests/test_schedule_draws.py).
    "schedule.draws": {SCHEDULE_WRITE},
    "schedule.make_draw": {SCHEDULE_WRITE},
    "schedule.split": {SCHEDULE_WRITE},
    "schedule.join": {SCHEDULE_WRITE},
    # The schedule file's page: checking and importing a schedule are the organizers' (tests/test_schedule_import_page.py).
    "schedule.import_file": {SCHEDULE_WRITE},
    # Consents, and a person's data as a whole: every kind of data it holds (tests/test_consent.py, tests/test_privacy.py).
    "consent.index": {CONSENT_READ},
    "consent.person_data": {PEOPLE_READ, ENTRIES_READ, FEES_READ, CONSENT_READ},
}
# Pages that change something: staff (who read) must be refused every one of them.
WRITES = {
    "festival.new", "festival.edit", "festival.make_current", "festival.status_from_dates", "syllabus.roll_over", "entries.update",
    "entries.accept",
    "schedule.board_move", "schedule.board_pin", "schedule.board_draw", "schedule.publish", "schedule.notify",
    "schedule.draws", "schedule.make_draw", "schedule.split", "schedule.join", "schedule.import_file",
} | {endpoint for endpoint in NEEDS if endpoint.startswith("schedule.solve")}
# Entrants' own pages (any signed-in account, its own records only), like the enter blueprint's: tested with their
# feature (tests/test_consent.py), not in this table of organizers' and staff's pages.
ENTRANT_PAGES = {"consent.mine"}
# Pages that only read, but personal data beyond what the front desk needs (consents, a person's whole record): staff are
# refused them too.
PERSONAL = {"consent.index", "consent.person_data"}


@pytest.fixture
def ids(app) -> dict[str, int]:
    """A current festival with a class, a person and an entry, and a venue."""
    festival = make_festival("spring-2027", is_current=True)
    festival_class = make_class(festival, "101")
    person = make_person("Ann", "Lee")
    entry = make_entry(festival_class, [person])
    venue = Venue(festival_id=festival.id, name="Main hall")
    db.session.add_all([venue, ScheduleVersion(festival_id=festival.id, number=1, performances=[])])
    db.session.commit()
    return {"class_id": festival_class.id, "person_id": person.id, "entry_id": entry.id, "venue_id": venue.id, "fmt": "csv", "number": 1}


def festival_rules(app: Flask) -> list:
    """Return every URL rule of the festival features' blueprints (static files aside)."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in BLUEPRINTS and not rule.endpoint.endswith(".static") and rule.endpoint not in ENTRANT_PAGES
    ]


def url_of(rule, ids: dict[str, int]) -> str:
    """Build the rule's URL for the festival of the fixture, with its records' ids."""
    url = rule.rule.replace("<festival_slug>", "spring-2027")
    for name, value in ids.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    assert "<" not in url, f"no test value for {rule.rule}"
    return url


def test_every_page_is_in_the_table(app):
    """A page nobody classified fails here: write down what it needs."""
    assert {rule.endpoint for rule in festival_rules(app)} == set(NEEDS)
    assert set(NEEDS) >= WRITES | PERSONAL


def test_staff_read_and_do_not_write(app):
    """The grants give staff every read page and no write page (nor a page of personal data beyond names)."""
    held = role_permissions("staff")
    for endpoint, needed in NEEDS.items():
        assert (needed <= held) is (endpoint not in WRITES | PERSONAL), endpoint


@pytest.mark.parametrize("role", ROLES)
def test_every_page_admits_exactly_the_roles_allowed(app, users, ids, anon_client, client_for, role):
    """Visitors go to sign in (and come back); users without a needed permission get 403; holders are let in."""
    client = anon_client if role == "anonymous" else client_for(role)
    held = set() if role == "anonymous" else set(role_permissions(role))
    wrong = []
    for rule in festival_rules(app):
        url = url_of(rule, ids)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.get(url) if method == "GET" else post_form(client, url, {}, token_from="/")
            location = response.headers.get("Location", "")
            if role == "anonymous":
                if not (response.status_code == 302 and urlsplit(location).path == "/login"
                        and parse_qs(urlsplit(location).query).get("next") == [url]):
                    wrong.append((method, url, response.status_code, location))
            elif not NEEDS[rule.endpoint] <= held:
                if response.status_code != 403:
                    wrong.append((method, url, response.status_code))
            elif response.status_code in (401, 403, 404, 500) or urlsplit(location).path == "/login":
                wrong.append((method, url, "refused", response.status_code))
            elif method == "GET" and response.status_code != 200 and rule.endpoint != "festival.current":
                wrong.append((method, url, response.status_code))
    assert wrong == []


def test_end_users_are_refused_everywhere(app, users, ids, end_user_client):
    """An end user signed in gets 403 on every festival page (nothing of a festival is theirs to see)."""
    for rule in festival_rules(app):
        assert end_user_client.get(url_of(rule, ids)).status_code in (403, 405), rule.rule


def test_crafted_posts_without_permission_change_nothing(app, users, ids, staff_client):
    """Staff posting every write form with a valid CSRF token get 403, and no festival, change or event appears."""
    form = {"name": "Hijack", "year": "2027", "start_date": "2027-01-01", "end_date": "2027-01-02", "age_cutoff": "2026-12-31",
            "status": "archived", "slug": "hijack"}
    targets = {
        "/festivals/new": form,
        "/festivals/spring-2027/edit": form,
        "/festivals/spring-2027/make-current": {},
        "/festivals/spring-2027/status-from-dates": {},
        "/festivals/spring-2027/roll-over": form,
        f"/festivals/spring-2027/entries/{ids['entry_id']}/update": {"status": "withdrawn", "amount_paid": "99"},
    }
    for url, data in targets.items():
        assert post_form(staff_client, url, data, token_from="/festivals/").status_code == 403, url
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Festival.id))) == 1
    festival = db.session.scalar(select(Festival))
    assert (festival.name, festival.status) == ("Spring Festival 2027", "entries-open")
    assert db.session.get(Entry, ids["entry_id"]).status == "submitted"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("festival-%"))) == 0


def test_posts_without_csrf_are_refused(app, users, ids, organizer_client):
    """Every write form needs its CSRF token, even for an organizer."""
    for url in ("/festivals/new", "/festivals/spring-2027/edit", "/festivals/spring-2027/make-current",
                "/festivals/spring-2027/status-from-dates", "/festivals/spring-2027/roll-over",
                f"/festivals/spring-2027/entries/{ids['entry_id']}/update"):
        assert organizer_client.post(url, data={"name": "X", "status": "withdrawn"}).status_code == 400, url


def test_another_festivals_records_are_not_found(app, users, ids, organizer_client):
    """A class or entry id of another festival under this festival's address is a 404, for reading and for changing."""
    other = make_festival("autumn-2027", name="Autumn")
    foreign_class = make_class(other, "1")
    foreign_entry = make_entry(foreign_class, [make_person("Dee", "Far")])
    db.session.commit()
    class_id, entry_id = foreign_class.id, foreign_entry.id
    assert organizer_client.get(f"/festivals/spring-2027/classes/{class_id}").status_code == 404
    assert organizer_client.get(f"/festivals/spring-2027/entries/{entry_id}").status_code == 404
    url = f"/festivals/spring-2027/entries/{entry_id}/update"
    assert post_form(organizer_client, url, {"status": "withdrawn", "amount_paid": "0"}, token_from="/festivals/").status_code == 404
    db.session.expire_all()
    assert db.session.get(Entry, entry_id).status == "submitted"
