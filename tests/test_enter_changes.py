"""After submitting: an entrant changes or withdraws their entries until entries close (their own only, active ones
only), gets a confirmation email, and a festival's cap on a performer's stage time refuses an entry over it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.enter.signals import entries_changed, entries_withdrawn
from mfo.festival.models import Festival
from mfo.issues.festival import festival_issues
from tests import test_enter
from tests.admin_helpers import page
from tests.helpers import csrf_token, post_form, submit_from_basket
from tests.test_enter import BASKET, START, TODAY, basket_rows, child_born, class_id, entries, entry_form, entry_url, set_window

# The entry tests' fixtures: a signed-in family (and another account), the spring festival's syllabus open for entries.
family = test_enter.family
syllabus = test_enter.syllabus

ENTRIES = START + "entries"


def submitted(client, code: str = "101", profile_id: int | None = None, **form) -> int:
    """Put an entry for a child in the basket and submit it; return its basket entry's id."""
    profile_id = profile_id or child_born(client, date(2018, 1, 1))
    assert post_form(client, entry_url(profile_id, class_id(code)), entry_form(**form)).status_code == 302
    assert submit_from_basket(client, BASKET).status_code == 302
    return basket_rows()[-1].id


def change_form(**extra) -> dict:
    """Return the change form: a new piece and the same teacher, unless told otherwise."""
    return entry_form(title="Gavotte", composer="Gossec", duration="2:00", **extra)


@pytest.fixture
def received():
    """Collect what the enter feature announces (changed, withdrawn) while the test runs."""
    got: list[tuple[str, dict]] = []

    def changed(sender, **kwargs):
        got.append(("changed", {"festival": sender.id, "entries": [e.id for e in kwargs["entries"]], "user": kwargs["user"].email}))

    def withdrawn(sender, **kwargs):
        got.append(("withdrawn", {"festival": sender.id, "entries": [e.id for e in kwargs["entries"]], "user": kwargs["user"].email}))

    entries_changed.connect(changed)
    entries_withdrawn.connect(withdrawn)
    yield got
    entries_changed.disconnect(changed)
    entries_withdrawn.disconnect(withdrawn)


def test_an_entrant_changes_the_pieces_of_an_entry_they_sent(family, syllabus, received):
    """New pieces replace the old, the entry keeps its id and status; recorded with the fields changed; announced."""
    client, _other = family
    item_id = submitted(client)
    (entry,) = entries()
    html = page(client.get(ENTRIES))
    assert f'data-change="{item_id}"' in html and f'data-withdraw="{item_id}"' in html
    url = f"{ENTRIES}/{item_id}/change"
    assert 'value="Minuet in G"' in page(client.get(url))
    response = post_form(client, url, change_form())
    assert response.status_code == 303 and response.location.endswith(ENTRIES)
    (changed,) = entries()
    assert changed.id == entry.id and changed.status == "submitted"
    assert [(p.piece.title, p.piece.composer, p.duration) for p in changed.pieces] == [("Gavotte", "Gossec", 120)]
    assert changed.teacher.full_name == "Marie Lefèvre"
    assert basket_rows()[0].pieces == [{"title": "Gavotte", "composer": "Gossec", "duration": 120}]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).one()
    assert event.target == f"entry #{entry.id}" and json.loads(event.details)["changed"] == ["pieces"]
    assert received == [("changed", {"festival": syllabus, "entries": [entry.id], "user": "family@example.org"})]


def test_changing_the_teacher_is_recorded_without_the_names(family, syllabus):
    """A new teacher is found or added; the trail says "teacher" changed, never the name."""
    client, _other = family
    item_id = submitted(client)
    post_form(client, f"{ENTRIES}/{item_id}/change", entry_form(teacher_first_name="Hélène", teacher_last_name="Grimaud"))
    (entry,) = entries()
    assert entry.teacher.full_name == "Hélène Grimaud"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).one()
    assert json.loads(event.details)["changed"] == ["teacher"] and "Grimaud" not in event.details + event.target


