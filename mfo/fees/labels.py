"""How the fees' values read to people, in the page's language: payment methods and kinds, invoice line kinds."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

METHOD_LABELS = {
    "cash": _l("Cash"),
    "cheque": _l("Cheque"),
    "transfer": _l("Bank transfer"),
    "card-terminal": _l("Card (terminal)"),
    "card-online": _l("Card (online)"),
}

PAYMENT_KIND_LABELS = {"payment": _l("Payment"), "refund": _l("Refund")}

LINE_KIND_LABELS = {
    "entry": _l("Entry fee"),
    "registration": _l("Registration fee"),
    "discount": _l("Family discount"),
    "late": _l("Late fee"),
    "refund": _l("Refund credit"),
}


def method_label(method: str):
    """Return the label of a payment method (the method itself if unknown)."""
    return METHOD_LABELS.get(method, method)
