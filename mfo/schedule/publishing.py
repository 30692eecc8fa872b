"""Publishing the schedule: numbered versions with their snapshots, the changelog between them, and emails to the people concerned.

The schedule is a draft until its first publication. Each publication is a version (1, 2, ...)
holding a snapshot of every performance as published; later changes are allowed and gather into
the next version. The changelog compares two lists of performances by entry: a performance is
*moved* when its session, venue, start or end differ, *added* when only the later list has it,
*removed* when only the earlier one does.

A publication is refused while the checker finds an error in the schedule (warnings do not stop
it, as the conflicts' table says), and when nothing changed since the last version. The number
is allocated under the festival's write lock (mfo.festival.locks), with a unique
(festival, number) constraint behind it, so two publications at once cannot both be version 3.

Emails go to the people concerned by a version's changes: each performer (or their guardian, when
they have one), teacher and accompanist of a changed performance, one email per person listing only
the performances that concern them; people with no email on file are named to the organizer.
The callers (pages, command line) commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_security.utils import naive_utcnow, send_mail
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mfo.audit.trail import record
from mfo.database import db
from mfo.festival.locks import lock_for_writing
from mfo.festival.models import Festival
from mfo.people.models import Person
from mfo.schedule.codes import ERROR, Conflict
from mfo.schedule.exports import festival_rows
from mfo.schedule.models import ScheduleVersion
from mfo.schedule.services import check_festival

PUBLISHED = "schedule-published"
NOTIFIED = "schedule-notified"
NOTE_MAX = 500
MOVED, ADDED, REMOVED = "moved", "added", "removed"
KINDS = (MOVED, ADDED, REMOVED)


class PublishRefused(Exception):
    """Raised by publish() when the schedule cannot be published as it is: nothing is written."""

    def __init__(self, reason: str, errors: list[Conflict] | None = None, latest: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.errors = errors or []
        self.latest = latest


@dataclass(frozen=True)
class Slot:
    """One performance as a version (or the current schedule) has it: where, when, and the people concerned."""

    entry_id: int
    unit_key: str
    class_label: str
    class_name: str
    session_id: int
    session_name: str
    venue_id: int
    venue_name: str
    start: datetime
    end: datetime
    performer_ids: tuple[int, ...] = ()
    performer_names: tuple[str, ...] = ()
    accompanist_id: int | None = None
    teacher_id: int | None = None

    @property
    def place(self) -> tuple[int, int, datetime, datetime]:
        """Return what makes two copies of a performance the same for the changelog: session, venue, start, end."""
        return (self.session_id, self.venue_id, self.start, self.end)

    @property
    def people(self) -> frozenset[int]:
        """Return the people this performance concerns: its performers, accompanist and teacher."""
        return frozenset(self.performer_ids) | {p for p in (self.accompanist_id, self.teacher_id) if p is not None}

    def as_json(self) -> dict[str, Any]:
        """Return the performance as JSON-ready data (a version's snapshot item)."""
        return {
            "entry": self.entry_id, "unit": self.unit_key, "class": self.class_label, "class_name": self.class_name,
            "session": self.session_id, "session_name": self.session_name, "venue": self.venue_id, "venue_name": self.venue_name,
            "start": self.start.isoformat(timespec="seconds"), "end": self.end.isoformat(timespec="seconds"),
            "performers": list(self.performer_ids), "performer_names": list(self.performer_names),
            "accompanist": self.accompanist_id, "teacher": self.teacher_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Slot:
        """Return the performance kept in a snapshot."""
        return cls(
            entry_id=int(data["entry"]), unit_key=str(data["unit"]), class_label=str(data["class"]),
            class_name=str(data.get("class_name") or ""), session_id=int(data["session"]),
            session_name=str(data.get("session_name") or ""), venue_id=int(data["venue"]),
            venue_name=str(data.get("venue_name") or ""), start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]), performer_ids=tuple(int(p) for p in data.get("performers") or ()),
            performer_names=tuple(str(n) for n in data.get("performer_names") or ()),
            accompanist_id=data.get("accompanist"), teacher_id=data.get("teacher"),
        )


@dataclass(frozen=True)
class Change:
    """One performance's change between two lists: moved (before and after), added (after only) or removed (before only)."""

    kind: str
    before: Slot | None
    after: Slot | None

    @property
    def slot(self) -> Slot:
        """Return the performance as it is now (as it was, for a removed one)."""
        return self.after or self.before  # type: ignore[return-value]

    @property
    def people(self) -> frozenset[int]:
        """Return everyone concerned, before and after (a new accompanist and the one who left)."""
        return (self.before.people if self.before else frozenset()) | (self.after.people if self.after else frozenset())

    def as_json(self) -> dict[str, Any]:
        """Return the change as JSON: its kind, the performance, where and when it was and is."""
        slot = self.slot
        return {
            "kind": self.kind, "entry": slot.entry_id, "class": slot.class_label, "class_name": slot.class_name,
            "performers": list(slot.performer_names),
            "from": _where_json(self.before), "to": _where_json(self.after),
        }


