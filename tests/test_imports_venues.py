"""Venues imported like the syllabus: a kind the venues feature declares, from the command line and the Imports tab."""

from __future__ import annotations

import io
import json
from datetime import date, time

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.imports import jobs
from mfo.imports.models import ImportBatch
from mfo.imports.undo import UndoRefused, blockers, undo
from mfo.schedule.models import Session
from mfo.venues.models import Venue, VenueOpening, VenueTravel
from tests.admin_helpers import flashed, page
from tests.festival_helpers import make_festival
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

HEADERS = ["name", "address", "has_piano", "opening_hours"]
HALL = {"name": "Main Hall", "address": "12 Church Street", "has_piano": "yes",
        "opening_hours": "2027-04-10 09:00-12:00; 2027-04-10 13:00-17:00"}
# The codes a venues file is tested with here (tests/test_imports_entries.py checks every code is tested somewhere).
VENUE_CODES = {"bad-value", "missing-field", "duplicate-row"}
STUDIO = {"name": "Studio B", "address": "12 Church Street", "has_piano": "no", "opening_hours": "2027-04-11 09:00-17:00"}


@pytest.fixture(autouse=True)
def _jobs_finish():
    """Every background job of a test ends before its database is emptied."""
    yield
    jobs.wait_for_threads()


def venues_csv(rows: list[dict[str, str]]) -> bytes:
    """Return venue rows as a CSV file with the template's headers."""
    return csv_bytes(rows, HEADERS)


def windows(name: str) -> list[tuple[date, time, time]]:
    """Return a venue's opening windows, in order."""
    venue = db.session.scalar(select(Venue).where(Venue.name == name))
    db.session.refresh(venue)
    return [(w.day, w.start, w.end) for w in venue.opening]


def venue_count() -> int:
    """Return how many venues there are."""
    return db.session.scalar(select(func.count(Venue.id)))


def on_file() -> Venue:
    """Add the festival with one venue on file, "main hall", open one morning (committed)."""
    festival = make_festival()
    venue = Venue(festival=festival, name="MAIN  hall", address="Old address", has_piano=False)
    venue.opening.append(VenueOpening(day=date(2027, 4, 12), start=time(8), end=time(9)))
    db.session.add(venue)
    db.session.commit()
    return venue


# --- The plan -------------------------------------------------------------------------------------------------------


def test_a_clean_file_creates_its_venues_with_their_hours(app):
    """Each row is a venue, its opening hours its windows."""
    festival = make_festival()
    db.session.commit()
    batch, plan = import_file(festival, "venues", venues_csv([HALL, STUDIO]))
    assert plan.created == {"venue": 2} and plan.can_apply
    assert windows("Main Hall") == [(date(2027, 4, 10), time(9), time(12)), (date(2027, 4, 10), time(13), time(17))]
    studio = db.session.scalar(select(Venue).where(Venue.name == "Studio B"))
    assert (studio.address, studio.has_piano, studio.festival_id) == ("12 Church Street", False, festival.id)


def test_a_venue_on_file_is_matched_by_its_name_and_changed(app):
    """"Main Hall" is "MAIN  hall": its address, piano and hours are replaced, its name written as the file has it."""
    venue = on_file()
    plan = plan_file(venue.festival, "venues", venues_csv([HALL]))
    assert (plan.created, plan.changed) == ({}, {"venue": 1})
    import_file(venue.festival, "venues", venues_csv([HALL]))
    db.session.refresh(venue)
    assert (venue.name, venue.address, venue.has_piano) == ("Main Hall", "12 Church Street", True)
    assert windows("Main Hall")[0] == (date(2027, 4, 10), time(9), time(12))
    assert venue_count() == 1


