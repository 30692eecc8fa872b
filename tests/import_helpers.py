"""Plain helpers for the imports' tests: files built from rows, a festival with a small syllabus, imports run at once.

(No tests here: the test_imports_* modules import these.)
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer, EntryPiece
from mfo.festival.models import Festival
from mfo.imports import services
from mfo.imports.fields import headers_of
from mfo.imports.models import ImportBatch, ImportChange
from mfo.imports.plan import Plan
from mfo.people.models import Group, Person, School, group_member
from mfo.syllabus.models import Discipline, FestivalClass, Level, Piece, SetPiece
from tests.festival_helpers import make_class, make_festival, make_person, make_piece

ENTRY_HEADERS = headers_of("entries")
SYLLABUS_HEADERS = headers_of("syllabus")

# A clean entry: a ten-year-old in class 101 (ages 8 to 12, 5:00), one piece well within the limit.
BASE_ENTRY = {
    "class": "101",
    "performer_first_name": "Anna",
    "performer_last_name": "Smith",
    "performer_birth_date": "2016-05-01",
    "performer_email": "anna.smith@example.org",
    "performer_phone": "514 555 0100",
    "school": "Riverside Music School",
    "teacher_name": "Clara Wieck",
    "teacher_email": "clara@example.org",
    "piece_1_title": "Minuet in G",
    "piece_1_composer": "Petzold",
    "piece_1_duration": "1:30",
    "fee_paid": "15.00",
}

BASE_CLASS = {
    "number": "101",
    "suffix": "",
    "name": "Piano Solo, 12 and under",
    "discipline": "Piano",
    "level": "Junior",
    "type": "solo",
    "min_age": "8",
    "max_age": "12",
    "fee": "15.00",
    "time_limit": "5:00",
    "adjudication_time": "2:00",
    "changeover_time": "0:30",
    "accompanist_required": "no",
    "set_pieces": "",
}


def entry(**values: str) -> dict[str, str]:
    """Return the clean entry row with some values changed."""
    return {**BASE_ENTRY, **values}


def syllabus_class(**values: str) -> dict[str, str]:
    """Return the clean class row with some values changed."""
    return {**BASE_CLASS, **values}


def csv_bytes(rows: list[dict[str, str]], headers: list[str] | None = None, *, encoding: str = "utf-8") -> bytes:
    """Return rows as a CSV file (the headers of the first row's keys when none are given)."""
    if headers is None:
        headers = list(rows[0]) if rows else []
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def entries_csv(rows: list[dict[str, str]], **options) -> bytes:
    """Return entry rows as a CSV file with the template's headers."""
    return csv_bytes(rows, ENTRY_HEADERS, **options)


def syllabus_csv(rows: list[dict[str, str]], **options) -> bytes:
    """Return class rows as a CSV file with the template's headers."""
    return csv_bytes(rows, SYLLABUS_HEADERS, **options)


def small_festival(slug: str = "spring-2027") -> Festival:
    """Add a festival with a small syllabus, a person and a piece on file (committed)."""
    festival = make_festival(slug)
    make_class(festival, "101", "Piano Solo, 12 and under", min_age=8, max_age=12, time_limit=300, discipline="Piano")
    make_class(festival, "102", "Baroque Piano", set_pieces=[("Minuet in G", "Petzold"), ("Musette in D", "Bach")], discipline="Piano")
    make_class(festival, "201", "Piano Duet", class_type="duet", discipline="Piano")
    make_class(festival, "301", "Voice Solo", accompanist_required=True, discipline="Voice")
    make_class(festival, "401", "Chamber Ensemble", class_type="ensemble", discipline="Strings")
    make_class(festival, "501", "Open Recital", suffix="A", class_type="recital")
    make_person("Marie", "Tremblay", date(2015, 3, 3), email="marie@example.org", phone="514 555 0101")
    make_piece("Sonatina in C, Op. 36 No. 1", "Clementi", 120)
    db.session.commit()
    return festival


def plan_file(festival: Festival, kind: str, data: bytes, filename: str = "file.csv", excluded=()) -> Plan:
    """Check a file against a festival as the command line does (nothing written)."""
    table = services.read_file(data, filename)
    match = services.initial_match(festival.id, kind, table)
    return services.plan_table(festival, kind, table, match, excluded=excluded)


def import_file(
    festival: Festival, kind: str, data: bytes, filename: str = "file.csv", excluded=()
) -> tuple[ImportBatch, Plan]:
    """Upload, check and apply a file at once, as an organizer would (committed); return the batch and its plan."""
    table = services.read_file(data, filename)
    batch = services.upload(festival, kind, filename, data, table)
    plan = services.compute_plan(batch, excluded=excluded)
    services.apply(batch, plan)
    db.session.commit()
    return batch, plan


def run_cli(app, tmp_path: Path, kind: str, data: bytes, *args: str, filename: str = "file.csv"):
    """Run `flask <kind> import FILE --festival ...` on a file and return click's result."""
    path = tmp_path / filename
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=[kind, "import", str(path), *args])


