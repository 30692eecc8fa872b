"""What the fees feature adds to other features' pages: the fees a basket's submission will add, and whether an entry is paid."""

from __future__ import annotations

from flask import Flask, render_template
from flask_security import current_user
from markupsafe import Markup

from mfo.database import db
from mfo.database.models import User
from mfo.enter.signals import basket_submitted, entries_withdrawn
from mfo.entries.models import Entry
from mfo.entries.permissions import ENTRIES_READ
from mfo.fees import invoices
from mfo.fees.labels import line_label, method_label, payment_kind_label
from mfo.fees.permissions import FEES_READ
from mfo.festival.models import Festival
from mfo.festival.slots import BASKET_PANELS, ENTRY_PANELS, provide


def basket_panel(festival: Festival, user, drafts) -> Markup | None:
    """Return the fees submitting the basket will add (the same rules as the submission) and the balance after."""
    if not drafts:
        return None
    preview = invoices.preview(festival, user, drafts)
    return Markup(render_template("fees/_basket.html", festival=festival, preview=preview, drafts=list(drafts)))


def entry_panel(entry: Entry) -> Markup | None:
    """Return whether an online entry is paid (entries-read); its invoice's number and payer only to fees-read holders.

    Staff see that the entry's invoice has a balance due, not who pays it nor how much.
    """
    if not current_user.has_permission(ENTRIES_READ):
        return None
    invoice = invoices.invoice_of_entry(entry)
    if invoice is None:
        return None
    may_read = current_user.has_permission(FEES_READ)
    payer = db.session.get(User, invoice.user_id) if may_read and invoice.user_id is not None else None
    return Markup(
        render_template(
            "fees/_entry.html", paid=invoice.balance <= 0, invoice=invoice if may_read else None,
            payer_email=payer.email if payer is not None else None,
        )
    )


def init_app(app: Flask) -> None:
    """Charge submissions and credit withdrawals on invoices; show the fees in the basket and the paid state on entries."""
    app.extensions[invoices.EXTENSION_KEY] = True
    # Blinker keeps one connection per receiver whatever the number of apps: the receivers check
    # that the app sending has this feature installed.
    basket_submitted.connect(invoices.on_basket_submitted)
    entries_withdrawn.connect(invoices.on_entries_withdrawn)
    provide(app, BASKET_PANELS, basket_panel)
    provide(app, ENTRY_PANELS, entry_panel)
    app.add_template_global(line_label, name="fee_line_label")
    app.add_template_global(method_label, name="payment_method_label")
    app.add_template_global(payment_kind_label)
