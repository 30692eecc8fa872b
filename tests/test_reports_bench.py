"""bench.festival: the festival it builds with bulk inserts is a real one the reports read (no timings here)."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.festival import SLUG, build_festival
from mfo.database import db
from mfo.entries.models import Entry
from tests.admin_helpers import page


def test_the_bench_festival_is_read_by_every_report(app, users, client_for):
    """300 entries in bulk: the classes report counts them all, and every report page answers."""
    counts = build_festival(300, seed=3)
    assert counts["entries"] == 300 == db.session.scalar(select(func.count(Entry.id)))
    client = client_for("organizer")
    html = page(client.get(f"/festivals/{SLUG}/reports/classes"))
    active = db.session.scalar(select(func.count(Entry.id)).where(Entry.status.in_(("submitted", "accepted"))))
    assert f'data-total="entries">{active}<' in html
    for name in ("entries", "repertoire", "teachers", "accompanists", "performers", "groups", "schools"):
        assert client.get(f"/festivals/{SLUG}/reports/{name}").status_code == 200, name
    assert client.get(f"/festivals/{SLUG}/dashboard?issues=1").status_code == 200



def test_the_bench_festivals_schedule_has_conflicts_the_issues_page_shows(app, users, client_for):
    """The benchmark's schedule places every class in a session: the Issues page lists its conflicts beside the entries'."""
    from bench.festival import schedule_festival
    from mfo.schedule.models import Placement
    from mfo.syllabus.models import FestivalClass

    build_festival(300, seed=3)
    made = schedule_festival()
    assert made["placements"] == db.session.scalar(select(func.count(Placement.id))) == db.session.scalar(
        select(func.count(FestivalClass.id))
    )
    html = page(client_for("organizer").get(f"/festivals/{SLUG}/issues/"))
    assert 'data-count="person-overlap"' in html or 'data-count="teacher-overlap"' in html
    assert 'id="filter-session"' in html and 'id="filter-venue"' in html
