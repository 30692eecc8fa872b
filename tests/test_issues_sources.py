"""Issue sources: the schedule's conflicts on the Issues page and the dashboard, for schedule readers only, filtered by
code, class, session, venue and person, personal values hidden; and the kept results, found again at once after a change."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mfo.database import db
from mfo.entries.models import Entry
from mfo.entries.permissions import ENTRIES_READ
from mfo.feature import Feature
from mfo.features import FeatureError
from mfo.festival.models import Festival
from mfo.festival.permissions import FESTIVAL_READ
from mfo.issues import ENTRY_RULES
from mfo.issues.cache import festival_findings
from mfo.issues.codes import CODES as ENTRY_CODES
from mfo.issues.models import TableRevision
from mfo.issues.sources import EXTENSION_KEY as SOURCES_KEY
from mfo.issues.sources import IssueSource, collect
from mfo.people.models import Person
from mfo.schedule.codes import CODES as SCHEDULE_CODES
from mfo.schedule.models import Placement, Unavailability
from mfo.syllabus.models import FestivalClass
from mfo.venues.models import Venue
from tests.admin_helpers import page, sign_in, user_with_permissions
from tests.conftest import make_app
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece
from tests.test_schedule_services import at, make_clean, small  # noqa: F401  (the fixture is used by name)

ISSUES = "/festivals/spring-2027/issues/"
DASHBOARD = "/festivals/spring-2027/dashboard"
LISTED = re.compile(r'<li class="list-group-item" data-code="([^"]+)"')


def listed(client, query: str = "") -> list[str]:
    """Return the codes of the issues the page lists, in order."""
    return LISTED.findall(page(client.get(ISSUES + query)))


def person_id(first_name: str) -> int:
    """Return the id of the fixture's person of that first name."""
    return db.session.scalar(select(Person.id).where(Person.first_name == first_name))


def add_entry_problem(ids: dict[str, int]) -> None:
    """Give the festival a problem of the validator's own: Ben's piece in class 101 runs over a 1:00 limit."""
    db.session.get(FestivalClass, ids["first"]).time_limit = 60
    db.session.commit()


def test_the_schedule_conflicts_are_listed_beside_the_entries_problems(app, small, users, organizer_client):  # noqa: F811
    """A scheduled festival with a clash: its conflicts are on the page with their codes, counts, titles and sessions linked."""
    add_entry_problem(small)
    html = page(organizer_client.get(ISSUES))
    codes = LISTED.findall(html)
    assert {"person-overlap", "session-overrun", "over-time-limit"} <= set(codes)
    errors = html.split('id="errors"')[1].split("</ul>")[0]
    assert 'data-code="person-overlap" data-severity="error"' in errors
    assert 'data-count="person-overlap"' in html and str(SCHEDULE_CODES["person-overlap"].title) in html
    assert "Ana Pupil" in errors and "Piano morning" in errors
    assert f'data-record="session-{small["session"]}"' in errors and "/festivals/spring-2027/schedule/board?day=2027-04-10" in errors


def test_the_filters_keep_the_conflicts_of_a_code_class_session_venue_or_person(app, small, users, organizer_client):  # noqa: F811
    """Each filter keeps only the issues that concern what it names; the schedule's conflicts and the entries' problems alike."""
    add_entry_problem(small)
    assert set(listed(organizer_client, "?code=person-overlap")) == {"person-overlap"}
    by_session = set(listed(organizer_client, f"?session={small['session']}"))
    assert {"person-overlap", "session-overrun"} <= by_session and "over-time-limit" not in by_session
    hall = db.session.scalar(select(Venue.id).where(Venue.name == "Main hall"))
    assert {"person-overlap", "session-overrun"} <= set(listed(organizer_client, f"?venue={hall}"))
    assert listed(organizer_client, f"?venue={hall + 100}") == []
    # Ana is in both classes at once; the two classes' overlap in the session concerns nobody in particular.
    by_ana = set(listed(organizer_client, f"?person={person_id('Ana')}"))
    assert "person-overlap" in by_ana and "session-overrun" not in by_ana
    assert set(listed(organizer_client, "?person=ANA+pup")) == by_ana  # by name: part of it, whatever the case
    # Ben plays only in class 101: his piece's problem, not Ana's clash.
    assert set(listed(organizer_client, f"?person={person_id('Ben')}")) == {"over-time-limit"}
    assert "session-overrun" in listed(organizer_client, "?class=102")
    html = page(organizer_client.get(ISSUES))
    assert 'id="filter-session"' in html and 'id="filter-venue"' in html and 'id="filter-person"' in html
    assert "Piano morning, 2027-04-10 09:00" in html and ">Main hall<" in html


