"""The adjudicators' admin view: who judges, which disciplines, when they are available, and their conflicts of interest."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mfo.adjudicators.models import Adjudicator, AdjudicatorAvailability
from mfo.adjudicators.permissions import ADJUDICATOR_WRITE
from mfo.admin.guards import Refused
from mfo.database import db
from mfo.festival.admin import FESTIVAL_LABELS, FestivalDataView, FestivalFilter
from mfo.festival.permissions import FESTIVAL_READ
from mfo.syllabus.admin import festival_names
from mfo.venues.admin import CATEGORY, WINDOW_LABELS, check_windows, format_windows

LABELS = {
    **FESTIVAL_LABELS,
    "person": _l("Person"),
    "disciplines": _l("Disciplines"),
    "availability": _l("Available"),
    "conflict_schools": _l("Must not judge the schools"),
    "conflict_people": _l("Must not judge the people"),
}

PERSON_SEARCH = {"fields": ["first_name", "last_name", "email"], "page_size": 20}
SCHOOL_SEARCH = {"fields": ["name", "city"], "page_size": 20}


def _names(records) -> str:
    """Show related records by name, separated by commas."""
    return ", ".join(str(record) for record in records)


class AdjudicatorView(FestivalDataView):
    """The adjudicators of every festival: festival-read to look, adjudicator-write to change."""

    read_permission = FESTIVAL_READ
    write_permission = ADJUDICATOR_WRITE
    column_labels = LABELS
    column_list = ["festival", "person", "disciplines", "availability"]
    column_details_list = [
        "festival",
        "person",
        "disciplines",
        "availability",
        "conflict_schools",
        "conflict_people",
        "created_at",
        "updated_at",
    ]
    column_export_list = ["festival", "person", "disciplines", "availability", "conflict_schools", "conflict_people"]
    form_columns = ["festival", "person", "disciplines", "conflict_schools", "conflict_people"]
    column_sortable_list = [("festival", "festival.name")]
    column_default_sort = [("festival_id", True), ("id", False)]
    form_ajax_refs = {"person": PERSON_SEARCH, "conflict_schools": SCHOOL_SEARCH, "conflict_people": PERSON_SEARCH}
    form_args = {"disciplines": {"get_label": lambda d: f"{d.name} · {festival_names().get(d.festival_id, '?')}"}}
    column_formatters = {
        "availability": lambda view, context, model, name: format_windows(model.availability),
        "disciplines": lambda view, context, model, name: _names(model.disciplines),
        "conflict_schools": lambda view, context, model, name: _names(model.conflict_schools),
        "conflict_people": lambda view, context, model, name: _names(model.conflict_people),
    }
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    inline_models = [(AdjudicatorAvailability, {"form_columns": ["id", "day", "start", "end"], "column_labels": WINDOW_LABELS})]

    column_auto_select_related = False

    def get_query(self):
        """Load each listed adjudicator's festival, person, disciplines, availability and conflicts with the page."""
        return (
            super()
            .get_query()
            .options(
                joinedload(Adjudicator.festival),
                joinedload(Adjudicator.person),
                selectinload(Adjudicator.disciplines),
                selectinload(Adjudicator.availability),
                selectinload(Adjudicator.conflict_schools),
                selectinload(Adjudicator.conflict_people),
            )
        )

    def get_filters(self):
        """Filter by festival and name (built per view: filters remember their view)."""
        self.column_filters = [FestivalFilter(Adjudicator.festival_id), "person.last_name"]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name an adjudicator by their name, festival and id."""
        slug = record.festival.slug if record.festival else "?"
        return f"adjudicator {record} [{slug}] (#{record.id})"

    def audit_snapshot(self, record) -> dict[str, object]:
        """Record the disciplines, availability and conflicts with the adjudicator's own columns (all are on its form)."""
        return {
            **super().audit_snapshot(record),
            "disciplines": sorted(d.name for d in record.disciplines),
            "availability": format_windows(record.availability),
            "conflict_schools": sorted(s.name for s in record.conflict_schools),
            "conflict_people": sorted(p.full_name for p in record.conflict_people),
        }

    def on_model_change(self, form, model, is_created) -> None:
        """Refuse a missing festival or person, a second record in one festival, another festival's discipline, hours off the festival."""
        if model.festival is None or model.person is None:
            raise Refused(_("An adjudicator needs a festival and a person."))
        model.festival_id = model.festival.id
        for discipline in model.disciplines:
            if discipline.festival_id != model.festival_id:
                raise Refused(_("%(name)s belongs to another festival: choose one of this festival’s.", name=discipline.name))
        check_windows(model.festival, model.availability)
        with db.session.no_autoflush:
            taken = db.session.scalar(
                select(Adjudicator.id).where(
                    Adjudicator.festival_id == model.festival_id,
                    Adjudicator.person_id == model.person.id,
                    Adjudicator.id != (model.id or 0),
                )
            )
        if taken:
            raise Refused(_("%(name)s already judges at this festival.", name=model.person.full_name))


def adjudicator_view() -> AdjudicatorView:
    """Return a new adjudicators view."""
    return AdjudicatorView(Adjudicator, db, name=_l("Adjudicators"), endpoint="adjudicator", category=CATEGORY)
