"""The confirmation email an account gets when its basket is submitted: the entries, the class fees, how to pay.

Sent after the submission is committed, never inside its transaction: an email cannot be taken back
if the commit fails, and a mail server that is down must not undo the entries (the view says so
instead). Written in the account's language when it chose one, else the language of the page it
submitted from.
"""

from __future__ import annotations

from decimal import Decimal

from flask import current_app, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_security.utils import send_mail
from werkzeug.routing import BuildError

from mfo.entries.models import Entry
from mfo.festival.models import Festival

# The fees feature's page of an entrant's invoices, when it is installed (enter does not import it).
FEES_PAGE = "fees.mine"


def _locale_of(user) -> str:
    """Return the account's chosen language when the site speaks it, else the current page's."""
    languages = current_app.config["MFO_LANGUAGES"]
    chosen = getattr(user, "locale", None)
    if chosen in languages:
        return chosen
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def fees_url() -> str | None:
    """Return the full address of the entrant's fees page, or None when no installed feature provides it."""
    try:
        return url_for(FEES_PAGE, _external=True)
    except BuildError:
        return None


def total_fees(entries: list[Entry]) -> Decimal:
    """Return the sum of the entries' class fees, as the basket showed it before submission."""
    return sum((entry.fee or Decimal("0.00") for entry in entries), Decimal("0.00"))


def send_confirmation(festival: Festival, user, entries: list[Entry]) -> None:
    """Email the account the entries it just submitted (class, performers, pieces), their fees and how to pay."""
    if not entries or not user.email:
        return
    with force_locale(_locale_of(user)):
        send_mail(
            _("%(festival)s: your entries are received", festival=festival.name),
            user.email,
            "enter/email/submitted",
            festival=festival,
            entries=entries,
            total=total_fees(entries),
            fees_url=fees_url(),
            entries_url=url_for("enter.my_entries", _external=True),
            # A festival's own words on paying (a bank account, a deadline), if the fees feature gives it one.
            payment_instructions=getattr(festival, "payment_instructions", None) or "",
        )