def test_saving_an_unchanged_entry_records_nothing(family, syllabus, received):
    """The same pieces and teacher sent again: no audit row, nothing announced."""
    client, _other = family
    item_id = submitted(client)
    post_form(client, f"{ENTRIES}/{item_id}/change", entry_form())
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).all() == []
    assert received == []


def test_a_change_is_checked_by_the_entry_forms_validator(family, syllabus):
    """Warnings are shown and accepted (over the time limit); the form's errors block and change nothing."""
    client, _other = family
    festival = db.session.get(Festival, syllabus)
    from tests.festival_helpers import make_class

    make_class(festival, "401", "Short Pieces", time_limit=120)
    db.session.commit()
    item_id = submitted(client, "401")
    url = f"{ENTRIES}/{item_id}/change"
    response = post_form(client, url, change_form(**{"pieces-0-duration": "3:00"}))
    assert response.status_code == 303
    # The warning is flashed on the next page, in the validator's words.
    assert "The pieces last 3:00; class 401 allows 2:00." in page(client.get(ENTRIES))
    assert [p.duration for p in entries()[0].pieces] == [180]
    response = post_form(client, url, change_form(**{"pieces-0-title": "", "pieces-0-duration": ""}))
    assert response.status_code == 200 and "invalid-feedback" in page(response)
    assert [p.duration for p in entries()[0].pieces] == [180]


def test_an_entrant_withdraws_an_entry_after_confirming(family, syllabus, received):
    """GET asks; POST withdraws: status withdrawn, recorded, announced; the entry can then be neither changed nor withdrawn."""
    client, _other = family
    item_id = submitted(client)
    url = f"{ENTRIES}/{item_id}/withdraw"
    assert 'id="withdraw-form"' in page(client.get(url)) and entries()[0].status == "submitted"
    assert post_form(client, url, {}).status_code == 303
    (entry,) = entries()
    assert entry.status == "withdrawn"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-updated")).one()
    assert json.loads(event.details)["changes"] == {"status": ["submitted", "withdrawn"]}
    assert received == [("withdrawn", {"festival": syllabus, "entries": [entry.id], "user": "family@example.org"})]
    html = page(client.get(ENTRIES))
    assert 'data-status="withdrawn"' in html and f'data-change="{item_id}"' not in html
    # A crafted POST to change it is turned away, and nothing moves.
    token = csrf_token(client, BASKET)
    response = client.post(f"{ENTRIES}/{item_id}/change", data={**change_form(), "csrf_token": token})
    assert response.status_code == 303
    assert [p.piece.title for p in entries()[0].pieces] == ["Minuet in G"]


def test_a_scratched_entry_cannot_be_changed_or_withdrawn(family, syllabus):
    """An organizer scratched it: the entrant's change and withdrawal leave it as it is."""
    client, _other = family
    item_id = submitted(client)
    (entry,) = entries()
    entry.status = "scratched"
    db.session.commit()
    post_form(client, f"{ENTRIES}/{item_id}/change", change_form(), token_from=BASKET)
    post_form(client, f"{ENTRIES}/{item_id}/withdraw", {}, token_from=BASKET)
    (entry,) = entries()
    assert entry.status == "scratched" and [p.piece.title for p in entry.pieces] == ["Minuet in G"]


def test_another_account_never_reaches_someone_elses_entries(family, syllabus):
    """Another account's basket ids answer 404 to GET and POST; the entry stays as it was; its list is empty."""
    client, other = family
    item_id = submitted(client)
    token = csrf_token(other, BASKET)
    for action in ("change", "withdraw"):
        url = f"{ENTRIES}/{item_id}/{action}"
        assert other.get(url).status_code == 404
        assert other.post(url, data={**change_form(), "csrf_token": token}).status_code == 404
    (entry,) = entries()
    assert entry.status == "submitted" and [p.piece.title for p in entry.pieces] == ["Minuet in G"]
    assert f'data-entry="{entry.id}"' not in page(other.get(ENTRIES))
    # A draft's id is not a submitted entry either.
    profile_id = child_born(client, date(2018, 1, 1), first_name="Léo")
    post_form(client, entry_url(profile_id, class_id("201")), entry_form())
    draft = basket_rows()[-1]
    assert draft.status == "draft" and client.get(f"{ENTRIES}/{draft.id}/change").status_code == 404


