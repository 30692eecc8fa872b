"""The demo's money: the festival's fee rules, set before its families enter online, and a few payments after.

The rules (a registration fee per family, a discount from the third child, a late fee after the
entries' close) make the invoices the fees feature writes on each submission show more than the
class fees. The payments leave most invoices with a balance still due, as a festival sees in its
first weeks: one paid in full by cheque, one part-paid by bank transfer giving its invoice number,
the others nothing yet. Recorded through the fees feature's one function, audited like any other.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from mfo.database import db
from mfo.fees.models import FeeRules, Invoice
from mfo.fees.payments import record_payment
from mfo.festival.models import Festival


def add_fee_rules(festival: Festival) -> FeeRules:
    """Give the festival its fee rules, unless it has some (an organizer's own are never replaced)."""
    rules = db.session.scalar(select(FeeRules).where(FeeRules.festival_id == festival.id))
    if rules is None:
        rules = FeeRules(
            festival_id=festival.id, registration_fee=Decimal("10.00"), registration_per="family", family_discount_from=3,
            family_discount_percent=Decimal("25.00"), late_after=festival.entries_close, late_fee=Decimal("5.00"),
            refund_policy="percent", refund_percent=Decimal("50.00"), refund_before=festival.entries_close,
        )
        db.session.add(rules)
        db.session.flush()
    return rules


def add_payments(festival: Festival) -> int:
    """Record the demo's payments on the festival's invoices (first in full, second in part); return how many."""
    invoices = db.session.scalars(select(Invoice).where(Invoice.festival_id == festival.id).order_by(Invoice.number)).all()
    if not invoices or any(invoice.payments for invoice in invoices):
        return 0
    day = (festival.entries_close or festival.start_date) - timedelta(days=3)
    made = 0
    if invoices[0].balance > 0:
        record_payment(invoices[0], invoices[0].balance, "cheque", day, reference="Cheque 000412")
        made += 1
    if len(invoices) > 1 and invoices[1].balance > Decimal("20.00"):
        record_payment(invoices[1], Decimal("20.00"), "transfer", day + timedelta(days=1), reference=f"Entries {invoices[1].number}")
        made += 1
    return made
