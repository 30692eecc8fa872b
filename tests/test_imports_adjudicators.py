"""Adjudicators imported like the venues: a kind the adjudicators feature declares, from the command line and the Imports tab."""

from __future__ import annotations

import io
import json
from datetime import date, time

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from mfo.adjudicators.models import Adjudicator, AdjudicatorAvailability
from mfo.adjudicators.permissions import ADJUDICATOR_WRITE
from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.models import Entry
from mfo.festival.permissions import FESTIVAL_READ
from mfo.imports import jobs
from mfo.imports.models import ImportBatch
from mfo.imports.undo import UndoRefused, blockers, undo
from mfo.people.models import Person, School
from mfo.syllabus.models import Discipline
from tests.admin_helpers import flashed, page, sign_in, user_with_permissions
from tests.festival_helpers import make_class, make_entry, make_festival, make_person
from tests.helpers import csrf_token, post_form
from tests.import_helpers import (
    SLUG,
    confirm,
    csv_bytes,
    import_file,
    imports_url,
    plan_file,
    preview,
    run_cli,
    upload,
    uploaded_batch_id,
)

HEADERS = ["first_name", "last_name", "email", "disciplines", "availability", "conflicts"]
CLARA = {"first_name": "Clara", "last_name": "Wieck", "email": "Clara.Wieck@example.org", "disciplines": "Piano; voice",
         "availability": "2027-04-10 09:00-12:00; 2027-04-11 13:00-17:00",
         "conflicts": "Riverside Music School; marie@example.org"}
PABLO = {"first_name": "Pablo", "last_name": "Sarasate", "email": "pablo@example.org", "disciplines": "Strings",
         "availability": "2027-04-12 09:00-17:00", "conflicts": ""}
# The codes an adjudicators file is tested with here (tests/test_imports_entries.py checks every code is tested somewhere).
ADJUDICATOR_CODES = {"missing-field", "bad-value", "not-on-file", "duplicate-row", "contact-mismatch"}


@pytest.fixture(autouse=True)
def _jobs_finish():
    """Every background job of a test ends before its database is emptied."""
    yield
    jobs.wait_for_threads()


def adjudicators_csv(rows: list[dict[str, str]]) -> bytes:
    """Return adjudicator rows as a CSV file with the template's headers."""
    return csv_bytes(rows, HEADERS)


def festival_on_file():
    """Add the festival with piano, voice and strings classes, a school and a performer on file (committed)."""
    festival = make_festival()
    for number, discipline in (("101", "Piano"), ("301", "Voice"), ("401", "Strings")):
        make_class(festival, number, discipline=discipline)
    db.session.add(School(name="Riverside Music School", key="riverside music school"))
    make_person("Marie", "Tremblay", date(2015, 3, 3), email="marie@example.org")
    db.session.commit()
    return festival


def adjudicator(email: str) -> Adjudicator:
    """Return the adjudicator whose person has this email, fresh from the database."""
    found = db.session.scalar(select(Adjudicator).join(Person).where(Person.email == email))
    db.session.refresh(found)
    return found


def described(record: Adjudicator) -> tuple:
    """Return an adjudicator's disciplines, availability, schools and people by name."""
    return (
        [d.name for d in record.disciplines],
        [(w.day, w.start, w.end) for w in record.availability],
        [s.name for s in record.conflict_schools],
        [p.full_name for p in record.conflict_people],
    )


def counts() -> tuple[int, int]:
    """Return how many adjudicators and people there are."""
    return db.session.scalar(select(func.count(Adjudicator.id))), db.session.scalar(select(func.count(Person.id)))


# --- The plan -------------------------------------------------------------------------------------------------------


def test_a_clean_file_creates_people_and_adjudicators_with_their_lists(app):
    """Each row is an adjudicator: a person found or made by email, the disciplines, availability and conflicts given."""
    festival = festival_on_file()
    batch, plan = import_file(festival, "adjudicators", adjudicators_csv([CLARA, PABLO]))
    assert plan.created == {"adjudicator": 2, "person": 2} and plan.can_apply
    clara = adjudicator("clara.wieck@example.org")
    assert clara.festival_id == festival.id and clara.person.full_name == "Clara Wieck"
    assert described(clara) == (
        ["Piano", "Voice"],
        [(date(2027, 4, 10), time(9), time(12)), (date(2027, 4, 11), time(13), time(17))],
        ["Riverside Music School"],
        ["Marie Tremblay"],
    )
    assert counts() == (2, 3)


