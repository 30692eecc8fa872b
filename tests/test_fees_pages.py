"""The fees pages: who may open them, the fee rules form, recording payments, the entrant's own invoice, the basket's fees and
what staff see on an entry."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.database.models import User
from mfo.enter import services
from mfo.fees import invoices
from mfo.fees.models import FeeRules, Invoice, Payment
from mfo.fees.permissions import FEES_READ
from mfo.festival.permissions import FESTIVAL_READ
from mfo.festival.slots import INVOICE_ACTIONS, Action, provide
from tests.admin_helpers import page, sign_in, user_with_permissions
from tests.festival_helpers import make_festival
from tests.helpers import csrf_token, post_form, submit_from_basket
from tests.test_fees import a_family, forget_signed_in_user, put_in_basket, submit

D = Decimal
FEES = "/festivals/spring-2027/fees"


@pytest.fixture
def billed(app, users):
    """The spring festival with two families' invoices: family@ (15.00 due, Zoë in 101) and other@ (20.00, Léo in 102)."""
    festival = make_festival("spring-2027", entries_open=date.today() - timedelta(days=5), entries_close=date.today() + timedelta(days=5))
    from tests.festival_helpers import make_class

    make_class(festival, "101", "Baroque", fee=D("15.00"))
    make_class(festival, "102", "Romantic", fee=D("20.00"))
    db.session.commit()
    family, (zoe,) = a_family("family@example.org", "Zoë")
    other, (leo,) = a_family("other@example.org", "Léo")
    (entry,) = submit(festival, family, (zoe, "101"))
    submit(festival, other, (leo, "102"))
    mine, theirs = invoices.invoice_of(festival, family), invoices.invoice_of(festival, other)
    return {"festival": festival.id, "entry": entry.id, "mine": mine.id, "theirs": theirs.id, "mine_number": mine.number,
            "theirs_number": theirs.number}


def payment_form(**values) -> dict:
    """A payment form: 10.00 by bank transfer today, unless told otherwise."""
    return {"kind": "payment", "method": "transfer", "amount": "10.00", "received_on": date.today().isoformat(), "reference": "", **values}


RULES_FORM = {
    "registration_fee": "10", "registration_per": "performer", "family_discount_from": "3", "family_discount_percent": "10",
    "late_after": "2027-02-01", "late_fee": "5", "refund_policy": "percent", "refund_percent": "50", "refund_before": "2027-03-01",
}


# Who may open what


@pytest.mark.parametrize(
    ("role", "index", "invoice", "rules", "pay", "mine"),
    [
        ("anonymous", 302, 302, 302, 302, 302),
        ("end-user", 403, 403, 403, 403, 200),
        ("staff", 403, 403, 403, 403, 200),
        ("organizer", 200, 200, 200, 302, 200),
        ("admin", 200, 200, 200, 302, 200),
    ],
)
def test_who_may_open_the_fees_pages(app, client_for, anon_client, billed, role, index, invoice, rules, pay, mine):
    """Invoices and rules need fees-read / fees-write (organizers); anyone signed in has their own page; visitors sign in."""
    client = anon_client if role == "anonymous" else client_for(role)
    urls = {"index": f"{FEES}/", "invoice": f"{FEES}/invoices/{billed['theirs']}", "rules": f"{FEES}/rules", "mine": f"{FEES}/mine"}
    statuses = {name: client.get(url).status_code for name, url in urls.items()}
    token = csrf_token(client, "/login" if role == "anonymous" else "/account/")
    statuses["pay"] = client.post(f"{FEES}/invoices/{billed['theirs']}/payments", data={**payment_form(), "csrf_token": token}).status_code
    assert statuses == {"index": index, "invoice": invoice, "rules": rules, "pay": pay, "mine": mine}
    expected_payments = 1 if role in ("organizer", "admin") else 0
    assert db.session.scalar(select(func.count(Payment.id))) == expected_payments


