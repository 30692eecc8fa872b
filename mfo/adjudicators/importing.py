"""An adjudicators import: one row per adjudicator, with the disciplines they judge, when they can and whom they must not judge.

An adjudicator is matched by email: the person on file with that email (the same person record as
everywhere else: a teacher who also judges is one person) and, when they already judge at the
festival, their adjudicator record. A row describing an adjudicator as they are matches them; one
that says something else changes them, each of its disciplines, availability and conflicts cells
replacing the adjudicator's list (the lists before are kept for the undo). A blank cell leaves the
list as it is. A person is created when nobody on file has the email; the name of a person on file
is never changed by the file (it is theirs everywhere), a different one is a contact-mismatch warning.

Disciplines are the festival's, by name; conflicts are school names or people's emails, all on file
already (a school or a person unknown is an error of its row, not a record made up).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_security.utils import naive_utcnow
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from mfo.adjudicators.models import (
    Adjudicator,
    AdjudicatorAvailability,
    adjudicator_conflict_person,
    adjudicator_conflict_school,
    adjudicator_discipline,
)
from mfo.adjudicators.permissions import ADJUDICATOR_WRITE
from mfo.database import db
from mfo.festival.models import Festival
from mfo.festival.values import normalise_email, split_list
from mfo.festival.windows import format_windows
from mfo.imports.cells import Cells
from mfo.imports.changes import ChangeLog
from mfo.imports.kinds import ImportKind, Record
from mfo.imports.plan import BLOCKED, CHANGED, CREATED, EXCLUDED, MATCHED, PROGRESS_STEP, Plan, Progress, RowResult, chunks, no_progress
from mfo.imports.tabular import Column, ColumnMatch, Table
from mfo.issues.codes import Issue
from mfo.people.models import Person, School
from mfo.syllabus.models import Discipline
from mfo.text import normalise_name

COLUMNS: tuple[Column, ...] = (
    Column("first_name", required=True, aliases=("first name", "given name", "prénom", "prenom")),
    Column("last_name", required=True, aliases=("last name", "surname", "family name", "nom")),
    Column("email", required=True, aliases=("e-mail", "email address", "courriel")),
    Column("disciplines", aliases=("discipline", "judges", "disciplines judged")),
    Column("availability", aliases=("available", "availabilities", "disponibilités", "disponibilites")),
    Column("conflicts", aliases=("conflict", "conflicts of interest", "must not judge", "conflits")),
)

FIELD_HELP = {
    "first_name": _l("The adjudicator's first name"),
    "last_name": _l("The adjudicator's last name"),
    "email": _l("Their email address: an adjudicator is found by it (a person on file with it is the same person)"),
    "disciplines": _l("The disciplines they judge, by name, separated by ; (replaces their disciplines; blank: unchanged)"),
    "availability": _l(
        "When they can judge, as YYYY-MM-DD HH:MM-HH:MM, several separated by ; (replaces their availability; blank: unchanged)"
    ),
    "conflicts": _l(
        "Whom they must not judge: school names or people's emails, separated by ; (replaces their conflicts; blank: unchanged)"
    ),
}

# The column lengths of the person table.
NAME_LENGTH = 100
EMAIL_LENGTH = 255

Window = tuple[date, time, time]


@dataclass
class AdjudicatorRow:
    """An adjudicator as one row describes them (None: the cell is blank, the list stays as it is)."""

    row: int
    first_name: str
    last_name: str
    email: str
    disciplines: list[int] | None
    availability: list[Window] | None
    schools: list[int] | None
    people: list[int] | None

    @property
    def name(self) -> str:
        """Return "First Last"."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class AdjudicatorPlan:
    """What one row does: create the person or not, create the adjudicator or change them (with their lists before)."""

    row: AdjudicatorRow
    outcome: str
    person: Person | None = None
    record: Adjudicator | None = None
    before: dict[str, Any] = field(default_factory=dict)


@dataclass
class OnFile:
    """What the rows are checked against: the festival's disciplines and adjudicators, and the people and schools named."""

    disciplines: dict[str, Discipline]
    people: dict[str, Person] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    # The festival's adjudicators by their person's email (casefolded; the first added when two people share one).
    judges: dict[str, Adjudicator] = field(default_factory=dict)


def _items(cells: Cells, name: str) -> list[str] | None:
    """Return a list cell's items (None when it is blank)."""
    text = cells.text(name)
    return [item for item in split_list(text) if item] if text.strip() else None


def _emails(text: str) -> set[str]:
    """Return the readable email addresses among a cell's items (the others are reported when the row is read)."""
    found = set()
    for item in split_list(text):
        try:
            email = normalise_email(item) if "@" in item else None
        except ValueError:
            email = None
        if email:
            found.add(email)
    return found