def _where_json(slot: Slot | None) -> dict[str, Any] | None:
    """Return where and when a performance is, as JSON (None: not in the schedule)."""
    if slot is None:
        return None
    return {"session": slot.session_name, "venue": slot.venue_name, "start": slot.start.isoformat(timespec="minutes"),
            "end": slot.end.isoformat(timespec="minutes")}


@dataclass
class Changelog:
    """The changes from one list of performances to another: a version and the one after it, or the latest version and now."""

    since: ScheduleVersion | None
    until: ScheduleVersion | None
    changes: list[Change] = field(default_factory=list)

    def count(self, kind: str) -> int:
        """Return how many changes are of one kind."""
        return sum(1 for change in self.changes if change.kind == kind)

    def as_json(self) -> dict[str, Any]:
        """Return the changelog as JSON (the command line's --json)."""
        return {
            "since": self.since.number if self.since else None,
            "until": self.until.number if self.until else None,
            "changes": [change.as_json() for change in self.changes],
            **{kind: self.count(kind) for kind in KINDS},
        }


@dataclass(frozen=True)
class Status:
    """Where a festival's schedule stands: draft (no version) or published, and how many performances changed since."""

    latest: ScheduleVersion | None
    pending: int

    @property
    def published(self) -> bool:
        """Tell whether the schedule has been published at least once."""
        return self.latest is not None


def current_slots(festival: Festival) -> list[Slot]:
    """Return every performance of the festival's schedule as it is now (the checker's reading of the tables)."""
    return [
        Slot(
            entry_id=row.entry_id, unit_key=row.unit_key, class_label=row.class_label, class_name=row.class_name,
            session_id=row.session_id, session_name=row.session, venue_id=row.venue_id, venue_name=row.venue,
            start=row.start, end=row.end, performer_ids=row.performer_ids, performer_names=row.performers,
            accompanist_id=row.accompanist_id, teacher_id=row.teacher_id,
        )
        for row in festival_rows(festival)
    ]


def slots_of(version: ScheduleVersion) -> list[Slot]:
    """Return the performances a version published."""
    return [Slot.from_json(item) for item in version.performances or ()]


def diff(before: Iterable[Slot], after: Iterable[Slot]) -> list[Change]:
    """Return what changed from one list of performances to another, by entry, in the order of the later times."""
    old = {slot.entry_id: slot for slot in before}
    new = {slot.entry_id: slot for slot in after}
    changes = []
    for entry_id in old.keys() | new.keys():
        was, now = old.get(entry_id), new.get(entry_id)
        if was is None:
            changes.append(Change(ADDED, None, now))
        elif now is None:
            changes.append(Change(REMOVED, was, None))
        elif was.place != now.place:
            changes.append(Change(MOVED, was, now))
    changes.sort(key=lambda c: (c.slot.start, c.slot.venue_name, c.slot.class_label, c.slot.entry_id))
    return changes


def versions(festival: Festival) -> list[ScheduleVersion]:
    """Return the festival's versions, the latest first (their snapshots are loaded only when read)."""
    return list(db.session.scalars(
        select(ScheduleVersion).where(ScheduleVersion.festival_id == festival.id).order_by(ScheduleVersion.number.desc())
    ))


def latest(festival: Festival) -> ScheduleVersion | None:
    """Return the festival's latest version (None: the schedule is a draft)."""
    return db.session.scalar(
        select(ScheduleVersion).where(ScheduleVersion.festival_id == festival.id).order_by(ScheduleVersion.number.desc()).limit(1)
    )


def version_of(festival: Festival, number: int) -> ScheduleVersion | None:
    """Return the festival's version of that number (None: it has none, or it is another festival's)."""
    return db.session.scalar(
        select(ScheduleVersion).where(ScheduleVersion.festival_id == festival.id, ScheduleVersion.number == number)
    )


def pending_changes(festival: Festival) -> Changelog:
    """Return the changes since the latest version: what the next version would publish (everything, for a draft)."""
    last = latest(festival)
    return Changelog(last, None, diff(slots_of(last) if last else [], current_slots(festival)))


def changes_of(festival: Festival, version: ScheduleVersion, since: ScheduleVersion | None = None) -> Changelog:
    """Return what a version changed from an earlier one (default: the one before it; version 1: every performance is added)."""
    previous = since if since is not None else version_of(festival, version.number - 1) if version.number > 1 else None
    if previous is not None and (previous.festival_id != festival.id or previous.number >= version.number):
        raise ValueError("compare a version with an earlier version of the same festival")
    return Changelog(previous, version, diff(slots_of(previous) if previous else [], slots_of(version)))


def status(festival: Festival) -> Status:
    """Return whether the schedule is a draft or published, and how many performances changed since the latest version."""
    pending = pending_changes(festival)
    return Status(pending.since, len(pending.changes))


def _target(festival: Festival) -> str:
    """Return how the audit trail names the festival."""
    return f"festival {festival.slug} (#{festival.id})"


