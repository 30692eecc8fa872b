"""Teachers online: a teacher enters three pupils, sees the entries naming them (and no other teacher's), and a family
sees the entries its teacher made for its children once the teacher gave the family's confirmed email."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.database.models import User
from mfo.enter.models import Profile, PupilGuardian, TeacherAccount
from mfo.entries.models import Entry
from mfo.festival.models import Festival
from mfo.people.models import Person
from tests.admin_helpers import page
from tests.conftest import create_user
from tests.festival_helpers import make_class
from tests.helpers import csrf_token, login, post_form, submit_from_basket
from tests.test_enter import BASKET, CHILD, CHILD_FORM, START, TODAY, class_id, entries, entry_form, entry_url, set_window, spring

TEACHER = START + "teacher"
PUPILS = START + "pupils"
NEW_PUPIL = PUPILS + "/new"
FAMILY_ENTRIES = START + "teachers-entries"


@pytest.fixture
def accounts(app, users):
    """Signed-in clients: two teachers-to-be, a family and another family (all plain accounts, emails confirmed)."""
    clients = {}
    for name in ("teacher", "rival", "family", "other"):
        create_user(f"{name}@example.org", ("end-user",))
        clients[name] = app.test_client()
        login(clients[name], f"{name}@example.org")
    return clients


@pytest.fixture
def syllabus(app):
    """The spring festival, open for entries, with a junior class (9 and under), an open class and a duet."""
    festival = db.session.get(Festival, spring())
    make_class(festival, "101", "Junior Baroque", discipline="Piano", max_age=9)
    make_class(festival, "201", "Folk Song", discipline="Voice")
    make_class(festival, "301", "Piano Duet", discipline="Piano", class_type="duet")
    db.session.commit()
    return festival.id


def user_id(email: str) -> int:
    """Return an account's id."""
    return db.session.scalar(select(User.id).where(User.email == email))


def profiles(email: str, relation: str | None = None) -> list[Profile]:
    """Return an account's profiles (of one relation), read from the database."""
    db.session.expire_all()
    query = select(Profile).where(Profile.user_id == user_id(email)).order_by(Profile.id)
    if relation:
        query = query.where(Profile.relation == relation)
    return list(db.session.scalars(query))


def become_teacher(client, first: str = "Marie", last: str = "Lefèvre") -> None:
    """Say "I am a teacher" with this name."""
    response = post_form(client, TEACHER, {"first_name": first, "last_name": last})
    assert response.status_code == 302 and response.location.endswith(PUPILS)


def add_pupil(client, first: str, birth: date, guardian_email: str = "") -> None:
    """Add a pupil through the page."""
    form = {"first_name": first, "last_name": "Pupil", "birth_date": birth.isoformat(), "guardian_email": guardian_email}
    response = post_form(client, NEW_PUPIL, form)
    assert response.status_code == 302, page(response)


def enter_and_submit(client, profile_id: int, code: str, **form) -> None:
    """Enter a profile in a class and submit the basket."""
    response = post_form(client, entry_url(profile_id, class_id(code)), entry_form(**form))
    assert response.status_code == 302, page(response)
    assert submit_from_basket(client, BASKET).status_code == 302


def rows(html: str, table: str) -> dict[str, str]:
    """Return the entry ids a page's table lists, with who made each."""
    import re

    _before, _sep, rest = html.partition(f'id="{table}"')
    body = rest.partition("</table>")[0]
    return dict(re.findall(r'data-entry="(\d+)" data-made-by="(\w+)"', body))


