"""The demo festival: generated from a seed, loaded through the imports, the same every time, with its planted problems."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.consent.models import Consent
from mfo.database import db
from mfo.database.models import User
from mfo.demo.generator import generate
from mfo.demo.online import FAMILIES, LINKED_FAMILY, PUPIL_LAST_NAMES, TEACHER
from mfo.enter.models import BasketEntry, Profile, TeacherAccount
from mfo.entries.models import Entry
from mfo.fees.models import Invoice
from mfo.festival.models import Festival
from mfo.issues.festival import festival_issues
from mfo.syllabus.models import FestivalClass
from tests.admin_helpers import page
from tests.helpers import login

SIZE = 1200  # the default demo; smaller ones plant fewer problems
SEED = 2026


def run_demo(app, *args: str):
    """Run `flask festival demo` with the given options."""
    return app.test_cli_runner().invoke(args=["festival", "demo", *args])


def count(model) -> int:
    """Return how many rows a table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_demo_is_a_real_looking_festival_with_its_planted_problems(app):
    """The command prints the slug last; the festival has its classes and entries, and the Issues page finds the plants."""
    result = run_demo(app, "--entries", str(SIZE), "--seed", str(SEED))
    assert result.exit_code == 0, result.output
    slug = result.output.strip().splitlines()[-1]
    festival = db.session.scalar(select(Festival).where(Festival.slug == slug))
    assert festival is not None and festival.is_current
    # Counts under each record's plural label, grouped: "entries: 1,197", never "1197 entry".
    assert re.search(r"entries: 1,\d{3}\b", result.output) and "people: " in result.output, result.output
    assert not re.search(r"\d (entry|person)\b", result.output), result.output
    assert count(FestivalClass) == len(generate(SIZE, SEED).syllabus_rows)
    demo = generate(SIZE, SEED)
    errors = {"unknown-class", "bad-date", "bad-duration"}
    left_out = sum(1 for code, _row in demo.planted if code in errors)
    assert count(Entry) >= SIZE - left_out - 1  # an identical planted duplicate row is the same entry
    planted_warnings = {code for code, _row in demo.planted} - errors
    assert planted_warnings and planted_warnings <= {issue.code for issue in festival_issues(festival)}
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "demo-loaded")) == "demo-loaded"
    assert_online_entrants(app, result.output, festival)


def assert_online_entrants(app, output: str, festival: Festival) -> None:
    """Family and teacher accounts, printed with their password, whose entries came through the basket."""
    emails = [email for email, *_rest in FAMILIES] + [TEACHER[0]]
    for email in emails:
        assert f"    {email} (" in output
    online = int(re.search(r"online: entries: (\d+), from these accounts \(password: (\S+), shown once\)", output).group(1))
    password = re.search(r"\(password: (\S+), shown once\)", output).group(1)
    accounts = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    assert len(accounts) == len(emails) and all(user.confirmed_at and user.has_role("end-user") for user in accounts)
    # Every online entry is a submitted basket entry of one of these accounts, with the online origin.
    submitted = db.session.scalars(select(BasketEntry).where(BasketEntry.status == "submitted")).all()
    assert online >= len(emails) and len(submitted) == online
    assert {item.user_id for item in submitted} == {user.id for user in accounts}
    made = db.session.scalars(select(Entry).where(Entry.id.in_([item.entry_id for item in submitted]))).all()
    assert {entry.source for entry in made} == {"online"} and {entry.festival_id for entry in made} == {festival.id}
    # The teacher's pupils' entries name the teacher's record; the linked family holds the last pupil as its child.
    teacher = db.session.scalar(select(TeacherAccount).join(User, User.id == TeacherAccount.user_id).where(User.email == TEACHER[0]))
    pupils = [item for item in submitted if item.profile.relation == "pupil"]
    assert pupils and {entry.teacher_id for entry in made if entry.id in {item.entry_id for item in pupils}} == {teacher.person_id}
    family = db.session.scalar(select(User.id).where(User.email == LINKED_FAMILY))
    linked = db.session.scalars(select(Profile).where(Profile.user_id == family, Profile.relation == "child")).all()
    assert PUPIL_LAST_NAMES[-1] in {profile.person.last_name for profile in linked}
    # One invoice per online account under the demo's fee rules (registration per family), most with a balance due.
    invoices = db.session.scalars(select(Invoice).where(Invoice.festival_id == festival.id)).all()
    assert {invoice.user_id for invoice in invoices} == {user.id for user in accounts}
    assert all(any(line.kind == "registration" for line in invoice.lines) for invoice in invoices)
    assert sum(1 for invoice in invoices if invoice.balance > 0) > len(invoices) / 2
    assert sum(1 for invoice in invoices if invoice.payments) == 2 and "2 payments recorded" in output
    # The families answered the consent questions for their children (processing always); the pupils wait for theirs.
    children = db.session.scalars(select(Profile).where(Profile.relation == "child")).all()
    given = db.session.scalars(select(Consent).where(Consent.festival_id == festival.id)).all()
    assert {c.person_id for c in given} == {p.person_id for p in children}
    assert all(c.given for c in given if c.kind == "processing")
    # The printed password signs the accounts in.
    client = app.test_client()
    login(client, TEACHER[0], password)
    response = client.get(f"/festivals/{festival.slug}/enter/")
    assert response.status_code == 200 and 'id="entry-window"' in page(response)


def test_the_same_seed_gives_the_same_festival_and_loading_again_changes_nothing(app):
    """A second run finds the festival and matches every class and entry."""
    assert run_demo(app, "--entries", "120", "--seed", str(SEED)).exit_code == 0
    before = (count(Festival), count(FestivalClass), count(Entry))
    again = run_demo(app, "--entries", "120", "--seed", str(SEED))
    assert again.exit_code == 0 and "Found the demo festival" in again.output and "created nothing new" in again.output
    assert (count(Festival), count(FestivalClass), count(Entry)) == before
    # The online accounts were made once: no password is printed again.
    assert "password" not in again.output and count(User) == len(FAMILIES) + 1


def test_if_empty_leaves_a_database_with_a_festival_alone(app):
    """make run loads the demo only when there is no festival at all."""
    assert run_demo(app, "--entries", "40", "--if-empty").exit_code == 0
    entries = count(Entry)
    result = run_demo(app, "--entries", "40", "--seed", "99", "--if-empty")
    assert result.exit_code == 0 and "not loaded" in result.output
    assert count(Entry) == entries and count(Festival) == 1
