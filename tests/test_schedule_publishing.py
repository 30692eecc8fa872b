"""Publishing the schedule: numbered versions and their snapshots, the changelog, emails to the people concerned, the commands."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.festival.models import Festival
from mfo.jobs.runner import wait_for_threads
from mfo.people.models import Person
from mfo.schedule import problem as plain
from mfo.schedule import publishing
from mfo.schedule.loading import class_key, load_problem, save_schedule
from mfo.schedule.models import ScheduleVersion, Session
from mfo.venues.models import Venue
from tests.conftest import make_app
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece
from tests.helpers import post_form

SATURDAY = date(2027, 4, 10)
SLUG = "spring-2027"
BASE = f"/festivals/{SLUG}/schedule"


def at(hour: int, minute: int = 0) -> datetime:
    """Return a time on the festival's Saturday."""
    return datetime.combine(SATURDAY, time(hour, minute))


def place(festival_id: int, starts: dict[int, tuple[int, datetime]]) -> None:
    """Place classes (class id -> (session, start)) and commit, as the command line would (no signed-in user is looked up)."""
    festival = db.session.get(Festival, festival_id)
    save_schedule(festival, plain.Schedule(
        {class_key(c): plain.Placement(class_key(c), session, start) for c, (session, start) in starts.items()}
    ), from_cli=True)
    db.session.commit()


@pytest.fixture
def fest(app) -> dict[str, int]:
    """A festival without errors: one hall, two sessions, Baroque (Ana, via her mother; Ben), Art song (Cal, no email; a pianist)."""
    festival = make_festival(SLUG)
    hall = Venue(festival_id=festival.id, name="Main hall", has_piano=True)
    db.session.add(hall)
    db.session.flush()
    morning = Session(festival_id=festival.id, name="Morning", day=SATURDAY, start=time(9), end=time(12), venue_id=hall.id)
    afternoon = Session(festival_id=festival.id, name="Afternoon", day=SATURDAY, start=time(13), end=time(17), venue_id=hall.id)
    db.session.add_all([morning, afternoon])
    db.session.flush()
    mother = make_person("Maria", "Pupil", email="maria@example.org")
    ana = make_person("Ana", "Pupil", guardian_id=mother.id, email="ana-herself@example.org")
    ben = make_person("Ben", "Other", email="ben@example.org")
    cal = make_person("Cal", "Nomail")
    teacher = make_person("Marie", "Teacher", email="teacher@example.org")
    pianist = make_person("Paul", "Keys", email="paul@example.org")
    minuet = make_piece("Minuet in G", "Bach", 120)
    baroque = make_class(festival, "101", "Baroque")
    song = make_class(festival, "301", "Art song", discipline="Voice", accompanist_required=True)
    ana_entry = make_entry(baroque, [ana], [(minuet, 120)], teacher_id=teacher.id)
    ben_entry = make_entry(baroque, [ben], [(minuet, 120)])
    cal_entry = make_entry(song, [cal], [(minuet, 120)], accompanist_id=pianist.id)
    db.session.commit()
    ids = {
        "festival": festival.id, "morning": morning.id, "afternoon": afternoon.id, "baroque": baroque.id, "song": song.id,
        "ana_entry": ana_entry.id, "ben_entry": ben_entry.id, "cal_entry": cal_entry.id,
        "mother": mother.id, "ana": ana.id, "ben": ben.id, "cal": cal.id, "teacher": teacher.id, "pianist": pianist.id,
    }
    place(festival.id, {baroque.id: (morning.id, at(9)), song.id: (morning.id, at(10))})
    return ids


def festival_of(ids) -> Festival:
    """Return the fixture's festival."""
    return db.session.get(Festival, ids["festival"])


def publish(ids, note: str = "") -> ScheduleVersion:
    """Publish the fixture's festival from the service layer and commit."""
    version = publishing.publish(festival_of(ids), note=note, from_cli=True)
    db.session.commit()
    return version