def test_a_teacher_enters_three_pupils(accounts, syllabus):
    """Each pupil through the picker, the form and the basket; every entry names the teacher's own record, whatever was typed."""
    client = accounts["teacher"]
    assert 'id="become-teacher"' in page(client.get(START))
    # Without a record of their own, the teacher's name is needed.
    assert post_form(client, TEACHER, {"first_name": "", "last_name": ""}).status_code == 200
    assert db.session.scalar(select(func.count(TeacherAccount.id))) == 0
    become_teacher(client)
    (account,) = db.session.scalars(select(TeacherAccount)).all()
    (holder,) = profiles("teacher@example.org", "self")
    assert account.person_id == holder.person_id and account.user_id == user_id("teacher@example.org")
    for first, birth in (("Ana", date(2018, 1, 1)), ("Ben", date(2017, 6, 1)), ("Chloé", date(2012, 3, 3))):
        add_pupil(client, first, birth)
    pupils = profiles("teacher@example.org", "pupil")
    assert [p.person.first_name for p in pupils] == ["Ana", "Ben", "Chloé"]
    html = page(client.get(PUPILS))
    assert all(f'data-profile="{p.id}"' in html for p in pupils) and 'id="no-pupils-entries"' in html
    # The picker offers the junior class to the young ones only; the form asks no teacher's name.
    assert 'data-enter="101"' in page(client.get(f"{START}profiles/{pupils[0].id}/classes"))
    assert 'data-enter="101"' not in page(client.get(f"{START}profiles/{pupils[2].id}/classes"))
    assert 'id="pupil-teacher"' in page(client.get(entry_url(pupils[0].id, class_id("101"))))
    people_before = db.session.scalar(select(func.count(Person.id)))
    for pupil, code in zip(pupils, ("101", "101", "201"), strict=True):
        # A crafted teacher's name is ignored: the pupil's teacher is the account's record.
        post_form(client, entry_url(pupil.id, class_id(code)), entry_form(teacher_first_name="Someone", teacher_last_name="Else"))
    assert submit_from_basket(client, BASKET).status_code == 302
    made = entries()
    assert len(made) == 3 and {entry.teacher_id for entry in made} == {account.person_id}
    assert {entry.source for entry in made} == {"online"}
    assert db.session.scalar(select(func.count(Person.id))) == people_before  # no stray teacher record
    assert rows(page(client.get(PUPILS)), "pupils-entries") == {str(entry.id): "you" for entry in made}
    # The pupils show on the start page too, marked as pupils.
    assert page(client.get(START)).count("(your pupil)") == 3


def test_a_teacher_sees_a_familys_entry_naming_them_read_only(accounts, syllabus):
    """A family typing the teacher's name is linked to the one teacher record of that name: the teacher sees it, read-only."""
    teacher, family = accounts["teacher"], accounts["family"]
    become_teacher(teacher)
    add_pupil(teacher, "Ana", date(2018, 1, 1))
    enter_and_submit(teacher, profiles("teacher@example.org", "pupil")[0].id, "201")
    post_form(family, CHILD, CHILD_FORM)
    child = profiles("family@example.org", "child")[0]
    enter_and_submit(family, child.id, "101")
    own, theirs = entries()
    assert theirs.teacher_id == own.teacher_id
    html = page(teacher.get(PUPILS))
    assert rows(html, "pupils-entries") == {str(own.id): "you", str(theirs.id): "account"}
    # Read-only: no form on the teacher's page acts on the family's entry; the family's basket stays its own.
    assert f"/basket/{theirs.id}" not in html and "family@example.org" not in html


def test_claiming_a_teachers_name_opens_nothing_of_theirs(accounts, syllabus):
    """An account calling itself by a teacher's name gets a record of its own: the entries naming the other stay hidden."""
    teacher, rival = accounts["teacher"], accounts["rival"]
    become_teacher(teacher)
    add_pupil(teacher, "Ana", date(2018, 1, 1))
    enter_and_submit(teacher, profiles("teacher@example.org", "pupil")[0].id, "101")
    become_teacher(rival)  # the same name
    first, second = db.session.scalars(select(TeacherAccount).order_by(TeacherAccount.id)).all()
    assert first.person_id != second.person_id
    html = page(rival.get(PUPILS))
    assert 'id="no-pupils-entries"' in html and "Ana" not in html


