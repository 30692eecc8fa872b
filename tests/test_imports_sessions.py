"""Sessions imported like the venues: a kind the schedule feature declares, from the command line and the Imports tab."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from mfo.adjudicators.models import Adjudicator, AdjudicatorAvailability
from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.festival.permissions import FESTIVAL_READ
from mfo.imports import jobs
from mfo.imports.models import ImportBatch
from mfo.imports.undo import UndoRefused, blockers, undo
from mfo.schedule import problem as plain
from mfo.schedule.loading import class_key, save_schedule
from mfo.schedule.models import Placement, Session, SessionBreak
from mfo.schedule.permissions import SCHEDULE_WRITE
from mfo.syllabus.models import FestivalClass
from mfo.venues.models import Venue, VenueOpening
from tests.admin_helpers import flashed, page, sign_in, user_with_permissions
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece
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

HEADERS = ["name", "date", "venue", "start", "end", "adjudicator_email", "discipline", "breaks"]
MORNING = {"name": "Saturday morning", "date": "2027-04-10", "venue": "main hall", "start": "09:00", "end": "12:30",
           "adjudicator_email": "Clara@example.org", "discipline": "piano", "breaks": "10:30-10:45"}
STUDIO = {"name": "Strings", "date": "2027-04-10", "venue": "Studio B", "start": "09:00", "end": "12:00",
          "adjudicator_email": "pablo@example.org", "discipline": "Strings", "breaks": ""}
# The codes a sessions file is tested with here (tests/test_imports_entries.py checks every code is tested somewhere).
SESSION_CODES = {
    "missing-field", "bad-date", "bad-value", "not-on-file", "duplicate-row", "session-overlap", "outside-hours",
    "discipline-not-judged", "session-shortened",
}


@pytest.fixture(autouse=True)
def _jobs_finish():
    """Every background job of a test ends before its database is emptied."""
    yield
    jobs.wait_for_threads()


def sessions_csv(rows: list[dict[str, str]]) -> bytes:
    """Return session rows as a CSV file with the template's headers."""
    return csv_bytes(rows, HEADERS)


def festival_on_file():
    """Add the festival with two venues (Main Hall open 08:00-18:00 on the 10th), piano and strings, two adjudicators (committed).

    Clara is available 08:00-17:00 on the 10th; Pablo has given no availability.
    """
    festival = make_festival()
    make_class(festival, "101", discipline="Piano")
    make_class(festival, "401", discipline="Strings")
    hall = Venue(festival=festival, name="Main Hall")
    hall.opening.append(VenueOpening(day=date(2027, 4, 10), start=time(8), end=time(18)))
    db.session.add_all([hall, Venue(festival=festival, name="Studio B")])
    for first, last, email in (("Clara", "Wieck", "clara@example.org"), ("Pablo", "Sarasate", "pablo@example.org")):
        judge = Adjudicator(festival_id=festival.id, person_id=make_person(first, last, email=email).id)
        if first == "Clara":
            judge.availability.append(AdjudicatorAvailability(day=date(2027, 4, 10), start=time(8), end=time(17)))
        db.session.add(judge)
    db.session.commit()
    return festival


def session_at(venue: str, start: str = "09:00", day: date = date(2027, 4, 10)) -> Session:
    """Return the session of a venue starting at a time, fresh from the database."""
    found = db.session.scalar(
        select(Session).join(Venue).where(Venue.name == venue, Session.day == day, Session.start == time.fromisoformat(start))
    )
    db.session.refresh(found)
    return found


def described(session: Session) -> tuple:
    """Return a session's name, end, adjudicator, discipline and breaks."""
    return (
        session.name,
        session.end,
        str(session.adjudicator) if session.adjudicator else None,
        session.discipline.name if session.discipline else None,
        [(b.start, b.end) for b in session.breaks],
    )


def session_count() -> int:
    """Return how many sessions there are."""
    return db.session.scalar(select(func.count(Session.id)))


