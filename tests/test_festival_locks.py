"""The festival's write lock: rows that only point to the festival do not wait for it (the races are in test_imports_races)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy
from sqlalchemy import func, select

from mfo.database import db
from mfo.festival.locks import lock_for_writing
from mfo.festival.models import Festival
from mfo.imports import services
from tests.conftest import make_app
from tests.festival_helpers import make_festival
from tests.import_helpers import entries_csv, entry

PATIENCE = 60


def held_elsewhere(database_url: str, festival_id: int):
    """Hold the festival's write lock in a thread of its own until the returned event is set; return (event, thread)."""
    other = make_app(database_url, shares_context=False)
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with other.app_context():
            lock_for_writing(festival_id)
            taken.set()
            release.wait(PATIENCE)
            db.session.rollback()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(PATIENCE)
    return release, thread


def test_an_upload_does_not_wait_for_the_festivals_lock(app, database_url):
    """A confirmation holding the lock does not keep an organizer from uploading the next file (PostgreSQL's key share)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: every write waits for the lock")
    festival = make_festival()
    db.session.commit()
    release, thread = held_elsewhere(database_url, festival.id)
    try:
        # A wait would end in an error here rather than hang the test: FOR UPDATE makes this insert wait.
        db.session.execute(sqlalchemy.text("SET LOCAL lock_timeout = '5s'"))
        data = entries_csv([entry()])
        services.upload(festival, "entries", "next.csv", data, services.read_file(data, "next.csv"))
        db.session.commit()
    finally:
        release.set()
        thread.join(PATIENCE)
    assert db.session.scalar(select(func.count()).select_from(Festival)) == 1
