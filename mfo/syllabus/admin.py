"""The syllabus's admin views: disciplines, levels, classes (with their set pieces) and the repertoire; the classes count."""

from __future__ import annotations

from decimal import Decimal

from flask import g, url_for
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, FilterEqual, FilterLike
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectField

from mfo.admin.guards import Refused
from mfo.database import db
from mfo.feature import Count
from mfo.festival.admin import FESTIVAL_LABELS, FestivalDataView, FestivalFilter, FestivalOptions, money_column
from mfo.festival.forms import DurationField, MoneyField
from mfo.festival.models import Festival
from mfo.festival.values import format_duration
from mfo.syllabus.labels import CLASS_TYPE_LABELS, class_type_label
from mfo.syllabus.models import Discipline, FestivalClass, Level, Piece, SetPiece, piece_key
from mfo.syllabus.permissions import SYLLABUS_READ, SYLLABUS_WRITE

CATEGORY = _l("Festival")

LABELS = {
    **FESTIVAL_LABELS,
    "name": _l("Name"),
    "position": _l("Order"),
    "number": _l("Number"),
    "suffix": _l("Suffix"),
    "discipline": _l("Discipline"),
    "level": _l("Level"),
    "class_type": _l("Type"),
    "min_age": _l("Minimum age"),
    "max_age": _l("Maximum age"),
    "fee": _l("Fee"),
    "time_limit": _l("Time limit"),
    "adjudication_time": _l("Adjudication per entry"),
    "changeover_time": _l("Change-over"),
    "accompanist_required": _l("Accompanist required"),
    "closing_time": _l("Closing time"),
    "set_pieces": _l("Set pieces"),
    "title": _l("Title"),
    "composer": _l("Composer"),
    "arranger": _l("Arranger"),
    "duration": _l("Usual duration"),
    "piece": _l("Piece"),
}


def festival_names() -> dict[int, str]:
    """Return every festival's name by id, read once per request (labels of disciplines and levels in forms)."""
    if "mfo_festival_names" not in g:
        g.mfo_festival_names = dict(db.session.execute(select(Festival.id, Festival.name)).all())
    return g.mfo_festival_names


def festival_slug(festival_id: int | None) -> str:
    """Return a festival's slug for audit targets ("?" when unknown)."""
    festival = db.session.get(Festival, festival_id) if festival_id else None
    return festival.slug if festival else "?"


def _with_festival(record) -> str:
    """Label a discipline or level with its festival, as forms list those of every festival."""
    return f"{record.name} · {festival_names().get(record.festival_id, '?')}"


def _festival_name(view, context, model, name) -> str:
    """Show a record's festival by name."""
    return festival_names().get(model.festival_id, "")


def _duration(view, context, model, name) -> str:
    """Show a duration column as m:ss."""
    value = getattr(model, name)
    return format_duration(value) if value is not None else ""


class LookupView(FestivalDataView):
    """Disciplines or levels of each festival: syllabus-read to look, syllabus-write to change."""

    read_permission = SYLLABUS_READ
    write_permission = SYLLABUS_WRITE
    column_list = ["festival_id", "name", "position"]
    column_details_list = ["festival_id", "name", "position", "created_at", "updated_at"]
    column_export_list = ["festival_id", "name", "position"]
    form_columns = ["festival_id", "name", "position"]
    column_labels = {**LABELS, "festival_id": _l("Festival")}
    column_searchable_list = ["name"]
    column_sortable_list = ["name", "position", "festival_id"]
    column_default_sort = [("festival_id", True), ("position", False), ("name", False)]
    column_formatters = {"festival_id": _festival_name}
    column_formatters_detail = {"festival_id": _festival_name}
    column_formatters_export = {"festival_id": _festival_name}

    def get_filters(self):
        """Filter by festival (built per view: filters remember their view)."""
        self.column_filters = [FestivalFilter(self.model.festival_id)]
        return super().get_filters()

    def scaffold_form(self):
        """Choose the festival from a list of festivals rather than typing its number."""
        form = super().scaffold_form()
        form.festival_id = SelectField(_l("Festival"), coerce=int, choices=lambda: list(FestivalOptions()))
        return form

    def on_model_change(self, form, model, is_created) -> None:
        """Trim the name; refuse an empty one."""
        model.name = (model.name or "").strip()
        if not model.name:
            raise Refused(_("Give it a name."))
        if model.position is None:
            model.position = 0

    def audit_target(self, record) -> str:
        """Name a discipline or level by its name, festival and id."""
        return f"{self.audit_name()} {record.name} [{festival_slug(record.festival_id)}] (#{record.id})"


