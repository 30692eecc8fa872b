"""Entries imports: every issue code from a row, who is who (people, pieces, schools, groups), re-imports, the CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer
from mfo.imports.models import ImportBatch
from mfo.issues.codes import CODES, ERROR
from mfo.people.models import Group, Person, School
from mfo.syllabus.models import Piece
from tests.festival_helpers import make_entry, make_person
from tests.import_helpers import (
    entries_csv,
    entry,
    import_file,
    plan_file,
    run_cli,
    small_festival,
    table_counts,
)

# One case per issue code an entry row can raise: the rows of the file, the code expected and the row it is on.
# Row 2 is the first data row (row 1 holds the headers). Every other row of each case is clean.
ENTRY_CASES = [
    ("unknown-class", [entry(**{"class": "999"})], 2),
    ("unknown-class", [entry(**{"class": "not a class"})], 2),
    ("missing-field", [entry(performer_first_name="")], 2),
    ("missing-field", [entry(piece_1_title="", piece_1_composer="Petzold")], 2),
    ("missing-field", [entry(**{"class": ""})], 2),
    ("bad-date", [entry(performer_birth_date="31/02/2016")], 2),
    ("bad-duration", [entry(piece_1_duration="six minutes")], 2),
    ("bad-value", [entry(performer_email="anna at example")], 2),
    ("bad-value", [entry(performer_phone="call me")], 2),
    ("bad-value", [entry(fee_paid="fifteen")], 2),
    ("age-too-young", [entry(performer_birth_date="2020-01-01")], 2),
    ("age-too-old", [entry(performer_birth_date="2001-01-01")], 2),
    ("performer-count", [entry(**{"class": "201"}, group_name="Smith Duo", group_members="Anna Smith")], 2),
    ("over-time-limit", [entry(piece_2_title="Sonatina in G", piece_2_composer="Beethoven", piece_2_duration="4:00")], 2),
    ("accompanist-missing", [entry(**{"class": "301"})], 2),
    ("not-a-set-piece", [entry(**{"class": "102"}, piece_1_title="Arabesque", piece_1_composer="Burgmüller")], 2),
    ("duplicate-entry", [entry(), entry(comments="Sent twice")], 3),
    ("possible-duplicate-person",
     [entry(performer_first_name="Marié", performer_last_name="Tremblay", performer_birth_date="2015-03-03")], 2),
    ("contact-mismatch", [entry(performer_first_name="Marie", performer_last_name="Tremblay", performer_birth_date="2015-03-03",
                                performer_phone="514 555 0101")], 2),
    ("duration-mismatch", [entry(piece_1_title="Sonatina in C, Op. 36 No. 1", piece_1_composer="Clementi", piece_1_duration="4:30")], 2),
]
ENTRY_CODES = {code for code, _rows, _row in ENTRY_CASES}


@pytest.mark.parametrize(("code", "rows", "row"), ENTRY_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(ENTRY_CASES)])
def test_each_issue_code_comes_from_a_row(app, code, rows, row):
    """The row carrying the problem gets its code, and nothing else is found in the file."""
    festival = small_festival()
    plan = plan_file(festival, "entries", entries_csv(rows))
    found = [(issue.row, issue.code) for issue in plan.issues]
    assert found == [(row, code)], [issue.as_dict() for issue in plan.issues]
    blocked = CODES[code].severity == ERROR
    assert plan.can_apply is not blocked


def test_the_issue_tables_cover_every_code():
    """Between the entries table and the other kinds' tests (syllabus, venues, adjudicators, sessions), every code is tested from a file."""
    from tests.test_imports_adjudicators import ADJUDICATOR_CODES
    from tests.test_imports_sessions import SESSION_CODES
    from tests.test_imports_syllabus import SYLLABUS_CODES
    from tests.test_imports_venues import VENUE_CODES

    # stage-time-over is a festival-wide total (a performer's entries against the festival's cap): the Issues page, an
    # entry's page and the online forms check it (tests/test_enter_changes.py); an import's rows do not yet.
    not_from_files = {"stage-time-over"}
    assert set(CODES) - not_from_files == ENTRY_CODES | SYLLABUS_CODES | VENUE_CODES | ADJUDICATOR_CODES | SESSION_CODES


