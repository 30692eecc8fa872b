"""Invoices and receipts as PDF, in the visitor's language, from the PDF service (mfo.pdf).

An entrant downloads their own invoice and a receipt for each of its payments; holders of
fees-read download any invoice or receipt of the festival. Anyone else's invoice or payment, or
one of another festival, is a 404 (not a 403: an id must not tell whether it exists). Where the
server cannot make PDFs, mfo.pdf answers 503.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Response, abort
from flask_security import auth_required, current_user
from sqlalchemy import Select, select
from werkzeug.utils import secure_filename

from mfo.database import db
from mfo.database.models import User
from mfo.enter.models import Profile
from mfo.entries.models import EntryPerformer
from mfo.fees.labels import LINE_LABELS, METHOD_LABELS, PAYMENT_KIND_LABELS
from mfo.fees.models import Invoice, InvoiceLine, Payment
from mfo.fees.permissions import FEES_READ
from mfo.festival.models import Festival
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.pdf import MIMETYPE, render_pdf
from mfo.people.models import Person

bp = festival_blueprint("fees_documents", __name__, url_prefix="/fees", template_folder="templates")


@dataclass(frozen=True)
class Payer:
    """Who an invoice is addressed to: a name (their own profile's, else the account's) and the account's email."""

    name: str
    email: str


def readable(statement: Select, festival: Festival) -> Select:
    """Keep the festival's invoices, and only the visitor's own unless they hold fees-read."""
    statement = statement.where(Invoice.festival_id == festival.id)
    if not current_user.has_permission(FEES_READ):
        statement = statement.where(Invoice.user_id == current_user.id)
    return statement


def invoice_or_404(festival: Festival, invoice_id: int) -> Invoice:
    """Return an invoice the visitor may read, or answer 404."""
    invoice = db.session.scalar(readable(select(Invoice).where(Invoice.id == invoice_id), festival))
    if invoice is None:
        abort(404)
    return invoice


def payment_or_404(festival: Festival, payment_id: int) -> Payment:
    """Return a payment of an invoice the visitor may read, or answer 404."""
    statement = select(Payment).join(Invoice, Invoice.id == Payment.invoice_id).where(Payment.id == payment_id)
    payment = db.session.scalar(readable(statement, festival))
    if payment is None:
        abort(404)
    return payment


def payer_of(invoice: Invoice) -> Payer:
    """Return who the invoice is addressed to (blank once a purge deleted the account)."""
    if invoice.user_id is None:
        return Payer("", "")
    user = db.session.get(User, invoice.user_id)
    own = db.session.scalar(
        select(Person)
        .join(Profile, Profile.person_id == Person.id)
        .where(Profile.user_id == invoice.user_id, Profile.relation == "self")
        .order_by(Profile.id)
        .limit(1)
    )
    name = own.full_name if own is not None else (user.name or "")
    return Payer(name, user.email or "")


def line_people(invoice: Invoice) -> dict[int, list[str]]:
    """Return the names each line is for: its entry's performers, or its person (one query)."""
    performers = (
        select(InvoiceLine.id, Person.first_name, Person.last_name)
        .join(EntryPerformer, EntryPerformer.entry_id == InvoiceLine.entry_id)
        .join(Person, Person.id == EntryPerformer.person_id)
        .where(InvoiceLine.invoice_id == invoice.id)
    )
    named = (
        select(InvoiceLine.id, Person.first_name, Person.last_name)
        .join(Person, Person.id == InvoiceLine.person_id)
        .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.entry_id.is_(None))
    )
    names: dict[int, list[str]] = {}
    for line_id, first_name, last_name in db.session.execute(performers.union_all(named)):
        names.setdefault(line_id, []).append(f"{first_name} {last_name}".strip())
    return names


def signed(payment: Payment) -> Decimal:
    """Return a payment's amount as it counts towards what was paid (a refund paid back is negative)."""
    return -payment.amount if payment.kind == "refund" else payment.amount


def pdf_response(data: bytes, filename: str) -> Response:
    """Send PDF bytes to be shown in the browser, under a safe file name."""
    return Response(data, mimetype=MIMETYPE, headers={"Content-Disposition": f'inline; filename="{secure_filename(filename)}"'})


def labels() -> dict:
    """Give the documents' templates the labels of line kinds, payment methods and kinds."""
    return {"line_kinds": LINE_LABELS, "methods": METHOD_LABELS, "payment_kinds": PAYMENT_KIND_LABELS, "signed": signed}


@bp.route("/invoices/<int:invoice_id>.pdf")
@auth_required()
def invoice_pdf(invoice_id: int):
    """Send an invoice as PDF: its lines, payments and balance, in the visitor's language."""
    festival = current_festival()
    invoice = invoice_or_404(festival, invoice_id)
    data = render_pdf(
        "fees/pdf/invoice.html", festival=festival, invoice=invoice, payer=payer_of(invoice), people=line_people(invoice), **labels()
    )
    return pdf_response(data, f"{festival.slug}-invoice-{invoice.number}.pdf")


@bp.route("/payments/<int:payment_id>/receipt.pdf")
@auth_required()
def receipt_pdf(payment_id: int):
    """Send the receipt of a payment (or of a refund paid back) as PDF, with the invoice's balance."""
    festival = current_festival()
    payment = payment_or_404(festival, payment_id)
    invoice = payment.invoice
    data = render_pdf("fees/pdf/receipt.html", festival=festival, invoice=invoice, payment=payment, payer=payer_of(invoice), **labels())
    return pdf_response(data, f"{festival.slug}-receipt-{invoice.number}-{payment.id}.pdf")
