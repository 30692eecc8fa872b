"""The fees pages of a festival: the organizers' invoices, an invoice with its payments, the fee rules; an entrant's own invoice.

Organizers' pages need fees-read to look and fees-write to change (rules, payments). The entrant's
page (`mine`) needs only a signed-in account and shows the invoice of that account alone: it takes
no invoice id, so there is none to change in the address.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user, permissions_accepted
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from mfo.audit.trail import record
from mfo.database import db
from mfo.database.models import User
from mfo.entries.models import Entry, EntryPerformer
from mfo.fees import invoices
from mfo.fees.forms import PaymentForm, RulesForm
from mfo.fees.models import FeeRules, Invoice, InvoiceLine, Payment
from mfo.fees.payments import PaymentError, record_payment
from mfo.fees.permissions import FEES_READ, FEES_WRITE
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.festival.slots import INVOICE_ACTIONS, collect_flat
from mfo.people.models import Person

bp = festival_blueprint("fees", __name__, url_prefix="/fees", template_folder="templates")

PER_PAGE = 50
BALANCE_FILTERS = ("due", "credit")


def _balance_column():
    """Return each invoice's total less what was paid (payments less refunds), as SQL."""
    total = select(func.coalesce(func.sum(InvoiceLine.amount), 0)).where(InvoiceLine.invoice_id == Invoice.id).scalar_subquery()
    paid = select(
        func.coalesce(func.sum(case((Payment.kind == "payment", Payment.amount), else_=-Payment.amount)), 0)
    ).where(Payment.invoice_id == Invoice.id).scalar_subquery()
    return total - paid


@bp.route("/")
@auth_required()
@permissions_accepted(FEES_READ)
def index():
    """The festival's invoices: number, payer's account, total, paid and balance; filtered to those with a balance."""
    festival = current_festival()
    balance = (request.args.get("balance") or "")[:10]
    balance = balance if balance in BALANCE_FILTERS else ""
    query = select(Invoice).where(Invoice.festival_id == festival.id).order_by(Invoice.number, Invoice.id)
    if balance == "due":
        query = query.where(_balance_column() > 0)
    elif balance == "credit":
        query = query.where(_balance_column() < 0)
    query = query.options(selectinload(Invoice.lines), selectinload(Invoice.payments))
    page = db.paginate(query, page=max(request.args.get("page", 1, type=int) or 1, 1), per_page=PER_PAGE, error_out=False)
    emails = _payer_emails(page.items)
    has_invoices = bool(page.total) or db.session.scalar(select(Invoice.id).where(Invoice.festival_id == festival.id).limit(1))
    return render_template(
        "fees/index.html", festival=festival, page=page, emails=emails, balance=balance, has_invoices=has_invoices,
        args={"balance": balance} if balance else {},
    )


def _payer_emails(items: list[Invoice]) -> dict[int, str]:
    """Return the payers' account emails of these invoices, by user id."""
    ids = {invoice.user_id for invoice in items if invoice.user_id is not None}
    return dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all()) if ids else {}


def _line_context(invoice: Invoice) -> tuple[dict[int, Entry], dict[int, Person]]:
    """Return the entries (with class and performers) and the people the invoice's lines name, by id."""
    entry_ids = {line.entry_id for line in invoice.lines if line.entry_id is not None}
    person_ids = {line.person_id for line in invoice.lines if line.person_id is not None}
    entries = {
        entry.id: entry
        for entry in db.session.scalars(
            select(Entry).where(Entry.id.in_(entry_ids)).options(
                joinedload(Entry.festival_class), selectinload(Entry.performers).joinedload(EntryPerformer.person), joinedload(Entry.group)
            )
        )
    } if entry_ids else {}
    people = {person.id: person for person in db.session.scalars(select(Person).where(Person.id.in_(person_ids)))} if person_ids else {}
    return entries, people


def festival_invoice(invoice_id: int) -> Invoice:
    """Return this festival's invoice by id; 404 for another festival's or none."""
    invoice = invoices.invoice_in(current_festival(), invoice_id)
    if invoice is None:
        abort(404)
    return invoice


def _render_invoice(invoice: Invoice, form: PaymentForm | None):
    """Show an invoice to organizers, with the payment form for fees-write holders."""
    entries, people = _line_context(invoice)
    payer = db.session.get(User, invoice.user_id) if invoice.user_id is not None else None
    return render_template(
        "fees/invoice.html", festival=current_festival(), invoice=invoice, entries=entries, people=people,
        payer=payer, form=form,
    )


@bp.route("/invoices/<int:invoice_id>")
@auth_required()
@permissions_accepted(FEES_READ)
def invoice_page(invoice_id: int):
    """An invoice: its lines (class and performer), payments and balance; the payment form for fees-write holders."""
    invoice = festival_invoice(invoice_id)
    return _render_invoice(invoice, PaymentForm() if current_user.has_permission(FEES_WRITE) else None)


@bp.route("/invoices/<int:invoice_id>/payments", methods=["POST"])
@auth_required()
@permissions_accepted(FEES_WRITE)
def add_payment(invoice_id: int):
    """Record a payment received, or a refund paid back, on an invoice."""
    invoice = festival_invoice(invoice_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _render_invoice(invoice, form), 400
    try:
        payment = record_payment(
            invoice, form.amount.data, form.method.data, form.received_on.data, kind=form.kind.data,
            reference=form.reference.data or "", recorded_by=current_user,
        )
    except PaymentError:
        db.session.rollback()
        abort(400)
    db.session.commit()
    if payment.kind == "refund":
        flash(_("Refund recorded on invoice %(number)s.", number=invoice.number), "success")
    else:
        flash(_("Payment recorded on invoice %(number)s.", number=invoice.number), "success")
    return redirect(url_for("fees.invoice_page", invoice_id=invoice.id))


RULE_FIELDS = (
    "registration_fee", "registration_per", "family_discount_from", "family_discount_percent", "late_after", "late_fee",
    "refund_policy", "refund_percent", "refund_before",
)


@bp.route("/rules", methods=["GET", "POST"])
@auth_required()
@permissions_accepted(FEES_WRITE)
def rules():
    """The festival's fee rules: registration fee, family discount, late fee and refund policy."""
    festival = current_festival()
    row = invoices.rules_row(festival)
    form = RulesForm(obj=row)
    if form.validate_on_submit():
        values = form.values()
        created = row is None
        if created:
            row = FeeRules(festival_id=festival.id)
            db.session.add(row)
        changed = [name for name in RULE_FIELDS if getattr(row, name) != values[name]]
        for name in RULE_FIELDS:
            setattr(row, name, values[name])
        db.session.flush()
        if changed or created:
            # The rules are not personal: the audit keeps the new values of what changed.
            record(
                "fee_rules-updated", target=f"festival #{festival.id} fee rules",
                details={name: str(values[name]) if values[name] is not None else None for name in changed},
            )
        db.session.commit()
        flash(_("The fee rules are saved. They apply to the entries submitted from now on."), "success")
        return redirect(url_for("fees.rules"))
    return render_template("fees/rules.html", festival=festival, form=form), 400 if form.errors else 200


@bp.route("/mine")
@auth_required()
def mine():
    """The signed-in account's invoice for the festival: its lines, payments, balance and what it can do (pay)."""
    festival = current_festival()
    invoice = invoices.invoice_of(festival, current_user)
    entries, people = _line_context(invoice) if invoice is not None else ({}, {})
    actions = collect_flat(INVOICE_ACTIONS, invoice) if invoice is not None else []
    return render_template("fees/mine.html", festival=festival, invoice=invoice, entries=entries, people=people, actions=actions)
