"""The entries' admin view (entries-read to look, entries-write to change; edits are checked by the validator) and the entries count."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from mfo.admin.guards import Refused
from mfo.database import db
from mfo.entries.labels import SOURCE_LABELS, STATUS_LABELS, entry_status_label
from mfo.entries.models import Entry, EntryPerformer, EntryPiece
from mfo.entries.permissions import ENTRIES_READ, ENTRIES_WRITE
from mfo.entries.services import entry_target
from mfo.feature import Count
from mfo.festival.admin import FestivalDataView, FestivalFilter, money_column
from mfo.festival.forms import DurationField, MoneyField
from mfo.festival.values import format_duration

CATEGORY = _l("Entries")
PERSON_SEARCH = {"fields": ["first_name", "last_name"], "page_size": 20}

LABELS = {
    "id": _l("Entry number"),
    "festival": _l("Festival"),
    "festival_class": _l("Class"),
    "performers": _l("Performers"),
    "group": _l("Group"),
    "teacher": _l("Teacher"),
    "accompanist": _l("Accompanist"),
    "school": _l("School"),
    "status": _l("Status"),
    "fee": _l("Fee"),
    "amount_paid": _l("Amount paid"),
    "comments": _l("Comments"),
    "source": _l("Came from"),
    "import_filename": _l("Import file"),
    "import_row": _l("Import row"),
    "pieces": _l("Pieces"),
    "created_at": _l("Created"),
    "updated_at": _l("Changed"),
}


def _performers(view, context, model, name) -> str:
    """Show an entry's performers by name (the group's name first, for a group)."""
    names = ", ".join(p.person.full_name for p in model.performers)
    return f"{model.group.name}: {names}" if model.group else names


def _pieces(view, context, model, name) -> str:
    """Show an entry's pieces with their declared durations."""
    return "; ".join(f"{p.piece} {format_duration(p.duration)}" if p.duration else str(p.piece) for p in model.pieces)


class EntryView(FestivalDataView):
    """Entries of every festival: the class, teacher, accompanist, status, fees and pieces; performers are set by the imports."""

    read_permission = ENTRIES_READ
    write_permission = ENTRIES_WRITE
    column_list = ["id", "festival", "festival_class", "performers", "teacher", "accompanist", "status", "fee", "amount_paid", "source"]
    column_details_list = [
        "festival", "festival_class", "performers", "group", "teacher", "accompanist", "school", "pieces", "status", "fee",
        "amount_paid", "comments", "source", "import_filename", "import_row", "created_at", "updated_at",
    ]
    column_export_list = [
        "festival", "festival_class", "performers", "teacher", "accompanist", "school", "pieces", "status", "fee",
        "amount_paid", "source", "import_filename", "import_row",
    ]
    form_columns = ["festival_class", "group", "teacher", "accompanist", "school", "status", "fee", "amount_paid", "comments"]
    column_labels = LABELS
    column_sortable_list = ["id", "status", "fee", "amount_paid", "created_at", ("festival_class", "festival_class.number")]
    # The syllabus's order, then the order entries came in: the same entry stays on the same page between visits.
    column_default_sort = [("festival_class.number", False), ("festival_class.suffix", False), ("id", False)]
    # A class by number or name, a group by name, a teacher by surname (performers: the entries pages' search).
    column_searchable_list = ["festival_class.number", "festival_class.name", "group.name", "teacher.last_name"]
    column_formatters = {
        "performers": _performers,
        "pieces": _pieces,
        "status": lambda view, context, model, name: entry_status_label(model.status),
        "source": lambda view, context, model, name: SOURCE_LABELS.get(model.source, model.source),
    }
    column_formatters_export = {
        **column_formatters,
        "status": lambda view, context, model, name: str(entry_status_label(model.status)),
        "source": lambda view, context, model, name: str(SOURCE_LABELS.get(model.source, model.source)),
    }
    # Money on the page in the festival's currency; after the export's formatters, which keep plain numbers.
    column_formatters = {**column_formatters, "fee": money_column, "amount_paid": money_column}
    column_formatters_detail = column_formatters
    form_choices = {"status": list(STATUS_LABELS.items())}
    form_overrides = {"fee": MoneyField, "amount_paid": MoneyField}
    form_args = {"fee": {"description": _l("Left empty, it is the class's fee.")}}
    form_ajax_refs = {
        "festival_class": {"fields": ["number", "name"], "page_size": 20},
        "group": {"fields": ["name"], "page_size": 20},
        "teacher": PERSON_SEARCH,
        "accompanist": PERSON_SEARCH,
        "school": {"fields": ["name"], "page_size": 20},
    }
    inline_models = [
        (
            EntryPiece,
            {
                "form_columns": ["id", "piece", "position", "duration"],
                "column_labels": {"piece": _l("Piece"), "position": _l("Order"), "duration": _l("Declared duration")},
                "form_overrides": {"duration": DurationField},
                "form_ajax_refs": {"piece": {"fields": ["title", "composer"], "page_size": 20}},
            },
        )
    ]

    # get_query loads the related records itself (Flask-Admin's joins would clash with its loads).
    column_auto_select_related = False

    def get_query(self):
        """Load what the list, details and export show with the page, not one row at a time."""
        return super().get_query().options(
            joinedload(Entry.festival_class),
            joinedload(Entry.festival),
            selectinload(Entry.performers).joinedload(EntryPerformer.person),
            selectinload(Entry.pieces).joinedload(EntryPiece.piece),
            joinedload(Entry.group),
            joinedload(Entry.teacher),
            joinedload(Entry.accompanist),
            joinedload(Entry.school),
        )

    def get_filters(self):
        """Filter by festival, status, source and class number (built per view: filters remember their view)."""
        self.column_filters = [
            FestivalFilter(Entry.festival_id),
            FilterEqual(Entry.status, _l("Status"), options=list(STATUS_LABELS.items())),
            FilterEqual(Entry.source, _l("Came from"), options=list(SOURCE_LABELS.items())),
            "festival_class.number",
            "teacher.last_name",
        ]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name an entry by its id, class and performers."""
        return entry_target(record)

    def audit_snapshot(self, record) -> dict[str, object]:
        """Record the pieces with the entry's own columns (they are edited on its form)."""
        pieces = [f"{p.piece} {p.duration}" for p in record.pieces if p.piece]
        return {**super().audit_snapshot(record), "pieces": pieces}

    def on_model_change(self, form, model, is_created) -> None:
        """Place a new entry in its class's festival; refuse an edit the validator finds an error in (e.g. another festival's class)."""
        if model.festival_class is None:
            raise Refused(_("Choose the entry's class."))
        if is_created:
            model.festival_id = model.festival_class.festival_id
            model.source = "online"
        if model.fee is None:
            model.fee = model.festival_class.fee
        if model.amount_paid is None:
            model.amount_paid = Decimal("0.00")
        for position, piece in enumerate(model.pieces):
            piece.position = piece.position if piece.position is not None else position
        self.check_record(model)


def entry_view() -> EntryView:
    """Return a new entries view."""
    return EntryView(Entry, db, name=_l("Entries"), endpoint="entries_admin", url="/admin/entry", category=CATEGORY)


def entry_counts() -> list[Count]:
    """Return the number of entries (every festival's), linked to their list for those who may read it."""
    total = db.session.scalar(select(func.count(Entry.id))) or 0
    url = url_for("entries_admin.index_view") if current_user.has_permission(ENTRIES_READ) else None
    return [Count("entries", _l("Entries"), total, url)]
