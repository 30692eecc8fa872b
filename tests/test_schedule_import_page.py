"""The schedule file's page: the command line's `schedule import` in the browser, with its rules (check, import, refuse)."""

from __future__ import annotations

import io

from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.schedule.loading import class_key
from tests.helpers import post_form
from tests.test_schedule import SATURDAY, at, season  # noqa: F401  (the fixture is used by name)
from tests.test_schedule_io import BASE, SLUG, cli, csv_rows, placed, placements  # noqa: F401  (fixtures used by name)
from tests.test_schedule_io import write_csv as write_rows

URL = f"{BASE}/import"


def exported_rows(app) -> list[dict[str, str]]:
    """Return the schedule as the export's rows (the file an organizer edits)."""
    return csv_rows(cli(app, "export", "--festival", SLUG).stdout)


def upload(client, rows, tmp_path, button: str = "apply", name: str = "schedule.csv", **kwargs):
    """Post the rows as a CSV file with one of the page's two buttons."""
    path = write_rows(tmp_path / name, rows)
    with open(path, "rb") as file:
        data = {"file": (io.BytesIO(file.read()), name), button: "x"}
    return post_form(client, URL, data, content_type="multipart/form-data", **kwargs)


def moved_song(app) -> list[dict[str, str]]:
    """Return the export's rows with the song class moved to 14:00."""
    rows = exported_rows(app)
    for row in rows:
        if row["class"] == "3001":
            row["start"] = "2027-04-10T14:00"
    return rows


def test_staff_and_entrants_cannot_open_or_post_the_page(app, placed, users, staff_client, client_for, tmp_path):  # noqa: F811
    """Reading the schedule is not enough: the page and its POST need schedule-write."""
    assert staff_client.get(URL).status_code == 403
    before = placements()
    response = upload(staff_client, moved_song(app), tmp_path, token_from=f"{BASE}/")
    assert response.status_code == 403 and placements() == before
    assert client_for("end-user").get(URL).status_code == 403


def test_check_writes_nothing_and_import_moves_the_class(app, placed, users, organizer_client, tmp_path):  # noqa: F811
    """"Check the file" shows what would happen and changes nothing; "Import" writes it, audited, like the command line."""
    before = placements()
    page = organizer_client.get(f"{BASE}/").get_data(as_text=True)
    assert 'id="open-import"' in page
    response = upload(organizer_client, moved_song(app), tmp_path, button="check")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-applied="false"' in text and "nothing was changed yet" in text
    db.session.expire_all()
    assert placements() == before

    response = upload(organizer_client, moved_song(app), tmp_path)
    text = response.get_data(as_text=True)
    assert 'data-applied="true"' in text and "Imported." in text
    db.session.expire_all()
    assert placements()[class_key(placed["song"])] == (placed["session"], at(SATURDAY, 14))
    saved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule-saved")).all()
    assert saved[-1].actor == "organizer@example.org"


def test_a_row_in_error_refuses_the_file_with_its_row_and_escapes_the_value(app, placed, users, organizer_client, tmp_path):  # noqa: F811
    """One unknown session: nothing moves, the row's number and code are shown, the file's value as text, never markup."""
    before = placements()
    rows = moved_song(app)
    rows[2]["session"] = "<b>Nowhere</b>"
    text = upload(organizer_client, rows, tmp_path).get_data(as_text=True)
    assert 'id="import-refused"' in text and 'data-code="schedule-session-unknown"' in text and "Row 4" in text
    assert "&lt;b&gt;Nowhere&lt;/b&gt;" in text and "<b>Nowhere</b>" not in text
    db.session.expire_all()
    assert placements() == before


def test_the_page_speaks_french(app, placed, users, organizer_client, tmp_path):  # noqa: F811
    """The row's error in French on a French page (the same message the command line gives in English)."""
    rows = moved_song(app)
    rows[2]["class"] = "9999"
    organizer_client.get("/?lang=fr")
    text = upload(organizer_client, rows, tmp_path, button="check", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "aucune classe" in text.lower() and "9999" in text
    english = cli(app, "import", write_rows(tmp_path / "bad.csv", rows), "--festival", SLUG)
    assert "no class or section of this festival has the code “9999”" in english.output


def test_a_file_that_is_not_a_table_is_explained(app, placed, users, organizer_client):  # noqa: F811
    """A file the imports' reader refuses gets its message, and nothing else happens."""
    data = {"file": (io.BytesIO(b"\x00\x01\x02 not a spreadsheet"), "schedule.xlsx"), "check": "x"}
    response = post_form(organizer_client, URL, data, content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="file-error"' in text and 'id="import-result"' not in text
