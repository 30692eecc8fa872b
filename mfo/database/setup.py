"""The SQLAlchemy object, with a constraint naming convention so migrations name things predictably."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase

from mfo.database.collation import SQLITE_COLLATION, compare

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose metadata carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def migration_filter(dialect: str) -> Callable[..., bool]:
    """Return Alembic's include_object for `dialect`: it leaves out indexes made only on other databases.

    A model index limited with Index.ddl_if(dialect=...) (PostgreSQL's trigram indexes) is not
    created on SQLite, but Alembic does not read ddl_if and would ask for it there. migrations/env.py
    and the schema test both use this filter, so `flask db migrate` and the test agree.
    """

    def include_object(obj, _name, type_, reflected, _compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        if type_ != "index" or reflected or condition is None or condition.dialect is None:
            return True
        return condition.dialect == dialect

    return include_object


def configure_sqlite(app: Flask) -> None:
    """Turn on WAL mode, foreign keys and a busy timeout for every SQLite connection of this app."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    timeout = int(app.config["MFO_SQLITE_BUSY_TIMEOUT_MS"])
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={timeout}")
        cursor.close()
        dbapi_connection.create_collation(SQLITE_COLLATION, compare)


def end_sessions_safely(app: Flask) -> None:
    """End each request's database session without letting a dead connection turn it into a 500.

    When the database restarts, the connection a request used can die before the session is
    closed; closing then rolls back on a dead socket and raises during app-context teardown,
    after the response was made. The pool discards that connection, so log it and carry on.
    Registered after Flask-SQLAlchemy's own teardown, so it runs first.
    """

    @app.teardown_appcontext
    def _end_session(_error) -> None:
        try:
            db.session.remove()
        except SQLAlchemyError:
            app.logger.warning("closing a database session failed; its connection is discarded", exc_info=True)
            db.session.registry.clear()


_building = threading.local()


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_while_building(*_args, **_kwargs) -> None:
    """Fail loudly when a query runs while an app is being built (see no_queries_while_building)."""
    if getattr(_building, "active", False):
        raise RuntimeError("a database query ran while the app was being built; move it into a request or command")


@contextmanager
def no_queries_while_building(guard: bool) -> Iterator[None]:
    """While the block runs (and guard is true), any database query raises RuntimeError."""
    _building.active = guard
    try:
        yield
    finally:
        _building.active = False

