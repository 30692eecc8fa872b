"""What the fees feature's stored codes say to people: line kinds, payment methods and kinds, the rules' choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LINE_LABELS = {
    "entry": _l("Entry fee"),
    "registration": _l("Registration fee"),
    "discount": _l("Family discount"),
    "late": _l("Late fee"),
    "refund": _l("Refund on withdrawal"),
}
METHOD_LABELS = {
    "cash": _l("Cash"),
    "cheque": _l("Cheque"),
    "transfer": _l("Bank transfer"),
    "card-terminal": _l("Card (terminal)"),
    "card-online": _l("Card (online)"),
}
PAYMENT_KIND_LABELS = {"payment": _l("Payment"), "refund": _l("Refund paid back")}
REGISTRATION_PER_LABELS = {"performer": _l("Per performer"), "family": _l("Per family (paying account)")}
REFUND_POLICY_LABELS = {"full": _l("The whole entry fee"), "none": _l("Nothing"), "percent": _l("A percentage")}


def line_label(kind: str) -> str:
    """Return what a line's kind says (the code itself when unknown)."""
    return LINE_LABELS.get(kind, kind)


def method_label(method: str) -> str:
    """Return what a payment method says (the code itself when unknown)."""
    return METHOD_LABELS.get(method, method)


def payment_kind_label(kind: str) -> str:
    """Return what a payment's kind says (the code itself when unknown)."""
    return PAYMENT_KIND_LABELS.get(kind, kind)
