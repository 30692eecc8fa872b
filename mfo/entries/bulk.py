"""Accepting entries in bulk: an organizer ticks submitted entries on the festival's list and accepts them in one go.

Only entries-write holders may; only this festival's entries that are still "submitted" change (an id
of another festival, or of an entry withdrawn meanwhile, is passed over); each entry accepted is
recorded on its own. The festival's write lock is held while the entries are read and changed, so
an entrant's withdrawal or an import at the same moment is not overwritten with "accepted".
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_security import auth_required, permissions_accepted
from sqlalchemy import select

from mfo.audit.trail import record
from mfo.database import db
from mfo.entries.models import Entry
from mfo.entries.permissions import ENTRIES_WRITE
from mfo.entries.views import bp
from mfo.festival.locks import lock_for_writing
from mfo.festival.models import Festival
from mfo.festival.scoping import current_festival

# More ids than a page of the list shows is no organizer's form: the rest are ignored.
BULK_MAX = 200
# The list's filters kept on the way back (each a short value: bounded like the list bounds them).
KEPT_FILTERS = ("class", "discipline", "status", "teacher", "school", "q", "page")


def accept_entries(festival: Festival, entry_ids: list[int]) -> list[Entry]:
    """Accept the festival's submitted entries among these ids (under the festival's write lock); return those accepted.

    Each is recorded ("entry-updated", the status change) in the caller's transaction; the caller commits.
    """
    ids = sorted(set(entry_ids))[:BULK_MAX]
    if not ids:
        return []
    lock_for_writing(festival)
    entries = list(
        db.session.scalars(
            select(Entry).where(Entry.festival_id == festival.id, Entry.id.in_(ids), Entry.status == "submitted").order_by(Entry.id)
        )
    )
    for entry in entries:
        entry.status = "accepted"
        record("entry-updated", target=f"entry #{entry.id}", details={"changes": {"status": ["submitted", "accepted"]}, "bulk": True})
    db.session.flush()
    return entries


def _ids(values: list[str]) -> list[int]:
    """Return the ticked ids that are numbers (anything else is ignored), at most BULK_MAX of them."""
    return [int(value) for value in values[:BULK_MAX] if value.isdigit() and len(value) < 12]


@bp.route("/accept", methods=["POST"])
@auth_required()
@permissions_accepted(ENTRIES_WRITE)
def accept():
    """Accept the ticked submitted entries; back to the list with its filters."""
    festival = current_festival()
    accepted = accept_entries(festival, _ids(request.form.getlist("entry")))
    if accepted:
        db.session.commit()
        flash(ngettext("%(num)s entry accepted.", "%(num)s entries accepted.", len(accepted)), "success")
    else:
        flash(_("No submitted entry was ticked: nothing was accepted."), "info")
    back = {key: request.form.get(key, "")[:100] for key in KEPT_FILTERS if request.form.get(key)}
    return redirect(url_for("entries.index", **back), code=303)