def events(action: str) -> list[dict]:
    """Return the details of the recorded events of one action, oldest first."""
    db.session.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return [json.loads(e.details) for e in db.session.scalars(query)]


def cli(app, *args: str):
    """Run a `schedule` command and return click's result."""
    return app.test_cli_runner().invoke(args=["schedule", *args])


# --- versions and the changelog


def test_draft_then_version_1_then_2_with_a_move_in_the_changelog(app, fest):
    """A draft has no version; publishing gives 1, a move shows from/to in the changelog, publishing again gives 2."""
    festival = festival_of(fest)
    state = publishing.status(festival)
    assert not state.published and state.pending == 3
    first = publish(fest, note="First draft out")
    assert (first.number, first.performance_count, first.note) == (1, 3, "First draft out")
    assert publishing.status(festival).pending == 0
    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["afternoon"], at(14))})
    changelog = publishing.pending_changes(festival)
    assert [(c.kind, c.slot.entry_id) for c in changelog.changes] == [("moved", fest["cal_entry"])]
    move = changelog.changes[0]
    assert (move.before.start, move.before.session_name) == (at(10), "Morning")
    assert (move.after.start, move.after.session_name) == (at(14), "Afternoon")
    assert publishing.status(festival) == publishing.Status(first, 1)
    second = publish(fest)
    assert second.number == 2
    assert [c.kind for c in publishing.changes_of(festival, second).changes] == ["moved"]
    assert {c.kind for c in publishing.changes_of(festival, first).changes} == {"added"}


def test_a_versions_snapshot_does_not_change_when_the_schedule_does(app, fest):
    """Version 1 keeps the times it published after Baroque moves and the song is taken out of the schedule."""
    first = publish(fest)
    kept = [dict(item) for item in first.performances]
    place(fest["festival"], {fest["baroque"]: (fest["afternoon"], at(13))})
    db.session.expire_all()
    again = db.session.get(ScheduleVersion, first.id)
    assert again.performances == kept
    starts = {i["entry"]: publishing.Slot.from_json(i).start for i in again.performances}
    assert (starts[fest["ana_entry"]], starts[fest["cal_entry"]]) == (at(9), at(10))
    changes = {c.slot.entry_id: c.kind for c in publishing.pending_changes(festival_of(fest)).changes}
    assert changes == {fest["ana_entry"]: "moved", fest["ben_entry"]: "moved", fest["cal_entry"]: "removed"}


def test_publishing_is_refused_with_errors_and_when_nothing_changed(app, fest):
    """Two classes at once in one session is an error: nothing is published; an unchanged schedule is not published twice."""
    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["morning"], at(9))})
    with pytest.raises(publishing.PublishRefused) as refused:
        publish(fest)
    assert refused.value.reason == "errors" and refused.value.errors
    db.session.rollback()
    assert db.session.scalars(select(ScheduleVersion)).all() == []
    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["morning"], at(10))})
    publish(fest)
    with pytest.raises(publishing.PublishRefused) as refused:
        publish(fest)
    assert (refused.value.reason, refused.value.latest) == ("unchanged", 1)


def test_publishing_is_audited(app, fest):
    """Each publication records its version, its number of performances and what changed."""
    publish(fest, note="for the families")
    assert events("schedule-published") == [
        {"version": 1, "performances": 3, "note": "for the families", "moved": 0, "added": 3, "removed": 0}
    ]


def test_two_publications_at_once_get_two_numbers(app, fest, database_url):
    """Publishing from two connections at once gives versions 1 and 2 (or refuses the second as unchanged), never two 1s."""
    worker_app = make_app(database_url, shares_context=False)
    outcomes: list[object] = []

    def run() -> None:
        """Publish once in its own app context and connection."""
        try:
            with worker_app.app_context():
                festival = db.session.get(Festival, fest["festival"])
                outcomes.append(publishing.publish(festival).number)
                db.session.commit()
        except publishing.PublishRefused as refusal:
            outcomes.append(refusal.reason)
        except BaseException as error:  # reported below: a thread's exception is otherwise lost
            outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    numbers = [v.number for v in db.session.scalars(select(ScheduleVersion))]
    assert numbers == [1], outcomes
    assert sorted(outcomes, key=str) == [1, "unchanged"]


