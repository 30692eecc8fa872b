"""Entering a group online in a real browser: two siblings and a friend in an ensemble with a set piece, in English and French,
checked by axe-core."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mfo.database import db
from mfo.database.models import User
from mfo.enter import services
from tests.browser.conftest import screenshot, tick_required_consents
from tests.browser.test_journeys import sign_in
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_festival

START = "/festivals/spring-2027/enter/"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_family_enters_its_children_and_a_friend_as_an_ensemble(page, live_server, app, lang):
    """The group classes, the group form (performers ticked, a member named, a set piece, an accompanist) and the basket pass axe."""
    today = date.today()
    festival = make_festival("spring-2027", entries_open=today - timedelta(days=3), entries_close=today + timedelta(days=30))
    make_class(festival, "101", "Junior Baroque", discipline="Piano", level="Grade 1")
    make_class(festival, "302", "Tiny Duet", discipline="Piano", level="Junior", class_type="duet", max_age=5)
    make_class(
        festival, "501", "Vocal Ensemble", discipline="Voice", level="Open", class_type="ensemble", accompanist_required=True,
        set_pieces=[("Le Furet", "Traditional"), ("Ah vous dirai-je", "Traditional")],
    )
    user = create_user("family@example.org", ("end-user",))
    guardian = services.PersonValues("Ana", "Ngô", None)
    services.add_child(user, services.PersonValues("Zoë", "Ngô", date(2018, 5, 17)), guardian)
    services.add_child(db.session.get(User, user.id), services.PersonValues("Léo", "Ngô", date(2019, 2, 1)), None)
    db.session.commit()

    page.goto("/")
    if lang == "fr":
        page.click("#language-form button[value=fr]")
        page.wait_for_load_state()
    sign_in(page, "family@example.org")
    page.wait_for_selector("#nav-user")
    page.goto(START)
    page.click("#group-classes")
    page.wait_for_selector("#offered")
    assert [text.split()[0] for text in page.locator("#offered tr[data-class]").all_inner_texts()] == ["501"]
    page.click("#not-offered summary")
    assert page.locator("#not-offered-classes [data-reason=age-too-old]").count() == 2
    screenshot(page, f"enter-groups-{lang}")

    page.click("[data-enter='501']")
    page.wait_for_selector("#group-entry-form")
    for box in page.locator("#performers-ctr input[type=checkbox]").all():
        box.check()
    page.fill("#members-0-first_name", "Tom")
    page.fill("#members-0-last_name", "Roy")
    page.fill("#members-0-birth_date", "2018-02-02")
    page.fill("#group_name", "Les Petits Chanteurs")
    page.select_option("#set_piece", label="Le Furet (Traditional)")
    page.fill("#set_piece_duration", "1:30")
    page.fill("#accompanist_first_name", "Inès")
    page.fill("#accompanist_last_name", "Blanc")
    page.fill("#school", "École Vivaldi")
    screenshot(page, f"enter-group-form-{lang}")
    with page.expect_navigation():
        page.click("#group-entry-form [type=submit]")
    row = page.locator("#basket [data-performers]")
    assert "Les Petits Chanteurs" in row.inner_text() and "Tom Roy" in row.inner_text()
    assert page.locator("#basket [data-code]").count() == 0
    screenshot(page, f"enter-group-basket-{lang}")
    tick_required_consents(page)
    with page.expect_navigation():
        page.click("#submit-form [type=submit]")
    assert page.locator("#submitted li").count() == 1