def on_file(festival) -> Session:
    """Add a session on file in Main Hall, 09:00 to 11:00 on the 10th, judged by Pablo, with a break (committed)."""
    hall = db.session.scalar(select(Venue).where(Venue.name == "Main Hall"))
    pablo = db.session.scalar(select(Adjudicator).join(Adjudicator.person).where(Adjudicator.person.has(email="pablo@example.org")))
    session = Session(festival_id=festival.id, venue_id=hall.id, name="Old morning", day=date(2027, 4, 10), start=time(9),
                      end=time(11), adjudicator_id=pablo.id)
    session.breaks.append(SessionBreak(start=time(10), end=time(10, 15)))
    db.session.add(session)
    db.session.commit()
    return session


# --- The plan -------------------------------------------------------------------------------------------------------


def test_a_clean_file_creates_its_sessions_with_their_breaks(app):
    """Each row is a session: its venue, adjudicator and discipline found by name and email, its breaks inside it."""
    festival = festival_on_file()
    _batch, plan = import_file(festival, "sessions", sessions_csv([MORNING, STUDIO]))
    assert plan.created == {"session": 2} and plan.can_apply and plan.issues == []
    morning = session_at("Main Hall")
    assert described(morning) == ("Saturday morning", time(12, 30), "Clara Wieck", "Piano", [(time(10, 30), time(10, 45))])
    assert morning.festival_id == festival.id and morning.start == time(9)
    assert described(session_at("Studio B")) == ("Strings", time(12), "Pablo Sarasate", "Strings", [])


def test_a_session_on_file_is_matched_by_venue_day_and_start_and_changed(app):
    """Main Hall at 09:00 on the 10th is the session on file: its end, name, adjudicator, discipline and breaks are replaced."""
    festival = festival_on_file()
    session = on_file(festival)
    plan = plan_file(festival, "sessions", sessions_csv([MORNING]))
    assert (plan.created, plan.changed) == ({}, {"session": 1})
    import_file(festival, "sessions", sessions_csv([MORNING]))
    assert described(session_at("Main Hall")) == (
        "Saturday morning", time(12, 30), "Clara Wieck", "Piano", [(time(10, 30), time(10, 45))])
    assert session_count() == 1 and session_at("Main Hall").id == session.id
    again = plan_file(festival, "sessions", sessions_csv([MORNING]))
    assert (again.created, again.changed, again.matched) == ({}, {}, {"session": 1})


def test_blank_optional_cells_leave_a_session_as_it_is(app):
    """A row giving only the venue, day and hours keeps the session's name, adjudicator, discipline and breaks."""
    festival = festival_on_file()
    on_file(festival)
    bare = {"date": "2027-04-10", "venue": "Main Hall", "start": "9:00", "end": "11:00"}
    plan = plan_file(festival, "sessions", sessions_csv([bare]))
    assert (plan.created, plan.changed, plan.matched) == ({}, {}, {"session": 1})
    import_file(festival, "sessions", sessions_csv([{**bare, "end": "11:30"}]))
    assert described(session_at("Main Hall")) == ("Old morning", time(11, 30), "Pablo Sarasate", None, [(time(10), time(10, 15))])


def test_times_from_a_workbook_are_read(app):
    """An XLSX file whose date and times are typed cells (a spreadsheet's own) reads like a CSV one."""
    from openpyxl import Workbook

    festival = festival_on_file()
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(["Saturday morning", date(2027, 4, 10), "Main Hall", time(9), time(12, 30), "clara@example.org", "Piano",
                  "10:30-10:45"])
    buffer = io.BytesIO()
    book.save(buffer)
    plan = plan_file(festival, "sessions", buffer.getvalue(), "sessions.xlsx")
    assert plan.issues == [] and plan.created == {"session": 1}
    assert plan_file(festival, "sessions", sessions_csv([{**MORNING, "start": "9h00", "end": "12:30:00"}])).issues == []