def test_a_clean_file_creates_everything_it_names_and_records_where_it_came_from(app):
    """A row creates its performer, teacher, school, piece and entry, with the file and row it came from."""
    festival = small_festival()
    batch, plan = import_file(festival, "entries", entries_csv([entry()]), filename="spring.csv")
    # The piece is a set piece on file, without a usual duration yet: the declared one fills it in.
    assert plan.counts()["created"] == {"entry": 1, "person": 2, "school": 1}
    assert plan.counts()["changed"] == {"piece": 1}
    created = db.session.scalars(select(Entry)).one()
    assert (created.source, created.import_batch_id, created.import_filename, created.import_row) == ("import", batch.id, "spring.csv", 2)
    assert created.status == "submitted" and created.fee == Decimal("15.00") and created.amount_paid == Decimal("15.00")
    assert created.performers[0].person.full_name == "Anna Smith"
    assert created.performers[0].person.birth_date == date(2016, 5, 1)
    assert created.performers[0].person.school.name == "Riverside Music School"
    assert created.teacher.full_name == "Clara Wieck" and created.teacher.email == "clara@example.org"
    assert created.school.name == "Riverside Music School"
    assert [(p.piece.title, p.piece.composer, p.duration) for p in created.pieces] == [("Minuet in G", "Petzold", 90)]
    assert db.session.scalar(select(Piece.duration).where(Piece.title == "Minuet in G")) == 90
    assert created.given_contacts == {
        "performer": {"email": "anna.smith@example.org", "phone": "514 555 0100"},
        "teacher": {"email": "clara@example.org"},
    }


def test_importing_the_same_file_again_changes_nothing(app):
    """A second import of the same file matches every record and writes nothing but its own batch and event."""
    festival = small_festival()
    rows = [
        entry(),
        entry(performer_first_name="Ben", performer_birth_date="2015-02-02", performer_email="", performer_phone=""),
        entry(**{"class": "201"}, group_name="Smith-Jones Duo", group_members="Anna Smith; Ben Smith", piece_1_title="Jazz Duet"),
        entry(**{"class": "301"}, accompanist_name="Gerald Moore", accompanist_email="gm@example.org"),
    ]
    data = entries_csv(rows)
    _batch, first = import_file(festival, "entries", data)
    assert first.counts()["created"]["entry"] == 4
    before = table_counts()
    _batch, second = import_file(festival, "entries", data)
    counts = second.counts()
    assert counts["created"] == {} and counts["changed"] == {}
    assert counts["matched"] == {"entry": 4, "group": 1, "person": 4, "piece": 2, "school": 1}
    after = table_counts()
    assert after["audit_event"] == before["audit_event"] + 2  # the upload and the import of the second batch
    assert {k: v for k, v in after.items() if k not in ("audit_event",)} == {k: v for k, v in before.items() if k != "audit_event"}


def test_an_identical_second_row_is_the_same_entry_and_a_different_one_a_second_entry(app):
    """Two rows about the same performer in a class: identical, one entry; different, two, and re-importing matches both."""
    festival = small_festival()
    same = plan_file(festival, "entries", entries_csv([entry(), entry()]))
    assert [i.code for i in same.issues] == ["duplicate-entry"] and same.created["entry"] == 1
    data = entries_csv([entry(), entry(comments="Resubmitted")])
    import_file(festival, "entries", data)
    assert db.session.scalar(select(func.count(Entry.id))) == 2
    again = plan_file(festival, "entries", data)
    assert again.created == {} and again.matched["entry"] == 2 and not again.changed


def test_a_row_that_says_something_new_changes_its_entry(app):
    """A re-imported row with another piece and amount changes the entry, keeping its values before for the undo."""
    festival = small_festival()
    import_file(festival, "entries", entries_csv([entry()]))
    entry_id = db.session.scalar(select(Entry.id))
    changed_row = entry(fee_paid="10.00", piece_1_title="Arabesque", piece_1_composer="Burgmüller")
    batch, plan = import_file(festival, "entries", entries_csv([changed_row]))
    assert plan.changed["entry"] == 1 and plan.created == {"piece": 1}
    changed = db.session.get(Entry, entry_id)
    assert changed.amount_paid == Decimal("10.00")
    assert [p.piece.title for p in changed.pieces] == ["Arabesque"]
    change = next(c for c in batch.changes if c.table_name == "entry")
    assert (change.table_name, change.record_id, change.action) == ("entry", entry_id, "changed")
    assert change.before["amount_paid"] == "15.00" and len(change.before["pieces"]) == 1


