"""The people feature's admin views: schools, people and groups (people-read to look, people-write to change); the people count."""

from __future__ import annotations

from flask import url_for
from flask_admin.contrib.sqla.filters import FilterEmpty, FilterLike
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from mfo.admin.guards import Refused
from mfo.database import db
from mfo.feature import Count
from mfo.festival.admin import FestivalDataView
from mfo.festival.values import normalise_email, normalise_phone
from mfo.people.models import Group, Person, School
from mfo.people.permissions import PEOPLE_READ, PEOPLE_WRITE
from mfo.text import normalise_name

CATEGORY = _l("People")

LABELS = {
    "name": _l("Name"),
    "city": _l("City"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "birth_date": _l("Birth date"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "address": _l("Address"),
    "school": _l("School"),
    "guardian": _l("Guardian"),
    "contact": _l("Contact"),
    "members": _l("Members"),
    "created_at": _l("Created"),
    "updated_at": _l("Changed"),
}

PERSON_SEARCH = {"fields": ["first_name", "last_name", "email"], "page_size": 20}
SCHOOL_SEARCH = {"fields": ["name", "city"], "page_size": 20}


class PeopleDataView(FestivalDataView):
    """A view of the people feature's records: people-read to look (personal data included), people-write to change."""

    read_permission = PEOPLE_READ
    write_permission = PEOPLE_WRITE
    column_labels = LABELS


class SchoolView(PeopleDataView):
    """Schools, conservatories and studios."""

    column_list = ["name", "city"]
    column_details_list = ["name", "city", "created_at", "updated_at"]
    column_export_list = ["name", "city"]
    form_columns = ["name", "city"]
    column_searchable_list = ["name", "city"]
    column_sortable_list = ["name", "city"]
    column_default_sort = "name"

    def get_filters(self):
        """Filter by city (built per view: filters remember their view)."""
        self.column_filters = [FilterLike(School.city, _l("City"))]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a school by its name and id."""
        return f"school {record.name} (#{record.id})"

    def on_model_change(self, form, model, is_created) -> None:
        """Keep the school's matching key in step with its name; refuse a second school of the same name."""
        model.name = (model.name or "").strip()
        if not model.name:
            raise Refused(_("A school needs a name."))
        model.key = normalise_name(model.name)
        with db.session.no_autoflush:
            taken = db.session.scalar(select(School.id).where(School.key == model.key, School.id != (model.id or 0)))
        if taken:
            raise Refused(_("There already is a school called %(name)s.", name=model.name))


class PersonView(PeopleDataView):
    """People: performers, teachers, accompanists and contacts; edits are checked by the validator."""

    column_list = ["last_name", "first_name", "birth_date", "email", "phone", "school"]
    column_details_list = [
        "first_name", "last_name", "birth_date", "email", "phone", "address", "school", "guardian", "created_at", "updated_at",
    ]
    column_export_list = ["first_name", "last_name", "birth_date", "email", "phone", "address", "school", "guardian"]
    form_columns = ["first_name", "last_name", "birth_date", "email", "phone", "address", "school", "guardian"]
    column_searchable_list = ["first_name", "last_name", "email", "name_key"]
    column_sortable_list = ["last_name", "first_name", "birth_date", "email"]
    column_default_sort = [("last_name", False), ("first_name", False)]
    form_ajax_refs = {"school": SCHOOL_SEARCH, "guardian": PERSON_SEARCH}

    # get_query loads the related records itself (Flask-Admin's joins would clash with its loads).
    column_auto_select_related = False

    def get_query(self):
        """Load each listed person's school and guardian with the page (the export shows them too)."""
        return super().get_query().options(joinedload(Person.school), joinedload(Person.guardian))

    def get_filters(self):
        """Filter by school, name, and missing birth date or email (built per view: filters remember their view)."""
        self.column_filters = [
            FilterLike(Person.last_name, _l("Last name")),
            "school.name",
            FilterEmpty(Person.birth_date, _l("Birth date")),
            FilterEmpty(Person.email, _l("Email")),
        ]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a person by their name and id."""
        return f"person {record.full_name} (#{record.id})"

    def on_model_change(self, form, model, is_created) -> None:
        """Keep the matching key in step with the name, tidy the contacts, then run the validator on their entries."""
        if not (model.first_name or "").strip():
            raise Refused(_("A person needs a first name."))
        model.set_name(model.first_name or "", model.last_name or "")
        try:
            model.email = normalise_email(model.email or "")
        except ValueError:
            raise Refused(_("“%(email)s” is not an email address.", email=model.email)) from None
        try:
            model.phone = normalise_phone(model.phone or "")
        except ValueError:
            raise Refused(_("“%(phone)s” is not a phone number.", phone=model.phone)) from None
        if model.guardian is not None and model.guardian.id == model.id:
            raise Refused(_("A person cannot be their own guardian."))
        self.check_record(model)


class GroupView(PeopleDataView):
    """Duets to ensembles: name, school, contact and members."""

    column_list = ["name", "school", "contact", "members"]
    column_details_list = ["name", "school", "contact", "members", "created_at", "updated_at"]
    column_export_list = ["name", "school", "contact", "members"]
    form_columns = ["name", "school", "contact", "members"]
    column_searchable_list = ["name"]
    column_sortable_list = ["name"]
    column_default_sort = "name"
    form_ajax_refs = {"school": SCHOOL_SEARCH, "contact": PERSON_SEARCH, "members": PERSON_SEARCH}
    column_formatters = {"members": lambda view, context, model, name: ", ".join(p.full_name for p in model.members)}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters

    # get_query loads the related records itself (Flask-Admin's joins would clash with its loads).
    column_auto_select_related = False

    def get_query(self):
        """Load each listed group's school, contact and members with the page."""
        return super().get_query().options(joinedload(Group.school), joinedload(Group.contact), selectinload(Group.members))

    def get_filters(self):
        """Filter by school (built per view: filters remember their view)."""
        self.column_filters = ["school.name"]
        return super().get_filters()

    def audit_target(self, record) -> str:
        """Name a group by its name and id."""
        return f"group {record.name} (#{record.id})"

    def audit_snapshot(self, record) -> dict[str, object]:
        """Record the members with the group's own columns (they are edited on its form)."""
        return {**super().audit_snapshot(record), "members": sorted(p.full_name for p in record.members)}

    def on_model_change(self, form, model, is_created) -> None:
        """Keep the group's matching key in step with its name."""
        model.name = (model.name or "").strip()
        if not model.name:
            raise Refused(_("A group needs a name."))
        model.name_key = normalise_name(model.name)


def school_view() -> SchoolView:
    """Return a new schools view."""
    return SchoolView(School, db, name=_l("Schools"), endpoint="schools", category=CATEGORY)


def person_view() -> PersonView:
    """Return a new people view."""
    return PersonView(Person, db, name=_l("People"), endpoint="persons", category=CATEGORY)


def group_view() -> GroupView:
    """Return a new groups view."""
    return GroupView(Group, db, name=_l("Groups"), endpoint="groups", category=CATEGORY)


def people_counts() -> list[Count]:
    """Return the number of people, linked to their list for those who may read it."""
    total = db.session.scalar(select(func.count(Person.id))) or 0
    url = url_for("persons.index_view") if current_user.has_permission(PEOPLE_READ) else None
    return [Count("people", _l("People"), total, url)]