def test_a_person_on_file_is_found_by_email_and_an_adjudicator_on_file_changed(app):
    """The email finds the person (no second one); their adjudicator record's lists are replaced, blank cells kept."""
    festival = festival_on_file()
    person = make_person("Clara", "Wieck", email="clara.wieck@example.org")
    on_file = Adjudicator(festival_id=festival.id, person_id=person.id)
    on_file.availability.append(AdjudicatorAvailability(day=date(2027, 4, 15), start=time(8), end=time(9)))
    db.session.add(on_file)
    db.session.commit()
    plan = plan_file(festival, "adjudicators", adjudicators_csv([{**CLARA, "availability": ""}]))
    assert (plan.created, plan.changed, plan.matched) == ({}, {"adjudicator": 1}, {"person": 1})
    import_file(festival, "adjudicators", adjudicators_csv([{**CLARA, "availability": ""}]))
    disciplines, availability, schools, people = described(adjudicator("clara.wieck@example.org"))
    assert (disciplines, schools, people) == (["Piano", "Voice"], ["Riverside Music School"], ["Marie Tremblay"])
    assert availability == [(date(2027, 4, 15), time(8), time(9))]
    assert counts() == (1, 2)
    again = plan_file(festival, "adjudicators", adjudicators_csv([{**CLARA, "availability": "2027-04-15 08:00-09:00"}]))
    assert (again.created, again.changed, again.matched) == ({}, {}, {"adjudicator": 1, "person": 1})


def test_of_two_people_sharing_an_email_the_one_who_judges_is_found(app):
    """A family email shared by a parent and the adjudicator: the row describes the adjudicator, no second one is made."""
    festival = festival_on_file()
    make_person("Robert", "Wieck", email="clara.wieck@example.org")
    clara = make_person("Clara", "Wieck", email="clara.wieck@example.org")
    db.session.add(Adjudicator(festival_id=festival.id, person_id=clara.id))
    db.session.commit()
    plan = plan_file(festival, "adjudicators", adjudicators_csv([CLARA]))
    assert (plan.created, plan.changed, plan.issues) == ({}, {"adjudicator": 1}, [])
    import_file(festival, "adjudicators", adjudicators_csv([CLARA]))
    assert db.session.scalar(select(func.count(Adjudicator.id))) == 1
    assert described(db.session.get(Adjudicator, adjudicator("clara.wieck@example.org").id))[0] == ["Piano", "Voice"]


def test_a_person_on_file_under_another_name_keeps_it_with_a_warning(app):
    """The file's name does not rename a person on file: a contact-mismatch warning says which is which."""
    festival = festival_on_file()
    make_person("Clara", "Schumann", email="clara.wieck@example.org")
    db.session.commit()
    plan = plan_file(festival, "adjudicators", adjudicators_csv([CLARA]))
    assert [issue.as_dict() for issue in plan.issues] == [{
        "row": 2, "code": "contact-mismatch", "severity": "warning",
        "message": "Clara Schumann's name is given as Clara Wieck; the one on file is Clara Schumann.",
    }]
    assert plan.can_apply
    import_file(festival, "adjudicators", adjudicators_csv([CLARA]))
    assert adjudicator("clara.wieck@example.org").person.full_name == "Clara Schumann"


@pytest.mark.parametrize(
    ("row", "code", "message"),
    [
        ({"first_name": ""}, "missing-field", "first_name is missing."),
        ({"email": ""}, "missing-field", "email is missing."),
        ({"email": "clara at example"}, "bad-value", "email “clara at example” cannot be read: this is not an email address."),
        ({"last_name": "x" * 101}, "bad-value", "at most 100 characters"),
        ({"availability": "2027-04-10 12:00-09:00"}, "bad-value", "the end must be after the start"),
        ({"availability": "2027-05-01 09:00-12:00"}, "bad-value", "2027-05-01 is not a day of the festival (2027-04-10 to 2027-04-18)"),
        ({"conflicts": "bob@"}, "bad-value", "conflicts “bob@” cannot be read: this is not an email address."),
        ({"disciplines": "Piano; Harp"}, "not-on-file",
         "disciplines “Harp”: this festival's syllabus has no discipline of this name."),
        ({"conflicts": "Hillside Academy"}, "not-on-file",
         "conflicts “Hillside Academy”: no school on file has this name (a person is named by their email)."),
        ({"conflicts": "nobody@example.org"}, "not-on-file", "conflicts “nobody@example.org”: nobody on file has this email address."),
    ],
)
def test_each_problem_of_a_row_is_an_error_with_its_code(app, row, code, message):
    """A missing, unreadable or unknown value is an error of its row, said clearly; nothing can be applied."""
    festival = festival_on_file()
    plan = plan_file(festival, "adjudicators", adjudicators_csv([PABLO, {**CLARA, **row}]))
    issues = [issue.as_dict() for issue in plan.issues]
    assert [(i["row"], i["code"]) for i in issues] == [(3, code)]
    assert message in issues[0]["message"]
    assert plan.error_rows == [3] and not plan.can_apply


