"""Publishing in a real browser: an organizer publishes with the keyboard, reads the changelog; the pages pass axe in English and French."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import sign_in_with_code
from tests.conftest import create_user
from tests.test_schedule_publishing import BASE, at, fest, place  # noqa: F401  (the fixture is used by name)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_organizer_publishes_with_the_keyboard_and_reads_the_move(page, live_server, app, fest, lang):  # noqa: F811
    """Note typed, Enter publishes version 1; after a move the changelog shows from and to; every page passes axe."""
    create_user("boss@example.org", ("organizer",))
    page.goto("/")
    if lang == "fr":
        page.click("#language-form button[value=fr]")
        page.wait_for_load_state()
    sign_in_with_code(page, "boss@example.org")
    page.goto(f"{BASE}/")
    assert page.locator("#publish-state").get_attribute("data-status") == "draft"
    page.locator("#open-versions").click()
    page.wait_for_load_state()
    note = page.locator("#publish-note")
    note.focus()
    page.keyboard.type("First timetable")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"{BASE}/versions/1")
    assert page.locator("#changes tbody tr").count() == 3
    assert page.locator("#notify-submit").is_visible()

    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["afternoon"], at(14))})
    page.goto(f"{BASE}/versions")
    assert page.locator("#schedule-status").get_attribute("data-version") == "1"
    assert page.locator("#versions tr[data-version='1']").count() == 1
    page.locator("#pending-changes").click()
    page.wait_for_load_state()
    row = page.locator(f"#changes tr[data-entry='{fest['cal_entry']}']")
    assert row.get_attribute("data-kind") == "moved"
    assert "10:00" in row.inner_text() and "14:00" in row.inner_text()
    page.goto("/")  # the last page is checked before leaving it
