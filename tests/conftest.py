"""Fixtures: the app on a throw-away database, an anonymous client and one signed-in client per role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence

import pytest
import sqlalchemy
from flask import Flask, g
from flask.testing import FlaskClient
from flask_security.proxies import _security
from flask_security.utils import hash_password, naive_utcnow

from mfo import create_app
from mfo.audit.models import APPEND_ONLY_DDL, AuditEvent
from mfo.database import db
from mfo.database.models import User, user_datastore
from mfo.features import FEATURES, registry
from mfo.jobs.runner import wait_for_threads
from mfo.permissions import ADMIN_ACCESS, role_permissions
from mfo.security.commands import sync_roles
from tests import services
from tests.helpers import PASSWORD, login

ROLE_NAMES = ("admin", "organizer", "staff", "end-user")

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "SECURITY_PASSWORD_SALT": "test-password-salt",
    "SERVER_NAME": "localhost",
    # A fast argon2 for tests only: production keeps the library's strong defaults.
    "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": {
        "argon2__rounds": 1,
        "argon2__memory_cost": 8,
        "argon2__parallelism": 1,
    },
    "MAIL_BACKEND": "locmem",
    "SECURITY_TOTP_SECRETS": {"1": "test-totp-secret-for-the-suite-only"},
    # The suite signs in far more often than a person would; tests of the limits switch them on
    # with @pytest.mark.settings(RATELIMIT_ENABLED=True).
    "RATELIMIT_ENABLED": False,
}


def pytest_configure(config: pytest.Config) -> None:
    """Register the `settings` marker: @pytest.mark.settings(KEY=value) overrides the test app's config."""
    config.addinivalue_line("markers", "settings(**config): override the test app's configuration")
    config.addinivalue_line("markers", "features(*modules): install these features in the test app")


def postgres_or_skip() -> str:
    """Return the PostgreSQL server URL, skipping (or failing, when services are required) if none answers."""
    if services.postgres_answers():
        return services.POSTGRES_URL
    if services.required():
        pytest.fail(f"PostgreSQL does not answer at {services.POSTGRES_URL}")
    pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[], str]]:
    """Give a factory of throw-away PostgreSQL databases; every one is dropped at the end of the session."""
    created: list[str] = []
    server = sqlalchemy.make_url(postgres_or_skip())
    admin_engine = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")

    def make() -> str:
        name = f"mfo_test_{uuid.uuid4().hex[:12]}"
        with admin_engine.connect() as connection:
            connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield make
    with admin_engine.connect() as connection:
        for name in created:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database: SQLite in a temporary folder, or PostgreSQL when MFO_TEST_DATABASE=postgresql."""
    if os.environ.get("MFO_TEST_DATABASE") == "postgresql":
        return request.getfixturevalue("postgres_database")()
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "mfo-test.sqlite")


# Every app a test builds, so that its database connections are closed after the test (an engine
# left to the garbage collector closes them later, in whatever test runs then, with a warning).
_made_apps: list[Flask] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Once every fixture of a test is torn down, dispose of the engines of the apps it built.

    Not a fixture: a fixture's teardown can run before pytest-flask pops the request context it
    keeps pushed, or before the live server's last request gives back its connection; disposing
    then would orphan that connection, still open.
    """
    try:
        return (yield)
    finally:
        while _made_apps:
            with _made_apps.pop().app_context():
                for engine in db.engines.values():
                    engine.dispose()


def make_app(
    database_url: str, *, shares_context: bool = True, features: Sequence[str] = FEATURES, **overrides
) -> Flask:
    """Build a test app on the given database, with the given features (default: the installed ones).

    shares_context: the app's test requests run inside the context pytest-flask keeps pushed
    (true for the `app` fixture); apps served from a thread or used with no pushed context pass False.
    """
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides}, features=features)
    _made_apps.append(app)
    if not shares_context:
        return app

    @app.teardown_request
    def _forget_request_state(_exc) -> None:
        # pytest-flask keeps one request context pushed for the whole test, so every test request
        # shares its app context and `g`. Flask-Login caches the user there (g._login_user) and
        # Flask-WTF the CSRF token: without this, two clients in one test see each other's. The
        # database session is scoped to that shared context too: end it as a real request would.
        for key in list(g):
            g.pop(key, None)
        db.session.remove()

    return app


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[None]:
    """Create the tables once per session (the migrations are checked against them in test_database)."""
    app = make_app(database_url)
    with app.app_context():
        db.create_all(bind_key=None)  # the default database only: a test feature may keep its own
        db.engine.dispose()
    yield
    with app.app_context():
        db.drop_all(bind_key=None)
        db.engine.dispose()


