"""An entries import: one row per entry, with its performers or group, teacher, accompanist, school and pieces.

Everything a file names is looked up in a few queries (the festival's classes and entries, the
people whose names appear, pieces by key, schools and groups by name), then the rows are read in
order, so that a person described on one row is known to the rows after it. Who is who:

- performers by their name as written (case and spacing aside) and birth date when both sides have
  one; a name that differs only by accents is another person, with a possible-duplicate-person;
- teachers and accompanists by name, the one with the same email first when several share it;
- group members ("First Last") by name, among the people already named in the file, then on file;
- schools and groups by name without accents, case or punctuation; pieces by piece_key.

A person on file keeps their email and phone; a row that gives others raises contact-mismatch and
keeps them on the entry (given_contacts). Blank values on file (email, phone, birth date, school,
a piece's usual duration) are filled in from the file, and undone with it.

An entry is matched by class and performers (or group): re-importing a file matches every row;
a row that says something new about a matched entry (pieces, teacher, amount paid...) changes it.
Two rows about the same performers in the same class are a duplicate-entry: an identical second
row is the same entry, a different one a second entry.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_security.utils import naive_utcnow
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import selectinload

from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer, EntryPiece
from mfo.festival.models import Festival
from mfo.festival.values import parse_class_code, split_list, split_person_name
from mfo.imports.cells import Cells
from mfo.imports.changes import ChangeLog, plain, snapshot
from mfo.imports.fields import PIECES
from mfo.imports.plan import (
    BLOCKED,
    CHANGED,
    CREATED,
    EXCLUDED,
    MATCHED,
    PROGRESS_STEP,
    Plan,
    Progress,
    RowResult,
    chunks,
    no_progress,
)
from mfo.imports.tabular import ColumnMatch, Table
from mfo.issues.codes import Issue
from mfo.issues.festival import class_info
from mfo.issues.rules import (
    ClassInfo,
    EntryDraft,
    KnownPerson,
    PersonRef,
    PieceRef,
    check_duplicate_entries,
    check_duplicate_people,
    check_entry,
    piece_key,
)
from mfo.people.models import Group, Person, School, group_member
from mfo.syllabus.models import FestivalClass, Piece, SetPiece
from mfo.text import normalise_name

# The columns of a person on file that an import fills in when they are blank there.
PERSON_FILLS = ("birth_date", "email", "phone", "school_id")
# The columns of an entry a row can change, and what the undo puts back.
ENTRY_FIELDS = ("amount_paid", "comments", "teacher_id", "accompanist_id", "school_id", "given_contacts")


def written_key(first_name: str, last_name: str = "") -> str:
    """Return a name as it is compared to recognise a person: as written, case and spacing aside."""
    return " ".join(f"{first_name} {last_name}".casefold().split())


@dataclass(eq=False)
class Slot:
    """A record an import names: on file (`record`), or to be created (`values`); `key` tells them apart."""

    key: int
    record: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    row: int | None = None  # the row that introduced a new record
    # Blank columns of a record on file the import fills in, with their values before.
    fill: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    written_id: int | None = None

    def keep_before(self, name: str, value: Any = None) -> None:
        """Keep a column's value before the import changes it (and when the record was last edited, for the undo)."""
        self.before.setdefault("updated_at", plain(self.record.updated_at))
        self.before.setdefault(name, plain(getattr(self.record, name)) if value is None else value)

    @property
    def is_new(self) -> bool:
        """Tell whether the import creates this record."""
        return self.record is None

    @property
    def id(self) -> int | None:
        """Return the record's id (for a new one, once written)."""
        return self.written_id if self.is_new else self.record.id

    def get(self, name: str) -> Any:
        """Return a column's value as the import leaves it."""
        if self.is_new:
            return self.values.get(name)
        if name in self.fill:
            return self.fill[name]
        return getattr(self.record, name)

    def set_blank(self, name: str, value: Any) -> bool:
        """Give a blank column a value (noted as a change for a record on file); return whether it was blank."""
        if value is None or value == "" or self.get(name) not in (None, ""):
            return False
        if self.is_new:
            self.values[name] = value
        else:
            self.keep_before(name)
            self.fill[name] = value
        return True