def test_an_adjudicator_listed_twice_is_an_error(app):
    """Two rows with one email (spelt in another case): the second is a duplicate-row error naming the first."""
    festival = festival_on_file()
    plan = plan_file(festival, "adjudicators", adjudicators_csv([CLARA, {**CLARA, "email": "CLARA.wieck@example.org"}]))
    assert [issue.as_dict() for issue in plan.issues] == [
        {"row": 3, "code": "duplicate-row", "severity": "error", "message": "“Clara Wieck” is listed more than once (also on row 2)."}
    ]


# --- Undo -----------------------------------------------------------------------------------------------------------


def test_undo_deletes_what_it_created_and_puts_back_what_it_changed(app):
    """The new adjudicator and person are gone; the adjudicator on file has their lists back; the person on file stays."""
    festival = festival_on_file()
    person = make_person("Pablo", "Sarasate", email="pablo@example.org")
    on_file = Adjudicator(festival_id=festival.id, person_id=person.id)
    on_file.disciplines.append(db.session.scalar(select(Discipline).where(Discipline.name == "Piano")))
    on_file.availability.append(AdjudicatorAvailability(day=date(2027, 4, 15), start=time(8), end=time(9)))
    db.session.add(on_file)
    db.session.commit()
    before = described(adjudicator("pablo@example.org"))
    batch, _plan = import_file(festival, "adjudicators", adjudicators_csv([CLARA, {**PABLO, "conflicts": "Riverside Music School"}]))
    assert described(adjudicator("pablo@example.org")) != before and counts() == (2, 3)
    result = undo(batch)
    db.session.commit()
    assert result == {"deleted": {"adjudicator": 1, "person": 1}, "restored": {"adjudicator": 1}}
    assert described(adjudicator("pablo@example.org")) == before
    assert counts() == (1, 2) and db.session.scalar(select(func.count(AdjudicatorAvailability.id))) == 1


def test_undo_is_refused_once_something_uses_or_edits_what_it_made(app):
    """An entry made since taught by a person it created, or an adjudicator edited since, blocks the undo."""
    festival = festival_on_file()
    batch, _plan = import_file(festival, "adjudicators", adjudicators_csv([CLARA, PABLO]))
    clara = adjudicator("clara.wieck@example.org")
    performer = db.session.scalar(select(Person).where(Person.email == "marie@example.org"))
    entry = make_entry(make_class(festival, "102", discipline="Piano"), [performer], teacher_id=clara.person_id)
    db.session.commit()
    assert [str(reason) for reason in blockers(batch)] == ["Some of the people it created are used by records made since."]
    db.session.delete(db.session.get(Entry, entry.id))
    db.session.commit()
    assert blockers(batch) == []
    clara.disciplines = []
    clara.updated_at = clara.updated_at.replace(year=2100)
    db.session.commit()
    with pytest.raises(UndoRefused) as refused:
        undo(batch)
    assert [str(reason) for reason in refused.value.reasons] == ["1 of the adjudicators it created or changed have been edited since."]
    db.session.rollback()
    assert counts() == (2, 3)


def test_undo_is_refused_while_another_adjudicator_must_not_judge_a_person_it_created(app):
    """An adjudicator added since with a conflict of interest naming a person the import created blocks the undo."""
    festival = festival_on_file()
    batch, _plan = import_file(festival, "adjudicators", adjudicators_csv([CLARA]))
    clara = adjudicator("clara.wieck@example.org").person
    other = Adjudicator(festival_id=festival.id, person_id=make_person("Franz", "Liszt", email="liszt@example.org").id)
    other.conflict_people.append(clara)
    db.session.add(other)
    db.session.commit()
    assert [str(reason) for reason in blockers(batch)] == ["Some of the people it created are used by records made since."]
    other.conflict_people.clear()
    db.session.commit()
    assert blockers(batch) == []