def test_only_schedule_readers_see_the_schedule_conflicts(app, small, users):  # noqa: F811
    """A reader of entries without schedule-read sees the entries' problems, on the page and the dashboard, not the conflicts."""
    add_entry_problem(small)
    email = user_with_permissions("entries-only@example.org", "entries-only", {FESTIVAL_READ, ENTRIES_READ})
    client = sign_in(app, email)
    html = page(client.get(ISSUES))
    codes = set(LISTED.findall(html))
    assert codes == {"over-time-limit"}
    assert not set(SCHEDULE_CODES) & set(re.findall(r'data-count="([^"]+)"', html))
    dashboard = page(client.get(DASHBOARD))
    assert 'data-issue-code="over-time-limit"' in dashboard and 'data-issue-code="person-overlap"' not in dashboard
    assert 'data-issues="error">0 errors<' in dashboard
    assert "person-overlap" not in listed(client, "?code=person-overlap")


def test_the_dashboard_counts_the_schedule_conflicts_for_schedule_readers(app, small, users, staff_client):  # noqa: F811
    """Staff hold schedule-read: the dashboard counts the conflicts among the errors."""
    html = page(staff_client.get(DASHBOARD))
    assert 'data-issue-code="person-overlap"' in html and 'data-issue-code="session-overrun"' in html
    errors = int(re.search(r'data-issues="error">(\d+) errors?<', html).group(1))
    assert errors >= 2


def test_staff_see_that_someone_asked_not_to_be_scheduled_but_not_when(app, small, users, staff_client, organizer_client):  # noqa: F811
    """The times a person asked to be kept free are theirs: hidden without people-read, shown to organizers."""
    db.session.add(Unavailability(festival_id=small["festival"], person_id=person_id("Ana"), start=at(8, 30), end=at(9, 45)))
    db.session.commit()
    for client, shown in ((organizer_client, True), (staff_client, False)):
        html = page(client.get(ISSUES + "?code=request-unavailable"))
        assert set(LISTED.findall(html)) == {"request-unavailable"}  # one for each of Ana's classes
        assert "Ana Pupil" in html
        assert ("08:30" in html and "09:45" in html) is shown
        assert ("(hidden)" in html) is not shown


def test_a_result_is_kept_until_something_it_read_changes(app, small, users, organizer_client, monkeypatch):  # noqa: F811
    """The second request finds nothing changed and does not run the rules again; a change of a table they read does."""
    calls = []
    sources = app.extensions[SOURCES_KEY]
    for name, source in list(sources.items()):
        counted = lambda festival, find=source.find, name=name: calls.append(name) or find(festival)  # noqa: E731
        monkeypatch.setitem(sources, name, replace(source, find=counted))
    organizer_client.get(ISSUES)
    organizer_client.get(DASHBOARD)
    organizer_client.get(ISSUES + "?code=person-overlap")
    assert sorted(calls) == ["entries", "schedule"]
    # Signing in again writes to tables neither source reads: still kept.
    sign_in(app, users["organizer"])
    organizer_client.get(ISSUES)
    assert sorted(calls) == ["entries", "schedule"]
    make_clean(small)
    organizer_client.get(ISSUES)
    assert sorted(calls) == ["entries", "schedule", "schedule"]


