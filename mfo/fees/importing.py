"""A bank statement import ("payments"): each line whose reference names an invoice of the festival is recorded as a transfer.

A statement has a date, an amount, a reference and (optionally) a payer per line. A line is matched to
the invoice whose number its reference holds (case, spaces and dashes aside: "inv 2027 0012" finds
INV-2027-0012) and recorded with `record_payment` (method "transfer", received on the line's date).
Every line gets a digest of its date, amount, reference and payer as the payment's external id, so
a line imported again, from the same file or an overlapping statement, is recognised.

What each finding does, and why (an organizer reconciling a statement wants the money that is
clearly theirs recorded, and the rest shown, not a refusal of the whole file):

- `payment-amount` (error): the amount is unreadable, zero or negative. A statement's debits and
  a wrongly mapped column look like this; the organizer leaves those rows out (or fixes the
  mapping), as with any error, and nothing is written while one is left in.
- `payment-unmatched` (warning): no invoice number of the festival in the reference, or the numbers
  of several invoices (the amount cannot be shared out). Not recorded: the organizer records it by
  hand on the right invoice if it is a payment at all.
- `payment-duplicate` (warning): the line was imported already, or is on an earlier row of the same
  file. Not recorded again (a bank statement lists each transfer once; the same date, amount,
  reference and payer twice is an overlap of two exports).
- `payment-over` (warning): more than the invoice's balance (after the file's earlier lines for
  it). Recorded all the same: the money did come in, and the invoice then shows a credit the
  organizer refunds or keeps; refusing it would leave the statement and the books apart.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from mfo.database import db
from mfo.database.models import User
from mfo.fees.models import ZERO, Invoice, InvoiceLine, Payment
from mfo.fees.payments import record_payment
from mfo.fees.permissions import FEES_WRITE
from mfo.festival.models import Festival
from mfo.festival.values import parse_money
from mfo.imports.cells import Cells
from mfo.imports.changes import ChangeLog
from mfo.imports.kinds import ImportKind, Record
from mfo.imports.plan import BLOCKED, CREATED, EXCLUDED, MATCHED, PROGRESS_STEP, Plan, Progress, RowResult, no_progress
from mfo.imports.tabular import Column, ColumnMatch, Table
from mfo.issues.codes import ERROR, WARNING, Code, Issue

COLUMNS: tuple[Column, ...] = (
    Column("date", required=True, aliases=("booking date", "transaction date", "value date", "posted", "date de valeur", "jour")),
    Column("amount", required=True, aliases=("credit", "amount received", "paid in", "montant", "crédit", "credit amount")),
    Column("reference", required=True, aliases=(
        "description", "memo", "details", "narrative", "communication", "libellé", "libelle", "référence", "motif",
    )),
    Column("payer", aliases=("name", "from", "counterparty", "payeur", "émetteur", "donneur d'ordre", "remitter")),
)

FIELD_HELP = {
    "date": _l("The day the bank received the transfer, YYYY-MM-DD or day/month/year"),
    "amount": _l("The amount received, e.g. 45.00 (a debit or a blank amount is refused)"),
    "reference": _l("The transfer's reference or description: it must hold the invoice's number, e.g. INV-2027-0012"),
    "payer": _l("Who sent it (used only to tell two lines apart)"),
}

# Longer than any bank's reference (SEPA's is 140 characters) or account holder's name: a cell over these is not one.
REFERENCE_LENGTH = 500
PAYER_LENGTH = 200
# An invoice number is found as up to this many runs of letters or digits of a reference ("INV", "2027", "0012").
MAX_NUMBER_PARTS = 6
_PARTS = re.compile(r"[^\W\d_]+|\d+")
DIGEST_PREFIX = "bank:"
CENT = Decimal("0.01")


def _amount_message(**p):
    """Say why an amount is not a payment: unreadable, or not above zero."""
    if p.get("problem") == "unreadable":
        return _l("The amount “%(value)s” is not a number: write it like 12.50.", **p)
    return _l("The amount %(value)s is not a payment: a line is recorded only for money received (above zero).", **p)


def _unmatched_message(**p):
    """Say why a line matches no invoice: no number in its reference, or several."""
    if p.get("problem") == "several":
        return _l(
            "The reference names several invoices (%(numbers)s): this payment of %(amount)s is not recorded; "
            "record it by hand on each invoice.", **p,
        )
    return _l(
        "No invoice number of this festival in the reference: this payment of %(amount)s on %(date)s is not recorded; "
        "record it by hand if it is one.", **p,
    )


def _duplicate_message(**p):
    """Say where the line was seen before: on an earlier row of the file, or in an earlier import."""
    if p.get("problem") == "file":
        return _l("The same line is on row %(other)s: it is recorded once.", **p)
    return _l("This line was imported already (a payment of %(amount)s on invoice %(number)s): it is not recorded again.", **p)


# The payments import's codes, part of the product's interface (--json prints them): never rename one.
CODES: dict[str, Code] = {
    code.code: code
    for code in (
        Code("payment-amount", ERROR, _l("Not a payment amount"), _amount_message),
        Code("payment-unmatched", WARNING, _l("No invoice found"), _unmatched_message),
        Code("payment-duplicate", WARNING, _l("Imported already"), _duplicate_message),
        Code(
            "payment-over", WARNING, _l("More than the balance"),
            lambda **p: _l(
                "This payment of %(amount)s is more than the balance of invoice %(number)s (%(balance)s): it is "
                "recorded, and the invoice shows a credit to refund or keep.", **p,
            ),
        ),
    )
}


def number_key(text: str) -> str:
    """Return how an invoice number is compared: its letters and digits, upper case ("inv 2027-12" -> "INV202712")."""
    return "".join(_PARTS.findall(text.upper()))


def numbers_in(reference: str, known: Collection[str]) -> set[str]:
    """Return the keys of the known invoice numbers a reference holds, each made of whole runs of its letters or digits.

    Runs, not characters: "INV-12" is not found in "INV-123", nor "12" in "2012"; "Facture INV2027 0012" holds
    INV-2027-0012. The work is bounded by the reference's length times MAX_NUMBER_PARTS.
    """
    parts = _PARTS.findall(reference.upper())
    spans: dict[str, tuple[int, int]] = {}
    for start in range(len(parts)):
        key = ""
        for end, part in enumerate(parts[start : start + MAX_NUMBER_PARTS], start=start + 1):
            key += part
            if key in known:
                spans.setdefault(key, (start, end))
    # A number found inside the runs of a longer one is its part ("2027" may be an invoice number, and a part of
    # INV-2027-0012 too): the longer one is what the reference names.
    return {
        key for key, (start, end) in spans.items()
        if not any(other != key and o_start <= start and end <= o_end for other, (o_start, o_end) in spans.items())
    }


def line_digest(day: date, amount: Decimal, reference: str, payer: str) -> str:
    """Return a bank line's external id: a digest of its date, amount, reference and payer (spacing aside)."""
    text = "\x1f".join((day.isoformat(), str(amount), " ".join(reference.split()), " ".join(payer.split())))
    return DIGEST_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class PaymentLine:
    """A statement line to record: its invoice, amount, day, reference and digest."""

    row: int
    invoice: Invoice
    amount: Decimal
    day: date
    reference: str
    digest: str


