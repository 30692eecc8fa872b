"""A person's data on request (export-data, the person page's button) and the purge of past festivals' people:
nothing personal left in the database, the reports or the audit trail, money and counts kept, the chain still verifying."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy
from sqlalchemy import JSON, String, Text, cast, func, select

from mfo.audit.models import AuditEvent
from mfo.audit.trail import record, redact, verify
from mfo.database import db
from mfo.database.models import User
from mfo.entries.models import Entry
from mfo.fees.models import Invoice, Payment
from mfo.festival.models import Festival
from mfo.people.models import Person
from tests.admin_helpers import page
from tests.festival_helpers import make_class, make_entry, make_festival, make_person
from tests.helpers import consents_in, post_form
from tests.test_audit import tamper
from tests.test_enter import (  # noqa: F401  (fixtures used by name)
    BASKET,
    child_born,
    class_id,
    entry_form,
    entry_url,
    family,
    profiles_of,
    syllabus,
    user_id,
)

# The personal values of the family that entered the spring festival online (and nowhere after it).
GONE = ("Zoë", "Léo", "Ngô", "zoe ngo", "family@example.org", "514-555-0199", "12 rue des Lilas")


@pytest.fixture
def past_season(family, syllabus):  # noqa: F811
    """The family entered Zoë online (teacher Marie Lefèvre), was invoiced and paid part; then the festival became a past one.

    A later festival (autumn, still to come) has Kim Kept taught by the same teacher: both stay.
    """
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    post_form(client, entry_url(profile_id, class_id("201")), entry_form())
    post_form(client, BASKET + "/submit", consents_in(page(client.get(BASKET)), ("processing", "media")), token_from=BASKET)
    child_born(client, date(2020, 2, 29), "Léo")  # never entered: goes with the family
    holder, child, never_entered = profiles_of("family@example.org")
    never_entered.created_at = datetime(2025, 1, 5)
    holder.person.phone, holder.person.address = "514-555-0199", "12 rue des Lilas, Montréal"
    (entry,) = db.session.scalars(select(Entry)).all()
    # The submission made the family's invoice (the fees feature): a payment with a name in its reference is added.
    invoice = db.session.scalar(select(Invoice).where(Invoice.festival_id == syllabus, Invoice.user_id == user_id("family@example.org")))
    invoice.payments.append(Payment(method="cheque", amount=Decimal("10.00"), received_on=date(2026, 3, 1), reference="Ana Ngô chq 88"))
    db.session.add(invoice)
    # An edit recorded as the admin records it: the person's name in the target, their values in the details.
    record("person-updated", target=f"person {child.person.full_name} (#{child.person_id})",
           details={"first_name": ["Zoe", "Zoë"], "email": [None, "family@example.org"]})
    spring = db.session.get(Festival, syllabus)
    spring.start_date, spring.end_date, spring.age_cutoff = date(2025, 4, 10), date(2025, 4, 18), date(2024, 12, 31)
    spring.entries_open, spring.entries_close, spring.status = date(2025, 1, 1), date(2025, 3, 1), "archived"
    autumn = make_festival("autumn-2027", start_date=date(2027, 10, 1), end_date=date(2027, 10, 3), age_cutoff=date(2027, 1, 1))
    kept = make_person("Kim", "Kept", date(2012, 3, 3), email="kim@example.org")
    make_entry(make_class(autumn, "101", "Sonata"), [kept], teacher=entry.teacher)
    db.session.commit()
    return {"child": child.person_id, "holder": holder.person_id, "never_entered": never_entered.person_id,
            "entry": entry.id, "teacher": entry.teacher_id, "kept": kept.id, "invoice": invoice.id, "spring": syllabus,
            "client": client}


def cli(app, *args: str):
    """Run a `people` command and return click's result."""
    return app.test_cli_runner().invoke(args=["people", *args])


def text_columns() -> list[sqlalchemy.Column]:
    """Return every text column of every table (JSON read as text)."""
    return [column for table in db.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, String | Text | JSON)]


def where_found(value: str) -> list[str]:
    """Return the table.column of every row, in every table, whose text holds the value (case ignored)."""
    found = []
    for column in text_columns():
        text = cast(column, Text) if isinstance(column.type, JSON) else column
        if db.session.scalar(select(func.count()).select_from(column.table).where(func.lower(text).contains(value.lower()))):
            found.append(f"{column.table.name}.{column.name}")
    return found


# --- a person's data on request