def test_fees_read_sees_invoices_but_records_nothing(app, billed):
    """A reader (fees-read without fees-write) sees an invoice and its payer, not the payment form; its POST and the rules are 403."""
    email = user_with_permissions("reader@example.org", "fees-reader", {FEES_READ, FESTIVAL_READ})
    client = sign_in(app, email)
    html = page(client.get(f"{FEES}/invoices/{billed['theirs']}"))
    assert "other@example.org" in html and 'id="payment-form"' not in html
    assert client.get(f"{FEES}/rules").status_code == 403
    token = csrf_token(client, f"{FEES}/")
    response = client.post(f"{FEES}/invoices/{billed['theirs']}/payments", data={**payment_form(), "csrf_token": token})
    assert response.status_code == 403 and db.session.scalar(select(func.count(Payment.id))) == 0


def test_the_tabs_show_fees_to_organizers_and_your_fees_to_everyone(client_for, billed):
    """The Fees tab needs fees-read; "Your fees" is every signed-in account's."""
    organizer = page(client_for("organizer").get(f"{FEES}/mine"))
    assert 'data-nav="fees.index"' in organizer and 'data-nav="fees.mine"' in organizer
    entrant = page(client_for("end-user").get(f"{FEES}/mine"))
    assert 'data-nav="fees.index"' not in entrant and 'data-nav="fees.mine"' in entrant


# The organizers' pages


def test_the_invoices_list_and_its_balance_filter(organizer_client, billed):
    """Each invoice with its payer's email and amounts; "with a balance due" leaves out the paid one."""
    invoice = db.session.get(Invoice, billed["theirs"])
    from mfo.fees.payments import record_payment

    record_payment(invoice, D("20.00"), "cash", date.today())
    db.session.commit()
    forget_signed_in_user()
    html = page(organizer_client.get(f"{FEES}/"))
    assert f'data-invoice="{billed["mine"]}"' in html and f'data-invoice="{billed["theirs"]}"' in html
    assert "family@example.org" in html and "$15.00" in html
    due = page(organizer_client.get(f"{FEES}/?balance=due"))
    assert f'data-invoice="{billed["mine"]}"' in due and f'data-invoice="{billed["theirs"]}"' not in due
    assert f'data-invoice="{billed["mine"]}"' not in page(organizer_client.get(f"{FEES}/?balance=credit"))
    # An unknown filter shows everything.
    assert f'data-invoice="{billed["theirs"]}"' in page(organizer_client.get(f"{FEES}/?balance=" + "x" * 500))


def test_the_invoice_page_shows_lines_with_class_and_performer(organizer_client, billed):
    """Lines name the class and the performer; payments and the balance follow."""
    html = page(organizer_client.get(f"{FEES}/invoices/{billed['mine']}"))
    assert "101 Baroque" in html and "Zoë Ngô" in html and 'data-balance="15.00"' in html and 'id="no-payments"' in html


def test_an_organizer_records_a_payment_and_a_refund(organizer_client, billed):
    """A partial transfer, then a refund paid back: the balance follows, each is audited with the invoice's number."""
    url = f"{FEES}/invoices/{billed['mine']}"
    response = post_form(organizer_client, url + "/payments", payment_form(amount="10,00", reference="ZOE 2027-0001"), token_from=url)
    assert response.status_code == 302
    post_form(organizer_client, url + "/payments", payment_form(kind="refund", method="cash", amount="2.5"), token_from=url)
    db.session.expire_all()
    invoice = db.session.get(Invoice, billed["mine"])
    assert [(p.kind, p.method, p.amount, p.reference) for p in invoice.payments] == [
        ("payment", "transfer", D("10.00"), "ZOE 2027-0001"), ("refund", "cash", D("2.50"), ""),
    ]
    assert invoice.balance == D("7.50")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("payment-recorded", "refund-recorded")))).all()
    assert [(e.action, e.target) for e in events] == [("payment-recorded", "invoice 2027-0001"), ("refund-recorded", "invoice 2027-0001")]
    assert 'data-balance="7.50"' in page(organizer_client.get(url))