def _issue(result: RowResult, code: str, **params) -> None:
    """Add one of the payments import's issues to a row."""
    result.issues.append(Issue(code, params, row=result.row, kind=CODES[code]))


def read_amount(cells: Cells) -> Decimal | None:
    """Return the line's amount above zero, or None (blank: missing-field; unreadable, zero or negative: payment-amount)."""
    text = cells.required("amount")
    if not text:
        return None
    try:
        amount = parse_money(text)
    except ValueError:
        # parse_money refuses negative amounts as it refuses text: tell a debit from an unreadable cell.
        problem = "unreadable"
        stripped = text.strip().strip("()").lstrip("-−–").strip()
        if stripped != text.strip():
            try:
                parse_money(stripped)
                problem = "negative"
            except ValueError:
                pass
        _issue(cells.result, "payment-amount", value=text[:50], problem=problem)
        return None
    if amount is not None and amount <= ZERO:
        _issue(cells.result, "payment-amount", value=text[:50], problem="zero")
        return None
    return amount


def _balances(festival: Festival) -> tuple[dict[int, Decimal], set[tuple[int, str]]]:
    """Return every invoice's balance by id, and the (invoice id, external id) of the payments already recorded."""
    owed: dict[int, Decimal] = {}
    of_festival = select(Invoice.id).where(Invoice.festival_id == festival.id)
    for invoice_id, total in db.session.execute(
        select(InvoiceLine.invoice_id, func.sum(InvoiceLine.amount)).where(InvoiceLine.invoice_id.in_(of_festival))
        .group_by(InvoiceLine.invoice_id)
    ):
        owed[invoice_id] = Decimal(total or 0).quantize(CENT)
    for invoice_id, kind, total in db.session.execute(
        select(Payment.invoice_id, Payment.kind, func.sum(Payment.amount)).where(Payment.invoice_id.in_(of_festival))
        .group_by(Payment.invoice_id, Payment.kind)
    ):
        paid = Decimal(total or 0).quantize(CENT)
        owed[invoice_id] = owed.get(invoice_id, ZERO) + (-paid if kind == "payment" else paid)
    recorded = {
        (invoice_id, external_id)
        for invoice_id, external_id in db.session.execute(
            select(Payment.invoice_id, Payment.external_id).where(
                Payment.invoice_id.in_(of_festival), Payment.external_id.is_not(None)
            )
        )
    }
    return owed, recorded


