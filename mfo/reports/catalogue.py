"""The festival's reports: entries, classes, repertoire, teachers, accompanists, performers, groups, schools and the fees'.

Each report is one statement over the festival's data (see mfo.reports.framework for paging,
sorting and totals). Counts, fees and times are taken over the active entries (submitted or
accepted): a withdrawn or scratched entry does not perform. The entries report lists every entry,
whatever its status, and filters by status.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, distinct, func, or_, select
from sqlalchemy.orm import aliased

from mfo.database import db
from mfo.database.collation import reading
from mfo.entries.models import Entry, EntryPerformer, EntryPiece
from mfo.entries.permissions import ENTRIES_READ
from mfo.festival.models import Festival
from mfo.festival.values import age_on
from mfo.people.models import Group, Person, School, group_member
from mfo.reports.framework import ChoiceFilter, Column, IdSource, Report, ReportQuery, among
from mfo.reports.invoices import FEES_REPORTS
from mfo.reports.queries import (
    CLASS_SORT,
    Row,
    active,
    by_id,
    class_sort_columns,
    class_statistics,
    class_types,
    classes_by_owner,
    entry_counts,
    entry_statuses,
    festival_classes,
    festival_disciplines,
    festival_levels,
    festival_schools,
    full_name,
    last_first,
    matches,
    money_by,
    person_columns,
    piece_text,
    sort_name,
)
from mfo.syllabus.models import Discipline, FestivalClass, Level, Piece, SetPiece
from mfo.syllabus.permissions import SYLLABUS_READ
from mfo.text import normalise_name

# --- Entries


class EntriesReport(Report):
    """Every entry with its class, performers, teacher, accompanist, pieces, status, fee and amount paid."""

    name = "entries"
    title = _l("Entries")
    description = _l("Every entry with its class, performers, teacher, accompanist, pieces, status, fee and amount paid.")
    permissions = (ENTRIES_READ,)
    search_label = _l("Performer, group, teacher or accompanist")
    default_sort = "class_code"
    columns = (
        Column("number", _l("No."), "id"),
        Column("class_code", _l("Class"), sort_by=CLASS_SORT),
        Column("class_name", _l("Class name")),
        Column("performers", _l("Performers"), "list", sort_by=("_performer_sort",)),
        Column("birth_dates", _l("Birth dates"), "list", personal=True, sortable=False),
        Column("emails", _l("Emails"), "list", personal=True, sortable=False),
        Column("phones", _l("Phone numbers"), "list", personal=True, sortable=False),
        Column("teacher", _l("Teacher"), sort_by=("_teacher_sort",)),
        Column("accompanist", _l("Accompanist"), sort_by=("_accompanist_sort",)),
        Column("school", _l("School")),
        Column("pieces", _l("Pieces"), "list", sortable=False),
        Column("duration", _l("Duration"), "duration", total=True),
        Column("status", _l("Status"), "status"),
        Column("fee", _l("Fee"), "money", total=True),
        Column("paid", _l("Paid"), "money", total=True),
        Column("owing", _l("Owing"), "money", total=True),
    )
    filters = (
        ChoiceFilter("class", _l("Class"), festival_classes),
        ChoiceFilter("discipline", _l("Discipline"), festival_disciplines),
        ChoiceFilter("status", _l("Status"), entry_statuses),
    )

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the festival's entries with their class, group, teacher, accompanist, school and declared time."""
        teacher, accompanist = aliased(Person), aliased(Person)
        declared = (
            select(func.coalesce(func.sum(EntryPiece.duration), 0))
            .where(EntryPiece.entry_id == Entry.id)
            .correlate(Entry)
            .scalar_subquery()
        )
        first_performer = (
            select(last_first(Person))
            .join(EntryPerformer, EntryPerformer.person_id == Person.id)
            .where(EntryPerformer.entry_id == Entry.id)
            .order_by(EntryPerformer.position)
            .limit(1)
            .correlate(Entry)
            .scalar_subquery()
        )
        statement = (
            select(
                Entry.id.label("id"),
                Entry.id.label("number"),
                (FestivalClass.number + FestivalClass.suffix).label("class_code"),
                FestivalClass.name.label("class_name"),
                *class_sort_columns(),
                Group.name.label("group_name"),
                # The collation goes around the whole: SQLite drops one inside a subquery or a function.
                reading(func.coalesce(Group.name, first_performer)).label("_performer_sort"),
                full_name(teacher).label("teacher"),
                sort_name(teacher).label("_teacher_sort"),
                full_name(accompanist).label("accompanist"),
                sort_name(accompanist).label("_accompanist_sort"),
                School.name.label("school"),
                declared.label("duration"),
                Entry.status.label("status"),
                Entry.fee.label("fee"),
                Entry.amount_paid.label("paid"),
                (Entry.fee - Entry.amount_paid).label("owing"),
            )
            .join(FestivalClass, FestivalClass.id == Entry.class_id)
            .outerjoin(Group, Group.id == Entry.group_id)
            .outerjoin(teacher, teacher.id == Entry.teacher_id)
            .outerjoin(accompanist, accompanist.id == Entry.accompanist_id)
            .outerjoin(School, School.id == Entry.school_id)
            .where(Entry.festival_id == festival.id)
        )
        if "class" in query.filters:
            statement = statement.where(Entry.class_id == int(query.filters["class"]))
        if "discipline" in query.filters:
            statement = statement.where(FestivalClass.discipline_id == int(query.filters["discipline"]))
        if "status" in query.filters:
            statement = statement.where(Entry.status == query.filters["status"])
        words = normalise_name(query.search)
        if words:
            performs = (
                select(EntryPerformer.entry_id)
                .join(Person, Person.id == EntryPerformer.person_id)
                .where(EntryPerformer.entry_id == Entry.id, matches(Person.name_key, words))
                .exists()
            )
            statement = statement.where(
                or_(
                    performs,
                    matches(Group.name_key, words),
                    matches(teacher.name_key, words),
                    matches(accompanist.name_key, words),
                )
            )
        return statement

    def enrich(self, festival: Festival, rows: list[Row], ids: IdSource, personal: bool) -> None:
        """Fill performers (and their personal data for people-read) and pieces: two queries."""
        del festival
        found = by_id(rows, performers=(), birth_dates=(), emails=(), phones=(), pieces=())
        personal_columns = (Person.birth_date, Person.email, Person.phone) if personal else ()
        performers = db.session.execute(
            among(
                select(EntryPerformer.entry_id, Person.first_name, Person.last_name, *personal_columns).join(
                    Person, Person.id == EntryPerformer.person_id
                ),
                EntryPerformer.entry_id,
                ids,
            ).order_by(EntryPerformer.entry_id, EntryPerformer.position, Person.id)
        )
        for entry_id, first_name, last_name, *details in performers:
            row = found[entry_id]
            row["performers"].append(f"{first_name} {last_name}".strip())
            if personal:
                birth_date, email, phone = details
                row["birth_dates"].append(birth_date.isoformat() if birth_date else "")
                if email:
                    row["emails"].append(email)
                if phone:
                    row["phones"].append(phone)
        for row in rows:
            if row["group_name"]:
                row["performers"] = [f"{row['group_name']}: {', '.join(row['performers'])}" if row["performers"] else row["group_name"]]
        pieces = db.session.execute(
            among(
                select(EntryPiece.entry_id, Piece.title, Piece.composer, EntryPiece.duration).join(Piece, Piece.id == EntryPiece.piece_id),
                EntryPiece.entry_id,
                ids,
            ).order_by(EntryPiece.entry_id, EntryPiece.position, EntryPiece.id)
        )
        for entry_id, title, composer, duration in pieces:
            found[entry_id]["pieces"].append(piece_text(title, composer, duration))