class PersonSlot(Slot):
    """A person an import names."""

    @property
    def first_name(self) -> str:
        """Return the first name."""
        return self.get("first_name")

    @property
    def last_name(self) -> str:
        """Return the last name."""
        return self.get("last_name")

    @property
    def name(self) -> str:
        """Return "First Last"."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def written(self) -> str:
        """Return the name as compared (case and spacing aside)."""
        return written_key(self.first_name, self.last_name)


@dataclass
class EntryRow:
    """An entry as one row describes it (values read, nothing looked up yet)."""

    row: int
    festival_class: FestivalClass
    first_name: str
    last_name: str
    birth_date: date | None
    email: str | None
    phone: str | None
    group_name: str
    members: list[str]
    school: str
    teacher: str
    teacher_email: str | None
    accompanist: str
    accompanist_email: str | None
    pieces: list[tuple[str, str, int | None]]
    fee_paid: Decimal | None
    comments: str

    @property
    def label(self) -> str:
        """Return who the row is about: the group, or the performer."""
        return self.group_name or f"{self.first_name} {self.last_name}".strip() or "; ".join(self.members)

    def given_contacts(self) -> dict[str, dict[str, str]]:
        """Return the contacts the row gives, by part (only the parts it gives)."""
        given: dict[str, dict[str, str]] = {}
        performer = {k: v for k, v in (("email", self.email), ("phone", self.phone)) if v}
        if performer:
            given["performer"] = performer
        if self.teacher_email:
            given["teacher"] = {"email": self.teacher_email}
        if self.accompanist_email:
            given["accompanist"] = {"email": self.accompanist_email}
        return given


@dataclass(eq=False)
class EntryTarget:
    """The entry a row stands for: on file (`entry_id`), or to be created; with everything the row resolved."""

    row: EntryRow
    info: ClassInfo
    performers: list[PersonSlot]
    group: Slot | None
    teacher: PersonSlot | None
    accompanist: PersonSlot | None
    school: Slot | None
    pieces: list[tuple[Slot, int | None]]
    result: RowResult | None = None
    entry_id: int | None = None
    outcome: str = CREATED
    # An identical earlier row: this row stands for the same entry.
    same_as: EntryTarget | None = None
    # What the row changes on its entry on file, and the entry's values before.
    changes: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    written_id: int | None = None


def read_row(cells: Cells, classes: dict[str, FestivalClass]) -> EntryRow | None:
    """Read an entries row; return None when it cannot be imported as it is (its issues say why)."""
    code_text = cells.required("class")
    festival_class = None
    if code_text:
        try:
            number, suffix = parse_class_code(code_text)
            festival_class = classes.get(f"{number}{suffix}")
        except ValueError:
            festival_class = None
        if festival_class is None:
            cells.issue("unknown-class", code=code_text)
    first_name = " ".join(cells.text("performer_first_name").split())
    last_name = " ".join(cells.text("performer_last_name").split())
    members = split_list(cells.text("group_members"))
    if first_name or last_name or not members:
        if not first_name:
            cells.missing("performer_first_name")
        if not last_name:
            cells.missing("performer_last_name")
    birth_date = cells.date("performer_birth_date")
    email = cells.email("performer_email")
    phone = cells.phone("performer_phone")
    teacher = " ".join(cells.text("teacher_name").split())
    teacher_email = cells.email("teacher_email")
    if teacher_email and not teacher:
        cells.missing("teacher_name")
    accompanist = " ".join(cells.text("accompanist_name").split())
    accompanist_email = cells.email("accompanist_email")
    if accompanist_email and not accompanist:
        cells.missing("accompanist_name")
    pieces = []
    for number in range(1, PIECES + 1):
        title = " ".join(cells.text(f"piece_{number}_title").split())
        composer = " ".join(cells.text(f"piece_{number}_composer").split())
        duration = cells.duration(f"piece_{number}_duration")
        if title:
            pieces.append((title, composer, duration))
        elif composer or cells.text(f"piece_{number}_duration"):
            cells.missing(f"piece_{number}_title")
    fee_paid = cells.money("fee_paid")
    if cells.result.errors:
        return None
    return EntryRow(
        row=cells.row.number,
        festival_class=festival_class,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        email=email,
        phone=phone,
        group_name=" ".join(cells.text("group_name").split()),
        members=members,
        school=" ".join(cells.text("school").split()),
        teacher=teacher,
        teacher_email=teacher_email,
        accompanist=accompanist,
        accompanist_email=accompanist_email,
        pieces=pieces,
        fee_paid=fee_paid,
        comments=cells.text("comments"),
    )


class EntriesPlanner:
    """Plans an entries import for one festival: looks everything up, then resolves the rows in order."""

    def __init__(self, festival: Festival, table: Table, match: ColumnMatch, excluded: Collection[int], progress: Progress):
        self.festival = festival
        self.table = table
        self.match = match
        self.excluded = set(excluded)
        self.progress = progress
        self.new_keys = itertools.count(-1, -1)
        self.plan = Plan(kind="entries", results=[], excluded=sorted(self.excluded), extra_cells=list(table.extra_cells))
        self.people: dict[str, list[PersonSlot]] = defaultdict(list)  # written name -> people, on file then new
        self.on_file_people: dict[int, PersonSlot] = {}
        self.new_people: list[PersonSlot] = []
        self.used_people: set[int] = set()
        self.schools: dict[str, Slot] = {}
        self.pieces: dict[str, Slot] = {}
        self.groups: dict[str, Slot] = {}
        self.group_members: dict[int, list[int]] = {}  # group id on file -> member ids
        self.used: dict[str, set[int]] = defaultdict(set)  # kind -> keys of the schools, pieces, groups rows name
        self.targets: list[EntryTarget] = []
        self.drafts: list[EntryDraft] = []

    # --- Reading and looking up ----------------------------------------------------------------------------------

    def run(self) -> Plan:
        """Return the plan: every row's outcome and issues, and the writer that applies it."""
        classes = {
            c.code: c
            for c in db.session.scalars(
                select(FestivalClass)
                .where(FestivalClass.festival_id == self.festival.id)
                .options(selectinload(FestivalClass.set_pieces).joinedload(SetPiece.piece))
            )
        }
        self.infos = {c.id: class_info(c) for c in classes.values()}
        rows: list[tuple[EntryRow, RowResult]] = []
        total = len(self.table.rows)
        for position, row in enumerate(self.table.rows, start=1):
            result = RowResult(row.number)
            self.plan.results.append(result)
            entry_row = read_row(Cells(self.match, row, result), classes)
            result.label = self._label(entry_row, row)
            if row.number in self.excluded:
                result.outcome = EXCLUDED
            elif result.errors:
                result.outcome = BLOCKED
            else:
                rows.append((entry_row, result))
            if position % PROGRESS_STEP == 0:
                self.progress(position // 2)
        self._look_up(rows)
        for position, (entry_row, result) in enumerate(rows, start=1):
            self._resolve(entry_row, result)
            if position % PROGRESS_STEP == 0:
                self.progress(total // 2 + position * (total - total // 2) // max(len(rows), 1))
        self._match_entries()
        self._check()
        self._count()
        self.plan.writer = self._write
        self.progress(total)
        return self.plan

    def _label(self, entry_row: EntryRow | None, row) -> str:
        """Return how the preview names a row: its class and who enters."""
        if entry_row is not None:
            return f"{entry_row.festival_class.code} · {entry_row.label}"
        text = self.match.value
        who = text(row, "group_name") or " ".join(filter(None, (text(row, "performer_first_name"), text(row, "performer_last_name"))))
        return " · ".join(filter(None, (text(row, "class"), who)))

    def _look_up(self, rows: list[tuple[EntryRow, RowResult]]) -> None:
        """Load the people, schools, pieces and groups the rows name, in a few queries."""
        names: set[str] = set()
        schools: set[str] = set()
        pieces: set[str] = set()
        groups: set[str] = set()
        for entry_row, _result in rows:
            names.add(normalise_name(f"{entry_row.first_name} {entry_row.last_name}"))
            # "Last, First" is split as the rows are read, then looked up as "First Last".
            for name in (*entry_row.members, entry_row.teacher, entry_row.accompanist):
                names.add(normalise_name(" ".join(split_person_name(name))))
            if entry_row.school:
                schools.add(normalise_name(entry_row.school))
            pieces.update(piece_key(title, composer) for title, composer, _ in entry_row.pieces)
            if entry_row.group_name:
                groups.add(normalise_name(entry_row.group_name))
        names.discard("")
        for keys in chunks(sorted(names)):
            for person in db.session.scalars(select(Person).where(Person.name_key.in_(keys)).order_by(Person.id)):
                slot = PersonSlot(person.id, record=person)
                self.on_file_people[person.id] = slot
                self.people[slot.written].append(slot)
        for keys in chunks(sorted(schools)):
            for school in db.session.scalars(select(School).where(School.key.in_(keys))):
                self.schools[school.key] = Slot(school.id, record=school)
        for keys in chunks(sorted(pieces)):
            for piece in db.session.scalars(select(Piece).where(Piece.key.in_(keys))):
                self.pieces[piece.key] = Slot(piece.id, record=piece)
        for keys in chunks(sorted(groups)):
            query = select(Group).where(Group.name_key.in_(keys)).order_by(Group.id.desc())
            for group in db.session.scalars(query):
                self.groups[group.name_key] = Slot(group.id, record=group)  # the oldest one wins
        if self.groups:
            on_file = [slot.record.id for slot in self.groups.values()]
            for ids in chunks(on_file):
                for group_id, person_id in db.session.execute(
                    select(group_member.c.group_id, group_member.c.person_id).where(group_member.c.group_id.in_(ids))
                ):
                    self.group_members.setdefault(group_id, []).append(person_id)

    # --- Resolving one row ---------------------------------------------------------------------------------------

    def _new_person(self, first_name: str, last_name: str, row: int, **values: Any) -> PersonSlot:
        """Add a person the import creates."""
        slot = PersonSlot(next(self.new_keys), values={"first_name": first_name, "last_name": last_name, **values}, row=row)
        self.people[slot.written].append(slot)
        self.new_people.append(slot)
        return slot

    def _performer(self, entry_row: EntryRow, school: Slot | None, result: RowResult) -> tuple[PersonSlot, PersonRef]:
        """Find or add the row's performer (a solo performer, or the group's contact)."""
        candidates = self.people.get(written_key(entry_row.first_name, entry_row.last_name), [])
        born = entry_row.birth_date
        if born is not None:
            slot = next((c for c in candidates if c.get("birth_date") == born), None) or next(
                (c for c in candidates if c.get("birth_date") is None), None
            )
        else:
            slot = candidates[0] if candidates else None
        if slot is None:
            slot = self._new_person(
                entry_row.first_name,
                entry_row.last_name,
                entry_row.row,
                birth_date=born,
                email=entry_row.email,
                phone=entry_row.phone,
                school=school,
            )
            ref = PersonRef(entry_row.first_name, entry_row.last_name, born, entry_row.email, entry_row.phone)
        else:
            ref = PersonRef(
                entry_row.first_name,
                entry_row.last_name,
                born or slot.get("birth_date"),
                entry_row.email,
                entry_row.phone,
                known_email=slot.get("email"),
                known_phone=slot.get("phone"),
            )
            slot.set_blank("birth_date", born)
            slot.set_blank("email", entry_row.email)
            slot.set_blank("phone", entry_row.phone)
            slot.set_blank("school" if slot.is_new else "school_id", school)
        ref.person_id = slot.key
        self._touch_person(slot, result)
        return slot, ref

    def _helper(self, name: str, email: str | None, result: RowResult) -> tuple[PersonSlot, PersonRef] | None:
        """Find or add a teacher or an accompanist, by name (the one with the same email first)."""
        if not name:
            return None
        first_name, last_name = split_person_name(name)
        candidates = self.people.get(written_key(first_name, last_name), [])
        slot = None
        if candidates:
            slot = (
                next((c for c in candidates if email and c.get("email") == email), None)
                or next((c for c in candidates if c.get("birth_date") is None), None)
                or candidates[0]
            )
        if slot is None:
            slot = self._new_person(first_name, last_name, result.row, email=email)
            ref = PersonRef(first_name, last_name, email=email)
        else:
            ref = PersonRef(first_name, last_name, slot.get("birth_date"), email, known_email=slot.get("email"))
            slot.set_blank("email", email)
        ref.person_id = slot.key
        self._touch_person(slot, result)
        return slot, ref

    def _member(self, name: str, contact: PersonSlot | None, result: RowResult) -> PersonSlot:
        """Find or add a group member named "First Last": among the people the file named already, then on file."""
        first_name, last_name = split_person_name(name)
        written = written_key(first_name, last_name)
        if contact is not None and written == contact.written:
            return contact
        candidates = self.people.get(written, [])
        slot = next((c for c in candidates if c.key in self.used_people), None) or (candidates[0] if candidates else None)
        if slot is None:
            slot = self._new_person(first_name, last_name, result.row)
        self._touch_person(slot, result)
        return slot

    def _touch_person(self, slot: PersonSlot, result: RowResult) -> None:
        """Note that the row names a person."""
        self.used_people.add(slot.key)
        if slot.is_new:
            outcome = CREATED
        else:
            outcome = CHANGED if slot.fill else MATCHED
        result.touch("person", outcome, slot.name)

    def _school(self, name: str, result: RowResult) -> Slot | None:
        """Find or add a school by name (accents, case and punctuation aside)."""
        if not name:
            return None
        key = normalise_name(name)
        slot = self.schools.get(key)
        if slot is None:
            slot = self.schools[key] = Slot(next(self.new_keys), values={"name": name, "key": key}, row=result.row)
        self.used["school"].add(slot.key)
        result.touch("school", CREATED if slot.is_new else MATCHED, slot.get("name"))
        return slot

    def _piece(self, title: str, composer: str, duration: int | None, result: RowResult) -> tuple[Slot, PieceRef]:
        """Find or add a piece by its key; a new piece, or one without a usual duration, takes the one declared."""
        key = piece_key(title, composer)
        slot = self.pieces.get(key)
        if slot is None:
            slot = self.pieces[key] = Slot(
                next(self.new_keys), values={"title": title, "composer": composer, "key": key, "duration": duration}, row=result.row
            )
            known = None
        else:
            known = slot.get("duration")
            slot.set_blank("duration", duration)
        ref = PieceRef(title, composer, duration, known, slot.key)
        self.used["piece"].add(slot.key)
        outcome = CREATED if slot.is_new else CHANGED if slot.fill else MATCHED
        label = f"{slot.get('title')} ({slot.get('composer')})" if slot.get("composer") else slot.get("title")
        result.touch("piece", outcome, label)
        return slot, ref

    def _group(
        self, entry_row: EntryRow, school: Slot | None, contact: PersonSlot, members: list[PersonSlot], result: RowResult
    ) -> Slot | None:
        """Find or add the row's group by name; add the members it did not have yet."""
        if not entry_row.group_name:
            return None
        key = normalise_name(entry_row.group_name)
        slot = self.groups.get(key)
        if slot is None:
            slot = self.groups[key] = Slot(
                next(self.new_keys),
                values={"name": entry_row.group_name, "name_key": key, "school": school, "contact": contact, "members": []},
                row=result.row,
            )
        if slot.is_new:
            known = slot.values["members"]
            known.extend(m for m in members if m not in known)
            if slot.values["school"] is None:
                slot.values["school"] = school
        else:
            on_file = self.group_members.get(slot.record.id, [])
            added = slot.fill.setdefault("members", [])
            added.extend(m for m in members if (m.is_new or m.key not in on_file) and m not in added)
            if not added:
                del slot.fill["members"]
            else:
                slot.keep_before("members", sorted(on_file))
            slot.set_blank("contact_id", contact)
            if school is not None:
                slot.set_blank("school_id", school)
        self.used["group"].add(slot.key)
        result.touch("group", CREATED if slot.is_new else CHANGED if slot.fill else MATCHED, slot.get("name"))
        return slot

    def _resolve(self, entry_row: EntryRow, result: RowResult) -> None:
        """Resolve a readable row: find or add everything it names, and build its draft for the rules."""
        school = self._school(entry_row.school, result)
        contact: PersonSlot | None = None
        refs: list[PersonRef] = []
        performers: list[PersonSlot] = []
        if entry_row.first_name:
            contact, ref = self._performer(entry_row, school, result)
            performers.append(contact)
            refs.append(ref)
        for name in entry_row.members:
            member = self._member(name, contact, result)
            if member not in performers:
                performers.append(member)
                refs.append(PersonRef(member.first_name, member.last_name, member.get("birth_date"), person_id=member.key))
        group = self._group(entry_row, school, contact or performers[0], performers, result)
        teacher = self._helper(entry_row.teacher, entry_row.teacher_email, result)
        accompanist = self._helper(entry_row.accompanist, entry_row.accompanist_email, result)
        pieces = [self._piece(title, composer, duration, result) for title, composer, duration in entry_row.pieces]
        info = self.infos[entry_row.festival_class.id]
        target = EntryTarget(
            row=entry_row,
            info=info,
            performers=performers,
            group=group,
            teacher=teacher[0] if teacher else None,
            accompanist=accompanist[0] if accompanist else None,
            school=school,
            pieces=[(slot, ref.duration) for slot, ref in pieces],
            result=result,
        )
        self.targets.append(target)
        self.drafts.append(
            EntryDraft(
                class_code=info.code,
                festival_class=info,
                performers=refs,
                group_name=entry_row.group_name or None,
                teacher=teacher[1] if teacher else None,
                accompanist=accompanist[1] if accompanist else None,
                pieces=[ref for _slot, ref in pieces],
                row=entry_row.row,
            )
        )

    # --- Entries: matched, changed or created --------------------------------------------------------------------

    def _entry_key(self, target: EntryTarget) -> tuple:
        """Return what makes two entries of a class the same: the group, or the set of performers."""
        if target.group is not None:
            return ("group", target.group.key)
        return ("people", frozenset(p.key for p in target.performers))

    def _signature(self, target: EntryTarget) -> str:
        """Return everything a row says about its entry, to tell an identical row from a different one."""
        row = target.row
        return json.dumps(
            [
                [p.key for p in target.performers],
                target.teacher.key if target.teacher else None,
                target.accompanist.key if target.accompanist else None,
                target.school.key if target.school else None,
                [[slot.key, duration] for slot, duration in target.pieces],
                str(row.fee_paid),
                row.comments,
                row.given_contacts(),
            ],
            sort_keys=True,
        )

    def _match_entries(self) -> None:
        """Give each row its entry: the k-th different row about the same performers in a class matches the k-th
        such entry on file, or creates one; an identical row stands for the same entry as the first."""
        class_ids = sorted({t.row.festival_class.id for t in self.targets})
        on_file: dict[tuple, list[int]] = defaultdict(list)
        if class_ids:
            entries = db.session.execute(
                select(Entry.id, Entry.class_id, Entry.group_id)
                .where(Entry.festival_id == self.festival.id, Entry.class_id.in_(class_ids))
                .order_by(Entry.id)
            ).all()
            performers: dict[int, set[int]] = defaultdict(set)
            for ids in chunks([e.id for e in entries if e.group_id is None], 2000):
                for entry_id, person_id in db.session.execute(
                    select(EntryPerformer.entry_id, EntryPerformer.person_id).where(EntryPerformer.entry_id.in_(ids))
                ):
                    performers[entry_id].add(person_id)
            for entry in entries:
                key = ("group", entry.group_id) if entry.group_id is not None else ("people", frozenset(performers[entry.id]))
                on_file[(entry.class_id, key)].append(entry.id)
        signatures: dict[tuple, list[str]] = defaultdict(list)
        shared: dict[tuple, EntryTarget] = {}
        for target, draft in zip(self.targets, self.drafts, strict=True):
            slot_key = (target.row.festival_class.id, self._entry_key(target))
            signature = self._signature(target)
            seen = signatures[slot_key]
            if signature in seen:
                first = shared[(slot_key, signature)]
                target.entry_id = first.entry_id
                target.outcome = MATCHED
                target.same_as = first
            else:
                seen.append(signature)
                shared[(slot_key, signature)] = target
                existing = on_file.get(slot_key, [])
                occurrence = len(seen) - 1
                if occurrence < len(existing):
                    target.entry_id = existing[occurrence]
                    target.outcome = MATCHED
            draft.entry_id = target.entry_id
        self._compare_matched()
        for target in self.targets:
            target.result.outcome = target.outcome
            target.result.records.insert(0, ("entry", target.outcome, target.result.label))

    def _compare_matched(self) -> None:
        """Load the entries on file that rows match, and tell which rows change them."""
        matched = {t.entry_id: t for t in self.targets if t.entry_id is not None and t.same_as is None}
        entries: dict[int, Entry] = {}
        for ids in chunks(sorted(matched)):
            entries.update(
                (e.id, e)
                for e in db.session.scalars(
                    select(Entry).where(Entry.id.in_(ids)).options(selectinload(Entry.pieces), selectinload(Entry.performers))
                )
            )
        for entry_id, target in matched.items():
            entry = entries[entry_id]
            changes = self._entry_changes(entry, target)
            if changes:
                target.outcome = CHANGED
                target.changes = changes
                target.before = {
                    **snapshot(entry, (*ENTRY_FIELDS, "updated_at")),
                    "pieces": [[p.piece_id, p.position, p.duration] for p in entry.pieces],
                    "performers": [[p.person_id, p.position] for p in entry.performers],
                }

    def _entry_changes(self, entry: Entry, target: EntryTarget) -> dict[str, Any]:
        """Return what a row changes on its entry on file: only what the row gives (a blank cell changes nothing)."""
        row = target.row
        changes: dict[str, Any] = {}
        if row.fee_paid is not None and row.fee_paid != entry.amount_paid:
            changes["amount_paid"] = row.fee_paid
        if row.comments and row.comments != (entry.comments or ""):
            changes["comments"] = row.comments
        for name, slot in (("teacher_id", target.teacher), ("accompanist_id", target.accompanist), ("school_id", target.school)):
            if slot is not None and (slot.is_new or slot.key != getattr(entry, name)):
                changes[name] = slot
        given = {**(entry.given_contacts or {}), **row.given_contacts()}
        if given != (entry.given_contacts or {}):
            changes["given_contacts"] = given
        if target.pieces:
            wanted = [(slot.key, duration) for slot, duration in target.pieces]
            if any(slot.is_new for slot, _ in target.pieces) or wanted != [(p.piece_id, p.duration) for p in entry.pieces]:
                changes["pieces"] = target.pieces
        wanted_people = [p.key for p in target.performers]
        if any(p.is_new for p in target.performers) or wanted_people != [p.person_id for p in entry.performers]:
            changes["performers"] = target.performers
        return changes

    # --- The rules -------------------------------------------------------------------------------------------------

    def _check(self) -> None:
        """Run the validator's rules over the rows' drafts; give each issue to its row."""
        by_row = {result.row: result for result in self.plan.results}
        cutoff = self.festival.age_cutoff
        for draft in self.drafts:
            by_row[draft.row].issues.extend(check_entry(draft, cutoff))
        for issue in check_duplicate_entries(self.drafts):
            by_row[issue.row].issues.append(issue)
        if not self.new_people:
            return
        new_keys = {normalise_name(p.name) for p in self.new_people}
        people = [p for p in self.on_file_people.values() if normalise_name(p.name) in new_keys] + self.new_people
        introduced = {p.key: p.row for p in self.new_people}
        known = [KnownPerson(p.key, p.first_name, p.last_name, p.get("birth_date"), p.get("email"), p.get("phone")) for p in people]
        for issue in check_duplicate_people(known):
            keys = [record_id for _table, record_id in issue.records]
            rows = [introduced[key] for key in keys if key in introduced]
            if not rows:
                continue  # two people already on file: the Issues page shows them
            records = tuple(("person", key) for key in keys if key > 0)
            by_row[max(rows)].issues.append(Issue(issue.code, issue.params, row=max(rows), records=records))

    def _count(self) -> None:
        """Count the records created, matched and changed, by kind (each record once)."""
        plan = self.plan
        for slot in self.new_people:
            if slot.key in self.used_people:
                plan.created["person"] += 1
        for slot in self.on_file_people.values():
            if slot.key in self.used_people:
                (plan.changed if slot.fill else plan.matched)["person"] += 1
        for kind, slots in (("school", self.schools), ("piece", self.pieces), ("group", self.groups)):
            for slot in slots.values():
                if slot.is_new:
                    plan.created[kind] += 1
                elif slot.key in self.used[kind]:
                    (plan.changed if slot.fill else plan.matched)[kind] += 1
        for target in self.targets:
            if target.same_as is None:
                {CREATED: plan.created, MATCHED: plan.matched, CHANGED: plan.changed}[target.outcome]["entry"] += 1

    # --- Writing ---------------------------------------------------------------------------------------------------

    def _write(self, batch, changes: ChangeLog) -> None:
        """Write the plan in the current transaction, noting every record created or changed."""
        schools = [s for s in self.schools.values() if s.is_new]
        changes.created("school", _insert(School, schools, lambda s: dict(s.values)))
        pieces = [s for s in self.pieces.values() if s.is_new]
        changes.created("piece", _insert(Piece, pieces, lambda s: dict(s.values)))
        _fill(Piece, "piece", [s for s in self.pieces.values() if s.fill], changes)
        people = [p for p in self.new_people if p.key in self.used_people]
        changes.created("person", _insert(Person, people, _person_values))
        _fill(Person, "person", [p for p in self.on_file_people.values() if p.fill and p.key in self.used_people], changes)
        groups = [g for g in self.groups.values() if g.is_new]
        changes.created("performing_group", _insert(Group, groups, _group_values))
        member_rows = [{"group_id": g.id, "person_id": m.id} for g in groups for m in g.values["members"]]
        for group in (g for g in self.groups.values() if not g.is_new and g.fill):
            member_rows.extend({"group_id": group.id, "person_id": m.id} for m in group.fill.get("members", []))
            values = {name: _id(value) for name, value in group.fill.items() if name != "members"}
            db.session.execute(update(Group).where(Group.id == group.id).values(updated_at=naive_utcnow(), **values))
            changes.changed("performing_group", group.id, group.before)
        if member_rows:
            db.session.execute(insert(group_member), member_rows)
        self._write_entries(batch, changes)

    def _write_entries(self, batch, changes: ChangeLog) -> None:
        """Create the new entries with their performers and pieces; change the entries on file rows change."""
        creating = [t for t in self.targets if t.outcome == CREATED and t.same_as is None]
        values = [entry_values(self.festival, batch, target) for target in creating]
        table = Entry.__table__
        ids = db.session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), values).all() if values else []
        for target, entry_id in zip(creating, ids, strict=True):
            target.written_id = entry_id
        changes.created("entry", list(ids))
        performer_rows = [
            {"entry_id": t.written_id, "person_id": p.id, "position": position}
            for t in creating
            for position, p in enumerate(t.performers)
        ]
        piece_rows = [
            {"entry_id": t.written_id, "piece_id": slot.id, "position": position, "duration": duration}
            for t in creating
            for position, (slot, duration) in enumerate(t.pieces)
        ]
        for target in self.targets:
            if target.outcome != CHANGED:
                continue
            entry_changes = dict(target.changes)
            pieces = entry_changes.pop("pieces", None)
            performers = entry_changes.pop("performers", None)
            scalar = {name: _id(value) for name, value in entry_changes.items()}
            db.session.execute(update(Entry).where(Entry.id == target.entry_id).values(updated_at=naive_utcnow(), **scalar))
            if pieces is not None:
                db.session.execute(delete(EntryPiece).where(EntryPiece.entry_id == target.entry_id))
                piece_rows.extend(
                    {"entry_id": target.entry_id, "piece_id": slot.id, "position": position, "duration": duration}
                    for position, (slot, duration) in enumerate(pieces)
                )
            if performers is not None:
                db.session.execute(delete(EntryPerformer).where(EntryPerformer.entry_id == target.entry_id))
                performer_rows.extend(
                    {"entry_id": target.entry_id, "person_id": p.id, "position": position} for position, p in enumerate(performers)
                )
            changes.changed("entry", target.entry_id, target.before)
        if performer_rows:
            db.session.execute(insert(EntryPerformer), performer_rows)
        if piece_rows:
            db.session.execute(insert(EntryPiece), piece_rows)


