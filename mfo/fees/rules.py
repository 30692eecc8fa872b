"""The fee rules as pure functions: from a festival's rules and the entries of one submission, the lines it adds.

Nothing here reads or writes the database: the invoices module gives these functions what the payer's
invoice holds already (its performers, whether a registration fee was charged), and the basket's
preview and the submission's receiver call the same functions, so an entrant is shown before
submitting exactly what the submission will charge. Every amount is a `Decimal` rounded to the cent,
half up (12.345 -> 12.35). docs/fees.md tells an organizer the same rules in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def cents(amount: Decimal) -> Decimal:
    """Return an amount rounded to the cent, half up (0.005 -> 0.01): the rounding of every fee line."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """Return `percent` per cent of an amount, rounded to the cent half up."""
    return cents(Decimal(amount) * Decimal(percent) / HUNDRED)


@dataclass(frozen=True)
class Rules:
    """A festival's fee rules as plain values; `Rules()` is a festival without rules (class fees only).

    Built from a `FeeRules` row by `from_row` (None: no row, no extra fees).
    """

    registration_fee: Decimal = ZERO
    registration_per: str = "performer"
    family_discount_from: int | None = None
    family_discount_percent: Decimal = ZERO
    late_after: date | None = None
    late_fee: Decimal = ZERO
    refund_policy: str = "full"
    refund_percent: Decimal = ZERO
    refund_before: date | None = None

    @classmethod
    def from_row(cls, row) -> Rules:
        """Return the rules of a FeeRules row (None: the festival has set none)."""
        if row is None:
            return cls()
        return cls(
            registration_fee=row.registration_fee or ZERO,
            registration_per=row.registration_per or "performer",
            family_discount_from=row.family_discount_from,
            family_discount_percent=row.family_discount_percent or ZERO,
            late_after=row.late_after,
            late_fee=row.late_fee or ZERO,
            refund_policy=row.refund_policy or "full",
            refund_percent=row.refund_percent or ZERO,
            refund_before=row.refund_before,
        )


@dataclass(frozen=True)
class Charge:
    """An entry being charged: its id (None in a basket's preview), class, fee and performers (person ids, in order)."""

    entry_id: int | None
    class_code: str
    class_name: str
    fee: Decimal
    performers: tuple[int, ...]


@dataclass(frozen=True)
class Charged:
    """What a payer's invoice holds already: its performers in order of first entry, and the registrations charged.

    `registered` are the performers whose registration fee the festival charged already (on any
    invoice: a performer pays it once per festival); `family_registered` tells whether this payer
    paid the per-family fee already.
    """

    performers: tuple[int, ...] = ()
    registered: frozenset[int] = field(default_factory=frozenset)
    family_registered: bool = False


@dataclass(frozen=True)
class LineDraft:
    """A line to add to an invoice: its kind, amount (negative: a credit), class, and the entry and person it is for."""

    kind: str
    amount: Decimal
    description: str
    entry_id: int | None = None
    person_id: int | None = None
    # The position of the Charge this line belongs to in the submission (None for a family's registration).
    charge: int | None = None


def performer_order(charged: Sequence[int], charges: Iterable[Charge]) -> list[int]:
    """Return the payer's performers in order of first entry: those on the invoice already, then the new ones as entered."""
    order = list(dict.fromkeys(charged))
    for charge in charges:
        for person_id in charge.performers:
            if person_id not in order:
                order.append(person_id)
    return order


def entry_lines(charges: Sequence[Charge]) -> list[LineDraft]:
    """Return each entry's fee (the class's fee, copied to the entry when it was submitted), even when it is nothing."""
    return [
        LineDraft("entry", cents(charge.fee), _described(charge), charge.entry_id,
                  charge.performers[0] if charge.performers else None, position)
        for position, charge in enumerate(charges)
    ]


def registration_lines(rules: Rules, charged: Charged, charges: Sequence[Charge]) -> list[LineDraft]:
    """Return the registration fees this submission owes: once per festival per performer, or once per paying account.

    Per performer: each performer of the submission not registered yet (on any invoice of the
    festival) pays it once, on the line of their first entry in the submission. Per family: the
    payer pays it once, on their first submission. No fee (zero): no line.
    """
    if rules.registration_fee <= 0:
        return []
    fee = cents(rules.registration_fee)
    if rules.registration_per == "family":
        if charged.family_registered or not charges:
            return []
        return [LineDraft("registration", fee, "")]
    lines, seen = [], set(charged.registered)
    for position, charge in enumerate(charges):
        for person_id in charge.performers:
            if person_id not in seen:
                seen.add(person_id)
                lines.append(LineDraft("registration", fee, "", None, person_id, position))
    return lines


def discount_lines(rules: Rules, charged: Charged, charges: Sequence[Charge]) -> list[LineDraft]:
    """Return the family discount: from the payer's nth performer on, a percentage off each of that performer's entry fees.

    Performers are counted in order of first entry on the payer's invoice (earlier submissions
    first), so a discount once given never moves to another child. An entry belongs to its first
    performer: a duet is discounted when its first-named performer is the nth or later.
    """
    start = rules.family_discount_from
    if start is None or rules.family_discount_percent <= 0:
        return []
    rank = {person_id: number for number, person_id in enumerate(performer_order(charged.performers, charges), start=1)}
    lines = []
    for position, charge in enumerate(charges):
        if not charge.performers or rank[charge.performers[0]] < start:
            continue
        amount = percent_of(charge.fee, rules.family_discount_percent)
        if amount > 0:
            lines.append(LineDraft("discount", -amount, _described(charge), charge.entry_id, charge.performers[0], position))
    return lines


def late_lines(rules: Rules, charges: Sequence[Charge], submitted_on: date) -> list[LineDraft]:
    """Return a late fee for each entry submitted after `late_after` (the day itself is on time)."""
    if rules.late_after is None or rules.late_fee <= 0 or submitted_on <= rules.late_after:
        return []
    fee = cents(rules.late_fee)
    return [
        LineDraft("late", fee, _described(charge), charge.entry_id,
                  charge.performers[0] if charge.performers else None, position)
        for position, charge in enumerate(charges)
    ]


def submission_lines(rules: Rules, charged: Charged, charges: Sequence[Charge], submitted_on: date) -> list[LineDraft]:
    """Return every line a submission adds to the payer's invoice, grouped by entry (fee, discount, late fee, registration).

    The one function both the basket's preview and the submission's receiver call.
    """
    lines = [
        *entry_lines(charges),
        *discount_lines(rules, charged, charges),
        *late_lines(rules, charges, submitted_on),
        *registration_lines(rules, charged, charges),
    ]
    order = {kind: number for number, kind in enumerate(("entry", "discount", "late", "registration"))}
    # A family's registration (no charge) comes last; the rest follows the entries, each entry's lines together.
    return sorted(lines, key=lambda line: (line.charge if line.charge is not None else len(charges), order[line.kind]))


def refund_amount(rules: Rules, paid_for_entry: Decimal, withdrawn_on: date) -> Decimal:
    """Return what a withdrawal gives back (zero or more) under the refund policy.

    `paid_for_entry` is what the entry was charged: its fee less its family discount (a late fee and
    the registration fee are not given back). "full": all of it; "none": nothing; "percent":
    `refund_percent` of it, rounded half up. On or after `refund_before` (when set): nothing,
    whatever the policy.
    """
    if paid_for_entry <= 0 or rules.refund_policy == "none":
        return ZERO
    if rules.refund_before is not None and withdrawn_on >= rules.refund_before:
        return ZERO
    if rules.refund_policy == "percent":
        return percent_of(paid_for_entry, rules.refund_percent)
    return cents(paid_for_entry)


def _described(charge: Charge) -> str:
    """Return what a line of an entry says: the class's number and name (no personal data; the page adds the kind)."""
    return f"{charge.class_code} {charge.class_name}".strip()[:200]