# --- Classes


class ClassesReport(Report):
    """Every class with its entries, fees and estimated performance time."""

    name = "classes"
    title = _l("Classes")
    description = _l(
        "Every class with its entries, fees and estimated time: for each entry, its declared time up to the "
        "class's time limit, plus adjudication and change-over."
    )
    permissions = (SYLLABUS_READ,)
    search_label = _l("Class number or name")
    default_sort = "code"
    columns = (
        Column("code", _l("Class"), sort_by=CLASS_SORT),
        Column("name", _l("Name")),
        Column("discipline", _l("Discipline")),
        Column("level", _l("Level")),
        Column("class_type", _l("Type"), "type"),
        Column("class_fee", _l("Class fee"), "money"),
        Column("time_limit", _l("Time limit"), "duration"),
        Column("entries", _l("Entries"), "int", total=True),
        Column("fees", _l("Fees"), "money", total=True),
        Column("paid", _l("Paid"), "money", total=True),
        Column("time", _l("Estimated time"), "duration", total=True),
    )
    filters = (
        ChoiceFilter("discipline", _l("Discipline"), festival_disciplines),
        ChoiceFilter("level", _l("Level"), festival_levels),
        ChoiceFilter("type", _l("Type"), class_types),
    )

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the festival's classes with their entries, fees and time."""
        stats = class_statistics(festival)
        statement = (
            select(
                FestivalClass.id.label("id"),
                (FestivalClass.number + FestivalClass.suffix).label("code"),
                *class_sort_columns(),
                FestivalClass.name.label("name"),
                Discipline.name.label("discipline"),
                Level.name.label("level"),
                FestivalClass.class_type.label("class_type"),
                FestivalClass.fee.label("class_fee"),
                FestivalClass.time_limit.label("time_limit"),
                func.coalesce(stats.c.entries, 0).label("entries"),
                func.coalesce(stats.c.fees, 0).label("fees"),
                func.coalesce(stats.c.paid, 0).label("paid"),
                func.coalesce(stats.c.time, 0).label("time"),
            )
            .outerjoin(Discipline, Discipline.id == FestivalClass.discipline_id)
            .outerjoin(Level, Level.id == FestivalClass.level_id)
            .outerjoin(stats, stats.c.class_id == FestivalClass.id)
            .where(FestivalClass.festival_id == festival.id)
        )
        if "discipline" in query.filters:
            statement = statement.where(FestivalClass.discipline_id == int(query.filters["discipline"]))
        if "level" in query.filters:
            statement = statement.where(FestivalClass.level_id == int(query.filters["level"]))
        if "type" in query.filters:
            statement = statement.where(FestivalClass.class_type == query.filters["type"])
        search = query.search.strip()
        if search:
            statement = statement.where(
                or_(
                    (FestivalClass.number + FestivalClass.suffix).istartswith(search, autoescape=True),
                    FestivalClass.name.icontains(search, autoescape=True),
                )
            )
        return statement


