"""The benchmarks the README names, each run end to end at a tiny size, so a refactor cannot silently break one.

`make bench-festival` and `make soak` run here as their own processes, with a few entries or
users and a second or two of load, on SQLite (on PostgreSQL too under MFO_TEST_DATABASE=postgresql;
the soak never restarts the server here). `make bench-schedule` has its own smoke run in
tests/test_schedule_bench.py. `make bench` drives gunicorn with wrk beside a Django peer in an
environment of its own; its smoke run needs both there (`make bench` installs them) and says so
when it skips. No timing is asserted: only that each run finishes and writes its report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import PEER_VENV

REPO = Path(__file__).resolve().parent.parent
# Past this a smoke run is stuck rather than slow (each takes seconds).
TIMEOUT = 300


def database() -> str:
    """Return the database the smoke runs use: the suite's own choice."""
    return "postgresql" if os.environ.get("MFO_TEST_DATABASE") == "postgresql" else "sqlite"


def run(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m <args>` from the repository, as make does."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT)


@pytest.mark.slow
def test_bench_festival_measures_the_pages_and_the_exports_and_writes_its_report(tmp_path):
    """`make bench-festival` at 60 entries, one run per page: every page and export answers, the report has its tables."""
    out, results = tmp_path / "festival.md", tmp_path / "results.json"
    kind = database()
    done = run(
        "bench.festival", "--entries", "60", "--runs", "1", "--database", kind, "--no-imports",
        "--out", str(out), "--results", str(results),
    )  # fmt: skip
    # 1: a target missed, which a festival this small on a busy machine may do; the report is still whole.
    assert done.returncode in (0, 1), done.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]
    assert f"## Pages, {label}" in report and "## Exports" in report
    for export in ("performers.csv", "performers.xlsx", "entries.csv", "entries.xlsx"):
        assert f"| {label} | `/reports/{export}` | 200 |" in report, export
    # The class picker of online entries: judged over 600 classes, some of them offered to the bench's child.
    assert "## The class picker of online entries" in report
    picker = [line for line in report.splitlines() if line.startswith(f"| {kind} | (every class) |")]
    assert len(picker) == 1 and int(picker[0].split("|")[-2]) > 0, picker
    same = [line for line in report.splitlines() if "every export runs as many SQL statements" in line]
    assert len(same) == 1 and same[0].endswith("| 4 of 4 exports | yes |"), same


@pytest.mark.slow
def test_soak_runs_its_load_and_checks_every_edit_and_the_audit_chain(tmp_path):
    """`make soak` for two seconds with five users: no 5xx, every acknowledged edit kept, the audit chain intact."""
    out = tmp_path / "soak.md"
    done = run("bench.soak", "--database", database(), "--seconds", "2", "--users", "5", "--no-restart", "--out", str(out))
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    report = out.read_text(encoding="utf-8")
    assert "- 5xx responses: 0" in report and "missing from the database afterwards: 0" in report
    assert "chain intact" in report and "Result: all checks passed" in report


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed (`make bench` installs it with apt-get)")
@pytest.mark.skipif(
    not (PEER_VENV / "bin" / "python").exists(), reason="the Django peer's environment is not made (`make bench` makes it)"
)
def test_bench_drives_mfo_and_the_django_peer_and_writes_its_report(tmp_path):
    """`make bench` with 10 users, one connection and one second per row: every scenario measured, the report written."""
    out, results = tmp_path / "performance.md", tmp_path / "results.json"
    done = run(
        "bench.run", "--databases", database(), "--sizes", "10", "--seconds", "1", "--warm-up", "0",
        "--connections", "1", "--out", str(out), "--results", str(results),
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: a target missed, as one-second runs may
    assert "bare Flask hello" in done.stdout and out.read_text(encoding="utf-8").startswith("#")
