"""The fees reports: invoices with their balances, payments by day and method, and the balances still owed.

They read the fees feature's invoices, lines and payments (mfo.fees.models) and need fees-read
besides festival-read: who pays what is for the festival's treasurer and organizers, not for the
staff who help on the day. An invoice's total, paid and balance are computed in SQL (one
aggregate per invoice, joined), so pages, totals and exports run a fixed number of queries; a
refund paid back counts against what was paid. The payer's email and phone are personal data,
selected only for holders of people-read, like every report's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, case, func, literal, or_, select, union

from mfo.database import db
from mfo.database.collation import reading
from mfo.database.models import User
from mfo.enter.models import Profile
from mfo.entries.models import EntryPerformer
from mfo.fees.labels import METHOD_LABELS
from mfo.fees.models import PAYMENT_METHODS, Invoice, InvoiceLine, Payment
from mfo.fees.permissions import FEES_READ
from mfo.festival.models import Festival
from mfo.people.models import Person
from mfo.reports.framework import ChoiceFilter, Column, IdSource, Report, ReportQuery, among
from mfo.reports.queries import Row, by_id, full_name, matches

# What an invoice's balance filter offers: still owed, settled, or owed back to the payer.
BALANCE_CHOICES = {"due": _l("Balance due"), "settled": _l("Settled"), "credit": _l("Owed to the payer")}


def signed_amount(payment=Payment) -> ColumnElement:
    """Return a payment's amount as it counts towards what was paid: a refund paid back is negative."""
    return case((payment.kind == "refund", -payment.amount), else_=payment.amount)


def _cents(expression: ColumnElement) -> ColumnElement:
    """Round money to the cent in SQL before comparing it (SQLite adds Numeric columns as floats: 0.1 + 0.2 - 0.3 > 0)."""
    return func.round(expression, 2)


def invoice_sums(festival: Festival):
    """Return the festival's invoices with their total, paid and balance (a subquery, one row per invoice)."""
    lines = (
        select(InvoiceLine.invoice_id.label("invoice_id"), func.sum(InvoiceLine.amount).label("total"))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.festival_id == festival.id)
        .group_by(InvoiceLine.invoice_id)
        .subquery("line_sums")
    )
    payments = (
        select(
            Payment.invoice_id.label("invoice_id"),
            func.sum(signed_amount()).label("paid"),
            func.max(Payment.received_on).label("last_payment"),
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Invoice.festival_id == festival.id)
        .group_by(Payment.invoice_id)
        .subquery("payment_sums")
    )
    total = func.coalesce(lines.c.total, 0)
    paid = func.coalesce(payments.c.paid, 0)
    return (
        select(
            Invoice.id.label("invoice_id"),
            total.label("total"),
            paid.label("paid"),
            (total - paid).label("balance"),
            payments.c.last_payment.label("last_payment"),
        )
        .outerjoin(lines, lines.c.invoice_id == Invoice.id)
        .outerjoin(payments, payments.c.invoice_id == Invoice.id)
        .where(Invoice.festival_id == festival.id)
        .subquery("invoice_sums")
    )


def balance_choices(festival: Festival) -> list[tuple[str, Any]]:
    """Return the balance filter's options (no query)."""
    del festival
    return list(BALANCE_CHOICES.items())


def method_choices(festival: Festival) -> list[tuple[str, Any]]:
    """Return the payment methods as filter options (no query)."""
    del festival
    return [(method, METHOD_LABELS[method]) for method in PAYMENT_METHODS]


