"""`python -m bench.imports`: how long and in how much memory an entries file is previewed and confirmed.

The demo generator writes a season from a seed: its syllabus, and an entries file of --rows rows
(CSV, and the same rows as an Excel workbook), with a few planted errors and warnings as real files
have. Each run starts a process of its own on a throw-away database made by the migrations (a SQLite
file, or a PostgreSQL database on 127.0.0.1), imports the syllabus, then takes the entries file down
the pages' path, the background job's code run in the foreground: upload, preview (the plan kept on
the batch, progress written as it goes), confirm with the rows that have an error left out (what
the organizer ticks). The same file is then imported again the same way, which must change
nothing. Each step's wall time is timed and its peak resident memory read from the kernel (the
process's high-water mark, reset before the step).

The largest file an import accepts (MFO_IMPORT_MAX_ROWS rows, widened to MFO_IMPORT_MAX_COLUMNS
columns with columns the import does not use) is read and previewed the same way, as CSV and as a
workbook, to show what the limits let one upload cost: reading it alone, then the preview, each
with its peak memory. `--largest ROWS COLUMNS` measures only those runs, at that size.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 2026
FORMATS = ("csv", "xlsx")
# The runs of a full benchmark: rows and format. 1,000 and 5,000 CSV rows show how memory grows with
# the file; 5,000 XLSX rows add the cost of reading a workbook.
RUNS: tuple[tuple[int, str], ...] = ((1000, "csv"), (5000, "csv"), (5000, "xlsx"))
TARGET_ROWS = 5000
PREVIEW_TARGET_S = 20.0
CONFIRM_TARGET_S = 20.0
# The import's own memory (peak above the process before it) may grow by at most this much per 1,000
# rows, and the whole process must stay under PEAK_TARGET_MB at 5,000 rows.
PER_THOUSAND_TARGET_MB = 40.0
PEAK_TARGET_MB = 512.0
RUN_TIMEOUT_S = 900  # a run that takes longer is stopped (a 5,000-row run takes about a minute)
STEPS = ("preview", "confirm", "re-import preview", "re-import confirm")


def largest_runs(rows: int | None = None, columns: int | None = None) -> tuple[tuple[int, str, int], ...]:
    """Return the runs of the largest file accepted (rows, format, columns): the settings' defaults unless given."""
    from mfo.config import DefaultConfig

    rows = rows or DefaultConfig.MFO_IMPORT_MAX_ROWS
    columns = columns or DefaultConfig.MFO_IMPORT_MAX_COLUMNS
    return tuple((rows, fmt, columns) for fmt in FORMATS)


@dataclass
class Step:
    """One measured step: its wall time, the process's peak memory during it, and what it found."""

    name: str
    seconds: float
    peak_mb: float
    progress_writes: int = 0
    created: dict = field(default_factory=dict)
    changed: dict = field(default_factory=dict)
    error_rows: int = 0
    status: str = ""


@dataclass
class Run:
    """One file through the imports on one database: its size, the memory before, and each step."""

    database: str
    rows: int
    fmt: str
    base_mb: float
    steps: list[Step]
    unchanged: bool  # the re-import left every table as it found it
    records: dict = field(default_factory=dict)
    read_seconds: float = 0.0  # reading the file alone (a preview reads it twice: on upload and in the job)
    read_peak_mb: float = 0.0  # the process's peak memory while reading the file alone
    columns: int = 0  # the largest file accepted: widened to this many columns and only previewed; 0 for the demo's own

    @property
    def largest(self) -> bool:
        """Return whether this run is the largest file accepted (read and previewed only)."""
        return bool(self.columns)

    def step(self, name: str) -> Step:
        """Return the step of that name."""
        return next(step for step in self.steps if step.name == name)

    @property
    def own_mb(self) -> float:
        """Return the most memory the import took above the process before it (over every step)."""
        return max(step.peak_mb for step in self.steps) - self.base_mb

    @property
    def peak_mb(self) -> float:
        """Return the process's peak memory over every step."""
        return max(step.peak_mb for step in self.steps)


