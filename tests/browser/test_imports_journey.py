"""The import flow in a browser: upload, columns, preview (the progress script under the CSP), confirm, result, undo."""

from __future__ import annotations

from sqlalchemy import func, select

from mfo.database import db
from mfo.entries.models import Entry
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import sign_in_with_code
from tests.conftest import create_user
from tests.import_helpers import entries_csv, entry, small_festival

ROWS = [
    entry(),
    entry(performer_first_name="Ben", performer_birth_date="2015-02-02", performer_email="", performer_phone=""),
    entry(performer_first_name="Marie", performer_last_name="Tremblay", performer_birth_date="2015-03-03",
          performer_email="new.marie@example.org", performer_phone="514 555 0101", school=""),
    entry(**{"class": "999"}, performer_first_name="Chloé", performer_last_name="Côté", performer_birth_date="2014-09-09"),
    entry(**{"class": "201"}, group_name="Smith Duo", group_members="Anna Smith; Ben Smith", piece_1_title="Jazz Duet"),
    entry(**{"class": "301"}, performer_first_name="Léa", performer_birth_date="2012-01-20"),
]


def test_an_organizer_imports_entries_and_undoes_them(page, live_server, app):
    """Upload a file, keep the columns, read the preview, leave the row with an error out, import, undo."""
    small_festival()
    create_user("organizer@example.org", ("organizer",))
    sign_in_with_code(page, "organizer@example.org")

    page.goto("/festivals/spring-2027/imports/")
    page.select_option("#kind", "entries")
    page.set_input_files("#file", files=[{"name": "entries.csv", "mimeType": "text/csv", "buffer": entries_csv(ROWS)}])
    screenshot(page, "imports-upload")
    page.click("#upload-form [type=submit]")
    page.wait_for_url("**/mapping")
    assert page.input_value("#field_performer_birth_date") == "performer_birth_date"
    screenshot(page, "imports-columns")

    page.click("#mapping-form [type=submit]")
    # The progress page's script polls the job and moves on to the preview when it is done.
    page.wait_for_selector("#import-rows", timeout=30_000)
    rows = page.locator("#import-rows tbody tr").evaluate_all("rows => rows.map(r => r.dataset.row)")
    assert rows[0] == "5"  # the row with an error comes first
    assert page.locator('[data-code="unknown-class"]').count() == 1
    assert page.locator('[data-code="contact-mismatch"]').count() == 1
    screenshot(page, "imports-preview")

    page.click("#confirm-form [type=submit]")
    page.wait_for_selector(".alert-danger")
    assert "these rows have errors: 5" in page.inner_text(".alert-danger")
    page.check('input[name=leave_out][value="5"]')
    page.click("#confirm-form [type=submit]")
    page.wait_for_selector("#undo-form", timeout=30_000)
    assert "Rows left out: 5." in page.inner_text("#import-state")
    screenshot(page, "imports-result")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Entry.id))) == 5

    page.goto("/festivals/spring-2027/imports/")
    assert page.locator('#import-history [data-status="applied"]').count() == 1
    screenshot(page, "imports-history")
    page.once("dialog", lambda dialog: dialog.accept())  # "Undo the import of …?"
    page.click("#import-history button[type=submit]")
    page.wait_for_selector('[data-status="undone"]')
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Entry.id))) == 0


def test_an_organizer_imports_sessions_in_french(page, live_server, app):
    """The sessions kind through the same pages, in French: its warning in the preview, then the sessions written."""
    from mfo.schedule.models import Session
    from tests.test_imports_sessions import MORNING, STUDIO, festival_on_file, sessions_csv

    festival_on_file()
    create_user("organizer@example.org", ("organizer",))
    page.goto("/")
    page.click("#language-form button[value=fr]")
    page.wait_for_load_state()
    sign_in_with_code(page, "organizer@example.org")

    page.goto("/festivals/spring-2027/imports/")
    page.select_option("#kind", "sessions")
    late = {**MORNING, "start": "16:00", "end": "19:00", "breaks": ""}
    page.set_input_files("#file", files=[{"name": "seances.csv", "mimeType": "text/csv", "buffer": sessions_csv([late, STUDIO])}])
    page.click("#upload-form [type=submit]")
    page.wait_for_url("**/mapping")
    assert page.input_value("#field_adjudicator_email") == "adjudicator_email"
    page.click("#mapping-form [type=submit]")
    page.wait_for_selector("#import-rows", timeout=30_000)
    assert page.locator('[data-code="outside-hours"]').count() == 2
    assert "en dehors des heures d’ouverture de Main Hall" in page.inner_text("#import-rows")
    screenshot(page, "imports-sessions-preview")
    page.click("#confirm-form [type=submit]")
    page.wait_for_selector("#undo-form", timeout=30_000)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Session.id))) == 2


def test_an_entries_file_uploaded_as_a_syllabus_is_switched_from_its_columns_page(page, live_server, app):
    """The columns page of an entries file uploaded as a syllabus says so (axe checks it); one click makes it entries."""
    small_festival()
    create_user("organizer@example.org", ("organizer",))
    sign_in_with_code(page, "organizer@example.org")

    page.goto("/festivals/spring-2027/imports/")
    page.select_option("#kind", "syllabus")
    page.set_input_files("#file", files=[{"name": "entries.csv", "mimeType": "text/csv", "buffer": entries_csv(ROWS)}])
    page.click("#upload-form [type=submit]")
    page.wait_for_url("**/mapping")
    assert "Entries" in page.inner_text("#better-kind")
    screenshot(page, "imports-better-kind")
    page.click("#switch-kind-form [type=submit]")
    page.wait_for_selector('[data-field="performer_first_name"]')
    assert page.locator("#better-kind").count() == 0
    assert page.input_value("#field_performer_first_name") == "performer_first_name"
