"""The fees feature: a festival's fee rules, an invoice per payer for the entries submitted online, and its payments.

Entrants see their own invoices and balance; organizers (fees-read, fees-write) see every invoice,
record payments and refunds and set the rules. Staff see whether an entry is paid, not who pays.
The rules are in mfo.fees.rules (pure functions) and told in words in docs/fees.md.
"""

from __future__ import annotations

from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from mfo.feature import Feature, NavItem
from mfo.fees.documents import bp as documents_bp
from mfo.fees.importing import PAYMENTS
from mfo.fees.panels import init_app
from mfo.fees.permissions import FEES_READ, FEES_WRITE
from mfo.fees.privacy import forget_people, personal_data
from mfo.fees.views import bp
from mfo.imports.commands import import_command

payments_cli = AppGroup("payments", help="A festival's payments.")
payments_cli.add_command(
    import_command("payments", "Import a bank statement (CSV or XLSX: date, amount, reference, payer) into a festival.")
)

feature = Feature(
    name="fees",
    blueprint=bp,
    permissions={
        FEES_READ: _l("Read invoices, payments and balances (who pays what)"),
        FEES_WRITE: _l("Set fee rules, record payments and refunds"),
    },
    grants={"organizer": (FEES_READ, FEES_WRITE)},
    blueprints=(documents_bp,),
    nav=(
        NavItem(_l("Fees"), "fees.index", (FEES_READ,), section="festival"),
        # Any signed-in account has its own invoice page (empty until it submits entries).
        NavItem(_l("Your fees"), "fees.mine", section="festival"),
    ),
    audit_labels={
        "payment-recorded": _l("Payment recorded"),
        "refund-recorded": _l("Refund recorded"),
        "invoice-created": _l("Invoice created"),
        "invoice-charged": _l("Entry fees added to an invoice"),
        "invoice-credited": _l("Refund credited on an invoice"),
        "fee_rules-updated": _l("Fee rules changed"),
    },
    init_app=init_app,
    import_kinds=(PAYMENTS,),
    commands=(payments_cli,),
    personal_data=personal_data,
    forget_people=forget_people,
)
