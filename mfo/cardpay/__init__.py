"""The cardpay feature: an entrant pays an invoice's balance by card online, through Stripe Checkout; optional.

Off unless both MFO_STRIPE_SECRET_KEY and MFO_STRIPE_WEBHOOK_SECRET are set: then an entrant's invoice
with a balance shows "Pay by card" (the fees feature's INVOICE_ACTIONS slot), and the payment is
recorded when Stripe's signed webhook says the Checkout Session is paid, never from the browser's
return. Nothing else in mfo depends on it: left out of FEATURES, invoices simply have no card button.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.cardpay.views import bp, init_cardpay, webhook_bp
from mfo.feature import Feature

feature = Feature(
    name="cardpay",
    blueprint=bp,
    blueprints=(webhook_bp,),
    init_app=init_cardpay,
    audit_labels={"card-checkout-started": _l("Card payment started")},
)