@pytest.mark.parametrize(
    ("row", "code", "message"),
    [
        ({"date": ""}, "missing-field", "date is missing."),
        ({"venue": ""}, "missing-field", "venue is missing."),
        ({"start": ""}, "missing-field", "start is missing."),
        ({"end": ""}, "missing-field", "end is missing."),
        ({"date": "2027-02-31"}, "bad-date", "date “2027-02-31” is not a date"),
        ({"date": "2027-05-01"}, "bad-value", "2027-05-01 is not a day of the festival (2027-04-10 to 2027-04-18)"),
        ({"start": "nine"}, "bad-value", "start “nine” cannot be read: write a time of day as HH:MM."),
        ({"start": "25:00"}, "bad-value", "25:00 is not a time of day"),
        ({"start": "09:00:30"}, "bad-value", "write a time of day as HH:MM"),
        ({"end": "08:00"}, "bad-value", "end “08:00” cannot be read: the end must be after the start (09:00)."),
        ({"breaks": "12:00-13:00"}, "bad-value", "12:00-13:00 is not within the session (09:00–12:30)"),
        ({"breaks": "10:00-10:30; 10:15-10:45"}, "bad-value", "overlaps"),
        ({"breaks": "lunch"}, "bad-value", "is not a break: write it as HH:MM-HH:MM"),
        ({"name": "x" * 121}, "bad-value", "at most 120 characters"),
        ({"adjudicator_email": "clara at home"}, "bad-value", "this is not an email address"),
        ({"venue": "Chapel"}, "not-on-file", "venue “Chapel”: this festival has no venue of this name."),
        ({"adjudicator_email": "liszt@example.org"}, "not-on-file",
         "adjudicator_email “liszt@example.org”: no adjudicator of this festival has this email address."),
        ({"discipline": "Harp"}, "not-on-file", "discipline “Harp”: this festival's syllabus has no discipline of this name."),
    ],
)
def test_each_problem_of_a_row_is_an_error_with_its_code(app, row, code, message):
    """A missing, unreadable, unknown or impossible value is an error of its row, said clearly; nothing can be applied."""
    festival = festival_on_file()
    plan = plan_file(festival, "sessions", sessions_csv([STUDIO, {**MORNING, **row}]))
    issues = [issue.as_dict() for issue in plan.issues]
    assert [(i["row"], i["code"]) for i in issues] == [(3, code)], issues
    assert message in issues[0]["message"]
    assert plan.error_rows == [3] and not plan.can_apply


def test_a_session_listed_twice_is_an_error(app):
    """Two rows of one venue, day and start: the second is a duplicate-row error naming the first."""
    festival = festival_on_file()
    plan = plan_file(festival, "sessions", sessions_csv([MORNING, {**MORNING, "venue": "MAIN HALL", "name": "Other"}]))
    assert [issue.as_dict() for issue in plan.issues] == [{
        "row": 3, "code": "duplicate-row", "severity": "error",
        "message": "“Main Hall 2027-04-10 09:00” is listed more than once (also on row 2).",
    }]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([MORNING, {**MORNING, "name": "Late morning", "start": "12:00", "end": "13:00", "breaks": ""}],
         "“Late morning” (2027-04-10 12:00–13:00) and “Saturday morning” (2027-04-10 09:00–12:30) both need Main Hall at the same time."),
        ([MORNING, {**STUDIO, "adjudicator_email": "clara@example.org", "start": "12:00", "end": "14:00"}],
         "“Strings” (2027-04-10 12:00–14:00) and “Saturday morning” (2027-04-10 09:00–12:30) both need Clara Wieck at the same time."),
    ],
)
def test_two_rows_sharing_a_venue_or_an_adjudicator_at_once_are_an_error(app, rows, message):
    """The later row of two overlapping sessions in one venue, or judged by one adjudicator, has session-overlap."""
    festival = festival_on_file()
    plan = plan_file(festival, "sessions", sessions_csv(rows))
    assert [(issue.row, issue.code, str(issue.message)) for issue in plan.issues] == [(3, "session-overlap", message)]
    excluded = plan_file(festival, "sessions", sessions_csv(rows), excluded=[2])
    assert excluded.issues == [] and excluded.can_apply


