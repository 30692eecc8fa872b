"""The schedule's admin views: sessions with their breaks, sections, entries' sections and draw, placements and people's requests.

Every view needs schedule-read to look and schedule-write to change; every change is checked
against the festival it belongs to (a session's venue, adjudicator and discipline are the
festival's own, a placement's session is the festival of its class) and recorded in the trail.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mfo.adjudicators.models import Adjudicator
from mfo.admin.guards import Refused
from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer
from mfo.festival.admin import FESTIVAL_LABELS, FestivalDataView, FestivalFilter
from mfo.schedule.draws import COMPUTED_METHODS, draw_entries, new_seed, order_entries, write_positions
from mfo.schedule.labels import DRAW_METHOD_LABELS, TOGETHER_MODE_LABELS
from mfo.schedule.models import (
    ClassDraw,
    ClassSection,
    KeepTogether,
    Placement,
    ScheduleEntry,
    Session,
    SessionBreak,
    Unavailability,
)
from mfo.schedule.permissions import SCHEDULE_READ, SCHEDULE_WRITE
from mfo.syllabus.admin import festival_names
from mfo.venues.admin import CATEGORY
from mfo.venues.hours import window_problem

LABELS = {
    **FESTIVAL_LABELS,
    "name": _l("Name"),
    "day": _l("Day"),
    "start": _l("Start"),
    "end": _l("End"),
    "venue": _l("Venue"),
    "adjudicator": _l("Adjudicator"),
    "discipline": _l("Discipline"),
    "breaks": _l("Breaks"),
    "festival_class": _l("Class"),
    "label": _l("Section letter"),
    "position": _l("Order"),
    "method": _l("Draw"),
    "seed": _l("Seed of the random draw"),
    "entry": _l("Entry"),
    "entry_id": _l("Entry number"),
    "section": _l("Section"),
    "session": _l("Session"),
    "pinned": _l("Pinned"),
    "person": _l("Person"),
    "note": _l("Note"),
    "mode": _l("Mode"),
    "people": _l("People"),
}

CLASS_SEARCH = {"fields": ["number", "name"], "page_size": 20}
PERSON_SEARCH = {"fields": ["first_name", "last_name", "email"], "page_size": 20}


def _hm(value) -> str:
    """Show a time of day as HH:MM."""
    return value.strftime("%H:%M") if value is not None else ""


def _with_festival(record) -> str:
    """Label a record of one festival in a form's list with its festival's name (forms list every festival's)."""
    return f"{record} · {festival_names().get(getattr(record, 'festival_id', None), '?')}"


def _class_label(festival_class) -> str:
    """Label a class in a form's list with its code, name and festival."""
    return f"{festival_class} · {festival_names().get(festival_class.festival_id, '?')}"


def _slug(record) -> str:
    """Return the slug of a record's festival for audit targets ("?" when unknown)."""
    festival = getattr(record, "festival", None)
    return festival.slug if festival is not None else "?"


class ScheduleDataView(FestivalDataView):
    """A view of the schedule's records: schedule-read to look, schedule-write to change."""

    read_permission = SCHEDULE_READ
    write_permission = SCHEDULE_WRITE
    column_labels = LABELS
    # Views that load related records themselves in get_query (Flask-Admin's joins would clash with them).
    column_auto_select_related = False


class SessionView(ScheduleDataView):
    """Sessions: a festival day in one venue, with its hours, adjudicator, discipline and breaks."""

    column_list = ["festival", "day", "start", "end", "venue", "name", "adjudicator", "discipline", "breaks"]
    column_details_list = [*column_list, "created_at", "updated_at"]
    column_export_list = column_list
    form_columns = ["festival", "name", "day", "start", "end", "venue", "adjudicator", "discipline"]
    column_searchable_list = ["name"]
    column_sortable_list = ["day", "start", "name", ("venue", "venue.name")]
    column_default_sort = [("festival_id", True), ("day", False), ("start", False)]
    form_args = {
        "venue": {"get_label": _with_festival},
        "adjudicator": {"get_label": _with_festival},
        "discipline": {"get_label": _with_festival},
    }
    column_formatters = {
        "start": lambda view, context, model, name: _hm(model.start),
        "end": lambda view, context, model, name: _hm(model.end),
        "breaks": lambda view, context, model, name: "; ".join(f"{_hm(b.start)}–{_hm(b.end)}" for b in model.breaks),
    }
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    inline_models = [(SessionBreak, {"form_columns": ["id", "start", "end"], "column_labels": {"start": _l("Start"), "end": _l("End")}})]

    def get_query(self):
        """Load each listed session's festival, venue, adjudicator, discipline and breaks with the page."""
        return (
            super()
            .get_query()
            .options(
                joinedload(Session.festival),
                joinedload(Session.venue),
                joinedload(Session.adjudicator).joinedload(Adjudicator.person),
                joinedload(Session.discipline),
                selectinload(Session.breaks),
            )
        )

    def get_filters(self):
        """Filter by festival, day and venue (built per view: filters remember their view)."""
        self.column_filters = [FestivalFilter(Session.festival_id), "day", "venue.name"]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a session by its day, start, venue and festival."""
        venue = record.venue.name if record.venue else "?"
        return f"session {record.day} {_hm(record.start)} {venue} [{_slug(record)}] (#{record.id})"

    def audit_snapshot(self, record) -> dict[str, object]:
        """Record the breaks with the session's own columns (they are edited on its form)."""
        return {**super().audit_snapshot(record), "breaks": [f"{_hm(b.start)}-{_hm(b.end)}" for b in record.breaks]}

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse a session outside the festival's days, ending before it starts, with another festival's venue,
        adjudicator or discipline, or with a break outside its hours."""
        if model.festival is None or model.venue is None:
            raise Refused(_("A session needs a festival and a venue."))
        model.festival_id = model.festival.id
        model.name = (model.name or "").strip()
        problem = window_problem(model.festival, model.day, model.start, model.end)
        if problem:
            raise Refused(problem)
        for part in (model.venue, model.adjudicator, model.discipline):
            if part is not None and part.festival_id != model.festival_id:
                raise Refused(_("%(name)s belongs to another festival: choose one of this festival’s.", name=str(part)))
        for pause in model.breaks:
            if pause.start is None or pause.end is None or not model.start <= pause.start < pause.end <= model.end:
                raise Refused(_("A break must start and end within the session's hours."))


class ClassSectionView(ScheduleDataView):
    """Sections of split classes (1203A, 1203B): each is placed on its own."""

    column_list = ["festival_class", "label", "position"]
    column_details_list = ["festival_class", "label", "position", "created_at", "updated_at"]
    column_export_list = column_list
    form_columns = ["festival_class", "label", "position"]
    column_sortable_list = ["label", "position"]
    column_default_sort = [("class_id", False), ("position", False)]
    form_ajax_refs = {"festival_class": CLASS_SEARCH}

    def get_query(self):
        """Load each listed section's class with the page."""
        return super().get_query().options(joinedload(ClassSection.festival_class))

    def audit_target(self, record) -> str:
        """Name a section by its code and id."""
        code = record.code if record.festival_class is not None else record.label
        return f"section {code} (#{record.id})"

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse a section without a class or letter, or a letter the class already has."""
        model.label = (model.label or "").strip().upper()
        if model.festival_class is None or not model.label or not model.label.isalpha():
            raise Refused(_("A section needs a class and a letter (A, B, ...)."))
        model.class_id = model.festival_class.id
        model.position = model.position or 0
        with db.session.no_autoflush:
            taken = db.session.scalar(
                select(ClassSection.id).where(
                    ClassSection.class_id == model.class_id, ClassSection.label == model.label, ClassSection.id != (model.id or 0)
                )
            )
        if taken:
            raise Refused(_("The class already has a section %(label)s.", label=model.label))


class ScheduleEntryView(ScheduleDataView):
    """Each entry's section (of a split class) and its place in the class's draw."""

    column_list = ["entry_id", "entry", "section", "position"]
    column_details_list = column_list
    column_export_list = column_list
    form_columns = ["entry_id", "section", "position"]
    column_sortable_list = ["entry_id", "position"]
    column_default_sort = "entry_id"
    form_args = {"section": {"get_label": lambda s: s.code}}

    def get_query(self):
        """Load each listed entry (with its class and performers) and its section with the page."""
        return (
            super()
            .get_query()
            .options(
                joinedload(ScheduleEntry.entry).joinedload(Entry.festival_class),
                joinedload(ScheduleEntry.entry).joinedload(Entry.group),
                joinedload(ScheduleEntry.entry).selectinload(Entry.performers).joinedload(EntryPerformer.person),
                joinedload(ScheduleEntry.section).joinedload(ClassSection.festival_class),
            )
        )

    def audit_target(self, record) -> str:
        """Name an entry's schedule row by the entry's id."""
        return f"schedule_entry of entry #{record.entry_id}"

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse an unknown entry, or a section of another class than the entry's."""
        entry = db.session.get(Entry, model.entry_id) if model.entry_id else None
        if entry is None:
            raise Refused(_("There is no entry with this number."))
        if model.section is not None and model.section.class_id != entry.class_id:
            raise Refused(_("Section %(code)s is not a section of the entry's class.", code=model.section.code))


class ClassDrawView(ScheduleDataView):
    """How each class's entries are ordered: random (with its seed), alphabetical, by age, or set by hand; saving one makes the draw."""

    column_list = ["festival_class", "method", "seed"]
    column_details_list = ["festival_class", "method", "seed", "created_at", "updated_at"]
    column_export_list = column_list
    form_columns = ["festival_class", "method", "seed"]
    column_sortable_list = ["method"]
    column_default_sort = "class_id"
    form_ajax_refs = {"festival_class": CLASS_SEARCH}
    form_choices = {"method": list(DRAW_METHOD_LABELS.items())}
    column_formatters = {"method": lambda view, context, model, name: DRAW_METHOD_LABELS.get(model.method, model.method)}
    column_formatters_detail = column_formatters
    column_formatters_export = {"method": lambda view, context, model, name: str(DRAW_METHOD_LABELS.get(model.method, model.method))}

    def get_query(self):
        """Load each listed draw's class with the page."""
        return super().get_query().options(joinedload(ClassDraw.festival_class))

    def audit_target(self, record) -> str:
        """Name a draw by its class."""
        return f"class_draw {record.festival_class.code if record.festival_class else '?'} (#{record.class_id})"

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse a draw without a class, or a second draw for a class."""
        if model.festival_class is None:
            raise Refused(_("Choose the class of the draw."))
        if is_created and db.session.get(ClassDraw, model.festival_class.id) not in (None, model):
            raise Refused(_("Class %(code)s already has a draw: change that one.", code=model.festival_class.code))
        model.class_id = model.festival_class.id
        # The order follows from the method, as on the Draws and sections page (a manual draw stays as it is).
        if model.method in COMPUTED_METHODS:
            if model.method != "random":
                model.seed = None
            elif model.seed is None:
                model.seed = new_seed()
            write_positions(order_entries(draw_entries(model.festival_class.festival, model.class_id), model.method, model.seed))


class PlacementView(ScheduleDataView):
    """Where each class or section runs: its session and start; pinned ones stay where the organizer put them."""

    column_list = ["session", "start", "festival_class", "section", "pinned"]
    column_details_list = [*column_list, "created_at", "updated_at"]
    column_export_list = column_list
    form_columns = ["festival_class", "section", "session", "start", "pinned"]
    column_sortable_list = ["start", "pinned"]
    column_default_sort = [("festival_id", True), ("start", False)]
    form_ajax_refs = {"festival_class": CLASS_SEARCH}
    form_args = {"session": {"get_label": _with_festival}, "section": {"get_label": lambda s: s.code}}

    def get_query(self):
        """Load each listed placement's session, class and section with the page."""
        return (
            super()
            .get_query()
            .options(
                joinedload(Placement.session).joinedload(Session.venue),
                joinedload(Placement.festival_class),
                joinedload(Placement.section).joinedload(ClassSection.festival_class),
            )
        )

    def get_filters(self):
        """Filter by festival (built per view: filters remember their view)."""
        self.column_filters = [FestivalFilter(Placement.festival_id), "pinned"]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a placement by its unit and start."""
        return f"placement {record.unit_key} at {record.start} (#{record.id})"

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse a placement of both or neither a class and a section, or in a session of another festival or day."""
        if (model.festival_class is None) == (model.section is None):
            raise Refused(_("Place either a whole class or one section of a class."))
        if model.session is None or model.start is None:
            raise Refused(_("A placement needs a session and a start."))
        festival_class = model.festival_class or model.section.festival_class
        if festival_class.festival_id != model.session.festival_id:
            raise Refused(_("The session belongs to another festival than the class."))
        if model.start.date() != model.session.day:
            raise Refused(_("The start must be on the session's day."))
        model.festival_id = model.session.festival_id
        model.class_id = model.festival_class.id if model.festival_class is not None else None
        model.section_id = model.section.id if model.section is not None else None
        with db.session.no_autoflush:
            unit = Placement.section_id == model.section_id if model.section_id else Placement.class_id == model.class_id
            taken = db.session.scalar(select(Placement.id).where(unit, Placement.id != (model.id or 0)))
        if taken:
            raise Refused(_("This class or section is already placed: move that placement."))


class UnavailabilityView(ScheduleDataView):
    """People's requests not to be scheduled at some times ("not before 10:00 on Saturday")."""

    column_list = ["festival", "person", "start", "end", "note"]
    column_details_list = [*column_list, "created_at", "updated_at"]
    column_export_list = column_list
    form_columns = ["festival", "person", "start", "end", "note"]
    column_searchable_list = ["note"]
    column_sortable_list = ["start", "end"]
    column_default_sort = [("festival_id", True), ("start", False)]
    form_ajax_refs = {"person": PERSON_SEARCH}

    def get_query(self):
        """Load each listed request's festival and person with the page."""
        return super().get_query().options(joinedload(Unavailability.festival), joinedload(Unavailability.person))

    def get_filters(self):
        """Filter by festival (built per view: filters remember their view)."""
        self.column_filters = [FestivalFilter(Unavailability.festival_id), "person.last_name"]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a request by its person and festival."""
        return f"unavailability {record.person} [{_slug(record)}] (#{record.id})"

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse a request without a festival, person or times, or ending before it starts."""
        if model.festival is None or model.person is None or model.start is None or model.end is None:
            raise Refused(_("A request needs a festival, a person, a start and an end."))
        if model.end <= model.start:
            raise Refused(_("The end must be after the start."))
        model.festival_id = model.festival.id
        model.note = (model.note or "").strip() or None


class KeepTogetherView(ScheduleDataView):
    """Requests that some people perform on the same day, or back to back."""

    column_list = ["festival", "name", "mode", "people"]
    column_details_list = [*column_list, "created_at", "updated_at"]
    column_export_list = column_list
    form_columns = ["festival", "name", "mode", "people"]
    column_searchable_list = ["name"]
    column_sortable_list = ["name", "mode"]
    column_default_sort = [("festival_id", True), ("name", False)]
    form_ajax_refs = {"people": PERSON_SEARCH}
    form_choices = {"mode": list(TOGETHER_MODE_LABELS.items())}
    column_formatters = {
        "mode": lambda view, context, model, name: TOGETHER_MODE_LABELS.get(model.mode, model.mode),
        "people": lambda view, context, model, name: ", ".join(p.full_name for p in model.people),
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        **column_formatters,
        "mode": lambda view, context, model, name: str(TOGETHER_MODE_LABELS.get(model.mode, model.mode)),
    }

    def get_query(self):
        """Load each listed request's festival and people with the page."""
        return super().get_query().options(joinedload(KeepTogether.festival), selectinload(KeepTogether.people))

    def get_filters(self):
        """Filter by festival (built per view: filters remember their view)."""
        self.column_filters = [FestivalFilter(KeepTogether.festival_id)]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a request by its name and festival."""
        return f"keep_together {record.name} [{_slug(record)}] (#{record.id})"

    def audit_snapshot(self, record) -> dict[str, object]:
        """Record the people with the request's own columns (they are edited on its form)."""
        return {**super().audit_snapshot(record), "people": sorted(p.full_name for p in record.people)}

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse a request without a festival or name, or with fewer than two people."""
        model.name = (model.name or "").strip()
        if model.festival is None or not model.name:
            raise Refused(_("A request needs a festival and a name."))
        if len(model.people) < 2:
            raise Refused(_("Keeping together needs at least two people."))
        model.festival_id = model.festival.id


def session_view() -> SessionView:
    """Return a new sessions view."""
    return SessionView(Session, db, name=_l("Schedule sessions"), endpoint="sessions", category=CATEGORY)


def section_view() -> ClassSectionView:
    """Return a new sections view."""
    return ClassSectionView(ClassSection, db, name=_l("Sections of classes"), endpoint="sections", category=CATEGORY)


def schedule_entry_view() -> ScheduleEntryView:
    """Return a new view of the entries' sections and draw order."""
    return ScheduleEntryView(ScheduleEntry, db, name=_l("Entries: section and draw"), endpoint="schedule_entries", category=CATEGORY)


def draw_view() -> ClassDrawView:
    """Return a new draws view."""
    return ClassDrawView(ClassDraw, db, name=_l("Draws"), endpoint="draws", category=CATEGORY)


def placement_view() -> PlacementView:
    """Return a new placements view."""
    return PlacementView(Placement, db, name=_l("Placements"), endpoint="placements", category=CATEGORY)


def unavailability_view() -> UnavailabilityView:
    """Return a new view of people's unavailable times."""
    return UnavailabilityView(Unavailability, db, name=_l("Unavailable times"), endpoint="unavailability", category=CATEGORY)


def keep_together_view() -> KeepTogetherView:
    """Return a new view of keep-together requests."""
    return KeepTogetherView(KeepTogether, db, name=_l("Keep together"), endpoint="keep_together", category=CATEGORY)
