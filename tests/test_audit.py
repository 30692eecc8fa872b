"""The audit trail: what it records, that nobody can quietly change it, and who may read it."""

from __future__ import annotations

import csv
import io
import json
import re
import threading

import pytest
import sqlalchemy
from click.testing import Result
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.audit.trail import record, verify
from mfo.database import db
from mfo.security.lockout import lock_user
from tests.admin_helpers import edit_user, fresh_user, page, run_action, user_id
from tests.conftest import create_user, make_app
from tests.helpers import NEW_PASSWORD, PASSWORD, login, logout, post_form

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Festival/1.0"


def events(action: str | None = None) -> list[AuditEvent]:
    """Return the recorded events (of one action), oldest first, read again from the database."""
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def details(event: AuditEvent) -> dict:
    """Return an event's details as a dict."""
    return json.loads(event.details)


def run_verify(app) -> Result:
    """Run `flask --app mfo audit verify` and return its result (output holds stdout and stderr)."""
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def tamper(sql: str) -> None:
    """Change the audit table behind the app's back, as someone with the database's own rights could.

    The append-only triggers stop that first, so the attacker drops (SQLite) or disables
    (PostgreSQL) them; the hash chain must still tell.
    """
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sqlalchemy.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            connection.execute(sqlalchemy.text(sql))
            connection.execute(sqlalchemy.text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        else:
            connection.execute(sqlalchemy.text("DROP TRIGGER audit_event_no_update"))
            connection.execute(sqlalchemy.text("DROP TRIGGER audit_event_no_delete"))
            connection.execute(sqlalchemy.text(sql))
            from mfo.audit.models import APPEND_ONLY_DDL

            for statement in APPEND_ONLY_DDL["sqlite"]:
                connection.execute(sqlalchemy.text(statement))


# --- what is recorded


def test_sign_in_and_sign_out_are_recorded_with_ip_and_browser(app, users, anon_client):
    """A sign-in records the user, IP address and browser; signing out records that too."""
    anon_client.environ_base.update(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=BROWSER)
    login(anon_client, users["staff"])
    logout(anon_client)
    sign_in, sign_out = events("sign-in")[-1], events("sign-out")[-1]
    staff = fresh_user(users["staff"])
    assert (sign_in.actor_id, sign_in.actor, sign_in.ip, sign_in.user_agent) == (staff.id, staff.email, "203.0.113.7", BROWSER)
    assert details(sign_in)["via"] == ["password"]
    assert sign_out.actor_id == staff.id and details(sign_out)["reason"] == "signed out"
    login(anon_client, users["admin"])  # password, then the authenticator code
    assert details(events("sign-in")[-1])["via"] == ["password", "second factor"]
    assert sign_in.at <= sign_out.at


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong password", "wrong password"),
        ("unknown email", "unknown account"),
        ("inactive", "account inactive"),
        ("locked", "account locked"),
    ],
)
def test_failed_sign_ins_are_recorded_with_their_reason(app, users, anon_client, case, reason):
    """Each kind of refused sign-in is recorded with why, though the page says the same for all."""
    email, password = users["staff"], PASSWORD
    if case == "wrong password":
        password = "not-the-password"
    elif case == "unknown email":
        email = "nobody@example.org"
    else:
        user = fresh_user(users["staff"])
        user.active = case != "inactive"
        if case == "locked":
            lock_user(user)
        db.session.commit()
    login(anon_client, email, password)
    failure = events("sign-in-failed")[-1]
    assert details(failure)["reason"] == reason
    assert email in failure.target
    assert failure.actor == "anonymous" and failure.actor_id is None
    assert not events("sign-in")


def test_lockout_is_recorded(app, users, anon_client):
    """The failure that locks an account records the lock."""
    for _attempt in range(app.config["MFO_LOCKOUT_THRESHOLD"]):
        login(anon_client, users["staff"], "not-the-password")
    locked = events("account-locked")
    assert len(locked) == 1 and users["staff"] in locked[0].target
    assert len(events("sign-in-failed")) == app.config["MFO_LOCKOUT_THRESHOLD"]