@pytest.mark.parametrize(
    "values",
    [{"amount": "-5"}, {"amount": "0"}, {"amount": "abc"}, {"amount": "1" * 500}, {"amount": "100000000"}, {"method": "card-online"},
     {"method": "bitcoin"}, {"kind": "gift"}, {"reference": "x" * 101}, {"received_on": "2999-01-01"}, {"received_on": ""}],
)
def test_a_crafted_payment_is_refused(organizer_client, billed, values):
    """Negative, zero, huge or unreadable amounts, unknown methods and kinds, a long reference, a future date: 400, nothing saved."""
    url = f"{FEES}/invoices/{billed['mine']}"
    response = post_form(organizer_client, url + "/payments", payment_form(**values), token_from=url)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_another_festivals_invoice_is_a_404(organizer_client, billed):
    """An invoice id of another festival under this festival's address: 404 for the page and the payment."""
    other = make_festival("autumn-2027", name="Autumn")
    user = db.session.scalar(select(User).where(User.email == "family@example.org"))
    foreign = Invoice(festival_id=other.id, user_id=user.id, number="2027-0001")
    db.session.add(foreign)
    db.session.commit()
    url = f"{FEES}/invoices/{foreign.id}"
    assert organizer_client.get(url).status_code == 404
    token = csrf_token(organizer_client, f"{FEES}/")
    assert organizer_client.post(url + "/payments", data={**payment_form(), "csrf_token": token}).status_code == 404
    assert organizer_client.get(f"{FEES}/invoices/999999").status_code == 404


def test_the_rules_form_saves_the_rules_and_audits_them(organizer_client, billed):
    """Every rule saved as typed; the audit names what changed; the form shows the saved values."""
    response = post_form(organizer_client, f"{FEES}/rules", RULES_FORM)
    assert response.status_code == 302
    rules = db.session.scalar(select(FeeRules))
    assert (rules.registration_fee, rules.registration_per, rules.family_discount_from, rules.family_discount_percent) == (
        D("10.00"), "performer", 3, D("10.00"))
    assert (rules.late_after, rules.late_fee, rules.refund_policy, rules.refund_percent, rules.refund_before) == (
        date(2027, 2, 1), D("5.00"), "percent", D("50.00"), date(2027, 3, 1))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "fee_rules-updated")).one()
    assert '"late_fee": "5.00"' in event.details
    html = page(organizer_client.get(f"{FEES}/rules"))
    assert 'value="10.00"' in html and 'value="2027-02-01"' in html
    # Saving the same values again records nothing new.
    post_form(organizer_client, f"{FEES}/rules", RULES_FORM)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "fee_rules-updated")) == 1


@pytest.mark.parametrize(
    "values",
    [{"family_discount_percent": "150"}, {"family_discount_percent": "NaN"}, {"family_discount_percent": "1e2"},
     {"family_discount_percent": ""}, {"family_discount_from": "1"}, {"late_fee": ""}, {"late_after": ""},
     {"refund_percent": ""}, {"registration_fee": "-3"}, {"registration_fee": "1000000"}, {"registration_per": "school"},
     {"refund_policy": "double"}, {"refund_percent": "9" * 300}],
)
def test_the_rules_form_refuses_what_makes_no_sense(organizer_client, billed, values):
    """A percentage over 100 or not a plain number, a discount or late fee half given, unknown choices: 400, nothing saved."""
    response = post_form(organizer_client, f"{FEES}/rules", {**RULES_FORM, **values})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(FeeRules.id))) == 0


# The entrant's page


def test_an_entrant_sees_only_their_own_invoice(app, billed):
    """family@ sees its number, line and balance; never the other account's; an account without entries sees none."""
    family = sign_in(app, "family@example.org")
    html = page(family.get(f"{FEES}/mine"))
    assert billed["mine_number"] in html and "Zoë Ngô" in html and 'data-balance="15.00"' in html
    assert billed["theirs_number"] not in html and "Léo" not in html
    stranger = sign_in(app, "end-user@example.org")
    html = page(stranger.get(f"{FEES}/mine"))
    assert 'id="no-invoice"' in html and billed["mine_number"] not in html


def test_another_accounts_invoice_id_is_a_404_on_every_entrant_route(app, billed):
    """Walk every entrant route of the fees feature (fees.mine*): an address with the other account's invoice id is a 404,
    one without shows only the account's own invoice."""
    family = sign_in(app, "family@example.org")
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("fees.mine")]
    assert rules
    for rule in rules:
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: "spring-2027" if m[1] == "festival_slug" else str(billed["theirs"]), rule.rule)
        response = family.get(url) if "GET" in rule.methods else family.post(url, data={"csrf_token": csrf_token(family, f"{FEES}/mine")})
        if set(rule.arguments) - {"festival_slug"}:
            assert response.status_code == 404, url
        else:
            assert billed["theirs_number"] not in page(response), url


