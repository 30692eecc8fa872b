"""Who may open the dashboard, the reports and their exports: one table over every URL of the feature and every role."""

from __future__ import annotations

import re

import pytest

from mfo.entries.permissions import ENTRIES_READ
from mfo.festival.permissions import FESTIVAL_READ
from mfo.people.permissions import PEOPLE_READ
from mfo.permissions import role_permissions
from mfo.reports.catalogue import REPORTS
from mfo.syllabus.permissions import SYLLABUS_READ
from tests.admin_helpers import sign_in, user_with_permissions
from tests.reports_helpers import SLUG, build_season

BUILT_IN = ("admin", "organizer", "staff", "end-user")
# Readers holding part of what the reports need, to show each permission is checked on its own.
PARTIAL = {
    "festival-only": {FESTIVAL_READ},
    "syllabus-reader": {FESTIVAL_READ, SYLLABUS_READ},
    "entries-reader": {FESTIVAL_READ, ENTRIES_READ},
    "no-festival-read": {ENTRIES_READ, SYLLABUS_READ, PEOPLE_READ},
}


def needed(endpoint: str) -> set[str]:
    """Return what an endpoint of the feature needs: festival-read, and a report's own read permission."""
    name = endpoint.removeprefix("reports.").removesuffix("_export")
    report = REPORTS.get(name)
    return {FESTIVAL_READ, *(report.permissions if report else ())}


def feature_urls(app) -> list[tuple[str, str]]:
    """Return (endpoint, URL) of every rule of the reports blueprint, for the season's festival."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("reports."):
            url = rule.rule.replace("<festival_slug>", SLUG)
            urls.append((rule.endpoint, re.sub(r"<any\([^)]*\):fmt>", "csv", url)))
    return sorted(urls)


def test_every_report_has_a_page_and_an_export(app):
    """The table below walks 3 + 2 x 8 URLs: dashboard, its issue counts, index, and each report's page and export."""
    endpoints = {endpoint for endpoint, _url in feature_urls(app)}
    expected = (
        {"reports.dashboard", "reports.dashboard_issues", "reports.index"}
        | {f"reports.{n}" for n in REPORTS}
        | {f"reports.{n}_export" for n in REPORTS}
    )
    assert endpoints == expected


@pytest.mark.parametrize("role", ("anonymous", *BUILT_IN, *PARTIAL))
def test_access_table_over_every_url_and_role(app, users, anon_client, client_for, role):
    """Each URL admits exactly the readers holding festival-read and the report's read permission."""
    build_season()
    if role == "anonymous":
        client, held = anon_client, set()
    elif role in PARTIAL:
        client = sign_in(app, user_with_permissions(f"{role}@example.org", role, PARTIAL[role]))
        held = PARTIAL[role]
    else:
        client, held = client_for(role), set(role_permissions(role))
    for endpoint, url in feature_urls(app):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.location, (endpoint, response.status_code)
        elif needed(endpoint) <= held:
            assert response.status_code == 200, (role, endpoint, response.status_code)
        else:
            assert response.status_code == 403, (role, endpoint, response.status_code)


def test_staff_read_every_report_and_organizers_too(app):
    """The built-in grants: staff and organizers hold what every report needs (a guard on the table above)."""
    for role in ("staff", "organizer"):
        assert {FESTIVAL_READ, ENTRIES_READ, SYLLABUS_READ} <= role_permissions(role)
    assert PEOPLE_READ not in role_permissions("staff") and PEOPLE_READ in role_permissions("organizer")


def test_an_unknown_festival_is_a_404_only_for_those_who_may_look(app, users, client_for):
    """A reader may learn that a slug does not exist; someone without the permissions may not probe slugs."""
    build_season()
    assert client_for("staff").get("/festivals/nope/reports/entries").status_code == 404
    assert client_for("staff").get("/festivals/nope/reports/entries.xlsx").status_code == 404
    assert client_for("end-user").get("/festivals/nope/reports/entries").status_code == 403
    assert client_for("end-user").get(f"/festivals/{SLUG}/dashboard").status_code == 403


def test_a_refused_export_records_nothing(app, users, client_for):
    """Refused before anything is read: no export event, no file."""
    from sqlalchemy import func, select

    from mfo.audit.models import AuditEvent
    from mfo.database import db

    build_season()
    response = client_for("end-user").get(f"/festivals/{SLUG}/reports/performers.csv")
    assert response.status_code == 403 and response.mimetype != "text/csv"
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "report-exported")) == 0