def test_people_are_recognised_by_name_as_written_and_birth_date(app):
    """Case and spacing aside, the same name and birth date is the same person; another birth date, another person."""
    festival = small_festival()
    rows = [
        entry(performer_first_name="MARIE ", performer_last_name=" tremblay", performer_birth_date="03/03/2015",
              performer_email="marie@example.org", performer_phone="514 555 0101", school=""),
        entry(performer_first_name="Marie", performer_last_name="Tremblay", performer_birth_date="2015-06-06",
              performer_email="", performer_phone="", school=""),
    ]
    plan = plan_file(festival, "entries", entries_csv(rows))
    assert plan.issues == []
    assert plan.matched["person"] == 1 and plan.created["person"] == 2  # the second Marie, and the teacher
    import_file(festival, "entries", entries_csv(rows))
    assert db.session.scalar(select(func.count(Person.id)).where(Person.name_key == "marie tremblay")) == 2


def test_a_known_person_keeps_the_contact_on_file_and_the_entry_keeps_what_the_row_said(app):
    """A different email raises contact-mismatch: the person keeps theirs, the entry's given contacts the row's."""
    festival = small_festival()
    row = entry(performer_first_name="Marie", performer_last_name="Tremblay", performer_birth_date="2015-03-03",
                performer_email="other@example.org", performer_phone="514 555 0101")
    _batch, plan = import_file(festival, "entries", entries_csv([row]))
    assert [i.code for i in plan.issues] == ["contact-mismatch"]
    marie = db.session.scalars(select(Person).where(Person.name_key == "marie tremblay")).one()
    assert marie.email == "marie@example.org"
    created = db.session.scalars(select(Entry)).one()
    assert created.given_contacts["performer"]["email"] == "other@example.org"


def test_a_name_that_differs_only_by_accents_is_a_new_person_with_a_warning(app):
    """Not merged silently: a new person, and a possible-duplicate-person naming both."""
    festival = small_festival()
    row = entry(performer_first_name="Marié", performer_last_name="Tremblay", performer_birth_date="2015-03-03")
    _batch, plan = import_file(festival, "entries", entries_csv([row]))
    issue = plan.issues[0]
    assert issue.code == "possible-duplicate-person" and issue.row == 2
    assert {issue.params["name"], issue.params["other"]} == {"Marie Tremblay", "Marié Tremblay"}
    assert db.session.scalar(select(func.count(Person.id)).where(Person.name_key == "marie tremblay")) == 2


def test_blank_contacts_on_file_are_filled_in(app):
    """A known person without an email gets the file's; the change is counted and undone with the import."""
    festival = small_festival()
    make_person("Anna", "Smith", date(2016, 5, 1))
    db.session.commit()
    batch, plan = import_file(festival, "entries", entries_csv([entry()]))
    assert plan.changed["person"] == 1
    anna = db.session.scalars(select(Person).where(Person.name_key == "anna smith")).one()
    assert anna.email == "anna.smith@example.org" and anna.phone == "514 555 0100"
    change = next(c for c in batch.changes if c.table_name == "person" and c.action == "changed")
    assert {k: v for k, v in change.before.items() if k != "updated_at"} == {"email": None, "phone": None, "school_id": None}


def test_teachers_are_matched_by_name_the_one_with_the_same_email_first(app):
    """Two teachers of the same name: the email picks one; a teacher named again is the same record."""
    festival = small_festival()
    first = make_person("Clara", "Wieck", email="clara@example.org")
    make_person("Clara", "Wieck", email="other.clara@example.org")
    db.session.commit()
    rows = [entry(), entry(performer_first_name="Ben", teacher_email="")]
    _batch, plan = import_file(festival, "entries", entries_csv(rows))
    teachers = {e.teacher_id for e in db.session.scalars(select(Entry))}
    assert teachers == {first.id}
    assert plan.issues == []