def test_a_row_overlapping_a_session_on_file_is_an_error(app):
    """A session on file that no row describes still takes its venue: a row starting during it is refused."""
    festival = festival_on_file()
    on_file(festival)
    plan = plan_file(festival, "sessions", sessions_csv([{**MORNING, "start": "10:00", "breaks": ""}]))
    assert [(issue.row, issue.code) for issue in plan.issues] == [(2, "session-overlap")]
    assert "and “Old morning” (2027-04-10 09:00–11:00) both need Main Hall" in str(plan.issues[0].message)
    # The same session described by a row (same start) is changed, not overlapped.
    assert plan_file(festival, "sessions", sessions_csv([MORNING])).can_apply


def test_a_session_outside_its_venues_or_adjudicators_hours_is_a_warning(app):
    """Main Hall closes at 18:00 and Clara judges until 17:00: warnings only, the file can be applied."""
    festival = festival_on_file()
    late = {**MORNING, "start": "16:00", "end": "19:00", "breaks": ""}
    plan = plan_file(festival, "sessions", sessions_csv([late]))
    assert [(issue.row, issue.code, str(issue.message)) for issue in plan.issues] == [
        (2, "outside-hours", "“Saturday morning” (2027-04-10 16:00–19:00) is outside the opening hours of Main Hall."),
        (2, "outside-hours", "“Saturday morning” (2027-04-10 16:00–19:00) is outside the availability of Clara Wieck."),
    ]
    assert plan.can_apply
    # Studio B has no opening hours and Pablo no availability given: nothing to say.
    assert plan_file(festival, "sessions", sessions_csv([{**STUDIO, "start": "20:00", "end": "22:00"}])).issues == []


def test_a_session_for_a_discipline_its_adjudicator_does_not_judge_is_a_warning(app):
    """Clara judges piano only: a strings session of hers is a warning; Pablo, with no disciplines recorded, judges any."""
    festival = festival_on_file()
    clara = db.session.scalar(select(Adjudicator).where(Adjudicator.person.has(email="clara@example.org")))
    clara.disciplines.append(make_class(festival, "102", discipline="Piano").discipline)
    db.session.commit()
    plan = plan_file(festival, "sessions", sessions_csv([{**MORNING, "discipline": "Strings"}]))
    assert [(issue.row, issue.code, str(issue.message)) for issue in plan.issues] == [
        (2, "discipline-not-judged", "“Saturday morning” (2027-04-10 09:00–12:30) is for Strings, which Clara Wieck does not judge.")
    ]
    assert plan.can_apply
    assert plan_file(festival, "sessions", sessions_csv([MORNING])).issues == []
    assert plan_file(festival, "sessions", sessions_csv([{**STUDIO, "discipline": "Piano"}])).issues == []


def test_shortening_a_session_its_placed_classes_no_longer_fit_is_a_warning(app):
    """Class 101 plays 10:15 to 10:25 in the session on file: an end at 10:20 leaves it out, at 10:30 it still fits."""
    festival = festival_on_file()
    session = on_file(festival)
    piano = db.session.scalar(select(FestivalClass).where(FestivalClass.number == "101"))
    make_entry(piano, [make_person("Ann", "Lee", date(2016, 3, 1))], [(make_piece("Minuet", "Bach", 600), 600)])
    key = class_key(piano.id)
    save_schedule(festival, plain.Schedule({key: plain.Placement(key, session.id, datetime(2027, 4, 10, 10, 15))}))
    db.session.commit()
    row = {"date": "2027-04-10", "venue": "Main Hall", "start": "09:00", "end": "10:20", "name": "", "adjudicator_email": "",
           "discipline": "", "breaks": ""}
    plan = plan_file(festival, "sessions", sessions_csv([row]))
    assert [(issue.row, issue.code) for issue in plan.issues] == [(2, "session-shortened")]
    assert "101" in str(plan.issues[0].message) and plan.can_apply
    assert plan_file(festival, "sessions", sessions_csv([{**row, "end": "10:59"}])).issues == []
    # A break over the class's time is a shortening too.
    assert [i.code for i in plan_file(festival, "sessions", sessions_csv([{**row, "end": "11:00", "breaks": "10:20-10:30"}])).issues] == [
        "session-shortened"
    ]


