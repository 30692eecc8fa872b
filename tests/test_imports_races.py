"""Confirmations and undos of one festival run at once (several web and job workers): each sees what the other committed.

Every race here is run for real: two confirmation jobs in two threads, or a page request in a
thread beside a job, each with its own app context and database connection. A barrier (or an
event) only makes the unlucky order happen every time: both imports look their people up before
either writes, an import commits between an undo's check and its delete.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.models import Entry
from mfo.imports import jobs, services
from mfo.imports import undo as undo_module
from mfo.imports import views as import_views
from mfo.imports.models import ImportBatch
from mfo.imports.undo import UndoRefused, undo
from mfo.jobs.models import Job
from mfo.people.models import Group, Person
from tests.admin_helpers import flashed
from tests.conftest import make_app
from tests.helpers import login, post_form
from tests.import_helpers import entries_csv, entry, import_file, imports_url, small_festival, syllabus_class, syllabus_csv

# Long enough for any machine; a wait that runs out fails the test with a broken barrier, never hangs it.
PATIENCE = 60

# Twenty performers nobody has on file yet, each with the same teacher (and no school: a school's name is unique).
NEWCOMERS = [
    entry(performer_first_name=f"Pupil{number}", performer_last_name="Newcomer", performer_email=f"pupil{number}@example.org",
          performer_phone="", school="")
    for number in range(20)
]
SCHOOL = entry()["school"]


@pytest.fixture(autouse=True)
def _jobs_finish():
    """Every job thread a test starts ends before its database is emptied."""
    yield
    jobs.wait_for_threads()


def previewed(festival, rows: list[dict[str, str]], filename: str, kind: str = "entries") -> int:
    """Upload a file and keep its preview, as the pages do before the confirmation; return the batch's id."""
    data = entries_csv(rows) if kind == "entries" else syllabus_csv(rows)
    batch = services.upload(festival, kind, filename, data, services.read_file(data, filename))
    services.keep_preview(batch, services.compute_plan(batch))
    batch.excluded_rows = []
    db.session.commit()
    return batch.id


def start_confirmation(batch_id: int) -> None:
    """Start the confirmation job of a batch, as the Confirm button does (a thread of this process)."""
    assert jobs.start(db.session.get(ImportBatch, batch_id), "confirm")


def fresh(batch_id: int) -> ImportBatch:
    """Read a batch again from the database."""
    db.session.expire_all()
    return db.session.get(ImportBatch, batch_id)


def newcomers() -> int:
    """Count the people named Newcomer."""
    db.session.expire_all()
    return db.session.scalar(select(func.count(Person.id)).where(Person.last_name == "Newcomer"))


def after_first_plan(monkeypatch, then) -> None:
    """Call `then(batch)` in each thread once its first plan is made (the people looked up), before anything is written."""
    real = services.compute_plan
    planned: set[int] = set()

    def compute_plan(*args, **kwargs):
        plan = real(*args, **kwargs)
        if threading.get_ident() not in planned:
            planned.add(threading.get_ident())
            then(args[0])
        return plan

    monkeypatch.setattr(services, "compute_plan", compute_plan)


def job_error(batch_id: int) -> str | None:
    """Return why a batch's last job failed, if it did."""
    return fresh(batch_id).job_error


# --- two imports confirmed at once


def test_two_imports_of_the_same_new_people_confirmed_at_once_create_them_once(app, monkeypatch):
    """Two files naming the same 20 new performers, both confirmed before either is written: 20 people, not 40."""
    festival = small_festival()
    first = previewed(festival, NEWCOMERS, "piano.csv")
    second = previewed(festival, [{**row, "class": "102"} for row in NEWCOMERS], "baroque.csv")
    assert fresh(first).counts["created"]["person"] == fresh(second).counts["created"]["person"] == 21  # and the teacher
    barrier = threading.Barrier(2, timeout=PATIENCE)
    after_first_plan(monkeypatch, lambda _batch: barrier.wait())
    start_confirmation(first)
    start_confirmation(second)
    jobs.wait_for_threads()
    assert (fresh(first).status, fresh(second).status) == ("applied", "applied"), (job_error(first), job_error(second))
    assert newcomers() == 20
    assert db.session.scalar(select(func.count(Person.id)).where(Person.last_name == "Wieck")) == 1
    assert db.session.scalar(select(func.count(Entry.id))) == 40


def ended(batch_id: int) -> bool:
    """Tell whether the last job of a batch has ended (read on a connection of its own, so committed rows only)."""
    with db.engine.connect() as connection:
        status = connection.execute(
            select(Job.status).where(Job.subject == jobs.subject(batch_id)).order_by(Job.id.desc()).limit(1)
        ).scalar()
    return status in ("done", "failed", "stopped")