# --- pages and who may do what


def test_staff_read_versions_and_changes_but_cannot_publish_or_send(app, fest, staff_client, organizer_client, outbox):
    """Staff open the versions and the changelogs; their POSTs to publish and send are refused with 403."""
    publish(fest)
    assert staff_client.get(f"{BASE}/versions").status_code == 200
    assert staff_client.get(f"{BASE}/versions/1").status_code == 200
    assert staff_client.get(f"{BASE}/changes").status_code == 200
    page = staff_client.get(f"{BASE}/versions").get_data(as_text=True)
    assert 'id="publish-form"' not in page
    # Who published is an organizer's account email: staff see that someone did, not who.
    publisher = db.session.scalars(select(ScheduleVersion)).one().published_by
    assert publisher and publisher not in page and "•••" in page
    assert publisher in organizer_client.get(f"{BASE}/versions").get_data(as_text=True)
    token_page = f"{BASE}/"
    assert post_form(staff_client, f"{BASE}/publish", {"note": "x"}, token_from=token_page).status_code == 403
    assert post_form(staff_client, f"{BASE}/versions/1/notify", token_from=token_page).status_code == 403
    assert len(db.session.scalars(select(ScheduleVersion)).all()) == 1 and outbox == []


def test_organizer_publishes_from_the_page_and_reads_the_move(app, fest, organizer_client):
    """Publish is a form on the versions page; after a move, the changelog shows from and to; the status counts it."""
    response = post_form(organizer_client, f"{BASE}/publish", {"note": "Week one"}, token_from=f"{BASE}/versions")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/versions/1")
    assert 'data-status="published" data-version="1"' in organizer_client.get(f"{BASE}/versions").get_data(as_text=True)
    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["afternoon"], at(14))})
    index = organizer_client.get(f"{BASE}/").get_data(as_text=True)
    assert "Published (version 1)" in index and "1 performance changed since version 1." in index
    changes = organizer_client.get(f"{BASE}/changes").get_data(as_text=True)
    assert f'data-entry="{fest["cal_entry"]}" data-kind="moved"' in changes
    assert "10:00–" in changes and "14:00–" in changes and "Afternoon" in changes


def test_publish_without_a_csrf_token_is_refused(app, fest, organizer_client):
    """The publish form needs its CSRF token."""
    assert organizer_client.post(f"{BASE}/publish", data={"note": "x"}).status_code == 400
    assert db.session.scalars(select(ScheduleVersion)).all() == []


def test_the_page_says_why_publishing_was_refused(app, fest, organizer_client):
    """With an error in the schedule, Publish writes nothing and says how many errors to fix."""
    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["morning"], at(9))})
    response = post_form(organizer_client, f"{BASE}/publish", {}, token_from=f"{BASE}/versions", follow_redirects=True)
    assert "errors: fix them on the board" in response.get_data(as_text=True)
    assert db.session.scalars(select(ScheduleVersion)).all() == []


