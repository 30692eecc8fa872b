"""The card payment pages: "Pay by card" on an entrant's own invoice, Stripe's return page, and Stripe's webhook.

Rules kept here, on the server:

- only the invoice's payer reaches its card pages (another account's invoice, or another festival's,
  is a 404), and only while card payments are set up (else 404 too);
- the amount paid is the invoice's balance, computed here when the session is made, in the
  festival's currency; the browser sends nothing but the CSRF token;
- the payment is recorded by the webhook alone, after its signature is verified with the webhook
  secret; the page Stripe sends the entrant back to records nothing.
"""

from __future__ import annotations

import logging

import stripe
from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import auth_required, current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import SubmitField

from mfo.audit.trail import record
from mfo.cardpay import service
from mfo.database import db
from mfo.extensions import csrf
from mfo.fees.models import ZERO, Invoice
from mfo.festival.models import Festival
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.festival.slots import INVOICE_ACTIONS, Action, provide

log = logging.getLogger(__name__)

bp = festival_blueprint("cardpay", __name__, url_prefix="/cardpay", template_folder="templates")
# Stripe calls one address for every festival: the webhook lives outside the festivals' URLs.
webhook_bp = Blueprint("cardpay_webhook", __name__, url_prefix="/cardpay")

# A Checkout Session's event is a few kilobytes; anything much larger is not one.
MAX_EVENT_BYTES = 256 * 1024


class PayForm(FlaskForm):
    """The confirmation that sends the entrant to Stripe's payment page (a CSRF token and a button, nothing else)."""

    submit = SubmitField(_l("Pay by card"))


def own_invoice(invoice_id: int) -> Invoice:
    """Return the signed-in account's invoice of this festival by id; 404 for any other, or when card payments are off."""
    festival = current_festival()
    if not service.enabled():
        abort(404)
    invoice = db.session.scalar(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.festival_id == festival.id, Invoice.user_id == current_user.id)
    )
    if invoice is None:
        abort(404)
    return invoice


@bp.route("/invoices/<int:invoice_id>/pay", methods=["GET", "POST"])
@auth_required()
def pay(invoice_id: int):
    """Show the balance to pay by card; on POST, make a Checkout Session for it and send the entrant to Stripe."""
    festival = current_festival()
    invoice = own_invoice(invoice_id)
    form = PayForm()
    balance = invoice.balance
    if request.method == "POST" and balance > ZERO and form.validate_on_submit():
        try:
            session = service.create_checkout(
                invoice,
                festival,
                success_url=url_for("cardpay.returned", invoice_id=invoice.id, _external=True),
                cancel_url=url_for("cardpay.pay", invoice_id=invoice.id, _external=True),
            )
        except stripe.StripeError as error:
            log.warning("card payment for invoice %s could not start: %s", invoice.number, type(error).__name__)
            flash(_("The card payment service cannot be reached just now; nothing was charged. Try again later."), "error")
            return redirect(url_for("cardpay.pay", invoice_id=invoice.id))
        record("card-checkout-started", target=f"invoice {invoice.number}", details={"amount": str(balance), "session": session.id})
        db.session.commit()
        return redirect(session.url, code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("cardpay/pay.html", festival=festival, invoice=invoice, balance=balance, form=form), status


@bp.route("/invoices/<int:invoice_id>/paid")
@auth_required()
def returned(invoice_id: int):
    """Where Stripe sends the entrant back: it says the payment is being confirmed, and records nothing."""
    festival = current_festival()
    invoice = own_invoice(invoice_id)
    return render_template("cardpay/returned.html", festival=festival, invoice=invoice)


@webhook_bp.route("/webhook", methods=["POST"])
@csrf.exempt
def webhook():
    """Stripe's events: a paid Checkout Session is recorded on its invoice once; a bad signature is a 400."""
    if not service.enabled():
        abort(404)
    if (request.content_length or 0) > MAX_EVENT_BYTES:
        abort(413)
    payload = request.get_data(cache=False)
    if len(payload) > MAX_EVENT_BYTES:
        abort(413)
    try:
        event = stripe.Webhook.construct_event(
            payload, request.headers.get("Stripe-Signature"), current_app.config["MFO_STRIPE_WEBHOOK_SECRET"]
        )
    except (ValueError, stripe.SignatureVerificationError):
        return {"received": False}, 400
    if event.type in service.PAID_EVENTS:
        try:
            payment = service.record_paid_session(event.data.object.to_dict(), getattr(event, "created", None))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            payment = None
        if payment is not None:
            log.info("card payment recorded on invoice %s", payment.invoice_id)
    # Every verified event is answered 200, recorded or not: Stripe retries anything else for days.
    return {"received": True}, 200


def pay_by_card(invoice: Invoice) -> list[Action] | None:
    """The INVOICE_ACTIONS provider: "Pay by card" on the payer's own invoice while it has a balance and cards are set up."""
    if not service.enabled() or not getattr(current_user, "is_authenticated", False) or invoice.user_id != current_user.id:
        return None
    if invoice.balance <= ZERO:
        return None
    slug = db.session.scalar(select(Festival.slug).where(Festival.id == invoice.festival_id))
    return [Action("pay-by-card", _l("Pay by card"), url_for("cardpay.pay", festival_slug=slug, invoice_id=invoice.id))]


def init_cardpay(app: Flask) -> None:
    """Offer "Pay by card" on entrants' invoices (the button shows only while the keys are set)."""
    provide(app, INVOICE_ACTIONS, pay_by_card)