# --- Repertoire


class RepertoireReport(Report):
    """The pieces the festival's entries play, and its set pieces, with how many entries play each."""

    name = "repertoire"
    title = _l("Repertoire")
    description = _l("The pieces this festival's entries play and its set pieces, with how many entries play each.")
    permissions = (SYLLABUS_READ,)
    search_label = _l("Title or composer")
    default_sort = "title"
    columns = (
        Column("title", _l("Title")),
        Column("composer", _l("Composer")),
        Column("arranger", _l("Arranger")),
        Column("duration", _l("Usual duration"), "duration"),
        Column("entries", _l("Entries"), "int"),
        Column("classes", _l("Classes"), "int"),
        Column("set_in", _l("Set piece in (classes)"), "int"),
    )

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the pieces played or set in the festival, with their numbers of entries and classes."""
        uses = (
            select(
                EntryPiece.piece_id.label("piece_id"),
                func.count(distinct(Entry.id)).label("entries"),
                func.count(distinct(Entry.class_id)).label("classes"),
            )
            .join(Entry, Entry.id == EntryPiece.entry_id)
            .where(Entry.festival_id == festival.id, active())
            .group_by(EntryPiece.piece_id)
            .subquery("uses")
        )
        set_in = (
            select(SetPiece.piece_id.label("piece_id"), func.count(distinct(SetPiece.class_id)).label("classes"))
            .join(FestivalClass, FestivalClass.id == SetPiece.class_id)
            .where(FestivalClass.festival_id == festival.id)
            .group_by(SetPiece.piece_id)
            .subquery("set_in")
        )
        statement = (
            select(
                Piece.id.label("id"),
                Piece.title.label("title"),
                Piece.composer.label("composer"),
                Piece.arranger.label("arranger"),
                Piece.duration.label("duration"),
                func.coalesce(uses.c.entries, 0).label("entries"),
                func.coalesce(uses.c.classes, 0).label("classes"),
                func.coalesce(set_in.c.classes, 0).label("set_in"),
            )
            .outerjoin(uses, uses.c.piece_id == Piece.id)
            .outerjoin(set_in, set_in.c.piece_id == Piece.id)
            .where(or_(uses.c.piece_id.is_not(None), set_in.c.piece_id.is_not(None)))
        )
        found = matches(Piece.key, query.search)
        return statement.where(found) if found is not None else statement


# --- Teachers, accompanists and performers


class TeachersReport(Report):
    """The teachers of the festival's entries: how many students and entries each has, and their fees."""

    name = "teachers"
    title = _l("Teachers")
    description = _l("The teachers named on the entries, with their students, entries, classes and fees.")
    permissions = (ENTRIES_READ,)
    search_label = _l("Name")
    default_sort = "name"
    columns = (
        Column("name", _l("Name"), sort_by=("_name_sort",)),
        Column("email", _l("Email"), personal=True),
        Column("phone", _l("Phone"), personal=True),
        Column("school", _l("School")),
        Column("students", _l("Students"), "int"),
        Column("entries", _l("Entries"), "int", total=True),
        Column("classes", _l("Classes"), "int"),
        Column("fees", _l("Fees"), "money", total=True),
        Column("paid", _l("Paid"), "money", total=True),
    )

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the people who teach an active entry of the festival, with their numbers."""
        stats = entry_counts(Entry.teacher_id, festival, entries=Entry.id, students=EntryPerformer.person_id, classes=Entry.class_id)
        money = money_by(Entry.teacher_id, festival)
        statement = (
            select(
                Person.id.label("id"),
                *person_columns(personal),
                School.name.label("school"),
                stats.c.students,
                stats.c.entries,
                stats.c.classes,
                money.c.fees,
                money.c.paid,
            )
            .join(stats, stats.c.owner_id == Person.id)
            .join(money, money.c.owner_id == Person.id)
            .outerjoin(School, School.id == Person.school_id)
        )
        found = matches(Person.name_key, query.search)
        return statement.where(found) if found is not None else statement


class AccompanistsReport(Report):
    """The accompanists of the festival's entries: how many entries and which classes."""

    name = "accompanists"
    title = _l("Accompanists")
    description = _l("The accompanists named on the entries, with their entries and the classes they play in.")
    permissions = (ENTRIES_READ,)
    search_label = _l("Name")
    default_sort = "name"
    columns = (
        Column("name", _l("Name"), sort_by=("_name_sort",)),
        Column("email", _l("Email"), personal=True),
        Column("phone", _l("Phone"), personal=True),
        Column("entries", _l("Entries"), "int", total=True),
        Column("performers", _l("Performers"), "int"),
        Column("class_count", _l("Classes"), "int"),
        Column("class_codes", _l("Class list"), "list", sortable=False),
    )

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the people who accompany an active entry of the festival, with their numbers."""
        stats = entry_counts(
            Entry.accompanist_id, festival, entries=Entry.id, performers=EntryPerformer.person_id, class_count=Entry.class_id
        )
        statement = select(
            Person.id.label("id"),
            *person_columns(personal),
            stats.c.entries,
            stats.c.performers,
            stats.c.class_count,
        ).join(stats, stats.c.owner_id == Person.id)
        found = matches(Person.name_key, query.search)
        return statement.where(found) if found is not None else statement

    def enrich(self, festival: Festival, rows: list[Row], ids: IdSource, personal: bool) -> None:
        """Fill the codes of the classes each accompanist plays in (one query)."""
        found = by_id(rows, class_codes=())
        codes = classes_by_owner(Entry.accompanist_id, festival, ids, (FestivalClass, FestivalClass.id == Entry.class_id))
        for person_id, row in found.items():
            row["class_codes"] = codes.get(person_id, [])


class PerformersReport(Report):
    """Everyone who performs in the festival's entries, with their classes."""

    name = "performers"
    title = _l("Performers")
    description = _l("Everyone who performs in an entry, alone or in a group, with the classes they are in.")
    permissions = (ENTRIES_READ,)
    search_label = _l("Name")
    default_sort = "name"
    columns = (
        Column("name", _l("Name"), sort_by=("_name_sort",)),
        Column("birth_date", _l("Birth date"), "date", personal=True),
        Column("age", _l("Age on the cut-off date"), "int", personal=True, sortable=False),
        Column("email", _l("Email"), personal=True),
        Column("phone", _l("Phone"), personal=True),
        Column("address", _l("Address"), personal=True),
        Column("school", _l("School")),
        Column("entries", _l("Entries"), "int"),
        Column("class_codes", _l("Classes"), "list", sortable=False),
    )
    filters = (
        ChoiceFilter("class", _l("Class"), festival_classes),
        ChoiceFilter("school", _l("School"), festival_schools),
    )

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the people who perform in an active entry of the festival."""
        stats = entry_counts(EntryPerformer.person_id, festival, entries=Entry.id)
        columns = [Person.id.label("id"), *person_columns(personal, address=True)]
        if personal:
            columns.append(Person.birth_date.label("birth_date"))
        statement = (
            select(*columns, School.name.label("school"), stats.c.entries)
            .join(stats, stats.c.owner_id == Person.id)
            .outerjoin(School, School.id == Person.school_id)
        )
        if "school" in query.filters:
            statement = statement.where(Person.school_id == int(query.filters["school"]))
        if "class" in query.filters:
            in_class = (
                select(EntryPerformer.person_id)
                .join(Entry, Entry.id == EntryPerformer.entry_id)
                .where(Entry.class_id == int(query.filters["class"]), active(), Entry.festival_id == festival.id)
            )
            statement = statement.where(Person.id.in_(in_class))
        found = matches(Person.name_key, query.search)
        return statement.where(found) if found is not None else statement

    def enrich(self, festival: Festival, rows: list[Row], ids: IdSource, personal: bool) -> None:
        """Fill each performer's class codes (one query), and their age on the cut-off date for people-read."""
        found = by_id(rows, class_codes=())
        codes = classes_by_owner(
            EntryPerformer.person_id,
            festival,
            ids,
            (Entry, Entry.id == EntryPerformer.entry_id),
            (FestivalClass, FestivalClass.id == Entry.class_id),
        )
        for person_id, row in found.items():
            row["class_codes"] = codes.get(person_id, [])
            if personal:
                row["age"] = age_on(row["birth_date"], festival.age_cutoff) if row["birth_date"] else None


