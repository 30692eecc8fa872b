"""The demo festival: generated from a seed, loaded through the imports, the same every time, with its planted problems."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.demo.generator import generate
from mfo.entries.models import Entry
from mfo.festival.models import Festival
from mfo.issues.festival import festival_issues
from mfo.syllabus.models import FestivalClass

SIZE = 1200  # the default demo; smaller ones plant fewer problems
SEED = 2026


def run_demo(app, *args: str):
    """Run `flask festival demo` with the given options."""
    return app.test_cli_runner().invoke(args=["festival", "demo", *args])


def count(model) -> int:
    """Return how many rows a table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_demo_is_a_real_looking_festival_with_its_planted_problems(app):
    """The command prints the slug last; the festival has its classes and entries, and the Issues page finds the plants."""
    result = run_demo(app, "--entries", str(SIZE), "--seed", str(SEED))
    assert result.exit_code == 0, result.output
    slug = result.output.strip().splitlines()[-1]
    festival = db.session.scalar(select(Festival).where(Festival.slug == slug))
    assert festival is not None and festival.is_current
    # Counts under each record's plural label, grouped: "entries: 1,197", never "1197 entry".
    assert re.search(r"entries: 1,\d{3}\b", result.output) and "people: " in result.output, result.output
    assert not re.search(r"\d (entry|person)\b", result.output), result.output
    assert count(FestivalClass) == len(generate(SIZE, SEED).syllabus_rows)
    demo = generate(SIZE, SEED)
    errors = {"unknown-class", "bad-date", "bad-duration"}
    left_out = sum(1 for code, _row in demo.planted if code in errors)
    assert count(Entry) >= SIZE - left_out - 1  # an identical planted duplicate row is the same entry
    planted_warnings = {code for code, _row in demo.planted} - errors
    assert planted_warnings and planted_warnings <= {issue.code for issue in festival_issues(festival)}
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "demo-loaded")) == "demo-loaded"


def test_the_same_seed_gives_the_same_festival_and_loading_again_changes_nothing(app):
    """A second run finds the festival and matches every class and entry."""
    assert run_demo(app, "--entries", "120", "--seed", str(SEED)).exit_code == 0
    before = (count(Festival), count(FestivalClass), count(Entry))
    again = run_demo(app, "--entries", "120", "--seed", str(SEED))
    assert again.exit_code == 0 and "Found the demo festival" in again.output and "created nothing new" in again.output
    assert (count(Festival), count(FestivalClass), count(Entry)) == before


def test_if_empty_leaves_a_database_with_a_festival_alone(app):
    """make run loads the demo only when there is no festival at all."""
    assert run_demo(app, "--entries", "40", "--if-empty").exit_code == 0
    entries = count(Entry)
    result = run_demo(app, "--entries", "40", "--seed", "99", "--if-empty")
    assert result.exit_code == 0 and "not loaded" in result.output
    assert count(Entry) == entries and count(Festival) == 1