def test_blank_cells_leave_a_venue_as_it_is(app):
    """A row naming a venue on file with blank cells matches it; the same name spelt otherwise changes its spelling."""
    venue = on_file()
    venue.name = "Main Hall"
    db.session.commit()
    plan = plan_file(venue.festival, "venues", venues_csv([{"name": "Main Hall"}]))
    assert (plan.created, plan.matched, plan.changed) == ({}, {"venue": 1}, {})
    plan = plan_file(venue.festival, "venues", venues_csv([{"name": "main hall", "has_piano": "no"}]))
    assert (plan.created, plan.changed) == ({}, {"venue": 1})
    import_file(venue.festival, "venues", venues_csv([{"name": "Main Hall", "has_piano": "yes"}]))
    db.session.refresh(venue)
    assert (venue.address, venue.has_piano) == ("Old address", True)
    assert windows("Main Hall") == [(date(2027, 4, 12), time(8), time(9))]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2027-04-10 12:00-09:00", "the end must be after the start"),
        ("2027-04-10 09:00-12:00; 2027-04-10 11:00-13:00", "overlaps"),
        ("10/04/2027 09:00-12:00", "is not a window"),
        ("2027-04-30 09:00-12:00", "2027-04-30 is not a day of the festival (2027-04-10 to 2027-04-18)"),
        ("2027-04-10 09:00-12:00" + ";" * 3000, "too long: at most 2,000 characters"),
    ],
)
def test_a_bad_opening_hours_cell_is_reported_with_its_row(app, cell, reason):
    """The row with unreadable or impossible hours has a bad-value error naming the column and why; nothing is written."""
    festival = make_festival()
    db.session.commit()
    plan = plan_file(festival, "venues", venues_csv([HALL, {**STUDIO, "opening_hours": cell}]))
    issues = [issue.as_dict() for issue in plan.issues]
    assert [(i["row"], i["code"]) for i in issues] == [(3, "bad-value")]
    assert issues[0]["message"].startswith("opening_hours “") and reason in issues[0]["message"]
    assert plan.error_rows == [3] and not plan.can_apply


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"name": ""}, "missing-field"),
        ({"has_piano": "maybe"}, "bad-value"),
        ({"name": "x" * 121}, "bad-value"),
    ],
)
def test_other_unreadable_cells(app, row, code):
    """A missing name, an unreadable yes/no or an over-long name is an error of its row."""
    festival = make_festival()
    db.session.commit()
    plan = plan_file(festival, "venues", venues_csv([{**STUDIO, **row}]))
    assert [(issue.row, issue.code) for issue in plan.issues] == [(2, code)]


def test_a_venue_listed_twice_is_an_error(app):
    """Two rows of one venue (its name spelt alike): the second is a duplicate-row error naming the first."""
    festival = make_festival()
    db.session.commit()
    plan = plan_file(festival, "venues", venues_csv([HALL, {**HALL, "name": "main  HALL"}]))
    assert [issue.as_dict() for issue in plan.issues] == [
        {"row": 3, "code": "duplicate-row", "severity": "error", "message": "“main HALL” is listed more than once (also on row 2)."}
    ]


# --- Undo -----------------------------------------------------------------------------------------------------------


def test_undo_deletes_the_venues_created_and_puts_back_the_one_changed(app):
    """The venue on file gets its name, address, piano and hours back; the new one is gone with its hours."""
    venue = on_file()
    before = (venue.name, venue.address, venue.has_piano, windows("MAIN  hall"))
    batch, _plan = import_file(venue.festival, "venues", venues_csv([HALL, STUDIO]))
    assert venue_count() == 2
    result = undo(batch)
    db.session.commit()
    assert result == {"deleted": {"venue": 1}, "restored": {"venue": 1}}
    db.session.refresh(venue)
    assert (venue.name, venue.address, venue.has_piano, windows("MAIN  hall")) == before
    assert venue_count() == 1 and db.session.scalar(select(func.count(VenueOpening.id))) == 1


