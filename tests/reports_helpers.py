"""A small festival season for the reports' tests, with known numbers, and helpers to read reports back.

(No tests here.) The season has four classes (9, 10, 500 and 1203A, to check the numeric order),
five entries (one withdrawn, one a duet group), a teacher, an accompanist, a school, and personal
data that only holders of people-read may see.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from mfo.database import db
from mfo.people.models import Group, Person
from mfo.text import normalise_name
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece, make_school

SLUG = "spring-2027"
BASE = f"/festivals/{SLUG}"
REPORT_NAMES = ("entries", "classes", "repertoire", "teachers", "accompanists", "performers", "groups", "schools")
EVIL_TITLE = '=HYPERLINK("http://evil","x")'

# What nobody without people-read may see, anywhere: birth dates, emails, phone numbers, an address.
PERSONAL = ("2015-03-04", "2012-01-01", "ann@example.org", "tom@example.org", "5551234", "5559876", "12 Rue des Lilas")


@dataclass
class Season:
    """The ids a test needs of the built season."""

    festival_id: int
    classes: dict[str, int]
    entries: dict[str, int]


def build_season() -> Season:
    """Add the season and commit it."""
    festival = make_festival(SLUG)
    baroque = make_class(festival, "1203", "Baroque", suffix="A", discipline="Piano", level="Grade 3", time_limit=300)
    duet = make_class(festival, "500", "Piano Duet", discipline="Piano", class_type="duet", fee=Decimal("20.00"))
    junior = make_class(festival, "9", "Junior Strings", discipline="Strings", fee=Decimal("10.00"))
    make_class(festival, "10", "Senior Strings", discipline="Strings", set_pieces=[("Largo", "Handel")])
    school = make_school("St Cecilia")
    ann = make_person("Ann", "Lee", date(2015, 3, 4), email="ann@example.org", phone="+15551234", address="12 Rue des Lilas", school=school)
    bob = make_person("Bob", "Zed", date(2012, 1, 1))
    chloe = make_person("Chloé", "Émond", date(2013, 5, 6))
    teacher = make_person("Tom", "Teach", email="tom@example.org", phone="5559876")
    accompanist = make_person("Alice", "Keys")
    minuet = make_piece("Minuet in G", "Bach", 120)
    sonatina = make_piece("Sonatina", "Clementi", 200)
    evil = make_piece(EVIL_TITLE, "Nobody", 100)
    group = Group(name="Lee Duo", name_key=normalise_name("Lee Duo"), school=school, contact=ann, members=[ann, bob])
    db.session.add(group)
    db.session.flush()
    entries = {
        "ann": make_entry(
            baroque,
            [ann],
            [(minuet, 120), (sonatina, 200)],
            teacher_id=teacher.id,
            accompanist_id=accompanist.id,
            school_id=school.id,
            status="accepted",
            amount_paid=Decimal("15.00"),
        ),
        "bob": make_entry(baroque, [bob], [(evil, 100)], teacher_id=teacher.id),
        "chloe-withdrawn": make_entry(baroque, [chloe], [(minuet, 130)], status="withdrawn", amount_paid=Decimal("10.00")),
        "duet": make_entry(
            duet,
            [ann, bob],
            [(sonatina, 210)],
            group_id=group.id,
            accompanist_id=accompanist.id,
            school_id=school.id,
            amount_paid=Decimal("20.00"),
        ),
        "chloe": make_entry(junior, [chloe], []),
    }
    db.session.commit()
    classes = {"1203A": baroque.id, "500": duet.id, "9": junior.id}
    return Season(festival.id, classes, {key: entry.id for key, entry in entries.items()})


def add_entries(festival_id: int, count: int, start: int = 0) -> None:
    """Add `count` more solo entries, each with a new performer, teacher, accompanist, school and group."""
    from mfo.festival.models import Festival

    festival = db.session.get(Festival, festival_id)
    festival_class = make_class(festival, f"{7000 + start}", "Extra class", discipline="Voice")
    piece = make_piece(f"Extra piece {start}", "Composer", 90)
    for number in range(start, start + count):
        performer = make_person(f"Extra{number}", "Performer", date(2010, 1, 1))
        partner = make_person(f"Partner{number}", "Performer", date(2010, 1, 1))
        teacher = make_person(f"Teacher{number}", "Teacher")
        accompanist = make_person(f"Accompanist{number}", "Accompanist")
        school = make_school(f"Extra school {number}")
        group = Group(name=f"Extra group {number}", name_key=f"extra group {number}", school=school, members=[performer, partner])
        db.session.add(group)
        db.session.flush()
        make_entry(
            festival_class,
            [performer, partner],
            [(piece, 95)],
            teacher_id=teacher.id,
            accompanist_id=accompanist.id,
            school_id=school.id,
            group_id=group.id,
        )
    db.session.commit()


def csv_rows(response) -> list[dict[str, str]]:
    """Return a CSV export's rows keyed by heading (the byte-order mark removed)."""
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def xlsx_sheet(data: bytes):
    """Return the first sheet of an XLSX export."""
    return load_workbook(io.BytesIO(data)).worksheets[0]


def xlsx_rows(data: bytes) -> list[dict[str, object]]:
    """Return an XLSX export's rows keyed by heading."""
    values = list(xlsx_sheet(data).iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def table_column(html: str, key: str) -> list[str]:
    """Return the text of a report table's cells of one column, in order (body rows only)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(rf'<td class="[^"]*" data-column="{key}">(.*?)</td>', body, re.S)
    return [re.sub(r"<[^>]+>", " ", cell).strip() for cell in cells]


def person(first_name: str) -> Person:
    """Return a person of the season by first name."""
    return db.session.query(Person).filter_by(first_name=first_name).one()
