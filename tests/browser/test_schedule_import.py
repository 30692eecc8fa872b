"""The schedule file's page in a real browser: an organizer checks then imports an edited export; axe in English and French."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import sign_in_with_code
from tests.conftest import create_user
from tests.test_schedule import season  # noqa: F401  (the fixture is used by name)
from tests.test_schedule_import_page import moved_song
from tests.test_schedule_io import BASE, placed, write_csv  # noqa: F401  (the fixture is used by name)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_organizer_checks_then_imports_a_schedule_file(page, live_server, app, placed, tmp_path, lang):  # noqa: F811
    """From the schedule's page: choose the file, Check (nothing changes), Import (the song moves); every page passes axe."""
    path = write_csv(tmp_path / "schedule.csv", moved_song(app))
    create_user("boss@example.org", ("organizer",))
    page.goto("/")
    if lang == "fr":
        page.click("#language-form button[value=fr]")
        page.wait_for_load_state()
    sign_in_with_code(page, "boss@example.org")
    page.goto(f"{BASE}/")
    page.locator("#open-import").click()
    page.wait_for_load_state()
    page.locator("#file").set_input_files(path)
    with page.expect_navigation():
        page.locator("#check-file").click()
    assert page.locator("#import-result").get_attribute("data-applied") == "false"
    page.locator("#file").set_input_files(path)
    with page.expect_navigation():
        page.locator("#apply-file").click()
    assert page.locator("#import-result").get_attribute("data-applied") == "true"
    assert page.locator("#import-summary").is_visible()