def test_the_changelog_page_is_in_french_with_french_dates(app, fest, staff_client):
    """The changelog reads in French, its dates in French."""
    publish(fest)
    page = staff_client.get(f"{BASE}/versions/1", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Changements de la version 1" in page and "avr." in page


def test_another_festivals_version_is_not_found(app, fest, organizer_client):
    """A version number the festival does not have answers 404, even when another festival has it."""
    other = make_festival("autumn-2027", name="Autumn")
    db.session.add(ScheduleVersion(festival_id=other.id, number=1, published_by="x", performances=[]))
    db.session.commit()
    assert organizer_client.get(f"{BASE}/versions/1").status_code == 404
    assert post_form(organizer_client, f"{BASE}/versions/1/notify", token_from=f"{BASE}/versions").status_code == 404
    assert organizer_client.get("/festivals/autumn-2027/schedule/versions/1").status_code == 200


# --- emails to the people concerned


def test_emails_go_to_the_people_concerned_only_with_their_own_performances(app, fest, organizer_client, outbox):
    """A moved song emails its pianist (Cal has no email, named instead); the Baroque families get nothing."""
    publish(fest)
    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["afternoon"], at(14))})
    publish(fest)
    response = post_form(organizer_client, f"{BASE}/versions/2/notify", token_from=f"{BASE}/versions/2")
    assert response.status_code == 302
    # The emails go in a background job; the version's page then says it started, and what it did.
    wait_for_threads()
    text = organizer_client.get(f"{BASE}/versions/2").get_data(as_text=True)
    assert "The emails of version 2 are being sent" in text
    assert [m.to for m in outbox] == [["paul@example.org"]]
    body = outbox[0].body
    assert "Cal Nomail" in body and "301 Art song" in body and "14:00" in body and "10:00" in body
    assert "Ana" not in body and "Ben" not in body and "@" not in body
    assert "1 email sent." in text and "No email on file for: Cal Nomail." in text
    assert events("schedule-notified") == [{"version": 2, "sent": 1, "without_email": 1}]
    db.session.expire_all()
    assert db.session.scalar(select(ScheduleVersion).where(ScheduleVersion.number == 2)).notified_count == 1


def test_a_minors_email_goes_to_the_guardian_and_each_person_gets_one(app, fest, organizer_client, outbox):
    """Version 1's emails: Ana's to her mother (never to Ana), one each to Ben, the teacher and the pianist, each with their own."""
    response = post_form(organizer_client, f"{BASE}/publish", {"note": "", "notify": "y"}, token_from=f"{BASE}/versions")
    assert response.status_code == 302
    wait_for_threads()
    by_address = {m.to[0]: m.body for m in outbox}
    assert sorted(by_address) == ["ben@example.org", "maria@example.org", "paul@example.org", "teacher@example.org"]
    assert "Ana Pupil" in by_address["maria@example.org"] and "Ben" not in by_address["maria@example.org"]
    assert "Ben Other" in by_address["ben@example.org"] and "Ana" not in by_address["ben@example.org"]
    assert "Ana Pupil" in by_address["teacher@example.org"] and "Cal" not in by_address["teacher@example.org"]
    assert "Cal Nomail" in by_address["paul@example.org"] and "Ana" not in by_address["paul@example.org"]
    assert all("Hello" in body for body in by_address.values())
    assert events("schedule-published")[0]["version"] == 1
    db.session.expire_all()
    assert db.session.scalar(select(ScheduleVersion)).published_by == "organizer@example.org"


def test_the_html_email_escapes_names(app, fest, organizer_client, outbox):
    """A performer's name that looks like markup is shown as text in the HTML part of the email."""
    db.session.get(Person, fest["cal"]).set_name("<b>Cal</b>", "Nomail")
    db.session.commit()
    post_form(organizer_client, f"{BASE}/publish", {"notify": "y"}, token_from=f"{BASE}/versions")
    wait_for_threads()
    html = next(m for m in outbox if m.to == ["paul@example.org"]).alternatives[0][0]
    assert "&lt;b&gt;Cal&lt;/b&gt;" in html and "<b>Cal</b>" not in html