# Every table an import writes to, counted to show that a refused or failed import wrote nothing.
COUNTED = (
    Entry, EntryPerformer, EntryPiece, Person, School, Group, Piece, FestivalClass, SetPiece, Discipline, Level,
    ImportChange, AuditEvent,
)


def table_counts() -> dict[str, int]:
    """Return the number of rows of every table an import writes to."""
    counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}
    counts["group_member"] = db.session.scalar(select(func.count()).select_from(group_member))
    return counts


def snapshot_rows() -> dict[str, list]:
    """Return every row of the festival tables (to show that an undo puts everything back)."""
    rows = {}
    for model in (Entry, EntryPerformer, EntryPiece, Person, School, Group, Piece, FestivalClass, SetPiece, Discipline, Level):
        # Child rows put back by an undo get new ids: compare them by what they hold.
        skipped = {"updated_at", "id"} if model in (EntryPiece, SetPiece) else {"updated_at"}
        columns = [c for c in model.__table__.columns if c.name not in skipped]
        rows[model.__tablename__] = sorted(
            tuple(str(value) for value in row) for row in db.session.execute(select(*columns))
        )
    rows["group_member"] = sorted(db.session.execute(select(group_member)).all())
    return rows


def money(text: str) -> Decimal:
    """Return an amount as the database gives it."""
    return Decimal(text)


# --- The pages ----------------------------------------------------------------------------------------------------

SLUG = "spring-2027"


def imports_url(path: str = "", slug: str = SLUG) -> str:
    """Return the URL of a page of a festival's Imports tab."""
    return f"/festivals/{slug}/imports/{path}"


def upload(client, data: bytes, filename: str = "entries.csv", kind: str = "entries", slug: str = SLUG):
    """Upload a file with the Imports page's form (a valid CSRF token read from the page)."""
    from tests.helpers import csrf_token

    url = imports_url(slug=slug)
    fields = {"csrf_token": csrf_token(client, url), "kind": kind}
    # The body is encoded here, in memory: the test client would spool a large one to a temporary file it never closes.
    boundary = "----mfo-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(url, data=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}")


def uploaded_batch_id(response) -> int:
    """Return the id of the batch an upload made, from its redirect to the mapping page."""
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").split("/")[-2])


def mapping_data(batch_id: int, **changes: str) -> dict[str, str]:
    """Return the mapping form's values: the batch's mapping, with some fields changed."""
    from mfo.imports.fields import columns_of

    batch = db.session.get(ImportBatch, batch_id)
    db.session.refresh(batch)
    values = {f"field_{c.name}": (batch.mapping or {}).get(c.name, "") for c in columns_of(batch.kind)}
    values.update({f"field_{name}": header for name, header in changes.items()})
    return values


def preview(client, batch_id: int, slug: str = SLUG, **changes: str):
    """Confirm the mapping (as the page shows it, with some fields changed) and wait for the preview job."""
    from mfo.imports import jobs
    from tests.helpers import post_form

    url = imports_url(f"{batch_id}/mapping", slug)
    response = post_form(client, url, mapping_data(batch_id, **changes))
    jobs.wait_for_threads()
    db.session.expire_all()
    return response


def confirm(client, batch_id: int, data: dict | None = None, slug: str = SLUG):
    """Post the confirmation form of a previewed batch and wait for the job."""
    from mfo.imports import jobs
    from tests.helpers import post_form

    response = post_form(client, imports_url(f"{batch_id}/confirm", slug), data or {}, token_from=imports_url(str(batch_id), slug))
    jobs.wait_for_threads()
    db.session.expire_all()
    return response
