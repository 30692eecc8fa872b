"""Load the demo festival: generate a season from a seed and bring it in through the imports, as an organizer would."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from mfo.audit.trail import record
from mfo.database import db
from mfo.demo.billing import add_fee_rules, add_payments
from mfo.demo.generator import ENTRY_HEADERS, SYLLABUS_HEADERS, DemoFestival, generate, rows_to_csv
from mfo.demo.online import OnlineDemo, add_online_entrants
from mfo.demo.schedule import add_schedule_data
from mfo.festival.models import Festival
from mfo.festival.services import FestivalSettings, create_festival, festival_target
from mfo.imports.plan import Plan
from mfo.imports.services import import_file


@dataclass
class DemoLoad:
    """What loading the demo did: the festival, whether it was new, and the two imports' plans."""

    festival: Festival
    created: bool
    syllabus: Plan
    entries: Plan
    sessions: int = 0
    online: OnlineDemo | None = None
    payments: int = 0


def any_festival() -> bool:
    """Tell whether the database holds a festival already."""
    return bool(db.session.scalar(select(func.count(Festival.id))))


def load_demo(entries: int = 1200, seed: int = 2026) -> DemoLoad:
    """Create the demo festival (or find it, when it exists) and import its syllabus and entries; the caller commits.

    Venues, adjudicators and sessions sized to the classes come with a new festival
    (mfo.demo.schedule). The same seed gives the same festival: loading it again matches every class and entry and
    changes nothing. Family and teacher accounts enter online through the basket (mfo.demo.online).
    Rows with a planted error (an unknown class, an unreadable date or duration)
    are left out, as an organizer would leave them out of a real file; the planted warnings stay
    for the Issues page.
    """
    demo = generate(entries=entries, seed=seed)
    festival, created = demo_festival(demo)
    syllabus = rows_to_csv(SYLLABUS_HEADERS, demo.syllabus_rows)
    entry_file = rows_to_csv(ENTRY_HEADERS, demo.entry_rows)
    _batch, syllabus_plan = import_file(festival, "syllabus", "demo-syllabus.csv", syllabus, leave_out_errors=True, from_cli=True)
    _batch, entries_plan = import_file(festival, "entries", "demo-entries.csv", entry_file, leave_out_errors=True, from_cli=True)
    # Families and a teacher entering online, through the basket (none when their accounts exist already), under
    # the festival's fee rules; then a few payments, most invoices keeping a balance due.
    add_fee_rules(festival)
    online = add_online_entrants(festival, seed)
    payments = add_payments(festival)
    sessions = add_schedule_data(festival=festival)
    record(
        "demo-loaded",
        target=festival_target(festival),
        details={"entries": entries, "seed": seed, "new_festival": created},
        from_cli=True,
    )
    return DemoLoad(festival, created, syllabus_plan, entries_plan, sessions, online, payments)


def demo_festival(demo: DemoFestival) -> tuple[Festival, bool]:
    """Return the demo's festival (by its slug) and whether it was created now."""
    festival = db.session.scalar(select(Festival).where(Festival.slug == demo.slug_hint))
    if festival is not None:
        return festival, False
    settings = FestivalSettings(
        name=demo.name,
        year=demo.year,
        start_date=demo.start,
        end_date=demo.end,
        age_cutoff=demo.cutoff,
        entries_open=demo.entries_open,
        entries_close=demo.entries_close,
        status="entries-closed",
        slug=demo.slug_hint,
    )
    return create_festival(settings, from_cli=True), True
