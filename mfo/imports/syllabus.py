"""A syllabus import: one row per class; disciplines, levels and set pieces created when new.

Classes are matched by number and suffix within the festival: a row that describes a class on file
as it is matches it, one that describes it otherwise changes it (the values before are kept for the
undo). Disciplines and levels are matched by name (case and spacing aside), pieces by piece_key.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import selectinload

from mfo.database import db
from mfo.festival.models import Festival
from mfo.festival.values import parse_class_code, parse_set_pieces
from mfo.imports.cells import Cells
from mfo.imports.changes import ChangeLog, snapshot
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
from mfo.issues.rules import piece_key
from mfo.syllabus.models import CLASS_TYPES, Discipline, FestivalClass, Level, Piece, SetPiece

# The class's columns a syllabus row describes (besides its number and suffix), compared to see whether it changed.
CLASS_FIELDS = (
    "name",
    "discipline_id",
    "level_id",
    "class_type",
    "min_age",
    "max_age",
    "fee",
    "time_limit",
    "adjudication_time",
    "changeover_time",
    "closing_time",
    "accompanist_required",
)


def lookup_key(name: str) -> str:
    """Return how a discipline's or level's name is compared: case and spacing aside."""
    return " ".join(name.casefold().split())


@dataclass
class ClassRow:
    """A class as one row describes it."""

    row: int
    number: str
    suffix: str
    name: str
    discipline: str
    level: str
    class_type: str
    min_age: int | None
    max_age: int | None
    fee: Decimal
    time_limit: int | None
    adjudication_time: int
    changeover_time: int
    closing_time: int
    accompanist_required: bool
    set_pieces: list[tuple[str, str]]

    @property
    def code(self) -> str:
        """Return the class's code: number and suffix."""
        return f"{self.number}{self.suffix}"


@dataclass
class NewRecord:
    """A record the import will create: its values and, once written, its id."""

    values: dict[str, Any]
    id: int | None = None


@dataclass
class ClassPlan:
    """What one row does to its class: create it, or change it (with its values before)."""

    row: ClassRow
    outcome: str
    record: FestivalClass | None = None
    before: dict[str, Any] = field(default_factory=dict)
    # The class's discipline and level, and its set pieces in order: records on file or NewRecords.
    discipline: Any = None
    level: Any = None
    set_pieces: list[Any] = field(default_factory=list)


def read_row(cells: Cells) -> ClassRow | None:
    """Read a syllabus row; return None when a value the class needs is missing or unreadable."""
    number_text = cells.required("number")
    suffix_text = cells.text("suffix")
    name = cells.required("name")
    number = suffix = ""
    if number_text:
        try:
            number, suffix = parse_class_code(number_text)
        except ValueError:
            cells.bad("number", "number")
    if suffix_text:
        if len(suffix_text) != 1 or not suffix_text.isalpha() or (suffix and suffix != suffix_text.upper()):
            cells.bad("suffix", "suffix")
        else:
            suffix = suffix_text.upper()
    class_type = cells.text("type").casefold() or "solo"
    if class_type not in CLASS_TYPES:
        cells.bad("type", "type")
    min_age, max_age = cells.age("min_age"), cells.age("max_age")
    if min_age is not None and max_age is not None and min_age > max_age:
        cells.bad("max_age", "ages")
    fee = cells.money("fee")
    time_limit = cells.duration("time_limit")
    # Zero is a real answer for these three (a class without change-overs); only a piece must last.
    adjudication = cells.duration("adjudication_time", zero=True)
    changeover = cells.duration("changeover_time", zero=True)
    closing = cells.duration("closing_time", zero=True)
    accompanist = cells.yes_no("accompanist_required")
    try:
        set_pieces = parse_set_pieces(cells.text("set_pieces"))
    except ValueError:
        cells.bad("set_pieces", "set-pieces")
        set_pieces = []
    if cells.result.errors:
        return None
    return ClassRow(
        row=cells.row.number,
        number=number,
        suffix=suffix,
        name=name,
        discipline=" ".join(cells.text("discipline").split()),
        level=" ".join(cells.text("level").split()),
        class_type=class_type,
        min_age=min_age,
        max_age=max_age,
        fee=fee if fee is not None else Decimal("0.00"),
        time_limit=time_limit,
        adjudication_time=adjudication or 0,
        changeover_time=changeover or 0,
        closing_time=closing or 0,
        accompanist_required=bool(accompanist),
        set_pieces=set_pieces,
    )


