"""Find the PostgreSQL and Redis servers the tests may use; `python -m tests.services NAME` exits 0 when NAME answers."""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlsplit

POSTGRES_URL = os.environ.get("MFO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("MFO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def required() -> bool:
    """Tell whether missing services are failures (CI) rather than reasons to skip."""
    return os.environ.get("MFO_REQUIRE_SERVICES") == "1"


def answers(url: str, timeout: float = 1.0) -> bool:
    """Tell whether a TCP server answers at the URL's host and port."""
    parts = urlsplit(url)
    default_port = {"redis": 6379}.get(parts.scheme, 5432)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=timeout):
            return True
    except OSError:
        return False


def postgres_answers() -> bool:
    """Tell whether PostgreSQL accepts a connection with the test URL."""
    if not answers(POSTGRES_URL):
        return False
    import sqlalchemy

    engine = sqlalchemy.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("select 1"))
        return True
    except sqlalchemy.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def redis_answers() -> bool:
    """Tell whether Redis answers PING at the test URL."""
    if not answers(REDIS_URL):
        return False
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


if __name__ == "__main__":
    checks = {"postgresql": postgres_answers, "redis": redis_answers}
    sys.exit(0 if checks[sys.argv[1]]() else 1)
