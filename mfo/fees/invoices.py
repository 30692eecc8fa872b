"""Invoices: one per payer (the account that submitted) per festival, and the lines submissions and withdrawals add.

The enter feature's signals call `charge_submission` and `credit_withdrawal` inside the sender's
transaction (they flush, never commit: the entries and their fees land together or not at all).
What a line charges is decided by mfo.fees.rules; here the invoice's history is read for those
functions (its performers, the registrations charged) and the lines they return are written.
Lines are only ever added: a refund is a new negative line, so what an entrant was shown stays true.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_security.utils import naive_utcnow
from sqlalchemy import func, select

from mfo.audit.trail import record
from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer
from mfo.fees.models import ZERO, FeeRules, Invoice, InvoiceLine
from mfo.fees.rules import Charge, Charged, LineDraft, Rules, refund_amount, submission_lines
from mfo.festival.locks import lock_for_writing
from mfo.festival.models import Festival

EXTENSION_KEY = "mfo.fees"


def rules_row(festival: Festival) -> FeeRules | None:
    """Return the festival's fee rules row, if the organizers set one."""
    return db.session.scalar(select(FeeRules).where(FeeRules.festival_id == festival.id))


def rules_of(festival: Festival) -> Rules:
    """Return the festival's fee rules (class fees only when none are set)."""
    return Rules.from_row(rules_row(festival))


def invoice_of(festival: Festival, user) -> Invoice | None:
    """Return the account's invoice for the festival, if it submitted entries (None for anonymous or no invoice)."""
    user_id = getattr(user, "id", None)
    if user_id is None:
        return None
    return db.session.scalar(select(Invoice).where(Invoice.festival_id == festival.id, Invoice.user_id == user_id))


def invoice_in(festival: Festival, invoice_id: int) -> Invoice | None:
    """Return the festival's invoice with this id (None for another festival's or none)."""
    return db.session.scalar(select(Invoice).where(Invoice.id == invoice_id, Invoice.festival_id == festival.id))


def invoice_number(year: int, sequence: int) -> str:
    """Return an invoice's number: the festival's year and a sequence of at least four digits (2027-0001)."""
    return f"{year}-{sequence:04d}"


def next_number(festival: Festival) -> str:
    """Return the festival's next invoice number (the highest sequence used, plus one); call under the festival's lock."""
    prefix = f"{festival.year}-"
    used = [
        int(number[len(prefix):])
        for number in db.session.scalars(select(Invoice.number).where(Invoice.festival_id == festival.id))
        if number.startswith(prefix) and number[len(prefix):].isdigit()
    ]
    return invoice_number(festival.year, max(used, default=0) + 1)


def open_invoice(festival: Festival, user) -> Invoice:
    """Return the account's invoice for the festival, making it (with the next number) on its first submission.

    Two submissions at once would read the same highest number: the festival's write lock makes the
    second wait for the first's commit, then read the number it took (and the invoice it made, when
    both are the same account's). The unique constraints stay the last word.
    """
    invoice = invoice_of(festival, user)
    if invoice is not None:
        return invoice
    lock_for_writing(festival)
    invoice = invoice_of(festival, user)
    if invoice is not None:
        return invoice
    invoice = Invoice(festival_id=festival.id, user_id=user.id, number=next_number(festival))
    db.session.add(invoice)
    db.session.flush()
    record("invoice-created", target=f"invoice {invoice.number}", details={"invoice": invoice.id, "festival": festival.id})
    return invoice


def charged_on(festival: Festival, invoice: Invoice | None, performers: set[int]) -> Charged:
    """Return what the rules need of a payer's invoice so far, and which of these performers paid their registration."""
    registered = frozenset(
        db.session.scalars(
            select(InvoiceLine.person_id).join(Invoice, Invoice.id == InvoiceLine.invoice_id).where(
                Invoice.festival_id == festival.id, InvoiceLine.kind == "registration", InvoiceLine.person_id.in_(performers)
            )
        )
    ) if performers else frozenset()
    if invoice is None:
        return Charged(registered=registered)
    order = db.session.execute(
        select(EntryPerformer.person_id)
        .join(InvoiceLine, InvoiceLine.entry_id == EntryPerformer.entry_id)
        .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.kind == "entry")
        .order_by(InvoiceLine.position, InvoiceLine.id, EntryPerformer.position)
    ).scalars()
    family = db.session.scalar(
        select(func.count(InvoiceLine.id)).where(
            InvoiceLine.invoice_id == invoice.id, InvoiceLine.kind == "registration", InvoiceLine.person_id.is_(None)
        )
    )
    return Charged(performers=tuple(dict.fromkeys(order)), registered=registered, family_registered=bool(family))


def charges_of_entries(entries: list[Entry]) -> list[Charge]:
    """Return submitted entries as the rules read them (the fee copied to the entry, its performers in order)."""
    return [
        Charge(entry.id, entry.festival_class.code, entry.festival_class.name, entry.fee or ZERO,
               tuple(performer.person_id for performer in entry.performers))
        for entry in entries
    ]


def charges_of_drafts(drafts) -> list[Charge]:
    """Return an account's basket drafts as the rules read them (the class's fee: what submitting will copy)."""
    return [
        Charge(None, item.festival_class.code, item.festival_class.name, item.festival_class.fee or ZERO, (item.profile.person_id,))
        for item in drafts
    ]