def plan_syllabus(
    festival: Festival,
    table: Table,
    match: ColumnMatch,
    *,
    excluded: Collection[int] = (),
    progress: Progress = no_progress,
) -> Plan:
    """Check a syllabus file against the festival's syllabus; return what importing it would do."""
    excluded = set(excluded)
    results: list[RowResult] = []
    rows: list[tuple[ClassRow, RowResult]] = []
    first_row: dict[str, int] = {}
    for position, row in enumerate(table.rows, start=1):
        result = RowResult(row.number)
        results.append(result)
        class_row = read_row(Cells(match, row, result))
        if class_row is not None:
            result.label = f"{class_row.code} {class_row.name}"
            other = first_row.setdefault(class_row.code, row.number)
            if other != row.number:
                result.issues.append(
                    Issue("duplicate-class", {"code": class_row.code, "other": other}, row=row.number, class_code=class_row.code)
                )
        else:
            result.label = " ".join(filter(None, (cells_text(match, row, "number"), cells_text(match, row, "name"))))
        if row.number in excluded:
            result.outcome = EXCLUDED
        elif result.errors:
            result.outcome = BLOCKED
        else:
            rows.append((class_row, result))
        if position % PROGRESS_STEP == 0:
            progress(position)

    classes = {
        c.code: c
        for c in db.session.scalars(
            select(FestivalClass)
            .where(FestivalClass.festival_id == festival.id)
            .options(selectinload(FestivalClass.set_pieces))
        )
    }
    disciplines = {lookup_key(d.name): d for d in db.session.scalars(select(Discipline).where(Discipline.festival_id == festival.id))}
    levels = {lookup_key(level.name): level for level in db.session.scalars(select(Level).where(Level.festival_id == festival.id))}
    wanted_keys = {piece_key(title, composer) for class_row, _ in rows for title, composer in class_row.set_pieces}
    pieces: dict[str, Piece] = {}
    for keys in chunks(sorted(wanted_keys)):
        pieces.update((p.key, p) for p in db.session.scalars(select(Piece).where(Piece.key.in_(keys))))

    plan = Plan(kind="syllabus", results=results, excluded=sorted(excluded), extra_cells=list(table.extra_cells))
    new_disciplines: dict[str, NewRecord] = {}
    new_levels: dict[str, NewRecord] = {}
    new_pieces: dict[str, NewRecord] = {}
    seen_matched: set[tuple[str, int]] = set()
    class_plans: list[ClassPlan] = []

    def lookup(kind: str, name: str, known: dict, new: dict, result: RowResult) -> Any:
        """Return the discipline or level of that name: on file, or to be created."""
        if not name:
            return None
        key = lookup_key(name)
        if key in known:
            if (kind, known[key].id) not in seen_matched:
                seen_matched.add((kind, known[key].id))
                plan.matched[kind] += 1
            result.touch(kind, MATCHED, known[key].name)
            return known[key]
        if key not in new:
            new[key] = NewRecord({"name": name})
            plan.created[kind] += 1
            result.touch(kind, CREATED, name)
        return new[key]

    for class_row, result in rows:
        discipline = lookup("discipline", class_row.discipline, disciplines, new_disciplines, result)
        level = lookup("level", class_row.level, levels, new_levels, result)
        set_piece_refs = []
        for title, composer in class_row.set_pieces:
            key = piece_key(title, composer)
            if key in pieces:
                set_piece_refs.append(pieces[key])
                if ("piece", pieces[key].id) not in seen_matched:
                    seen_matched.add(("piece", pieces[key].id))
                    plan.matched["piece"] += 1
                result.touch("piece", MATCHED, str(pieces[key]))
            else:
                if key not in new_pieces:
                    new_pieces[key] = NewRecord({"title": title, "composer": composer, "key": key, "duration": None})
                    plan.created["piece"] += 1
                    result.touch("piece", CREATED, f"{title} ({composer})" if composer else title)
                set_piece_refs.append(new_pieces[key])
        existing = classes.get(class_row.code)
        class_plan = ClassPlan(class_row, CREATED, existing, discipline=discipline, level=level, set_pieces=set_piece_refs)
        if existing is None:
            plan.created["class"] += 1
        elif _same_class(existing, class_row, discipline, level, set_piece_refs):
            class_plan.outcome = MATCHED
            plan.matched["class"] += 1
        else:
            class_plan.outcome = CHANGED
            class_plan.before = {
                **snapshot(existing, (*CLASS_FIELDS, "updated_at")),
                "set_pieces": [sp.piece_id for sp in existing.set_pieces],
            }
            plan.changed["class"] += 1
        result.outcome = class_plan.outcome
        result.records.insert(0, ("class", class_plan.outcome, result.label))
        class_plans.append(class_plan)

    plan.writer = lambda batch, changes: _write(festival, batch, class_plans, new_disciplines, new_levels, new_pieces, changes)
    progress(len(results))
    return plan


