"""The entrant's pages for what they submitted: the list, changing an entry's pieces and teacher, withdrawing it.

The rules of the other entry pages hold here too, on the server: outside the entry window every change
and withdrawal (page and POST) is refused with the window's message (`while_entries_open`), while the
list stays readable (what was sent is the account's to see after the close); an account reaches only the
entries it submitted (looked up by account and id together: another account's id is a 404); a
withdrawn or scratched entry is not changed.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mfo.database import db
from mfo.enter import changes
from mfo.enter.forms import ConfirmForm, EntryForm
from mfo.enter.models import BasketEntry
from mfo.enter.services import Refused, basket_of
from mfo.enter.stage import blocks
from mfo.enter.views import bp, while_entries_open
from mfo.enter.window import entry_window
from mfo.entries.models import Entry, EntryPiece
from mfo.festival.scoping import current_festival


def own_submitted(item_id: int) -> BasketEntry:
    """Return the signed-in account's submitted entry by its basket id; 404 for any other (someone else's, a draft, none)."""
    item = changes.submitted_entry_of(current_user, current_festival(), item_id)
    if item is None:
        abort(404)
    return item


def _entries_by_id(items: list[BasketEntry]) -> dict[int, Entry]:
    """Return the entries the basket entries became, with their pieces and teacher (three queries)."""
    ids = [item.entry_id for item in items if item.entry_id is not None]
    if not ids:
        return {}
    query = select(Entry).where(Entry.id.in_(ids)).options(
        selectinload(Entry.pieces).joinedload(EntryPiece.piece), joinedload(Entry.teacher)
    )
    return {entry.id: entry for entry in db.session.scalars(query).unique()}


@bp.route("/entries")
@auth_required()
def my_entries():
    """The entries the account sent to the festival, each with its status, and a way to change or withdraw the active ones."""
    festival = current_festival()
    items = basket_of(current_user, festival, "submitted")
    # Readable whatever the window (what was sent stays the account's to see); changes need it open.
    return render_template(
        "enter/my_entries.html", festival=festival, items=items, entries=_entries_by_id(items), window=entry_window(festival)
    )


@bp.route("/entries/<int:item_id>/change", methods=["GET", "POST"])
@auth_required()
@while_entries_open
def change_entry(item_id: int):
    """Change a submitted entry's pieces and teacher: checked by the entry form's validator (errors block, warnings shown)."""
    festival = current_festival()
    item = own_submitted(item_id)
    entry = changes.entry_of(item)
    if not changes.is_active(item):
        flash(_("This entry was withdrawn or scratched: it can no longer be changed."), "error")
        return redirect(url_for("enter.my_entries"), code=303)
    teacher = changes.current_teacher(entry)
    form = EntryForm(data={"pieces": changes.current_pieces(entry), "teacher_first_name": teacher[0], "teacher_last_name": teacher[1]})
    issues = changes.change_issues(festival, item, changes.current_pieces(entry), teacher, user=current_user)
    if form.validate_on_submit():
        typed = (form.teacher_first_name.data or "", form.teacher_last_name.data or "")
        try:
            changed, warnings = changes.change_entry(festival, item, form.typed_pieces(), typed, user=current_user)
        except changes.NotActive:
            # Withdrawn or scratched since the page was loaded.
            db.session.rollback()
            flash(_("This entry was withdrawn or scratched: it can no longer be changed."), "error")
            return redirect(url_for("enter.my_entries"), code=303)
        except Refused as refused:
            db.session.rollback()
            issues = refused.reasons
        else:
            db.session.commit()
            if changed:
                flash(_("Your entry is changed. The festival sees the change at once."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            if warnings:
                for warning in warnings:
                    flash(str(warning.message), "warning")
            return redirect(url_for("enter.my_entries"), code=303)
    return render_template(
        "enter/entry_change.html", festival=festival, item=item, entry=entry, form=form, issues=issues,
        blocking=[issue.code for issue in issues if blocks(issue)],
    )


@bp.route("/entries/<int:item_id>/withdraw", methods=["GET", "POST"])
@auth_required()
@while_entries_open
def withdraw_entry(item_id: int):
    """Withdraw a submitted entry, after a confirmation page."""
    festival = current_festival()
    item = own_submitted(item_id)
    entry = changes.entry_of(item)
    if not changes.is_active(item):
        flash(_("This entry is already withdrawn or scratched."), "info")
        return redirect(url_for("enter.my_entries"), code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            changes.withdraw_entry(festival, item, user=current_user)
        except changes.NotActive:
            db.session.rollback()
            flash(_("This entry is already withdrawn or scratched."), "info")
        except Refused as refused:
            # A higher feature (fees: a refund line) refused: nothing is withdrawn.
            db.session.rollback()
            for reason in refused.reasons:
                flash(str(getattr(reason, "message", reason)), "error")
        else:
            db.session.commit()
            flash(_("Your entry is withdrawn."), "success")
        return redirect(url_for("enter.my_entries"), code=303)
    return render_template("enter/entry_withdraw.html", festival=festival, item=item, entry=entry, form=form)