def lines_for(festival: Festival, invoice: Invoice | None, charges: list[Charge], on: date) -> list[LineDraft]:
    """Return the lines these charges add to the payer's invoice (or to the invoice their first submission makes)."""
    performers = {person_id for charge in charges for person_id in charge.performers}
    return submission_lines(rules_of(festival), charged_on(festival, invoice, performers), charges, on)


@dataclass(frozen=True)
class Preview:
    """What a submission will add: its lines, their sum, the invoice's balance before and after."""

    lines: list[LineDraft]
    added: Decimal
    balance_before: Decimal
    balance_after: Decimal


def preview(festival: Festival, user, drafts, on: date | None = None) -> Preview:
    """Return what submitting these drafts today will add to the account's invoice, by the same rules as the submission."""
    invoice = invoice_of(festival, user)
    lines = lines_for(festival, invoice, charges_of_drafts(drafts), on or naive_utcnow().date())
    added = sum((line.amount for line in lines), ZERO)
    before = invoice.balance if invoice is not None else ZERO
    return Preview(lines, added, before, before + added)


def _add_lines(invoice: Invoice, drafts: list[LineDraft], at: datetime) -> list[InvoiceLine]:
    """Write line drafts at the end of the invoice, dated `at`."""
    last = db.session.scalar(select(func.max(InvoiceLine.position)).where(InvoiceLine.invoice_id == invoice.id))
    start = (last if last is not None else -1) + 1
    lines = [
        InvoiceLine(kind=draft.kind, amount=draft.amount, description=draft.description, entry_id=draft.entry_id,
                    person_id=draft.person_id, position=start + number, created_at=at)
        for number, draft in enumerate(drafts)
    ]
    invoice.lines.extend(lines)
    db.session.flush()
    return lines


def charge_submission(festival: Festival, user, entries: list[Entry], at: datetime) -> Invoice | None:
    """Add a submission's lines (entry fees, discounts, late fees, registrations) to the payer's invoice; flush, no commit."""
    if not entries:
        return None
    invoice = open_invoice(festival, user)
    lines = _add_lines(invoice, lines_for(festival, invoice, charges_of_entries(entries), at.date()), at)
    record(
        "invoice-charged", target=f"invoice {invoice.number}",
        details={"invoice": invoice.id, "entries": [entry.id for entry in entries], "lines": len(lines),
                 "amount": str(sum((line.amount for line in lines), ZERO))},
    )
    return invoice


def credit_withdrawal(festival: Festival, entries: list[Entry], at: datetime) -> list[InvoiceLine]:
    """Add a negative "refund" line for each withdrawn entry the refund policy gives money back for; flush, no commit.

    The line goes on the invoice that charged the entry (its payer's, whoever withdrew it), dated
    `at`. What is given back is the entry's fee less its discount (mfo.fees.rules.refund_amount); an
    entry refunded already, or never invoiced (added by an organizer), gets nothing more.
    """
    rules = rules_of(festival)
    made = []
    for entry in entries:
        rows = db.session.execute(
            select(InvoiceLine.invoice_id, InvoiceLine.kind, InvoiceLine.amount, InvoiceLine.description)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(InvoiceLine.entry_id == entry.id, Invoice.festival_id == festival.id)
        ).all()
        charged = [row for row in rows if row.kind == "entry"]
        if not charged or any(row.kind == "refund" for row in rows):
            continue
        paid = sum((row.amount for row in rows if row.kind in ("entry", "discount")), ZERO)
        amount = refund_amount(rules, paid, at.date())
        if amount <= 0:
            continue
        invoice = db.session.get(Invoice, charged[0].invoice_id)
        first = entry.performers[0].person_id if entry.performers else None
        [line] = _add_lines(invoice, [LineDraft("refund", -amount, charged[0].description, entry.id, first)], at)
        record(
            "invoice-credited", target=f"invoice {invoice.number}",
            details={"invoice": invoice.id, "entry": entry.id, "amount": str(line.amount), "policy": rules.refund_policy},
        )
        made.append(line)
    return made


def invoice_of_entry(entry: Entry) -> Invoice | None:
    """Return the invoice that charged this entry's fee, if any (an entry an organizer added has none)."""
    return db.session.scalar(
        select(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id).where(
            InvoiceLine.entry_id == entry.id, InvoiceLine.kind == "entry"
        ).limit(1)
    )


def balance(invoice: Invoice | None) -> Decimal:
    """Return what is still owed on an invoice (zero for none; negative: the festival owes the payer)."""
    return invoice.balance if invoice is not None else ZERO


# The receivers of the enter feature's signals (connected by init_app)


def _installed() -> bool:
    """Tell whether the fees feature is part of the current app (blinker's signals are shared by every app in a process)."""
    return bool(current_app.extensions.get(EXTENSION_KEY))


def on_basket_submitted(festival: Festival, *, user, entries: list[Entry], at: datetime, **_extra) -> None:
    """Charge a submission to the payer's invoice (the enter feature's `basket_submitted`)."""
    if _installed():
        charge_submission(festival, user, entries, at)


def on_entries_withdrawn(festival: Festival, *, user, entries: list[Entry], at: datetime, **_extra) -> None:
    """Credit withdrawn entries by the refund policy (the enter feature's `entries_withdrawn`)."""
    if _installed():
        credit_withdrawal(festival, entries, at)
