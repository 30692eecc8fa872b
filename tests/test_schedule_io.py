"""The schedule leaves and comes back as a file: CSV, XLSX and iCalendar exports, a person's timetable, the import."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.festival.models import Festival
from mfo.schedule import problem as plain
from mfo.schedule.commands import schedule_cli
from mfo.schedule.exports import COLUMNS
from mfo.schedule.loading import class_key, load_problem, load_schedule, save_schedule, section_key
from mfo.schedule.models import ClassDraw, Placement, ScheduleEntry
from mfo.syllabus.models import FestivalClass
from tests.conftest import make_app
from tests.test_festival_locks import PATIENCE, held_elsewhere
from tests.test_schedule import SATURDAY, at, season  # noqa: F401  (the fixture is used by name)

SLUG = "spring-2027"
BASE = f"/festivals/{SLUG}/schedule"


@pytest.fixture
def placed(season):  # noqa: F811
    """The season with its classes placed in the Saturday session: 1203A at 9:00, 1203B at 10:00, the duet at 10:30, the song at 11:00."""
    festival = db.session.get(Festival, season["festival"])
    session = season["session"]
    save_schedule(
        festival,
        plain.Schedule(
            {
                section_key(season["part_a"]): plain.Placement(section_key(season["part_a"]), session, at(SATURDAY, 9)),
                section_key(season["part_b"]): plain.Placement(section_key(season["part_b"]), session, at(SATURDAY, 10)),
                class_key(season["duet"]): plain.Placement(class_key(season["duet"]), session, at(SATURDAY, 10, 30)),
                class_key(season["song"]): plain.Placement(class_key(season["song"]), session, at(SATURDAY, 11)),
            }
        ),
    )
    db.session.commit()
    return season


def cli(app, *args: str):
    """Run a `schedule` command and return click's result."""
    return app.test_cli_runner().invoke(args=["schedule", *args])


def csv_rows(data: str) -> list[dict[str, str]]:
    """Return the rows of an exported CSV as dictionaries."""
    return list(csv.DictReader(io.StringIO(data.lstrip("\ufeff"))))


def placements() -> dict[str, tuple[int, datetime]]:
    """Return every placement as unit key -> (session, start)."""
    return {p.unit_key: (p.session_id, p.start) for p in db.session.scalars(select(Placement))}


