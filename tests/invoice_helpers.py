"""Invoices, lines and payments for the fees reports' and documents' tests, with known sums (no tests here).

On top of the reports' season (tests.reports_helpers): three payers and their invoices.

- SPR-0001, the Lee family (an account with its own profile, Pat Lee, phone 555 0101): Ann's entry
  15.00 and the Lee Duo's 20.00; paid 10.00 by transfer and 5.00 cash on 1 March, 1.00 paid back
  in cash on 2 March: paid 14.00, balance 21.00 due.
- SPR-0002, Sam Other (an account without a profile): a registration fee 0.10 for Chloé and a late
  fee 0.20; paid 0.30 by card terminal on 2 March. Settled: 0.10 + 0.20 - 0.30 is not 0 in floats.
- SPR-0003, the Émond account: Chloé's entry 10.00 and its refund credit -10.00; paid 10.00 by
  transfer on 1 March: the festival owes 10.00 back.

And one invoice of another festival, which no report of this one may show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from mfo.database import db
from mfo.database.models import User
from mfo.enter.models import Profile
from mfo.entries.models import Entry
from mfo.fees.models import Invoice, InvoiceLine, Payment
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_entry, make_festival, make_person
from tests.reports_helpers import Season, build_season, person

DAY_1, DAY_2 = date(2027, 3, 1), date(2027, 3, 2)
FAMILY = "family@example.org"
OTHER = "other@example.org"
EMOND = "emond@example.org"
STRANGER = "stranger@example.org"


@dataclass
class Billing:
    """The ids a test needs: the season's, and the invoices and payments by their numbers and names."""

    season: Season
    invoices: dict[str, int]
    payments: dict[str, int]


def add_invoice(festival_id: int, number: str, user: User | None, lines: list[tuple[str, str, dict]], payments=()) -> Invoice:
    """Add an invoice with its lines (kind, amount, fields) and payments (kind, method, amount, day, reference)."""
    invoice = Invoice(festival_id=festival_id, number=number, user_id=user.id if user else None)
    db.session.add(invoice)
    for position, (kind, amount, fields) in enumerate(lines):
        invoice.lines.append(InvoiceLine(position=position, kind=kind, amount=Decimal(amount), **fields))
    for kind, method, amount, day, reference in payments:
        invoice.payments.append(Payment(kind=kind, method=method, amount=Decimal(amount), received_on=day, reference=reference))
    db.session.flush()
    return invoice


def build_billing() -> Billing:
    """Add the reports' season, the three payers and their invoices, and another festival's invoice; commit."""
    season = build_season()
    family = create_user(FAMILY, ("end-user",), name="Lee household")
    other = create_user(OTHER, ("end-user",), name="Sam Other")
    emond = create_user(EMOND, ("end-user",))
    stranger = create_user(STRANGER, ("end-user",))
    pat = make_person("Pat", "Lee", email=FAMILY, phone="555 0101")
    db.session.add(Profile(user_id=family.id, person_id=pat.id, relation="self"))
    db.session.add(Profile(user_id=family.id, person_id=person("Ann").id, relation="child"))
    chloe = person("Chloé")
    first = add_invoice(
        season.festival_id, "SPR-0001", family,
        [
            ("entry", "15.00", {"entry_id": season.entries["ann"], "description": "1203A Baroque"}),
            ("entry", "20.00", {"entry_id": season.entries["duet"], "description": "500 Piano Duet"}),
        ],
        [
            ("payment", "transfer", "10.00", DAY_1, "Virement SPR-0001"),
            ("payment", "cash", "5.00", DAY_1, ""),
            ("refund", "cash", "1.00", DAY_2, "Overpaid"),
        ],
    )
    second = add_invoice(
        season.festival_id, "SPR-0002", other,
        [
            ("registration", "0.10", {"person_id": chloe.id, "description": "Registration fee"}),
            ("late", "0.20", {"description": "Late fee"}),
        ],
        [("payment", "card-terminal", "0.30", DAY_2, "Terminal 7")],
    )
    third = add_invoice(
        season.festival_id, "SPR-0003", emond,
        [
            ("entry", "10.00", {"entry_id": season.entries["chloe-withdrawn"], "description": "1203A Baroque"}),
            ("refund", "-10.00", {"entry_id": season.entries["chloe-withdrawn"], "description": "Withdrawn"}),
        ],
        [("payment", "transfer", "10.00", DAY_1, "SPR-0003")],
    )
    elsewhere = make_festival("autumn-2027", name="Autumn Festival 2027")
    outsider = make_person("Olga", "Outsider")
    entry = make_entry(make_class(elsewhere, "1", "Elsewhere"), [outsider])
    foreign = add_invoice(
        elsewhere.id, "AUT-0001", stranger,
        [("entry", "99.00", {"entry_id": entry.id, "description": "1 Elsewhere"})],
        [("payment", "cheque", "99.00", DAY_1, "")],
    )
    db.session.commit()
    return Billing(
        season,
        {"SPR-0001": first.id, "SPR-0002": second.id, "SPR-0003": third.id, "AUT-0001": foreign.id},
        {
            "family-transfer": first.payments[0].id,
            "family-refund": first.payments[2].id,
            "other-card": second.payments[0].id,
            "foreign-cheque": foreign.payments[0].id,
        },
    )


def add_invoices(festival_id: int, count: int, start: int = 0) -> None:
    """Add `count` more invoices of new payers, each 0.10 + 0.20 for a new entry's performer and paid 0.10 by cash."""
    entry = db.session.get(Entry, db.session.query(Entry.id).filter_by(festival_id=festival_id).first()[0])
    for number in range(start, start + count):
        payer = create_user(f"payer{number}@example.org", ("end-user",))
        someone = make_person(f"Extra{number}", "Payer")
        add_invoice(
            festival_id, f"X-{number:04d}", payer,
            [
                ("entry", "0.10", {"entry_id": entry.id, "description": "More"}),
                ("registration", "0.20", {"person_id": someone.id, "description": "Registration fee"}),
            ],
            [("payment", "cash", "0.10", DAY_1, "")],
        )
    db.session.commit()