def _load(festival: Festival, table: Table, match: ColumnMatch) -> OnFile:
    """Load what the file's rows name: the festival's disciplines, the people by email, the schools by name, the adjudicators."""
    disciplines = db.session.scalars(select(Discipline).where(Discipline.festival_id == festival.id))
    on_file = OnFile({normalise_name(discipline.name): discipline for discipline in disciplines})
    emails: set[str] = set()
    schools: set[str] = set()
    for row in table.rows:
        emails |= _emails(match.value(row, "email"))
        conflicts = match.value(row, "conflicts")
        emails |= _emails(conflicts)
        schools |= {normalise_name(item) for item in split_list(conflicts) if item and "@" not in item}
    # An email is not unique among people: the lowest id with the address is the one an email finds (a judge aside, below).
    for batch in chunks(sorted(emails)):
        for person in db.session.scalars(select(Person).where(Person.email.in_(batch)).order_by(Person.id.desc())):
            on_file.people[person.email] = person
    for batch in chunks(sorted(schools - {""})):
        on_file.schools.update((school.key, school) for school in db.session.scalars(select(School).where(School.key.in_(batch))))
    adjudicators = db.session.scalars(
        select(Adjudicator)
        .where(Adjudicator.festival_id == festival.id)
        .options(
            selectinload(Adjudicator.person),
            selectinload(Adjudicator.disciplines),
            selectinload(Adjudicator.availability),
            selectinload(Adjudicator.conflict_schools),
            selectinload(Adjudicator.conflict_people),
        )
        .order_by(Adjudicator.id.desc())
    )
    for adjudicator in adjudicators:
        if adjudicator.person.email:
            on_file.judges[adjudicator.person.email.casefold()] = adjudicator
    return on_file


def _not_on_file(cells: Cells, name: str, value: str, reason: Any) -> None:
    """Note that an item of a cell names nothing on file."""
    cells.issue("not-on-file", field=cells.header(name), value=value, reason=reason)


def read_row(cells: Cells, festival: Festival, on_file: OnFile) -> AdjudicatorRow | None:
    """Read an adjudicator row; return None when a value is missing, unreadable or names nothing on file."""
    first_name = " ".join(cells.required("first_name").split())
    last_name = " ".join(cells.required("last_name").split())
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > NAME_LENGTH:
            cells.too_long(name, NAME_LENGTH)
    email = None
    if cells.text("email"):
        email = cells.email("email")
        if email is not None and len(email) > EMAIL_LENGTH:
            cells.too_long("email", EMAIL_LENGTH)
    else:
        cells.missing("email")
    disciplines = None
    if (names := _items(cells, "disciplines")) is not None:
        disciplines = []
        for item in names:
            discipline = on_file.disciplines.get(normalise_name(item))
            if discipline is None:
                _not_on_file(cells, "disciplines", item, _l("this festival's syllabus has no discipline of this name"))
            elif discipline.id not in disciplines:
                disciplines.append(discipline.id)
    availability = cells.windows("availability", festival.start_date, festival.end_date)
    schools = people = None
    if (items := _items(cells, "conflicts")) is not None:
        schools, people = [], []
        for item in items:
            if "@" in item:
                try:
                    person = on_file.people.get(normalise_email(item) or "")
                except ValueError:
                    cells.issue("bad-value", field=cells.header("conflicts"), value=item, reason=_l("this is not an email address"))
                    continue
                if person is None:
                    _not_on_file(cells, "conflicts", item, _l("nobody on file has this email address"))
                elif person.id not in people:
                    people.append(person.id)
            else:
                school = on_file.schools.get(normalise_name(item))
                if school is None:
                    _not_on_file(cells, "conflicts", item, _l("no school on file has this name (a person is named by their email)"))
                elif school.id not in schools:
                    schools.append(school.id)
    if cells.result.errors or email is None:
        return None
    return AdjudicatorRow(cells.row.number, first_name, last_name, email, disciplines, availability, schools, people)


def _lists(adjudicator: Adjudicator) -> dict[str, Any]:
    """Return an adjudicator's lists as the undo keeps them (ids, and windows as ISO text)."""
    return {
        "disciplines": sorted(d.id for d in adjudicator.disciplines),
        "availability": [[w.day.isoformat(), w.start.strftime("%H:%M"), w.end.strftime("%H:%M")] for w in _windows(adjudicator)],
        "conflict_schools": sorted(s.id for s in adjudicator.conflict_schools),
        "conflict_people": sorted(p.id for p in adjudicator.conflict_people),
    }


