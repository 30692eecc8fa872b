"""Recording money on an invoice: the one function the organizers' form, the bank statement import and the card service share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from mfo.audit.trail import record
from mfo.database import db
from mfo.fees.models import PAYMENT_KINDS, PAYMENT_METHODS, Invoice, Payment


class PaymentError(ValueError):
    """A payment that cannot be recorded (not a positive amount, an unknown method, recorded already)."""


def record_payment(
    invoice: Invoice, amount: Decimal, method: str, received_on: date, *, kind: str = "payment", reference: str = "",
    external_id: str | None = None, recorded_by=None, import_id: int | None = None,
) -> Payment:
    """Add a payment (or a refund paid back) to an invoice and record it in the audit trail; the caller commits.

    A payment with an external_id (a bank line's digest, a card session id) already on the invoice
    is refused: an import or a webhook delivered twice records the money once.
    """
    if not isinstance(amount, Decimal) or amount <= 0:
        raise PaymentError("the amount must be a positive number")
    if method not in PAYMENT_METHODS or kind not in PAYMENT_KINDS:
        raise PaymentError("unknown payment method or kind")
    if external_id is not None and db.session.scalar(
        select(Payment.id).where(Payment.invoice_id == invoice.id, Payment.external_id == external_id)
    ):
        raise PaymentError("this payment is recorded already")
    payment = Payment(
        invoice=invoice, kind=kind, method=method, amount=amount.quantize(Decimal("0.01")), received_on=received_on,
        reference=reference[:100], external_id=external_id, recorded_by_id=getattr(recorded_by, "id", None), import_id=import_id,
    )
    db.session.add(payment)
    db.session.flush()
    # Amounts and methods are not personal; the payer is named by the invoice's number only.
    record(
        f"{kind}-recorded", target=f"invoice {invoice.number}",
        details={"payment": payment.id, "amount": str(payment.amount), "method": method},
    )
    return payment
