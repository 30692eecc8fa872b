"""`make soak`: 60 s of concurrent sign-ins, page views and admin edits on loopback, on SQLite then PostgreSQL, then a PostgreSQL restart.

Checks: zero 5xx during the soak; every acknowledged admin edit is in the database afterwards; the
audit chain still verifies; when PostgreSQL is restarted in the middle of a run, the app answers
again without being restarted and the errors in between are 503 pages (never 500s or stack
traces). Bounded in time; stops by itself. `--database`, `--seconds`, `--users` and `--no-restart`
make a shorter run (`make soak SOAK_ARGS="--seconds 10"`).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.run import (
    ADMIN_EMAIL,
    PASSWORD,
    ROOT,
    Browser,
    bench_env,
    csrf_token,
    database,
    free_port,
    gunicorn,
    make_bench_app,
    prepare,
    sign_in,
)
from bench.seed import seed_users


@dataclass
class Tally:
    """What the load saw: responses by status, acknowledged edits, and 5xx pages that were not 503s."""

    statuses: collections.Counter = field(default_factory=collections.Counter)
    sign_ins: collections.Counter = field(default_factory=collections.Counter)
    acknowledged: dict[int, str] = field(default_factory=dict)
    bad_pages: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int, body: str = "") -> None:
        """Count one response; keep 5xx bodies that are not our 503 page."""
        with self.lock:
            self.statuses[status] += 1
            if status >= 500 and (status != 503 or "Traceback" in body or "Service unavailable" not in body):
                self.bad_pages.append(f"{status}: {body[:200]}")


def request(browser: Browser, tally: Tally, path: str) -> str | None:
    """GET a page, counting its status; return the body on success."""
    try:
        body = browser.get(path)
        tally.note(200)
        return body
    except urllib.error.HTTPError as error:
        tally.note(error.code, error.read().decode(errors="replace"))
    except OSError:
        tally.note(0)
    return None


def signer(base: str, tally: Tally, emails: list[str], stop: threading.Event) -> None:
    """Sign in as a random staff user, view the account page, sign out; again and again."""
    while not stop.is_set():
        browser = Browser(base)
        try:
            landed = browser.post("/login", {"email": random.choice(emails), "password": PASSWORD})
            tally.note(200)
            with tally.lock:
                tally.sign_ins["refused" if "/login" in landed else "signed in"] += 1
            request(browser, tally, "/account/")
            browser.post("/logout", {}, token_from="/")
            tally.note(200)
        except urllib.error.HTTPError as error:
            tally.note(error.code, error.read().decode(errors="replace"))
        except (OSError, AttributeError):
            tally.note(0)


def viewer(browser: Browser, tally: Tally, stop: threading.Event) -> None:
    """A signed-in user reading pages."""
    while not stop.is_set():
        request(browser, tally, random.choice(["/", "/account/", "/account/security"]))


def editor(browser: Browser, tally: Tally, user_ids: list[int], stop: threading.Event, name: str) -> None:
    """An admin renaming its own share of users; an edit counts once the app has confirmed it."""
    n = 0
    while not stop.is_set():
        user_id = random.choice(user_ids)
        n += 1
        value = f"{name}-{n}"
        try:
            page = browser.get(f"/admin/user/edit/?id={user_id}")
            inputs = {attrs.get("name"): attrs.get("value", "") for attrs in map(attributes, re.findall(r"<input[^>]*>", page))}
            roles = re.findall(r'<option selected(?:="")? value="([^"]+)"', page)
            fields = {
                "csrf_token": csrf_token(page),
                "email": inputs["email"],
                "name": value,
                "active": "y",
                "role_names": roles,
                "new_password": "",
            }
            landed = browser.submit(f"/admin/user/edit/?id={user_id}", fields)
            if "/admin/user/" in landed and "edit" not in landed:
                with tally.lock:
                    tally.acknowledged[user_id] = value
            tally.note(200)
        except urllib.error.HTTPError as error:
            tally.note(error.code, error.read().decode(errors="replace"))
        except (OSError, KeyError):
            tally.note(0)


def attributes(tag: str) -> dict[str, str]:
    """Return the attributes of one HTML tag."""
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def restart_postgres() -> None:
    """Restart the local PostgreSQL cluster (the machine's own, on 127.0.0.1)."""
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True, timeout=120
    )


LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def soak(kind: str, seconds: int, users: int, restart: bool) -> tuple[list[str], bool]:
    """Run the soak on a throw-away database of this kind (then restart PostgreSQL if asked); return the report's lines and the verdict."""
    tally = Tally()
    restart_tally = Tally()
    lines: list[str] = []
    with database(kind) as database_url:
        port = free_port()
        env = bench_env(database_url, port)
        env["MFO_WORKERS"] = "2"
        app = make_bench_app(env)
        prepare(app)
        seed_users(app, users, PASSWORD)
        from sqlalchemy import select

        from mfo.audit.trail import verify
        from mfo.database import db
        from mfo.database.models import User

        with app.app_context():
            staff = db.session.execute(select(User.id, User.email).where(User.email.like("user%@bench.example"))).all()
        ids = [row.id for row in staff]
        emails = [row.email for row in staff]

        with gunicorn(env, "mfo:create_app()", port) as base:
            stop = threading.Event()
            threads = [threading.Thread(target=signer, args=(base, tally, emails, stop)) for _ in range(2)]
            for email in emails[:3]:
                threads.append(threading.Thread(target=viewer, args=(sign_in(base, app, email), tally, stop)))
            shares = [ids[i::2] for i in range(2)]  # each editor owns its users: the last edit is well defined
            for i, share in enumerate(shares):
                threads.append(
                    threading.Thread(target=editor, args=(sign_in(base, app, ADMIN_EMAIL), tally, share, stop, f"soak{i}"))
                )
            for thread in threads:
                thread.start()
            time.sleep(seconds)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

            with app.app_context():
                db.session.expire_all()
                names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(list(tally.acknowledged)))).all())
                # Sign-ins and edits from both workers wrote audit events at once: still one chain?
                trail = verify()
            lost = {uid: value for uid, value in tally.acknowledged.items() if names.get(uid) != value}
            fivexx = sum(n for status, n in tally.statuses.items() if status >= 500)
            lines += [
                f"Soak: {seconds} s, 2 signers, 3 readers, 2 admin editors, gunicorn 2 workers, {LABELS[kind]}.",
                f"- responses by status: {dict(sorted(tally.statuses.items()))} (0: no answer)",
                f"- sign-ins: {dict(tally.sign_ins)}",
                f"- 5xx responses: {fivexx}",
                f"- acknowledged edits: {len(tally.acknowledged)} users; missing from the database afterwards: {len(lost)}",
                f"- audit trail after the soak: {trail.events} events, "
                + ("chain intact (`flask audit verify`)" if trail.ok else f"BROKEN at event {trail.broken_id}: {trail.reason}"),
            ]
            ok = fivexx == 0 and not lost and len(tally.acknowledged) > 0 and trail.ok

            if restart and kind == "postgresql":
                restart_lines, restarted_ok = restart_under_load(base, app, emails[0], restart_tally)
                lines += restart_lines
                ok = ok and restarted_ok
        with app.app_context():
            db.engine.dispose()
    return lines, ok


def restart_under_load(base: str, app, email: str, restart_tally: Tally) -> tuple[list[str], bool]:
    """Restart PostgreSQL while a signed-in reader keeps reading; return the report's lines and the verdict."""
    viewer_browser = sign_in(base, app, email)
    stop = threading.Event()
    reader = threading.Thread(target=viewer, args=(viewer_browser, restart_tally, stop))
    reader.start()
    time.sleep(3)
    restarted_at = time.monotonic()
    restart_postgres()
    recovered = None
    while time.monotonic() - restarted_at < 60:
        try:
            Browser(base).get("/healthz")
            recovered = time.monotonic() - restarted_at
            break
        except (urllib.error.HTTPError, OSError):
            time.sleep(0.5)
    time.sleep(3)
    stop.set()
    reader.join(timeout=30)
    after = request(viewer_browser, restart_tally, "/account/")
    others = {s: n for s, n in restart_tally.statuses.items() if s >= 500 and s != 503}
    lines = [
        "",
        "PostgreSQL restarted under load (pg_ctlcluster restart), the app left running:",
        f"- responses by status while it restarted: {dict(sorted(restart_tally.statuses.items()))}",
        f"- 5xx other than 503: {sum(others.values())}; 5xx pages that were not the 503 page: {len(restart_tally.bad_pages)}",
        (
            f"- /healthz answered 200 again {recovered:.1f} s after the restart began"
            if recovered
            else "- /healthz did NOT recover within 60 s"
        ),
        f"- a signed-in page after recovery: {'200' if after else 'failed'}",
    ]
    return lines, not others and not restart_tally.bad_pages and recovered is not None and after is not None


def main(argv: list[str] | None = None) -> int:
    """Run the soak on each database asked for (and the restart), print the tally, write docs/soak.md; exit 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--no-restart", action="store_true", help="skip the PostgreSQL restart phase")
    parser.add_argument("--out", default=str(ROOT / "docs" / "soak.md"), help="the report written (- for none)")
    args = parser.parse_args(argv)
    given = argv if argv is not None else sys.argv[1:]
    command = "make soak" if not given else "python -m bench.soak " + " ".join(given)

    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    lines: list[str] = []
    ok = True
    load_before = os.getloadavg()[0]
    for kind in kinds:
        found, passed = soak(kind, args.seconds, args.users, not args.no_restart)
        lines += [*([""] if lines else []), *found]
        ok = ok and passed

    lines.append("")
    lines.append("Result: " + ("all checks passed" if ok else "FAILED"))
    text = "\n".join(
        [
            "# Soak and fault test",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command}`, on 127.0.0.1 only, on this project's "
            f"machine ({os.cpu_count()} cores). The load average was {load_before:.1f} before the run and "
            f"{os.getloadavg()[0]:.1f} at its end: other work on the machine lowers the number of requests, not the checks.",
            "",
            *lines,
            "",
        ]
    )
    if args.out != "-":
        Path(args.out).write_text(text)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