def test_entries_confirmed_beside_a_new_fee_carry_the_fee_the_audit_trail_says_came_first(app, monkeypatch):
    """A syllabus raising a class's fee and entries in that class, confirmed at once; the syllabus is written first.

    The entries were checked on the old fee: they are checked again, and carry the new one, as the
    audit trail's order (the syllabus first) says they should.
    """
    festival = small_festival()
    fees = previewed(festival, [syllabus_class(fee="25.00")], "fees.csv", kind="syllabus")
    pupils = previewed(festival, NEWCOMERS[:3], "pupils.csv")
    barrier = threading.Barrier(2, timeout=PATIENCE)

    def syllabus_first(batch) -> None:
        barrier.wait()
        deadline = time.monotonic() + PATIENCE
        while batch.id == pupils and not ended(fees) and time.monotonic() < deadline:
            time.sleep(0.01)

    after_first_plan(monkeypatch, syllabus_first)
    start_confirmation(fees)
    start_confirmation(pupils)
    jobs.wait_for_threads()
    assert (fresh(fees).status, fresh(pupils).status) == ("applied", "applied"), (job_error(fees), job_error(pupils))
    order = db.session.scalars(select(AuditEvent.target).where(AuditEvent.action == "import-applied").order_by(AuditEvent.id)).all()
    assert [target.split()[2] for target in order][-2:] == ["fees.csv", "pupils.csv"]
    assert {str(fee) for fee in db.session.scalars(select(Entry.fee))} == {"25.00"}


# --- an undo beside an import that uses what it created


def organizer_elsewhere(database_url: str, users: dict[str, str]):
    """Return a client of a second app on the same database, signed in as the organizer: its requests run in any thread."""
    other = make_app(database_url, shares_context=False)
    client = other.test_client()
    login(client, users["organizer"])
    return client


def undo_page(client, batch_id: int):
    """Press Undo on an import's page; return the page it leads to."""
    return post_form(client, imports_url(f"{batch_id}/undo"), token_from=imports_url(str(batch_id)), follow_redirects=True)


def waiting_or_finished(engine: sqlalchemy.Engine, batch_id: int) -> bool:
    """Tell whether a session of the test database waits for a lock, or the batch's last job has ended."""
    with engine.connect() as connection:
        waiting = connection.execute(sqlalchemy.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )).scalar()
        ended = connection.execute(
            select(Job.status).where(Job.subject == jobs.subject(batch_id)).order_by(Job.id.desc()).limit(1)
        ).scalar() in ("done", "failed", "stopped")
    return bool(waiting) or ended