class FestivalClassView(FestivalDataView):
    """The classes of every festival: syllabus-read to look, syllabus-write to change; edits are checked by the validator."""

    read_permission = SYLLABUS_READ
    write_permission = SYLLABUS_WRITE
    column_list = ["festival", "number", "suffix", "name", "discipline", "level", "class_type", "min_age", "max_age", "fee", "time_limit"]
    column_details_list = [
        "festival", "number", "suffix", "name", "discipline", "level", "class_type", "min_age", "max_age", "fee",
        "time_limit", "adjudication_time", "changeover_time", "closing_time", "accompanist_required", "set_pieces",
        "created_at", "updated_at",
    ]
    column_export_list = [
        "festival", "number", "suffix", "name", "discipline", "level", "class_type", "min_age", "max_age", "fee",
        "time_limit", "adjudication_time", "changeover_time", "closing_time", "accompanist_required", "set_pieces",
    ]
    form_columns = [
        "festival", "number", "suffix", "name", "discipline", "level", "class_type", "min_age", "max_age", "fee",
        "time_limit", "adjudication_time", "changeover_time", "closing_time", "accompanist_required",
    ]
    column_labels = LABELS
    column_searchable_list = ["name", "number"]
    column_sortable_list = ["number", "name", "class_type", "fee", ("festival", "festival.name")]
    column_default_sort = [("festival_id", True), ("number", False), ("suffix", False)]
    column_formatters = {
        "class_type": lambda view, context, model, name: class_type_label(model.class_type),
        "time_limit": _duration,
        "adjudication_time": _duration,
        "changeover_time": _duration,
        "closing_time": _duration,
        "set_pieces": lambda view, context, model, name: "; ".join(str(sp.piece) for sp in model.set_pieces),
    }
    column_formatters_export = {
        **column_formatters,
        "class_type": lambda view, context, model, name: str(class_type_label(model.class_type)),
    }
    # Money on the page in the festival's currency; after the export's formatters, which keep plain numbers.
    column_formatters = {**column_formatters, "fee": money_column}
    column_formatters_detail = column_formatters
    form_choices = {"class_type": list(CLASS_TYPE_LABELS.items())}
    form_overrides = {
        "time_limit": DurationField,
        "adjudication_time": DurationField,
        "changeover_time": DurationField,
        "closing_time": DurationField,
        "fee": MoneyField,
    }
    form_args = {
        "discipline": {"get_label": _with_festival},
        "level": {"get_label": _with_festival},
        "time_limit": {"label": _l("Time limit"), "description": _l("m:ss; leave empty for no limit")},
        "adjudication_time": {"label": _l("Adjudication per entry"), "description": _l("m:ss"), "zero": True},
        "changeover_time": {"label": _l("Change-over"), "description": _l("m:ss"), "zero": True},
        "closing_time": {
            "label": _l("Closing time"), "description": _l("m:ss: the adjudicator's summary and awards after the class"), "zero": True,
        },
    }
    inline_models = [
        (
            SetPiece,
            {
                "form_columns": ["id", "piece", "position"],
                "column_labels": {"piece": _l("Set piece"), "position": _l("Order")},
                "form_ajax_refs": {"piece": {"fields": ["title", "composer"], "page_size": 20}},
            },
        )
    ]

    # get_query loads the related records itself (Flask-Admin's joins would clash with its loads).
    column_auto_select_related = False

    def get_query(self):
        """Load each listed class's festival, discipline, level and set pieces with the page."""
        return super().get_query().options(
            joinedload(FestivalClass.festival),
            joinedload(FestivalClass.discipline),
            joinedload(FestivalClass.level),
            selectinload(FestivalClass.set_pieces).joinedload(SetPiece.piece),
        )

    def get_filters(self):
        """Filter by festival, type, discipline, level and accompanist (built per view: filters remember their view)."""
        self.column_filters = [
            FestivalFilter(FestivalClass.festival_id),
            FilterEqual(FestivalClass.class_type, _l("Type"), options=list(CLASS_TYPE_LABELS.items())),
            "discipline.name",
            "level.name",
            BooleanEqualFilter(FestivalClass.accompanist_required, _l("Accompanist required")),
        ]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a class by its code, name, festival and id."""
        return f"class {record.code} {record.name} [{festival_slug(record.festival_id)}] (#{record.id})"

    def audit_snapshot(self, record) -> dict[str, object]:
        """Record the set pieces with the class's own columns (they are edited on its form)."""
        return {**super().audit_snapshot(record), "set_pieces": [str(sp.piece) for sp in record.set_pieces if sp.piece]}

    def on_model_change(self, form, model, is_created) -> None:
        """Check the class's own rules, then what the validator says about its entries."""
        model.number = (model.number or "").strip()
        model.suffix = (model.suffix or "").strip().upper()
        model.name = (model.name or "").strip()
        if not model.number or not model.name:
            raise Refused(_("A class needs a number and a name."))
        if model.festival is None:
            raise Refused(_("Choose the festival of the class."))
        for part in (model.discipline, model.level):
            if part is not None and part.festival_id != model.festival.id:
                raise Refused(_("%(name)s belongs to another festival: choose one of this festival’s.", name=part.name))
        if model.min_age is not None and model.max_age is not None and model.min_age > model.max_age:
            raise Refused(_("The minimum age cannot be above the maximum age."))
        model.fee = model.fee if model.fee is not None else Decimal("0.00")
        model.adjudication_time = model.adjudication_time or 0
        model.changeover_time = model.changeover_time or 0
        model.closing_time = model.closing_time or 0
        model.festival_id = model.festival.id
        # No autoflush: flushing the edited class first would hit the unique constraint before this check.
        with db.session.no_autoflush:
            taken = db.session.scalar(
                select(FestivalClass.id).where(
                    FestivalClass.festival_id == model.festival_id,
                    FestivalClass.number == model.number,
                    FestivalClass.suffix == model.suffix,
                    FestivalClass.id != (model.id or 0),
                )
            )
        if taken:
            raise Refused(_("The festival already has a class %(code)s.", code=model.code))
        self.check_record(model)


