"""The draw: the order of a class's entries, made from its method (random with a recorded seed, alphabetical, by age) or by hand.

Making a draw writes every active entry's place (`schedule_entry.position`, 1 first) over the
whole class, sections included (each entry keeps its section; a section's order is the class's
order restricted to it), and records the method, and for a random draw its seed, in
`class_draw`. The same method and seed give the same order on the same entries; an entry added
since is placed by the method the next time the draw is made (until then it runs after those
drawn, as the loader says).

- **random**: the entries by id, shuffled by Python's `random.Random(seed)`; drawing again picks a
  new seed, and the seed is recorded so the order can be made again and checked.
- **alphabetical**: by the group's name, or the performers' last then first names (in the entry's
  order), accents and case left out; then by id.
- **age**: youngest first, an entry's age being its oldest performer's age (whole years) on the
  festival's age cut-off date; entries whose performers' birth dates are unknown come last; then
  as alphabetical.
- **manual**: the organizer reordered the draw on the board (or a schedule file set it); nothing
  is computed until a method is chosen again.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from mfo.audit.trail import record
from mfo.database import db
from mfo.entries.models import ACTIVE_STATUSES, Entry, EntryPerformer
from mfo.festival.models import Festival
from mfo.festival.values import age_on
from mfo.people.models import Group, Person
from mfo.schedule.models import ClassDraw, ScheduleEntry
from mfo.syllabus.models import FestivalClass
from mfo.text import normalise_name

# The methods an organizer chooses; "manual" is recorded by a reorder by hand, never chosen here.
COMPUTED_METHODS = ("random", "alphabetical", "age")
# Seeds fit a 32-bit signed integer column on every database.
MAX_SEED = 2**31 - 1


class DrawRefused(ValueError):
    """A draw the service refuses: a class of another festival (404) or an unknown method (400)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class DrawEntry:
    """What the methods need of an entry: its id, a name to sort by, and its oldest performer's age (None: unknown)."""

    entry_id: int
    name: str
    age: int | None


@dataclass(frozen=True)
class DrawResult:
    """A draw made: the class, its method, its seed (random only) and the entries in their new order."""

    festival_class: FestivalClass
    method: str
    seed: int | None
    order: list[int]


def new_seed() -> int:
    """Return a fresh seed for a random draw."""
    return secrets.randbelow(MAX_SEED) + 1


def order_entries(entries: list[DrawEntry], method: str, seed: int | None = None) -> list[int]:
    """Return the entries' ids in the order the method gives (random needs its seed)."""
    by_name = sorted(entries, key=lambda e: (e.name, e.entry_id))
    if method == "random":
        if seed is None:
            raise ValueError("a random draw needs its seed")
        ids = sorted(e.entry_id for e in entries)
        random.Random(seed).shuffle(ids)
        return ids
    if method == "alphabetical":
        return [e.entry_id for e in by_name]
    if method == "age":
        return [e.entry_id for e in sorted(by_name, key=lambda e: (e.age is None, e.age or 0))]
    raise ValueError(f"no computed order for {method!r}")


def draw_entries(festival: Festival, class_id: int) -> list[DrawEntry]:
    """Return the class's active entries with their sort name and age on the festival's cut-off date."""
    entries = db.session.execute(
        select(Entry.id, Group.name)
        .outerjoin(Group, Group.id == Entry.group_id)
        .where(Entry.festival_id == festival.id, Entry.class_id == class_id, Entry.status.in_(ACTIVE_STATUSES))
        .order_by(Entry.id)
    ).all()
    people: dict[int, list[tuple[str, date | None]]] = defaultdict(list)
    for entry_id, first, last, born in db.session.execute(
        select(EntryPerformer.entry_id, Person.first_name, Person.last_name, Person.birth_date)
        .join(Person, Person.id == EntryPerformer.person_id)
        .where(EntryPerformer.entry_id.in_([row.id for row in entries]))
        .order_by(EntryPerformer.entry_id, EntryPerformer.position, Person.id)
    ):
        people[entry_id].append((f"{last or ''} {first or ''}", born))
    cutoff = festival.age_cutoff
    drawn = []
    for entry_id, group_name in entries:
        names = group_name or " ".join(name for name, _born in people[entry_id])
        births = [born for _name, born in people[entry_id] if born is not None]
        age = age_on(min(births), cutoff) if births and cutoff else None
        drawn.append(DrawEntry(entry_id, normalise_name(names), age))
    return drawn


def _class_of(festival: Festival, class_id: int) -> FestivalClass:
    """Return the festival's class, or refuse (404) one of another festival."""
    festival_class = db.session.get(FestivalClass, class_id)
    if festival_class is None or festival_class.festival_id != festival.id:
        raise DrawRefused(404, "unknown-class")
    return festival_class


def write_positions(order: list[int]) -> None:
    """Give the entries their places 1, 2, ... in this order, keeping each one's section."""
    rows = {row.entry_id: row for row in db.session.scalars(select(ScheduleEntry).where(ScheduleEntry.entry_id.in_(order)))}
    for position, entry_id in enumerate(order, start=1):
        row = rows.get(entry_id)
        if row is None:
            db.session.add(ScheduleEntry(entry_id=entry_id, position=position))
        else:
            row.position = position


def _set_method(class_id: int, method: str, seed: int | None) -> tuple[ClassDraw, bool]:
    """Record a class's draw method and seed; return the row and whether it is new."""
    row = db.session.get(ClassDraw, class_id)
    created = row is None
    if created:
        row = ClassDraw(class_id=class_id)
        db.session.add(row)
    row.method, row.seed = method, seed
    return row, created


def redraw(festival: Festival, class_id: int, method: str, seed: int | None = None, actor=None) -> DrawResult:
    """Make a class's draw by a method (a random one with the seed given, or a new one); record it; the caller commits."""
    if method not in COMPUTED_METHODS:
        raise DrawRefused(400, "unknown-method")
    festival_class = _class_of(festival, class_id)
    if method == "random" and seed is None:
        seed = new_seed()
    elif method != "random":
        seed = None
    order = order_entries(draw_entries(festival, class_id), method, seed)
    write_positions(order)
    _row, created = _set_method(class_id, method, seed)
    db.session.flush()
    record(
        "class_draw-created" if created else "class_draw-updated",
        target=f"class_draw {festival_class.code} (#{class_id})",
        details={"method": method, "seed": seed, "order": order},
        actor=actor,
    )
    return DrawResult(festival_class, method, seed, order)


def mark_manual(class_ids: set[int]) -> None:
    """Record that these classes' draws were set by hand (a reorder on the board, a schedule file); their seeds are kept."""
    for class_id in sorted(class_ids):
        row = db.session.get(ClassDraw, class_id)
        if row is None:
            db.session.add(ClassDraw(class_id=class_id, method="manual"))
        else:
            row.method = "manual"