def test_undo_is_refused_once_a_venue_is_edited_or_used(app):
    """A venue edited since, or a session or travel time made since in a venue it created, blocks the undo."""
    festival = make_festival()
    db.session.commit()
    batch, _plan = import_file(festival, "venues", venues_csv([HALL, STUDIO]))
    hall, studio = (db.session.scalar(select(Venue).where(Venue.name == name)) for name in ("Main Hall", "Studio B"))
    session = Session(festival_id=festival.id, venue_id=hall.id, name="Saturday morning",
                      day=date(2027, 4, 10), start=time(9), end=time(12))
    db.session.add(session)
    db.session.commit()
    assert [str(reason) for reason in blockers(batch)] == ["Some of the venues it created are used by records made since."]
    db.session.delete(session)
    db.session.add(VenueTravel(venue_a_id=min(hall.id, studio.id), venue_b_id=max(hall.id, studio.id), minutes=5))
    db.session.commit()
    assert [str(reason) for reason in blockers(batch)] == ["Some of the venues it created are used by records made since."]
    db.session.execute(VenueTravel.__table__.delete())
    studio.address = "Elsewhere"
    db.session.commit()
    with pytest.raises(UndoRefused) as refused:
        undo(batch)
    assert [str(reason) for reason in refused.value.reasons] == ["1 of the venues it created or changed have been edited since."]
    assert venue_count() == 2


# --- The command line -----------------------------------------------------------------------------------------------


