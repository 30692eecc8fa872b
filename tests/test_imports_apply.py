"""Confirming is all or nothing; undoing puts everything back, and is refused once what the import wrote was edited or used."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.models import Entry
from mfo.imports import entries as entries_module
from mfo.imports import jobs, services
from mfo.imports.models import ImportBatch
from mfo.imports.undo import UndoRefused, undo
from mfo.people.models import Person
from mfo.syllabus.models import FestivalClass
from tests.festival_helpers import make_entry, make_festival, make_person
from tests.import_helpers import (
    entries_csv,
    entry,
    import_file,
    small_festival,
    snapshot_rows,
    syllabus_class,
    syllabus_csv,
    table_counts,
)

ROWS = [
    entry(),
    entry(performer_first_name="Ben", performer_birth_date="2015-02-02"),
    entry(performer_first_name="Chloé", performer_birth_date="2014-09-09", school="Lakeside Conservatory"),
    entry(**{"class": "201"}, group_name="Smith Duo", group_members="Anna Smith; Ben Smith", piece_1_title="Jazz Duet"),
    entry(**{"class": "999"}),
]


def previewed_batch(festival, data: bytes, excluded=()) -> ImportBatch:
    """Upload a file and keep its preview, as the pages do before the confirmation."""
    table = services.read_file(data, "entries.csv")
    batch = services.upload(festival, "entries", "entries.csv", data, table)
    services.keep_preview(batch, services.compute_plan(batch))
    batch.excluded_rows = list(excluded)
    db.session.commit()
    return batch


def confirm_now(batch: ImportBatch) -> ImportBatch:
    """Run the confirmation job here, as the background would."""
    batch_id = batch.id
    assert jobs.claim(batch, "confirm")
    db.session.commit()
    jobs.work(batch_id, "confirm")
    return db.session.get(ImportBatch, batch_id)


def test_a_confirmation_applies_the_rows_left_in_and_records_the_counts(app):
    """The row with an error left out, the others are written; the audit event has the counts and the rows left out."""
    festival = small_festival()
    batch = confirm_now(previewed_batch(festival, entries_csv(ROWS), excluded=[6]))
    assert batch.status == "applied" and batch.job is None and batch.content is None
    assert batch.excluded_rows == [6] and batch.applied_at is not None
    assert len(db.session.scalars(select(Entry)).all()) == 4
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import-applied")).one()
    details = json.loads(event.details)
    assert details["created"]["entry"] == 4 and details["excluded"] == [6] and details["rows"] == 5
    assert event.target == f"import #{batch.id} entries.csv (entries)"


def test_a_confirmation_with_an_error_left_in_is_refused_and_writes_nothing(app):
    """Nothing written but the refusal; the batch can still be confirmed once the row is left out."""
    festival = small_festival()
    batch = previewed_batch(festival, entries_csv(ROWS))
    before = table_counts()
    batch = confirm_now(batch)
    assert batch.status == "refused"
    after = table_counts()
    assert after["entry"] == before["entry"] == 0 and after["import_change"] == 0
    assert after["audit_event"] == before["audit_event"] + 1
    refusal = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import-refused")).one()
    assert json.loads(refusal.details)["error_rows"] == [6]
    batch.excluded_rows = [6]
    db.session.commit()
    assert confirm_now(batch).status == "applied"


@pytest.mark.parametrize("failure", ["exception", "constraint"])
def test_a_confirmation_that_fails_midway_leaves_the_database_as_it_was(app, monkeypatch, failure):
    """People, schools and pieces already inserted are rolled back with the failing entries; no audit event either."""
    festival = small_festival()
    batch = previewed_batch(festival, entries_csv(ROWS), excluded=[6])
    before = table_counts()
    rows_before = snapshot_rows()
    real = entries_module.entry_values
    calls = []

    def failing(festival, batch, target):
        calls.append(target)
        values = real(festival, batch, target)
        if len(calls) == 3:
            if failure == "exception":
                raise RuntimeError("the disk is full")
            values["status"] = "lost"  # refused by the table's CHECK constraint
        return values

    monkeypatch.setattr(entries_module, "entry_values", failing)
    batch = confirm_now(batch)
    assert len(calls) >= 3
    db.session.expire_all()
    assert table_counts() == before
    assert snapshot_rows() == rows_before
    assert batch.status == "previewed" and batch.job is None and batch.job_error
    assert batch.content is not None  # kept for another try
    monkeypatch.setattr(entries_module, "entry_values", real)
    assert confirm_now(batch).status == "applied"


def test_undo_puts_everything_back_as_it_was(app):
    """Created records are deleted, changed ones get their values back; the audit trail records the undo."""
    festival = small_festival()
    make_person("Anna", "Smith", None)  # on file without birth date or contacts: the import fills them in
    db.session.commit()
    first, _plan = import_file(festival, "entries", entries_csv(ROWS[:2]))
    before_second = snapshot_rows()
    second, plan = import_file(festival, "entries", entries_csv([entry(fee_paid="3.00", piece_1_title="Arabesque")] + ROWS[1:4]))
    assert plan.changed["entry"] == 1 and plan.created["entry"] == 2
    result = undo(second)
    db.session.commit()
    assert snapshot_rows() == before_second
    assert second.status == "undone" and second.undone_at is not None
    assert result["restored"] == {"entry": 1} and result["deleted"]["entry"] == 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import-undone")).one()
    assert json.loads(event.details)["deleted"]["entry"] == 2
    undo(first)
    db.session.commit()
    anna = db.session.scalars(select(Person).where(Person.name_key == "anna smith")).one()
    assert (anna.birth_date, anna.email, anna.phone) == (None, None, None)
    assert db.session.scalars(select(Entry)).all() == []


def test_undo_is_refused_once_a_record_it_wrote_has_been_edited(app):
    """An entry edited since: the undo says so and changes nothing."""
    festival = small_festival()
    batch, _plan = import_file(festival, "entries", entries_csv(ROWS[:4]))
    edited = db.session.scalars(select(Entry).order_by(Entry.id)).first()
    edited.comments = "Changed by the office"
    db.session.commit()
    before = snapshot_rows()
    with pytest.raises(UndoRefused) as refused:
        undo(batch)
    db.session.rollback()
    assert "1 of the entries it created or changed have been edited since" in " ".join(str(r) for r in refused.value.reasons)
    assert snapshot_rows() == before


def test_undo_is_refused_while_something_made_since_uses_a_record_it_created(app):
    """A person the import created now has an entry made online: undoing would take them away."""
    festival = small_festival()
    batch, _plan = import_file(festival, "entries", entries_csv(ROWS[:1]))
    anna = db.session.scalars(select(Person).where(Person.name_key == "anna smith")).one()
    voice = db.session.scalars(select(FestivalClass).where(FestivalClass.number == "301")).one()
    make_entry(voice, [anna])
    db.session.commit()
    with pytest.raises(UndoRefused) as refused:
        undo(batch)
    db.session.rollback()
    assert "people it created are used by records made since" in " ".join(str(r) for r in refused.value.reasons)


def test_a_syllabus_cannot_be_undone_once_its_classes_have_entries(app):
    """Classes with entries stay; the undo of the syllabus says why."""
    festival = make_festival()
    db.session.commit()
    batch, _plan = import_file(festival, "syllabus", syllabus_csv([syllabus_class()]))
    import_file(festival, "entries", entries_csv([entry()]))
    with pytest.raises(UndoRefused) as refused:
        undo(batch)
    db.session.rollback()
    assert "classes it created are used" in " ".join(str(r) for r in refused.value.reasons)


def test_a_syllabus_change_is_undone(app):
    """The class gets its fee and set pieces back; the piece the change brought is deleted."""
    festival = make_festival()
    db.session.commit()
    import_file(festival, "syllabus", syllabus_csv([syllabus_class(set_pieces="Minuet in G - Petzold")]))
    before = snapshot_rows()
    batch, _plan = import_file(festival, "syllabus", syllabus_csv([syllabus_class(fee="20", set_pieces="Arabesque - Burgmüller")]))
    undo(batch)
    db.session.commit()
    assert snapshot_rows() == before


def test_only_an_applied_import_can_be_undone(app):
    """Undoing twice, or a batch never applied, is refused."""
    festival = small_festival()
    batch, _plan = import_file(festival, "entries", entries_csv(ROWS[:1]))
    undo(batch)
    db.session.commit()
    with pytest.raises(UndoRefused):
        undo(batch)
    db.session.rollback()
    pending = previewed_batch(festival, entries_csv(ROWS[:1]))
    with pytest.raises(UndoRefused):
        undo(pending)
