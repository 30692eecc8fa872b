"""Card payments online: "Pay by card" for the payer only, a Checkout Session for the balance, and Stripe's signed webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
import stripe
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.cardpay import service
from mfo.database import db
from mfo.fees.models import Invoice, InvoiceLine, Payment
from mfo.fees.payments import record_payment
from mfo.festival.slots import INVOICE_ACTIONS, collect_flat
from tests.conftest import create_user
from tests.festival_helpers import make_festival
from tests.helpers import csrf_token, login

SECRET = "whsec_test_secret_for_the_suite"
KEYS = {"MFO_STRIPE_SECRET_KEY": "sk_test_suite", "MFO_STRIPE_WEBHOOK_SECRET": SECRET}
SLUG = "spring-2027"
WEBHOOK = "/cardpay/webhook"

pytestmark = pytest.mark.settings(**KEYS)


def sign(payload: str, secret: str = SECRET, timestamp: int | None = None) -> str:
    """Return the Stripe-Signature header Stripe sends: t=<time>,v1=<HMAC-SHA256 of "t.payload" keyed with the secret>."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def session_event(invoice_id: int, *, session_id: str = "cs_test_a1", amount_total: int = 4500, currency: str = "cad",
                  payment_status: str = "paid", kind: str = "checkout.session.completed", **extra) -> str:
    """Return an event's JSON body as Stripe sends it for a Checkout Session."""
    session = {
        "id": session_id, "object": "checkout.session", "amount_total": amount_total, "currency": currency,
        "payment_status": payment_status, "payment_intent": "pi_test_1", "client_reference_id": str(invoice_id),
        "metadata": {"invoice_id": str(invoice_id), "invoice_number": "INV-2027-0001", "festival": SLUG}, **extra,
    }
    return json.dumps({"id": "evt_test_1", "object": "event", "type": kind, "created": 1805000000,
                       "data": {"object": session}})


def deliver(client, payload: str, signature: str | None = None):
    """POST an event to the webhook as Stripe does (no session, no CSRF token), signed unless told otherwise."""
    headers = {"Stripe-Signature": sign(payload) if signature is None else signature}
    return client.post(WEBHOOK, data=payload, headers=headers, content_type="application/json")


def payments() -> list[Payment]:
    """Return every payment, fresh from the database."""
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).order_by(Payment.id)))


@pytest.fixture
def family(app):
    """A family's account, signed in on its own client, with an invoice of 45.00 (its id), in the festival."""
    festival = make_festival()
    user = create_user("family@example.org", ("end-user",))
    invoice = Invoice(festival_id=festival.id, number="INV-2027-0001", user_id=user.id)
    invoice.lines.append(InvoiceLine(kind="entry", description="101 Piano Solo", amount=Decimal("45.00")))
    db.session.add(invoice)
    db.session.commit()
    ids = {"invoice_id": invoice.id, "user_id": user.id, "festival_id": festival.id}
    client = app.test_client()
    login(client, "family@example.org")
    return SimpleNamespace(client=client, **ids)


@pytest.fixture
def checkout(monkeypatch):
    """Stand in for Stripe's API: record each Checkout Session asked for and answer with its id and payment page."""
    made: list[dict] = []

    def create(**params):
        made.append(params)
        return SimpleNamespace(id=f"cs_test_{len(made)}", url=f"https://checkout.stripe.com/c/pay/cs_test_{len(made)}")

    monkeypatch.setattr(stripe.checkout.Session, "create", create)
    return made


def pay_url(invoice_id: int, slug: str = SLUG, page: str = "pay") -> str:
    """Return the URL of an invoice's card page."""
    return f"/festivals/{slug}/cardpay/invoices/{invoice_id}/{page}"


# --- The button and the page ----------------------------------------------------------------------------------------


def actions_for(app, user_id: int, invoice_id: int) -> list[tuple[str, str, str]]:
    """Return the (key, label, URL) of the buttons an invoice's page shows to an account (its INVOICE_ACTIONS)."""
    from flask_login import login_user

    from mfo.database.models import User

    with app.test_request_context():
        login_user(db.session.get(User, user_id))
        invoice = db.session.get(Invoice, invoice_id)
        return [(action.key, str(action.label), action.url) for action in collect_flat(INVOICE_ACTIONS, invoice)]


def test_the_payer_sees_pay_by_card_while_the_invoice_has_a_balance(app, family):
    """The INVOICE_ACTIONS provider: for the payer, with a balance; not for anyone else, nor once it is paid."""
    stranger = create_user("stranger@example.org", ("end-user",)).id
    assert actions_for(app, family.user_id, family.invoice_id) == [("pay-by-card", "Pay by card", pay_url(family.invoice_id))]
    assert actions_for(app, stranger, family.invoice_id) == []
    paid_by_hand(family.invoice_id, "45.00")
    assert actions_for(app, family.user_id, family.invoice_id) == []


