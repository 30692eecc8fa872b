"""The Imports tab: the whole flow in the browser's requests, who may open what, other festivals' batches, CSRF, personal data."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer, EntryPiece
from mfo.entries.permissions import ENTRIES_WRITE
from mfo.festival.permissions import FESTIVAL_READ
from mfo.imports import jobs, kinds
from mfo.imports.fields import headers_of
from mfo.imports.models import ImportBatch, ImportChange, ImportMapping
from mfo.permissions import role_permissions
from mfo.syllabus.models import SetPiece
from mfo.syllabus.permissions import SYLLABUS_WRITE
from tests.admin_helpers import flashed, page, sign_in, user_with_permissions
from tests.festival_helpers import make_festival
from tests.helpers import csrf_token, post_form
from tests.import_helpers import (
    SLUG,
    confirm,
    entries_csv,
    entry,
    imports_url,
    preview,
    small_festival,
    syllabus_class,
    syllabus_csv,
    table_counts,
    upload,
    uploaded_batch_id,
)

ROWS = [
    entry(),
    entry(performer_first_name="Marie", performer_last_name="Tremblay", performer_birth_date="2015-03-03",
          performer_email="new.marie@example.org", performer_phone="514 555 0101", school=""),
    entry(**{"class": "999"}, performer_first_name="Ben"),
]


@pytest.fixture(autouse=True)
def _jobs_finish():
    """Every background job of a test ends before its database is emptied."""
    yield
    jobs.wait_for_threads()


def previewed(client, rows=ROWS, kind: str = "entries", slug: str = SLUG) -> int:
    """Upload rows, confirm the proposed mapping, wait for the preview; return the batch's id."""
    data = entries_csv(rows) if kind == "entries" else syllabus_csv(rows)
    batch_id = uploaded_batch_id(upload(client, data, f"{kind}.csv", kind=kind, slug=slug))
    response = preview(client, batch_id, slug=slug)
    assert response.status_code == 302
    return batch_id


def test_the_whole_flow_upload_map_preview_confirm_undo(app, organizer_client):
    """An organizer imports a file with an error row: preview, refusal while it is in, confirmation without it, undo."""
    small_festival()
    tab = page(organizer_client.get(imports_url()))
    assert 'data-nav="imports.index"' in tab and 'id="upload-form"' in tab and 'id="no-imports"' in tab

    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS)))
    mapping = page(organizer_client.get(imports_url(f"{batch_id}/mapping")))
    assert '<option selected value="performer_birth_date">performer_birth_date</option>' in mapping

    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert "Nothing has been written yet" in shown
    assert re.search(r'data-kind="entry">.*?data-count="created">2<', shown, re.S)
    rows = re.findall(r'<tr data-row="(\d+)"', shown)
    assert rows == ["4", "3", "2"]  # errors first, then warnings, then the others
    assert 'data-code="unknown-class"' in shown and 'data-code="contact-mismatch"' in shown
    assert "new.marie@example.org" in shown  # the organizer holds people-read
    assert db.session.scalar(select(func.count(Entry.id))) == 0

    refused = confirm(organizer_client, batch_id)
    assert refused.status_code == 302
    assert "Nothing was imported: these rows have errors: 4." in flashed(organizer_client.get(imports_url(str(batch_id))))
    assert db.session.scalar(select(func.count(Entry.id))) == 0

    confirm(organizer_client, batch_id, {"leave_out": "4"})
    batch = db.session.get(ImportBatch, batch_id)
    assert batch.status == "applied" and batch.excluded_rows == [4]
    assert db.session.scalar(select(func.count(Entry.id))) == 2
    result = page(organizer_client.get(imports_url(str(batch_id))))
    assert "Imported on" in result and "Rows left out: 4." in result and 'id="undo-form"' in result
    history = page(organizer_client.get(imports_url()))
    assert f'data-batch="{batch_id}"' in history and 'data-status="applied"' in history

    undone = post_form(organizer_client, imports_url(f"{batch_id}/undo"), token_from=imports_url(str(batch_id)))
    assert undone.status_code == 302
    assert db.session.scalar(select(func.count(Entry.id))) == 0
    assert db.session.get(ImportBatch, batch_id).status == "undone"
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["import-uploaded", "import-applied", "import-undone"]