# --- The command line -----------------------------------------------------------------------------------------------


def test_the_command_imports_and_prints_json(app, tmp_path):
    """`adjudicators import --json` applies a clean file and says so; exit status 0; the audit trail names the kind."""
    festival_on_file()
    result = run_cli(app, tmp_path, "adjudicators", adjudicators_csv([CLARA, PABLO]), "--festival", SLUG, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "rows": 2, "created": {"adjudicator": 2, "person": 2}, "matched": {}, "changed": {}, "excluded": [], "issues": [],
        "applied": True,
    }
    assert counts() == (2, 3)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import-applied")).one()
    assert json.loads(event.details)["kind"] == "adjudicators"


def test_a_dry_run_writes_nothing(app, tmp_path):
    """--dry-run checks the file and prints what would happen; exit status 0, nothing written, no batch."""
    festival_on_file()
    result = run_cli(app, tmp_path, "adjudicators", adjudicators_csv([CLARA]), "--festival", SLUG, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Created: 1 adjudicator, 1 person." in result.output and "Dry run: nothing was written." in result.output
    assert counts() == (0, 1) and db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_a_file_with_an_error_is_refused_with_exit_status_1(app, tmp_path):
    """An unknown discipline: the row, its code and why are printed; nothing written but the refusal."""
    festival_on_file()
    bad = {**CLARA, "disciplines": "Harp"}
    result = run_cli(app, tmp_path, "adjudicators", adjudicators_csv([PABLO, bad]), "--festival", SLUG)
    assert result.exit_code == 1
    assert "row 3: error not-on-file: disciplines “Harp”" in result.output and "Refused: rows with errors (3)" in result.output
    assert counts() == (0, 1)
    dry = run_cli(app, tmp_path, "adjudicators", adjudicators_csv([bad]), "--festival", SLUG, "--json", "--dry-run")
    assert dry.exit_code == 1 and json.loads(dry.output)["issues"][0]["code"] == "not-on-file"


@pytest.mark.parametrize(
    ("data", "args", "error"),
    [
        (adjudicators_csv([CLARA]), ("--festival", "no-such"), "there is no festival 'no-such'"),
        (csv_bytes([{"first_name": "x"}], ["first_name"]), ("--festival", SLUG), "the file has no column for: last_name, email"),
        (b"\x00\x01binary", ("--festival", SLUG), ""),
    ],
)
def test_a_file_that_cannot_be_used_exits_with_2(app, tmp_path, data, args, error):
    """An unknown festival, a file without the required columns or an unreadable file: exit status 2 and a JSON error."""
    festival_on_file()
    result = run_cli(app, tmp_path, "adjudicators", data, *args, "--json")
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["applied"] is False and error in report["error"]
    assert counts() == (0, 1)


# --- The pages ------------------------------------------------------------------------------------------------------


def test_the_whole_flow_map_preview_confirm_undo(app, organizer_client):
    """An organizer uploads an adjudicators file, maps it, previews it, confirms it, then undoes it."""
    festival_on_file()
    index = page(organizer_client.get(imports_url()))
    assert '<option value="adjudicators">Adjudicators</option>' in index and 'data-template="adjudicators-xlsx"' in index
    batch_id = uploaded_batch_id(upload(organizer_client, adjudicators_csv([CLARA, PABLO]), "judges.csv", kind="adjudicators"))
    mapping = page(organizer_client.get(imports_url(f"{batch_id}/mapping")))
    assert "conflicts" in mapping and "school names or people" in mapping
    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert 'data-kind="adjudicator"' in shown and ">adjudicators<" in shown and "Clara Wieck" in shown
    assert counts() == (0, 1)
    confirm(organizer_client, batch_id)
    assert db.session.get(ImportBatch, batch_id).status == "applied" and counts() == (2, 3)
    undone = post_form(organizer_client, imports_url(f"{batch_id}/undo"), token_from=imports_url(str(batch_id)))
    assert undone.status_code == 302 and counts() == (0, 1)
    assert db.session.get(ImportBatch, batch_id).status == "undone"
    assert "The import was undone" in flashed(organizer_client.get(imports_url(str(batch_id))))


def test_a_bad_row_is_shown_in_the_preview_and_blocks_the_confirmation(app, organizer_client):
    """The preview lists the row naming an unknown school first, with its code; confirming is refused while it is in."""
    festival_on_file()
    bad = {**PABLO, "conflicts": "Hillside Academy"}
    batch_id = uploaded_batch_id(upload(organizer_client, adjudicators_csv([CLARA, bad]), "judges.csv", kind="adjudicators"))
    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert shown.index('<tr data-row="3"') < shown.index('<tr data-row="2"') and 'data-code="not-on-file"' in shown
    assert "Hillside Academy" in shown
    confirm(organizer_client, batch_id)
    assert counts() == (0, 1)


def test_staff_without_adjudicator_write_cannot_import_adjudicators(app, users, organizer_client, staff_client):
    """Staff see the templates but cannot upload an adjudicators file nor open or act on an organizer's."""
    festival_on_file()
    batch_id = uploaded_batch_id(upload(organizer_client, adjudicators_csv([CLARA]), "judges.csv", kind="adjudicators"))
    assert staff_client.get(imports_url("template/adjudicators.csv")).status_code == 200
    assert staff_client.get(imports_url(str(batch_id))).status_code == 403
    token = csrf_token(staff_client, imports_url())
    for path in ("/confirm", "/undo", "/discard", "/mapping"):
        assert staff_client.post(imports_url(f"{batch_id}{path}"), data={"csrf_token": token}).status_code == 403
    assert upload(staff_client, adjudicators_csv([PABLO]), "judges.csv", kind="adjudicators").status_code == 403
    assert counts() == (0, 1) and db.session.scalar(select(func.count(ImportBatch.id))) == 1


def test_adjudicator_write_is_what_it_takes(app, users, organizer_client):
    """Someone holding festival-read and adjudicator-write only imports adjudicators; emails in issues are hidden from them."""
    festival_on_file()
    client = sign_in(app, user_with_permissions("judges@example.org", "judge-clerk", {FESTIVAL_READ, ADJUDICATOR_WRITE}))
    index = page(client.get(imports_url()))
    assert '<option value="adjudicators">Adjudicators</option>' in index and '<option value="entries">' not in index
    rows = [CLARA, {**PABLO, "conflicts": "ghost@example.org"}, {**PABLO, "first_name": "Paul", "email": "paul at home"}]
    batch_id = uploaded_batch_id(upload(client, adjudicators_csv(rows), "judges.csv", kind="adjudicators"))
    preview(client, batch_id)
    shown = page(client.get(imports_url(str(batch_id))))
    assert 'data-code="not-on-file"' in shown and 'data-code="bad-value"' in shown
    assert "ghost@example.org" not in shown and "paul at home" not in shown
    assert "ghost@example.org" in page(organizer_client.get(imports_url(str(batch_id))))
    clean = uploaded_batch_id(upload(client, adjudicators_csv([CLARA]), "judges.csv", kind="adjudicators"))
    preview(client, clean)
    confirm(client, clean)
    assert counts() == (1, 2)


def test_the_pages_speak_french(app, organizer_client):
    """The kind, its columns' help and its issues in French."""
    festival_on_file()
    french = {"Accept-Language": "fr"}
    assert '<option value="adjudicators">Juges</option>' in page(organizer_client.get(imports_url(), headers=french))
    batch_id = uploaded_batch_id(upload(organizer_client, adjudicators_csv([{**CLARA, "disciplines": "Harp"}]), "j.csv",
                                        kind="adjudicators"))
    mapping = page(organizer_client.get(imports_url(f"{batch_id}/mapping"), headers=french))
    assert "Qui il ne doit pas juger" in mapping
    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id)), headers=french))
    assert "le programme de ce festival n’a aucune discipline de ce nom" in shown


def test_the_adjudicators_template_downloads_as_csv_and_xlsx(app, staff_client):
    """The CSV has the headers only; the workbook has them, a help sheet and an example sheet."""
    make_festival()
    db.session.commit()
    csv_file = staff_client.get(imports_url("template/adjudicators.csv"))
    assert csv_file.status_code == 200 and csv_file.data.decode("utf-8-sig").strip().split(",") == HEADERS
    book = load_workbook(io.BytesIO(staff_client.get(imports_url("template/adjudicators.xlsx")).data))
    assert book.sheetnames == ["adjudicators", "Help", "Example"]
    assert [cell.value for cell in book["adjudicators"][1]] == HEADERS and book["adjudicators"].max_row == 1
    example = [[cell.value for cell in row] for row in book["Example"].iter_rows()]
    assert example[0] == HEADERS and example[1][2] == "clara.wieck@example.org"