@pytest.mark.parametrize("uses", ["teacher", "performer", "member"])
def test_an_import_committed_during_an_undo_keeps_its_teacher_and_the_undo_answers_clearly(app, users, database_url, monkeypatch, uses):
    """An import using the teacher (a performer, a group member) an undone import created, confirmed during the undo: never
    a 500, never a teacher, school or member quietly taken away.

    The import has looked its people up (the teacher on file) when the undo checks what uses its
    records; the import then goes on to write while the undo is between its check and its delete.
    Either the undo is refused because the import now uses its records, or the import waits for the
    undo and looks its people up again.
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the import cannot write between the undo's check and its delete")
    festival = small_festival()
    undone, _plan = import_file(festival, "entries", entries_csv([entry()]))  # Anna Smith, taught by Clara Wieck
    undone_id = undone.id
    rows = [{**row, "class": "102", "school": SCHOOL} for row in NEWCOMERS[:3]]
    if uses == "performer":
        rows.append(entry(**{"class": "102"}))  # Anna Smith again, in another class
    if uses == "member":
        rows.append(entry(**{"class": "201"}, group_name="Race Duo", group_members="Anna Smith; Pupil0 Newcomer",
                          piece_1_title="Jazz Duet"))
    later = previewed(festival, rows, "later.csv")
    client = organizer_elsewhere(database_url, users)
    planned, checked = threading.Event(), threading.Event()
    after_first_plan(monkeypatch, lambda _batch: (planned.set(), checked.wait(PATIENCE)))
    engine = sqlalchemy.create_engine(database_url)
    real_blockers = undo_module.blockers

    def blockers_then_let_the_import_write(batch):
        """Check, then let the import go on until it has committed or waits for a lock."""
        reasons = real_blockers(batch)
        checked.set()
        deadline = time.monotonic() + PATIENCE
        while not waiting_or_finished(engine, later) and time.monotonic() < deadline:
            time.sleep(0.01)
        return reasons

    monkeypatch.setattr(undo_module, "blockers", blockers_then_let_the_import_write)
    answers: list = []

    def press_undo() -> None:
        planned.wait(PATIENCE)
        try:
            answers.append(undo_page(client, undone_id))
        except BaseException as error:  # kept for the assertion below: a thread's exception is otherwise lost
            answers.append(error)
        finally:
            checked.set()

    undoing = threading.Thread(target=press_undo)
    undoing.start()
    start_confirmation(later)
    jobs.wait_for_threads()
    undoing.join(PATIENCE)
    engine.dispose()

    [answer] = answers
    assert not isinstance(answer, BaseException), answer
    assert answer.status_code == 200
    message = flashed(answer)
    assert "The import was undone" in message or "This import cannot be undone" in message, message
    assert fresh(later).status == "applied", job_error(later)
    later_entries = db.session.scalars(select(Entry).where(Entry.class_id.in_([_class_id("102"), _class_id("201")]))).all()
    assert len(later_entries) == len(rows)
    assert all(len(group.members) == 2 for group in db.session.scalars(select(Group)))
    assert all(entry_.teacher_id is not None and entry_.school_id is not None for entry_ in later_entries)
    if "The import was undone" in message:
        assert fresh(undone_id).status == "undone"
    else:
        assert fresh(undone_id).status == "applied"


def _class_id(number: str) -> int:
    """Return the id of a class of the festival by its number."""
    from mfo.syllabus.models import FestivalClass

    return db.session.scalar(select(FestivalClass.id).where(FestivalClass.number == number))


def test_an_undo_after_an_import_that_uses_its_teacher_is_refused(app):
    """One after the other (what the lock makes of a race): the undo sees the entry using its teacher and changes nothing."""
    festival = small_festival()
    undone, _plan = import_file(festival, "entries", entries_csv([entry()]))
    import_file(festival, "entries", entries_csv([{**NEWCOMERS[0], "class": "102"}]))
    with pytest.raises(UndoRefused) as refused:
        undo(undone)
    db.session.rollback()
    assert "people it created are used by records made since" in " ".join(str(reason) for reason in refused.value.reasons)
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.teacher_id.is_(None))) == 0


# --- two undos of one import at once


def test_two_undos_of_one_import_at_once_undo_it_once(app, users, database_url, monkeypatch):
    """Undo pressed on two pages at once: one says it was undone, the other that it already was; one audit event."""
    festival = small_festival()
    batch, _plan = import_file(festival, "entries", entries_csv(NEWCOMERS[:5]))
    batch_id = batch.id
    clients = [organizer_elsewhere(database_url, users) for _ in range(2)]
    # Both pages have read the import as applied before either undoes it.
    barrier = threading.Barrier(2, timeout=PATIENCE)
    real_undo = import_views.undo

    def undo_together(batch, **kwargs):
        barrier.wait()
        return real_undo(batch, **kwargs)

    monkeypatch.setattr(import_views, "undo", undo_together)
    answers: list = []

    def press_undo(client) -> None:
        try:
            answers.append(undo_page(client, batch_id))
        except BaseException as error:  # kept for the assertion below
            answers.append(error)

    threads = [threading.Thread(target=press_undo, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)
    assert all(not isinstance(answer, BaseException) and answer.status_code == 200 for answer in answers), answers
    messages = sorted(flashed(answer) for answer in answers)
    assert "The import was undone" in messages[0], messages
    assert "This import cannot be undone: It has already been undone." in messages[1], messages
    assert fresh(batch_id).status == "undone"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import-undone")) == 1
    assert newcomers() == 0


def test_an_import_undone_twice_says_it_already_was(app):
    """One after the other: the second undo says the import was already undone, and records nothing."""
    festival = small_festival()
    batch, _plan = import_file(festival, "entries", entries_csv(NEWCOMERS[:2]))
    undo(batch)
    db.session.commit()
    with pytest.raises(UndoRefused) as refused:
        undo(batch)
    db.session.rollback()
    assert [str(reason) for reason in refused.value.reasons] == ["It has already been undone."]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import-undone")) == 1


def test_a_use_made_between_the_check_and_the_delete_is_a_clear_refusal(app, users, database_url, monkeypatch):
    """A row made outside the imports (an admin's edit takes no festival lock) between the undo's check and its delete:
    the page says the undo is refused, and nothing is undone."""
    from mfo.syllabus.models import FestivalClass
    from tests.festival_helpers import make_entry

    festival = small_festival()
    batch, _plan = import_file(festival, "entries", entries_csv([entry()]))
    batch_id = batch.id
    anna = db.session.scalars(select(Person).where(Person.first_name == "Anna")).one()
    make_entry(db.session.scalars(select(FestivalClass).where(FestivalClass.number == "301")).one(), [anna])
    db.session.commit()
    # The check ran before that entry was made.
    monkeypatch.setattr(undo_module, "blockers", lambda batch: [])
    answer = undo_page(organizer_elsewhere(database_url, users), batch_id)
    assert answer.status_code == 200
    assert "This import cannot be undone: Records made at the same moment use what it created." in flashed(answer)
    assert fresh(batch_id).status == "applied"
    assert db.session.scalar(select(func.count(Person.id)).where(Person.first_name == "Anna")) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import-undone")) == 0