def test_a_second_import_of_the_same_file_wrote_nothing_and_offers_no_undo(app, organizer_client):
    """The same file imported twice: the second only matched, so it says so, shows no Undo, and an undo posted is refused."""
    small_festival()
    rows = ROWS[:2]
    first = previewed(organizer_client, rows)
    confirm(organizer_client, first)
    second = previewed(organizer_client, rows)
    confirm(organizer_client, second)
    batch = db.session.get(ImportBatch, second)
    assert batch.status == "applied" and not batch.changes
    entries = db.session.scalar(select(func.count(Entry.id)))
    assert entries == 2

    shown = page(organizer_client.get(imports_url(str(second))))
    assert 'data-leftover="nothing"' in shown and 'id="undo-form"' not in shown
    history = page(organizer_client.get(imports_url()))
    row = re.search(rf'<tr data-batch="{second}">(.*?)</tr>', history, re.S).group(1)
    assert 'data-leftover="nothing"' in row and "/undo" not in row
    first_row = re.search(rf'<tr data-batch="{first}">(.*?)</tr>', history, re.S).group(1)
    assert "data-leftover" not in first_row and "/undo" in first_row

    post_form(organizer_client, imports_url(f"{second}/undo"), token_from=imports_url(str(second)))
    assert "It created and changed nothing, so there is nothing to undo." in flashed(organizer_client.get(imports_url(str(second))))
    db.session.expire_all()
    assert db.session.get(ImportBatch, second).status == "applied"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import-undone")) == 0


def test_an_import_whose_records_were_all_deleted_says_so_and_cannot_be_undone(app, organizer_client):
    """Every record an import created deleted by hand: its pages say so, offer no Undo, and an undo posted is refused."""
    small_festival()
    batch_id = previewed(organizer_client, ROWS[:2])
    confirm(organizer_client, batch_id)
    written = select(ImportChange.record_id).where(ImportChange.batch_id == batch_id)
    db.session.execute(delete(EntryPiece))  # the entries' pieces and performers go with them, as in the entry's page
    db.session.execute(delete(EntryPerformer))
    db.session.execute(delete(SetPiece))  # the piece it changed is a set piece of class 102
    models = {kept.table: kept.model for kept in kinds.get("entries").records}
    for table in reversed(db.metadata.sorted_tables):  # rows that point to others first
        if table.name in models:
            model = models[table.name]
            db.session.execute(delete(model).where(model.id.in_(written.where(ImportChange.table_name == table.name))))
    db.session.commit()

    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert 'data-leftover="gone"' in shown and 'id="undo-form"' not in shown
    history = page(organizer_client.get(imports_url()))
    row = re.search(rf'<tr data-batch="{batch_id}">(.*?)</tr>', history, re.S).group(1)
    assert 'data-leftover="gone"' in row and "/undo" not in row
    post_form(organizer_client, imports_url(f"{batch_id}/undo"), token_from=imports_url(str(batch_id)))
    assert "has been deleted since, so there is nothing to undo" in flashed(organizer_client.get(imports_url(str(batch_id))))
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch_id).status == "applied"


def test_rows_can_be_left_out_with_the_list_or_all_rows_with_errors(app, organizer_client):
    """"Leave out every row with an error", and row numbers typed in, are both explicit ways to confirm."""
    small_festival()
    batch_id = previewed(organizer_client)
    confirm(organizer_client, batch_id, {"leave_out_errors": "y", "other_rows": "3"})
    batch = db.session.get(ImportBatch, batch_id)
    assert batch.status == "applied" and batch.excluded_rows == [3, 4]
    assert db.session.scalar(select(func.count(Entry.id))) == 1
    bad = previewed(organizer_client, [entry(performer_first_name="Zed")])
    response = confirm(organizer_client, bad, {"other_rows": "two"})
    assert "Write row numbers separated by commas" in flashed(organizer_client.get(imports_url(str(bad))))
    assert response.status_code == 302 and db.session.get(ImportBatch, bad).status == "previewed"


def test_a_warning_row_is_left_out_by_its_checkbox(app, organizer_client):
    """A row with warnings only has the same "leave out" checkbox as a row with errors, and ticking it leaves it out."""
    small_festival()
    batch_id = previewed(organizer_client)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    boxes = re.findall(r'<input type="checkbox" name="leave_out" value="(\d+)"', shown)
    assert sorted(boxes) == ["3", "4"]  # row 3 has a warning, row 4 an error; row 2 is clean
    confirm(organizer_client, batch_id, {"leave_out": ["3", "4"]})
    batch = db.session.get(ImportBatch, batch_id)
    assert batch.status == "applied" and batch.excluded_rows == [3, 4]
    assert db.session.scalar(select(func.count(Entry.id))) == 1  # row 2's entry only