@pytest.mark.settings(MFO_STRIPE_SECRET_KEY="sk_test_suite", MFO_STRIPE_WEBHOOK_SECRET=None)
def test_without_both_keys_there_is_no_card_payment(app, family, checkout):
    """One key alone: no button, the pages and the webhook are not found."""
    assert actions_for(app, family.user_id, family.invoice_id) == []
    assert family.client.get(pay_url(family.invoice_id)).status_code == 404
    assert deliver(app.test_client(), session_event(family.invoice_id)).status_code == 404
    assert payments() == [] and checkout == []


def test_the_pay_page_shows_the_balance_to_the_payer(app, family):
    """The page repeats the amount and has the form that leads to Stripe; in French too."""
    page = family.client.get(pay_url(family.invoice_id))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-balance="45.00"' in text and 'id="card-pay-form"' in text
    french = family.client.get(pay_url(family.invoice_id), headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Payer la facture INV-2027-0001 par carte" in french


def test_another_account_cannot_reach_an_invoice_it_does_not_pay(app, family, checkout):
    """Someone else's invoice, or the payer's invoice under another festival, is a 404 (GET and POST); anonymous: sign in."""
    make_festival("autumn-2026", name="Autumn 2026")
    db.session.commit()
    create_user("stranger@example.org", ("end-user",))
    stranger = app.test_client()
    login(stranger, "stranger@example.org")
    assert stranger.get(pay_url(family.invoice_id)).status_code == 404
    token = csrf_token(stranger, "/")
    assert stranger.post(pay_url(family.invoice_id), data={"csrf_token": token}).status_code == 404
    assert stranger.get(pay_url(family.invoice_id, page="paid")).status_code == 404
    assert family.client.get(pay_url(family.invoice_id, slug="autumn-2026")).status_code == 404
    anonymous = app.test_client().get(pay_url(family.invoice_id))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert checkout == []


def test_paying_makes_a_checkout_session_for_the_balance_and_sends_the_payer_to_stripe(app, family, checkout):
    """The balance (less a part paid already), in the festival's currency, the invoice in metadata; 303 to Stripe's page."""
    paid_by_hand(family.invoice_id, "5.50")
    response = family.client.post(pay_url(family.invoice_id), data={"csrf_token": csrf_token(family.client, pay_url(family.invoice_id))})
    assert response.status_code == 303 and response.headers["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
    (params,) = checkout
    (item,) = params["line_items"]
    assert item["price_data"]["unit_amount"] == 3950 and item["price_data"]["currency"] == "cad" and item["quantity"] == 1
    assert params["mode"] == "payment" and params["api_key"] == "sk_test_suite"
    assert params["metadata"]["invoice_id"] == params["client_reference_id"] == str(family.invoice_id)
    assert params["success_url"].endswith(pay_url(family.invoice_id, page="paid"))
    # Nothing is recorded until Stripe says the money came in.
    assert [p.method for p in payments()] == ["cash"]
    started = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "card-checkout-started"))
    assert started.target == "invoice INV-2027-0001" and "cs_test_1" in started.details


def test_a_post_without_the_csrf_token_or_with_nothing_to_pay_makes_no_session(app, family, checkout):
    """No token: 400; an invoice paid in full: the page says so, and no session is made."""
    assert family.client.post(pay_url(family.invoice_id), data={}).status_code == 400
    paid_by_hand(family.invoice_id, "45.00")
    token = csrf_token(family.client, "/")
    response = family.client.post(pay_url(family.invoice_id), data={"csrf_token": token})
    assert response.status_code == 400 and 'id="card-nothing-due"' in response.get_data(as_text=True)
    assert checkout == []


def test_when_stripe_cannot_be_reached_the_payer_is_told_and_nothing_is_charged(app, family, monkeypatch):
    """An API error: back to the page with a message; no audit event of a started payment."""

    def unreachable(**_params):
        raise stripe.APIConnectionError("no network")

    monkeypatch.setattr(stripe.checkout.Session, "create", unreachable)
    response = family.client.post(pay_url(family.invoice_id), data={"csrf_token": csrf_token(family.client, pay_url(family.invoice_id))})
    assert response.status_code == 302 and response.headers["Location"].endswith(pay_url(family.invoice_id))
    assert "cannot be reached" in family.client.get(pay_url(family.invoice_id)).get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "card-checkout-started")) == 0


def test_the_return_page_records_nothing(app, family):
    """Coming back from Stripe (with any session id in the URL) says the payment is being confirmed; no payment."""
    page = family.client.get(pay_url(family.invoice_id, page="paid") + "?session_id=cs_test_a1")
    assert page.status_code == 200 and 'id="card-confirming"' in page.get_data(as_text=True)
    assert payments() == []


