"""Splitting a class into sections (1203A, 1203B), each placed on its own, and joining them back.

A split cuts the class's draw into consecutive parts, as even as possible (the first sections
take one more when the entries do not divide evenly): section A plays the first entries of the
draw, B the next, and so on, so the running order the organizer chose is kept. The loader then
gives one unit per section (`section-<id>`) to the board, the checker and the solver.

Where the sections go: the first section takes the class's placement (session, start, pin); the
others wait in the board's Unscheduled tray (the checker reports them as `class-unscheduled`)
until the organizer or the solver places them. A join puts the class back as one unit, its draw
being the sections' orders one after the other, in the place of the earliest placed section.

Both changes go through `save_schedule` for the placements (recorded as "Schedule saved") and
are recorded themselves (`schedule-split`, `schedule-joined`); the caller commits.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from sqlalchemy import select

from mfo.audit.trail import record
from mfo.database import db
from mfo.entries.models import ACTIVE_STATUSES, Entry
from mfo.festival.models import Festival
from mfo.schedule import problem as plain
from mfo.schedule.draws import write_positions
from mfo.schedule.loading import class_key, load_schedule, save_schedule, section_key
from mfo.schedule.models import ClassSection, ScheduleEntry
from mfo.syllabus.models import FestivalClass

# Labels of sections, in order: A to Z (a class split into more than 26 parts is not a festival's).
LABELS = string.ascii_uppercase
MIN_PARTS = 2


class SectionRefused(ValueError):
    """A split or join the service refuses: another festival's class (404), or one it cannot do (409), with the reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class SectionChange:
    """What a split or join did: the class, and its sections' codes with their entries in order."""

    festival_class: FestivalClass
    sections: dict[str, list[int]]


def _class_of(festival: Festival, class_id: int) -> FestivalClass:
    """Return the festival's class, or refuse (404) one of another festival."""
    festival_class = db.session.get(FestivalClass, class_id)
    if festival_class is None or festival_class.festival_id != festival.id:
        raise SectionRefused(404, "unknown-class")
    return festival_class


def _sections(class_id: int) -> list[ClassSection]:
    """Return a class's sections in their order."""
    return list(db.session.scalars(
        select(ClassSection).where(ClassSection.class_id == class_id).order_by(ClassSection.position, ClassSection.label)
    ))


def draw_order(festival: Festival, class_id: int) -> list[tuple[int, int | None]]:
    """Return the class's active entries as (entry id, section id) in the loader's order: drawn by place, then the others by id."""
    rows = db.session.execute(
        select(Entry.id, ScheduleEntry.section_id, ScheduleEntry.position)
        .outerjoin(ScheduleEntry, ScheduleEntry.entry_id == Entry.id)
        .where(Entry.festival_id == festival.id, Entry.class_id == class_id, Entry.status.in_(ACTIVE_STATUSES))
    ).all()
    ordered = sorted(rows, key=lambda row: (row.position is None, row.position or 0, row.id))
    return [(row.id, row.section_id) for row in ordered]


def cut(order: list[int], parts: int) -> list[list[int]]:
    """Return the order cut into `parts` consecutive runs as even as possible, the longer ones first."""
    size, extra = divmod(len(order), parts)
    runs, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        runs.append(order[start:end])
        start = end
    return runs


def split_class(festival: Festival, class_id: int, parts: int, actor=None) -> SectionChange:
    """Split a class not yet split into `parts` sections by its draw order; the first takes the class's place. The caller commits."""
    festival_class = _class_of(festival, class_id)
    if _sections(class_id):
        raise SectionRefused(409, "already-split")
    order = [entry_id for entry_id, _section in draw_order(festival, class_id)]
    if not MIN_PARTS <= parts <= min(len(order), len(LABELS)):
        raise SectionRefused(409, "parts")
    sections = [ClassSection(class_id=class_id, label=LABELS[index], position=index) for index in range(parts)]
    db.session.add_all(sections)
    db.session.flush()
    # Every entry gets its place written, so the sections keep the draw whatever is added later.
    write_positions(order)
    db.session.flush()
    rows = {row.entry_id: row for row in db.session.scalars(select(ScheduleEntry).where(ScheduleEntry.entry_id.in_(order)))}
    made: dict[str, list[int]] = {}
    for section, run in zip(sections, cut(order, parts), strict=True):
        for entry_id in run:
            rows[entry_id].section_id = section.id
        made[f"{festival_class.code}{section.label}"] = run
    db.session.flush()

    schedule = load_schedule(festival)
    placements = dict(schedule.placements)
    whole = placements.pop(class_key(class_id), None)
    if whole is not None:
        first = section_key(sections[0].id)
        placements[first] = plain.Placement(first, whole.session_id, whole.start, whole.pinned)
    save_schedule(festival, plain.Schedule(placements), actor=actor)
    record("schedule-split", target=f"class {festival_class.code} (#{class_id})", details={"sections": made}, actor=actor)
    return SectionChange(festival_class, made)


def join_sections(festival: Festival, class_id: int, actor=None) -> SectionChange:
    """Join a split class's sections back into one class in their order, in the place of the earliest placed one. The caller commits."""
    festival_class = _class_of(festival, class_id)
    sections = _sections(class_id)
    if not sections:
        raise SectionRefused(409, "not-split")
    rank = {section.id: index for index, section in enumerate(sections)}
    entries = draw_order(festival, class_id)
    # The sections' orders one after the other; entries no section held (added since the split) last.
    order = [entry_id for entry_id, _section in sorted(entries, key=lambda item: rank.get(item[1], len(sections)))]
    write_positions(order)
    db.session.flush()
    for row in db.session.scalars(select(ScheduleEntry).where(ScheduleEntry.section_id.in_(rank))):
        row.section_id = None

    schedule = load_schedule(festival)
    placements = dict(schedule.placements)
    placed = sorted(
        (placements.pop(section_key(section.id)) for section in sections if section_key(section.id) in placements),
        key=lambda placement: placement.start,
    )
    key = class_key(class_id)
    if placed and key not in placements:
        placements[key] = plain.Placement(key, placed[0].session_id, placed[0].start, placed[0].pinned)
    save_schedule(festival, plain.Schedule(placements), actor=actor)
    for section in sections:
        db.session.delete(section)
    db.session.flush()
    record("schedule-joined", target=f"class {festival_class.code} (#{class_id})", details={"draw": order}, actor=actor)
    return SectionChange(festival_class, {festival_class.code: order})