def test_the_preview_filters_errors_and_warnings(app, organizer_client):
    """?show=errors lists the rows with errors only; ?show=warnings those with warnings only."""
    small_festival()
    batch_id = previewed(organizer_client)
    errors = page(organizer_client.get(imports_url(f"{batch_id}?show=errors")))
    assert re.findall(r'<tr data-row="(\d+)"', errors) == ["4"]
    warnings = page(organizer_client.get(imports_url(f"{batch_id}?show=warnings")))
    assert re.findall(r'<tr data-row="(\d+)"', warnings) == ["3"]


def test_the_mapping_page_names_each_field_in_words_with_its_key_in_small_print(app, organizer_client):
    """Each field is labelled as the template's help names it; the template's column header is in small print."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv([entry()])))
    mapping = page(organizer_client.get(imports_url(f"{batch_id}/mapping")))
    row = re.search(r'<tr data-field="performer_first_name">(.*?)</tr>', mapping, re.S).group(1)
    label = re.search(r'<label for="field_performer_first_name"[^>]*>(.*?)</label>', row, re.S).group(1)
    assert "first name" in label and "performer_first_name" not in label
    assert re.search(r'<small class="text-muted">[^<]*<code class="field-key">performer_first_name</code></small>', row)


def test_an_entries_file_uploaded_as_a_syllabus_is_recognised_and_switched_in_one_click(app, users, organizer_client):
    """The mapping page of an entries file uploaded as a syllabus says it looks like entries; its button switches it."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS), "entries.csv", kind="syllabus"))
    mapping = page(organizer_client.get(imports_url(f"{batch_id}/mapping")))
    assert 'id="better-kind"' in mapping and 'id="switch-kind-form"' in mapping
    assert re.search(r'<input[^>]*name="kind"[^>]*value="entries"', mapping)
    clean = uploaded_batch_id(upload(organizer_client, syllabus_csv([syllabus_class(number="900")]), "syllabus.csv", kind="syllabus"))
    assert 'id="better-kind"' not in page(organizer_client.get(imports_url(f"{clean}/mapping")))

    response = post_form(organizer_client, imports_url(f"{batch_id}/kind"), {"kind": "entries"},
                         token_from=imports_url(f"{batch_id}/mapping"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/imports/{batch_id}/mapping")
    batch = db.session.get(ImportBatch, batch_id)
    assert batch.kind == "entries" and batch.status == "uploaded"
    assert batch.mapping["performer_first_name"] == "performer_first_name" and "number" not in batch.mapping
    switched = page(organizer_client.get(imports_url(f"{batch_id}/mapping")))
    assert 'id="better-kind"' not in switched and 'data-field="performer_first_name"' in switched
    assert preview(organizer_client, batch_id).status_code == 302
    confirm(organizer_client, batch_id, {"leave_out_errors": "y"})
    assert db.session.get(ImportBatch, batch_id).status == "applied"
    assert db.session.scalar(select(func.count(Entry.id))) == 2


def test_switching_the_kind_needs_that_kinds_permission_and_an_open_import(app, users, organizer_client):
    """A kind the user may not import is refused (403); an applied import keeps its kind."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS), "entries.csv", kind="syllabus"))
    response = post_form(organizer_client, imports_url(f"{batch_id}/kind"), {"kind": "nonsense"},
                         token_from=imports_url(f"{batch_id}/mapping"))
    assert response.status_code == 400
    syllabus_only = sign_in(app, user_with_permissions("syllabus@example.org", "syllabus-importer", {FESTIVAL_READ, SYLLABUS_WRITE}))
    own = uploaded_batch_id(upload(syllabus_only, entries_csv(ROWS), "entries.csv", kind="syllabus"))
    assert 'id="better-kind"' not in page(syllabus_only.get(imports_url(f"{own}/mapping")))  # entries: not theirs
    refused = post_form(syllabus_only, imports_url(f"{own}/kind"), {"kind": "entries"}, token_from=imports_url(f"{own}/mapping"))
    assert refused.status_code == 403 and db.session.get(ImportBatch, own).kind == "syllabus"
    applied = previewed(organizer_client, ROWS[:1])
    confirm(organizer_client, applied)
    post_form(organizer_client, imports_url(f"{applied}/kind"), {"kind": "syllabus"}, token_from=imports_url(str(applied)))
    db.session.expire_all()
    assert db.session.get(ImportBatch, applied).kind == "entries"


def test_the_mapping_is_remembered_for_the_festival(app, organizer_client):
    """A column chosen by hand is proposed for the next file of the same festival and kind."""
    small_festival()
    data = entries_csv([entry()]).replace(b"performer_birth_date", b"Born on", 1)
    batch_id = uploaded_batch_id(upload(organizer_client, data))
    preview(organizer_client, batch_id, performer_birth_date="Born on")
    remembered = db.session.scalars(select(ImportMapping)).one()
    assert remembered.kind == "entries" and remembered.mapping["performer_birth_date"] == "Born on"
    second = uploaded_batch_id(upload(organizer_client, data))
    assert db.session.get(ImportBatch, second).mapping["performer_birth_date"] == "Born on"


def test_the_status_endpoint_says_how_far_a_job_is(app, organizer_client):
    """JSON with the status, the rows checked and whether the job is done."""
    small_festival()
    batch_id = previewed(organizer_client)
    status = organizer_client.get(imports_url(f"{batch_id}/status"))
    assert status.is_json
    assert status.json == {
        "status": "previewed", "job": None, "progress": 3, "rows": 3, "failed": False, "done": True,
        "url": f"/festivals/{SLUG}/imports/{batch_id}",
    }


def test_a_batch_being_worked_on_shows_its_progress_page(app, organizer_client):
    """While a job works on it, the batch's page shows a progress bar that polls the status with a script file."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS)))
    batch = db.session.get(ImportBatch, batch_id)
    assert jobs.claim(batch, "preview")
    db.session.commit()
    working = organizer_client.get(imports_url(str(batch_id)))
    body = page(working)
    assert 'id="import-progress"' in body and "/imports/static/progress.js" in body
    assert f'data-status-url="/festivals/{SLUG}/imports/{batch_id}/status"' in body
    nonce = re.search(r"'nonce-([^']+)'", working.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}" src="/imports/static/progress.js">' in body
    assert "<script>" not in body and "style=" not in body
    script = organizer_client.get("/imports/static/progress.js")
    assert script.status_code == 200
    script.close()
    assert not jobs.start(db.session.get(ImportBatch, batch_id), "confirm")  # already claimed: no second job


def test_a_batch_can_be_cancelled_before_it_is_applied(app, organizer_client):
    """Cancelling deletes the batch and its file; an applied batch cannot be cancelled."""
    small_festival()
    batch_id = previewed(organizer_client)
    response = post_form(organizer_client, imports_url(f"{batch_id}/discard"), token_from=imports_url(str(batch_id)))
    assert response.status_code == 302
    assert db.session.get(ImportBatch, batch_id) is None
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "import-discarded"


def test_the_history_names_who_imported_only_to_people_readers(app, users, organizer_client, staff_client):
    """The "Who" column shows an organizer's account email to whoever holds people-read, and hides it from staff."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS)))
    for client, shown in ((organizer_client, True), (staff_client, False)):
        history = page(client.get(imports_url()))
        row = re.search(rf'<tr data-batch="{batch_id}">.*?</tr>', history, re.S).group(0)
        assert ("organizer@example.org" in history) is shown
        who = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[1].strip()
        assert who == ("organizer@example.org" if shown else "•••")


def test_the_templates_download_as_csv_and_xlsx(app, staff_client):
    """Both templates, in both formats, have the documented headers in order."""
    small_festival()
    for kind in ("syllabus", "entries"):
        csv_file = staff_client.get(imports_url(f"template/{kind}.csv"))
        assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
        assert csv_file.data.decode("utf-8-sig").strip().split(",") == headers_of(kind)
        xlsx = staff_client.get(imports_url(f"template/{kind}.xlsx"))
        book = load_workbook(io.BytesIO(xlsx.data), read_only=True)
        assert [cell for cell in next(book.worksheets[0].iter_rows(values_only=True))] == headers_of(kind)
        assert book.sheetnames[1] == "Help"
        book.close()
    assert staff_client.get(imports_url("template/people.csv")).status_code == 404


def test_a_syllabus_is_imported_from_the_page(app, organizer_client):
    """The same flow for a syllabus file."""
    make_festival()
    db.session.commit()
    batch_id = previewed(organizer_client, [syllabus_class(), syllabus_class(number="102")], kind="syllabus")
    confirm(organizer_client, batch_id)
    assert db.session.get(ImportBatch, batch_id).status == "applied"


# --- Who may do what ------------------------------------------------------------------------------------------------

ROLES = ("anonymous", "end-user", "staff", "organizer", "admin")
# What each page of the tab needs besides signing in: festival-read, plus the write permission of the batch's kind.
NEEDS = {
    "imports.index": {FESTIVAL_READ},
    "imports.template": {FESTIVAL_READ},
    "imports.upload": {FESTIVAL_READ, ENTRIES_WRITE},
    "imports.mapping": {FESTIVAL_READ, ENTRIES_WRITE},
    "imports.show": {FESTIVAL_READ, ENTRIES_WRITE},
    "imports.status": {FESTIVAL_READ, ENTRIES_WRITE},
    "imports.confirm": {FESTIVAL_READ, ENTRIES_WRITE},
    "imports.undo_import": {FESTIVAL_READ, ENTRIES_WRITE},
    "imports.discard": {FESTIVAL_READ, ENTRIES_WRITE},
    "imports.retry": {FESTIVAL_READ, ENTRIES_WRITE},
    "imports.switch_kind": {FESTIVAL_READ, ENTRIES_WRITE},
}


def import_rules(app) -> list:
    """Return every URL rule of the imports blueprint (its static files are public)."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("imports.")]
    assert {rule.endpoint for rule in rules} == set(NEEDS), "classify every new endpoint in NEEDS"
    return rules


def url_of(rule, batch_id: int) -> str:
    """Fill in a rule's arguments: the festival, a batch, a template."""
    url = rule.rule.replace("<festival_slug>", SLUG).replace("<int:batch_id>", str(batch_id))
    url = url.replace("<kind>", "entries").replace("<fmt>", "csv")
    assert "<" not in url, url
    return url


def holds(role: str) -> set[str]:
    """Return the permissions a built-in role holds."""
    return set() if role == "anonymous" else set(role_permissions(role))


@pytest.mark.parametrize("role", ROLES)
def test_every_page_admits_exactly_the_roles_that_hold_its_permissions(app, users, client_for, organizer_client, role):
    """Every URL of the tab, GET or POST (with a valid CSRF token): a sign-in redirect, a 403, or the page."""
    small_festival()
    batch_id = previewed(organizer_client)
    client = app.test_client() if role == "anonymous" else client_for(role)
    for rule in import_rules(app):
        url = url_of(rule, batch_id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf_token(client, "/login" if role == "anonymous" else "/")})
            jobs.wait_for_threads()
            allowed = NEEDS[rule.endpoint] <= holds(role)
            where = f"{method} {url} as {role}: {response.status_code}"
            if role == "anonymous":
                assert response.status_code == 302 and "/login" in response.headers["Location"], where
            elif allowed:
                assert response.status_code in (200, 302, 400), where
            else:
                assert response.status_code == 403, where


def test_a_kind_needs_its_own_write_permission(app, users, organizer_client):
    """syllabus-write alone opens syllabus imports, not entries imports, and offers only syllabus uploads."""
    small_festival()
    entries_batch = previewed(organizer_client)
    syllabus_batch = previewed(organizer_client, [syllabus_class(number="777")], kind="syllabus")
    email = user_with_permissions("syllabus@example.org", "syllabus-importer", {FESTIVAL_READ, SYLLABUS_WRITE})
    client = sign_in(app, email)
    assert client.get(imports_url(str(syllabus_batch))).status_code == 200
    assert client.get(imports_url(str(entries_batch))).status_code == 403
    index = page(client.get(imports_url()))
    assert '<option value="syllabus">' in index and '<option value="entries">' not in index
    refused = upload(client, entries_csv([entry()]), kind="entries")
    assert refused.status_code == 400 and db.session.scalar(select(func.count(ImportBatch.id))) == 2
    blind = sign_in(app, user_with_permissions("blind@example.org", "blind-importer", {ENTRIES_WRITE}))
    assert blind.get(imports_url(str(entries_batch))).status_code == 403
    assert blind.get(imports_url()).status_code == 403


def test_another_festivals_batch_is_not_found(app, users, organizer_client):
    """A batch id of another festival, in this festival's URLs, is a 404 for every page, GET or POST."""
    small_festival()
    make_festival("autumn-2026", name="Autumn 2026")
    db.session.commit()
    batch_id = previewed(organizer_client)
    before = table_counts()
    for path in ("", "/mapping", "/status"):
        assert organizer_client.get(f"/festivals/autumn-2026/imports/{batch_id}{path}").status_code == 404
    token = csrf_token(organizer_client, "/")
    for path in ("/mapping", "/confirm", "/undo", "/discard"):
        url = f"/festivals/autumn-2026/imports/{batch_id}{path}"
        response = organizer_client.post(url, data={"csrf_token": token, "leave_out_errors": "y"})
        assert response.status_code == 404, path
    jobs.wait_for_threads()
    assert table_counts() == before and db.session.get(ImportBatch, batch_id).status == "previewed"
    assert organizer_client.get("/festivals/no-such-festival/imports/").status_code == 404


@pytest.mark.parametrize("path", ["", "/confirm", "/undo", "/discard", "/mapping", "/kind"])
def test_every_post_needs_its_csrf_token(app, users, organizer_client, path):
    """Without the token: 400, nothing done."""
    small_festival()
    batch_id = previewed(organizer_client)
    url = imports_url() if path == "" else imports_url(f"{batch_id}{path}")
    data = {"leave_out_errors": "y", "kind": "entries"}
    if path == "":
        data["file"] = (io.BytesIO(entries_csv([entry()])), "entries.csv")
    response = organizer_client.post(url, data=data)
    assert response.status_code == 400
    jobs.wait_for_threads()
    assert db.session.get(ImportBatch, batch_id).status == "previewed"
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 1


def test_personal_values_in_issues_are_hidden_without_people_read(app, users, organizer_client):
    """Someone who may import entries but not read people's personal data sees the issue, not the emails."""
    small_festival()
    rows = [ROWS[1], entry(performer_first_name="Ben", performer_email="ben at home")]
    batch_id = previewed(organizer_client, rows)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert "new.marie@example.org" in shown and "marie@example.org" in shown and "ben at home" in shown
    email = user_with_permissions("clerk@example.org", "entries-clerk", {FESTIVAL_READ, ENTRIES_WRITE})
    clerk = page(sign_in(app, email).get(imports_url(str(batch_id))))
    assert 'data-code="contact-mismatch"' in clerk and 'data-code="bad-value"' in clerk
    assert "marie@example.org" not in clerk and "ben at home" not in clerk
    assert "Marie Tremblay" in clerk


def test_the_pages_speak_french(app, users, organizer_client):
    """The tab, the preview and its issues in French."""
    small_festival()
    batch_id = previewed(organizer_client)
    french = {"Accept-Language": "fr"}
    index = page(organizer_client.get(imports_url(), headers=french))
    assert "Importer un fichier" in index
    shown = page(organizer_client.get(imports_url(str(batch_id)), headers=french))
    assert "Rien n’a encore été écrit" in shown
    assert "Il n’y a pas de classe 999" in shown


def test_the_audit_trail_labels_every_import_action(app):
    """Each action the imports record has a label for the audit view."""
    from mfo.features import registry

    labels = registry().audit_labels
    for action in ("import-uploaded", "import-applied", "import-refused", "import-undone", "import-discarded", "import-kind-changed"):
        assert action in labels


def test_the_json_error_of_the_status_endpoint_for_visitors(app):
    """A visitor asking the status as JSON is told to sign in, not shown anything."""
    small_festival()
    response = app.test_client().get(imports_url("1/status"), headers={"Accept": "application/json"})
    assert response.status_code in (302, 401)
    assert b"progress" not in response.data


def test_the_history_and_a_preview_run_a_fixed_number_of_queries(app, users, organizer_client):
    """However many imports and rows, the history and a batch's page run the same queries."""
    from tests.test_database import recorded_queries

    small_festival()
    first = previewed(organizer_client, ROWS[:1])
    organizer_client.get(imports_url())
    organizer_client.get(imports_url(str(first)))
    with recorded_queries() as few_history:
        organizer_client.get(imports_url())
    with recorded_queries() as few_rows:
        organizer_client.get(imports_url(str(first)))
    many = previewed(organizer_client, [entry(performer_first_name=f"P{i}") for i in range(40)])
    for _ in range(3):
        previewed(organizer_client, ROWS)
    with recorded_queries() as more_history:
        organizer_client.get(imports_url())
    with recorded_queries() as more_rows:
        organizer_client.get(imports_url(str(many)))
    assert len(more_history) == len(few_history)
    assert len(more_rows) == len(few_rows)
