"""Entering online in a real browser: a family adds a child and chooses a class, in English and French, checked by axe-core."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mfo.database import db
from tests.browser.conftest import screenshot, tick_required_consents
from tests.browser.test_journeys import sign_in
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_festival

START = "/festivals/spring-2027/enter/"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_family_adds_a_child_and_finds_the_classes_its_age_allows(page, live_server, app, lang):
    """The start page, the child form, the picker (its search, its "why not"), the entry form and the basket pass axe."""
    today = date.today()
    festival = make_festival("spring-2027", entries_open=today - timedelta(days=3), entries_close=today + timedelta(days=30))
    make_class(festival, "101", "Junior Baroque", discipline="Piano", level="Grade 1", max_age=9, time_limit=180)
    make_class(festival, "102", "Senior Baroque", discipline="Piano", level="Grade 3", min_age=12)
    make_class(festival, "301", "Piano Duet", discipline="Piano", level="Open", class_type="duet")
    db.session.commit()
    create_user("family@example.org", ("end-user",))

    page.goto("/")
    if lang == "fr":
        page.click("#language-form button[value=fr]")
        page.wait_for_load_state()
    sign_in(page, "family@example.org")
    page.wait_for_selector("#nav-user")
    page.goto(START)
    assert page.locator("#entry-window[data-window=open]").count() == 1
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("main h2").first.inner_text() == {"en": "Enter online", "fr": "S’inscrire en ligne"}[lang]

    page.click("#add-child")
    page.fill("#first_name", "Zoë")
    page.fill("#last_name", "Ngô")
    page.fill("#birth_date", "2018-05-17")
    page.fill("#guardian_first_name", "Ana")
    page.fill("#guardian_last_name", "Ngô")
    with page.expect_navigation():
        page.click("#profile-form [type=submit]")
    screenshot(page, f"enter-start-{lang}")

    page.click("[data-choose]")
    page.wait_for_selector("#offered")
    assert page.locator("#offered tr[data-class]").all_inner_texts()[0].startswith("101")
    page.click("#not-offered summary")
    assert page.locator("#not-offered-classes [data-reason=age-too-young]").is_visible()
    assert page.locator("#not-offered-classes [data-reason=performer-count]").is_visible()
    screenshot(page, f"enter-picker-{lang}")

    page.fill("#filter-q", "duet")
    with page.expect_navigation():
        page.click("#class-search [type=submit]")
    assert page.locator("#no-offered-match").count() == 1

    # The entry form: one piece over the class's time limit, a warning shown in the basket; then submitted.
    page.click("#no-offered-match a")
    page.click("[data-enter='101']")
    page.fill("#pieces-0-title", "Minuet in G")
    page.fill("#pieces-0-composer", "Bach")
    page.fill("#pieces-0-duration", "4:00")
    page.fill("#teacher_first_name", "Marie")
    page.fill("#teacher_last_name", "Lefèvre")
    with page.expect_navigation():
        page.click("#entry-form [type=submit]")
    assert page.locator("#basket [data-code=over-time-limit]").count() == 1
    screenshot(page, f"enter-basket-{lang}")
    tick_required_consents(page)
    with page.expect_navigation():
        page.click("#submit-form [type=submit]")
    assert page.locator("#submitted li").count() == 1
