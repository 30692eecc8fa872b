"""bench.schedule: the greedy baseline, and `--quick` runs end to end so a refactor cannot silently break `make bench-schedule`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.schedule import greedy_baseline
from bench.schedule_instances import make_problem
from mfo.schedule.conflicts import check

REPO = Path(__file__).resolve().parent.parent


def test_the_greedy_baseline_places_every_class_in_a_session_of_its_discipline_and_leaves_conflicts_to_the_checker():
    """Every class is placed, in a session of its discipline (with a piano when needed); people are not looked at, so errors remain."""
    problem = make_problem(600, 2, 1, seed=1)
    schedule = greedy_baseline(problem)
    assert set(schedule.placements) == set(problem.units)
    for key, placement in schedule.placements.items():
        session, unit = problem.sessions[placement.session_id], problem.units[key]
        assert session.discipline_id in (None, unit.discipline_id)
        assert problem.venues[session.venue_id].has_piano or not unit.needs_piano
    assert any(conflict.severity == "error" for conflict in check(problem, schedule))


@pytest.mark.slow
def test_the_quick_benchmark_measures_both_methods_on_both_festivals_and_writes_its_report(tmp_path):
    """`python -m bench.schedule --quick` builds the demo in SQLite, solves both festivals, times a move and writes every table."""
    out = tmp_path / "report.md"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "bench.schedule", "--quick", "--databases", "sqlite", "--out", str(out)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stderr[-2000:]  # 1: a target missed (tiny festivals cannot beat the greedy's days)
    report = out.read_text(encoding="utf-8")
    assert "| demo festival: 0 errors in under 60 s | 0 errors;" in report
    assert "| made-up festival: 0 errors in under 120 s | 0 errors;" in report
    assert "| sqlite |" in report and "One move re-checked" in report
    rows = [line for line in report.splitlines() if line.startswith(("| demo, ", "| made-up, "))]
    assert len(rows) == 4 and sum("| greedy |" in row for row in rows) == 2