def test_a_change_or_withdrawal_sent_after_the_close_is_refused(family, syllabus, users, organizer_client):
    """Forms loaded while open, sent after the close: the window's message with a 403, the entry unchanged; organizers
    still change it."""
    client, _other = family
    item_id = submitted(client)
    token = csrf_token(client, f"{ENTRIES}/{item_id}/change")
    set_window(syllabus, TODAY - timedelta(days=30), TODAY - timedelta(days=1))
    for action, data in (("change", change_form()), ("withdraw", {})):
        response = client.post(f"{ENTRIES}/{item_id}/{action}", data={**data, "csrf_token": token})
        assert response.status_code == 403 and "Entries closed on" in page(response)
    (entry,) = entries()
    assert entry.status == "submitted" and [p.piece.title for p in entry.pieces] == ["Minuet in G"]
    url = f"/festivals/spring-2027/entries/{entry.id}"
    assert post_form(organizer_client, f"{url}/update", {"status": "withdrawn", "amount_paid": "0"}, token_from=url).status_code == 303
    assert entries()[0].status == "withdrawn"


def test_after_the_close_the_entries_sent_stay_readable_without_change_links(family, syllabus):
    """The list of entries sent answers after the close (from the start page too), offering no change or withdrawal."""
    client, _other = family
    item_id = submitted(client)
    set_window(syllabus, TODAY - timedelta(days=30), TODAY - timedelta(days=1))
    start = page(client.get("/festivals/spring-2027/enter/"))
    assert 'id="sent-entries"' in start
    response = client.get(ENTRIES)
    text = page(response)
    assert response.status_code == 200 and "101" in text
    assert f'data-change="{item_id}"' not in text and f'data-withdraw="{item_id}"' not in text


def test_the_issues_page_sees_a_change_at_once(family, syllabus, users, organizer_client):
    """The Issues page's kept result is found again after the entrant's change: a new over-time warning shows."""
    client, _other = family
    festival = db.session.get(Festival, syllabus)
    from tests.festival_helpers import make_class

    make_class(festival, "401", "Short Pieces", time_limit=120)
    db.session.commit()
    item_id = submitted(client, "401")
    issues_url = "/festivals/spring-2027/issues/"
    assert 'data-code="over-time-limit"' not in page(organizer_client.get(issues_url))
    post_form(client, f"{ENTRIES}/{item_id}/change", change_form(**{"pieces-0-duration": "3:00"}))
    assert 'data-code="over-time-limit"' in page(organizer_client.get(issues_url))
    post_form(client, f"{ENTRIES}/{item_id}/withdraw", {}, token_from=ENTRIES)
    assert 'data-code="over-time-limit"' not in page(organizer_client.get(issues_url))


# The confirmation email


def test_submitting_sends_a_confirmation_with_the_entries_and_fees(family, syllabus, outbox):
    """One email to the account: class, performer, pieces, each fee and the total as the basket showed it; text and HTML."""
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    post_form(client, entry_url(profile_id, class_id("101")), entry_form())
    post_form(client, entry_url(profile_id, class_id("201")), entry_form(title="Greensleeves", composer="Trad.", duration="2:10"))
    assert outbox == []
    submit_from_basket(client, BASKET)
    (message,) = outbox
    assert message.to == ["family@example.org"] and "Spring Festival 2027" in message.subject
    for shown in ("101 Junior Baroque", "201 Folk Song", "Zoë Ngô", "Minuet in G (Bach), 1:30", "Greensleeves (Trad.), 2:10",
                  "Class fees: $30.00", "is on your fees page: http://localhost/festivals/spring-2027/fees/mine",
                  "/festivals/spring-2027/enter/entries"):
        assert shown in message.body, shown
    html = message.alternatives[0][0]
    assert "<table" in html and "$30.00" in html and "Greensleeves" in html
    # Submitting an empty basket sends nothing more.
    submit_from_basket(client, BASKET)
    assert len(outbox) == 1


