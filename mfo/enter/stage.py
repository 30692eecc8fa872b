"""The festival's cap on a performer's stage time, as entering online applies it.

The rule is the Issues page's (`check_stage_time`): a performer's active entries may not add up to
more stage time than the festival's `stage_minutes_cap`, each entry counting its declared time cut
to its class's limit. The cap is meant per day, but the days are known only once the schedule is
built: when an entry is made, the cap holds across the whole festival, which keeps every day under
it whatever the schedule does.

To organizers the code is a warning (they may allow more in the admin); online it binds: an entry,
a draft at submission or a change that goes over it is refused (`blocks`).
"""

from __future__ import annotations

from sqlalchemy import select

from mfo.database import db
from mfo.enter.models import BasketEntry, Profile
from mfo.entries.models import ACTIVE_STATUSES, Entry, EntryPerformer
from mfo.festival.models import Festival
from mfo.issues.codes import ERROR, Issue
from mfo.issues.festival import class_infos, entry_drafts, stage_cap_seconds
from mfo.issues.rules import EntryDraft, PersonRef, PieceRef, check_stage_time

# Warnings to organizers that an entrant may not override online.
BLOCKING_ONLINE = frozenset({"stage-time-over"})


def blocks(issue: Issue) -> bool:
    """Tell whether an issue stops an online entry: an error, or a warning the festival's own rules make binding online."""
    return issue.severity == ERROR or issue.code in BLOCKING_ONLINE


def _basket_draft(item: BasketEntry, infos) -> EntryDraft:
    """Return another draft of the account's basket as the rule reads it: its performer and declared durations."""
    info = infos.get(item.class_id)
    person = item.profile.person
    return EntryDraft(
        info.code if info else "?",
        info,
        performers=[PersonRef(person.first_name, person.last_name, birth_date=person.birth_date, person_id=person.id)],
        pieces=[PieceRef(p["title"], p.get("composer") or "", duration=p.get("duration")) for p in item.pieces],
    )


def stage_time_issues(
    festival: Festival, draft: EntryDraft, *, user, basket_entry_id: int | None = None, entry_id: int | None = None
) -> list[Issue]:
    """Return a stage-time-over for each performer of the draft (on file) whose active entries, the account's other
    drafts and this one last longer on stage than the festival allows.

    `basket_entry_id`: the draft being checked again (not counted twice); `entry_id`: the submitted
    entry the draft is a change of (its old time not counted).
    """
    cap = stage_cap_seconds(festival)
    people = {ref.person_id for ref in draft.performers if ref.person_id is not None}
    if cap is None or not people:
        return []
    infos = class_infos(festival.id)
    entered = db.session.scalars(
        select(Entry.id).join(EntryPerformer, EntryPerformer.entry_id == Entry.id).where(
            Entry.festival_id == festival.id, Entry.status.in_(ACTIVE_STATUSES), EntryPerformer.person_id.in_(people),
            Entry.id != (entry_id or 0),
        ).distinct()
    ).all()
    drafts = entry_drafts(festival.id, infos, entered) if entered else []
    drafts += [
        _basket_draft(item, infos)
        for item in db.session.scalars(
            select(BasketEntry).where(
                BasketEntry.user_id == user.id, BasketEntry.festival_id == festival.id, BasketEntry.status == "draft",
                BasketEntry.profile_id.in_(select(Profile.id).where(Profile.person_id.in_(people))),
                BasketEntry.id != (basket_entry_id or 0),
            )
        )
    ]
    return [issue for issue in check_stage_time([*drafts, draft], cap) if any(pid in people for pid, _name in issue.people)]
