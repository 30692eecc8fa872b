"""The festival dashboard: entries by discipline and status, fees, time against the days, open issues; CSP-safe charts."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from mfo.database import db
from mfo.features import FEATURES
from mfo.festival.models import Festival
from mfo.issues.festival import festival_issues
from mfo.reports.dashboard import dashboard, share
from tests.admin_helpers import page
from tests.reports_helpers import BASE, build_season


@pytest.fixture
def season(app):
    """The small season of tests.reports_helpers."""
    return build_season()


def number(html: str, key: str) -> str:
    """Return the text of a dashboard number."""
    return re.search(rf'data-number="{key}">([^<]*)<', html).group(1).strip()


def bar_value(html: str, key: str) -> str:
    """Return the value shown beside a chart's bar."""
    row = html.split(f'data-bar="{key}"', 1)[1]
    return re.search(r'class="chart-value">([^<]*)<', row).group(1)


def test_the_dashboard_shows_the_season_in_numbers(season, staff_client):
    """Active entries and classes, fees expected and paid, what withdrawn entries paid, and the performance time."""
    html = page(staff_client.get(f"{BASE}/dashboard"))
    assert number(html, "entries") == "4" and "in 4 classes" in html
    assert number(html, "fees-expected") == "$60.00" and number(html, "fees-paid") == "$35.00"
    assert "$25.00 still owed" in html
    assert "$10.00 paid on withdrawn or scratched entries" in html
    assert number(html, "time") == "0 h 20 min"  # 1,210 seconds, as the classes report adds them up
    assert "of the 72 h 00 min available (9 days of 8 hours)" in html


def test_entries_by_discipline_and_by_status(season, staff_client):
    """Piano has three active entries and Strings one; every status is listed, the withdrawn entry too."""
    html = page(staff_client.get(f"{BASE}/dashboard"))
    assert bar_value(html, "Piano") == "3" and bar_value(html, "Strings") == "1"
    assert [bar_value(html, status) for status in ("submitted", "accepted", "withdrawn", "scratched")] == ["3", "1", "1", "0"]
    # Piano is the longest bar; Strings a third of it.
    piano = html.split('data-bar="Piano"', 1)[1]
    assert re.search(r'class="chart-fill "[^>]*width="100.0%"', piano)
    strings = html.split('data-bar="Strings"', 1)[1]
    assert re.search(r'class="chart-fill "[^>]*width="33.3%"', strings)


def test_open_issues_are_counted_by_severity_from_the_validator(season, staff_client):
    """The dashboard's counts are the validator's: here Ann's pieces run over class 1203A's limit."""
    festival = db.session.get(Festival, season.festival_id)
    issues = festival_issues(festival)
    assert "over-time-limit" in {issue.code for issue in issues}
    warnings = sum(1 for issue in issues if issue.severity == "warning")
    errors = sum(1 for issue in issues if issue.severity == "error")
    fragment = page(staff_client.get(f"{BASE}/dashboard/issues"))
    in_page = page(staff_client.get(f"{BASE}/dashboard?issues=1"))
    for html in (fragment, in_page):
        assert re.search(rf'data-issues="warning">{warnings} warnings?<', html)
        assert re.search(rf'data-issues="error">{errors} errors?<', html)
        assert 'data-issue-code="over-time-limit"' in html
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="issue-counts">')
    assert f'href="{BASE}/issues/" id="issues-link"' in in_page


def test_the_dashboard_shows_its_issue_counts_at_once(season, staff_client):
    """The counts are in the page itself (kept per festival until something changes): no link or script to count them."""
    html = page(staff_client.get(f"{BASE}/dashboard"))
    assert 'data-issues="warning"' in html and 'data-issue-code="over-time-limit"' in html
    assert 'id="count-issues"' not in html and "data-fragment" not in html


@pytest.mark.features(*(name for name in FEATURES if name != "mfo.issues"))
def test_without_the_issues_feature_the_counts_link_nowhere(app, users, client_for):
    """With the issues feature left out, the dashboard still counts the problems but links to no Issues page."""
    build_season()
    html = page(client_for("staff").get(f"{BASE}/dashboard?issues=1"))
    assert 'data-issues="warning"' in html
    assert 'id="issues-link"' not in html


@pytest.mark.settings(MFO_FESTIVAL_HOURS_PER_DAY=0.005)
def test_more_performance_time_than_the_days_give_is_flagged(season, staff_client):
    """9 days of 18 seconds cannot hold 20 minutes of performances: the bar is full and red, with a warning."""
    html = page(staff_client.get(f"{BASE}/dashboard"))
    assert 'id="over-time"' in html and "747%" in html
    assert re.search(r'class="chart-fill over"[^>]*width="100.0%"', html)


def test_the_setting_changes_the_time_available(app):
    """MFO_FESTIVAL_HOURS_PER_DAY times the festival's days is the time available."""
    festival = db.session.get(Festival, build_season().festival_id)
    app.config["MFO_FESTIVAL_HOURS_PER_DAY"] = 24
    board = dashboard(festival, with_issues=False)
    assert board.available_seconds == 9 * 24 * 3600 and board.performance_seconds == 1210
    assert board.fees_expected == Decimal("60.00") and board.outstanding == Decimal("25.00")


def test_an_empty_festival_has_a_dashboard(app, users, staff_client):
    """No classes, no entries: zeros and empty charts, no error."""
    from tests.festival_helpers import make_festival

    make_festival()
    db.session.commit()
    html = page(staff_client.get(f"{BASE}/dashboard?issues=1"))
    assert number(html, "entries") == "0" and "No entries yet." in html and "No open issues." in html


def test_shares_are_bounded():
    """A bar's share is 0 to 100, and 0 when there is nothing to compare with."""
    assert share(1, 3) == 33.3 and share(5, 0) == 0.0 and share(7, 5) == 100.0 and share(-1, 5) == 0.0


class Elements(HTMLParser):
    """Collect every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("path", ["dashboard", "dashboard?issues=1", "reports/", "reports/entries", "reports/classes"])
def test_pages_work_under_the_content_security_policy(season, organizer_client, path):
    """No style attribute, no <style> block, and every script is a file carrying this response's nonce."""
    response = organizer_client.get(f"{BASE}/{path}")
    html = page(response)
    nonce = response.headers["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    parser = Elements()
    parser.feed(html)
    assert not [tag for tag, attrs in parser.tags if "style" in attrs]
    assert not [tag for tag, _attrs in parser.tags if tag == "style"]
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts and all(attrs.get("nonce") == nonce and attrs.get("src") for attrs in scripts)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers either
    assert "style=" not in html


def test_dashboard_charts_are_svg_with_presentation_attributes(season, staff_client):
    """The bars are SVG rectangles sized by a width attribute and coloured by classes from the feature's CSS."""
    html = page(staff_client.get(f"{BASE}/dashboard"))
    assert html.count('<svg class="chart-bar"') >= 7  # paid, time, two disciplines, four statuses
    with staff_client.get("/reports/static/reports.css") as response:
        css = response.get_data(as_text=True)
    assert ".chart-fill" in css and ".chart-track" in css
