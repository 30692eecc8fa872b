"""The printable timetable and the draws page in a real browser: paper without the navigation, a draw and a split by keyboard."""

from __future__ import annotations

import os

from tests.browser.conftest import screenshot
from tests.browser.test_journeys import sign_in_with_code
from tests.conftest import create_user
from tests.test_schedule_board import SATURDAY, board_festival

BASE = "/festivals/spring-2027/schedule"


def test_the_printed_day_leaves_out_the_navigation_and_breaks_pages(page, live_server, app):
    """On screen the chooser and the sessions; printed, no navigation or chooser, and each session after the first on a new page."""
    ids = board_festival()
    create_user("boss@example.org", ("organizer",))
    sign_in_with_code(page, "boss@example.org")
    page.goto(f"{BASE}/print?day={SATURDAY}")
    assert page.locator("#print-by-day").is_visible()
    sessions = page.locator("section.print-session")
    assert sessions.count() == 2
    assert "Baroque" in page.locator(f'section[data-session="{ids["hall"]}"]').inner_text()
    screenshot(page, "schedule-print")
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible() and not page.locator("#print-by-day").is_visible()
    assert not page.locator("#festival-tabs").is_visible()
    breaks = [sessions.nth(i).evaluate("e => getComputedStyle(e).breakBefore") for i in range(2)]
    assert breaks[0] != "page" and breaks[1] == "page"
    if os.environ.get("MFO_PRINT_PDF"):
        page.pdf(path=os.environ["MFO_PRINT_PDF"])
    page.emulate_media(media="screen")


def test_an_organizer_draws_and_splits_a_class_with_the_keyboard(page, live_server, app):
    """Choose "Alphabetical" and draw, then split a class in two, with the keyboard only; each says what it did."""
    ids = board_festival()
    create_user("boss@example.org", ("organizer",))
    sign_in_with_code(page, "boss@example.org")
    page.goto(f"{BASE}/draws")
    page.locator(f"#method-{ids['baroque']}").focus()
    page.locator(f"#method-{ids['baroque']}").select_option("alphabetical")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "1001" in page.locator(".alert").first.inner_text()
    assert page.locator(f"#class-{ids['baroque']}").get_attribute("data-method") == "alphabetical"
    screenshot(page, "schedule-draws")