def test_each_change_shows_at_once(app, small, users, organizer_client):  # noqa: F811
    """An entry, a person, a class, a placement changed: the page shows the change on the next request."""
    assert "over-time-limit" not in listed(organizer_client)
    # A class: a time limit the pieces run over.
    add_entry_problem(small)
    assert listed(organizer_client).count("over-time-limit") == 2
    # An entry: Ben withdraws.
    ben = db.session.scalar(select(Entry).join(Entry.performers).where(Entry.class_id == small["first"]).order_by(Entry.id.desc()))
    ben.status = "withdrawn"
    db.session.commit()
    assert listed(organizer_client).count("over-time-limit") == 1
    # A person: a birth date that makes Ana too young for a class for ten and over.
    db.session.get(FestivalClass, small["second"]).min_age = 10
    db.session.commit()
    assert "age-too-young" not in listed(organizer_client)
    ana = db.session.get(Person, person_id("Ana"))
    ana.birth_date = date(2022, 1, 1)
    db.session.commit()
    assert "age-too-young" in listed(organizer_client)
    # A session placement: class 102 moved after class 101 (a statement on the table, not a record).
    assert "person-overlap" in listed(organizer_client)
    make_clean(small)
    assert "person-overlap" not in listed(organizer_client)
    # An entry's piece: a new entry with its piece makes a duplicate performer in a class.
    make_entry(db.session.get(FestivalClass, small["second"]), [db.session.get(Person, person_id("Ana"))], [(make_piece("Étude"), 100)])
    db.session.commit()
    assert "duplicate-entry" in listed(organizer_client)


def test_a_change_made_by_another_app_server_shows_at_once(app, small, users, organizer_client):  # noqa: F811
    """Two app servers on one database: what one keeps is found again when the other changes what it was read from."""
    assert "person-overlap" in listed(organizer_client)
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], shares_context=False)
    with other.app_context():
        db.session.execute(Placement.__table__.update().where(Placement.class_id == small["second"]).values(start=at(10, 30)))
        db.session.commit()
        db.session.remove()
    assert "person-overlap" not in listed(organizer_client)


def test_a_change_rolled_back_is_never_kept(app, small, users, organizer_client):  # noqa: F811
    """Issues read inside a transaction that wrote are not kept: the transaction may roll back."""
    db.session.get(FestivalClass, small["first"]).time_limit = 60
    db.session.flush()

    class Reader:
        is_authenticated = True

        def has_permission(self, _permission) -> bool:
            return True

    found = festival_findings(db.session.get(Festival, small["festival"]), Reader())
    assert "over-time-limit" in {issue.code for issue in found}
    db.session.rollback()
    assert "over-time-limit" not in listed(organizer_client)


def test_a_commit_raises_the_revision_of_each_table_it_wrote(app, small):  # noqa: F811
    """One commit, one step for each table written (entries and their pieces), none for the tables only read."""
    before = {row.table_name: row.revision for row in db.session.scalars(select(TableRevision))}
    make_entry(db.session.get(FestivalClass, small["first"]), [make_person("Cy", "New")], [(make_piece("Air"), 60)])
    db.session.commit()
    after = {row.table_name: row.revision for row in db.session.scalars(select(TableRevision))}
    for table in ("entry", "entry_piece", "entry_performer", "person", "piece"):
        assert after[table] == before.get(table, 0) + 1, table
    assert after.get("venue") == before.get("venue")


def test_a_code_or_source_declared_twice_stops_the_app():
    """Two features declaring the same code, or the same source, is a start-up error naming both."""
    schedule_like = IssueSource("other", _l("Other"), {"unknown-class": ENTRY_CODES["unknown-class"]}, find=lambda festival: [])
    with pytest.raises(FeatureError, match="issue code 'unknown-class' is already declared by issues"):
        collect([Feature("issues", issue_sources=(ENTRY_RULES,)), Feature("other", issue_sources=(schedule_like,))])
    with pytest.raises(FeatureError, match="issue source 'entries' is already declared by issues"):
        collect([Feature("issues", issue_sources=(ENTRY_RULES,)), Feature("again", issue_sources=(ENTRY_RULES,))])
    with pytest.raises(FeatureError, match="is not an IssueSource"):
        collect([Feature("odd", issue_sources=("entries",))])



def test_an_entry_in_another_festivals_class_does_not_break_the_schedules_check(app, small, users, organizer_client):  # noqa: F811
    """The validator reports the entry (unknown-class); the schedule's checker leaves it out and still reports the clash."""
    other = make_festival("autumn-2027", name="Autumn")
    entry = make_entry(make_class(other, "999", "Elsewhere"), [make_person("Cy", "Day")])
    entry.festival_id = small["festival"]
    db.session.commit()
    codes = set(listed(organizer_client))
    assert {"unknown-class", "person-overlap"} <= codes