@pytest.fixture
def app(_schema, database_url: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app under test, with the built-in roles synced; every table is emptied afterwards.

    @pytest.mark.settings(KEY=value) overrides settings; @pytest.mark.features("a.b", ...) installs
    those features instead of mfo.features.FEATURES.
    """
    settings = request.node.get_closest_marker("settings")
    installed = request.node.get_closest_marker("features")
    app = make_app(
        database_url,
        features=installed.args if installed else FEATURES,
        **(settings.kwargs if settings else {}),
    )
    with app.app_context():
        sync_roles()
    yield app
    # A page the test posted last may have started a job (an import's) in a thread of this process: it
    # must end before the tables are emptied (on PostgreSQL its open transaction and TRUNCATE's
    # exclusive lock wait on each other).
    wait_for_threads()
    with app.app_context():
        unlabelled = unlabelled_audit_actions()
        # End the session's transaction first: on PostgreSQL its read lock would block TRUNCATE.
        db.session.remove()
        with db.engine.begin() as connection:
            empty_tables(connection)
        db.engine.dispose()
    # Every action a test made the app record must have a label from some feature: the audit
    # view's filter lists only labelled actions, and organizers read labels, not action codes.
    assert not unlabelled, f"audit actions recorded without a label in any feature: {sorted(unlabelled)}"


def unlabelled_audit_actions() -> set[str]:
    """Return the audit actions in the trail that no installed feature labels (tests' own `test-` actions aside)."""
    recorded = set(db.session.scalars(sqlalchemy.select(AuditEvent.action).distinct()))
    return {action for action in recorded - set(registry().audit_labels) if not action.startswith("test-")}


def empty_tables(connection: sqlalchemy.Connection) -> None:
    """Delete every row of every table, the append-only audit trail's too.

    The audit table's triggers refuse DELETE: PostgreSQL's TRUNCATE does not fire them, and on
    SQLite they are dropped for the delete and made again.
    """
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        connection.execute(sqlalchemy.text(f"TRUNCATE {names}"))
        return
    for trigger in ("audit_event_no_update", "audit_event_no_delete"):
        connection.execute(sqlalchemy.text(f"DROP TRIGGER IF EXISTS {trigger}"))
    for table in reversed(db.metadata.sorted_tables):
        connection.execute(table.delete())
    for statement in APPEND_ONLY_DDL["sqlite"]:
        connection.execute(sqlalchemy.text(statement))


def create_user(
    email: str, roles: tuple[str, ...] = (), password: str = PASSWORD, mfa: bool | None = None, **fields
) -> User:
    """Create a confirmed, active user with the given roles (inside an app context).

    With mfa=True (the default for roles with admin access, who must have it) the user has an
    authenticator app set up; tests.helpers.login answers its code.
    """
    fields.setdefault("confirmed_at", naive_utcnow())
    user = user_datastore.create_user(email=email, password=hash_password(password), roles=list(roles), **fields)
    if mfa is None:
        mfa = any(role_permissions(role) & {ADMIN_ACCESS} for role in roles if role in registry().roles)
    if mfa:
        user.tf_primary_method = "authenticator"
        user.tf_totp_secret = _security.totp_factory.generate_totp_secret()
    db.session.commit()
    return user


@pytest.fixture
def users(app: Flask) -> dict[str, User]:
    """One user per built-in role, keyed by role name; each signs in with PASSWORD."""
    with app.app_context():
        made = {role: create_user(f"{role}@example.org", (role,)) for role in ROLE_NAMES}
        return {role: user.email for role, user in made.items()}


@pytest.fixture
def anon_client(app: Flask) -> FlaskClient:
    """A client that has not signed in."""
    return app.test_client()


@pytest.fixture
def client_for(app: Flask, users: dict[str, str]) -> Callable[[str], FlaskClient]:
    """Return a factory: client_for("organizer") is a new client signed in as that role's user."""

    def make(role: str) -> FlaskClient:
        client = app.test_client()
        login(client, users[role])
        return client

    return make


@pytest.fixture
def admin_client(client_for) -> FlaskClient:
    """A client signed in as the admin."""
    return client_for("admin")


@pytest.fixture
def organizer_client(client_for) -> FlaskClient:
    """A client signed in as an organizer."""
    return client_for("organizer")


@pytest.fixture
def staff_client(client_for) -> FlaskClient:
    """A client signed in as festival staff."""
    return client_for("staff")


@pytest.fixture
def end_user_client(client_for) -> FlaskClient:
    """A client signed in as a registered end user."""
    return client_for("end-user")


@pytest.fixture
def outbox(app: Flask) -> list:
    """The emails sent during the test (Flask-Mailman's in-memory backend)."""
    mailman = app.extensions["mailman"]
    mailman.outbox = []
    return mailman.outbox