def test_group_members_are_found_among_people_named_earlier_in_the_file_then_on_file(app):
    """A duet lists its members; known ones are matched, the others created; the group keeps its members."""
    festival = small_festival()
    rows = [
        entry(),
        entry(**{"class": "201"}, performer_first_name="Anna", performer_last_name="Smith", group_name="Lakeside Duo",
              group_members="Anna Smith; Marie Tremblay"),
        entry(**{"class": "401"}, performer_first_name="", performer_last_name="", performer_birth_date="", performer_email="",
              performer_phone="", group_name="Lakeside Strings", group_members="Marie Tremblay; Zoe Cote; Sam Lee"),
    ]
    _batch, plan = import_file(festival, "entries", entries_csv(rows))
    assert plan.issues == []
    duo = db.session.scalars(select(Group).where(Group.name == "Lakeside Duo")).one()
    assert sorted(m.full_name for m in duo.members) == ["Anna Smith", "Marie Tremblay"]
    assert duo.contact.full_name == "Anna Smith"
    strings = db.session.scalars(select(Group).where(Group.name == "Lakeside Strings")).one()
    assert strings.contact.full_name == "Marie Tremblay"
    ensemble = db.session.scalars(select(Entry).where(Entry.group_id == strings.id)).one()
    assert [p.person.full_name for p in ensemble.performers] == ["Marie Tremblay", "Zoe Cote", "Sam Lee"]
    assert db.session.scalar(select(func.count(Person.id)).where(Person.name_key == "marie tremblay")) == 1
    assert db.session.scalar(select(Person.birth_date).where(Person.name_key == "zoe cote")) is None


def test_schools_and_pieces_are_matched_without_accents_case_or_punctuation(app):
    """"riverside music-school" is the school on file; "MINUET IN G." by "petzold" the piece on file."""
    festival = small_festival()
    import_file(festival, "entries", entries_csv([entry()]))
    row = entry(performer_first_name="Ben", school="riverside music-school", piece_1_title="MINUET IN G.", piece_1_composer="petzold")
    plan = plan_file(festival, "entries", entries_csv([row]))
    assert plan.matched["school"] == 1 and plan.matched["piece"] == 1
    assert "school" not in plan.created and "piece" not in plan.created
    assert db.session.scalar(select(func.count(School.id))) == 1


