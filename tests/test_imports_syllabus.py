"""Syllabus imports: classes created, matched and changed; disciplines, levels and set pieces; every bad cell."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mfo.database import db
from mfo.syllabus.models import Discipline, FestivalClass, Level, Piece
from tests.festival_helpers import make_festival
from tests.import_helpers import import_file, plan_file, run_cli, syllabus_class, syllabus_csv, table_counts

# Problems a syllabus row can have: the rows, the code expected and its row.
SYLLABUS_CASES = [
    ("duplicate-class", [syllabus_class(), syllabus_class(name="Again")], 3),
    ("duplicate-class", [syllabus_class(number="101A"), syllabus_class(suffix="a")], 3),
    ("missing-field", [syllabus_class(number="")], 2),
    ("missing-field", [syllabus_class(name="")], 2),
    ("bad-value", [syllabus_class(number="one")], 2),
    ("bad-value", [syllabus_class(suffix="AB")], 2),
    ("bad-value", [syllabus_class(type="solo-ish")], 2),
    ("bad-value", [syllabus_class(min_age="eight")], 2),
    ("bad-value", [syllabus_class(min_age="14", max_age="12")], 2),
    ("bad-value", [syllabus_class(fee="free")], 2),
    ("bad-value", [syllabus_class(accompanist_required="maybe")], 2),
    ("bad-value", [syllabus_class(set_pieces=" - Bach")], 2),
    ("bad-duration", [syllabus_class(time_limit="five minutes")], 2),
    ("bad-duration", [syllabus_class(adjudication_time="-2")], 2),
]
SYLLABUS_CODES = {code for code, _rows, _row in SYLLABUS_CASES}


@pytest.mark.parametrize(("code", "rows", "row"), SYLLABUS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(SYLLABUS_CASES)])
def test_each_problem_of_a_class_row_is_found(app, code, rows, row):
    """The row gets the code, as an error: it cannot be applied while it is left in."""
    festival = make_festival()
    db.session.commit()
    plan = plan_file(festival, "syllabus", syllabus_csv(rows))
    assert [(issue.row, issue.code) for issue in plan.issues] == [(row, code)]
    assert not plan.can_apply and plan.error_rows == [row]


def test_a_syllabus_creates_classes_disciplines_levels_and_set_pieces(app):
    """Every column lands in the class; disciplines, levels and pieces are created once each."""
    festival = make_festival()
    db.session.commit()
    rows = [
        syllabus_class(set_pieces="Minuet in G - Petzold; Musette in D - J.S. Bach"),
        syllabus_class(number="102", suffix="b", name="Piano Solo, Open", level="Open", min_age="", max_age="", type="Recital",
                       time_limit="", fee="$22,50", accompanist_required="yes", set_pieces="Minuet in G - Petzold"),
        syllabus_class(number="201", name="Strings", discipline="strings", level="junior", time_limit="4.5"),
    ]
    _batch, plan = import_file(festival, "syllabus", syllabus_csv(rows))
    assert plan.issues == []
    assert plan.counts()["created"] == {"class": 3, "discipline": 2, "level": 2, "piece": 2}
    first = db.session.scalars(select(FestivalClass).where(FestivalClass.number == "101")).one()
    assert (first.name, first.discipline.name, first.level.name) == ("Piano Solo, 12 and under", "Piano", "Junior")
    assert first.class_type == "solo"
    assert (first.min_age, first.max_age, first.fee, first.time_limit) == (8, 12, Decimal("15.00"), 300)
    assert (first.adjudication_time, first.changeover_time, first.accompanist_required) == (120, 30, False)
    assert [(sp.piece.title, sp.piece.composer) for sp in first.set_pieces] == [("Minuet in G", "Petzold"), ("Musette in D", "J.S. Bach")]
    second = db.session.scalars(select(FestivalClass).where(FestivalClass.number == "102")).one()
    assert (second.code, second.class_type, second.fee, second.time_limit, second.accompanist_required) == (
        "102B", "recital", Decimal("22.50"), None, True
    )
    third = db.session.scalars(select(FestivalClass).where(FestivalClass.number == "201")).one()
    assert third.level.name == "Junior" and third.discipline.name == "strings" and third.time_limit == 270
    assert db.session.scalar(select(func.count(Piece.id))) == 2
    assert db.session.scalars(select(Discipline.position).order_by(Discipline.position)).all() == [1, 2]


def test_importing_the_same_syllabus_again_changes_nothing(app):
    """Every class matched; nothing created, nothing changed."""
    festival = make_festival()
    db.session.commit()
    data = syllabus_csv([syllabus_class(set_pieces="Minuet in G - Petzold"), syllabus_class(number="102", level="Open")])
    import_file(festival, "syllabus", data)
    before = table_counts()
    plan = plan_file(festival, "syllabus", data)
    assert plan.created == {} and plan.changed == {}
    assert plan.matched == {"class": 2, "discipline": 1, "level": 2, "piece": 1}
    assert table_counts() == before


def test_a_class_described_otherwise_is_changed_with_its_values_before_kept(app):
    """A new fee and set piece change the class; the batch keeps what it was for the undo."""
    festival = make_festival()
    db.session.commit()
    import_file(festival, "syllabus", syllabus_csv([syllabus_class(set_pieces="Minuet in G - Petzold")]))
    batch, plan = import_file(festival, "syllabus", syllabus_csv([syllabus_class(fee="18", set_pieces="Arabesque - Burgmüller")]))
    assert plan.changed == {"class": 1} and plan.created == {"piece": 1}
    changed = db.session.scalars(select(FestivalClass)).one()
    assert changed.fee == Decimal("18.00") and [sp.piece.title for sp in changed.set_pieces] == ["Arabesque"]
    change = next(c for c in batch.changes if c.action == "changed")
    assert change.before["fee"] == "15.00" and len(change.before["set_pieces"]) == 1


def test_levels_and_disciplines_are_per_festival(app):
    """Another festival's discipline of the same name is not this one's: it is created."""
    other = make_festival("autumn-2026", name="Autumn")
    festival = make_festival()
    db.session.commit()
    import_file(other, "syllabus", syllabus_csv([syllabus_class()]))
    _batch, plan = import_file(festival, "syllabus", syllabus_csv([syllabus_class()]))
    assert plan.created == {"class": 1, "discipline": 1, "level": 1}
    assert db.session.scalar(select(func.count(Level.id))) == 2


def test_the_syllabus_command_prints_json(app, tmp_path):
    """`flask syllabus import --json`: counts and no issues for a clean file; exit 0."""
    make_festival()
    db.session.commit()
    result = run_cli(app, tmp_path, "syllabus", syllabus_csv([syllabus_class()]), "--festival", "spring-2027", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report == {
        "rows": 1,
        "created": {"class": 1, "discipline": 1, "level": 1},
        "matched": {},
        "changed": {},
        "excluded": [],
        "issues": [],
        "applied": True,
    }
    duplicate = run_cli(app, tmp_path, "syllabus", syllabus_csv([syllabus_class(number="7"), syllabus_class(number="7")]),
                        "--festival", "spring-2027", "--json")
    assert duplicate.exit_code == 1
    assert json.loads(duplicate.output)["issues"] == [
        {"row": 3, "code": "duplicate-class", "severity": "error", "message": "Class 7 is listed more than once (also on row 2)."}
    ]


def test_a_syllabus_sets_each_class_closing_time(app):
    """The closing_time column (m:ss or minutes) gives each class its closing time; blank is none, and a new value changes the class."""
    festival = make_festival()
    db.session.commit()
    rows = [syllabus_class(closing_time="4:00"), syllabus_class(number="102", closing_time="")]
    _batch, plan = import_file(festival, "syllabus", syllabus_csv(rows))
    assert plan.issues == []
    closing = dict(db.session.execute(select(FestivalClass.number, FestivalClass.closing_time)).all())
    assert closing == {"101": 240, "102": 0}
    again = plan_file(festival, "syllabus", syllabus_csv([syllabus_class(closing_time="5"), syllabus_class(number="102", closing_time="")]))
    assert again.counts()["changed"] == {"class": 1}


def test_zero_is_a_real_adjudication_change_over_and_closing_time_but_not_a_time_limit(app):
    """"0" in those three columns means none; a zero time limit is refused as too short, not as unreadable."""
    festival = make_festival()
    db.session.commit()
    rows = [syllabus_class(adjudication_time="0", changeover_time="0:00", closing_time="0")]
    _batch, plan = import_file(festival, "syllabus", syllabus_csv(rows))
    assert plan.issues == []
    imported = db.session.scalars(select(FestivalClass)).one()
    assert (imported.adjudication_time, imported.changeover_time, imported.closing_time) == (0, 0, 0)
    refused = plan_file(festival, "syllabus", syllabus_csv([syllabus_class(time_limit="0")]))
    assert [issue.code for issue in refused.issues] == ["bad-duration"]
    assert str(refused.issues[0].message).endswith("“0” must be longer than zero.")
    assert "is not a duration" not in str(refused.issues[0].message)
