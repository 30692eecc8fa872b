"""The validator's findings about one record (an entry, a class, a person), for its page and for edits in the admin.

The same rules as the Issues page (`festival_issues`), read over the few entries a record touches
rather than the whole festival, in a fixed number of queries: an entry's own problems, whether it
duplicates another entry of its class, whether its performers' stage time is over the festival's cap,
and whether one of its people may be a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from mfo.database import db
from mfo.entries.models import ACTIVE_STATUSES, Entry, EntryPerformer
from mfo.festival.models import Festival
from mfo.issues.codes import CODES, Issue
from mfo.issues.festival import class_infos, entry_drafts
from mfo.issues.rules import KnownPerson, check_duplicate_entries, check_duplicate_people, check_entry, check_stage_time
from mfo.people.models import Person, group_member
from mfo.syllabus.models import FestivalClass


def _sorted(issues: Iterable[Issue]) -> list[Issue]:
    """Return issues in the Issues page's order."""
    order = {code: position for position, code in enumerate(CODES)}
    return sorted(issues, key=lambda issue: (order[issue.code], issue.class_code or "", issue.records))


def people_named_like(festival_id: int, name_keys: Iterable[str]) -> list[KnownPerson]:
    """Return the people of the festival's active entries whose name (without accents, case or spacing) is one of these."""
    keys = sorted(set(name_keys))
    if not keys:
        return []
    active = select(Entry.id).where(Entry.festival_id == festival_id, Entry.status.in_(ACTIVE_STATUSES))
    performers = select(EntryPerformer.person_id).where(EntryPerformer.entry_id.in_(active))
    helpers = select(Entry.teacher_id).where(Entry.id.in_(active)).union(select(Entry.accompanist_id).where(Entry.id.in_(active)))
    people = db.session.scalars(
        select(Person).where(Person.name_key.in_(keys), or_(Person.id.in_(performers), Person.id.in_(helpers)))
    )
    return [KnownPerson(p.id, p.first_name, p.last_name, p.birth_date, p.email, p.phone) for p in people]


def _duplicate_people(festival_id: int, people: Iterable[Person]) -> list[Issue]:
    """Return the possible-duplicate-person issues that involve one of these people in the festival."""
    people = list(people)
    ids = {("person", person.id) for person in people}
    found = check_duplicate_people(people_named_like(festival_id, (person.name_key for person in people)))
    return [issue for issue in found if ids & set(issue.records)]


def _entries_issues(festival_id: int, entry_ids: Iterable[int]) -> list[Issue]:
    """Return the problems of these entries of one festival, and duplicate entries among their classes'."""
    wanted = set(entry_ids)
    if not wanted:
        return []
    classes = class_infos(festival_id)
    class_ids = set(db.session.scalars(select(Entry.class_id).where(Entry.id.in_(wanted))))
    neighbours = db.session.scalars(
        select(Entry.id).where(Entry.festival_id == festival_id, Entry.class_id.in_(class_ids))
    ).all()
    drafts = entry_drafts(festival_id, classes, neighbours)
    cutoff = db.session.scalar(select(Festival.age_cutoff).where(Festival.id == festival_id))
    issues = [issue for draft in drafts if draft.entry_id in wanted for issue in check_entry(draft, cutoff)]
    targets = {("entry", entry_id) for entry_id in wanted}
    issues += [issue for issue in check_duplicate_entries(drafts) if targets & set(issue.records)]
    cap = db.session.scalar(select(Festival.stage_minutes_cap).where(Festival.id == festival_id))
    if cap:
        # A performer's stage time is the sum over all their entries of the festival, not only these.
        performers = select(EntryPerformer.person_id).where(EntryPerformer.entry_id.in_(wanted))
        theirs = select(EntryPerformer.entry_id).where(EntryPerformer.person_id.in_(performers))
        ids = db.session.scalars(select(Entry.id).where(Entry.festival_id == festival_id, Entry.id.in_(theirs))).all()
        issues += [issue for issue in check_stage_time(entry_drafts(festival_id, classes, ids), cap * 60) if targets & set(issue.records)]
    return issues


def entry_issues(entry: Entry) -> list[Issue]:
    """Return an entry's open problems: its own, a duplicate entry of its class, a possible duplicate among its people."""
    if entry.status not in ACTIVE_STATUSES:
        return []
    issues = _entries_issues(entry.festival_id, [entry.id])
    people = [p.person for p in entry.performers] + [p for p in (entry.teacher, entry.accompanist) if p is not None]
    issues += _duplicate_people(entry.festival_id, people)
    return _sorted(issues)


def class_issues(festival_class: FestivalClass) -> list[Issue]:
    """Return the open problems of a class's active entries."""
    ids = db.session.scalars(
        select(Entry.id).where(Entry.class_id == festival_class.id, Entry.status.in_(ACTIVE_STATUSES))
    ).all()
    return _sorted(_entries_issues(festival_class.festival_id, ids))


def person_issues(person: Person) -> list[Issue]:
    """Return the open problems of the active entries a person is in (in every festival), and whether they may be a duplicate."""
    groups = select(group_member.c.group_id).where(group_member.c.person_id == person.id)
    performs = select(EntryPerformer.entry_id).where(EntryPerformer.person_id == person.id)
    rows = db.session.execute(
        select(Entry.id, Entry.festival_id).where(
            Entry.status.in_(ACTIVE_STATUSES),
            or_(
                Entry.id.in_(performs),
                Entry.group_id.in_(groups),
                Entry.teacher_id == person.id,
                Entry.accompanist_id == person.id,
            ),
        )
    ).all()
    by_festival: dict[int, set[int]] = {}
    for entry_id, festival_id in rows:
        by_festival.setdefault(festival_id, set()).add(entry_id)
    issues = []
    for festival_id, ids in sorted(by_festival.items()):
        issues += _entries_issues(festival_id, ids)
        issues += _duplicate_people(festival_id, [person])
    return _sorted(issues)


def record_checks(record) -> list[Issue] | None:
    """Return the validator's findings about a record edited in the admin (None for a kind it does not check)."""
    if isinstance(record, Entry):
        return entry_issues(record)
    if isinstance(record, FestivalClass):
        return class_issues(record)
    if isinstance(record, Person):
        return person_issues(record)
    return None