class GroupsReport(Report):
    """The groups of the festival's entries: their school, contact, members and classes."""

    name = "groups"
    title = _l("Groups")
    description = _l("The duets to ensembles entered, with their school, contact, members and classes.")
    permissions = (ENTRIES_READ,)
    search_label = _l("Group name")
    default_sort = "name"
    columns = (
        Column("name", _l("Group")),
        Column("school", _l("School")),
        Column("contact", _l("Contact"), sort_by=("_contact_sort",)),
        Column("email", _l("Contact's email"), personal=True),
        Column("phone", _l("Contact's phone"), personal=True),
        Column("member_count", _l("Members"), "int"),
        Column("members", _l("Member names"), "list", sortable=False),
        Column("entries", _l("Entries"), "int", total=True),
        Column("class_codes", _l("Classes"), "list", sortable=False),
    )
    filters = (ChoiceFilter("school", _l("School"), festival_schools),)

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the groups of the festival's active entries."""
        contact = aliased(Person)
        stats = entry_counts(Entry.group_id, festival, entries=Entry.id)
        members = (
            select(group_member.c.group_id.label("group_id"), func.count().label("members"))
            .group_by(group_member.c.group_id)
            .subquery("members")
        )
        contacts = [contact.email.label("email"), contact.phone.label("phone")] if personal else []
        statement = (
            select(
                Group.id.label("id"),
                Group.name.label("name"),
                School.name.label("school"),
                full_name(contact).label("contact"),
                sort_name(contact).label("_contact_sort"),
                *contacts,
                func.coalesce(members.c.members, 0).label("member_count"),
                stats.c.entries,
            )
            .join(stats, stats.c.owner_id == Group.id)
            .outerjoin(members, members.c.group_id == Group.id)
            .outerjoin(School, School.id == Group.school_id)
            .outerjoin(contact, contact.id == Group.contact_id)
        )
        if "school" in query.filters:
            statement = statement.where(Group.school_id == int(query.filters["school"]))
        found = matches(Group.name_key, query.search)
        return statement.where(found) if found is not None else statement

    def enrich(self, festival: Festival, rows: list[Row], ids: IdSource, personal: bool) -> None:
        """Fill each group's member names and class codes (two queries)."""
        found = by_id(rows, members=(), class_codes=())
        names = db.session.execute(
            among(
                select(group_member.c.group_id, Person.first_name, Person.last_name).join(Person, Person.id == group_member.c.person_id),
                group_member.c.group_id,
                ids,
            ).order_by(group_member.c.group_id, reading(Person.last_name), reading(Person.first_name))
        )
        for group_id, first_name, last_name in names:
            found[group_id]["members"].append(f"{first_name} {last_name}".strip())
        codes = classes_by_owner(Entry.group_id, festival, ids, (FestivalClass, FestivalClass.id == Entry.class_id))
        for group_id, row in found.items():
            row["class_codes"] = codes.get(group_id, [])