# --- Undo -----------------------------------------------------------------------------------------------------------


def test_undo_deletes_the_sessions_created_and_puts_back_the_one_changed(app):
    """The session on file gets its name, end, adjudicator and breaks back; the new one is gone with its breaks."""
    festival = festival_on_file()
    on_file(festival)
    before = described(session_at("Main Hall"))
    batch, _plan = import_file(festival, "sessions", sessions_csv([MORNING, STUDIO]))
    assert session_count() == 2 and described(session_at("Main Hall")) != before
    result = undo(batch)
    db.session.commit()
    assert result == {"deleted": {"session": 1}, "restored": {"session": 1}}
    assert described(session_at("Main Hall")) == before
    assert session_count() == 1 and db.session.scalar(select(func.count(SessionBreak.id))) == 1


def test_undo_is_refused_once_a_session_is_used_or_edited(app):
    """A class placed since in a session it created, or a session edited since, blocks the undo."""
    festival = festival_on_file()
    batch, _plan = import_file(festival, "sessions", sessions_csv([MORNING, STUDIO]))
    morning = session_at("Main Hall")
    festival_class = make_class(festival, "102", discipline="Piano")
    placement = Placement(festival_id=festival.id, class_id=festival_class.id, session_id=morning.id, start=datetime(2027, 4, 10, 9))
    db.session.add(placement)
    db.session.commit()
    assert [str(reason) for reason in blockers(batch)] == ["Some of the sessions it created are used by records made since."]
    db.session.delete(placement)
    db.session.commit()
    assert blockers(batch) == []
    studio = session_at("Studio B")
    studio.name = "Renamed"
    db.session.commit()
    with pytest.raises(UndoRefused) as refused:
        undo(batch)
    assert [str(reason) for reason in refused.value.reasons] == ["1 of the sessions it created or changed have been edited since."]
    db.session.rollback()
    assert session_count() == 2


def test_a_session_judged_by_an_imported_adjudicator_blocks_that_imports_undo(app):
    """The adjudicators kind knows nothing of sessions: the sessions kind declares that a session uses an adjudicator."""
    festival = festival_on_file()
    judges = csv_bytes([{"first_name": "Franz", "last_name": "Liszt", "email": "liszt@example.org"}], ["first_name", "last_name", "email"])
    batch, _plan = import_file(festival, "adjudicators", judges)
    import_file(festival, "sessions", sessions_csv([{**MORNING, "adjudicator_email": "liszt@example.org"}]))
    with pytest.raises(UndoRefused) as refused:
        undo(batch)
    assert [str(reason) for reason in refused.value.reasons] == ["Some of the adjudicators it created are used by records made since."]


# --- The command line -----------------------------------------------------------------------------------------------


def test_the_command_imports_and_prints_json(app, tmp_path):
    """`sessions import --json` applies a clean file and says so; exit status 0; the audit trail names the kind."""
    festival_on_file()
    result = run_cli(app, tmp_path, "sessions", sessions_csv([MORNING, STUDIO]), "--festival", SLUG, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "rows": 2, "created": {"session": 2}, "matched": {}, "changed": {}, "excluded": [], "issues": [], "applied": True,
    }
    assert session_count() == 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import-applied")).one()
    assert json.loads(event.details)["kind"] == "sessions"


