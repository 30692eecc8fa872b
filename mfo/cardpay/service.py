"""Stripe Checkout for an invoice's balance: whether it is set up, the session for a payment, and recording a paid session.

The only module that talks to Stripe (through the official `stripe` library). Amounts travel in the
currency's smallest unit, as Stripe counts them: cents, or whole units for a zero-decimal currency.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import stripe
from flask import current_app
from sqlalchemy import select

from mfo.database import db
from mfo.fees.models import Invoice, Payment
from mfo.fees.payments import record_payment
from mfo.festival.models import Festival

log = logging.getLogger(__name__)

# Stripe's zero-decimal currencies: an amount is sent in whole units (https://docs.stripe.com/currencies).
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
# The events that say a Checkout Session's money came in (a delayed method, such as a bank debit, pays later).
PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
METHOD = "card-online"


def enabled() -> bool:
    """Tell whether card payments are set up: both Stripe keys are set."""
    config = current_app.config
    return bool(config.get("MFO_STRIPE_SECRET_KEY")) and bool(config.get("MFO_STRIPE_WEBHOOK_SECRET"))


def minor_units(amount: Decimal, currency: str) -> int:
    """Return an amount in the currency's smallest unit, as Stripe counts it (12.50 CAD -> 1250)."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    return int((amount * (10**exponent)).to_integral_value())


def from_minor_units(value: int, currency: str) -> Decimal:
    """Return an amount given in the currency's smallest unit as a Decimal (1250 CAD -> 12.50)."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    return (Decimal(int(value)) / (10**exponent)).quantize(Decimal("0.01"))


def create_checkout(invoice: Invoice, festival: Festival, success_url: str, cancel_url: str) -> Any:
    """Create a Checkout Session for the invoice's balance in the festival's currency; return it (its `url` is Stripe's page)."""
    currency = festival.currency
    return stripe.checkout.Session.create(
        api_key=current_app.config["MFO_STRIPE_SECRET_KEY"],
        mode="payment",
        line_items=[
            {
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": minor_units(invoice.balance, currency),
                    # What the card statement and Stripe's page name: the festival and the invoice, nobody's name.
                    "product_data": {"name": f"{festival.name} – {invoice.number}"[:250]},
                },
                "quantity": 1,
            }
        ],
        client_reference_id=str(invoice.id),
        metadata={"invoice_id": str(invoice.id), "invoice_number": invoice.number, "festival": festival.slug},
        success_url=success_url,
        cancel_url=cancel_url,
    )


def record_paid_session(session: dict[str, Any], event_created: int | None = None) -> Payment | None:
    """Record a paid Checkout Session (a verified event's object) on its invoice, once; return the payment, or None.

    None when there is nothing to record: not paid yet, no invoice of ours named, a currency that is
    not the festival's, or the session recorded already (a second delivery of the same event). The
    amount and currency are the session's, as Stripe charged them; the caller commits.
    """
    if session.get("payment_status") != "paid":
        return None
    metadata = session.get("metadata") or {}
    invoice_id = str(metadata.get("invoice_id") or "")
    if not invoice_id.isdigit() or str(session.get("client_reference_id") or invoice_id) != invoice_id:
        log.warning("card payment %s names no invoice of this site", session.get("id"))
        return None
    invoice = db.session.get(Invoice, int(invoice_id))
    festival = db.session.get(Festival, invoice.festival_id) if invoice is not None else None
    currency = str(session.get("currency") or "").upper()
    if invoice is None or festival is None or currency != festival.currency.upper():
        log.warning("card payment %s: invoice %s not found or currency %s not the festival's", session.get("id"), invoice_id, currency)
        return None
    session_id = str(session.get("id") or "")
    amount = from_minor_units(session.get("amount_total") or 0, currency)
    if not session_id or amount <= 0:
        return None
    if db.session.scalar(select(Payment.id).where(Payment.invoice_id == invoice.id, Payment.external_id == session_id)):
        return None
    received = datetime.fromtimestamp(event_created, UTC).date() if event_created else datetime.now(UTC).date()
    # Two deliveries at the same moment both get past the check above: the unique key (invoice, external id)
    # then refuses the second's insert, and the webhook rolls it back (IntegrityError).
    return record_payment(
        invoice, amount, METHOD, received, reference=f"Stripe {session.get('payment_intent') or session_id}", external_id=session_id,
    )
