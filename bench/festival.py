"""`make bench-festival`: the festival's speed on SQLite and PostgreSQL; writes docs/festival-performance.md.

Reports: a festival of --entries entries (default 10,000: about 200 classes, 7,000 people, groups,
teachers, accompanists, schools and pieces) is written with bulk inserts into a throw-away SQLite
file and a throw-away PostgreSQL database (when a server answers on 127.0.0.1:5432), both made by
the migrations; PostgreSQL then gathers its statistics (ANALYZE), as autovacuum does soon after an
import. Each page is then requested in-process with Flask's test client, signed in as an organizer
(who sees the personal columns, the heaviest case), --runs times after a warm-up; the median, the
90th percentile, the fastest run and the number of SQL statements are kept. The same pages are
counted again on a festival a tenth of the size, which must run as many statements. The target:
the classes report under 300 ms on a 2-core machine.

Exports (their own section below): every row of the performers and entries reports as CSV and
XLSX, timed and counted the same way; each under 1.5 s at 10,000 entries.

Imports (bench/imports.py): an entries file of 5,000 rows previewed and confirmed, each under 20 s,
in bounded memory, and importing it again changes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "festival-Bench-2026"
EMAIL = "organizer@bench.example"
SLUG = "bench-festival"
TARGET_MS = 300.0
REPORT_PAGE = "/reports/classes"
# Timed, and counted at two sizes: the reports, then the festival's lists, which all read a page at a time.
PAGES = (
    REPORT_PAGE,
    "/reports/entries",
    "/reports/performers",
    "/dashboard",
    "/dashboard/issues",
    "/reports/classes.csv",
    "/",
    "/classes/",
    "/classes/1",
    "/entries/",
    "/people/",
    "/people/1",
    "/people/schools",
    "/people/groups",
    "/issues/",
    "/imports/",
)
SMALL_SHARE = 10  # the festival counted against the measured one is this many times smaller
OUT = ROOT / "docs" / "festival-performance.md"
RESULTS = Path(tempfile.gettempdir()) / "mfo-bench-festival-results.json"
DATABASE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
DISCIPLINES = ("Piano", "Strings", "Voice", "Woodwind")
LEVELS = ("Grade 1", "Grade 3", "Grade 5", "Grade 8", "Open")
FIRST = ("Ann", "Ben", "Chloé", "David", "Élodie", "Farid", "Grace", "Hugo", "Inès", "Jules", "Kim", "Léa", "Maya", "Noah")
LAST = ("Lee", "Martin", "Tremblay", "Roy", "Gagnon", "Côté", "Smith", "Nguyen", "Bouchard", "Wong", "Pelletier", "Singh")
COMPOSERS = ("Bach", "Mozart", "Chopin", "Schumann", "Debussy", "Satie", "Haydn", "Clementi", "Grieg", "Fauré")


@dataclass
class Timing:
    """One page's numbers: median, 90th percentile and fastest time in ms, and its SQL statements."""

    path: str
    status: int
    median_ms: float
    p90_ms: float
    min_ms: float
    queries: int


