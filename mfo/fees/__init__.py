"""The fees feature: a festival's fee rules, an invoice per payer for the entries submitted online, and its payments.

Entrants see their own invoices and balance; organizers (fees-read, fees-write) see every invoice,
record payments and refunds and set the rules. Staff see whether an entry is paid, not who pays.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature
from mfo.fees.permissions import FEES_READ, FEES_WRITE
from mfo.fees.privacy import forget_people, personal_data

feature = Feature(
    name="fees",
    permissions={
        FEES_READ: _l("Read invoices, payments and balances (who pays what)"),
        FEES_WRITE: _l("Set fee rules, record payments and refunds"),
    },
    grants={"organizer": (FEES_READ, FEES_WRITE)},
    audit_labels={
        "payment-recorded": _l("Payment recorded"),
        "refund-recorded": _l("Refund recorded"),
    },
    personal_data=personal_data,
    forget_people=forget_people,
)
