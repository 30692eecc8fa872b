"""The schema: migrations match the models on SQLite and PostgreSQL; signed-in requests stay cheap."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import event, inspect

from mfo.database import db
from mfo.database.setup import migration_filter, no_queries_while_building
from tests.conftest import make_app

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: SQLite in a temporary file, a throw-away PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return request.getfixturevalue("postgres_database")()


def test_migrations_build_the_schema_the_models_describe(empty_database: str):
    """`flask db upgrade` on an empty database gives exactly the models' schema (autogenerate finds nothing)."""
    app = make_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            include = migration_filter(connection.dialect.name)
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include})
            differences = compare_metadata(context, db.metadata)
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert differences == []
    assert {"user", "role", "roles_users", "webauthn", "alembic_version"} <= tables


def test_migrations_make_the_audit_trail_append_only_with_its_chain_head(empty_database: str):
    """After `flask db upgrade` the trail verifies (empty, head in place) and the database refuses edits of events."""
    from mfo.audit.trail import record, verify

    app = make_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert verify().ok
        record("test-event")
        db.session.commit()
        for statement in ("UPDATE audit_event SET ip = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"), db.engine.begin() as connection:
                connection.execute(sqlalchemy.text(statement))
        verdict = verify()
        db.session.remove()
        db.engine.dispose()
    assert verdict.ok and verdict.events == 1


def test_adding_the_first_sign_in_columns_keeps_every_users_roles(empty_database: str):
    """The revision adding user.must_change_password and user.invited_at keeps existing users, their
    roles and their passkeys (a copied and dropped user table would cascade into them on SQLite)."""
    app = make_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="c8fdcb0c01f0")
        with db.engine.begin() as connection:
            connection.execute(sqlalchemy.text("INSERT INTO role (id, name) VALUES (1, 'staff')"))
            connection.execute(
                sqlalchemy.text(
                    "INSERT INTO \"user\" (id, email, active, fs_uniquifier, failed_logins) VALUES (1, 'a@example.org', true, 'u1', 0)"
                )
            )
            connection.execute(sqlalchemy.text("INSERT INTO roles_users (user_id, role_id) VALUES (1, 1)"))
        upgrade(directory=MIGRATIONS, revision="9fc18b7ebba6")
        with db.engine.connect() as connection:
            links = connection.execute(sqlalchemy.text("SELECT user_id, role_id FROM roles_users")).all()
            flags = connection.execute(sqlalchemy.text('SELECT must_change_password, invited_at FROM "user"')).all()
        db.engine.dispose()
    assert links == [(1, 1)]
    assert [(bool(must), invited) for must, invited in flags] == [(False, None)]


def test_roles_users_has_a_composite_primary_key(app):
    """roles_users is keyed by (user_id, role_id) and indexed by role: no duplicates, no scans."""
    inspector = inspect(db.engine)
    assert inspector.get_pk_constraint("roles_users")["constrained_columns"] == ["user_id", "role_id"]
    assert any(index["column_names"] == ["role_id"] for index in inspector.get_indexes("roles_users"))


def test_a_role_cannot_be_given_twice(app, users):
    """The primary key refuses a duplicate role assignment at the database."""
    user_id = db.session.execute(sqlalchemy.text("select id from \"user\" where email = 'staff@example.org'")).scalar()
    role_id = db.session.execute(sqlalchemy.text("select id from role where name = 'staff'")).scalar()
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.execute(
            sqlalchemy.text("insert into roles_users (user_id, role_id) values (:u, :r)"), {"u": user_id, "r": role_id}
        )
        db.session.flush()
    db.session.rollback()


@contextmanager
def recorded_queries() -> Iterator[list[str]]:
    """Record the SQL statements run on the app's engine inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_signed_in_page_runs_a_fixed_small_number_of_queries(admin_client):
    """A signed-in page loads the user and its roles with two indexed queries, however many users exist."""
    admin_client.get("/account/")  # warm up: first request may compile templates, etc.
    with recorded_queries() as statements:
        assert admin_client.get("/account/").status_code == 200
    assert len(statements) <= 2, statements
    assert not any(" JOIN role " in s and "roles_users" in s and "FROM \"user\"" in s for s in statements), statements


def test_loading_roles_does_not_scan_roles_users(admin_client):
    """On SQLite the roles query searches roles_users by its key instead of scanning it on every signed-in request."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the query plan check reads SQLite's EXPLAIN QUERY PLAN")
    with recorded_queries() as statements:
        admin_client.get("/account/")
    roles_query = next(s for s in statements if "roles_users" in s)
    user_id = db.session.execute(sqlalchemy.text("select id from \"user\" where email = 'admin@example.org'")).scalar()
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + roles_query, (user_id,)).fetchall()
    details = " | ".join(str(row[-1]) for row in plan)
    assert "SCAN roles_users" not in details, details
    assert "roles_users USING" in details or "SEARCH roles_users" in details, details


def test_no_query_may_run_while_the_app_is_built():
    """In debug and testing, a query during create_app fails loudly instead of slowing every start."""
    engine = sqlalchemy.create_engine("sqlite://")
    with (
        pytest.raises(RuntimeError, match="while the app was being built"),
        no_queries_while_building(guard=True),
        engine.connect() as connection,
    ):
        connection.execute(sqlalchemy.text("select 1"))
    with no_queries_while_building(guard=False), engine.connect() as connection:
        assert connection.execute(sqlalchemy.text("select 1")).scalar() == 1
    engine.dispose()
