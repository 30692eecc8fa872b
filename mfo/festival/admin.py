"""The festivals' admin view, and the base of every festival feature's admin views (checked edits, readable refusals)."""

from __future__ import annotations

from flask import flash, url_for
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike, IntEqualFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import Length, NumberRange, Optional

from mfo.admin.guards import Refused
from mfo.admin.views.base import SecureModelView
from mfo.database import db
from mfo.feature import Count
from mfo.festival.labels import STATUS_LABELS, festival_status_label
from mfo.festival.models import DEFAULT_CONSENT_AGE, DEFAULT_CURRENCY, Festival
from mfo.festival.permissions import FESTIVAL_READ, FESTIVAL_WRITE
from mfo.festival.scoping import format_money
from mfo.festival.services import SLUG_MAX, FestivalSettings, check_settings, currency_code, festival_target, slugify, unique_slug
from mfo.festival.slots import RECORD_CHECKS, collect_flat

# Minutes between two venues when an organizer leaves the festival's travel time empty.
DEFAULT_TRAVEL_MINUTES = 15

# Warnings listed one by one after an edit; beyond that, how many more there are.
SHOWN_WARNINGS = 5

FESTIVAL_LABELS = {
    "name": _l("Name"),
    "year": _l("Year"),
    "slug": _l("Address in links"),
    "start_date": _l("First day"),
    "end_date": _l("Last day"),
    "age_cutoff": _l("Age cut-off date"),
    "entries_open": _l("Entries open"),
    "entries_close": _l("Entries close"),
    "status": _l("Status"),
    "is_current": _l("Current"),
    "travel_minutes": _l("Travel time between venues (minutes)"),
    "currency": _l("Currency"),
    "stage_minutes_cap": _l("Stage time per performer (minutes, at most)"),
    "consent_age": _l("Age from which performers give their own consent"),
    "created_at": _l("Created"),
    "updated_at": _l("Changed"),
    "festival": _l("Festival"),
}


def money_column(view, context, model, name) -> str:
    """Show an amount of a record in its own festival's currency (the admin's lists mix festivals); exports keep the number."""
    del view, context
    return format_money(getattr(model, name), model.festival)


class FestivalOptions:
    """The festivals as (id, name) filter options, newest first, read from the database each time they are listed."""

    def __bool__(self) -> bool:
        """Always offer a drop-down, even before the first request."""
        return True

    def __iter__(self):
        """Yield (id, name) for every festival."""
        query = select(Festival.id, Festival.name).order_by(Festival.start_date.desc(), Festival.id.desc())
        return iter([(row.id, row.name) for row in db.session.execute(query)])


class FestivalFilter(IntEqualFilter):
    """Records of one festival (a column holding a festival's id), chosen by name; the id is read as a number."""

    def __init__(self, column) -> None:
        """Offer the festivals by name."""
        super().__init__(column, _l("Festival"), options=FestivalOptions())

    def get_options(self, view):
        """Return the options as a lazy list: Flask-Admin caches them when the app is built, before any festival exists."""
        del view
        return self.options


class FestivalDataView(SecureModelView):
    """An admin view of festival data: an edit is checked by the validator, and a refusal reads plainly.

    After a create or edit, the validator's findings for the record (collected from the features
    that fill the RECORD_CHECKS slot) are read: an error refuses the change with its message,
    warnings are shown once it is saved. A delete or save the database refuses because other
    records still use this one says so instead of showing the database's message.
    """

    def check_record(self, model) -> None:
        """Refuse the change when the validator finds an error in it; show its warnings."""
        # A new record is not in the session yet (the base view adds it after this check): the
        # validator reads the database, so the record goes in first; a refusal rolls it back.
        db.session.add(model)
        db.session.flush()
        issues = collect_flat(RECORD_CHECKS, model)
        errors = [str(issue.message) for issue in issues if issue.severity == "error"]
        if errors:
            raise Refused(" ".join(errors))
        warnings = [str(issue.message) for issue in issues if issue.severity == "warning"]
        for message in warnings[:SHOWN_WARNINGS]:
            flash(_("Saved, but please check: %(message)s", message=message), "warning")
        if len(warnings) > SHOWN_WARNINGS:
            flash(_("…and %(count)s more warnings: see the Issues page.", count=len(warnings) - SHOWN_WARNINGS), "warning")

    def handle_view_exception(self, exc: Exception) -> bool:
        """Say in plain words that a record still in use cannot be deleted or changed that way."""
        if isinstance(exc, IntegrityError):
            flash(
                _("Not saved: other records still use this one, or another record already has these values."),
                "error",
            )
            return True
        return super().handle_view_exception(exc)