def plan_payments(
    festival: Festival,
    table: Table,
    match: ColumnMatch,
    *,
    excluded: Collection[int] = (),
    progress: Progress = no_progress,
) -> Plan:
    """Check a bank statement against the festival's invoices; return what importing it would record (nothing written)."""
    excluded = set(excluded)
    invoices = {number_key(invoice.number): invoice for invoice in db.session.scalars(
        select(Invoice).where(Invoice.festival_id == festival.id)
    )}
    invoices.pop("", None)
    owed, recorded = _balances(festival)
    plan = Plan(kind="payments", results=[], excluded=sorted(excluded), extra_cells=list(table.extra_cells))
    first_row: dict[str, int] = {}
    lines: list[PaymentLine] = []
    for position, row in enumerate(table.rows, start=1):
        result = RowResult(row.number)
        plan.results.append(result)
        left_out = row.number in excluded
        line = _read_line(Cells(match, row, result), invoices, owed, recorded, {} if left_out else first_row)
        if left_out:
            result.outcome = EXCLUDED
        elif result.errors:
            result.outcome = BLOCKED
        elif line is not None:
            owed[line.invoice.id] = owed.get(line.invoice.id, ZERO) - line.amount
            lines.append(line)
            plan.created["payment"] += 1
        elif result.outcome == MATCHED:
            plan.matched["payment"] += 1
        if position % PROGRESS_STEP == 0:
            progress(position)
    plan.writer = lambda batch, changes: _write(batch, lines, changes)
    progress(len(plan.results))
    return plan


def _read_line(
    cells: Cells,
    invoices: dict[str, Invoice],
    owed: dict[int, Decimal],
    recorded: set[tuple[int, str]],
    first_row: dict[str, int],
) -> PaymentLine | None:
    """Read one statement line and note its issues; return the payment it records, or None (its outcome says why)."""
    result = cells.result
    day = cells.date("date") if cells.required("date") else None
    amount = read_amount(cells)
    reference = " ".join(cells.text("reference").split())
    payer = " ".join(cells.text("payer").split())
    if len(reference) > REFERENCE_LENGTH:
        cells.too_long("reference", REFERENCE_LENGTH)
    if len(payer) > PAYER_LENGTH:
        cells.too_long("payer", PAYER_LENGTH)
    shown = str(amount) if amount is not None else cells.text("amount")[:50]
    result.label = " · ".join(part for part in ((day.isoformat() if day else ""), shown) if part)
    if result.errors or day is None or amount is None:
        return None
    keys = sorted(numbers_in(reference, invoices))
    if len(keys) != 1:
        result.outcome = EXCLUDED
        if keys:
            _issue(result, "payment-unmatched", amount=str(amount), date=day.isoformat(), problem="several",
                   numbers=", ".join(invoices[key].number for key in keys))
        else:
            _issue(result, "payment-unmatched", amount=str(amount), date=day.isoformat())
        return None
    invoice = invoices[keys[0]]
    result.label = f"{result.label} · {invoice.number}"
    digest = line_digest(day, amount, reference, payer)
    other = first_row.setdefault(digest, result.row)
    if other != result.row:
        result.outcome = MATCHED
        result.touch("payment", MATCHED, invoice.number)
        _issue(result, "payment-duplicate", problem="file", other=other)
        return None
    if (invoice.id, digest) in recorded:
        result.outcome = MATCHED
        result.touch("payment", MATCHED, invoice.number)
        _issue(result, "payment-duplicate", amount=str(amount), number=invoice.number)
        return None
    balance = owed.get(invoice.id, ZERO)
    if amount > balance:
        _issue(result, "payment-over", amount=str(amount), number=invoice.number, balance=str(max(balance, ZERO)))
    result.outcome = CREATED
    result.touch("payment", CREATED, invoice.number)
    return PaymentLine(result.row, invoice, amount, day, reference, digest)


def _write(batch, lines: list[PaymentLine], changes: ChangeLog) -> None:
    """Record the statement's payments in the current transaction, noting each for the undo."""
    recorded_by = db.session.get(User, batch.user_id) if batch.user_id else None
    ids = [
        record_payment(
            line.invoice, line.amount, "transfer", line.day, reference=line.reference, external_id=line.digest,
            recorded_by=recorded_by, import_id=batch.id,
        ).id
        for line in lines
    ]
    changes.created("payment", ids)


PAYMENTS = ImportKind(
    name="payments",
    label=_l("Payments (bank statement)"),
    description=_l("One row per line of the bank statement; a line whose reference holds an invoice number is recorded as a transfer."),
    columns=COLUMNS,
    field_help=FIELD_HELP,
    permission=FEES_WRITE,
    planner=plan_payments,
    records=(Record(Payment, "payment", _l("payments")),),
    personal_fields=("reference", "payer"),
    sheet_title="payments",
    example_rows=(
        ("2027-03-02", "45.00", "INV-2027-0012 Smith", "J SMITH"),
        ("2027-03-03", "120.00", "Festival fees inv 2027 0031", "R. Tremblay"),
    ),
    codes=CODES,
)
