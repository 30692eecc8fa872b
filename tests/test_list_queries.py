"""Every festival list and report page runs as many SQL statements for a small festival as for a much larger one.

A page that read its rows' classes, people, schools, groups or pieces one row at a time would run
more statements as the festival grows: each page is counted on the small season of the reports'
tests, then again once the festival holds eight times the entries, each with its own performers,
teacher, accompanist, school and group, more classes, festivals and imports.
"""

from __future__ import annotations

import pytest
from flask_security.utils import naive_utcnow
from sqlalchemy import select, update

from mfo.database import db
from mfo.entries.models import Entry
from mfo.imports.models import ImportBatch
from mfo.people.models import Person
from tests.festival_helpers import make_festival
from tests.reports_helpers import BASE, REPORT_NAMES, add_entries, build_season
from tests.test_database import recorded_queries

ADDED = 40  # entries added to the season's five


def add_imports(festival_id: int, count: int, user_id: int | None) -> None:
    """Add `count` applied entry imports to the festival's history."""
    now = naive_utcnow()
    for number in range(count):
        db.session.add(
            ImportBatch(
                festival_id=festival_id,
                kind="entries",
                filename=f"entries-{number}.csv",
                sha256=f"{number:064x}",
                size=1000,
                user_id=user_id if number % 2 else None,
                status="applied" if number % 3 else "undone",
                mapping={},
                excluded_rows=[],
                rows=10,
                counts={"created": {"entry": 10}, "matched": {}, "changed": {}, "errors": 0, "warnings": 0},
                progress=10,
                applied_at=now,
            )
        )
    db.session.commit()


def grow(season, users) -> dict[str, int]:
    """Make the festival much larger; return the ids of the class and the person whose pages list the added entries."""
    from mfo.database.models import User

    baroque, pianist = season.classes["1203A"], db.session.scalar(select(Person.id).where(Person.first_name == "Alice"))
    add_entries(season.festival_id, ADDED // 2, start=0)
    add_entries(season.festival_id, ADDED // 2, start=100)
    # Half of them in a class the season had, all of them with the season's accompanist: both pages list more.
    added = select(Entry.id).where(Entry.festival_id == season.festival_id, Entry.id.notin_(season.entries.values()))
    first_half = added.order_by(Entry.id).limit(ADDED // 2).scalar_subquery()
    db.session.execute(update(Entry).where(Entry.id.in_(added)).values(accompanist_id=pianist))
    db.session.execute(update(Entry).where(Entry.id.in_(first_half)).values(class_id=baroque))
    for number in range(6):
        make_festival(f"other-{number}")
    organizer = db.session.scalar(select(User.id).where(User.email == users["organizer"]))
    add_imports(season.festival_id, 12, organizer)
    db.session.commit()
    return {"class": baroque, "person": pianist}


def urls(ids: dict[str, int]) -> list[str]:
    """Return every list and report page of the festival (and the list of festivals)."""
    reports = [f"{BASE}/reports/{name}{suffix}" for name in REPORT_NAMES for suffix in ("", ".csv", ".xlsx")]
    return [
        "/festivals/",
        f"{BASE}/",
        f"{BASE}/dashboard",
        f"{BASE}/dashboard/issues",
        f"{BASE}/reports/",
        *reports,
        f"{BASE}/classes/",
        f"{BASE}/classes/{ids['class']}",
        f"{BASE}/entries/",
        f"{BASE}/entries/?page=2",
        f"{BASE}/people/",
        f"{BASE}/people/{ids['person']}",
        f"{BASE}/people/schools",
        f"{BASE}/people/groups",
        f"{BASE}/issues/",
        f"{BASE}/imports/",
    ]


def statements(client, pages: list[str]) -> dict[str, int]:
    """Return how many SQL statements each page runs (after a warm-up request); every page must answer 200."""
    found = {}
    for url in pages:
        client.get(url)
        with recorded_queries() as recorded:
            response = client.get(url)
        assert response.status_code == 200, url
        found[url] = len(recorded)
    return found


@pytest.fixture
def season(app):
    """The small season of tests.reports_helpers, with one import in its history."""
    built = build_season()
    add_imports(built.festival_id, 1, None)
    return built


def test_every_list_and_report_page_runs_as_many_queries_for_a_festival_eight_times_larger(season, users, client_for):
    """Five entries, then 45 with 80 more people, 40 schools and groups, 6 more festivals and 12 imports: the same counts."""
    client = client_for("organizer")
    pianist = db.session.scalar(select(Person.id).where(Person.first_name == "Alice"))
    pages = urls({"class": season.classes["1203A"], "person": pianist})
    small = statements(client, pages)
    assert grow(season, users) == {"class": season.classes["1203A"], "person": pianist}
    large = statements(client, pages)
    assert {url: (small[url], large[url]) for url in pages if small[url] != large[url]} == {}
    # And a handful each: sign-in, the festival, the filters' choices, the rows, their list cells, an export's audit event.
    assert max(small.values()) <= 16, small


def test_the_larger_festival_is_really_listed(season, users, client_for):
    """The pages counted above show the added rows: the entries' second page, the accompanist's entries, the class's entries."""
    from tests.admin_helpers import page

    ids = grow(season, users)
    client = client_for("organizer")
    assert "Extra119" in page(client.get(f"{BASE}/people/{ids['person']}"))
    listed = page(client.get(f"{BASE}/classes/{ids['class']}"))
    assert all(f"Extra{number} Performer" in listed for number in range(ADDED // 2))
    assert "Extra school 119" in page(client.get(f"{BASE}/people/schools"))
    assert "entries-11.csv" in page(client.get(f"{BASE}/imports/"))
    assert "/festivals/other-5/" in page(client.get("/festivals/"))