def test_export_data_gives_the_account_its_people_entries_consents_and_invoices(app, past_season):
    """The family's email: the account, the holder and the child they are guardian of, each with every feature's part."""
    result = cli(app, "export-data", "family@example.org")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["account"]["email"] == "family@example.org" and data["account"]["roles"] == ["end-user"]
    people = {item["person_id"]: item for item in data["people"]}
    assert set(people) == {past_season["holder"], past_season["child"], past_season["never_entered"]}
    child = people[past_season["child"]]
    assert child["people"]["person"]["first_name"] == "Zoë" and child["people"]["person"]["guardian_id"] == past_season["holder"]
    assert [(e["id"], e["class"], e["source"]) for e in child["entries"]["entries"]] == [(past_season["entry"], "201", "online")]
    assert {(c["kind"], c["given"], c["given_as"]) for c in child["consent"]["consents"]} == {
        ("processing", True, "guardian"), ("media", True, "guardian"), ("publish-name", False, "guardian")}
    assert child["enter"]["profiles"][0]["relation"] == "child"
    assert [i["number"] for i in child["fees"]["invoices"]] == ["2027-0001"]
    holder = people[past_season["holder"]]
    assert holder["fees"]["invoices"][0]["balance"] == "5.00"
    assert holder["fees"]["invoices"][0]["payments"][0]["reference"] == "Ana Ngô chq 88"
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person-data-exported")).one().actor == "cli"


def test_export_data_of_an_unknown_email_says_so(app):
    """No person and no account: exit status 1 and a message."""
    result = cli(app, "export-data", "nobody@example.org")
    assert result.exit_code == 1 and "No person or account" in result.output


def test_organizers_download_a_persons_data_from_their_page_staff_may_not(app, past_season, organizer_client, staff_client):
    """The button and the JSON for organizers (every reading permission); staff: no button, 403; an unknown person: 404."""
    person_url = f"/festivals/autumn-2027/people/{past_season['child']}"
    data_url = f"/festivals/autumn-2027/consent/people/{past_season['child']}/data.json"
    assert 'id="export-person-data"' in page(organizer_client.get(person_url))
    response = organizer_client.get(data_url)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"] and "no-store" in response.headers["Cache-Control"]
    assert json.loads(page(response))["people"]["person"]["last_name"] == "Ngô"
    assert db.session.scalars(select(AuditEvent.target).where(AuditEvent.action == "person-data-exported")).all() == [
        f"person #{past_season['child']}"]
    assert 'id="export-person-data"' not in page(staff_client.get(person_url))
    assert staff_client.get(data_url).status_code == 403
    assert organizer_client.get("/festivals/autumn-2027/consent/people/999999/data.json").status_code == 404


# --- the purge


def test_a_dry_run_says_what_would_go_and_changes_nothing(app, past_season):
    """Counts only; every name, the account and the trail as they were."""
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    result = cli(app, "purge", "--before", date.today().isoformat(), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "before": date.today().isoformat(), "festivals": ["spring-2027"], "people": 3, "accounts": 1,
        "audit_events_redacted": 0, "dry_run": True, "audit_trail_intact": None}
    db.session.expire_all()
    assert db.session.get(Person, past_season["child"]).full_name == "Zoë Ngô"
    assert db.session.scalar(select(User.id).where(User.email == "family@example.org")) is not None
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert "person.first_name" in where_found("Zoë")