def test_the_command_imports_and_prints_json(app, tmp_path):
    """`venues import --json` applies a clean file and says so; exit status 0."""
    make_festival()
    db.session.commit()
    result = run_cli(app, tmp_path, "venues", venues_csv([HALL, STUDIO]), "--festival", SLUG, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report == {"rows": 2, "created": {"venue": 2}, "matched": {}, "changed": {}, "excluded": [], "issues": [], "applied": True}
    assert venue_count() == 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import-applied")).one()
    assert json.loads(event.details)["kind"] == "venues"


def test_a_dry_run_writes_nothing(app, tmp_path):
    """--dry-run checks the file and prints what would happen; exit status 0, nothing written, no batch."""
    make_festival()
    db.session.commit()
    result = run_cli(app, tmp_path, "venues", venues_csv([HALL]), "--festival", SLUG, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Created: 1 venue." in result.output and "Dry run: nothing was written." in result.output
    assert venue_count() == 0 and db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_a_file_with_an_error_is_refused_with_exit_status_1(app, tmp_path):
    """A bad opening-hours cell: the row, its code and why are printed; nothing written but the refusal."""
    make_festival()
    db.session.commit()
    bad = {**STUDIO, "opening_hours": "2027-04-10 12:00-09:00"}
    result = run_cli(app, tmp_path, "venues", venues_csv([HALL, bad]), "--festival", SLUG)
    assert result.exit_code == 1
    assert "row 3: error bad-value: opening_hours" in result.output and "Refused: rows with errors (3)" in result.output
    assert venue_count() == 0
    dry = run_cli(app, tmp_path, "venues", venues_csv([bad]), "--festival", SLUG, "--json", "--dry-run")
    assert dry.exit_code == 1 and json.loads(dry.output)["issues"][0]["code"] == "bad-value"


@pytest.mark.parametrize(
    ("data", "args", "error"),
    [
        (venues_csv([HALL]), ("--festival", "no-such"), "there is no festival 'no-such'"),
        (csv_bytes([{"address": "x"}], ["address"]), ("--festival", SLUG), "the file has no column for: name"),
        (b"\x00\x01binary", ("--festival", SLUG), ""),
    ],
)
def test_a_file_that_cannot_be_used_exits_with_2(app, tmp_path, data, args, error):
    """An unknown festival, a file without the name column or an unreadable file: exit status 2 and a JSON error."""
    make_festival()
    db.session.commit()
    result = run_cli(app, tmp_path, "venues", data, *args, "--json")
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["applied"] is False and error in report["error"]
    assert venue_count() == 0


# --- The pages ------------------------------------------------------------------------------------------------------


def test_the_whole_flow_map_preview_confirm_undo(app, organizer_client):
    """An organizer uploads a venues file, maps it, previews it, confirms it, then undoes it."""
    make_festival()
    db.session.commit()
    index = page(organizer_client.get(imports_url()))
    assert '<option value="venues">Venues</option>' in index and 'data-template="venues-xlsx"' in index
    batch_id = uploaded_batch_id(upload(organizer_client, venues_csv([HALL, STUDIO]), "venues.csv", kind="venues"))
    mapping = page(organizer_client.get(imports_url(f"{batch_id}/mapping")))
    assert "opening_hours" in mapping and "YYYY-MM-DD HH:MM-HH:MM" in mapping
    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert 'data-kind="venue"' in shown and ">venues<" in shown and "Main Hall" in shown
    assert venue_count() == 0
    confirm(organizer_client, batch_id)
    assert db.session.get(ImportBatch, batch_id).status == "applied" and venue_count() == 2
    undone = post_form(organizer_client, imports_url(f"{batch_id}/undo"), token_from=imports_url(str(batch_id)))
    assert undone.status_code == 302 and venue_count() == 0
    assert db.session.get(ImportBatch, batch_id).status == "undone"
    assert "The import was undone" in flashed(organizer_client.get(imports_url(str(batch_id))))


def test_a_bad_row_is_shown_in_the_preview_with_its_row(app, organizer_client):
    """The preview lists the row with bad opening hours first, with its code; confirming is refused while it is in."""
    make_festival()
    db.session.commit()
    bad = {**STUDIO, "opening_hours": "2027-04-10 09:00-12:00; 2027-04-10 11:00-13:00"}
    batch_id = uploaded_batch_id(upload(organizer_client, venues_csv([HALL, bad]), "venues.csv", kind="venues"))
    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert shown.index('<tr data-row="3"') < shown.index('<tr data-row="2"') and 'data-code="bad-value"' in shown
    assert "overlaps" in shown
    confirm(organizer_client, batch_id)
    assert venue_count() == 0


def test_staff_without_venue_write_cannot_import_venues(app, users, organizer_client, staff_client):
    """Staff see the templates but cannot upload a venues file nor open an organizer's venues import."""
    make_festival()
    db.session.commit()
    batch_id = uploaded_batch_id(upload(organizer_client, venues_csv([HALL]), "venues.csv", kind="venues"))
    assert staff_client.get(imports_url("template/venues.csv")).status_code == 200
    assert staff_client.get(imports_url(str(batch_id))).status_code == 403
    token = csrf_token(staff_client, imports_url())
    for path in ("/confirm", "/undo", "/discard", "/mapping"):
        assert staff_client.post(imports_url(f"{batch_id}{path}"), data={"csrf_token": token}).status_code == 403
    assert upload(staff_client, venues_csv([STUDIO]), "venues.csv", kind="venues").status_code == 403
    assert venue_count() == 0 and db.session.scalar(select(func.count(ImportBatch.id))) == 1


def test_another_festivals_venues_import_is_not_found(app, users, organizer_client):
    """A venues batch of one festival is a 404 in another festival's URLs, and writes nothing there."""
    make_festival()
    make_festival("autumn-2026", name="Autumn 2026")
    db.session.commit()
    batch_id = uploaded_batch_id(upload(organizer_client, venues_csv([HALL]), "venues.csv", kind="venues"))
    preview(organizer_client, batch_id)
    assert organizer_client.get(f"/festivals/autumn-2026/imports/{batch_id}").status_code == 404
    token = csrf_token(organizer_client, "/")
    for path in ("/mapping", "/confirm", "/undo", "/discard"):
        response = organizer_client.post(f"/festivals/autumn-2026/imports/{batch_id}{path}", data={"csrf_token": token})
        assert response.status_code == 404, path
    jobs.wait_for_threads()
    assert venue_count() == 0 and db.session.get(ImportBatch, batch_id).status == "previewed"


def test_the_venues_template_downloads_as_csv_and_xlsx(app, staff_client):
    """The CSV has the headers only; the workbook has them, a help sheet and an example sheet that reads back."""
    make_festival()
    db.session.commit()
    csv_file = staff_client.get(imports_url("template/venues.csv"))
    assert csv_file.status_code == 200 and csv_file.data.decode("utf-8-sig").strip().split(",") == HEADERS
    xlsx = staff_client.get(imports_url("template/venues.xlsx"))
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["venues", "Help", "Example"]
    assert [cell.value for cell in book["venues"][1]] == HEADERS and book["venues"].max_row == 1
    example = [[cell.value for cell in row] for row in book["Example"].iter_rows()]
    assert example[0] == HEADERS and example[1][3] == "2026-03-02 09:00-12:00; 2026-03-02 13:00-17:00"