def test_a_dry_run_writes_nothing(app, tmp_path):
    """--dry-run checks the file and prints what would happen (warnings too); exit status 0, nothing written, no batch."""
    festival_on_file()
    late = {**MORNING, "start": "17:00", "end": "19:00", "breaks": ""}
    result = run_cli(app, tmp_path, "sessions", sessions_csv([late]), "--festival", SLUG, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "row 2: warning outside-hours:" in result.output
    assert "Created: 1 session." in result.output and "Dry run: nothing was written." in result.output
    assert session_count() == 0 and db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_a_file_with_an_error_is_refused_with_exit_status_1(app, tmp_path):
    """An unknown venue: the row, its code and why are printed; nothing written but the refusal."""
    festival_on_file()
    bad = {**STUDIO, "venue": "Chapel"}
    result = run_cli(app, tmp_path, "sessions", sessions_csv([MORNING, bad]), "--festival", SLUG)
    assert result.exit_code == 1
    assert "row 3: error not-on-file: venue “Chapel”" in result.output and "Refused: rows with errors (3)" in result.output
    assert session_count() == 0
    dry = run_cli(app, tmp_path, "sessions", sessions_csv([bad]), "--festival", SLUG, "--json", "--dry-run")
    assert dry.exit_code == 1 and json.loads(dry.output)["issues"][0]["code"] == "not-on-file"


@pytest.mark.parametrize(
    ("data", "args", "error"),
    [
        (sessions_csv([MORNING]), ("--festival", "no-such"), "there is no festival 'no-such'"),
        (csv_bytes([{"name": "x", "venue": "Main Hall"}], ["name", "venue"]), ("--festival", SLUG),
         "the file has no column for: date, start, end"),
        (b"\x00\x01binary", ("--festival", SLUG), ""),
    ],
)
def test_a_file_that_cannot_be_used_exits_with_2(app, tmp_path, data, args, error):
    """An unknown festival, a file without the required columns or an unreadable file: exit status 2 and a JSON error."""
    festival_on_file()
    result = run_cli(app, tmp_path, "sessions", data, *args, "--json")
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["applied"] is False and error in report["error"]
    assert session_count() == 0


# --- The pages ------------------------------------------------------------------------------------------------------


def test_the_whole_flow_map_preview_confirm_undo(app, organizer_client):
    """An organizer uploads a sessions file, maps it, previews it, confirms it, then undoes it."""
    festival_on_file()
    index = page(organizer_client.get(imports_url()))
    assert '<option value="sessions">Schedule sessions</option>' in index and 'data-template="sessions-xlsx"' in index
    batch_id = uploaded_batch_id(upload(organizer_client, sessions_csv([MORNING, STUDIO]), "sessions.csv", kind="sessions"))
    mapping = page(organizer_client.get(imports_url(f"{batch_id}/mapping")))
    assert "adjudicator_email" in mapping and "within the session" in mapping
    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert 'data-kind="session"' in shown and ">sessions<" in shown and "Saturday morning" in shown
    assert session_count() == 0
    confirm(organizer_client, batch_id)
    assert db.session.get(ImportBatch, batch_id).status == "applied" and session_count() == 2
    undone = post_form(organizer_client, imports_url(f"{batch_id}/undo"), token_from=imports_url(str(batch_id)))
    assert undone.status_code == 302 and session_count() == 0
    assert db.session.get(ImportBatch, batch_id).status == "undone"
    assert "The import was undone" in flashed(organizer_client.get(imports_url(str(batch_id))))


def test_an_overlap_is_shown_in_the_preview_and_blocks_the_confirmation(app, organizer_client):
    """The preview lists the overlapping row first, with its code; confirming is refused while it is in."""
    festival_on_file()
    rows = [MORNING, {**MORNING, "name": "Late morning", "start": "12:00", "end": "13:00", "breaks": ""}]
    batch_id = uploaded_batch_id(upload(organizer_client, sessions_csv(rows), "sessions.csv", kind="sessions"))
    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert shown.index('<tr data-row="3"') < shown.index('<tr data-row="2"') and 'data-code="session-overlap"' in shown
    confirm(organizer_client, batch_id)
    assert session_count() == 0


def test_staff_without_schedule_write_cannot_import_sessions(app, users, organizer_client, staff_client):
    """Staff (schedule-read only) see the templates but cannot upload a sessions file nor open or act on an organizer's."""
    festival_on_file()
    batch_id = uploaded_batch_id(upload(organizer_client, sessions_csv([MORNING]), "sessions.csv", kind="sessions"))
    assert staff_client.get(imports_url("template/sessions.csv")).status_code == 200
    assert staff_client.get(imports_url(str(batch_id))).status_code == 403
    token = csrf_token(staff_client, imports_url())
    for path in ("/confirm", "/undo", "/discard", "/mapping"):
        assert staff_client.post(imports_url(f"{batch_id}{path}"), data={"csrf_token": token}).status_code == 403
    assert upload(staff_client, sessions_csv([STUDIO]), "sessions.csv", kind="sessions").status_code == 403
    assert session_count() == 0 and db.session.scalar(select(func.count(ImportBatch.id))) == 1


def test_schedule_write_is_what_it_takes(app, users, organizer_client):
    """Someone holding festival-read and schedule-write only imports sessions; adjudicators' emails in issues are hidden."""
    festival_on_file()
    client = sign_in(app, user_with_permissions("planner@example.org", "session-planner", {FESTIVAL_READ, SCHEDULE_WRITE}))
    index = page(client.get(imports_url()))
    assert '<option value="sessions">Schedule sessions</option>' in index and '<option value="adjudicators">' not in index
    batch_id = uploaded_batch_id(upload(client, sessions_csv([{**MORNING, "adjudicator_email": "ghost@example.org"}]), "s.csv",
                                        kind="sessions"))
    preview(client, batch_id)
    shown = page(client.get(imports_url(str(batch_id))))
    assert 'data-code="not-on-file"' in shown and "ghost@example.org" not in shown
    assert "ghost@example.org" in page(organizer_client.get(imports_url(str(batch_id))))
    clean = uploaded_batch_id(upload(client, sessions_csv([MORNING]), "s.csv", kind="sessions"))
    preview(client, clean)
    confirm(client, clean)
    assert session_count() == 1


def test_the_pages_speak_french(app, organizer_client):
    """The kind, its columns' help and its issues in French."""
    festival_on_file()
    french = {"Accept-Language": "fr"}
    assert '<option value="sessions">Séances de l’horaire</option>' in page(organizer_client.get(imports_url(), headers=french))
    rows = [MORNING, {**MORNING, "name": "Late morning", "start": "12:00", "end": "13:00", "breaks": ""}]
    batch_id = uploaded_batch_id(upload(organizer_client, sessions_csv(rows), "s.csv", kind="sessions"))
    mapping = page(organizer_client.get(imports_url(f"{batch_id}/mapping"), headers=french))
    assert "dans la séance" in mapping
    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id)), headers=french))
    assert "ont besoin de Main Hall en même temps" in shown


def test_the_sessions_template_downloads_as_csv_and_xlsx(app, staff_client):
    """The CSV has the headers only; the workbook has them, a help sheet and an example sheet."""
    make_festival()
    db.session.commit()
    csv_file = staff_client.get(imports_url("template/sessions.csv"))
    assert csv_file.status_code == 200 and csv_file.data.decode("utf-8-sig").strip().split(",") == HEADERS
    book = load_workbook(io.BytesIO(staff_client.get(imports_url("template/sessions.xlsx")).data))
    assert book.sheetnames == ["sessions", "Help", "Example"]
    assert [cell.value for cell in book["sessions"][1]] == HEADERS and book["sessions"].max_row == 1
    example = [[cell.value for cell in row] for row in book["Example"].iter_rows()]
    assert example[0] == HEADERS and example[1][7] == "10:30-10:45"
