"""The festival pages in a real browser: every tab and form runs under the Content-Security-Policy, and a season is set up."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from mfo.database import db
from mfo.entries.models import Entry
from mfo.festival.models import Festival
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import sign_in, sign_in_with_code
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece


def test_an_organizer_sets_up_a_season_and_works_through_it(page, live_server, app):
    """Create a festival, read its classes, people, entries and issues, change an entry; no console error anywhere."""
    create_user("boss@example.org", ("organizer",))
    sign_in_with_code(page, "boss@example.org")

    page.goto("/festivals/current")
    assert page.locator("#no-festival").count() == 1
    page.click("#create-first")
    page.fill("#name", "Spring Festival 2027")
    page.fill("#year", "2027")
    page.fill("#start_date", "2027-04-10")
    page.fill("#end_date", "2027-04-18")
    page.fill("#age_cutoff", "2026-12-31")
    with page.expect_navigation():
        page.click("#festival-form [type=submit]")
    assert page.url.endswith("/festivals/spring-festival-2027/")
    screenshot(page, "festival-page")

    festival = db.session.scalar(select(Festival))
    baroque = make_class(festival, "1203", "Baroque", suffix="A", discipline="Piano", level="Grade 3", time_limit=180, min_age=8,
                         set_pieces=[("Minuet in G", "Bach")])
    zoe = make_person("Zoë", "Ngô", date(2019, 5, 17), email="zoe@example.org")
    entry = make_entry(baroque, [zoe], [(make_piece("Minuet in G", "Bach", 90), 200)])
    db.session.commit()
    entry_id, class_id, person_id = entry.id, baroque.id, zoe.id

    for tab, marker in (("syllabus.classes", "#class-filters"), ("people.index", "#people"), ("entries.index", "#entries"),
                        ("issues.index", "#warnings"), ("schedule.index", "#no-sessions")):
        page.click(f"[data-nav='{tab}']")
        page.wait_for_selector(marker)
    screenshot(page, "festival-issues")
    page.goto(f"/festivals/spring-festival-2027/classes/{class_id}")
    assert "Estimated time" in page.locator("#estimated-time").inner_text()
    page.goto(f"/festivals/spring-festival-2027/people/{person_id}")
    assert "1203A" in page.locator("#person-entries").inner_text()

    page.goto(f"/festivals/spring-festival-2027/entries/{entry_id}")
    page.select_option("#status", "accepted")
    page.fill("#amount_paid", "15.00")
    with page.expect_navigation():
        page.click("#entry-update-form [type=submit]")
    assert page.locator("[data-status='accepted']").count() >= 1
    db.session.expire_all()
    assert db.session.get(Entry, entry_id).status == "accepted"
    screenshot(page, "festival-entry")

    # The admin's class form (inline set pieces, search-as-you-type fields) loads its scripts under the policy.
    page.goto(f"/admin/classes/edit/?id={class_id}")
    assert page.locator("#number").input_value() == "1203"
    page.goto(f"/admin/entry/edit/?id={entry_id}")
    # Flask-Admin's select2 script replaced the class field by its search box: the script ran.
    page.wait_for_selector(".select2-container")
    assert page.locator("#festival_class").is_hidden()


def test_staff_read_without_personal_data_in_the_browser(page, live_server, app):
    """Staff find a child and their classes; the page holds no birth date."""
    create_user("desk@example.org", ("staff",))
    festival = make_festival("spring-2027", is_current=True)
    make_entry(make_class(festival, "101", "Baroque"), [make_person("Zoë", "Ngô", date(2016, 5, 17))])
    db.session.commit()
    sign_in(page, "desk@example.org")
    page.wait_for_selector("#nav-user")
    page.goto("/festivals/spring-2027/people/?q=zoe")
    page.click("#people a")
    page.wait_for_selector("#person-entries")
    assert "101" in page.locator("#person-entries").inner_text()
    assert "2016" not in page.content()