def invoice_people(ids: IdSource) -> dict[int, list[str]]:
    """Return the names of the people each invoice is for: its entries' performers and its lines' persons (one query)."""
    performers = select(InvoiceLine.invoice_id.label("invoice_id"), EntryPerformer.person_id.label("person_id")).join(
        EntryPerformer, EntryPerformer.entry_id == InvoiceLine.entry_id
    )
    named = select(InvoiceLine.invoice_id.label("invoice_id"), InvoiceLine.person_id.label("person_id")).where(
        InvoiceLine.person_id.is_not(None)
    )
    people = union(performers, named).subquery("invoice_people")
    query = among(
        select(people.c.invoice_id, Person.first_name, Person.last_name).join(Person, Person.id == people.c.person_id),
        people.c.invoice_id,
        ids,
    ).order_by(people.c.invoice_id, reading(Person.last_name), reading(Person.first_name), Person.id)
    names: dict[int, list[str]] = {}
    for invoice_id, first_name, last_name in db.session.execute(query):
        name = f"{first_name} {last_name}".strip()
        listed = names.setdefault(invoice_id, [])
        if name not in listed:
            listed.append(name)
    return names


class InvoicesReport(Report):
    """Every invoice of the festival: its number, payer, the performers it is for, its total, what was paid and the balance."""

    name = "invoices"
    title = _l("Invoices")
    description = _l(
        "Every invoice with its payer, the performers it is for, its total, what was paid (refunds taken off) and the balance."
    )
    permissions = (FEES_READ,)
    search_label = _l("Invoice number or performer")
    default_sort = "number"
    columns: tuple[Column, ...] = (
        Column("number", _l("Invoice")),
        Column("payer", _l("Payer"), sort_by=("_payer_sort",)),
        Column("email", _l("Payer's email"), personal=True),
        Column("performers", _l("Performers"), "list", sortable=False),
        Column("total", _l("Total"), "money", total=True),
        Column("paid", _l("Paid"), "money", total=True),
        Column("balance", _l("Balance"), "money", total=True),
    )
    filters: tuple[ChoiceFilter, ...] = (ChoiceFilter("balance", _l("Balance"), balance_choices),)

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the festival's invoices with their sums and payer (the account, named by its own profile)."""
        sums = invoice_sums(festival)
        # The payer's name: the person record of the account's own profile, else the account's name.
        own = (
            select(Person.id)
            .join(Profile, Profile.person_id == Person.id)
            .where(Profile.user_id == Invoice.user_id, Profile.relation == "self")
            .order_by(Profile.id)
            .limit(1)
            .correlate(Invoice)
            .scalar_subquery()
        )
        payer = Person.__table__.alias("payer")
        name = func.coalesce(full_name(payer.c), User.name, literal(""))
        contacts = [User.email.label("email"), payer.c.phone.label("phone")] if personal else []
        statement = (
            select(
                Invoice.id.label("id"),
                Invoice.number.label("number"),
                name.label("payer"),
                reading(name).label("_payer_sort"),
                *contacts,
                sums.c.total,
                sums.c.paid,
                sums.c.balance,
                sums.c.last_payment,
            )
            .join(sums, sums.c.invoice_id == Invoice.id)
            .outerjoin(User, User.id == Invoice.user_id)
            .outerjoin(payer, payer.c.id == own)
            .where(Invoice.festival_id == festival.id)
        )
        balance = _cents(sums.c.balance)
        chosen = query.filters.get("balance")
        if chosen == "due":
            statement = statement.where(balance > 0)
        elif chosen == "settled":
            statement = statement.where(balance == 0)
        elif chosen == "credit":
            statement = statement.where(balance < 0)
        search = query.search.strip()
        if search:
            words = matches(Person.name_key, search)
            conditions = [Invoice.number.icontains(search, autoescape=True)]
            if words is not None:
                conditions.append(self._for_person(words))
            statement = statement.where(or_(*conditions))
        return statement

    @staticmethod
    def _for_person(words: ColumnElement) -> ColumnElement:
        """Return "one of the invoice's performers (or its lines' persons) matches the words"."""
        through_entries = (
            select(InvoiceLine.id)
            .join(EntryPerformer, EntryPerformer.entry_id == InvoiceLine.entry_id)
            .join(Person, Person.id == EntryPerformer.person_id)
            .where(InvoiceLine.invoice_id == Invoice.id, words)
            .exists()
        )
        named = (
            select(InvoiceLine.id)
            .join(Person, Person.id == InvoiceLine.person_id)
            .where(InvoiceLine.invoice_id == Invoice.id, words)
            .exists()
        )
        return or_(through_entries, named)

    def enrich(self, festival: Festival, rows: list[Row], ids: IdSource, personal: bool) -> None:
        """Fill the names of the performers each invoice is for (one query)."""
        del festival
        found = by_id(rows, performers=())
        for invoice_id, names in invoice_people(ids).items():
            found[invoice_id]["performers"] = names


