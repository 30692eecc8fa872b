"""The fees pages in a real browser, in English and French, checked by axe-core: the basket's fees, the entrant's invoice,
the organizers' invoices, an invoice with a payment recorded, and the fee rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from mfo.database import db
from mfo.fees.models import FeeRules
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import sign_in, sign_in_with_code
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_festival
from tests.test_fees import a_family, put_in_basket, submit

FEES = "/festivals/spring-2027/fees"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_fees_pages_pass_axe(page, live_server, app, lang):
    """A family with one entry submitted and one in the basket; an organizer records a transfer and saves the rules."""
    today = date.today()
    festival = make_festival("spring-2027", entries_open=today - timedelta(days=3), entries_close=today + timedelta(days=30))
    make_class(festival, "101", "Junior Baroque", fee=Decimal("15.00"))
    make_class(festival, "102", "Romantic", fee=Decimal("20.00"))
    db.session.add(FeeRules(festival_id=festival.id, registration_fee=Decimal("10.00"), family_discount_from=2,
                            family_discount_percent=Decimal("10")))
    db.session.commit()
    user, (zoe, leo) = a_family("family@example.org", "Zoë", "Léo")
    submit(festival, user, (zoe, "101"))
    put_in_basket(festival, user, leo, "102")
    db.session.commit()
    create_user("boss@example.org", ("organizer",))

    page.goto("/")
    if lang == "fr":
        page.click("#language-form button[value=fr]")
        page.wait_for_load_state()
    sign_in(page, "family@example.org")
    page.wait_for_selector("#nav-user")
    page.goto("/festivals/spring-2027/enter/basket")
    assert page.locator("#basket-fees [data-line-kind=discount]").count() == 1
    screenshot(page, f"fees-basket-{lang}")
    page.click("[data-nav='fees.mine']")
    page.wait_for_selector("#invoice-summary")
    assert page.locator("#invoice-lines [data-line-kind]").count() == 2
    screenshot(page, f"fees-mine-{lang}")
    page.context.clear_cookies()

    page.goto("/")
    if lang == "fr":
        page.click("#language-form button[value=fr]")
        page.wait_for_load_state()
    sign_in_with_code(page, "boss@example.org")
    page.goto(f"{FEES}/?balance=due")
    assert page.locator("#invoices tr[data-invoice]").count() == 1
    page.click("#invoices a")
    page.wait_for_selector("#payment-form")
    page.select_option("#method", "transfer")
    page.fill("#amount", "10.00")
    page.fill("#reference", "2027-0001")
    with page.expect_navigation():
        page.click("#payment-form [type=submit]")
    assert page.locator("#invoice-payments tr[data-payment]").count() == 1
    screenshot(page, f"fees-invoice-{lang}")
    page.goto(f"{FEES}/rules")
    page.fill("#late_after", (today + timedelta(days=10)).isoformat())
    page.fill("#late_fee", "5")
    with page.expect_navigation():
        page.click("#rules-form [type=submit]")
    assert page.locator("#late_fee").input_value() == "5.00"
    screenshot(page, f"fees-rules-{lang}")