def _windows(adjudicator: Adjudicator) -> list[AdjudicatorAvailability]:
    """Return an adjudicator's windows in order."""
    return sorted(adjudicator.availability, key=lambda w: (w.day, w.start, w.end))


def _differs(adjudicator: Adjudicator, row: AdjudicatorRow) -> bool:
    """Tell whether a row says something else than the adjudicator on file (a blank cell says nothing)."""
    now = _lists(adjudicator)
    return (
        (row.disciplines is not None and sorted(row.disciplines) != now["disciplines"])
        or (row.availability is not None and row.availability != [(w.day, w.start, w.end) for w in _windows(adjudicator)])
        or (row.schools is not None and sorted(row.schools) != now["conflict_schools"])
        or (row.people is not None and sorted(row.people) != now["conflict_people"])
    )


def plan_adjudicators(
    festival: Festival,
    table: Table,
    match: ColumnMatch,
    *,
    excluded: Collection[int] = (),
    progress: Progress = no_progress,
) -> Plan:
    """Check an adjudicators file against the festival's adjudicators and the people on file; return what importing it would do."""
    excluded = set(excluded)
    on_file = _load(festival, table, match)
    plan = Plan(kind="adjudicators", results=[], excluded=sorted(excluded), extra_cells=list(table.extra_cells))
    first_row: dict[str, int] = {}
    row_plans: list[AdjudicatorPlan] = []
    for position, row in enumerate(table.rows, start=1):
        result = RowResult(row.number)
        plan.results.append(result)
        cells = Cells(match, row, result)
        adjudicator_row = read_row(cells, festival, on_file)
        result.label = " ".join(f"{cells.text('first_name')} {cells.text('last_name')}".split())[:2 * NAME_LENGTH]
        if adjudicator_row is not None:
            other = first_row.setdefault(adjudicator_row.email, row.number)
            if other != row.number:
                result.issues.append(Issue("duplicate-row", {"name": adjudicator_row.name, "other": other}, row=row.number))
        if row.number in excluded:
            result.outcome = EXCLUDED
        elif result.errors:
            result.outcome = BLOCKED
        else:
            row_plans.append(_plan_row(plan, result, adjudicator_row, on_file))
        if position % PROGRESS_STEP == 0:
            progress(position)
    plan.writer = lambda batch, changes: _write(festival, row_plans, changes)
    progress(len(plan.results))
    return plan


def _plan_row(plan: Plan, result: RowResult, row: AdjudicatorRow, on_file: OnFile) -> AdjudicatorPlan:
    """Decide what a readable row does to its person and adjudicator, and count them."""
    # Among people sharing the email, the one who already judges at the festival is the adjudicator the row describes.
    adjudicator = on_file.judges.get(row.email)
    person = adjudicator.person if adjudicator is not None else on_file.people.get(row.email)
    if person is None:
        plan.created["person"] += 1
        result.touch("person", CREATED, row.name)
    else:
        plan.matched["person"] += 1
        result.touch("person", MATCHED, person.full_name)
        if normalise_name(person.full_name) != normalise_name(row.name):
            result.issues.append(Issue(
                "contact-mismatch",
                {"name": person.full_name, "field": _l("name"), "given": row.name, "known": person.full_name},
                row=row.row,
            ))
    before: dict[str, Any] = {}
    if adjudicator is None:
        outcome = CREATED
        plan.created["adjudicator"] += 1
    elif _differs(adjudicator, row):
        outcome = CHANGED
        before = {"updated_at": adjudicator.updated_at.isoformat(), **_lists(adjudicator)}
        plan.changed["adjudicator"] += 1
    else:
        outcome = MATCHED
        plan.matched["adjudicator"] += 1
    result.outcome = outcome
    label = row.name
    if row.availability:
        label = f"{label} ({format_windows(row.availability)})"
    result.records.insert(0, ("adjudicator", outcome, label))
    return AdjudicatorPlan(row, outcome, person, adjudicator, before)