def _fill(model, table: str, slots: list[Slot], changes: ChangeLog) -> None:
    """Fill in blank columns of records on file, noting their values before."""
    for slot in slots:
        values = {name: _id(value) for name, value in slot.fill.items()}
        db.session.execute(update(model).where(model.id == slot.record.id).values(**values))
        changes.changed(table, slot.record.id, slot.before)


def _id(value: Any) -> Any:
    """Return a slot's record id, or the value itself."""
    return value.id if isinstance(value, Slot) else value


def _person_values(slot: PersonSlot) -> dict[str, Any]:
    """Return the column values of a new person."""
    values = slot.values
    return {
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "name_key": normalise_name(f"{values['first_name']} {values['last_name']}"),
        "birth_date": values.get("birth_date"),
        "email": values.get("email"),
        "phone": values.get("phone"),
        "school_id": _id(values.get("school")),
    }


def _group_values(slot: Slot) -> dict[str, Any]:
    """Return the column values of a new group."""
    values = slot.values
    return {
        "name": values["name"],
        "name_key": values["name_key"],
        "school_id": _id(values.get("school")),
        "contact_id": _id(values.get("contact")),
    }


def entry_values(festival: Festival, batch, target: EntryTarget) -> dict[str, Any]:
    """Return the column values of a new entry."""
    row = target.row
    return {
        "festival_id": festival.id,
        "class_id": row.festival_class.id,
        "group_id": _id(target.group),
        "teacher_id": _id(target.teacher),
        "accompanist_id": _id(target.accompanist),
        "school_id": _id(target.school),
        "status": "submitted",
        "fee": row.festival_class.fee,
        "amount_paid": row.fee_paid if row.fee_paid is not None else Decimal("0.00"),
        "comments": row.comments or None,
        "given_contacts": row.given_contacts(),
        "source": "import",
        "import_batch_id": batch.id,
        "import_filename": batch.filename,
        "import_row": row.row,
    }


def _insert(model, slots: list[Slot], values) -> list[int]:
    """Insert new records in one statement and give each slot its id; return the ids."""
    if not slots:
        return []
    ids = db.session.scalars(
        insert(model.__table__).returning(model.__table__.c.id, sort_by_parameter_order=True), [values(slot) for slot in slots]
    ).all()
    for slot, record_id in zip(slots, ids, strict=True):
        slot.written_id = record_id
    return list(ids)


def plan_entries(
    festival: Festival,
    table: Table,
    match: ColumnMatch,
    *,
    excluded: Collection[int] = (),
    progress: Progress = no_progress,
) -> Plan:
    """Check an entries file against the festival; return what importing it would do."""
    return EntriesPlanner(festival, table, match, excluded, progress).run()