class PieceView(FestivalDataView):
    """The repertoire, shared by every festival: syllabus-read to look, syllabus-write to change."""

    read_permission = SYLLABUS_READ
    write_permission = SYLLABUS_WRITE
    column_list = ["title", "composer", "arranger", "duration"]
    column_details_list = ["title", "composer", "arranger", "duration", "created_at", "updated_at"]
    column_export_list = ["title", "composer", "arranger", "duration"]
    form_columns = ["title", "composer", "arranger", "duration"]
    column_labels = LABELS
    column_searchable_list = ["title", "composer", "arranger"]
    column_sortable_list = ["title", "composer", "duration"]
    column_default_sort = "title"
    column_formatters = {"duration": _duration}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    form_overrides = {"duration": DurationField}
    form_args = {"duration": {"label": _l("Usual duration"), "description": _l("m:ss")}}

    def get_filters(self):
        """Filter by composer (built per view: filters remember their view)."""
        self.column_filters = [FilterLike(Piece.composer, _l("Composer"))]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a piece by its title, composer and id."""
        return f"piece {record} (#{record.id})"

    def on_model_change(self, form, model, is_created) -> None:
        """Keep the piece's key in step with its title and composer; refuse a second copy of a piece."""
        model.title = (model.title or "").strip()
        model.composer = (model.composer or "").strip()
        if not model.title:
            raise Refused(_("A piece needs a title."))
        model.key = piece_key(model.title, model.composer)
        with db.session.no_autoflush:
            other = db.session.scalar(select(Piece).where(Piece.key == model.key, Piece.id != (model.id or 0)))
        if other is not None:
            raise Refused(_("The repertoire already has this piece: %(piece)s.", piece=str(other)))


def discipline_view() -> LookupView:
    """Return a new disciplines view."""
    return LookupView(Discipline, db, name=_l("Disciplines"), endpoint="disciplines", category=CATEGORY)


def level_view() -> LookupView:
    """Return a new levels view."""
    return LookupView(Level, db, name=_l("Levels"), endpoint="levels", category=CATEGORY)


def class_view() -> FestivalClassView:
    """Return a new classes view."""
    return FestivalClassView(FestivalClass, db, name=_l("Classes"), endpoint="classes", category=CATEGORY)


def piece_view() -> PieceView:
    """Return a new repertoire view."""
    return PieceView(Piece, db, name=_l("Repertoire"), endpoint="pieces", category=CATEGORY)


def syllabus_counts() -> list[Count]:
    """Return the number of classes (every festival's), linked to their list for those who may read it."""
    total = db.session.scalar(select(func.count(FestivalClass.id))) or 0
    url = url_for("classes.index_view") if current_user.has_permission(SYLLABUS_READ) else None
    return [Count("classes", _l("Classes"), total, url)]
