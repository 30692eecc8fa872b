"""A teacher enters three pupils in a real browser, and the family given as guardian sees the entry: English and French, axe-checked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mfo.database import db
from tests.browser.conftest import screenshot, tick_required_consents
from tests.browser.test_journeys import sign_in
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_festival

START = "/festivals/spring-2027/enter/"
PUPILS = (("Ana", "2018-01-01", "101"), ("Ben", "2017-06-01", "101"), ("Chloé", "2012-03-03", "201"))


def choose_language(page, lang: str) -> None:
    """Pick the page's language with the switcher."""
    page.goto("/")
    if lang == "fr":
        page.click("#language-form button[value=fr]")
        page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_teacher_enters_three_pupils_and_the_family_sees_its_childs_entry(page, live_server, app, lang):
    """I am a teacher, three pupils, each through the picker and the form, one basket; then the family's page."""
    today = date.today()
    festival = make_festival("spring-2027", entries_open=today - timedelta(days=3), entries_close=today + timedelta(days=30))
    make_class(festival, "101", "Junior Baroque", discipline="Piano", max_age=9)
    make_class(festival, "201", "Folk Song", discipline="Voice")
    db.session.commit()
    create_user("teacher@example.org", ("end-user",))
    create_user("family@example.org", ("end-user",))

    choose_language(page, lang)
    sign_in(page, "teacher@example.org")
    page.wait_for_selector("#nav-user")
    page.goto(START)
    page.click("#become-teacher")
    page.fill("#first_name", "Marie")
    page.fill("#last_name", "Lefèvre")
    with page.expect_navigation():
        page.click("#teacher-form [type=submit]")
    assert page.locator("#no-pupils").count() == 1
    for first, birth, _code in PUPILS:
        page.click("#add-pupil")
        page.fill("#first_name", first)
        page.fill("#last_name", "Pupil")
        page.fill("#birth_date", birth)
        if first == "Ana":
            page.fill("#guardian_email", "family@example.org")
        with page.expect_navigation():
            page.click("#pupil-form [type=submit]")
    assert page.locator("#pupils tr[data-profile]").count() == 3
    screenshot(page, f"enter-pupils-{lang}")

    for index, (_first, _birth, code) in enumerate(PUPILS):
        page.goto(START + "pupils")
        page.locator("[data-choose]").nth(index).click()
        page.click(f"[data-enter='{code}']")
        assert page.locator("#pupil-teacher").count() == 1 and page.locator("#teacher_first_name").count() == 0
        page.fill("#pieces-0-title", "Minuet in G")
        page.fill("#pieces-0-composer", "Bach")
        page.fill("#pieces-0-duration", "1:30")
        with page.expect_navigation():
            page.click("#entry-form [type=submit]")
    assert page.locator("#basket tr[data-basket-entry]").count() == 3
    tick_required_consents(page)
    with page.expect_navigation():
        page.click("#submit-form [type=submit]")
    page.goto(START + "pupils")
    assert page.locator("#pupils-entries tr[data-made-by=you]").count() == 3
    screenshot(page, f"enter-pupils-entries-{lang}")

    # The family signs in on the same browser, as a new visitor.
    page.context.clear_cookies()
    choose_language(page, lang)
    sign_in(page, "family@example.org")
    page.wait_for_selector("#nav-user")
    page.goto(START)
    page.click("#open-family-entries")
    assert page.locator("#family-entries tr[data-made-by=teacher]").count() == 1
    assert "Ana Pupil" in page.locator("#family-entries").inner_text()
    screenshot(page, f"enter-family-entries-{lang}")