def test_the_purge_leaves_no_personal_value_of_the_past_festivals_people_and_the_trail_verifies(app, past_season):
    """Names replaced, birth dates to 1 January, contacts gone, the account deleted; money, entries and the later festival kept."""
    entries_before = db.session.scalar(select(func.count(Entry.id)))
    result = cli(app, "purge", "--before", date.today().isoformat())
    assert result.exit_code == 0, result.output
    assert "Anonymized 3 people of 1 festivals" in result.output and "deleted 1 accounts" in result.output
    assert "The audit trail is intact." in result.output
    db.session.expire_all()
    for value in GONE:
        assert where_found(value) == [], value
    child, holder = db.session.get(Person, past_season["child"]), db.session.get(Person, past_season["holder"])
    assert (child.first_name, child.last_name, child.birth_date) == ("Anonymous", f"#{child.id}", date(2018, 1, 1))
    assert (holder.email, holder.phone, holder.address) == (None, None, None)
    assert db.session.get(Person, past_season["never_entered"]).birth_date == date(2020, 1, 1)
    assert db.session.scalar(select(User.id).where(User.email == "family@example.org")) is None
    assert db.session.scalar(select(User.id).where(User.email == "other@example.org")) is not None
    # The money and the counts stay.
    invoice = db.session.get(Invoice, past_season["invoice"])
    assert (invoice.total, invoice.paid, invoice.balance, invoice.user_id) == (Decimal("15.00"), Decimal("10.00"), Decimal("5.00"), None)
    assert db.session.scalar(select(func.count(Entry.id))) == entries_before
    # The teacher and Kim perform in a later festival: untouched.
    assert db.session.get(Person, past_season["teacher"]).full_name == "Marie Lefèvre"
    assert db.session.get(Person, past_season["kept"]).email == "kim@example.org"
    # The trail: events kept, redacted where they named the family, and `audit verify` says it is intact.
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "people-purged")).one()
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.actor == "[redacted]")) > 0
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "The audit trail is intact" in verified.output
    # The reports of the past festival name nobody.
    report = app.test_cli_runner().invoke(args=["reports", "entries", "--festival", "spring-2027", "--format", "csv"])
    assert report.exit_code == 0 and "Anonymous" in report.stdout
    assert not any(value in report.stdout for value in GONE)
    # A second run finds no one left.
    again = cli(app, "purge", "--before", date.today().isoformat(), "--json")
    assert json.loads(again.stdout)["people"] == 0


def test_a_date_after_today_is_refused(app, past_season):
    """A festival still running must not be purged: a date in the future is a usage error, nothing changes."""
    result = cli(app, "purge", "--before", (date.today() + timedelta(days=1)).isoformat())
    assert result.exit_code == 2 and "after today" in result.output
    assert db.session.get(Person, past_season["child"]).first_name == "Zoë"


# --- the audit chain covers digests


def test_a_redacted_event_verifies_but_any_other_change_still_breaks_the_chain(app, users):
    """Redaction replaces values the chain covers only through their digests; changing a value, or a digest, shows."""
    first = record("test-one", target="user someone@example.org (#1)", details={"name": "Zoë"}, from_cli=True)
    record("test-two", target="x", from_cli=True)
    db.session.commit()
    assert redact([first.id], ("target", "details")) == 1
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(AuditEvent, first.id)
    assert (row.target, row.details) == ("[redacted]", "[redacted]") and verify().ok
    tamper(f"UPDATE audit_event SET actor = 'someone-else' WHERE id = {first.id}")
    verdict = verify()
    assert (verdict.ok, verdict.broken_id) == (False, first.id) and "actor" in verdict.reason


def test_the_database_refuses_any_update_but_a_redaction(app, users):
    """The trigger lets a personal field become "[redacted]"; it refuses a new value, a changed hash or a deletion."""
    event = record("test-one", target="t", from_cli=True)
    db.session.commit()
    for statement in (
        f"UPDATE audit_event SET target = 'other' WHERE id = {event.id}",
        f"UPDATE audit_event SET hash = 'x', target = '[redacted]' WHERE id = {event.id}",
        f"DELETE FROM audit_event WHERE id = {event.id}",
    ):
        with pytest.raises(sqlalchemy.exc.DatabaseError), db.engine.begin() as connection:
            connection.execute(sqlalchemy.text(statement))
    with db.engine.begin() as connection:
        connection.execute(sqlalchemy.text(f"UPDATE audit_event SET target = '[redacted]' WHERE id = {event.id}"))
    assert verify().ok


def test_an_account_with_a_role_is_never_deleted(app, past_season):
    """Give the family account the staff role: its people are anonymized, the account stays."""
    from mfo.database.models import user_datastore

    user = db.session.scalar(select(User).where(User.email == "family@example.org"))
    user_datastore.add_role_to_user(user, "staff")
    db.session.commit()
    plan = json.loads(cli(app, "purge", "--before", date.today().isoformat(), "--json").stdout)
    assert (plan["people"], plan["accounts"]) == (3, 0)
    assert db.session.scalar(select(User.id).where(User.email == "family@example.org")) is not None


def test_export_data_matches_the_email_exactly_not_as_a_pattern(app, users):
    """"_" in an address is a letter, not a wildcard: a look-alike address is not exported."""
    make_person("Bea", "Lookalike", email="a_b@example.org")
    db.session.commit()
    assert cli(app, "export-data", "aXb@example.org").exit_code == 1
    result = cli(app, "export-data", "A_B@example.org")
    assert result.exit_code == 0 and json.loads(result.stdout)["people"][0]["people"]["person"]["last_name"] == "Lookalike"
