"""Fees: a festival's fee rules, an invoice per payer (its lines and payments) and the balance they leave.

Amounts are `Decimal` in the festival's currency (Numeric columns, never floats). An invoice's lines
say what is owed (entry fees, the registration fee, a discount or a refund credit as a negative
line); its payments say what came in (a refund paid back is a payment of kind "refund").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_security.utils import naive_utcnow
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from mfo.database import db
from mfo.festival.models import Timestamps

ZERO = Decimal("0.00")

# Who pays the registration fee once: each performer, or each family (the account that submits).
REGISTRATION_PER = ("performer", "family")
# What a withdrawal gives back: the entry's fee, nothing, or a percentage of it (before a date).
REFUND_POLICIES = ("full", "none", "percent")
# The kinds of an invoice's lines.
LINE_KINDS = ("entry", "registration", "discount", "late", "refund")
# How money came in (or went back).
PAYMENT_METHODS = ("cash", "cheque", "transfer", "card-terminal", "card-online")
PAYMENT_KINDS = ("payment", "refund")


def _known(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ('" + "', '".join(values) + "')"


class FeeRules(Timestamps, db.Model):
    """A festival's rules for what an entrant owes beyond each class's fee; one row per festival (none: no extra fees)."""

    __tablename__ = "fee_rules"
    __table_args__ = (
        CheckConstraint(_known("registration_per", REGISTRATION_PER), name="registration_per_known"),
        CheckConstraint(_known("refund_policy", REFUND_POLICIES), name="refund_policy_known"),
        CheckConstraint("registration_fee >= 0 AND late_fee >= 0", name="fees_not_negative"),
        CheckConstraint("family_discount_percent >= 0 AND family_discount_percent <= 100", name="discount_percent_range"),
        CheckConstraint("refund_percent >= 0 AND refund_percent <= 100", name="refund_percent_range"),
        CheckConstraint("family_discount_from IS NULL OR family_discount_from >= 2", name="discount_from_second"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), unique=True)
    registration_fee: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=ZERO)
    registration_per: Mapped[str] = mapped_column(String(10), default="performer")
    # From the nth performer of a family (an account's performers, in order of first entry), each of
    # their entry fees is reduced by this percentage; None: no family discount.
    family_discount_from: Mapped[int | None] = mapped_column(Integer)
    family_discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=ZERO)
    # Each entry submitted after this date costs this much more; None: no late fee.
    late_after: Mapped[date | None] = mapped_column(Date)
    late_fee: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=ZERO)
    # On withdrawal: "full" gives the entry's fee back, "none" nothing, "percent" refund_percent of it;
    # after refund_before (when set) nothing is given back whatever the policy.
    refund_policy: Mapped[str] = mapped_column(String(10), default="full")
    refund_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=ZERO)
    refund_before: Mapped[date | None] = mapped_column(Date)


class Invoice(Timestamps, db.Model):
    """What one payer (the account that submitted entries) owes a festival, under a number unique in the festival."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("festival_id", "number", name="uq_invoice_number"),
        UniqueConstraint("festival_id", "user_id", name="uq_invoice_payer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    # The payer's account; NULL once a purge deleted it (the invoice and its money stay).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    number: Mapped[str] = mapped_column(String(20))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", cascade="all, delete-orphan", order_by="Payment.id")

    @property
    def total(self) -> Decimal:
        """What the lines add up to."""
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        """What came in, less what was paid back."""
        return sum((p.amount if p.kind == "payment" else -p.amount for p in self.payments), ZERO)

    @property
    def balance(self) -> Decimal:
        """What is still owed (negative: the festival owes the payer)."""
        return self.total - self.paid

    def __str__(self) -> str:
        return self.number


class InvoiceLine(db.Model):
    """One line of an invoice: an entry's fee, the registration fee, a discount, a late fee or a refund credit."""

    __tablename__ = "invoice_line"
    __table_args__ = (CheckConstraint(_known("kind", LINE_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(15))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="SET NULL"), index=True)
    # The person a registration fee or discount is for (NULL for a family's registration fee).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    # Class number and name, or the rule's name: no personal data (names are read through entry and person).
    description: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=naive_utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(db.Model):
    """Money in (a payment) or out (a refund) on an invoice, recorded by an organizer, an import or the card service."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint(_known("kind", PAYMENT_KINDS), name="kind_known"),
        CheckConstraint(_known("method", PAYMENT_METHODS), name="method_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        # A bank line or a card session is recorded once (NULL for payments typed by hand).
        UniqueConstraint("invoice_id", "external_id", name="uq_payment_external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="payment")
    method: Mapped[str] = mapped_column(String(15))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), default="")
    # A stable key of where it came from: a bank statement line's digest, a Stripe Checkout session id.
    external_id: Mapped[str | None] = mapped_column(String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=naive_utcnow)
    # A payment is never edited (a mistake is put right by a refund): when the imports' undo asks whether a
    # payment a bank statement recorded was changed since, its last change is its creation.
    updated_at: Mapped[datetime] = synonym("created_at")

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