def test_without_a_fees_page_the_confirmation_says_the_festival_will_tell(family, syllabus, outbox, monkeypatch):
    """Without the fees feature's page (an app built without it), the email says the festival will tell how to pay."""
    import mfo.enter.mail

    # An endpoint no feature declares stands for an app without the fees feature (enter does not import it).
    monkeypatch.setattr(mfo.enter.mail, "FEES_PAGE", "fees.no_such_page")
    client, _other = family
    submitted(client)
    (message,) = outbox
    assert "The festival will tell you how to pay" in message.body and "fees page" not in message.body


def test_the_confirmation_is_in_the_accounts_language(family, syllabus, outbox):
    """An account that chose French gets the email in French, amounts written the French way."""
    client, _other = family
    from mfo.database.models import User

    user = db.session.scalar(select(User).where(User.email == "family@example.org"))
    user.locale = "fr"
    db.session.commit()
    submitted(client)
    (message,) = outbox
    assert "Frais des classes\u00a0: 15,00\u00a0$" in message.body and "Class fees" not in message.body
    assert message.subject == "Spring Festival 2027\u00a0: vos inscriptions sont bien reçues"


def test_a_mail_server_down_keeps_the_entries(family, syllabus, outbox, monkeypatch):
    """The email is sent after the commit: when it fails, the entries are made all the same and the page says so."""
    client, _other = family
    import mfo.enter.views

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(mfo.enter.views, "send_confirmation", broken)
    profile_id = child_born(client, date(2018, 1, 1))
    post_form(client, entry_url(profile_id, class_id("101")), entry_form())
    response = submit_from_basket(client, BASKET)
    assert response.status_code == 302 and len(entries()) == 1
    assert "confirmation email could not be" in page(client.get(BASKET))


# The stage-time cap


def cap(festival_id: int, minutes: int | None) -> None:
    """Set the festival's cap on a performer's stage time."""
    db.session.get(Festival, festival_id).stage_minutes_cap = minutes
    db.session.commit()


def test_the_basket_refuses_an_entry_over_the_stage_time_cap(family, syllabus):
    """Cap 4 minutes: a 3-minute entry submitted, a second of 1:30 is refused (4:30) with the stage-time-over code; 1:00 fits."""
    client, _other = family
    cap(syllabus, 4)
    profile_id = child_born(client, date(2018, 1, 1))
    submitted(client, "101", profile_id, duration="3:00")
    response = post_form(client, entry_url(profile_id, class_id("201")), entry_form(duration="1:30"))
    # A warning to organizers, binding online: shown as the error that refused the entry.
    assert response.status_code == 200 and 'data-code="stage-time-over" data-severity="error"' in page(response)
    assert "last 4:30 on stage; the festival allows 4:00 per performer" in page(response)
    assert [row.status for row in basket_rows()] == ["submitted"]
    assert post_form(client, entry_url(profile_id, class_id("201")), entry_form(duration="1:00")).status_code == 302


def test_the_cap_counts_drafts_and_cuts_each_entry_to_its_time_limit(family, syllabus):
    """Two drafts together over the cap block the submission; a piece longer than its class's limit counts the limit."""
    client, _other = family
    festival = db.session.get(Festival, syllabus)
    from tests.festival_helpers import make_class

    make_class(festival, "401", "Short Pieces", time_limit=120)
    db.session.commit()
    cap(syllabus, 5)
    profile_id = child_born(client, date(2018, 1, 1))
    # 6:00 declared in a class of 2:00 counts 2:00 (a warning: over the time limit, not over the cap).
    assert post_form(client, entry_url(profile_id, class_id("401")), entry_form(duration="6:00")).status_code == 302
    assert post_form(client, entry_url(profile_id, class_id("101")), entry_form(duration="2:30")).status_code == 302
    # The cap is lowered after drafting: 4:30 over 4:00 stops the submission.
    cap(syllabus, 4)
    submit_from_basket(client, BASKET)
    assert entries() == []
    assert 'data-code="stage-time-over" data-severity="error"' in page(client.get(BASKET))