def test_password_change_is_recorded(app, users, client_for):
    """Changing one's password is recorded, without the password."""
    client = client_for("staff")
    post_form(client, "/change", {"password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})
    changed = events("password-changed")
    assert len(changed) == 1 and changed[0].actor == users["staff"]
    assert NEW_PASSWORD not in changed[0].details and PASSWORD not in changed[0].details


def test_sign_out_everywhere_is_recorded(app, users, client_for):
    """Signing out everywhere is recorded."""
    client = client_for("staff")
    post_form(client, "/account/sign-out-everywhere", token_from="/account/security")
    assert [e.actor for e in events("signed-out-everywhere")] == [users["staff"]]


def test_admin_edit_records_field_level_changes_without_secrets(app, users, admin_client):
    """An admin edit records each changed field before and after; a new password shows only as changed."""
    old_hash = fresh_user(users["staff"]).password
    edit_user(admin_client, users["staff"], name="Clara Schumann", new_password=NEW_PASSWORD, role_names=["staff", "organizer"])
    event = events("user-updated")[-1]
    changes = details(event)["changes"]
    assert changes["name"] == [None, "Clara Schumann"]
    assert changes["roles"] == [["staff"], ["organizer", "staff"]]
    assert changes["password"] == ["[redacted]", "[changed]"]
    new_hash = fresh_user(users["staff"]).password
    assert old_hash not in event.details and new_hash not in event.details
    assert "fs_uniquifier" not in changes or changes["fs_uniquifier"] == ["[redacted]", "[changed]"]
    assert event.actor == users["admin"] and users["staff"] in event.target
    shown = page(admin_client.get("/admin/audit/?flt0_1=user-updated"))
    assert "Name: — → Clara Schumann" in shown and "Password: changed" in shown


def test_admin_create_delete_actions_and_export_are_recorded(app, users, admin_client):
    """Creating, deleting, bulk actions and exports each leave an event."""
    post_form(
        admin_client,
        "/admin/user/new/",
        {"email": "oboe@example.org", "name": "Oboe", "role_names": ["staff"], "active": "y", "invite": "y"},
    )
    created = events("user-created")[-1]
    assert "oboe@example.org" in created.target and details(created)["changes"]["email"] == [None, "oboe@example.org"]

    run_action(admin_client, "user", "deactivate", [user_id("oboe@example.org")])
    assert details(events("user-deactivated")[-1])["changes"]["active"] == [True, False]

    target = user_id("oboe@example.org")
    post_form(admin_client, "/admin/user/delete/", {"id": str(target)}, token_from="/admin/user/")
    deleted = events("user-deleted")[-1]
    assert details(deleted)["before"]["email"] == "oboe@example.org"
    assert "password" not in deleted.details or '"password": null' in deleted.details

    admin_client.get("/admin/user/export/csv/?search=staff")
    exported = events("user-exported")[-1]
    assert details(exported)["rows"] == 1 and "search=staff" in details(exported)["query"]


def test_role_permission_changes_are_recorded(app, users, admin_client):
    """Changing a role's permissions records the permissions before and after."""
    from mfo.database.models import Role

    post_form(admin_client, "/admin/role/new/", {"name": "jury", "description": "Jury", "permissions": ["user-read"]})
    role = db.session.scalar(select(Role).where(Role.name == "jury"))
    post_form(
        admin_client,
        f"/admin/role/edit/?id={role.id}",
        {"name": "jury", "description": "Jury", "permissions": ["user-read", "role-read"]},
    )
    changes = details(events("role-updated")[-1])["changes"]
    assert sorted(changes["permissions"][1]) == ["role-read", "user-read"]
    assert changes["permissions"][0] == ["user-read"]


def test_admin_unlock_is_recorded_and_lifts_the_lock(app, users, organizer_client, anon_client):
    """Organizers find locked accounts with the filter and unlock them; the unlock is recorded."""
    user = fresh_user(users["staff"])
    lock_user(user)
    db.session.commit()
    locked_list = page(organizer_client.get("/admin/user/?flt0_3=1"))
    assert users["staff"] in locked_list and users["end-user"] not in locked_list
    run_action(organizer_client, "user", "unlock", [user.id])
    assert fresh_user(users["staff"]).locked_until is None
    unlocked = events("account-unlocked")[-1]
    assert users["staff"] in unlocked.target and unlocked.actor == users["organizer"]
    assert login(anon_client, users["staff"]).status_code == 302
    # The owner sees the unlock among their recent sign-ins, without the administrator's address or browser.
    html = page(anon_client.get("/account/security"))
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Unlocked by an administrator(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert "<td>—</td>" in row


def test_flask_security_cli_commands_are_recorded_without_passwords(app, users):
    """`users create`, `roles add` and `users deactivate` from the command line land in the trail, atomically."""
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "cellist@example.org", "--password", "Cli-Pass-2026-x", "--active"])
    assert created.exit_code == 0, created.output
    assert runner.invoke(args=["roles", "add", "cellist@example.org", "staff"]).exit_code == 0
    assert runner.invoke(args=["users", "deactivate", "cellist@example.org"]).exit_code == 0
    recorded = events("cli-command")
    assert [details(e)["command"] for e in recorded] == ["users create", "roles add", "users deactivate"]
    cellist = fresh_user("cellist@example.org")
    assert all(e.target == f"user cellist@example.org (#{cellist.id})" for e in recorded), [e.target for e in recorded]
    assert all(e.actor == "cli" and e.actor_id is None and e.ip is None and details(e)["os_user"] for e in recorded)
    assert details(recorded[0])["arguments"]["password"] == "[redacted]"
    assert details(recorded[1])["arguments"] == {"user": "cellist@example.org", "role": "staff"}
    assert "Cli-Pass-2026-x" not in "".join(e.details for e in events())
    assert run_verify(app).exit_code == 0


def test_a_failed_cli_command_records_nothing(app, users):
    """A command that changes nothing (unknown user) leaves no event; later events still chain."""
    runner = app.test_cli_runner()
    before = len(events())
    failed = runner.invoke(args=["roles", "add", "nobody@example.org", "staff"])
    assert failed.exit_code != 0
    assert len(events()) == before
    assert runner.invoke(args=["roles", "create", "jury", "-p", "user-read"]).exit_code == 0
    assert events("cli-command")[-1].target == "role jury"
    assert run_verify(app).exit_code == 0


# --- tamper evidence


def test_verify_passes_on_an_untouched_trail(app, users, client_for):
    """`flask audit verify` accepts the trail the app wrote, and says how many events it checked."""
    client_for("staff")
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert f"{len(events())} events verified" in result.output


def test_editing_a_row_breaks_the_chain(app, users, client_for):
    """Changing any field of a recorded event makes `audit verify` fail and name that event."""
    client_for("staff")
    victim = events("sign-in")[-1]
    tamper(f"UPDATE audit_event SET ip = '198.51.100.1' WHERE id = {victim.id}")
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"broken at event {victim.id}" in result.output


def test_deleting_a_row_or_cutting_the_tail_breaks_the_chain(app, users, client_for):
    """Removing an event from the middle, or the last events, is detected."""
    client_for("staff")
    client_for("organizer")
    ids = [event.id for event in events()]
    tamper(f"DELETE FROM audit_event WHERE id = {ids[1]}")
    verdict = verify()
    assert not verdict.ok and verdict.broken_id == ids[1]


def test_cutting_the_last_events_is_detected(app, users, client_for):
    """Deleting the newest events (to hide what just happened) disagrees with the chain head."""
    client_for("staff")
    last = events()[-1].id
    tamper(f"DELETE FROM audit_event WHERE id = {last}")
    assert not verify().ok


def test_a_rewritten_chain_without_the_key_is_detected(app, users, client_for):
    """Re-hashing an edited row with a plain SHA-256 (no key) does not verify."""
    import hashlib

    client_for("staff")
    victim = events("sign-in")[-1]
    forged = hashlib.sha256(b"forged").hexdigest()
    tamper(f"UPDATE audit_event SET actor = 'someone-else', hash = '{forged}' WHERE id = {victim.id}")
    verdict = verify()
    assert not verdict.ok and verdict.broken_id == victim.id


def test_the_database_refuses_to_change_or_delete_events(app, users, client_for):
    """The append-only triggers refuse UPDATE and DELETE from any client, and the ORM refuses too."""
    client_for("staff")
    for statement in ("UPDATE audit_event SET ip = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"), db.engine.begin() as connection:
            connection.execute(sqlalchemy.text(statement))
    event = events()[-1]
    event.ip = "x"
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert verify().ok


def test_concurrent_writers_keep_one_unbroken_chain(app, database_url):
    """Events written from several threads at once (each its own connection) form one valid chain."""
    worker_app = make_app(database_url, shares_context=False)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        """Record ten events, committing each."""
        try:
            with worker_app.app_context():
                for i in range(10):
                    record("test-event", details={"thread": n, "i": i})
                    db.session.commit()
        except BaseException as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    verdict = verify()
    assert verdict.ok, verdict.reason
    assert len(events("test-event")) == 40


# --- who reads it


def test_only_audit_readers_see_the_trail(app, users, admin_client, organizer_client):
    """Admins (audit-read) read the trail; organizers (no audit-read) are refused."""
    assert organizer_client.get("/admin/audit/").status_code == 403
    html = page(admin_client.get("/admin/audit/"))
    assert "sign-in" in html and users["organizer"] in html
    assert "Audit trail" not in page(organizer_client.get("/admin/"))


def test_nobody_can_create_edit_or_delete_events_through_the_admin(app, users, admin_client):
    """Even an admin cannot add, edit or delete audit events: the write endpoints answer 403."""
    event_id = events()[-1].id
    assert admin_client.get("/admin/audit/new/").status_code == 403
    assert post_form(admin_client, "/admin/audit/new/", {"action": "forged"}, token_from="/admin/").status_code == 403
    assert post_form(admin_client, f"/admin/audit/edit/?id={event_id}", {"action": "x"}, token_from="/admin/").status_code == 403
    assert post_form(admin_client, "/admin/audit/delete/", {"id": str(event_id)}, token_from="/admin/").status_code == 403
    assert verify().ok


def test_the_trail_filters_and_exports(app, users, admin_client, anon_client):
    """Filter by action and export the result as CSV (which is itself recorded)."""
    login(anon_client, users["staff"], "not-the-password")
    filtered = page(admin_client.get("/admin/audit/?flt0_1=sign-in-failed"))
    assert "wrong password" in filtered and users["staff"] in filtered
    response = admin_client.get("/admin/audit/export/csv/?flt0_1=sign-in-failed")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and {row["Action"] for row in rows} == {"sign-in-failed"}
    assert events("audit-exported")


def test_what_users_typed_is_shown_escaped(app, users, admin_client, anon_client):
    """An email typed at sign-in is shown escaped in the trail (no script runs in an admin's browser)."""
    login(anon_client, '<script>alert(1)</script>@example.org', "whatever-password")
    html = page(admin_client.get("/admin/audit/"))
    assert "<script>alert(1)</script>" not in html


def test_account_area_shows_your_own_recent_sign_ins(app, users, client_for, anon_client):
    """Users see their own sign-ins and failed attempts on their account, not other people's."""
    anon_client.environ_base.update(REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT=BROWSER)
    login(anon_client, users["staff"], "not-the-password")
    client_for("organizer")
    staff = client_for("staff")
    html = page(staff.get("/account/security"))
    assert 'id="recent-sign-ins"' in html
    assert "192.0.2.44" in html and BROWSER in html and "Failed attempt" in html
    assert html.count("Signed in</td>") == 1  # the organizer's sign-in is not listed


def test_mfa_set_up_and_email_change_are_recorded(app, users, anon_client, staff_client, outbox):
    """Setting up an authenticator and confirming a new email address each leave an event."""
    from tests.helpers import links_in
    from tests.test_mfa import set_up_authenticator

    create_user("new-admin@example.org", ("admin",), mfa=False)
    login(anon_client, "new-admin@example.org")
    set_up_authenticator(anon_client)
    set_up = events("mfa-set-up")
    assert len(set_up) == 1 and details(set_up[0])["method"] == "authenticator"
    assert "new-admin@example.org" in set_up[0].target

    post_form(staff_client, "/change-email", {"email": "moved@example.org"})
    link = next(url for url in links_in(outbox[-1]) if "/change-email/" in url)
    staff_client.get(link)
    changed = events("email-changed")
    assert len(changed) == 1 and details(changed[0])["old_email"] == users["staff"]
    assert "moved@example.org" in changed[0].target


# --- readable by an organizer

FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def french(client):
    """Ask for pages in French, as a French browser does."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    return client


def test_the_list_shows_action_labels_and_dates_on_one_line(app, users, admin_client, anon_client):
    """The Action column shows each feature's label (the code in a tooltip); the time cell does not wrap."""
    login(anon_client, users["staff"], "not-the-password")
    html = page(admin_client.get("/admin/audit/"))
    assert '<span title="sign-in-failed">Sign-in refused</span>' in html
    assert '<span title="sign-in">Signed in</span>' in html
    assert re.search(r'<span class="text-nowrap">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</span>', html)
    french_html = page(french(admin_client).get("/admin/audit/"))
    assert '<span title="sign-in-failed">Connexion refusée</span>' in french_html


def test_the_action_filter_offers_labels(app, users, admin_client):
    """The action filter lists actions by their labels, in the reader's language."""
    html = page(admin_client.get("/admin/audit/"))
    assert '["sign-in-failed", "Sign-in refused"]' in html  # Flask-Admin's filter options, as JSON in the page
    french_html = page(french(admin_client).get("/admin/audit/"))
    assert '["sign-in-failed", "Connexion refus\\u00e9e"]' in french_html


def test_changes_show_field_labels_and_plain_values_in_both_languages(app, users, admin_client):
    """"Active: yes → no" with the Users view's own labels; in French "Actif : oui → non"."""
    edit_user(admin_client, users["staff"], active=None)
    event = events("user-updated")[-1]
    html = page(admin_client.get(f"/admin/audit/details/?id={event.id}"))
    assert "Active: yes → no" in html
    french_html = page(french(admin_client).get(f"/admin/audit/details/?id={event.id}"))
    assert "Actif\u00a0: oui → non" in french_html


def test_internal_columns_are_never_shown(app, users, admin_client):
    """Identity keys, failure counters, secrets and their hashes stay out of the list and the details page."""
    edit_user(admin_client, users["staff"], active=None, new_password=NEW_PASSWORD)  # ends sessions: a new fs_uniquifier
    event = events("user-updated")[-1]
    assert "fs_uniquifier" in details(event)["changes"]  # recorded...
    for url in ("/admin/audit/", f"/admin/audit/details/?id={event.id}"):
        html = page(admin_client.get(url))  # ...never shown
        for internal in ("fs_uniquifier", "Fs uniquifier", "fs_webauthn_user_handle", "failed_logins", "tf_totp_secret", "[redacted]"):
            assert internal not in html, (url, internal)
        assert event.hash not in html and event.prev_hash not in html
    assert "Password: changed" in page(admin_client.get(f"/admin/audit/details/?id={event.id}"))


def test_a_deleted_record_lists_its_values_with_labels(app, users, admin_client):
    """A deletion shows the record's last values as "Field: value", internal columns left out."""
    from tests.admin_helpers import delete_record

    create_user("leaving@example.org", ("staff",), name="Leaving Soon")
    delete_record(admin_client, "user", user_id("leaving@example.org"))
    event = events("user-deleted")[-1]
    html = page(admin_client.get(f"/admin/audit/details/?id={event.id}"))
    assert "Name: Leaving Soon" in html and "Email: leaving@example.org" in html and "fs_uniquifier" not in html


def test_the_last_code_step_is_recorded_but_never_shown(app, users, admin_client, client_for):
    """A deleted user who signed in with a code: their last accepted code step is in the event, not on the page."""
    from tests.admin_helpers import delete_record

    client_for("organizer")  # signs in with an authenticator code
    assert fresh_user(users["organizer"]).tf_totp_last_step is not None
    delete_record(admin_client, "user", user_id(users["organizer"]))
    event = events("user-deleted")[-1]
    assert "tf_totp_last_step" in details(event)["before"]
    html = page(admin_client.get(f"/admin/audit/details/?id={event.id}"))
    assert "tf_totp_last_step" not in html and "Tf totp last step" not in html


def test_the_browser_is_named_for_people(app, users, admin_client, anon_client):
    """The details page and the account's recent sign-ins say "Firefox on Windows" (ua-parser), the full string in a tooltip."""
    anon_client.environ_base["HTTP_USER_AGENT"] = FIREFOX_ON_WINDOWS
    login(anon_client, users["staff"])
    event = events("sign-in")[-1]
    html = page(admin_client.get(f"/admin/audit/details/?id={event.id}"))
    assert f'<span title="{FIREFOX_ON_WINDOWS}">Firefox on Windows</span>' in html
    account = page(anon_client.get("/account/security"))
    assert ">Firefox on Windows</span>" in account
    assert ">Firefox sous Windows</span>" in page(french(admin_client).get(f"/admin/audit/details/?id={event.id}"))


def test_the_export_keeps_the_codes(app, users, admin_client, anon_client):
    """The CSV keeps action codes and the recorded JSON (for tools), without the page's markup."""
    login(anon_client, users["staff"], "not-the-password")
    response = admin_client.get("/admin/audit/export/csv/")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    failed = next(row for row in rows if row["Action"] == "sign-in-failed")
    assert json.loads(failed["Details"])["reason"] == "wrong password"
    assert "<span" not in response.get_data(as_text=True)


def test_a_password_change_is_not_listed_as_a_sign_in(app, users, client_for):
    """Flask-Security signs the user in again after a password change: the trail and the account page do not call it a sign-in."""
    client = client_for("staff")
    post_form(client, "/change", {"password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})
    assert len(events("sign-in")) == 1 and len(events("password-changed")) == 1
    assert page(client.get("/account/security")).count("<td>Signed in</td>") == 1
