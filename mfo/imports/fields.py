"""The syllabus and entries templates' columns in order (which a file must have, other headers accepted) and their help.

Any kind's columns, wherever it is declared, are found by name with columns_of and headers_of.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.imports import kinds
from mfo.imports.tabular import Column

__all__ = ["ENTRY_COLUMNS", "FIELD_HELP", "SYLLABUS_COLUMNS", "columns_of", "headers_of"]

SYLLABUS_COLUMNS: tuple[Column, ...] = (
    Column("number", required=True, aliases=("class number", "class no", "no", "class")),
    Column("suffix", aliases=("letter", "class suffix")),
    Column("name", required=True, aliases=("class name", "title")),
    Column("discipline", aliases=("section", "instrument")),
    Column("level", aliases=("grade",)),
    Column("type", aliases=("class type",)),
    Column("min_age", aliases=("minimum age", "age min", "from age")),
    Column("max_age", aliases=("maximum age", "age max", "to age", "age limit")),
    Column("fee", aliases=("entry fee", "price")),
    Column("time_limit", aliases=("time limit", "max time", "performance time")),
    Column("adjudication_time", aliases=("adjudication",)),
    Column("changeover_time", aliases=("changeover", "change over time", "change-over")),
    Column("closing_time", aliases=("closing", "closing time", "awards time")),
    Column("accompanist_required", aliases=("accompanist", "accompanied")),
    Column("set_pieces", aliases=("set piece", "test pieces", "test piece")),
)

PIECES = 3

ENTRY_COLUMNS: tuple[Column, ...] = (
    Column("class", required=True, aliases=("class number", "class code", "class no")),
    Column("performer_first_name", required=True, aliases=("first name", "firstname", "given name")),
    Column("performer_last_name", required=True, aliases=("last name", "lastname", "surname", "family name")),
    Column("performer_birth_date", aliases=("birth date", "date of birth", "dob", "birthday")),
    Column("performer_email", aliases=("email", "e-mail")),
    Column("performer_phone", aliases=("phone", "telephone", "phone number")),
    Column("group_name", aliases=("group", "ensemble", "ensemble name")),
    Column("group_members", aliases=("members",)),
    Column("school", aliases=("school name",)),
    Column("teacher_name", aliases=("teacher",)),
    Column("teacher_email", aliases=()),
    Column("accompanist_name", aliases=("accompanist",)),
    Column("accompanist_email", aliases=()),
    *(
        column
        for number in range(1, PIECES + 1)
        for column in (
            Column(f"piece_{number}_title", aliases=(f"piece {number}", f"title {number}")),
            Column(f"piece_{number}_composer", aliases=(f"composer {number}",)),
            Column(f"piece_{number}_duration", aliases=(f"duration {number}", f"time {number}")),
        )
    ),
    Column("fee_paid", aliases=("paid", "amount paid")),
    Column("comments", aliases=("comment", "notes", "note")),
)

# What each column holds, for the mapping page, the template's help sheet and the documentation.
FIELD_HELP = {
    "number": _l("Class number, e.g. 1203"),
    "suffix": _l("Optional letter after the number, e.g. A for 1203A"),
    "name": _l("Class name, e.g. Baroque, Grade 3"),
    "discipline": _l("Piano, Strings, Voice…; created when new"),
    "level": _l("Grade 3, Junior, Open…; created when new"),
    "type": _l("solo, duet, trio, quartet, quintet, ensemble or recital (blank: solo)"),
    "min_age": _l("Youngest age allowed on the cut-off date (blank: none)"),
    "max_age": _l("Oldest age allowed on the cut-off date (blank: none)"),
    "fee": _l("Entry fee, e.g. 18.00"),
    "time_limit": _l("Performance time limit, m:ss or minutes (blank: none)"),
    "adjudication_time": _l("Adjudication time per entry, m:ss or minutes"),
    "changeover_time": _l("Change-over time between entries, m:ss or minutes"),
    "closing_time": _l("Closing time after the class (summary and awards), m:ss or minutes"),
    "accompanist_required": _l("yes or no"),
    "set_pieces": _l("Title - Composer; Title - Composer"),
    "class": _l("Class number and letter, e.g. 1203A"),
    "performer_first_name": _l("The solo performer's, or the group contact's, first name"),
    "performer_last_name": _l("The solo performer's, or the group contact's, last name"),
    "performer_birth_date": _l("YYYY-MM-DD or day/month/year"),
    "performer_email": _l("The performer's (or a parent's) email"),
    "performer_phone": _l("The performer's (or a parent's) phone"),
    "group_name": _l("For a duet to quintet or an ensemble: the group's name"),
    "group_members": _l("Every member as First Last, separated by ;"),
    "school": _l("School, conservatory or studio"),
    "teacher_name": _l("First Last"),
    "teacher_email": _l("The teacher's email"),
    "accompanist_name": _l("First Last"),
    "accompanist_email": _l("The accompanist's email"),
    **{
        name: text
        for number in range(1, PIECES + 1)
        for name, text in (
            (f"piece_{number}_title", _l("Title of piece %(number)s", number=number)),
            (f"piece_{number}_composer", _l("Composer of piece %(number)s", number=number)),
            (f"piece_{number}_duration", _l("Duration of piece %(number)s, m:ss or minutes", number=number)),
        )
    },
    "fee_paid": _l("Amount already paid, e.g. 18.00"),
    "comments": _l("Anything else the festival should know"),
}


def columns_of(kind: str) -> tuple[Column, ...]:
    """Return the columns of an import kind (KeyError for an unknown kind)."""
    return kinds.get(kind).columns


def headers_of(kind: str) -> list[str]:
    """Return the template's headers of an import kind, in order."""
    return [column.name for column in columns_of(kind)]