def test_the_command_prints_json_and_exits_0_when_applied(app, tmp_path):
    """--json prints rows, created, matched, issues and applied; the entries are written."""
    small_festival()
    result = run_cli(app, tmp_path, "entries", entries_csv([entry(), entry(performer_birth_date="2001-01-01", performer_first_name="Old")]),
                     "--festival", "spring-2027", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["rows"] == 2 and report["applied"] is True
    assert report["created"]["entry"] == 2 and report["matched"] == {}
    assert report["issues"] == [
        {
            "row": 3,
            "code": "age-too-old",
            "severity": "warning",
            "message": "Old Smith is 25 on the cut-off date; class 101 is for ages up to 12.",
        }
    ]
    assert db.session.scalar(select(func.count(Entry.id))) == 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import-applied")).one()
    assert event.actor == "cli" and json.loads(event.details)["created"]["entry"] == 2


def test_the_command_refuses_a_file_with_errors_and_exits_1(app, tmp_path):
    """A row with an error: nothing is written but the refusal, which is in the audit trail."""
    small_festival()
    before = table_counts()
    result = run_cli(app, tmp_path, "entries", entries_csv([entry(), entry(**{"class": "999"})]), "--festival", "spring-2027", "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["applied"] is False and report["issues"][0]["code"] == "unknown-class"
    after = table_counts()
    assert after["entry"] == before["entry"] == 0 and after["person"] == before["person"]
    assert after["audit_event"] == before["audit_event"] + 1
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "import-refused"
    assert db.session.scalar(select(ImportBatch.status)) == "refused"


def test_a_dry_run_writes_nothing_and_exits_0_when_clean(app, tmp_path):
    """--dry-run prints what would happen; nothing at all is written."""
    small_festival()
    before = table_counts()
    result = run_cli(app, tmp_path, "entries", entries_csv([entry()]), "--festival", "spring-2027", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output and "1 entry" in result.output
    assert table_counts() == before
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0
    dirty = run_cli(app, tmp_path, "entries", entries_csv([entry(fee_paid="lots")]), "--festival", "spring-2027", "--dry-run")
    assert dirty.exit_code == 1 and table_counts() == before


@pytest.mark.parametrize(
    ("args", "data", "filename", "expected"),
    [
        (["--festival", "no-such-festival"], None, "file.csv", "no festival"),
        (["--festival", "spring-2027"], b"\x00\x01\x02binary", "file.csv", "could not be read"),
        (["--festival", "spring-2027"], b"name,comments\r\nAnna,hello\r\n", "file.csv", "class, performer_first_name, performer_last_name"),
        (["--festival", "spring-2027"], b"", "file.csv", "empty"),
        (["--festival", "spring-2027"], b"class\r\n101\r\n", "file.pdf", "not a CSV file"),
        ([], None, "file.csv", "Missing option"),
    ],
)
def test_the_command_exits_2_on_bad_input(app, tmp_path, args, data, filename, expected):
    """An unknown festival, an unreadable file, missing columns, a missing option: exit 2, nothing written."""
    small_festival()
    before = table_counts()
    result = run_cli(app, tmp_path, "entries", data if data is not None else entries_csv([entry()]), *args, filename=filename)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert table_counts() == before


@pytest.mark.settings(MFO_IMPORT_MAX_BYTES=1000)
def test_the_command_refuses_a_file_over_the_limit(app, tmp_path):
    """The import size limit holds on the command line too."""
    small_festival()
    result = run_cli(app, tmp_path, "entries", entries_csv([entry()] * 20), "--festival", "spring-2027")
    assert result.exit_code == 2 and "the import limit is" in result.output


def test_withdrawn_entries_are_matched_too(app):
    """An entry withdrawn since is still the entry the row stands for: a re-import does not enter it again."""
    festival = small_festival()
    import_file(festival, "entries", entries_csv([entry()]))
    db.session.scalars(select(Entry)).one().status = "withdrawn"
    db.session.commit()
    plan = plan_file(festival, "entries", entries_csv([entry()]))
    assert plan.matched["entry"] == 1 and "entry" not in plan.created


def test_an_entry_on_file_is_matched_by_its_performers(app):
    """An entry made elsewhere (online) with the same performer in the class is the row's entry."""
    festival = small_festival()
    marie = db.session.scalars(select(Person).where(Person.name_key == "marie tremblay")).one()
    from mfo.syllabus.models import FestivalClass

    festival_class = db.session.scalars(select(FestivalClass).where(FestivalClass.number == "101")).one()
    online = make_entry(festival_class, [marie])
    db.session.commit()
    row = entry(performer_first_name="Marie", performer_last_name="Tremblay", performer_birth_date="2015-03-03",
                performer_email="", performer_phone="", fee_paid="", teacher_name="",
                teacher_email="", school="", piece_1_title="", piece_1_composer="", piece_1_duration="")
    plan = plan_file(festival, "entries", entries_csv([row]))
    assert plan.matched["entry"] == 1 and plan.changed == {} and plan.created == {}
    assert plan.results[0].records[0] == ("entry", "matched", plan.results[0].label)
    assert db.session.scalar(select(func.count(EntryPerformer.entry_id))) == 1 and online.id


def test_a_script_can_import_a_file_leaving_out_the_rows_with_errors(app):
    """services.import_file, for scripts: refused as a whole by default, or with every row with an error left out."""
    from mfo.imports import services

    festival = small_festival()
    data = entries_csv([entry(), entry(**{"class": "999"}, performer_first_name="Ben")])
    refused, _plan = services.import_file(festival, "entries", "file.csv", data)
    db.session.commit()
    assert refused.status == "refused" and db.session.scalar(select(func.count(Entry.id))) == 0
    applied, plan = services.import_file(festival, "entries", "file.csv", data, leave_out_errors=True)
    db.session.commit()
    assert applied.status == "applied" and plan.excluded == [3] and applied.excluded_rows == [3]
    assert db.session.scalar(select(func.count(Entry.id))) == 1


def test_names_written_last_name_first_are_the_same_people(app):
    """"Tremblay, Marie" in a member list and "Wieck, Clara" as teacher find the people on file."""
    festival = small_festival()
    clara = make_person("Clara", "Wieck", email="clara@example.org")
    db.session.commit()
    row = entry(**{"class": "201"}, group_name="Duo", group_members="Anna Smith; Tremblay, Marie", teacher_name="Wieck, Clara")
    _batch, plan = import_file(festival, "entries", entries_csv([row]))
    created = db.session.scalars(select(Entry)).one()
    assert created.teacher_id == clara.id
    assert [p.person.full_name for p in created.performers] == ["Anna Smith", "Marie Tremblay"]
    assert db.session.scalar(select(func.count(Person.id)).where(Person.name_key == "marie tremblay")) == 1
