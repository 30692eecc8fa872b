"""The reports in a browser, under the real Content-Security-Policy: the dashboard shows its issue counts, Print shows."""

from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.browser.test_journeys import sign_in
from tests.conftest import create_user
from tests.reports_helpers import BASE, build_season


def test_the_dashboard_and_a_report_work_under_the_csp(page, live_server, app):
    """The script (with its nonce) shows Print; the open issues are counted in the page; nothing is blocked (no console error)."""
    build_season()
    create_user("desk@example.org", ("staff",))
    sign_in(page, "desk@example.org")
    page.wait_for_selector("#nav-user")
    page.goto(f"{BASE}/dashboard")
    page.wait_for_selector("#issue-counts [data-issues='warning']")
    assert "warning" in page.inner_text("#issue-counts")
    assert page.is_visible("[data-print]")
    screenshot(page, "reports-dashboard")
    page.goto(f"{BASE}/reports/classes?sort=time&order=desc")
    assert page.inner_text("#report-table tbody tr:first-child td[data-column='code']") == "1203A"
    assert page.is_visible("[data-print]")
    page.emulate_media(media="print")
    assert not page.is_visible(".report-filters") and not page.is_visible(".navbar") and not page.is_visible("#festival-tabs")
    assert page.is_visible("#report-table")
    screenshot(page, "reports-classes-print")