class SchoolsReport(Report):
    """The schools of the festival's entries: how many entries, performers, groups and teachers, and their fees."""

    name = "schools"
    title = _l("Schools")
    description = _l("The schools named on the entries, with their entries, performers, groups, teachers and fees.")
    permissions = (ENTRIES_READ,)
    search_label = _l("School name")
    default_sort = "name"
    columns = (
        Column("name", _l("School")),
        Column("city", _l("City")),
        Column("entries", _l("Entries"), "int", total=True),
        Column("performers", _l("Performers"), "int"),
        Column("groups", _l("Groups"), "int"),
        Column("teachers", _l("Teachers"), "int"),
        Column("fees", _l("Fees"), "money", total=True),
        Column("paid", _l("Paid"), "money", total=True),
    )

    def statement(self, festival: Festival, query: ReportQuery, personal: bool) -> Select:
        """Select the schools of the festival's active entries, with their numbers."""
        stats = entry_counts(
            Entry.school_id,
            festival,
            entries=Entry.id,
            performers=EntryPerformer.person_id,
            groups=Entry.group_id,
            teachers=Entry.teacher_id,
        )
        money = money_by(Entry.school_id, festival)
        statement = (
            select(
                School.id.label("id"),
                School.name.label("name"),
                School.city.label("city"),
                stats.c.entries,
                stats.c.performers,
                stats.c.groups,
                stats.c.teachers,
                money.c.fees,
                money.c.paid,
            )
            .join(stats, stats.c.owner_id == School.id)
            .join(money, money.c.owner_id == School.id)
        )
        found = matches(School.key, query.search)
        return statement.where(found) if found is not None else statement


REPORTS: dict[str, Report] = {
    report.name: report
    for report in (
        EntriesReport(),
        ClassesReport(),
        RepertoireReport(),
        TeachersReport(),
        AccompanistsReport(),
        PerformersReport(),
        GroupsReport(),
        SchoolsReport(),
        *FEES_REPORTS,
    )
}
