"""`python -m bench.festival`: how fast the festival's reports render for a festival of 10,000 entries.

A festival of --entries entries (default 10,000: about 200 classes, 7,000 people, groups, teachers,
accompanists, schools and pieces) is written with bulk inserts into a throw-away SQLite file and a
throw-away PostgreSQL database (when a server answers on 127.0.0.1:5432), both made by the
migrations; PostgreSQL then gathers its statistics (ANALYZE), as autovacuum does soon after an
import. Each page is then requested in-process with Flask's test client, signed in as an
organizer (who sees the personal columns, the heaviest case), --runs times after a warm-up; the
median, the 90th percentile, the fastest run and the number of SQL statements are printed. The
target: the classes report under 300 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "festival-Bench-2026"
EMAIL = "organizer@bench.example"
SLUG = "bench-festival"
TARGET_MS = 300.0
PAGES = (
    "/reports/classes",
    "/reports/entries",
    "/reports/performers",
    "/dashboard",
    "/reports/classes.csv",
    "/reports/entries.xlsx",
)
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


def build_festival(entries: int, seed: int = 1) -> dict[str, int]:
    """Write a festival of `entries` entries with bulk inserts (inside an app context); return the row counts."""
    from flask_security.utils import naive_utcnow
    from sqlalchemy import insert

    from mfo.database import db
    from mfo.entries.models import Entry, EntryPerformer, EntryPiece
    from mfo.festival.models import Festival
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
    class_count = max(4, min(200, scale * 4))
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
    db.session.commit()
    return {
        "classes": len(classes),
        "people": len(people),
        "groups": len(groups),
        "pieces": len(pieces),
        "entries": len(entry_rows),
        "performances": len(entry_performers),
        "entry pieces": len(entry_pieces),
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
        }
    )
    from mfo import create_app

    return create_app()


def prepare(app, entries: int, seed: int) -> tuple[dict[str, int], float]:
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
        counts = build_festival(entries, seed)
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


def measure(app, path: str, runs: int) -> Timing:
    """Request the page `runs` times after two warm-up requests; return its timing and SQL statement count."""
    from sqlalchemy import event

    from mfo.database import db

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
    times.sort()
    p90 = times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]
    return Timing(path, response.status_code, statistics.median(times), p90, times[0], len(statements))


def main(argv: list[str] | None = None) -> int:
    """Build the festival in each database, time the report pages and print the results; 1 if the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page (after two warm-ups)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)

    missed = False
    with databases(args.database) as targets:
        for name, url in targets:
            app = make_app(url)
            counts, seconds = prepare(app, args.entries, args.seed)
            listed = ", ".join(f"{value:,} {key}" for key, value in counts.items())
            print(f"\n{name}: {listed}; built in {seconds:.1f} s")
            print(f"  {'page':<24} {'status':>6} {'median':>10} {'p90':>10} {'fastest':>10} {'queries':>8}")
            for path in PAGES:
                timing = measure(app, path, args.runs)
                flag = ""
                if path == "/reports/classes":
                    flag = "  (target < 300 ms: met)" if timing.median_ms < TARGET_MS else "  (target < 300 ms: MISSED)"
                    missed = missed or timing.median_ms >= TARGET_MS or timing.status != 200
                print(
                    f"  {timing.path:<24} {timing.status:>6} {timing.median_ms:>8.1f}ms {timing.p90_ms:>8.1f}ms "
                    f"{timing.min_ms:>8.1f}ms {timing.queries:>8}{flag}"
                )
            with app.app_context():
                from mfo.database import db

                db.engine.dispose()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
