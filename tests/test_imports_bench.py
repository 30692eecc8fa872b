"""bench.imports and the festival benchmark's report: the import it measures is the real one, and missed targets say NO."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import func, select

from bench import festival as festival_bench
from bench.imports import (
    TARGET_ROWS,
    Run,
    Step,
    describe,
    from_data,
    largest_runs,
    measure_import,
    peak_mb,
    per_thousand_mb,
    reset_peak,
    resident_mb,
    targets,
    write_files,
)
from mfo.database import db
from mfo.entries.models import Entry
from mfo.imports.models import ImportBatch


def test_the_measured_import_goes_through_the_jobs_and_importing_again_changes_nothing(app, tmp_path):
    """150 demo rows: previewed and confirmed by the pages' jobs with the planted errors left out; the second import matches all."""
    files = write_files(tmp_path, 150)
    run = measure_import("sqlite", 150, "csv", files)
    batches = db.session.scalars(select(ImportBatch).where(ImportBatch.kind == "entries").order_by(ImportBatch.id)).all()
    entries = db.session.scalar(select(func.count(Entry.id)))
    assert [step.name for step in run.steps] == ["preview", "confirm", "re-import preview", "re-import confirm"]
    preview, confirm, again, again_confirm = run.steps
    assert (preview.status, confirm.status, again_confirm.status) == ("previewed", "applied", "applied")
    # The demo plants an unknown class, a bad date and a bad duration: those rows are left out, the rest applied.
    assert preview.error_rows == confirm.error_rows == 3
    assert confirm.created["entry"] == entries == run.records["entry"] > 100
    assert [batch.status for batch in batches] == ["applied", "applied"]
    assert batches[0].excluded_rows == batches[1].excluded_rows and len(batches[0].excluded_rows) == 3
    assert again.created == again.changed == again_confirm.created == again_confirm.changed == {}
    assert run.unchanged
    # Progress is written while the rows are checked (the page's progress bar reads it).
    assert preview.progress_writes >= 1 and confirm.progress_writes >= 1
    assert all(step.seconds > 0 and step.peak_mb >= run.base_mb * 0.5 for step in run.steps)


def test_the_largest_file_accepted_is_read_and_previewed_with_its_peak_memory(app, tmp_path):
    """At the limits exactly (40 rows, 30 columns here): accepted, read and previewed, the reading's peak memory kept."""
    from mfo.imports.tabular import read_table

    files = write_files(tmp_path, 40, columns=30)
    table = read_table(files["xlsx"].read_bytes(), files["xlsx"].name)
    assert (len(table), len(table.headers)) == (40, 30)
    assert all(row.values[-1] for row in table)  # the columns added are filled
    run = measure_import("sqlite", 40, "xlsx", files, columns=30)
    assert (app.config["MFO_IMPORT_MAX_ROWS"], app.config["MFO_IMPORT_MAX_COLUMNS"]) == (40, 30)
    assert run.largest and [step.name for step in run.steps] == ["preview"]
    assert run.steps[0].status == "previewed"
    assert run.read_peak_mb >= run.base_mb * 0.5 and run.read_seconds > 0
    assert db.session.scalar(select(func.count(Entry.id))) == 0  # previewed, never confirmed
    assert "the largest accepted" in describe(run) and f"peak {run.read_peak_mb:.0f} MB" in describe(run)


def test_the_largest_runs_follow_the_settings_defaults():
    """By default, the largest file accepted is 20,000 rows of 100 columns, as CSV and as a workbook."""
    assert largest_runs() == ((20_000, "csv", 100), (20_000, "xlsx", 100))
    assert largest_runs(300, 100) == ((300, "csv", 100), (300, "xlsx", 100))


def test_the_xlsx_file_holds_the_same_rows_as_the_csv(app, tmp_path):
    """The workbook the benchmark writes reads back as the same table as its CSV."""
    from mfo.imports.tabular import read_table

    files = write_files(tmp_path, 60)
    as_csv = read_table(files["csv"].read_bytes(), files["csv"].name)
    as_xlsx = read_table(files["xlsx"].read_bytes(), files["xlsx"].name)
    assert as_xlsx.headers == as_csv.headers
    assert [row.values for row in as_xlsx] == [row.values for row in as_csv]


def test_peak_memory_is_reset_before_a_step():
    """The high-water mark follows a large allocation, and falls back to what the process holds once reset."""
    reset_peak()
    block = bytearray(64 * 1024 * 1024)
    block[:: 4096] = b"x" * len(block[:: 4096])
    high = peak_mb()
    del block
    reset_peak()
    assert high - peak_mb() > 48
    assert abs(peak_mb() - resident_mb()) < 16


def run(rows: int, preview: float = 2.0, confirm: float = 3.0, own: float = 50.0, unchanged: bool = True, fmt: str = "csv") -> Run:
    """Return a run with the given times, memory above a 100 MB base, and re-import outcome."""
    steps = [
        Step("preview", preview, 100 + own),
        Step("confirm", confirm, 100 + own),
        Step("re-import preview", 1.0, 100 + own, created={} if unchanged else {"entry": 1}),
        Step("re-import confirm", 1.0, 100 + own),
    ]
    return Run("sqlite", rows, fmt, 100.0, steps, unchanged)