def cells_text(match: ColumnMatch, row, name: str) -> str:
    """Return one cell's text (for labelling a row that could not be read)."""
    return match.value(row, name)


def _id_of(ref: Any) -> int | None:
    """Return the id of a record on file or created (None for no record)."""
    return None if ref is None else ref.id


def _class_values(class_row: ClassRow, discipline: Any, level: Any) -> dict[str, Any]:
    """Return the class's column values a row gives (discipline and level resolved to ids once written)."""
    return {
        "name": class_row.name,
        "discipline_id": _id_of(discipline),
        "level_id": _id_of(level),
        "class_type": class_row.class_type,
        "min_age": class_row.min_age,
        "max_age": class_row.max_age,
        "fee": class_row.fee,
        "time_limit": class_row.time_limit,
        "adjudication_time": class_row.adjudication_time,
        "changeover_time": class_row.changeover_time,
        "closing_time": class_row.closing_time,
        "accompanist_required": class_row.accompanist_required,
    }


def _same_class(existing: FestivalClass, class_row: ClassRow, discipline: Any, level: Any, set_pieces: list) -> bool:
    """Tell whether a class on file is already as the row describes it (new disciplines, levels or pieces differ)."""
    if any(isinstance(ref, NewRecord) for ref in (discipline, level, *set_pieces)):
        return False
    wanted = _class_values(class_row, discipline, level)
    if any(getattr(existing, name) != value for name, value in wanted.items()):
        return False
    return [sp.piece_id for sp in existing.set_pieces] == [piece.id for piece in _unique(set_pieces)]


def _insert(model, records: list[NewRecord], **common: Any) -> list[int]:
    """Insert new records in one statement and give each its id; return the ids."""
    if not records:
        return []
    ids = db.session.scalars(
        insert(model.__table__).returning(model.__table__.c.id, sort_by_parameter_order=True),
        [{**common, **record.values} for record in records],
    ).all()
    for record, record_id in zip(records, ids, strict=True):
        record.id = record_id
    return list(ids)


def _write(
    festival: Festival,
    batch,
    class_plans: list[ClassPlan],
    new_disciplines: dict[str, NewRecord],
    new_levels: dict[str, NewRecord],
    new_pieces: dict[str, NewRecord],
    changes: ChangeLog,
) -> None:
    """Write the syllabus plan in the current transaction, noting every record created or changed."""
    for model, table, new in (
        (Discipline, "discipline", new_disciplines),
        (Level, "level", new_levels),
    ):
        last = db.session.scalar(select(func.max(model.position)).where(model.festival_id == festival.id)) or 0
        records = list(new.values())
        for offset, record in enumerate(records, start=1):
            record.values["position"] = last + offset
        changes.created(table, _insert(model, records, festival_id=festival.id))
    changes.created("piece", _insert(Piece, list(new_pieces.values())))

    creating = [plan for plan in class_plans if plan.outcome == CREATED]
    new_classes = [
        NewRecord({"number": p.row.number, "suffix": p.row.suffix, **_class_values(p.row, p.discipline, p.level)})
        for p in creating
    ]
    changes.created("festival_class", _insert(FestivalClass, new_classes, festival_id=festival.id))
    set_piece_rows = [
        {"class_id": record.id, "piece_id": piece.id, "position": position}
        for p, record in zip(creating, new_classes, strict=True)
        for position, piece in enumerate(_unique(p.set_pieces))
    ]
    for plan in class_plans:
        if plan.outcome != CHANGED:
            continue
        record = plan.record
        db.session.execute(
            update(FestivalClass).where(FestivalClass.id == record.id).values(**_class_values(plan.row, plan.discipline, plan.level))
        )
        db.session.execute(delete(SetPiece).where(SetPiece.class_id == record.id))
        set_piece_rows.extend(
            {"class_id": record.id, "piece_id": piece.id, "position": position}
            for position, piece in enumerate(_unique(plan.set_pieces))
        )
        changes.changed("festival_class", record.id, plan.before)
    if set_piece_rows:
        db.session.execute(insert(SetPiece), set_piece_rows)


def _unique(pieces: list) -> list:
    """Return the pieces without repeats, in order (a class lists a set piece once)."""
    seen: set[int] = set()
    unique = []
    for piece in pieces:
        if piece.id not in seen:
            seen.add(piece.id)
            unique.append(piece)
    return unique
