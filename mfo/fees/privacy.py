"""The fees feature's part of a person's data (the invoices they pay or are named on) and of forgetting people (a purge)."""

from __future__ import annotations

from sqlalchemy import or_, select, update

from mfo.database import db
from mfo.enter.models import Profile
from mfo.fees.models import Invoice, InvoiceLine, Payment
from mfo.people.models import Person


def personal_data(person: Person) -> dict:
    """Return the invoices of the accounts this person holds (as payer) and those with a line for them, with payments."""
    accounts = select(Profile.user_id).where(Profile.person_id == person.id, Profile.relation == "self")
    named = select(InvoiceLine.invoice_id).where(InvoiceLine.person_id == person.id)
    invoices = db.session.scalars(
        select(Invoice).where(or_(Invoice.user_id.in_(accounts), Invoice.id.in_(named))).order_by(Invoice.festival_id, Invoice.id)
    ).all()
    return {
        "invoices": [
            {
                "number": invoice.number, "festival_id": invoice.festival_id, "payer_account_id": invoice.user_id,
                "total": str(invoice.total), "paid": str(invoice.paid), "balance": str(invoice.balance),
                "lines": [{"kind": line.kind, "description": line.description, "amount": str(line.amount),
                           "entry_id": line.entry_id, "person_id": line.person_id} for line in invoice.lines],
                "payments": [{"kind": p.kind, "method": p.method, "amount": str(p.amount), "received_on": p.received_on.isoformat(),
                              "reference": p.reference} for p in invoice.payments],
            }
            for invoice in invoices
        ]
    }


def forget_people(plan) -> None:
    """Keep the money; drop the payment references of the purged festivals (a bank line names its payer) and deleted payers."""
    if plan.festival_ids:
        invoices = select(Invoice.id).where(Invoice.festival_id.in_(plan.festival_ids))
        db.session.execute(
            update(Payment).where(Payment.invoice_id.in_(invoices)).values(reference="").execution_options(synchronize_session=False)
        )
    if plan.user_ids:
        db.session.execute(
            update(Invoice).where(Invoice.user_id.in_(plan.user_ids)).values(user_id=None).execution_options(synchronize_session=False)
        )