def verdicts(runs: list[Run]) -> dict[str, bool]:
    """Return each import target's name and whether it is met."""
    return {name: met for _database, name, _value, met in targets(runs)}


def test_import_targets_are_met_only_within_their_bounds():
    """Under 20 s each and a bounded memory: met; a slow confirmation, a memory that grows with the file, a re-import that writes: NO."""
    good = verdicts([run(1000, own=20.0), run(TARGET_ROWS, own=60.0)])
    assert good and all(good.values()), good
    slow = verdicts([run(1000), run(TARGET_ROWS, confirm=21.0)])
    assert [name for name, met in slow.items() if not met] == ["5,000 rows (CSV): confirm < 20 s"]
    growing = verdicts([run(1000, own=20.0), run(TARGET_ROWS, own=420.0)])
    assert not growing["memory per 1,000 more rows < 40 MB"] and not growing["5,000 rows (CSV): peak memory < 512 MB"]
    assert not verdicts([run(1000), run(TARGET_ROWS, unchanged=False)])["5,000 rows (CSV): importing again changes nothing"]
    assert per_thousand_mb([run(1000, own=20.0), run(5000, own=60.0)], "sqlite") == 10.0
    # The largest file accepted is previewed only: it has no confirmation to hold to a target, nor a growth to compare.
    largest = Run("sqlite", 20_000, "csv", 100.0, [Step("preview", 60.0, 900.0)], True, columns=100)
    assert verdicts([run(1000, own=20.0), run(TARGET_ROWS, own=60.0), largest]) == good
    assert per_thousand_mb([run(1000, own=20.0), run(5000, own=60.0), largest], "sqlite") == 10.0


def results(classes_ms: float = 40.0, small_entries_queries: int = 9) -> dict:
    """Return the results of a benchmark run, as bench.festival keeps them."""
    timings = [
        asdict(festival_bench.Timing(path, 200, classes_ms if path == festival_bench.REPORT_PAGE else 30.0, 50.0, 20.0, 9))
        for path in festival_bench.PAGES
    ]
    small = {path: 9 for path in festival_bench.PAGES}
    small["/entries/"] = small_entries_queries
    return {
        "measured_at": "2026-11-27 18:00",
        "command": "make bench-festival",
        "cores": 2,
        "load_before": 1.0,
        "load_after": 2.0,
        "minutes": 9.5,
        "entries": 10_000,
        "runs": 15,
        "reports": {"postgresql": {"counts": {"entries": 10_000}, "build_seconds": 3.0, "timings": timings,
                                   "small_entries": 1000, "small_queries": small}},
        "imports": [
            asdict(run(1000, own=20.0)),
            asdict(run(TARGET_ROWS, own=60.0)),
            asdict(Run("sqlite", 20_000, "xlsx", 100.0, [Step("preview", 60.0, 700.0)], True, read_peak_mb=450.0, columns=100)),
        ],
    }


def test_the_report_lists_every_target_met():
    """A run within every target: a yes on every row, the machine, the pages, the imports and the method."""
    text = festival_bench.render(results())
    assert "| NO |" not in text
    assert "| PostgreSQL | classes report, 10,000 entries: median < 300 ms | 40 ms | yes |" in text
    assert "| PostgreSQL | every page runs as many SQL statements for 1,000 as for 10,000 entries |" in text
    assert "| SQLite | 5,000 rows (CSV): preview < 20 s | 2.0 s | yes |" in text
    assert "(2 cores)" in text and "load average was 1.0" in text and "## Method" in text
    assert all(f"| `{path}` | 200 |" in text for path in festival_bench.PAGES)
    assert "| SQLite | 20,000 rows × 100 columns (largest accepted), XLSX | 100 MB | 0.0 s, 450 MB | preview | 60.0 s | 700 MB |" in text


def test_the_report_says_no_for_a_slow_report_or_a_page_whose_queries_grow():
    """The classes report at 400 ms, or the entries list running more statements on the larger festival: NO, and the page named."""
    slow = festival_bench.render(results(classes_ms=400.0))
    assert "| PostgreSQL | classes report, 10,000 entries: median < 300 ms | 400 ms | NO |" in slow
    growing = festival_bench.render(results(small_entries_queries=7))
    row = next(line for line in growing.splitlines() if "as many SQL statements" in line)
    assert row.endswith("| NO |") and "/entries/ 7 -> 9" in row


def test_a_run_survives_its_trip_through_json():
    """A child process prints its run as JSON; the parent reads back the same run."""
    import json

    original = run(5000, preview=3.5)
    assert from_data(json.loads(json.dumps(asdict(original)))) == original


def test_the_report_can_be_written_again_from_saved_results(tmp_path):
    """--render writes the page from a results file, and exits 1 when the saved run missed a target."""
    import json

    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results()))
    out = tmp_path / "report.md"
    assert festival_bench.main(["--render", str(saved), "--out", str(out)]) == 0
    assert out.read_text() == festival_bench.render(results())
    saved.write_text(json.dumps(results(classes_ms=400.0)))
    assert festival_bench.main(["--render", str(saved), "--out", str(out)]) == 1
    assert "| 400 ms | NO |" in out.read_text()