class FestivalView(FestivalDataView):
    """Festivals in the admin: festival-read to look, festival-write to change (no deletes: archive a season)."""

    read_permission = FESTIVAL_READ
    write_permission = FESTIVAL_WRITE
    column_list = ["name", "year", "start_date", "end_date", "status", "is_current"]
    column_details_list = [
        "name", "year", "slug", "start_date", "end_date", "age_cutoff", "entries_open", "entries_close",
        "status", "is_current", "travel_minutes", "currency", "stage_minutes_cap", "consent_age", "created_at", "updated_at",
    ]
    column_export_list = [
        "name", "year", "slug", "start_date", "end_date", "age_cutoff", "entries_open", "entries_close", "status", "is_current",
        "travel_minutes", "currency", "stage_minutes_cap", "consent_age",
    ]
    form_columns = [
        "name", "year", "slug", "start_date", "end_date", "age_cutoff", "entries_open", "entries_close", "status",
        "travel_minutes", "currency", "stage_minutes_cap", "consent_age",
    ]
    form_args = {
        "stage_minutes_cap": {
            # A day at most: a larger number is a typing slip, and zero would refuse every entry.
            "validators": [Optional(), NumberRange(min=1, max=24 * 60)],
            "description": _l("Left empty, no cap. Checked across the whole festival when an entry is made online."),
        },
    }
    column_labels = FESTIVAL_LABELS
    column_searchable_list = ["name", "slug"]
    column_sortable_list = ["name", "year", "start_date", "status", "is_current"]
    column_default_sort = ("start_date", True)
    column_formatters = {"status": lambda view, context, model, name: festival_status_label(model.status)}
    column_formatters_export = {"status": lambda view, context, model, name: str(festival_status_label(model.status))}
    form_choices = {"status": list(STATUS_LABELS.items())}

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        """Never offer deleting a season with its syllabus and entries: set its status to archived."""
        return False

    def scaffold_form(self):
        """Let the slug be left empty on the form: it is then made from the name."""
        form = super().scaffold_form()
        form.slug = StringField(
            _l("Address in links"),
            validators=[Optional(), Length(max=SLUG_MAX)],
            description=_l("Left empty, it is made from the name."),
        )
        return form

    def get_filters(self):
        """Filter by status and year (built per view: filters remember their view)."""
        self.column_filters = [
            FilterEqual(Festival.status, _l("Status"), options=list(STATUS_LABELS.items())),
            IntEqualFilter(Festival.year, _l("Year")),
            FilterLike(Festival.name, _l("Name")),
        ]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a festival by its name, slug and id."""
        return festival_target(record)

    def on_model_change(self, form, model, is_created) -> None:
        """Check the settings as the festival pages do; the first festival becomes the current one."""
        # No autoflush: a taken slug must be refused here, not hit the unique constraint on the way.
        with db.session.no_autoflush:
            model.currency = currency_code(model.currency) or DEFAULT_CURRENCY
            if model.consent_age is None:
                model.consent_age = DEFAULT_CONSENT_AGE
            if not model.slug:
                model.slug = unique_slug(slugify(model.name or ""), exclude_id=model.id)
            errors = check_settings(FestivalSettings.of(model), None if is_created else model)
        if errors:
            raise Refused(" ".join(errors.values()))
        if model.travel_minutes is None:
            model.travel_minutes = DEFAULT_TRAVEL_MINUTES
        if model.travel_minutes < 0:
            raise Refused(_("The travel time between venues is a number of minutes, 0 or more."))
        if is_created:
            model.is_current = not db.session.scalar(
                select(func.count(Festival.id)).where(Festival.is_current.is_(True))
            )


def festival_view() -> FestivalView:
    """Return a new festivals view (every app gets its own)."""
    return FestivalView(Festival, db, name=_l("Festivals"), endpoint="festivals", url="/admin/festival", category=_l("Festival"))


def festival_counts() -> list[Count]:
    """Return the number of festivals, linked to their list for those who may read it."""
    total = db.session.scalar(select(func.count(Festival.id))) or 0
    url = url_for("festivals.index_view") if current_user.has_permission(FESTIVAL_READ) else None
    return [Count("festivals", _l("Festivals"), total, url)]
