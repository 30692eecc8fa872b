"""A season online in a real browser, end to end: a family registers, enters two children (one alone, both as a duet),
consents and submits; an organizer reconciles its bank transfer from a statement; the family withdraws an entry before the
close and sees the refund rule applied. In English and French, every page checked by axe-core."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from mfo.database import db
from mfo.fees.models import FeeRules, Invoice
from tests.browser.conftest import tick_required_consents
from tests.browser.test_journeys import sign_in, sign_in_with_code
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_festival
from tests.helpers import PASSWORD

FESTIVAL = "/festivals/spring-2027"
START = f"{FESTIVAL}/enter/"


def a_season_taking_entries() -> None:
    """The festival open for entries: a junior solo, a senior solo the younger child may not enter, a duet; half refunded."""
    today = date.today()
    festival = make_festival("spring-2027", entries_open=today - timedelta(days=3), entries_close=today + timedelta(days=30))
    make_class(festival, "101", "Junior Baroque", discipline="Piano", level="Grade 1", max_age=9, fee=Decimal("15.00"))
    make_class(festival, "102", "Senior Sonata", discipline="Piano", level="Grade 8", min_age=12, fee=Decimal("15.00"))
    make_class(festival, "301", "Piano Duet", discipline="Piano", level="Open", class_type="duet", fee=Decimal("20.00"))
    db.session.add(FeeRules(festival_id=festival.id, refund_policy="percent", refund_percent=Decimal("50.00"),
                            refund_before=today + timedelta(days=30)))
    db.session.commit()


def sign_out(page) -> None:
    """Sign out from the top bar."""
    page.click("#sign-out-form button")
    page.wait_for_load_state()


def add_child(page, first: str, birth: str, guardian: bool) -> None:
    """Add a child on the start page (the guardian's name the first time)."""
    page.goto(START)
    page.click("#add-child")
    page.fill("#first_name", first)
    page.fill("#last_name", "Ngô")
    page.fill("#birth_date", birth)
    if guardian:
        page.fill("#guardian_first_name", "Ana")
        page.fill("#guardian_last_name", "Ngô")
    with page.expect_navigation():
        page.click("#profile-form [type=submit]")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_family_enters_pays_by_transfer_and_withdraws_one_entry(page, live_server, app, lang):
    """Register, two children, a solo (the senior class not offered), a duet of the siblings, consents, submit; an organizer
    imports the bank statement that pays part; the family withdraws the solo and sees half its fee credited."""
    a_season_taking_entries()
    create_user("boss@example.org", ("organizer",))

    # The family registers and confirms its email.
    page.goto("/")
    if lang == "fr":
        page.click("#language-form button[value=fr]")
        page.wait_for_load_state()
    page.goto("/register")
    page.fill("#email", "ana@example.org")
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    page.click("#submit")
    page.wait_for_load_state()
    link = re.search(r"http://\S+/confirm/\S+", live_server.outbox[-1].body).group(0)
    page.goto(link)
    if page.locator("#nav-user").count() == 0:
        sign_in(page, "ana@example.org")
        page.wait_for_selector("#nav-user")

    add_child(page, "Zoë", "2018-05-17", guardian=True)
    add_child(page, "Léo", "2016-02-01", guardian=False)

    # Zoë: the junior solo is offered, the senior one is not (too young), and she enters the first.
    page.goto(START)
    page.locator("#profiles tr", has_text="Zoë").locator("[data-choose]").click()
    page.wait_for_selector("#offered")
    offered = [text.split()[0] for text in page.locator("#offered tr[data-class]").all_inner_texts()]
    assert "101" in offered and "102" not in offered
    page.click("#not-offered summary")
    assert page.locator("#not-offered-classes tr[data-class='102'] [data-reason=age-too-young]").is_visible()
    page.click("[data-enter='101']")
    page.fill("#pieces-0-title", "Minuet in G")
    page.fill("#pieces-0-composer", "Bach")
    page.fill("#pieces-0-duration", "1:30")
    with page.expect_navigation():
        page.click("#entry-form [type=submit]")

    # The siblings as a duet.
    page.goto(START)
    page.click("#group-classes")
    page.click("[data-enter='301']")
    page.wait_for_selector("#group-entry-form")
    for box in page.locator("#performers-ctr input[type=checkbox]").all():
        box.check()
    page.fill("#pieces-0-title", "Jazz Duet")
    page.fill("#pieces-0-composer", "Anon")
    page.fill("#pieces-0-duration", "2:30")
    with page.expect_navigation():
        page.click("#group-entry-form [type=submit]")

    # The basket: the fees before submitting, the consents (processing is required), then submitted.
    page.goto(f"{START}basket")
    assert page.locator("#basket tr[data-basket-entry]").count() == 2
    tick_required_consents(page)
    with page.expect_navigation():
        page.click("#submit-form [type=submit]")
    assert page.locator("#submitted li").count() == 2
    page.goto(f"{FESTIVAL}/fees/mine")
    number = db.session.scalar(select(Invoice.number))
    assert page.locator("#invoice-balance").get_attribute("data-balance") == "35.00"
    sign_out(page)

    # The organizer imports the bank statement: the family's transfer of 20.00 names its invoice.
    sign_in_with_code(page, "boss@example.org")
    page.goto(f"{FESTIVAL}/imports/")
    page.select_option("#kind", "payments")
    statement = f"date,amount,reference,payer\n{date.today().isoformat()},20.00,Entries {number},A NGO\n".encode()
    page.set_input_files("#file", files=[{"name": "statement.csv", "mimeType": "text/csv", "buffer": statement}])
    page.click("#upload-form [type=submit]")
    page.wait_for_url("**/mapping")
    page.click("#mapping-form [type=submit]")
    page.wait_for_selector("#import-rows", timeout=30_000)
    page.click("#confirm-form [type=submit]")
    page.wait_for_selector("#undo-form", timeout=30_000)
    sign_out(page)

    # The family sees the payment, withdraws Zoë's solo before the close, and half its fee comes back as a credit.
    sign_in(page, "ana@example.org")
    page.wait_for_selector("#nav-user")
    page.goto(f"{FESTIVAL}/fees/mine")
    assert page.locator("#invoice-balance").get_attribute("data-balance") == "15.00"
    page.goto(f"{START}entries")
    row = page.locator("#my-entries tr", has_text="101")
    row.locator("[data-withdraw]").click()
    page.wait_for_selector("#withdraw-form")
    with page.expect_navigation():
        page.click("#withdraw-form [type=submit]")
    page.goto(f"{FESTIVAL}/fees/mine")
    assert page.locator("#invoice-lines tr[data-line-kind=refund]").count() == 1
    assert page.locator("#invoice-balance").get_attribute("data-balance") == "7.50"