def _write(festival: Festival, row_plans: list[AdjudicatorPlan], changes: ChangeLog) -> None:
    """Write the adjudicators plan in the current transaction, noting every person and adjudicator created or changed."""
    new_people = []
    for plan in row_plans:
        if plan.person is None:
            person = Person(email=plan.row.email)
            person.set_name(plan.row.first_name, plan.row.last_name)
            db.session.add(person)
            plan.person = person
            new_people.append(person)
    db.session.flush()
    created = []
    for plan in row_plans:
        if plan.outcome == CREATED:
            adjudicator = Adjudicator(festival_id=festival.id, person_id=plan.person.id)
            db.session.add(adjudicator)
            created.append((adjudicator, plan.row))
    db.session.flush()
    for adjudicator, row in created:
        _set_lists(adjudicator.id, row)
    for plan in row_plans:
        if plan.outcome == CHANGED:
            adjudicator = plan.record
            # Set by hand: a change of its lists alone changes no column of the adjudicator itself.
            adjudicator.updated_at = naive_utcnow()
            _set_lists(adjudicator.id, plan.row)
            changes.changed("adjudicator", adjudicator.id, plan.before)
    db.session.flush()
    changes.created("person", [person.id for person in new_people])
    changes.created("adjudicator", [adjudicator.id for adjudicator, _row in created])
    # The ORM's copies of the lists are stale after the statements above.
    for plan in row_plans:
        if plan.record is not None:
            db.session.expire(plan.record, ["disciplines", "availability", "conflict_schools", "conflict_people"])


def _set_lists(adjudicator_id: int, row: AdjudicatorRow) -> None:
    """Replace the lists a row gives (a blank cell's list is left as it is)."""
    if row.disciplines is not None:
        restore_disciplines(adjudicator_id, row.disciplines)
    if row.availability is not None:
        restore_availability(adjudicator_id, [[d.isoformat(), s.strftime("%H:%M"), e.strftime("%H:%M")] for d, s, e in row.availability])
    if row.schools is not None:
        restore_conflict_schools(adjudicator_id, row.schools)
    if row.people is not None:
        restore_conflict_people(adjudicator_id, row.people)


def _replace(table, column: str, adjudicator_id: int, ids: list[int]) -> None:
    """Replace the rows of an adjudicator's list table with the given ids."""
    db.session.execute(delete(table).where(table.c.adjudicator_id == adjudicator_id))
    if ids:
        db.session.execute(insert(table), [{"adjudicator_id": adjudicator_id, column: i} for i in ids])


def restore_disciplines(adjudicator_id: int, ids: list[int]) -> None:
    """Put back an adjudicator's disciplines."""
    _replace(adjudicator_discipline, "discipline_id", adjudicator_id, ids)


def restore_conflict_schools(adjudicator_id: int, ids: list[int]) -> None:
    """Put back the schools an adjudicator must not judge."""
    _replace(adjudicator_conflict_school, "school_id", adjudicator_id, ids)


def restore_conflict_people(adjudicator_id: int, ids: list[int]) -> None:
    """Put back the people an adjudicator must not judge."""
    _replace(adjudicator_conflict_person, "person_id", adjudicator_id, ids)


def restore_availability(adjudicator_id: int, windows: list[list[str]]) -> None:
    """Replace an adjudicator's availability with [day, start, end] (ISO date, HH:MM), as kept for the undo."""
    table = AdjudicatorAvailability.__table__
    db.session.execute(delete(table).where(table.c.adjudicator_id == adjudicator_id))
    rows = [
        {"adjudicator_id": adjudicator_id, "day": date.fromisoformat(day), "start_time": time.fromisoformat(start),
         "end_time": time.fromisoformat(end)}
        for day, start, end in windows
    ]
    if rows:
        db.session.execute(insert(table), rows)


def adjudicator_uses(created, touched):
    """What, made since an adjudicators import, uses a person it created: another adjudicator's conflict of interest.

    (Sessions judged by an adjudicator it created are declared by the schedule's kind, which knows sessions.)
    """
    return [
        ("person", select(adjudicator_conflict_person.c.adjudicator_id).where(
            adjudicator_conflict_person.c.person_id.in_(created["person"]),
            adjudicator_conflict_person.c.adjudicator_id.not_in(touched["adjudicator"]),
        )),
    ]


ADJUDICATORS = ImportKind(
    name="adjudicators",
    label=_l("Adjudicators"),
    description=_l("One row per adjudicator."),
    columns=COLUMNS,
    field_help=FIELD_HELP,
    permission=ADJUDICATOR_WRITE,
    planner=plan_adjudicators,
    records=(Record(Adjudicator, "adjudicator", _l("adjudicators")), Record(Person, "person", _l("people"))),
    undo_uses=adjudicator_uses,
    restorers={
        "disciplines": restore_disciplines,
        "availability": restore_availability,
        "conflict_schools": restore_conflict_schools,
        "conflict_people": restore_conflict_people,
    },
    personal_fields=("email", "conflicts"),
    sheet_title="adjudicators",
    example_rows=(
        ("Clara", "Wieck", "clara.wieck@example.org", "Piano; Voice", "2026-03-02 09:00-12:00; 2026-03-03 09:00-17:00",
         "Riverside Music School"),
        ("Pablo", "Sarasate", "pablo@example.org", "Strings", "2026-03-02 13:00-17:00", "anna.smith@example.org"),
    ),
)