# --- Memory -------------------------------------------------------------------------------------------------------


def _status_mb(key: str) -> float:
    """Return a memory figure of this process (VmRSS, VmHWM) in MB, from the kernel."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE).group(1)) / 1024


def reset_peak() -> None:
    """Reset the process's resident-memory high-water mark to what it holds now (Linux 4.0 and later)."""
    Path("/proc/self/clear_refs").write_text("5")


def resident_mb() -> float:
    """Return the memory the process holds now, in MB."""
    return _status_mb("VmRSS")


def peak_mb() -> float:
    """Return the process's peak resident memory since the last reset, in MB."""
    return _status_mb("VmHWM")


# --- Files --------------------------------------------------------------------------------------------------------


def to_xlsx(headers: list[str], rows: list[dict[str, str]]) -> bytes:
    """Return rows as a workbook of one sheet, every value text as an organizer would type it."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("entries")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_names(folder: Path, rows: int, columns: int = 0) -> dict[str, Path]:
    """Return where write_files puts the syllabus and the entries files of `rows` rows (widened to `columns`)."""
    wide = f"x{columns}" if columns else ""
    return {
        "syllabus": folder / f"syllabus-{rows}.csv",
        "csv": folder / f"entries-{rows}{wide}.csv",
        "xlsx": folder / f"entries-{rows}{wide}.xlsx",
    }


def write_files(folder: Path, rows: int, seed: int = SEED, columns: int = 0) -> dict[str, Path]:
    """Generate the demo season of `rows` entries; write its syllabus (CSV) and entries (CSV and XLSX) in the folder.

    With `columns`, the entries files are widened to that many columns with columns the import does not use ("note 1",
    ...), every cell filled, and hold exactly `rows` rows: the largest file the limits accept.
    """
    from mfo.demo.generator import ENTRY_HEADERS, SYLLABUS_HEADERS, generate, rows_to_csv

    demo = generate(entries=rows, seed=seed)
    headers, entry_rows = list(ENTRY_HEADERS), demo.entry_rows
    if columns:
        extra = [f"note {n}" for n in range(1, columns - len(headers) + 1)]
        headers += extra
        # One character a cell: the file must stay under the size limit (10 MB) too, and 20,000 rows of 100 columns
        # leave about 5 bytes a cell, which the demo's own columns mostly take.
        entry_rows = [{**row, **dict.fromkeys(extra, "x")} for row in entry_rows[:rows]]
    files = file_names(folder, rows, columns)
    files["syllabus"].write_bytes(rows_to_csv(SYLLABUS_HEADERS, demo.syllabus_rows))
    files["csv"].write_bytes(rows_to_csv(headers, entry_rows))
    files["xlsx"].write_bytes(to_xlsx(headers, entry_rows))
    return files


# --- The steps, inside an app context -------------------------------------------------------------------------------


def empty_festival(seed: int = SEED):
    """Create the demo season's festival, without classes or entries (inside an app context, committed); return it."""
    from mfo.database import db
    from mfo.demo.generator import generate
    from mfo.demo.services import demo_festival as find_or_create

    festival, _created = find_or_create(generate(entries=0, seed=seed))
    db.session.commit()
    return festival


def record_counts() -> dict[str, int]:
    """Return how many records each festival table holds."""
    from sqlalchemy import func, select

    from mfo.database import db
    from mfo.entries.models import Entry, EntryPerformer, EntryPiece
    from mfo.people.models import Group, Person, School, group_member
    from mfo.syllabus.models import FestivalClass, Piece

    tables = {
        "class": FestivalClass.__table__,
        "entry": Entry.__table__,
        "entry performer": EntryPerformer.__table__,
        "entry piece": EntryPiece.__table__,
        "person": Person.__table__,
        "group": Group.__table__,
        "group member": group_member,
        "school": School.__table__,
        "piece": Piece.__table__,
    }
    return {name: db.session.scalar(select(func.count()).select_from(table)) for name, table in tables.items()}