def test_the_invoice_actions_slot_shows_its_buttons_to_the_payer(app, billed):
    """A higher feature's button (pay by card) is shown with the entrant's invoice, given that invoice."""
    given = []

    def pay_by_card(invoice):
        given.append(invoice.id)
        return [Action("pay-card", "Pay by card", "/pay")]

    provide(app, INVOICE_ACTIONS, pay_by_card)
    html = page(sign_in(app, "family@example.org").get(f"{FEES}/mine"))
    assert 'data-action="pay-card"' in html and given == [billed["mine"]]


# The basket's fees and the entry's page


def test_the_basket_shows_the_fees_before_submitting(app, billed):
    """A registration fee set: the basket lists the entry, Zoë's registration, and the balance after (15.00 + 20 + 10)."""
    festival = db.session.get(Invoice, billed["mine"]).festival_id
    db.session.add(FeeRules(festival_id=festival, registration_fee=D("10")))
    user = db.session.scalar(select(User).where(User.email == "family@example.org"))
    (profile,) = services.profiles_of(user)[1:]
    from mfo.festival.models import Festival

    put_in_basket(db.session.get(Festival, festival), user, profile, "102")
    db.session.commit()
    forget_signed_in_user()
    html = page(sign_in(app, "family@example.org").get("/festivals/spring-2027/enter/basket"))
    assert 'id="basket-fees"' in html and 'data-line-kind="registration"' in html
    assert 'id="fees-added">$30.00' in html and 'id="fees-balance-before">$15.00' in html and 'id="fees-balance-after">$45.00' in html


def test_staff_see_whether_an_entry_is_paid_not_who_pays(app, client_for, billed):
    """Staff (entries-read): "Balance due" then "Paid"; organizers (fees-read) also the invoice's number and payer."""
    url = f"/festivals/spring-2027/entries/{billed['entry']}"
    staff = client_for("staff")
    html = page(staff.get(url))
    assert 'id="entry-fees"' in html and 'data-paid="false"' in html
    assert billed["mine_number"] not in html and "family@example.org" not in html and 'id="entry-invoice"' not in html
    organizer = page(client_for("organizer").get(url))
    assert 'id="entry-invoice"' in organizer and billed["mine_number"] in organizer and 'id="entry-payer">family@example.org' in organizer
    from mfo.fees.payments import record_payment

    record_payment(db.session.get(Invoice, billed["mine"]), D("15.00"), "cash", date.today())
    db.session.commit()
    forget_signed_in_user()
    assert 'data-paid="true"' in page(staff.get(url))


def test_the_entrants_page_in_french(app, billed):
    """In French: the page's words and the amounts in the visitor's locale (15,00 $)."""
    family = sign_in(app, "family@example.org")
    html = page(family.get(f"{FEES}/mine", headers={"Accept-Language": "fr"}))
    assert "Vos frais" in html and "Frais d’inscription" in html and "15,00\xa0$" in html and "Solde dû" in html


def test_submitting_the_basket_page_charges_the_invoice(app, billed):
    """Through the basket's Submit button: the entry and its fee land on the account's invoice in the same commit."""
    from mfo.festival.models import Festival

    user = db.session.scalar(select(User).where(User.email == "family@example.org"))
    (profile,) = services.profiles_of(user)[1:]
    put_in_basket(db.session.get(Festival, billed["festival"]), user, profile, "102")
    db.session.commit()
    forget_signed_in_user()
    client = sign_in(app, "family@example.org")
    basket = "/festivals/spring-2027/enter/basket"
    assert submit_from_basket(client, basket).status_code == 302
    db.session.expire_all()
    invoice = db.session.get(Invoice, billed["mine"])
    assert [(line.kind, line.amount) for line in invoice.lines] == [("entry", D("15.00")), ("entry", D("20.00"))]
    assert 'data-balance="35.00"' in page(client.get(f"{FEES}/mine"))