def test_a_change_over_the_cap_is_refused(family, syllabus):
    """Changing a submitted entry to longer pieces is checked against the cap too; its own old time is not counted twice."""
    client, _other = family
    cap(syllabus, 4)
    item_id = submitted(client, duration="3:00")
    response = post_form(client, f"{ENTRIES}/{item_id}/change", change_form(**{"pieces-0-duration": "3:50"}))
    assert response.status_code == 303 and [p.duration for p in entries()[0].pieces] == [230]
    response = post_form(client, f"{ENTRIES}/{item_id}/change", change_form(**{"pieces-0-duration": "4:10"}))
    assert response.status_code == 200 and 'data-code="stage-time-over" data-severity="error"' in page(response)
    assert [p.duration for p in entries()[0].pieces] == [230]


def test_the_issues_page_lists_performers_over_the_cap(app, syllabus):
    """Entries made in the admin or imported may go over: the Issues page's rules say which performer, with their entries."""
    from tests.festival_helpers import make_entry, make_person, make_piece

    festival = db.session.get(Festival, syllabus)
    ann = make_person("Ann", "Lee")
    piece = make_piece("Minuet in G", "Bach", 150)
    first = make_entry(festival_class_by("101"), [ann], [(piece, 150)])
    second = make_entry(festival_class_by("201"), [ann], [(piece, 150)])
    third = make_entry(festival_class_by("201"), [make_person("Bo", "Ray")], [(piece, 150)])
    db.session.commit()
    assert "stage-time-over" not in [i.code for i in festival_issues(festival)]
    cap(syllabus, 4)
    (issue,) = [i for i in festival_issues(db.session.get(Festival, syllabus)) if i.code == "stage-time-over"]
    assert issue.severity == "warning" and set(issue.records) == {("entry", first.id), ("entry", second.id)}
    assert issue.people == ((ann.id, "Ann Lee"),) and str(issue.message).startswith("Ann Lee's entries last 5:00 on stage")
    # An entry's own page and the admin's checks say so too; the other performer's entry is clear.
    from mfo.entries.models import Entry
    from mfo.issues.records import entry_issues

    assert [i.code for i in entry_issues(db.session.get(Entry, second.id))] == ["stage-time-over"]
    assert entry_issues(db.session.get(Entry, third.id)) == []


def festival_class_by(code: str):
    """Return the spring festival's class with this number."""
    from mfo.syllabus.models import FestivalClass

    return db.session.get(FestivalClass, class_id(code))


@pytest.mark.parametrize(("typed", "saved"), [("0", False), ("1441", False), ("-5", False), ("lots", False), ("90", True), ("", True)])
def test_the_cap_is_set_in_the_admin_and_must_be_plausible(app, users, admin_client, typed, saved):
    """The festival's admin form sets the cap in minutes; left empty, no cap; zero, negative or more than a day is refused."""
    data = {"name": "Winter Gala", "year": "2027", "slug": "", "start_date": "2027-10-01", "end_date": "2027-10-05",
            "age_cutoff": "2026-12-31", "status": "draft", "travel_minutes": "15", "currency": "CAD", "stage_minutes_cap": typed}
    response = post_form(admin_client, "/admin/festival/new/", data, token_from="/admin/festival/new/")
    festival = db.session.scalar(select(Festival).where(Festival.slug == "winter-gala"))
    assert (festival is not None) == saved, page(response)[:2000]
    if saved:
        assert festival.stage_minutes_cap == (int(typed) if typed else None)


def test_the_festival_page_says_the_cap(app, syllabus, users, organizer_client):
    """The festival's page shows its cap, or that there is none."""
    assert 'id="stage-cap">no cap<' in page(organizer_client.get("/festivals/spring-2027/"))
    cap(syllabus, 45)
    assert 'id="stage-cap">at most 45 min<' in page(organizer_client.get("/festivals/spring-2027/"))