def test_the_emails_go_in_the_organizers_language_and_a_failed_sending_can_be_retried(app, fest, organizer_client, outbox, monkeypatch):
    """Asked from a French page, the job writes in French; when the mail server fails, the page says so and offers Send again."""
    publish(fest)
    post_form(organizer_client, f"{BASE}/versions/1/notify", token_from=f"{BASE}/versions/1", headers={"Accept-Language": "fr"})
    wait_for_threads()
    assert outbox and all("version 1" in m.subject and "horaire" in m.subject.lower() for m in outbox), [m.subject for m in outbox]

    def refuse(*_args, **_kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(publishing, "send_mail", refuse)
    post_form(organizer_client, f"{BASE}/versions/1/notify", token_from=f"{BASE}/versions/1")
    wait_for_threads()
    text = organizer_client.get(f"{BASE}/versions/1").get_data(as_text=True)
    assert 'id="notify-status"' in text and "could not all be sent" in text and 'id="notify-submit"' in text


# --- the command line


def test_cli_publish_and_changes(app, fest):
    """`publish` prints the version (exit 0) then refuses an unchanged schedule (exit 1); `changes` exits 1 with changes, 0 without."""
    result = cli(app, "changes", "--festival", SLUG, "--json")
    assert result.exit_code == 1 and json.loads(result.output)["added"] == 3
    result = cli(app, "publish", "--festival", SLUG, "--note", "from the desk", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"published": True, "version": 1, "performances": 3}
    assert cli(app, "changes", "--festival", SLUG).exit_code == 0
    refused = cli(app, "publish", "--festival", SLUG, "--json")
    assert refused.exit_code == 1 and json.loads(refused.output)["reason"] == "unchanged"
    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["afternoon"], at(14))})
    data = json.loads(cli(app, "changes", "--festival", SLUG, "--json").output)
    assert data["since"] == 1 and data["moved"] == 1
    assert data["changes"][0]["from"]["start"] == "2027-04-10T10:00" and data["changes"][0]["to"]["start"] == "2027-04-10T14:00"
    assert cli(app, "publish", "--festival", "nope").exit_code == 2
    db.session.expire_all()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "schedule-published")).actor == "cli"


def test_cli_publish_is_refused_with_errors(app, fest):
    """A schedule with an error exits 1 and publishes nothing."""
    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["morning"], at(9))})
    result = cli(app, "publish", "--festival", SLUG)
    assert result.exit_code == 1 and "errors" in result.output
    assert db.session.scalars(select(ScheduleVersion)).all() == []


def test_slots_match_the_loaded_problem(app, fest):
    """The snapshot's people are the problem's: performers, teacher and accompanist."""
    problem = load_problem(festival_of(fest))
    slots = {s.entry_id: s for s in publishing.current_slots(festival_of(fest))}
    assert slots[fest["ana_entry"]].people == {fest["ana"], fest["teacher"]}
    assert slots[fest["cal_entry"]].people == {fest["cal"], fest["pianist"]}
    assert len(slots) == sum(len(u.entries) for u in problem.units.values())


def test_two_versions_can_be_compared(app, fest, staff_client):
    """Version 3 against version 1 shows what moved across both publications; the versions page's form leads there."""
    publish(fest)
    place(fest["festival"], {fest["baroque"]: (fest["morning"], at(9)), fest["song"]: (fest["afternoon"], at(14))})
    publish(fest)
    place(fest["festival"], {fest["baroque"]: (fest["afternoon"], at(13)), fest["song"]: (fest["afternoon"], at(14))})
    publish(fest)
    festival = festival_of(fest)
    third, first = publishing.version_of(festival, 3), publishing.version_of(festival, 1)
    assert {c.slot.entry_id for c in publishing.changes_of(festival, third, first).changes} == {
        fest["ana_entry"], fest["ben_entry"], fest["cal_entry"]}
    assert {c.slot.entry_id for c in publishing.changes_of(festival, third).changes} == {fest["ana_entry"], fest["ben_entry"]}
    for url in (f"{BASE}/versions/compare?since=3&until=1", f"{BASE}/versions/3?since=1"):
        page = staff_client.get(url).get_data(as_text=True)
        assert page.count('data-kind="moved"') == 3 and "Compared with version 1." in page, url
    assert "Compared with version 2." in staff_client.get(f"{BASE}/versions/compare").get_data(as_text=True)
    assert staff_client.get(f"{BASE}/versions/1?since=3").status_code == 404
    assert staff_client.get(f"{BASE}/versions/3?since=9").status_code == 404
    assert 'id="compare-form"' in staff_client.get(f"{BASE}/versions").get_data(as_text=True)