def publish(festival: Festival, *, note: str = "", actor=None, from_cli: bool = False) -> ScheduleVersion:
    """Publish the festival's schedule as its next version (audited, in the caller's transaction); refuse one with errors.

    Raises PublishRefused (nothing written) when the checker finds an error, or when nothing
    changed since the latest version.
    """
    # A second publication of the festival waits for the first's commit, then reads the schedule and versions it left.
    lock_for_writing(festival)
    errors = [conflict for conflict in check_festival(festival) if conflict.severity == ERROR]
    if errors:
        raise PublishRefused("errors", errors=errors)
    last = latest(festival)
    slots = current_slots(festival)
    changes = diff(slots_of(last) if last else [], slots)
    if last is not None and not changes:
        raise PublishRefused("unchanged", latest=last.number)
    if not slots:
        raise PublishRefused("empty")
    number = (db.session.scalar(select(func.max(ScheduleVersion.number)).where(ScheduleVersion.festival_id == festival.id)) or 0) + 1
    event = record(
        PUBLISHED,
        target=_target(festival),
        details={"version": number, "performances": len(slots), "note": note[:NOTE_MAX],
                 **{kind: sum(1 for c in changes if c.kind == kind) for kind in KINDS}},
        actor=actor,
        from_cli=from_cli,
    )
    version = ScheduleVersion(
        festival_id=festival.id, number=number, published_at=naive_utcnow(),
        published_by_id=event.actor_id, published_by=event.actor or "", note=note.strip()[:NOTE_MAX],
        performance_count=len(slots), performances=[slot.as_json() for slot in slots],
    )
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError as error:
        # The unique (festival, number) constraint: another publication took this number first.
        raise PublishRefused("concurrent") from error
    return version


def refusal_message(refusal: PublishRefused) -> str:
    """Return why a publication was refused, in the reader's language."""
    if refusal.reason == "errors":
        return _("The schedule has %(num)d errors: fix them on the board or the Issues page, then publish.", num=len(refusal.errors))
    if refusal.reason == "concurrent":
        return _("Another publication of this schedule happened at the same time: look at the versions, then publish again if needed.")
    if refusal.reason == "unchanged":
        return _("Nothing changed since version %(number)d: there is nothing to publish.", number=refusal.latest or 0)
    return _("No performance is scheduled yet: there is nothing to publish.")


# --- emails to the people concerned


@dataclass
class Notice:
    """What sending a version's changes did: emails sent, and the people concerned with no email on file."""

    sent: int = 0
    without_email: list[str] = field(default_factory=list)


@dataclass
class _Letter:
    """One email to be written: to whom, and the changes that concern them."""

    person: Person
    changes: list[Change] = field(default_factory=list)


def _recipients(changes: list[Change]) -> dict[int, _Letter]:
    """Return, per person to write to, the changes that concern them: a person with a guardian is written to through the guardian."""
    concerned: dict[int, list[Change]] = {}
    for change in changes:
        for person_id in change.people:
            concerned.setdefault(person_id, []).append(change)
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(concerned)))} if concerned else {}
    guardian_ids = {p.guardian_id for p in people.values() if p.guardian_id is not None} - people.keys()
    if guardian_ids:
        people.update({p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(guardian_ids)))})
    letters: dict[int, _Letter] = {}
    for person_id, theirs in concerned.items():
        person = people.get(person_id)
        if person is None:
            continue
        to = people.get(person.guardian_id) if person.guardian_id is not None else None
        letter = letters.setdefault((to or person).id, _Letter(to or person))
        for change in theirs:
            if change not in letter.changes:
                letter.changes.append(change)
    for letter in letters.values():
        letter.changes.sort(key=lambda c: (c.slot.start, c.slot.class_label, c.slot.entry_id))
    return letters


def when(slot: Slot | None) -> str:
    """Return a performance's day, times and venue in the reader's language ("" when it is not scheduled)."""
    if slot is None:
        return ""
    return f"{format_date(slot.start.date(), 'full')} {slot.start:%H:%M}–{slot.end:%H:%M}, {slot.venue_name}"


def notify(festival: Festival, version: ScheduleVersion, *, actor=None) -> Notice:
    """Email each person concerned by a version's changes the changes that concern them; audited, the caller commits."""
    if version.festival_id != festival.id:
        raise ValueError("the version is of another festival")
    notice = Notice()
    letters = _recipients(changes_of(festival, version).changes)
    for letter in sorted(letters.values(), key=lambda item: (item.person.last_name, item.person.first_name, item.person.id)):
        if not letter.person.email:
            notice.without_email.append(letter.person.full_name)
            continue
        send_mail(
            _("%(festival)s: the schedule changed (version %(number)d)", festival=festival.name, number=version.number),
            letter.person.email,
            "schedule/email/changes",
            festival=festival,
            version=version,
            person=letter.person,
            changes=letter.changes,
            when=when,
        )
        notice.sent += 1
    version.notified_at = naive_utcnow()
    version.notified_count = notice.sent
    record(
        NOTIFIED,
        target=_target(festival),
        details={"version": version.number, "sent": notice.sent, "without_email": len(notice.without_email)},
        actor=actor,
    )
    return notice
