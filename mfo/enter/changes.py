"""Changing or withdrawing what an account submitted, while the festival takes entries.

An account reaches only the entries it submitted (its basket entries with status "submitted", looked
up by account and id together). An entry still active (submitted or accepted) may have its pieces and
teacher changed, checked by the same validator as the entry form (errors refuse the change, warnings
are returned), or be withdrawn. A scratched or withdrawn entry is left as it is. Each change is
recorded (which fields changed, not their values) and announced to the features above
(`entries_changed`, `entries_withdrawn`) inside the caller's transaction, under the festival's write
lock (as the organizers' bulk accept is); the caller commits. The
entry window is the views' to check (`while_entries_open`); organizers change entries in the admin.
"""

from __future__ import annotations

from flask_security.utils import naive_utcnow
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mfo.audit.trail import record
from mfo.database import db
from mfo.enter.models import BasketEntry, Profile
from mfo.enter.services import Refused, _piece, _teacher, basket_issues
from mfo.enter.signals import entries_changed, entries_withdrawn
from mfo.enter.stage import blocks
from mfo.entries.models import ACTIVE_STATUSES, Entry, EntryPiece
from mfo.festival.locks import lock_for_writing
from mfo.festival.models import Festival
from mfo.issues.codes import Issue


class NotActive(Exception):
    """The entry was withdrawn or scratched: it can no longer be changed online."""


def submitted_entry_of(user, festival: Festival, item_id: int) -> BasketEntry | None:
    """Return the account's submitted basket entry with this id in this festival, with its entry; None for any other."""
    return db.session.scalar(
        select(BasketEntry)
        .where(
            BasketEntry.id == item_id, BasketEntry.user_id == user.id, BasketEntry.festival_id == festival.id,
            BasketEntry.status == "submitted", BasketEntry.entry_id.is_not(None),
        )
        .options(joinedload(BasketEntry.festival_class), joinedload(BasketEntry.profile).joinedload(Profile.person))
    )


def entry_of(item: BasketEntry) -> Entry:
    """Return the festival's entry a submitted basket entry became."""
    return db.session.get(Entry, item.entry_id)


def _locked_entry(festival: Festival, item: BasketEntry) -> Entry | None:
    """Take the festival's write lock, then read the entry afresh: an organizer's bulk accept or an import
    at the same moment is either done before (and seen here) or waits for this change's commit."""
    lock_for_writing(festival)
    entry = entry_of(item)
    if entry is not None:
        db.session.refresh(entry)
    return entry


def is_active(item: BasketEntry) -> bool:
    """Tell whether the submitted entry may still be changed or withdrawn (submitted or accepted)."""
    entry = entry_of(item)
    return entry is not None and entry.status in ACTIVE_STATUSES


def current_pieces(entry: Entry) -> list[dict]:
    """Return an entry's pieces as the entry form shows them."""
    return [{"title": p.piece.title, "composer": p.piece.composer or "", "duration": p.duration} for p in entry.pieces]


def current_teacher(entry: Entry) -> tuple[str, str]:
    """Return the entry's teacher's first and last name ("" when there is none)."""
    return (entry.teacher.first_name, entry.teacher.last_name) if entry.teacher else ("", "")


def change_issues(festival: Festival, item: BasketEntry, pieces: list[dict], teacher: tuple[str, str], *, user) -> list[Issue]:
    """Return what the validator finds in the entry as changed (the entry itself left out of the comparisons)."""
    return basket_issues(
        festival, item.festival_class, item.profile.person, pieces, teacher, user=user, entry_id=item.entry_id
    )


def _key(pieces: list[dict]) -> list[tuple]:
    """Return pieces in a comparable form (spaces and missing composers alike)."""
    return [((p.get("title") or "").strip(), (p.get("composer") or "").strip(), p.get("duration")) for p in pieces]


def change_entry(
    festival: Festival, item: BasketEntry, pieces: list[dict], teacher: tuple[str, str], *, user
) -> tuple[list[str], list[Issue]]:
    """Change a submitted entry's pieces and teacher; return the fields changed and the validator's warnings.

    Raises NotActive for a withdrawn or scratched entry, Refused with the validator's errors. Nothing
    changed: nothing is recorded or announced.
    """
    entry = _locked_entry(festival, item)
    if entry is None or entry.status not in ACTIVE_STATUSES:
        raise NotActive
    issues = change_issues(festival, item, pieces, teacher, user=user)
    errors = [issue for issue in issues if blocks(issue)]
    if errors:
        raise Refused(errors)
    teacher = (teacher[0] or "", teacher[1] or "")
    changed = []
    if _key(pieces) != _key(current_pieces(entry)):
        changed.append("pieces")
        entry.pieces.clear()
        db.session.flush()
        for position, typed in enumerate(pieces):
            entry.pieces.append(EntryPiece(piece=_piece(typed), position=position, duration=typed.get("duration")))
    if tuple(" ".join(name.split()).casefold() for name in teacher) != tuple(
        " ".join(name.split()).casefold() for name in current_teacher(entry)
    ):
        changed.append("teacher")
        entry.teacher = _teacher(*teacher)
    if not changed:
        return [], issues
    # The basket keeps the entry as last typed: the entrant's list and the confirmation show it.
    item.pieces, item.teacher_first_name, item.teacher_last_name = pieces, teacher[0], teacher[1]
    db.session.flush()
    record("entry-updated", target=f"entry #{entry.id}", details={"changed": changed, "by": "entrant", "basket_entry": item.id})
    entries_changed.send(festival, user=user, entries=[entry], at=naive_utcnow())
    return changed, issues


def withdraw_entry(festival: Festival, item: BasketEntry, *, user) -> Entry:
    """Withdraw a submitted entry (status "withdrawn"), recorded and announced; NotActive when it is not active."""
    entry = _locked_entry(festival, item)
    if entry is None or entry.status not in ACTIVE_STATUSES:
        raise NotActive
    before = entry.status
    entry.status = "withdrawn"
    db.session.flush()
    record(
        "entry-updated", target=f"entry #{entry.id}",
        details={"changes": {"status": [before, "withdrawn"]}, "by": "entrant", "basket_entry": item.id},
    )
    entries_withdrawn.send(festival, user=user, entries=[entry], at=naive_utcnow())
    return entry