def test_a_teacher_never_reaches_another_teachers_pupils(accounts, syllabus):
    """Another teacher's pupil ids are 404 in the picker, the form and the profile; lists never show them."""
    teacher, rival, family = accounts["teacher"], accounts["rival"], accounts["family"]
    become_teacher(teacher)
    add_pupil(teacher, "Ana", date(2018, 1, 1))
    (pupil,) = profiles("teacher@example.org", "pupil")
    enter_and_submit(teacher, pupil.id, "101")
    become_teacher(rival, "Paul", "Roy")
    for client in (rival, family):
        assert client.get(f"{START}profiles/{pupil.id}/classes").status_code == 404
        assert client.get(f"{START}profiles/{pupil.id}/edit").status_code == 404
        assert client.get(entry_url(pupil.id, class_id("101"))).status_code == 404
        token = csrf_token(client, START + "profiles/new/self")
        response = client.post(entry_url(pupil.id, class_id("201")), data={**entry_form(), "csrf_token": token})
        assert response.status_code == 404
        response = client.post(f"{START}profiles/{pupil.id}/edit",
                               data={"first_name": "Taken", "last_name": "Over", "birth_date": "2010-01-01", "csrf_token": token})
        assert response.status_code == 404
        assert "Ana" not in page(client.get(START)) and "Ana" not in page(client.get(FAMILY_ENTRIES))
    assert "Ana" not in page(rival.get(PUPILS))
    # An account that is no teacher has no pupils' page and cannot add a pupil: it is sent to "I am a teacher".
    response = family.get(PUPILS)
    assert response.status_code == 302 and response.location.endswith(TEACHER)
    token = csrf_token(family, START + "profiles/new/self")
    response = family.post(NEW_PUPIL, data={"first_name": "X", "last_name": "Y", "birth_date": "2015-01-01", "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith(TEACHER)
    assert profiles("family@example.org") == [] and profiles("teacher@example.org", "pupil")[0].person.first_name == "Ana"


def test_a_family_sees_the_entries_its_teacher_made_for_its_child(accounts, syllabus):
    """The guardian's email (any case) links the pupil to the family's confirmed account; no other family sees it."""
    teacher, family, other = accounts["teacher"], accounts["family"], accounts["other"]
    post_form(family, CHILD, CHILD_FORM)  # the family has a record of its own and a child
    (holder,) = profiles("family@example.org", "self")
    become_teacher(teacher)
    assert 'id="open-pupils"' in page(teacher.get(START))
    add_pupil(teacher, "Léa", date(2017, 2, 2), guardian_email=" Family@Example.ORG ")
    (pupil,) = profiles("teacher@example.org", "pupil")
    linked = profiles("family@example.org", "child")
    assert [p.person_id for p in linked] == [profiles("family@example.org", "child")[0].person_id, pupil.person_id]
    assert linked[1].person.guardian_id == holder.person_id
    enter_and_submit(teacher, pupil.id, "101")
    (entry,) = entries()
    html = page(family.get(START))
    assert 'id="open-family-entries"' in html and "Léa" in html
    html = page(family.get(FAMILY_ENTRIES))
    assert rows(html, "family-entries") == {str(entry.id): "teacher"} and "Marie Lefèvre" in html
    assert "teacher@example.org" not in html
    # Another family sees nothing of it.
    html = page(other.get(FAMILY_ENTRIES))
    assert 'id="no-family-entries"' in html and "Léa" not in html and 'id="open-family-entries"' not in page(other.get(START))
    # The family may enter the child itself now: the pupil is its child profile.
    assert family.get(f"{START}profiles/{linked[1].id}/classes").status_code == 200
    # Ids only in the trail: no name, birth date or email.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("pupil-linked", "teacher_account-created")))).all()
    assert {event.action for event in events} == {"pupil-linked", "teacher_account-created"}
    text = " ".join(f"{event.target} {event.details}" for event in events)
    assert "Léa" not in text and "family@" not in text.lower() and "Marie" not in text and "2017" not in text


def test_an_account_confirming_its_email_later_is_linked_then(app, accounts, syllabus):
    """A pupil given an unconfirmed account's email waits: the account sees it only once it confirms its email."""
    from flask_security.confirmable import confirm_user

    late_id = create_user("late@example.org", ("end-user",), confirmed_at=None).id
    teacher = accounts["teacher"]
    become_teacher(teacher)
    add_pupil(teacher, "Léa", date(2017, 2, 2), guardian_email="late@example.org")
    assert profiles("late@example.org") == []
    (guardian,) = db.session.execute(select(PupilGuardian.profile_id, PupilGuardian.linked_user_id)).all()
    assert guardian.linked_user_id is None
    with app.test_request_context():
        assert confirm_user(db.session.get(User, late_id))
        db.session.commit()
    (child,) = profiles("late@example.org")
    assert child.relation == "child" and child.person.first_name == "Léa"
    # Linked once: the email is not matched again.
    db.session.expire_all()
    assert db.session.get(PupilGuardian, guardian.profile_id).linked_user_id == late_id


@pytest.mark.parametrize("email", ["not-an-email", "a@" + "b" * 260 + ".org"])
def test_a_crafted_guardian_email_is_refused(accounts, syllabus, email):
    """The guardian's email must be one, and fit its column: nothing is saved otherwise."""
    teacher = accounts["teacher"]
    become_teacher(teacher)
    form = {"first_name": "Ana", "last_name": "Pupil", "birth_date": "2018-01-01", "guardian_email": email}
    response = post_form(teacher, NEW_PUPIL, form)
    assert response.status_code == 200 and "is-invalid" in page(response)
    assert profiles("teacher@example.org", "pupil") == []


def test_teacher_pages_are_refused_after_the_close(accounts, syllabus):
    """A pupil form loaded while open and sent after the close is refused with the closed message; nothing is saved;
    the lists stay readable."""
    teacher = accounts["teacher"]
    become_teacher(teacher)
    token = csrf_token(teacher, NEW_PUPIL)
    set_window(syllabus, TODAY - timedelta(days=30), TODAY - timedelta(days=1))
    response = teacher.post(NEW_PUPIL, data={"first_name": "Ana", "last_name": "P", "birth_date": "2018-01-01", "csrf_token": token})
    assert response.status_code == 403 and "Entries closed on" in page(response)
    assert profiles("teacher@example.org", "pupil") == []
    assert teacher.get(TEACHER).status_code == 403
    # The lists of what was entered stay readable, without a way to add or enter.
    for url in (PUPILS, FAMILY_ENTRIES):
        assert teacher.get(url).status_code == 200
    assert 'id="add-pupil"' not in page(teacher.get(PUPILS))
    assert db.session.scalar(select(func.count(Entry.id))) == 0


def test_the_teacher_pages_speak_french(accounts, syllabus):
    """A French browser gets the teacher's pages in French, with the no-break space before a colon."""
    teacher = accounts["teacher"]
    teacher.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-CA,fr;q=0.9"
    assert "Je suis professeur" in page(teacher.get(START))
    assert "inscrivez-les dans leurs classes\u00a0: vous" in page(teacher.get(TEACHER))
    become_teacher(teacher)
    html = page(teacher.get(PUPILS))
    assert "Vos élèves" in html and "Ajouter un élève" in html
    assert "Adresse e-mail du parent ou tuteur (facultatif)" in page(teacher.get(NEW_PUPIL))


def test_a_teacher_does_not_see_their_pupils_entries_naming_another_teacher(accounts, syllabus):
    """The family enters the linked child with another teacher: that entry is the family's and the other teacher's, not hers."""
    teacher, family = accounts["teacher"], accounts["family"]
    become_teacher(teacher)
    add_pupil(teacher, "Léa", date(2017, 2, 2), guardian_email="family@example.org")
    enter_and_submit(teacher, profiles("teacher@example.org", "pupil")[0].id, "101")
    (child,) = profiles("family@example.org", "child")
    enter_and_submit(family, child.id, "201", teacher_first_name="Paul", teacher_last_name="Roy")
    hers, theirs = entries()
    assert theirs.teacher.full_name == "Paul Roy" and theirs.teacher_id != hers.teacher_id
    assert rows(page(teacher.get(PUPILS)), "pupils-entries") == {str(hers.id): "you"}
    # The family's own entry is in its basket, not on the page of entries others made.
    assert rows(page(family.get(FAMILY_ENTRIES)), "family-entries") == {str(hers.id): "teacher"}
