"""The venues' admin views: venues with their opening hours, and the travel times between two venues."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mfo.admin.guards import Refused
from mfo.database import db
from mfo.festival.admin import FESTIVAL_LABELS, FestivalDataView, FestivalFilter
from mfo.festival.permissions import FESTIVAL_READ
from mfo.venues.hours import window_problem
from mfo.venues.models import Venue, VenueOpening, VenueTravel
from mfo.venues.permissions import VENUE_WRITE

CATEGORY = _l("Schedule")

LABELS = {
    **FESTIVAL_LABELS,
    "name": _l("Name"),
    "address": _l("Address"),
    "has_piano": _l("Piano"),
    "opening": _l("Opening hours"),
    "venue_a": _l("Venue"),
    "venue_b": _l("Other venue"),
    "minutes": _l("Travel time (minutes)"),
}

WINDOW_LABELS = {"day": _l("Day"), "start": _l("Start"), "end": _l("End")}


def format_windows(windows) -> str:
    """Show windows of hours as "2027-04-10 09:00–17:00; ..."."""
    return "; ".join(f"{w.day.isoformat()} {w.start.strftime('%H:%M')}–{w.end.strftime('%H:%M')}" for w in windows)


def check_windows(festival, windows) -> None:
    """Refuse windows that are incomplete, end before they start, or fall outside the festival's days."""
    for window in windows:
        problem = window_problem(festival, window.day, window.start, window.end)
        if problem:
            raise Refused(problem)


class VenueDataView(FestivalDataView):
    """A view of the venues feature's records: festival-read to look (staff find their way), venue-write to change."""

    read_permission = FESTIVAL_READ
    write_permission = VENUE_WRITE
    column_labels = LABELS


class VenueView(VenueDataView):
    """The venues of every festival, each with the hours it is open on each day."""

    column_list = ["festival", "name", "address", "has_piano", "opening"]
    column_details_list = ["festival", "name", "address", "has_piano", "opening", "created_at", "updated_at"]
    column_export_list = ["festival", "name", "address", "has_piano", "opening"]
    form_columns = ["festival", "name", "address", "has_piano"]
    column_searchable_list = ["name", "address"]
    column_sortable_list = ["name", ("festival", "festival.name")]
    column_default_sort = [("festival_id", True), ("name", False)]
    column_formatters = {"opening": lambda view, context, model, name: format_windows(model.opening)}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    inline_models = [(VenueOpening, {"form_columns": ["id", "day", "start", "end"], "column_labels": WINDOW_LABELS})]

    # get_query loads the related records itself (Flask-Admin's joins would clash with its loads).
    column_auto_select_related = False

    def get_query(self):
        """Load each listed venue's festival and opening hours with the page."""
        return super().get_query().options(joinedload(Venue.festival), selectinload(Venue.opening))

    def get_filters(self):
        """Filter by festival (built per view: filters remember their view)."""
        self.column_filters = [FestivalFilter(Venue.festival_id)]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a venue by its name, festival and id."""
        slug = record.festival.slug if record.festival else "?"
        return f"venue {record.name} [{slug}] (#{record.id})"

    def audit_snapshot(self, record) -> dict[str, object]:
        """Record the opening hours with the venue's own columns (they are edited on its form)."""
        return {**super().audit_snapshot(record), "opening": format_windows(record.opening)}

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse a venue without a festival or name, a second venue of the same name, and opening hours outside the festival."""
        model.name = (model.name or "").strip()
        if model.festival is None or not model.name:
            raise Refused(_("A venue needs a festival and a name."))
        model.festival_id = model.festival.id
        check_windows(model.festival, model.opening)
        with db.session.no_autoflush:
            taken = db.session.scalar(
                select(Venue.id).where(Venue.festival_id == model.festival_id, Venue.name == model.name, Venue.id != (model.id or 0))
            )
        if taken:
            raise Refused(_("The festival already has a venue called %(name)s.", name=model.name))


class VenueTravelView(VenueDataView):
    """Travel times between two venues, where they differ from the festival's default."""

    column_list = ["venue_a", "venue_b", "minutes"]
    column_details_list = ["venue_a", "venue_b", "minutes"]
    column_export_list = ["venue_a", "venue_b", "minutes"]
    form_columns = ["venue_a", "venue_b", "minutes"]
    column_sortable_list = ["minutes"]
    form_args = {
        "venue_a": {"get_label": lambda v: f"{v.name} · {v.festival.name}"},
        "venue_b": {"get_label": lambda v: f"{v.name} · {v.festival.name}"},
    }

    column_auto_select_related = False

    def get_query(self):
        """Load both venues of each listed pair with the page."""
        return super().get_query().options(joinedload(VenueTravel.venue_a), joinedload(VenueTravel.venue_b))

    def audit_target(self, record) -> str:
        """Name a travel time by its two venues."""
        names = " – ".join(v.name for v in (record.venue_a, record.venue_b) if v is not None)
        return f"venue_travel {names} (#{record.id})"

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse a pair that is one venue, or two venues of different festivals; keep the smaller id first."""
        a, b = model.venue_a, model.venue_b
        if a is None or b is None or a.id == b.id:
            raise Refused(_("Choose two different venues."))
        if a.festival_id != b.festival_id:
            raise Refused(_("The two venues belong to different festivals."))
        if model.minutes is None or model.minutes < 0:
            raise Refused(_("The travel time is a number of minutes, 0 or more."))
        if a.id > b.id:
            model.venue_a, model.venue_b = b, a
        model.venue_a_id, model.venue_b_id = model.venue_a.id, model.venue_b.id
        with db.session.no_autoflush:
            taken = db.session.scalar(
                select(VenueTravel.id).where(
                    VenueTravel.venue_a_id == model.venue_a_id,
                    VenueTravel.venue_b_id == model.venue_b_id,
                    VenueTravel.id != (model.id or 0),
                )
            )
        if taken:
            raise Refused(_("These two venues already have a travel time: change that one."))


def venue_view() -> VenueView:
    """Return a new venues view (every app gets its own)."""
    return VenueView(Venue, db, name=_l("Venues"), endpoint="venue", category=CATEGORY)


def travel_view() -> VenueTravelView:
    """Return a new travel times view."""
    return VenueTravelView(VenueTravel, db, name=_l("Travel times"), endpoint="venue_travel", category=CATEGORY)