def _progress_counter():
    """Return a list that grows by one for each progress write (an UPDATE of import_batch.progress), and a stop function."""
    from sqlalchemy import event

    from mfo.database import db

    writes: list[int] = []
    engine = db.engine

    def seen(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("UPDATE import_batch SET progress="):
            writes.append(1)

    event.listen(engine, "before_cursor_execute", seen)
    return writes, lambda: event.remove(engine, "before_cursor_execute", seen)


def run_job(batch_id: int, action: str, user_id: int | None) -> tuple[float, float, int]:
    """Claim a batch for a job and run it as the pages' background job does; return seconds, peak MB and progress writes."""
    from mfo.database import db
    from mfo.imports import jobs
    from mfo.imports.models import ImportBatch

    reset_peak()
    writes, stop = _progress_counter()
    started = time.perf_counter()
    try:
        batch = db.session.get(ImportBatch, batch_id)
        if not jobs.claim(batch, action):
            raise RuntimeError(f"import #{batch_id} could not be claimed for {action}")
        db.session.commit()
        jobs.work(batch_id, action, user_id)
    finally:
        stop()
    seconds = time.perf_counter() - started
    return seconds, peak_mb(), len(writes)


def import_steps(
    festival_id: int, data: bytes, filename: str, user_id: int | None, prefix: str = "", confirm: bool = True
) -> list[Step]:
    """Upload a file, preview it, and confirm it with its error rows left out; return the steps (inside an app context).

    Without `confirm`, the file is only uploaded and previewed (one step).
    """
    from mfo.database import db
    from mfo.festival.models import Festival
    from mfo.imports import services
    from mfo.imports.models import ImportBatch

    reset_peak()
    started = time.perf_counter()
    festival = db.session.get(Festival, festival_id)
    batch = services.upload(festival, "entries", filename, data, services.read_file(data, filename))
    db.session.commit()
    batch_id = batch.id
    upload_seconds = time.perf_counter() - started
    upload_peak = peak_mb()
    seconds, peak, writes = run_job(batch_id, "preview", user_id)
    batch = db.session.get(ImportBatch, batch_id)
    if batch.job_error or batch.status != "previewed":
        raise RuntimeError(f"the preview failed: {batch.status} {batch.job_error}")
    counts = batch.counts
    preview = Step(
        f"{prefix}preview",
        upload_seconds + seconds,
        max(upload_peak, peak),
        writes,
        counts["created"],
        counts["changed"],
        len(counts["error_rows"]),
        batch.status,
    )
    if not confirm:
        db.session.remove()
        return [preview]
    # What the organizer does on the preview page: leave out every row with an error.
    batch.excluded_rows = list(counts["error_rows"])
    db.session.commit()
    seconds, peak, writes = run_job(batch_id, "confirm", user_id)
    batch = db.session.get(ImportBatch, batch_id)
    if batch.job_error or batch.status != "applied":
        raise RuntimeError(f"the confirmation failed: {batch.status} {batch.job_error}")
    counts = batch.counts
    confirmed = Step(
        f"{prefix}confirm", seconds, peak, writes, counts["created"], counts["changed"], len(counts["error_rows"]), batch.status
    )
    db.session.remove()
    return [preview, confirmed]


def measure_import(
    database: str, rows: int, fmt: str, files: dict[str, Path], user_id: int | None = None, columns: int = 0
) -> Run:
    """Import the syllabus, then the entries file twice, measuring each step (inside an app context, on an empty festival).

    With `columns` (the largest file accepted), the entries file is read and previewed once, not confirmed.
    """
    from flask import current_app

    from mfo.database import db
    from mfo.festival.models import Festival
    from mfo.imports.services import import_file, read_file

    festival_id = empty_festival().id
    festival = db.session.get(Festival, festival_id)
    _batch, plan = import_file(festival, "syllabus", files["syllabus"].name, files["syllabus"].read_bytes(), from_cli=True)
    if not plan.can_apply:
        raise RuntimeError(f"the syllabus has errors in rows {plan.error_rows}")
    db.session.commit()
    data = files[fmt].read_bytes()
    db.session.remove()
    if columns:
        # The largest file accepted: the limits are its size (the defaults, or the smaller size asked for), set once
        # the syllabus is in (a small season's syllabus may have more rows than its entries file).
        current_app.config.update(MFO_IMPORT_MAX_ROWS=rows, MFO_IMPORT_MAX_COLUMNS=columns)
    reset_peak()
    started = time.perf_counter()
    read_file(data, files[fmt].name)
    read_seconds = time.perf_counter() - started
    read_peak = peak_mb()
    base = resident_mb()
    if columns:
        steps = import_steps(festival_id, data, files[fmt].name, user_id, confirm=False)
        return Run(database, rows, fmt, base, steps, True, record_counts(), read_seconds, read_peak, columns)
    steps = import_steps(festival_id, data, files[fmt].name, user_id)
    before = record_counts()
    steps += import_steps(festival_id, data, files[fmt].name, user_id, prefix="re-import ")
    after = record_counts()
    again = steps[2:]
    unchanged = before == after and not any(step.created or step.changed for step in again)
    return Run(database, rows, fmt, base, steps, unchanged, after, read_seconds, read_peak)


# --- One run in a process of its own ---------------------------------------------------------------------------------


def child(database: str, url: str, rows: int, fmt: str, folder: str, columns: int = 0) -> None:
    """Run one measure in this process (a fresh one): migrate, add an organizer, import, print the Run as JSON."""
    from flask_migrate import upgrade
    from flask_security.utils import hash_password, naive_utcnow

    from bench.festival import EMAIL, PASSWORD, make_app
    from mfo.database import db
    from mfo.database.models import user_datastore
    from mfo.security.commands import sync_roles

    app = make_app(url)
    files = file_names(Path(folder), rows, columns)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        sync_roles()
        user = user_datastore.create_user(email=EMAIL, password=hash_password(PASSWORD), roles=["organizer"], confirmed_at=naive_utcnow())
        db.session.commit()
        run = measure_import(database, rows, fmt, files, user.id, columns)
        db.engine.dispose()
    print(json.dumps(asdict(run)))


def from_data(data: dict) -> Run:
    """Rebuild a Run printed by a child process."""
    return Run(**{**data, "steps": [Step(**step) for step in data["steps"]]})


def measure(databases: str = "both", runs=RUNS, seed: int = SEED, log=print, largest=None) -> list[Run]:
    """Measure every run on every database asked for, each in a fresh process on a fresh database.

    `largest` lists the runs of the largest file accepted, (rows, format, columns): largest_runs() when None.
    """
    from bench.festival import databases as throw_away

    every = [(rows, fmt, 0) for rows, fmt in runs] + list(largest_runs() if largest is None else largest)
    results = []
    with tempfile.TemporaryDirectory(prefix="mfo-bench-imports-") as folder:
        for rows, columns in sorted({(rows, columns) for rows, _fmt, columns in every}):
            write_files(Path(folder), rows, seed, columns)
        kinds = ("sqlite", "postgresql") if databases == "both" else (databases,)
        for kind in kinds:
            for rows, fmt, columns in every:
                with throw_away(kind) as made:
                    for name, url in made:
                        command = [sys.executable, "-m", "bench.imports", "--child", name, url, str(rows), fmt, folder, str(columns)]
                        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
                        if done.returncode:
                            raise RuntimeError(f"the {name} run of {rows} {fmt} rows failed:\n{done.stderr[-4000:]}")
                        run = from_data(json.loads(done.stdout.strip().splitlines()[-1]))
                        results.append(run)
                        log(describe(run))
    return results


def describe(run: Run) -> str:
    """Return a run as a few lines of text."""
    size = f"{run.rows:,} rows of {run.columns} columns, the largest accepted" if run.largest else f"{run.rows:,} rows"
    lines = [
        f"{run.database}: {size} ({run.fmt}); the process held {run.base_mb:.0f} MB before the import; "
        f"reading the file alone takes {run.read_seconds:.1f} s, peak {run.read_peak_mb:.0f} MB"
    ]
    for step in run.steps:
        created = ", ".join(f"{count} {kind}" for kind, count in step.created.items()) or "nothing"
        lines.append(
            f"  {step.name:<18} {step.seconds:>6.1f} s  peak {step.peak_mb:>5.0f} MB  progress written {step.progress_writes:>3}x  "
            f"created {created}; {step.error_rows} error rows; {step.status}"
        )
    if not run.largest:
        lines.append(f"  re-import changed nothing: {'yes' if run.unchanged else 'NO'}")
    return "\n".join(lines)


# --- Targets --------------------------------------------------------------------------------------------------------


def per_thousand_mb(runs: list[Run], database: str) -> float | None:
    """Return how much the import's own memory grows per 1,000 more CSV rows on a database (None without two sizes)."""
    sized = sorted((run.rows, run.own_mb) for run in runs if run.database == database and run.fmt == "csv" and not run.largest)
    if len(sized) < 2 or sized[0][0] == sized[-1][0]:
        return None
    (small, small_mb), (large, large_mb) = sized[0], sized[-1]
    return max(0.0, (large_mb - small_mb) / (large - small) * 1000)


def targets(runs: list[Run]) -> list[tuple[str, str, str, bool]]:
    """Return (database, target, measured, met) for every target the imports' runs can be held to."""
    found = []
    for database in dict.fromkeys(run.database for run in runs):
        for run in (r for r in runs if r.database == database and r.rows == TARGET_ROWS and not r.largest):
            label = f"{run.rows:,} rows ({run.fmt.upper()})"
            for name, limit in (("preview", PREVIEW_TARGET_S), ("confirm", CONFIRM_TARGET_S)):
                step = run.step(name)
                found.append((database, f"{label}: {name} < {limit:.0f} s", f"{step.seconds:.1f} s", step.seconds < limit))
            found.append((database, f"{label}: peak memory < {PEAK_TARGET_MB:.0f} MB", f"{run.peak_mb:.0f} MB",
                          run.peak_mb < PEAK_TARGET_MB))
            found.append((database, f"{label}: importing again changes nothing", "nothing changed" if run.unchanged else "changed",
                          run.unchanged))
        growth = per_thousand_mb(runs, database)
        if growth is not None:
            found.append((database, f"memory per 1,000 more rows < {PER_THOUSAND_TARGET_MB:.0f} MB", f"{growth:.1f} MB",
                          growth < PER_THOUSAND_TARGET_MB))
    return found


def main(argv: list[str] | None = None) -> int:
    """Measure the imports and print the numbers; 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--largest", nargs=2, type=int, metavar=("ROWS", "COLUMNS"),
        help="measure only the largest file accepted, at this size (the limits' defaults: 20000 100)",
    )
    parser.add_argument("--child", nargs=6, metavar=("DATABASE", "URL", "ROWS", "FORMAT", "FOLDER", "COLUMNS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        database, url, rows, fmt, folder, columns = args.child
        child(database, url, int(rows), fmt, folder, int(columns))
        return 0
    if args.largest:
        measure(args.database, runs=(), seed=args.seed, largest=largest_runs(*args.largest))
        return 0
    runs = measure(args.database, seed=args.seed)
    missed = [target for target in targets(runs) if not target[3]]
    for database, name, value, _met in missed:
        print(f"missed on {database}: {name} ({value})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