def build_festival(entries: int, seed: int = 1, class_total: int | None = None) -> dict[str, int]:
    """Write a festival of `entries` entries with bulk inserts (inside an app context); return the row counts.

    `class_total`: how many classes (default: 4 per 50 entries, at most 200, a syllabus this size has).
    """
    from flask_security.utils import naive_utcnow
    from sqlalchemy import insert

    from mfo.database import db
    from mfo.entries.models import Entry, EntryPerformer, EntryPiece
    from mfo.festival.models import Festival
    from mfo.imports.models import ImportBatch
    from mfo.issues.rules import piece_key
    from mfo.people.models import Group, Person, School, group_member
    from mfo.syllabus.models import Discipline, FestivalClass, Level, Piece
    from mfo.text import normalise_name

    rng = random.Random(seed)
    now = naive_utcnow()
    stamps = {"created_at": now, "updated_at": now}
    scale = max(1, entries // 50)
    festival_id = 1
    db.session.execute(
        insert(Festival),
        [
            {
                "id": festival_id,
                "name": "Bench Festival",
                "year": 2027,
                "slug": SLUG,
                "start_date": date(2027, 4, 10),
                "end_date": date(2027, 4, 18),
                "age_cutoff": date(2026, 12, 31),
                "status": "entries-closed",
                "is_current": True,
                **stamps,
            }
        ],
    )
    db.session.execute(
        insert(Discipline),
        [{"id": i + 1, "festival_id": festival_id, "name": n, "position": i, **stamps} for i, n in enumerate(DISCIPLINES)],
    )
    db.session.execute(
        insert(Level), [{"id": i + 1, "festival_id": festival_id, "name": n, "position": i, **stamps} for i, n in enumerate(LEVELS)]
    )
    class_count = class_total or max(4, min(200, scale * 4))
    classes = []
    for i in range(class_count):
        class_type = rng.choices(("solo", "duet", "trio", "ensemble"), (80, 10, 5, 5))[0]
        classes.append(
            {
                "id": i + 1,
                "festival_id": festival_id,
                "number": str(100 + i),
                "suffix": "",
                "name": f"Class {100 + i}",
                "discipline_id": i % len(DISCIPLINES) + 1,
                "level_id": i % len(LEVELS) + 1,
                "class_type": class_type,
                "min_age": None,
                "max_age": None,
                "fee": Decimal("15.00") + i % 4 * 5,
                "time_limit": rng.choice((None, 240, 300, 480, 600)),
                "adjudication_time": 120,
                "changeover_time": 30,
                "accompanist_required": class_type == "solo" and i % 3 == 0,
                **stamps,
            }
        )
    db.session.execute(insert(FestivalClass), classes)

    pieces = []
    for i in range(max(10, scale * 6)):
        title, composer = f"Piece {i}", COMPOSERS[i % len(COMPOSERS)]
        pieces.append(
            {
                "id": i + 1,
                "title": title,
                "composer": composer,
                "duration": rng.randint(60, 420),
                "key": piece_key(title, composer),
                **stamps,
            }
        )
    db.session.execute(insert(Piece), pieces)

    school_count = max(3, min(30, scale))
    db.session.execute(
        insert(School),
        [
            {"id": i + 1, "name": f"School {i}", "key": normalise_name(f"School {i}"), "city": "Montréal", **stamps}
            for i in range(school_count)
        ],
    )

    people = []

    def person(first: str, last: str, birth: date | None) -> int:
        """Queue a person; return its id."""
        pid = len(people) + 1
        people.append(
            {
                "id": pid,
                "first_name": first,
                "last_name": last,
                "name_key": normalise_name(f"{first} {last}"),
                "birth_date": birth,
                "email": f"person{pid}@bench.example",
                "phone": f"+1555{pid:07d}",
                "address": f"{pid} Main Street",
                "school_id": rng.randint(1, school_count),
                "guardian_id": None,
                **stamps,
            }
        )
        return pid

    teachers = [person(f"Teacher{i}", rng.choice(LAST), None) for i in range(max(2, min(60, scale)))]
    accompanists = [person(f"Accompanist{i}", rng.choice(LAST), None) for i in range(max(2, min(40, scale)))]
    performers = [
        person(f"{rng.choice(FIRST)}{i}", rng.choice(LAST), date(2008, 1, 1) + timedelta(days=rng.randint(0, 4000)))
        for i in range(max(5, entries * 7 // 10))
    ]
    db.session.execute(insert(Person), people)

    groups, members, entry_rows, entry_performers, entry_pieces = [], [], [], [], []
    for i in range(entries):
        festival_class = classes[rng.randrange(class_count)]
        entry_id = i + 1
        group_id = None
        cast = [rng.choice(performers)]
        if festival_class["class_type"] != "solo":
            size = {"duet": 2, "trio": 3}.get(festival_class["class_type"], rng.randint(4, 8))
            cast = rng.sample(performers, size)
            group_id = len(groups) + 1
            groups.append(
                {
                    "id": group_id,
                    "name": f"Group {group_id}",
                    "name_key": f"group {group_id}",
                    "school_id": rng.randint(1, school_count),
                    "contact_id": cast[0],
                    **stamps,
                }
            )
            members += [{"group_id": group_id, "person_id": pid} for pid in cast]
        status = rng.choices(("submitted", "accepted", "withdrawn", "scratched"), (30, 62, 5, 3))[0]
        fee = festival_class["fee"]
        entry_rows.append(
            {
                "id": entry_id,
                "festival_id": festival_id,
                "class_id": festival_class["id"],
                "group_id": group_id,
                "teacher_id": rng.choice(teachers),
                "accompanist_id": rng.choice(accompanists) if rng.random() < 0.4 else None,
                "school_id": rng.randint(1, school_count),
                "status": status,
                "fee": fee,
                "amount_paid": fee if rng.random() < 0.7 else Decimal("0.00"),
                "comments": None,
                "given_contacts": {},
                "source": "import",
                "import_batch_id": None,
                "import_filename": "bench.csv",
                "import_row": i + 2,
                **stamps,
            }
        )
        entry_performers += [{"entry_id": entry_id, "person_id": pid, "position": p} for p, pid in enumerate(cast)]
        for position, piece in enumerate(rng.sample(pieces, rng.randint(1, 3))):
            entry_pieces.append(
                {"entry_id": entry_id, "piece_id": piece["id"], "position": position, "duration": piece["duration"] + rng.randint(-20, 20)}
            )
    if groups:
        db.session.execute(insert(Group), groups)
        db.session.execute(insert(group_member), members)
    for model, rows in ((Entry, entry_rows), (EntryPerformer, entry_performers), (EntryPiece, entry_pieces)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start : start + 5000])
    # The imports that brought the entries in, one file of 500 rows each, for the imports' history page.
    batches = [
        {
            "id": number + 1,
            "festival_id": festival_id,
            "kind": "entries",
            "filename": f"bench-{number + 1}.csv",
            "sha256": f"{number + 1:064x}",
            "size": 100_000,
            "user_id": None,
            "status": "applied",
            "mapping": {},
            "excluded_rows": [],
            "rows": 500,
            "counts": {"created": {"entry": 500}, "matched": {}, "changed": {}, "errors": 0, "warnings": 0},
            "progress": 500,
            "created_at": now,
            "applied_at": now,
        }
        for number in range(max(1, entries // 500))
    ]
    db.session.execute(insert(ImportBatch), batches)
    db.session.commit()
    return {
        "classes": len(classes),
        "people": len(people),
        "groups": len(groups),
        "pieces": len(pieces),
        "entries": len(entry_rows),
        "performances": len(entry_performers),
        "entry pieces": len(entry_pieces),
        "imports": len(batches),
    }


@contextmanager
def databases(which: str) -> Iterator[tuple[str, str]]:
    """Yield (name, URL) of the throw-away databases asked for: a SQLite file, a PostgreSQL database if one answers."""
    import sqlalchemy

    made: list[tuple[str, str]] = []
    folder = tempfile.TemporaryDirectory(prefix="mfo-bench-festival-")
    server = os.environ.get("MFO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    engine = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"mfo_bench_festival_{uuid.uuid4().hex[:10]}"
    postgres = False
    try:
        if which in ("sqlite", "both"):
            made.append(("sqlite", f"sqlite:///{folder.name}/festival.sqlite"))
        if which in ("postgresql", "both"):
            try:
                with engine.connect() as connection:
                    connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
                postgres = True
                made.append(("postgresql", sqlalchemy.make_url(server).set(database=name).render_as_string(hide_password=False)))
            except sqlalchemy.exc.OperationalError:
                print("PostgreSQL does not answer: measuring SQLite only.", file=sys.stderr)
        yield made
    finally:
        folder.cleanup()
        if postgres:
            engine.dispose()
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def make_app(database_url: str):
    """Build the app in its production configuration on the database (rate limits and admins' MFA off)."""
    os.environ.update(
        {
            "FLASK_SECRET_KEY": "bench-festival-secret-key",
            "FLASK_SECURITY_PASSWORD_SALT": "bench-festival-salt",
            "FLASK_SECURITY_TOTP_SECRETS": '{"1": "bench-festival-totp-secret-0123456789"}',
            "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
            "FLASK_RATELIMIT_ENABLED": "false",
            "FLASK_MFO_LOG_LEVEL": "WARNING",
            "FLASK_MFO_REQUIRE_MFA_FOR_ADMIN": "false",
            # Requests are made in-process (the test client); no link leaves the machine.
            "FLASK_MFO_BASE_URL": "http://127.0.0.1",
            "FLASK_MFO_ALLOW_PLAIN_HTTP": "true",
        }
    )
    from mfo import create_app

    return create_app()


def prepare(app, entries: int, seed: int, class_total: int | None = None) -> tuple[dict[str, int], float]:
    """Migrate, sync roles, add the organizer and build the festival; return the counts and the seconds it took."""
    from flask_migrate import upgrade
    from flask_security.utils import hash_password, naive_utcnow

    from mfo.database import db
    from mfo.database.models import user_datastore
    from mfo.security.commands import sync_roles

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        sync_roles()
        user_datastore.create_user(email=EMAIL, password=hash_password(PASSWORD), roles=["organizer"], confirmed_at=naive_utcnow())
        db.session.commit()
        started = time.perf_counter()
        counts = build_festival(entries, seed, class_total)
        elapsed = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of an import this size: without statistics on the
            # new rows the planner guesses one row per table and nests loops (the classes report
            # then takes about 0.7 s instead of 30 ms).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        return counts, elapsed


def sign_in(client) -> None:
    """Sign the test client in as the organizer through the form."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"sign-in failed: {response.status_code}"


def count_statements(app, client, url: str) -> int:
    """Return how many SQL statements one request of the page runs."""
    from sqlalchemy import event

    from mfo.database import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("q")

    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def measure(app, path: str, runs: int) -> Timing:
    """Request the page `runs` times after two warm-up requests; return its timing and SQL statement count."""
    client = app.test_client()
    sign_in(client)
    url = f"/festivals/{SLUG}{path}"
    for _ in range(2):
        client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    queries = count_statements(app, client, url)
    times.sort()
    p90 = times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]
    return Timing(path, response.status_code, statistics.median(times), p90, times[0], queries)


def page_statements(app) -> dict[str, int]:
    """Return how many SQL statements each page runs (after a warm-up request), signed in as the organizer."""
    client = app.test_client()
    sign_in(client)
    found = {}
    for path in PAGES:
        url = f"/festivals/{SLUG}{path}"
        client.get(url)
        found[path] = count_statements(app, client, url)
    return found


def dispose(app) -> None:
    """Close the app's database connections (before its throw-away database is dropped)."""
    from mfo.database import db

    with app.app_context():
        db.engine.dispose()


def measure_reports(kind: str, entries: int, runs: int, seed: int, log=print) -> dict:
    """Build the festival on one database, time every page, and count the pages again on a smaller festival."""
    result: dict = {}
    with databases(kind) as made:
        for name, url in made:
            app = make_app(url)
            counts, seconds = prepare(app, entries, seed)
            log(f"\n{name}: " + ", ".join(f"{value:,} {key}" for key, value in counts.items()) + f"; built in {seconds:.1f} s")
            log(f"  {'page':<24} {'status':>6} {'median':>10} {'p90':>10} {'fastest':>10} {'queries':>8}")
            timings = []
            for path in PAGES:
                timing = measure(app, path, runs)
                timings.append(timing)
                log(
                    f"  {timing.path:<24} {timing.status:>6} {timing.median_ms:>8.1f}ms {timing.p90_ms:>8.1f}ms "
                    f"{timing.min_ms:>8.1f}ms {timing.queries:>8}"
                )
            exports = measure_exports(app, runs, log)
            dispose(app)
            result = {"counts": counts, "build_seconds": seconds, "timings": [asdict(t) for t in timings], "exports": exports}
    if not result:
        return result
    small = max(50, entries // SMALL_SHARE)
    with databases(kind) as made:
        for _name, url in made:
            app = make_app(url)
            prepare(app, small, seed)
            result["small_entries"] = small
            result["small_queries"] = page_statements(app)
            result["small_export_queries"] = export_statements(app)
            dispose(app)
    return result


# --- The Issues page and the dashboard's counts: the validator and the schedule's conflicts, kept per festival ---------

ISSUES_PAGES = ("/issues/", "/dashboard", "/dashboard/issues")
ISSUES_TARGET_MS = 300.0
ISSUES_VENUES = 12
CLASS_MINUTES_PER_ENTRY = 5  # a performance, the adjudication and the change-over
COLD_RUNS = 3


def schedule_festival(festival_id: int = 1) -> dict[str, int]:
    """Give the bench festival a schedule: venues open every day, two sessions a day in each, every class placed.

    Classes follow each other in the sessions as an organizer placing them by hand in syllabus order would, with
    no regard for who plays in which: performers of several classes end up in two venues at once or waiting for
    hours, a class longer than a session runs over it, so the checker has conflicts of several kinds to find.
    """
    from flask_security.utils import naive_utcnow
    from sqlalchemy import func, insert, select

    from mfo.database import db
    from mfo.entries.models import Entry
    from mfo.festival.models import Festival
    from mfo.schedule.models import Placement, Session
    from mfo.syllabus.models import FestivalClass
    from mfo.venues.models import Venue, VenueOpening

    now = naive_utcnow()
    stamps = {"created_at": now, "updated_at": now}
    festival = db.session.get(Festival, festival_id)
    days = [festival.start_date + timedelta(days=n) for n in range((festival.end_date - festival.start_date).days + 1)]
    db.session.execute(
        insert(Venue),
        [{"id": v + 1, "festival_id": festival_id, "name": f"Hall {v + 1}", "has_piano": True, **stamps} for v in range(ISSUES_VENUES)],
    )
    db.session.execute(
        insert(VenueOpening),
        [{"venue_id": v + 1, "day": day, "start": dt_time(8), "end": dt_time(22)} for v in range(ISSUES_VENUES) for day in days],
    )
    halves = ((dt_time(9), dt_time(13)), (dt_time(14), dt_time(21)))
    sessions = [
        {"id": len(days) * 2 * v + 2 * d + h + 1, "festival_id": festival_id,
         "name": f"Hall {v + 1} {'morning' if h == 0 else 'afternoon'}", "day": day, "start": start, "end": end,
         "venue_id": v + 1, **stamps}
        for v in range(ISSUES_VENUES) for d, day in enumerate(days) for h, (start, end) in enumerate(halves)
    ]
    db.session.execute(insert(Session), sessions)
    # Classes one after the other in the sessions (by day, then time, then venue), each taking its entries' minutes:
    # a class that no longer fits in a session opens the next one.
    sizes = db.session.execute(
        select(FestivalClass.id, func.count(Entry.id))
        .outerjoin(Entry, Entry.class_id == FestivalClass.id)
        .where(FestivalClass.festival_id == festival_id)
        .group_by(FestivalClass.id)
        .order_by(FestivalClass.id)
    ).all()
    order = sorted(sessions, key=lambda row: (row["day"], row["start"], row["venue_id"]))
    placements = []
    current, free = 0, None
    for class_id, size in sizes:
        minutes = size * CLASS_MINUTES_PER_ENTRY
        session = order[current]
        start = datetime.combine(session["day"], session["start"]) if free is None else free
        end_of_session = datetime.combine(session["day"], session["end"])
        if free is not None and start + timedelta(minutes=minutes) > end_of_session and current + 1 < len(order):
            current += 1
            session = order[current]
            start = datetime.combine(session["day"], session["start"])
        placements.append({"festival_id": festival_id, "class_id": class_id, "session_id": session["id"], "start": start,
                           "pinned": False, **stamps})
        free = start + timedelta(minutes=minutes)
    db.session.execute(insert(Placement), placements)
    db.session.commit()
    return {"venues": ISSUES_VENUES, "sessions": len(sessions), "placements": len(placements)}


def touch_an_entry(app, n: int) -> None:
    """Change one entry's comments through the ORM, as its edit form would: every kept result that read entries is stale."""
    from sqlalchemy import select

    from mfo.database import db
    from mfo.entries.models import Entry

    with app.app_context():
        entry = db.session.scalar(select(Entry).order_by(Entry.id).limit(1))
        entry.comments = f"changed {n}"
        db.session.commit()


def measure_issue_pages(kind: str, entries: int, runs: int, seed: int, log=print) -> dict:
    """Build and schedule the festival on one database; time the Issues page and the dashboard cold (just after a change)
    and warm (nothing changed: the kept result), and count the issues each source found."""
    from mfo.database import db
    from mfo.festival.models import Festival
    from mfo.issues.cache import festival_findings

    result: dict = {}
    with databases(kind) as made:
        for name, url in made:
            app = make_app(url)
            counts, _seconds = prepare(app, entries, seed)
            with app.app_context():
                counts.update(schedule_festival())

                class Everyone:
                    """A reader holding every permission, to count every source's issues."""

                    is_authenticated = True

                    def has_permission(self, _permission) -> bool:
                        return True

                started = time.perf_counter()
                found = festival_findings(db.session.get(Festival, 1), Everyone())
                find_seconds = time.perf_counter() - started
            by_source = {
                "validator": sum(1 for issue in found if issue.kind is None),
                "schedule conflicts": sum(1 for issue in found if issue.kind is not None),
            }
            log(f"\n{name}, Issues page: " + ", ".join(f"{value:,} {key}" for key, value in counts.items())
                + "; found " + ", ".join(f"{value:,} {key}" for key, value in by_source.items()) + f" in {find_seconds:.2f} s")
            log(f"  {'page':<20} {'cold median':>12} {'cold fastest':>12} {'warm median':>12} {'warm p90':>10} {'queries':>8}")
            client = app.test_client()
            sign_in(client)
            rows = []
            for path in ISSUES_PAGES:
                url_path = f"/festivals/{SLUG}{path}"
                cold = []
                for n in range(COLD_RUNS):
                    touch_an_entry(app, n)
                    started = time.perf_counter()
                    response = client.get(url_path)
                    cold.append((time.perf_counter() - started) * 1000)
                warm = measure(app, path, runs)
                cold.sort()
                row = {"path": path, "status": response.status_code, "cold_median_ms": statistics.median(cold), "cold_min_ms": cold[0],
                       "warm_median_ms": warm.median_ms, "warm_p90_ms": warm.p90_ms, "warm_status": warm.status, "queries": warm.queries}
                rows.append(row)
                log(f"  {path:<20} {row['cold_median_ms']:>10.1f}ms {row['cold_min_ms']:>10.1f}ms {row['warm_median_ms']:>10.1f}ms "
                    f"{row['warm_p90_ms']:>8.1f}ms {row['queries']:>8}")
            dispose(app)
            result = {"counts": counts, "found": by_source, "find_seconds": find_seconds, "pages": rows}
    return result


def issue_targets(results: dict) -> list[tuple[str, str, str, bool]]:
    """Return (database, target, measured, met): the Issues page and the dashboard's counts, warm, under 300 ms."""
    found = []
    for kind, measured in results.get("issues", {}).items():
        entries = measured["counts"]["entries"]
        for row in measured["pages"]:
            found.append(
                (
                    kind,
                    f"`{row['path']}` with the schedule's conflicts, {entries:,} entries, nothing changed: "
                    f"median < {ISSUES_TARGET_MS:.0f} ms",
                    f"{row['warm_median_ms']:.0f} ms",
                    row["warm_median_ms"] < ISSUES_TARGET_MS and row["warm_status"] == 200 and row["status"] == 200,
                )
            )
    return found


def render_issues(results: dict) -> list[str]:
    """Return the report's section on the Issues page and the dashboard's counts (nothing when they were not measured)."""
    measured_by_kind = results.get("issues", {})
    if not measured_by_kind:
        return []
    lines = [
        "",
        "## The Issues page and the dashboard's counts",
        "",
        "The festival above, given a schedule: "
        f"{ISSUES_VENUES} venues open every day, two sessions a day in each (9:00-13:00, 14:00-21:00), every class placed, "
        "one class after the other in syllabus order, five minutes an entry (performers of several classes end up in two "
        "venues at once or waiting for hours; a class longer than a session overruns it). The issue sources (the "
        "validator's rules and the schedule's conflict checker) read the whole festival; what they find is kept per "
        "festival with the revisions of the tables they read, and found again only when one of those tables changed "
        f"(mfo/issues/cache.py). **Cold**: the request right after an entry was changed ({COLD_RUNS} times, each after "
        f"its own change): the sources run again. **Warm**: nothing changed since the last request ({results['runs']} "
        "requests after two warm-ups): one query reads the revisions, the kept result is filtered and shown.",
        "",
        "| database | page | cold median | cold fastest | warm median | warm p90 | SQL statements (warm) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, measured in measured_by_kind.items():
        for row in measured["pages"]:
            lines.append(
                f"| {DATABASE_LABELS[kind]} | `{row['path']}` | {row['cold_median_ms']:.0f} ms | {row['cold_min_ms']:.0f} ms | "
                f"{row['warm_median_ms']:.1f} ms | {row['warm_p90_ms']:.1f} ms | {row['queries']} |"
            )
    lines.append("")
    for kind, measured in measured_by_kind.items():
        found = ", ".join(f"{value:,} from the {key}" for key, value in measured["found"].items())
        counts = ", ".join(f"{value:,} {key}" for key, value in measured["counts"].items() if key in ("entries", "sessions", "placements"))
        lines.append(f"{DATABASE_LABELS[kind]}: {counts}; {found}, found in {measured['find_seconds']:.2f} s.")
    return lines

def main(argv: list[str] | None = None) -> int:
    """Time the report pages and the imports on each database, write the report; 1 if a target is missed."""
    from bench import enter, imports

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page (after two warm-ups)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--no-imports", action="store_true", help="leave out the imports benchmark")
    parser.add_argument("--no-issues", action="store_true", help="leave out the Issues page on a scheduled festival")
    parser.add_argument("--no-picker", action="store_true", help="leave out the class picker of online entries (600 classes)")
    parser.add_argument("--out", default=str(OUT), help="the report written (- for none)")
    parser.add_argument("--results", default=str(RESULTS), help="raw results written here")
    parser.add_argument("--render", metavar="RESULTS", help="only write the report again from a results file of an earlier run")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(Path(args.render).read_text())
        return write(results, args.out)
    defaults = (args.entries, args.runs, args.seed, args.database, args.no_imports, args.no_issues, args.no_picker) == (
        10_000, 15, 1, "both", False, False, False
    )
    command = "make bench-festival" if defaults else "python -m bench.festival " + " ".join(argv if argv is not None else sys.argv[1:])
    # A stop from outside (timeout, Ctrl-C) unwinds like an error, so the throw-away databases are dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.monotonic()
    results: dict = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "command": command,
        "cores": os.cpu_count(),
        "load_before": os.getloadavg()[0],
        "entries": args.entries,
        "runs": args.runs,
        "reports": {},
        "issues": {},
        "imports": [],
    }
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for kind in kinds:
        measured = measure_reports(kind, args.entries, args.runs, args.seed)
        if measured:
            results["reports"][kind] = measured
    if not args.no_issues:
        for kind in kinds:
            measured = measure_issue_pages(kind, args.entries, args.runs, args.seed)
            if measured:
                results["issues"][kind] = measured
    if not args.no_picker:
        results["picker"] = {kind: measured for kind in kinds if (measured := enter.measure(kind, args.entries, args.runs, args.seed))}
    if not args.no_imports:
        print()
        results["imports"] = [asdict(run) for run in imports.measure(args.database)]
    results["load_after"] = os.getloadavg()[0]
    results["minutes"] = (time.monotonic() - started) / 60
    Path(args.results).write_text(json.dumps(results, indent=1))
    return write(results, args.out)


def write(results: dict, out: str) -> int:
    """Write the report (unless out is -), print the targets missed; 1 if any is."""
    text = render(results)
    if out != "-":
        Path(out).write_text(text)
        print(f"\nWrote {out}")
    missed = [row for row in report_targets(results) if not row[3]]
    for database, name, value, _met in missed:
        print(f"missed on {DATABASE_LABELS[database]}: {name} ({value})")
    return 1 if missed else 0


# --- The report ------------------------------------------------------------------------------------------------------

# What profiling found (kept with the report: the numbers above change from run to run, these do not).
FINDINGS = [
    "Profiled on 2026-11-27 (cProfile, a 5,000-row CSV file on PostgreSQL; `python -m cProfile -m bench.imports "
    "--child ...`):",
    "",
    "- **A confirmation checks the file again** (the festival may have changed since the preview): about two "
    "thirds of its time is that plan (reading the rows, matching people, pieces, schools and entries, the "
    "validator's rules), one third the writes, one multi-row insert per table.",
    "- **PostgreSQL confirms more slowly than SQLite**: every statement is a round trip, the lookups send their "
    "ids in chunks of 500 to 2,000 (psycopg turns each into as many server-side parameters, a visible share of "
    "the time), and each progress write is a transaction of its own (41 for 5,000 rows, a few milliseconds "
    "each) so that the page sees it at once.",
    "- **A workbook costs its reading**: openpyxl's read-only parser takes seconds for 5,000 rows of 24 columns "
    "(the \"read\" column above), and a preview reads the file twice (on upload, to count its rows and match "
    "its columns, then in the job), a confirmation once: that is most of the difference between the CSV and "
    "XLSX rows. Organizers with large files can save them as CSV.",
    "- **Importing again** matches every entry on file: the matched entries are loaded with their pieces and "
    "performers to tell a changed row from an identical one, which is why it takes as long as the first "
    "import, or longer, and holds more memory.",
    "- **The Issues page and the dashboard's counts** need every entry (and, on a scheduled festival, every "
    "placement): the validator takes about a second at 10,000 entries and the schedule's checker several (most of "
    "it listing the conflicts it finds: tens of thousands on the benchmark's schedule, which has teachers with "
    "pupils in every venue at once). What they find is therefore kept per festival until a table they read "
    "changes (the sections above: *cold* is the request after a change, *warm* the others), and the counts, "
    "filters' choices and order are made once when it is found, so a request only shows its page of 100.",
    "- **The exports**: see their own section above.",
]


def report_targets(results: dict) -> list[tuple[str, str, str, bool]]:
    """Return (database, target, measured, met) for the reports and every list page, then the imports' targets."""
    from bench import enter, imports

    found = []
    for kind, measured in results["reports"].items():
        timings = {t["path"]: t for t in measured["timings"]}
        classes = timings[REPORT_PAGE]
        entries = measured["counts"]["entries"]
        found.append(
            (
                kind,
                f"classes report, {entries:,} entries: median < {TARGET_MS:.0f} ms",
                f"{classes['median_ms']:.0f} ms",
                classes["median_ms"] < TARGET_MS and classes["status"] == 200,
            )
        )
        small = measured.get("small_queries", {})
        same = [path for path in PAGES if small.get(path) == timings[path]["queries"]]
        differ = [f"{path} {small.get(path)} -> {timings[path]['queries']}" for path in PAGES if path not in same]
        found.append(
            (
                kind,
                f"every page runs as many SQL statements for {measured.get('small_entries', 0):,} as for {entries:,} entries",
                f"{len(same)} of {len(PAGES)} pages" + (f" ({'; '.join(differ)})" if differ else ""),
                not differ,
            )
        )
        failed = [path for path, t in timings.items() if t["status"] != 200]
        if failed:
            found.append((kind, "every page answers 200", ", ".join(failed), False))
        found += export_targets(kind, measured)
    runs = [imports.from_data(run) for run in results["imports"]]
    return found + issue_targets(results) + enter.targets(results.get("picker", {}), results["entries"]) + imports.targets(runs)


def render(results: dict) -> str:
    """Render docs/festival-performance.md from the results: the machine, each measure on each database, the targets."""
    from bench import enter, imports

    runs = [imports.from_data(run) for run in results["imports"]]
    labels = " and ".join(DATABASE_LABELS[k] for k in dict.fromkeys([*results["reports"], *(r.database for r in runs)]))
    lines = [
        "# The festival's speed",
        "",
        f"Measured {results['measured_at']} UTC by `{results['command']}` on {labels}, on this project's machine "
        f"({results['cores']} cores); the run took {results['minutes']:.1f} min. The load average was "
        f"{results['load_before']:.1f} over the minute before the run and {results['load_after']:.1f} over its last "
        "minute (the benchmark itself keeps about one core busy): other work on the machine slows what it overlaps.",
        "",
        "## Targets",
        "",
        "| database | target | measured | met |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {DATABASE_LABELS[kind]} | {name} | {value} | {'yes' if met else 'NO'} |" for kind, name, value, met in report_targets(results)
    ]
    for kind, measured in results["reports"].items():
        counts = ", ".join(f"{value:,} {key}" for key, value in measured["counts"].items())
        lines += [
            "",
            f"## Pages, {DATABASE_LABELS[kind]}",
            "",
            f"A festival of {counts}, written in {measured['build_seconds']:.1f} s; each page requested "
            f"{results['runs']} times after two warm-ups. SQL statements: one request of the page on this festival, "
            f"and on one of {measured.get('small_entries', 0):,} entries.",
            "",
            "| page | status | median | p90 | fastest | SQL statements | on the smaller festival |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        small = measured.get("small_queries", {})
        for t in measured["timings"]:
            lines.append(
                f"| `{t['path']}` | {t['status']} | {t['median_ms']:.1f} ms | {t['p90_ms']:.1f} ms | {t['min_ms']:.1f} ms | "
                f"{t['queries']} | {small.get(t['path'], '')} |"
            )
    lines += render_exports(results)
    if runs:
        lines += [
            "",
            "## Imports",
            "",
            "Each row is one file imported into an empty festival (its syllabus imported first), in a fresh process on a "
            "fresh database; then the same file imported again. Memory is the process's peak resident memory during "
            "the step; \"before\" is what the process held once the app, the database and the syllabus were ready. "
            "\"Read\" is the time reading the file alone takes, and the peak memory while it does: a preview reads it "
            "twice (on upload, to count its rows and match its columns, then in the job), a confirmation once. The "
            "largest file accepted (the row limit, widened to the column limit with columns the import does not use) "
            "is read and previewed only.",
            "",
            "| database | file | before | read | step | time | peak memory | progress written | created | left out (errors) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for run in runs:
            for step in run.steps:
                created = ", ".join(f"{count:,} {kind}" for kind, count in step.created.items()) or "nothing"
                lines.append(
                    f"| {DATABASE_LABELS[run.database]} | {run.rows:,} rows"
                    f"{f' × {run.columns} columns (largest accepted)' if run.largest else ''}, {run.fmt.upper()} | "
                    f"{run.base_mb:.0f} MB | {run.read_seconds:.1f} s, {run.read_peak_mb:.0f} MB | "
                    f"{step.name} | {step.seconds:.1f} s | {step.peak_mb:.0f} MB | {step.progress_writes} times | {created} | "
                    f"{step.error_rows} |"
                )
        for kind in dict.fromkeys(run.database for run in runs):
            growth = imports.per_thousand_mb(runs, kind)
            own = ", ".join(
                f"{run.own_mb:.0f} MB at {run.rows:,} {run.fmt.upper()} rows" for run in runs if run.database == kind and not run.largest
            )
            if growth is not None:
                lines.append("")
                lines.append(
                    f"{DATABASE_LABELS[kind]}: the import's own memory (peak above \"before\") was {own}: "
                    f"{growth:.1f} MB more per 1,000 more rows."
                )
    lines += render_issues(results)
    if results.get("picker"):
        lines += ["", *enter.render(results["picker"], results["entries"])]
    lines += ["", "## Where the time goes", "", *FINDINGS]
    lines += [
        "",
        "## Method",
        "",
        "The pages are requested in-process through Flask's test client (no network, no server), signed in as an "
        "organizer, in the production configuration with rate limits off; the time is the whole request, from the "
        "session cookie to the rendered page. The festival is written with bulk inserts (bench/festival.py); on "
        "PostgreSQL the planner's statistics are gathered first (ANALYZE), as autovacuum does within a minute of an "
        "import this size. The SQL statements of each page are counted with a listener on the engine, on that "
        f"festival and on one {SMALL_SHARE} times smaller: a page whose count grew with the festival would read "
        "its rows one by one. The imports (bench/imports.py) generate the demo season's files from a seed "
        f"(the generator behind `flask --app mfo festival demo`), then take the entries file through the service layer "
        "the pages and the command line share: upload, the preview job (the plan kept on the batch, with progress "
        "written every few hundred rows, which the page shows), the confirmation job with the rows that have an "
        "error left out. Each run is a process of its own (`python -m bench.imports`), so that its memory is its "
        "own; the peak is the kernel's high-water mark (VmHWM), reset before each step. Memory is bounded when the "
        f"process stays under {imports.PEAK_TARGET_MB:.0f} MB at {imports.TARGET_ROWS:,} rows and grows by less than "
        f"{imports.PER_THOUSAND_TARGET_MB:.0f} MB per 1,000 more rows (the file, its rows, the plan and the "
        "records it matches are held while it is checked).",
        "",
        "Run it again with `make bench-festival` (`make bench` runs it after the admin benchmark). Options: "
        "`python -m bench.festival --entries 10000 --runs 15 --database both [--no-imports]`; "
        "`python -m bench.imports --database sqlite` measures the imports alone; `--render RESULTS` writes this "
        "page again from the results an earlier run saved.",
        "",
    ]
    return "\n".join(lines)


# --- The exports -----------------------------------------------------------------------------------------------------

# Every row of the two largest reports, in both formats: an export reads the whole festival, so its time grows with it.
EXPORTS = ("/reports/performers.csv", "/reports/performers.xlsx", "/reports/entries.csv", "/reports/entries.xlsx")
EXPORT_TARGET_MS = 1500.0
EXPORT_RUNS = 5  # timed requests per export (after two warm-ups): each takes about a second
# Before the fix (commit a0e1d88: the exported ids read with IN (SELECT ...), a typed cell object for every XLSX value),
# measured the same way at 10,000 entries on 2026-12-07 14:45 UTC, the load average between 6 and 11 (other work on the
# machine): medians of 5 runs. On a quiet machine the issue that found them measured 10.9 s, 12.6 s, 1.3 s and 3.3 s on SQLite.
EXPORTS_BEFORE_MS = {
    "sqlite": {
        "/reports/performers.csv": 11274.8,
        "/reports/performers.xlsx": 23196.2,
        "/reports/entries.csv": 2497.5,
        "/reports/entries.xlsx": 6957.7,
    },
    "postgresql": {
        "/reports/performers.csv": 713.5,
        "/reports/performers.xlsx": 2300.2,
        "/reports/entries.csv": 2657.1,
        "/reports/entries.xlsx": 3741.5,
    },
}
EXPORT_FINDINGS = [
    "- **The performers export grew faster than its rows**: its list cells (each performer's classes) were read "
    "with `person_id IN (SELECT the ids of every exported row)`. SQLite keeps no planner statistics unless ANALYZE "
    "is run, and without them it guessed that a festival has a few entries, so it looped over the festival's "
    "entries and probed the whole list of ids for each one: 10,000 entries × 5,928 performers, about 5 s of the "
    "export at 10,000 entries (cProfile: all of it in `sqlite3.Cursor.execute` under `classes_by_owner`). The "
    "page, 50 ids, paid the same on a smaller scale. Every report's list cells now join the exported ids "
    "(`mfo.reports.framework.among`): they are read once and each finds its rows through the owner's index. "
    "PostgreSQL, with statistics, planned both forms alike.",
    "- **A workbook costs its writing**: openpyxl writes every cell through its pure-Python XML writer (lxml is not "
    "installed; openpyxl uses it when it is). The export already used openpyxl's write-only mode; it made a cell "
    "object for every value, with its type or number format set on it. It now gives openpyxl plain values where "
    "neither is needed (text that cannot read as a formula, whole numbers) and chooses each column's converter "
    "once: for 10,000 rows of 16 columns, 1.47 s of CPU with a cell object per value, 1.14 s with plain values, "
    "0.92 s for plain values alone without any converting (openpyxl's own floor here), 1.18 s in openpyxl's normal "
    "(not write-only) mode (best of 3, a synthetic sheet of the entries report's shape). XlsxWriter's "
    "constant-memory mode was not measured: it is not installed, and adding a package to the project is a "
    "decision of its own.",
    "- **Left**: the entries workbook (10,000 rows of 16 columns, 160,000 cells) still takes about 1.9 s of CPU on "
    "this machine, most of it in openpyxl's XML writer, so it misses 1.5 s here; the CSV of the same rows takes "
    "0.7 s. Meeting it needs a faster writer, openpyxl with lxml (its compiled serialiser) or XlsxWriter: packages "
    "the project does not have yet. On a quiet machine the issue that set the targets measured 10.9 s, 12.6 s, "
    "1.3 s and 3.3 s for these four exports on SQLite (a development server rather than the test client).",
]


def measure_exports(app, runs: int, log=print) -> list[dict]:
    """Time every export (at most EXPORT_RUNS times each, after two warm-ups) and count its SQL statements."""
    log(f"  {'export':<26} {'status':>6} {'median':>10} {'p90':>10} {'fastest':>10} {'queries':>8}")
    timings = []
    for path in EXPORTS:
        timing = measure_export(app, path, min(runs, EXPORT_RUNS))
        timings.append(timing)
        log(
            f"  {timing['path']:<26} {timing['status']:>6} {timing['median_ms']:>8.1f}ms {timing['p90_ms']:>8.1f}ms "
            f"{timing['min_ms']:>8.1f}ms {timing['queries']:>8}  CPU {timing['cpu_median_ms']:.1f}ms"
        )
    return timings


def measure_export(app, path: str, runs: int) -> dict:
    """Request the export `runs` times after two warm-ups; return its wall times, its CPU time and its statements.

    The CPU time is this process's (the app's Python, and SQLite's work, which runs inside it; not
    PostgreSQL's server): other work on a busy machine stretches the wall time far more than it.
    """
    client = app.test_client()
    sign_in(client)
    url = f"/festivals/{SLUG}{path}"
    for _ in range(2):
        client.get(url)
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls.sort()
    p90 = walls[min(len(walls) - 1, round(0.9 * (len(walls) - 1)))]
    timing = Timing(path, response.status_code, statistics.median(walls), p90, walls[0], count_statements(app, client, url))
    return {**asdict(timing), "cpu_median_ms": statistics.median(cpus)}


def export_statements(app) -> dict[str, int]:
    """Return how many SQL statements each export runs (after a warm-up request)."""
    client = app.test_client()
    sign_in(client)
    found = {}
    for path in EXPORTS:
        url = f"/festivals/{SLUG}{path}"
        client.get(url)
        found[path] = count_statements(app, client, url)
    return found


def export_targets(kind: str, measured: dict) -> list[tuple[str, str, str, bool]]:
    """Return the exports' targets on one database: each under EXPORT_TARGET_MS, as many statements at both sizes."""
    exports = measured.get("exports", [])
    if not exports:
        return []
    entries = measured["counts"]["entries"]
    found = [
        (
            kind,
            f"`{t['path']}` export, {entries:,} entries: median < {EXPORT_TARGET_MS / 1000:.1f} s",
            f"{t['median_ms'] / 1000:.2f} s (CPU {t['cpu_median_ms'] / 1000:.2f} s)",
            t["median_ms"] < EXPORT_TARGET_MS and t["status"] == 200,
        )
        for t in exports
    ]
    small = measured.get("small_export_queries", {})
    differ = [f"{t['path']} {small.get(t['path'])} -> {t['queries']}" for t in exports if small.get(t["path"]) != t["queries"]]
    found.append(
        (
            kind,
            f"every export runs as many SQL statements for {measured.get('small_entries', 0):,} as for {entries:,} entries",
            f"{len(exports) - len(differ)} of {len(exports)} exports" + (f" ({'; '.join(differ)})" if differ else ""),
            not differ,
        )
    )
    return found


def render_exports(results: dict) -> list[str]:
    """Return the exports' section of the report: each export on each database, against its time before the fix."""
    measured = {kind: m for kind, m in results["reports"].items() if m.get("exports")}
    if not measured:
        return []
    lines = [
        "",
        "## Exports",
        "",
        "Every row of the performers and entries reports, as CSV and XLSX, signed in as an organizer (the personal "
        f"columns included); each requested {min(results['runs'], EXPORT_RUNS)} times after two warm-ups. \"CPU\" is "
        "the median CPU time of the process serving it (the app, and SQLite inside it; not PostgreSQL's server), "
        "which other work on the machine stretches far less than the wall time. \"Before\" is the same export's "
        "median before the fix (commit a0e1d88), measured the same way on the same machine under a similar load; "
        "the ratio is before / now.",
        "",
        "| database | export | status | median | p90 | fastest | CPU | before | ratio | SQL statements | on the smaller festival |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, m in measured.items():
        small = m.get("small_export_queries", {})
        for t in m["exports"]:
            before = EXPORTS_BEFORE_MS.get(kind, {}).get(t["path"])
            ratio = f"{before / t['median_ms']:.1f}×" if before and t["median_ms"] else ""
            lines.append(
                f"| {DATABASE_LABELS[kind]} | `{t['path']}` | {t['status']} | {t['median_ms'] / 1000:.2f} s | "
                f"{t['p90_ms'] / 1000:.2f} s | {t['min_ms'] / 1000:.2f} s | {t['cpu_median_ms'] / 1000:.2f} s | "
                f"{f'{before / 1000:.2f} s' if before else ''} | "
                f"{ratio} | {t['queries']} | {small.get(t['path'], '')} |"
            )
    return [*lines, "", *EXPORT_FINDINGS]


if __name__ == "__main__":
    sys.exit(main())