class OutstandingReport(InvoicesReport):
    """The invoices with a balance still owed, with the payer's contact and their last payment, to chase them."""

    name = "outstanding"
    title = _l("Outstanding balances")
    description = _l("The invoices with a balance still owed, with the payer's contact and the date of their last payment.")
    default_sort = "number"
    columns = (
        Column("number", _l("Invoice")),
        Column("payer", _l("Payer"), sort_by=("_payer_sort",)),
        Column("email", _l("Payer's email"), personal=True),
        Column("phone", _l("Payer's phone"), personal=True),
        Column("performers", _l("Performers"), "list", sortable=False),
        Column("total", _l("Total"), "money", total=True),
        Column("paid", _l("Paid"), "money", total=True),
        Column("last_payment", _l("Last payment"), "date"),
        Column("balance", _l("Balance due"), "money", total=True),
    )
    filters = ()

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the invoices whose balance is above zero."""
        statement = super().statement(festival, query, personal)
        return statement.where(_cents(statement.selected_columns.balance) > 0)


class PaymentsReport(Report):
    """What came in and went back, by day and method: what a treasurer checks against the bank and the cash box."""

    name = "payments"
    title = _l("Payments by day and method")
    description = _l(
        "The money received and refunded each day, by method: how many payments and refunds, what came in, "
        "what was paid back, and the net amount (refunds counted as negative)."
    )
    permissions = (FEES_READ,)
    search_label = _l("Reference")
    default_sort = "date"
    columns = (
        Column("date", _l("Date"), "date"),
        Column("method", _l("Payment method"), labels=METHOD_LABELS),
        Column("payments", _l("Payments"), "int", total=True),
        Column("refunds", _l("Refunds"), "int", total=True),
        Column("received", _l("Received"), "money", total=True),
        Column("refunded", _l("Refunded"), "money", total=True),
        Column("net", _l("Net"), "money", total=True),
    )
    filters = (ChoiceFilter("method", _l("Payment method"), method_choices),)

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select one row per day and method, over the festival's payments (a search keeps those whose reference holds it)."""
        is_refund = Payment.kind == "refund"
        statement = (
            select(
                # A row's id: the first payment of its day and method, unique as each payment is in one row.
                func.min(Payment.id).label("id"),
                Payment.received_on.label("date"),
                Payment.method.label("method"),
                func.count(case((is_refund, None), else_=Payment.id)).label("payments"),
                func.count(case((is_refund, Payment.id), else_=None)).label("refunds"),
                func.coalesce(func.sum(case((is_refund, 0), else_=Payment.amount)), 0).label("received"),
                func.coalesce(func.sum(case((is_refund, -Payment.amount), else_=0)), 0).label("refunded"),
                func.coalesce(func.sum(signed_amount()), 0).label("net"),
            )
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(Invoice.festival_id == festival.id)
            .group_by(Payment.received_on, Payment.method)
        )
        if "method" in query.filters:
            statement = statement.where(Payment.method == query.filters["method"])
        search = query.search.strip()
        if search:
            statement = statement.where(Payment.reference.icontains(search, autoescape=True))
        return statement


FEES_REPORTS: Sequence[Report] = (InvoicesReport(), PaymentsReport(), OutstandingReport())
