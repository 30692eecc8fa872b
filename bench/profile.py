"""`python -m bench.profile /account/`: where one page's time goes, profiled in-process with cProfile.

The app runs in its production configuration on a throw-away SQLite file, or a throw-away
PostgreSQL database with --database postgresql (signed in as a staff user, or as an admin with
--admin; --users N seeds N more users for list pages); the page is requested --requests times, its
wall and CPU time per request printed, then the functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import time

PASSWORD = "profile-Pass-2026"


def main() -> None:
    """Build the app, sign in, warm up, then time and profile the page."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", help="the page to profile, e.g. /account/")
    parser.add_argument("--admin", action="store_true", help="sign in as an admin (MFA requirement off)")
    parser.add_argument("--anonymous", action="store_true", help="do not sign in")
    parser.add_argument("--users", type=int, default=0, help="seed this many more users first (for list pages)")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    from bench.run import database

    with database(args.database) as url:
        profile(args, url)


def profile(args: argparse.Namespace, database_url: str) -> None:
    """Profile the page on the database at `database_url`."""
    os.environ.update(
        {
            "FLASK_SECRET_KEY": "profile-secret-key",
            "FLASK_SECURITY_PASSWORD_SALT": "profile-salt",
            "FLASK_SECURITY_TOTP_SECRETS": '{"1": "profile-totp-secret-0123456789"}',
            "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
            "FLASK_RATELIMIT_ENABLED": "false",
            "FLASK_MFO_LOG_LEVEL": "WARNING",
            "FLASK_MFO_REQUIRE_MFA_FOR_ADMIN": "false",
            # The test client asks for localhost over http.
            "FLASK_MFO_BASE_URL": "http://localhost",
            "FLASK_MFO_ALLOW_PLAIN_HTTP": "true",
        }
    )
    from flask_security.utils import hash_password, naive_utcnow

    from mfo import create_app
    from mfo.database import db
    from mfo.database.models import user_datastore
    from mfo.security.commands import sync_roles

    app = create_app()
    email = "admin@profile.example" if args.admin else "staff@profile.example"
    with app.app_context():
        db.create_all()
        sync_roles()
        user_datastore.create_user(
            email=email,
            password=hash_password(PASSWORD),
            roles=["admin" if args.admin else "staff"],
            confirmed_at=naive_utcnow(),
        )
        db.session.commit()
    if args.users:
        from bench.seed import seed_users

        seed_users(app, args.users, PASSWORD)

    client = app.test_client()
    if not args.anonymous:
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    for _ in range(50):
        client.get(args.path)

    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        status = client.get(args.path).status_code
    plain = (time.perf_counter() - started) / args.requests * 1000
    cpu = (time.process_time() - cpu) / args.requests * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.disable()
    print(
        f"{args.path} on {args.database}: status {status}, {plain:.2f} ms per request in-process, "
        f"{cpu:.2f} ms of it CPU (without the profiler)"
    )
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
    with app.app_context():
        db.engine.dispose()  # before the throw-away database is dropped


if __name__ == "__main__":
    main()