# --- The webhook ----------------------------------------------------------------------------------------------------


def test_a_signed_paid_session_is_recorded_once_however_often_it_is_delivered(app, family):
    """method card-online, the session's id as external id, the session's amount; a replay records nothing and is a 200."""
    payload = session_event(family.invoice_id, amount_total=2000)
    anonymous = app.test_client()
    first = deliver(anonymous, payload)
    assert first.status_code == 200
    (payment,) = payments()
    assert (payment.method, payment.kind, payment.amount, payment.external_id) == ("card-online", "payment", Decimal("20.00"), "cs_test_a1")
    assert payment.invoice_id == family.invoice_id and payment.reference == "Stripe pi_test_1"
    again = deliver(anonymous, payload)
    assert again.status_code == 200 and len(payments()) == 1
    # Another completed session of the same invoice is another payment.
    assert deliver(anonymous, session_event(family.invoice_id, session_id="cs_test_b2", amount_total=2500)).status_code == 200
    assert [p.amount for p in payments()] == [Decimal("20.00"), Decimal("25.00")]
    assert db.session.get(Invoice, family.invoice_id).balance == Decimal("0.00")
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "payment-recorded")) == 2


@pytest.mark.parametrize(
    "signature",
    [
        "",  # no signature at all
        "t=1,v1=deadbeef",  # not the payload's
        "garbage",
        sign("{}"),  # a signature of another body
    ],
)
def test_an_event_without_a_valid_signature_is_refused_and_records_nothing(app, family, signature):
    """A 400, and no payment: the webhook's URL is public, anyone may post to it."""
    response = deliver(app.test_client(), session_event(family.invoice_id), signature=signature)
    assert response.status_code == 400 and payments() == []


def test_an_event_signed_with_another_secret_or_too_old_is_refused(app, family):
    """Another secret, or a timestamp older than Stripe's five minutes of tolerance (a replayed capture): 400."""
    payload = session_event(family.invoice_id)
    assert deliver(app.test_client(), payload, signature=sign(payload, secret="whsec_someone_else")).status_code == 400
    old = sign(payload, timestamp=int(time.time()) - 3600)
    assert deliver(app.test_client(), payload, signature=old).status_code == 400
    assert payments() == []


def test_a_payload_changed_after_signing_is_refused(app, family):
    """A larger amount written into a signed body: the signature no longer matches."""
    payload = session_event(family.invoice_id, amount_total=100)
    signature = sign(payload)
    tampered = payload.replace('"amount_total": 100', '"amount_total": 4500')
    assert tampered != payload
    assert deliver(app.test_client(), tampered, signature=signature).status_code == 400 and payments() == []


@pytest.mark.parametrize(
    "changes",
    [
        {"payment_status": "unpaid"},  # a delayed method not paid yet
        {"currency": "usd"},  # not the festival's currency
        {"kind": "checkout.session.expired"},
        {"metadata": {}},  # not one of ours
        {"client_reference_id": "999"},  # the two references disagree
    ],
)
def test_a_verified_event_that_is_not_a_payment_of_ours_is_a_200_that_records_nothing(app, family, changes):
    """Stripe stops retrying (200), nothing is recorded."""
    payload = session_event(family.invoice_id, **changes)
    assert deliver(app.test_client(), payload).status_code == 200 and payments() == []


def test_an_event_for_an_invoice_that_does_not_exist_records_nothing(app, family):
    """A paid session naming an invoice id unknown here: 200, nothing recorded."""
    assert deliver(app.test_client(), session_event(family.invoice_id + 1000)).status_code == 200 and payments() == []


def test_an_oversized_body_is_refused_before_it_is_read(app, family):
    """A body larger than any event: 413, nothing recorded."""
    payload = session_event(family.invoice_id, filler="x" * (300 * 1024))
    assert deliver(app.test_client(), payload).status_code == 413 and payments() == []


def test_amounts_in_minor_units_follow_the_currency():
    """Cents for most currencies, whole units for zero-decimal ones; no float on the way."""
    assert service.minor_units(Decimal("39.50"), "CAD") == 3950 and service.minor_units(Decimal("1200"), "JPY") == 1200
    assert service.from_minor_units(3950, "cad") == Decimal("39.50") and service.from_minor_units(1200, "JPY") == Decimal("1200.00")


def paid_by_hand(invoice_id: int, amount: str) -> None:
    """Record a cash payment as an organizer would (committed)."""
    from datetime import date

    from flask import g

    record_payment(db.session.get(Invoice, invoice_id), Decimal(amount), "cash", date(2027, 3, 1))
    db.session.commit()
    # The audit trail asked who is signed in, in the request context the tests keep pushed: forget the
    # anonymous answer, or the next test request would see it (tests/conftest.py, _forget_request_state).
    g.pop("_login_user", None)