def test_csv_export_has_a_row_per_performance_with_ids_and_iso_times(app, placed):
    """One row per entry's slot, in the draw's order; a group's members in performer_ids; ISO date-times."""
    result = cli(app, "export", "--festival", SLUG, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    assert list(rows[0]) == list(COLUMNS)
    assert [r["entry_id"] for r in rows] == [str(placed[k]) for k in ("third", "first", "second", "duet_entry", "song_entry")]
    cal, ana = rows[0], rows[1]
    assert (cal["class"], cal["session"], cal["venue"], cal["date"]) == ("1203A", "Piano morning", "Main hall", "2027-04-10")
    assert cal["start"] == "2027-04-10T09:00" and datetime.fromisoformat(cal["end"]) == datetime.fromisoformat(ana["start"])
    assert cal["performer_ids"] == str(placed["cal"]) and cal["adjudicator_id"] == str(placed["judge"])
    duet = rows[3]
    assert set(duet["performer_ids"].split(";")) == {str(placed["ana"]), str(placed["dee"])}
    song = rows[4]
    assert song["accompanist_id"] == str(placed["pianist"]) and song["start"] == "2027-04-10T11:00"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule-exported")).one()
    assert json.loads(event.details) == {"format": "csv", "rows": 5, "scope": "festival"}


def test_csv_export_is_inert_in_a_spreadsheet(app, placed):
    """A class named like a formula is written with a quote before it, so no spreadsheet runs it."""
    db.session.get(FestivalClass, placed["duet"]).name = "=1+1"
    db.session.commit()
    result = cli(app, "export", "--festival", SLUG)
    duet = [r for r in csv_rows(result.stdout) if r["class"] == "2001"][0]
    assert duet["class_name"] == "'=1+1"


def test_xlsx_export_opens_with_the_same_rows(app, placed, tmp_path):
    """The workbook has the CSV's heading and cells; a formula-like name stays a string cell."""
    db.session.get(FestivalClass, placed["duet"]).name = "=1+1"
    db.session.commit()
    target = tmp_path / "schedule.xlsx"
    assert cli(app, "export", "--festival", SLUG, "--format", "xlsx", "-o", str(target)).exit_code == 0
    sheet = load_workbook(target).active
    cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    expected = [[k for k in r] for r in csv.reader(io.StringIO(cli(app, "export", "--festival", SLUG).stdout))]
    assert cells[0] == list(COLUMNS)
    assert len(cells) == len(expected) == 6
    assert [row[COLUMNS.index("entry_id")] for row in cells[1:]] == [row[COLUMNS.index("entry_id")] for row in expected[1:]]
    duet = [row for row in sheet.iter_rows(min_row=2) if row[COLUMNS.index("class")].value == "2001"][0]
    assert duet[COLUMNS.index("class_name")].value == "=1+1" and duet[COLUMNS.index("class_name")].data_type == "s"


def test_ics_has_one_event_per_performance_with_its_times(app, placed):
    """Each performance is an event at its own slot, in its venue, named by class and performers, with a stable UID."""
    result = cli(app, "export", "--festival", SLUG, "--format", "ics")
    events = Calendar.from_ical(result.stdout_bytes).walk("VEVENT")
    assert len(events) == 5
    by_uid = {str(e["uid"]): e for e in events}
    first = by_uid[f"entry-{placed['third']}@{SLUG}.mfo"]
    assert first.decoded("dtstart") == at(SATURDAY, 9) and str(first["location"]) == "Main hall"
    assert "1203A" in str(first["summary"]) and "Cal Pupil" in str(first["summary"])
    ana = by_uid[f"entry-{placed['first']}@{SLUG}.mfo"]
    assert ana.decoded("dtstart") == first.decoded("dtend")
    assert ana.decoded("dtend") - ana.decoded("dtstart") > timedelta(0)
    again = Calendar.from_ical(cli(app, "export", "--festival", SLUG, "--format", "ics").stdout_bytes).walk("VEVENT")
    assert {str(e["uid"]) for e in again} == set(by_uid)


def write_csv(path, rows: list[dict[str, str]]) -> str:
    """Write rows in the export's columns to a CSV file and return its path."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_round_trip_keeps_placements_and_a_moved_start_moves_the_class(app, placed, tmp_path):
    """Exported then imported, nothing moves; a later start for the song in the file moves the song."""
    before = placements()
    exported = tmp_path / "schedule.csv"
    assert cli(app, "export", "--festival", SLUG, "-o", str(exported)).exit_code == 0
    result = cli(app, "import", str(exported), "--festival", SLUG, "--json")
    report = json.loads(result.output)
    assert report["errors"] == [] and report["applied"]
    assert placements() == before
    assert report["changes"] == {"added": [], "moved": [], "removed": []}

    rows = csv_rows(exported.read_text(encoding="utf-8"))
    for row in rows:
        if row["class"] == "3001":
            row["start"] = "2027-04-10T14:00"
    # The file's order of 1203A is Ana then Cal: the draw follows it.
    rows[0], rows[1] = rows[1], rows[0]
    result = cli(app, "import", write_csv(tmp_path / "moved.csv", rows), "--festival", SLUG, "--json")
    report = json.loads(result.output)
    assert report["applied"] and report["changes"]["moved"] == [class_key(placed["song"])]
    assert placements()[class_key(placed["song"])] == (placed["session"], at(SATURDAY, 14))
    positions = dict(db.session.execute(select(ScheduleEntry.entry_id, ScheduleEntry.position)).all())
    assert positions[placed["first"]] < positions[placed["third"]]
    festival = db.session.get(Festival, placed["festival"])
    problem = load_problem(festival)
    assert [e.entry_id for e in problem.units[section_key(placed["part_a"])].entries] == [placed["first"], placed["third"]]
    assert load_schedule(festival, problem).placements[class_key(placed["song"])].start == at(SATURDAY, 14)
    # The file set 1203's order by hand: its draw is no longer the random one (its seed is kept).
    draw = db.session.get(ClassDraw, placed["baroque"])
    assert (draw.method, draw.seed) == ("manual", 42)


def test_import_reports_conflicts_like_the_checker(app, placed, tmp_path):
    """A class moved onto another reports the session overrun in the JSON conflicts list and exits 1."""
    rows = csv_rows(cli(app, "export", "--festival", SLUG).stdout)
    for row in rows:
        if row["class"] == "3001":
            row["start"] = "2027-04-10T09:00"
    result = cli(app, "import", write_csv(tmp_path / "clash.csv", rows), "--festival", SLUG, "--json", "--dry-run")
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert "session-overrun" in {c["code"] for c in report["conflicts"]}
    assert all({"code", "severity", "key", "message"} <= set(c) for c in report["conflicts"])


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("session", "Nowhere session", "schedule-session-unknown"),
        ("class", "9999", "schedule-class-unknown"),
        ("entry_id", "999999", "schedule-entry-unknown"),
        ("start", "next tuesday", "schedule-start-invalid"),
    ],
)
def test_an_unknown_name_refuses_the_whole_file(app, placed, tmp_path, column, value, code):
    """One bad row: its code and number are reported, exit 1, and no placement or draw changes (even the good rows)."""
    before = placements()
    draws = dict(db.session.execute(select(ScheduleEntry.entry_id, ScheduleEntry.position)).all())
    rows = csv_rows(cli(app, "export", "--festival", SLUG).stdout)
    for row in rows:
        if row["class"] == "3001":
            row["start"] = "2027-04-10T15:00"
    rows[2][column] = value
    result = cli(app, "import", write_csv(tmp_path / "bad.csv", rows), "--festival", SLUG, "--json")
    report = json.loads(result.output)
    assert result.exit_code == 1 and not report["applied"]
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(4, code)]
    db.session.expire_all()
    assert placements() == before
    assert dict(db.session.execute(select(ScheduleEntry.entry_id, ScheduleEntry.position)).all()) == draws


def test_dry_run_changes_nothing(app, placed, tmp_path):
    """--dry-run says what would move and writes nothing, not even the audit trail."""
    before = placements()
    rows = csv_rows(cli(app, "export", "--festival", SLUG).stdout)
    for row in rows:
        if row["class"] == "3001":
            row["start"] = "2027-04-10T14:00"
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    result = cli(app, "import", write_csv(tmp_path / "dry.csv", rows), "--festival", SLUG, "--dry-run")
    # The season's judge may not judge some pupils: the schedule has errors, so the status is 1, yet nothing is refused.
    assert result.exit_code == 1 and "4 classes placed" in result.output
    assert "Dry run: nothing was written." in result.output
    db.session.expire_all()
    assert placements() == before
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events


def test_import_reads_the_xlsx_export(app, placed, tmp_path):
    """The workbook the export writes comes back in too."""
    target = tmp_path / "schedule.xlsx"
    cli(app, "export", "--festival", SLUG, "--format", "xlsx", "-o", str(target))
    result = cli(app, "import", str(target), "--festival", SLUG, "--json", "--dry-run")
    report = json.loads(result.output)
    assert report["errors"] == [] and len(report["placed"]) == 4


def test_person_page_shows_a_performers_times_and_calendar(placed, users, staff_client):
    """Ben's page lists his 1203B slot and his song with times and venue; its .ics has those two events."""
    html = staff_client.get(f"{BASE}/person/{placed['ben']}").get_data(as_text=True)
    assert "Ben Pupil" in html and "1203B" in html and "3001" in html and "10:00" in html and "Main hall" in html
    assert "1203A" not in html
    response = staff_client.get(f"{BASE}/person/{placed['ben']}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert sorted(e.decoded("dtstart") for e in events) == [at(SATURDAY, 10), at(SATURDAY, 11)]
    pianist = staff_client.get(f"{BASE}/person/{placed['pianist']}").get_data(as_text=True)
    assert "3001" in pianist and "1203" not in pianist
    judge = staff_client.get(f"{BASE}/person/{placed['judge']}").get_data(as_text=True)
    assert "1203A" in judge and "3001" in judge


def test_person_search_by_name_and_no_contact_details(placed, users, staff_client):
    """Staff find people by name; the page links to their timetable and never shows an email or birth date."""
    html = staff_client.get(f"{BASE}/people", query_string={"q": "pupil"}).get_data(as_text=True)
    for name in ("ana", "ben", "cal"):
        assert f"{BASE}/person/{placed[name]}" in html
    assert "@" not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_a_person_of_another_festival_is_not_found(placed, users, staff_client):
    """An id the festival's schedule does not involve answers 404."""
    assert staff_client.get(f"{BASE}/person/999999").status_code == 404


def test_index_links_the_downloads_and_they_work(placed, users, staff_client):
    """The schedule page offers CSV, XLSX and iCalendar, and one calendar per venue."""
    html = staff_client.get(f"{BASE}/").get_data(as_text=True)
    for fmt in ("csv", "xlsx", "ics"):
        assert f"{BASE}/export.{fmt}" in html
        response = staff_client.get(f"{BASE}/export.{fmt}")
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert f"{BASE}/venue/{placed['hall']}.ics" in html
    hall = Calendar.from_ical(staff_client.get(f"{BASE}/venue/{placed['hall']}.ics").data).walk("VEVENT")
    assert len(hall) == 5
    assert staff_client.get(f"{BASE}/venue/{placed['studio']}.ics").status_code == 200
    assert staff_client.get(f"{BASE}/venue/999999.ics").status_code == 404


URLS = ("/export.csv", "/export.ics", "/people?q=pupil", "/person/{ana}", "/person/{ana}.ics", "/venue/{hall}.ics")


@pytest.mark.parametrize("url", URLS)
def test_access_anonymous_signs_in_end_user_refused(placed, users, anon_client, client_for, url):
    """Anonymous visitors are sent to sign in, end-users get 403, staff and organizers get the page."""
    path = BASE + url.format(**placed)
    response = anon_client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client_for("end-user").get(path).status_code == 403
    assert client_for("staff").get(path).status_code == 200
    assert client_for("organizer").get(path).status_code == 200


def test_schedule_import_is_one_command_of_the_schedule_group(app):
    """`schedule import` belongs to the schedule's own command group, as declared: each app's copy of the group holds
    that very command (the copy lets higher features add theirs to one app only; see mfo.features.app_own)."""
    assert "import" in schedule_cli.commands
    assert app.cli.commands["schedule"].commands == schedule_cli.commands
    full = make_app(app.config["SQLALCHEMY_DATABASE_URI"], shares_context=False)
    assert full.cli.commands["schedule"].commands["import"] is schedule_cli.commands["import"]


def test_an_import_waits_for_the_festivals_write_lock(app, placed, tmp_path, database_url):
    """Planned under the lock: while a board move (here, a holder of the lock) is uncommitted, the import waits for it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the wait is the database's own busy timeout")
    exported = tmp_path / "schedule.csv"
    assert cli(app, "export", "--festival", SLUG, "-o", str(exported)).exit_code == 0
    db.session.commit()
    release, holder = held_elsewhere(database_url, placed["festival"])
    other = make_app(database_url, shares_context=False)
    results = []
    arguments = ["schedule", "import", str(exported), "--festival", SLUG, "--json"]
    importer = threading.Thread(target=lambda: results.append(other.test_cli_runner().invoke(args=arguments)))
    try:
        importer.start()
        engine = sqlalchemy.create_engine(database_url)
        waiting = 0
        for _ in range(PATIENCE * 10):
            with engine.connect() as connection:
                waiting = connection.execute(sqlalchemy.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )).scalar()
            if waiting or not importer.is_alive():
                break
            importer.join(0.1)
        engine.dispose()
        assert waiting and importer.is_alive() and not results
    finally:
        release.set()
        holder.join(PATIENCE)
        importer.join(PATIENCE)
    # Applied once the lock was released (the season's own conflicts make the exit status 1, as in the checker).
    assert results and json.loads(results[0].output)["applied"], results[0].output if results else "no result"
