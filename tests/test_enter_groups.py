"""Entering groups online (duets to ensembles), set pieces offered as a choice, the accompanist and the school.

Every rule is the server's: the tests post crafted values (another account's profile, a number of
performers the class does not allow, a set piece of another class) and check that nothing is saved.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.database.models import User
from mfo.enter import services
from mfo.enter.models import BasketEntry, BasketEntryMember, Profile
from mfo.entries.models import Entry
from mfo.festival.models import Festival
from mfo.people.models import Group, Person, School
from mfo.syllabus.models import FestivalClass, Piece, SetPiece
from tests.admin_helpers import page
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_entry, make_person, make_school
from tests.festival_helpers import make_festival as _make_festival
from tests.helpers import csrf_token, login, post_form, submit_from_basket

TODAY = date.today()
START = "/festivals/spring-2027/enter/"
GROUPS = START + "groups/"
BASKET = START + "basket"
FAMILY = "family@example.org"
OTHER = "other@example.org"


@pytest.fixture
def family(app, users):
    """A signed-in family account and a second account (each with no role but the default); returns their clients."""
    create_user(FAMILY, ("end-user",))
    create_user(OTHER, ("end-user",))
    first, second = app.test_client(), app.test_client()
    login(first, FAMILY)
    login(second, OTHER)
    return first, second


@pytest.fixture
def festival(app) -> int:
    """The spring festival, open for entries (ages on 31 December 2026), with a solo, a duet, a trio and an ensemble class."""
    spring = _make_festival("spring-2027", entries_open=TODAY - timedelta(days=5), entries_close=TODAY + timedelta(days=5))
    make_class(spring, "101", "Piano Solo", discipline="Piano", level="Open")
    make_class(spring, "301", "Piano Duet", discipline="Piano", level="Grade 2", class_type="duet", max_age=12)
    make_class(spring, "302", "Junior Duet", discipline="Piano", level="Junior", class_type="duet", max_age=5)
    make_class(spring, "401", "String Trio", discipline="Strings", level="Open", class_type="trio")
    make_class(spring, "501", "Family Ensemble", discipline="Voice", level="Open", class_type="ensemble")
    db.session.commit()
    return spring.id


def account(email: str) -> User:
    """Return an account by its email."""
    return db.session.scalar(select(User).where(User.email == email))


def child(email: str, first_name: str, born: date) -> int:
    """Add a child to an account (the holder "Ana Ngô" is made its guardian); return the profile's id."""
    profile = services.add_child(
        account(email), services.PersonValues(first_name, "Ngô", born), services.PersonValues("Ana", "Ngô", None)
    )
    db.session.commit()
    # The audit trail read current_user in the context pytest-flask keeps pushed: Flask-Login cached an anonymous
    # user in its `g`, which the next test request would share (see conftest's make_app).
    g.pop("_login_user", None)
    return profile.id


def class_id(code: str, festival_id: int | None = None) -> int:
    """Return the id of a class by its number (in the given festival, by default any)."""
    query = select(FestivalClass.id).where(FestivalClass.number == code)
    if festival_id is not None:
        query = query.where(FestivalClass.festival_id == festival_id)
    return db.session.scalar(query)


def group_url(code: str) -> str:
    """Return the group entry form's address for a class."""
    return f"{GROUPS}{class_id(code)}/entry"


def group_form(performers: list[int], members: list[tuple[str, str, str]] = (), **extra) -> dict:
    """Return a group entry form: the account's performers ticked, named members, one piece and a teacher."""
    data = {"performers": [str(p) for p in performers], "pieces-0-title": "Le Cygne", "pieces-0-composer": "Saint-Saëns",
            "pieces-0-duration": "3:00", "teacher_first_name": "Marie", "teacher_last_name": "Lefèvre"}
    for index, (first_name, last_name, born) in enumerate(members):
        data |= {f"members-{index}-first_name": first_name, f"members-{index}-last_name": last_name,
                 f"members-{index}-birth_date": born}
    return data | extra


def drafts() -> list[BasketEntry]:
    """Return every basket entry, read from the database."""
    db.session.expire_all()
    return db.session.scalars(select(BasketEntry).order_by(BasketEntry.id)).all()


def entries() -> list[Entry]:
    """Return every entry, read from the database."""
    db.session.expire_all()
    return db.session.scalars(select(Entry).order_by(Entry.id)).all()


def submit(client):
    """Submit the account's basket."""
    return submit_from_basket(client, BASKET)


def text_of(response) -> str:
    """Return a page's text with the apostrophes a template escaped put back (form errors are not escaped, values are)."""
    return page(response).replace("&#39;", "'")


def codes_in(html: str) -> list[str]:
    """Return the issue codes a page shows."""
    return re.findall(r'data-code="([^"]+)"', html)


def listed(client, q: str = "") -> tuple[list[str], dict[str, list[str]]]:
    """Return the group classes offered, and those not offered with the codes of their reasons."""
    html = page(client.get(GROUPS, query_string={"q": q} if q else None))
    shown, _sep, others = html.partition('id="not-offered"')
    rows = re.findall(r'<tr data-class="([^"]+)">(.*?)</tr>', others, re.S)
    return re.findall(r'<tr data-class="([^"]+)">', shown), {code: re.findall(r'data-reason="([^"]+)"', cells) for code, cells in rows}


# The group classes


def test_the_start_page_and_the_picker_lead_to_the_group_classes(family, festival):
    """A "Group classes" link on the start page and on a performer's picker; the solo picker is as it was."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    assert 'id="group-classes"' in page(client.get(START))
    picker = page(client.get(f"{START}profiles/{zoe}/classes"))
    assert 'id="groups-hint"' in picker and 'data-enter="101"' in picker and 'data-enter="301"' not in picker


def test_the_group_classes_are_those_one_of_the_accounts_performers_may_play_in(family, festival):
    """Solo classes are not listed; a group class no performer's age allows is not offered, with the validator's reasons."""
    client, _other = family
    child(FAMILY, "Zoë", date(2018, 1, 1))  # 8 on the cut-off date
    offered, refused = listed(client)
    assert offered == ["301", "401", "501"]
    assert refused == {"302": ["age-too-old"]}
    html = page(client.get(GROUPS))
    assert "class 302 is for ages up to 5" in html and '<tr data-class="101">' not in html
    assert listed(client, "strings")[0] == ["401"] and listed(client, "grade 2")[0] == ["301"]


def test_an_account_without_performers_is_asked_for_one(family, festival):
    """No performer with a birth date: nothing is offered, and the page says a group needs one of the account's."""
    client, _other = family
    html = page(client.get(GROUPS))
    assert 'id="no-performers"' in html
    assert listed(client)[0] == []
    assert client.get(group_url("301")).status_code == 403


def test_a_solo_class_is_refused_by_the_group_form(family, festival):
    """A solo class through the group form: 403 on GET and POST with the validator's performer-count; nothing saved."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    response = client.get(group_url("101"))
    assert response.status_code == 403 and codes_in(page(response)) == ["performer-count"]
    assert "needs 1 performers; this entry has 2" in page(response) and 'id="group-entry-form"' not in page(response)
    token = csrf_token(client, "/")
    assert client.post(group_url("101"), data={**group_form([zoe]), "csrf_token": token}).status_code == 403
    assert drafts() == []


def test_a_group_class_no_performer_may_play_in_is_refused(family, festival):
    """302 is for ages up to 5: the form answers 403 to GET and POST with the age reason."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    response = client.get(group_url("302"))
    assert response.status_code == 403 and codes_in(page(response)) == ["age-too-old"]
    token = csrf_token(client, "/")
    response = client.post(group_url("302"), data={**group_form([zoe], [("Tom", "Roy", "2023-01-01")]), "csrf_token": token})
    assert response.status_code == 403 and drafts() == []


def test_a_class_of_another_festival_is_a_404(family, festival):
    """A class id of another festival is not found through this one."""
    client, _other = family
    child(FAMILY, "Zoë", date(2018, 1, 1))
    elsewhere = make_class(_make_festival("autumn-2027", name="Autumn"), "301", "Elsewhere", class_type="duet").id
    db.session.commit()
    assert client.get(f"{GROUPS}{elsewhere}/entry").status_code == 404


# A duet of two siblings


def test_two_siblings_make_a_duet_submitted_with_both_performers_in_order(family, festival):
    """The form lists the account's performers; the draft keeps the second as a member; the entry has both, in order."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    leo = child(FAMILY, "Léo", date(2019, 3, 3))
    html = page(client.get(group_url("301")))
    assert f'value="{zoe}"' in html and f'value="{leo}"' in html and 'id="group-entry-form"' in html
    response = post_form(client, group_url("301"), group_form([zoe, leo]))
    assert response.status_code == 302 and response.location.endswith(BASKET)
    (draft,) = drafts()
    # The list's order: the children by first name, Léo first.
    assert draft.profile_id == leo and [(m.position, m.profile_id) for m in draft.members] == [(1, zoe)]
    basket = page(client.get(BASKET))
    assert "Léo Ngô, Zoë Ngô" in basket and codes_in(basket) == []
    assert submit(client).status_code == 302
    (entry,) = entries()
    assert [(p.position, p.person.first_name) for p in entry.performers] == [(0, "Léo"), (1, "Zoë")]
    assert entry.group is None and entry.performer_names == "Léo Ngô, Zoë Ngô"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "basket_entry-created")).one()
    assert f"[{zoe}]" in event.details and "Zoë" not in event.details


def test_the_same_duet_twice_is_a_duplicate_entry_whatever_the_order(family, festival):
    """The same two performers in the same class: the validator's duplicate-entry on the second draft (a warning)."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    leo = child(FAMILY, "Léo", date(2019, 3, 3))
    post_form(client, group_url("301"), group_form([zoe, leo]))
    post_form(client, group_url("301"), group_form([leo, zoe], **{"pieces-0-title": "Berceuse"}))
    assert len(drafts()) == 2
    assert codes_in(page(client.get(BASKET))).count("duplicate-entry") == 2
    # Submitted, the duet is still found: a third draft of it warns too.
    submit(client)
    post_form(client, group_url("301"), group_form([zoe, leo], **{"pieces-0-title": "Valse"}))
    assert "duplicate-entry" in codes_in(page(client.get(BASKET)))


@pytest.mark.parametrize(
    ("members", "code"),
    [
        # Three in a duet: two performers of the account and one named.
        ([("Tom", "Roy", "2018-02-02")], "performer-count"),
        # A named member too old for the class (12 and under): 13 on the cut-off date.
        ([], "age-too-old"),
    ],
)
def test_a_group_the_class_does_not_allow_is_not_put_in_the_basket(family, festival, members, code):
    """The validator's check on every performer: a wrong number or a member's age refuses the group, with the reason."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    leo = child(FAMILY, "Léo", date(2019, 3, 3))
    if members:
        data = group_form([zoe, leo], members)
    else:
        data = group_form([zoe], [("Tom", "Roy", "2013-06-01")])
    response = post_form(client, group_url("301"), data)
    assert response.status_code == 200 and code in codes_in(page(response))
    assert drafts() == []


def test_one_performer_alone_is_not_a_duet(family, festival):
    """A duet with one performer ticked and nobody named: performer-count, nothing saved."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    response = post_form(client, group_url("301"), group_form([zoe]))
    assert response.status_code == 200 and codes_in(page(response)) == ["performer-count"]
    assert drafts() == []


def test_another_accounts_profile_in_the_group_is_a_404(family, festival):
    """Ticking another account's profile (or an id that is none) answers 404, and nothing is saved."""
    client, other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    theirs = child(OTHER, "Max", date(2018, 5, 5))
    response = post_form(client, group_url("301"), group_form([zoe, theirs]))
    assert response.status_code == 404
    assert post_form(client, group_url("301"), group_form([zoe, 999999])).status_code == 404
    # The other account's own form never lists the family's children either.
    assert f'value="{zoe}"' not in page(other.get(group_url("301")))
    assert drafts() == []


def test_the_service_never_puts_another_accounts_profile_in_a_basket(family, festival):
    """Behind the views' 404: add_to_basket refuses a member (or first performer) of another account."""
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    theirs = child(OTHER, "Max", date(2018, 5, 5))
    spring, duet = db.session.get(Festival, festival), db.session.get(FestivalClass, class_id("301"))
    pieces = [{"title": "Le Cygne", "composer": "", "duration": 180}]
    mine, other = db.session.get(Profile, zoe), db.session.get(Profile, theirs)
    for first, member in ((mine, other), (other, mine)):
        with pytest.raises(ValueError, match="own profiles"):
            services.add_to_basket(spring, first, duet, pieces, ("", ""), user=account(FAMILY), members=[member])
    assert drafts() == []


def test_a_profile_without_a_birth_date_cannot_be_ticked(family, festival):
    """The holder's record made as a guardian has no birth date: it is not offered, and ticking it anyway is a 404."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    holder = services.self_profile(account(FAMILY)).id
    assert f'value="{holder}"' not in page(client.get(group_url("301")))
    assert post_form(client, group_url("301"), group_form([zoe, holder])).status_code == 404
    assert drafts() == []


NAMED = {"group_name": "Les Amis"}


@pytest.mark.parametrize(
    ("performers", "members", "extra", "error"),
    [
        ("none", [("Tom", "Roy", "2018-02-02"), ("Eva", "Roy", "2018-02-02")], NAMED, "Choose at least one of your performers."),
        ("zoe", [("Tom", "", "2018-02-02")], NAMED, "Give the member's last name."),
        ("zoe", [("Tom", "Roy", "")], NAMED, "Give the member's birth date."),
        ("zoe", [("Tom", "Roy", "2090-01-01")], NAMED, "Enter the birth date as it is on the performer"),
        ("zoe", [("Tom", "Roy", "1/2/3/4")], NAMED, "Not a valid date value."),
        ("zoe", [("Zoe", "NGO", "2018-01-01")], NAMED, "This performer is already in the group."),
        ("zoe", [("Tom", "Roy", "2018-02-02"), ("tom", "roy", "2018-02-02")], NAMED, "This performer is already in the group."),
        ("zoe", [("Tom", "Roy", "2018-02-02"), ("Eva", "Roy", "2018-02-02")], {"group_name": ""}, "Give the group's name."),
    ],
)
def test_the_group_form_refuses_what_cannot_be_a_group(family, festival, performers, members, extra, error):
    """One of the account's performers at least; named members in full; nobody twice; an ensemble has a name."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    response = post_form(client, group_url("501"), group_form([zoe] if performers == "zoe" else [], members, **extra))
    assert response.status_code == 200 and error in text_of(response)
    assert drafts() == []


def test_an_ensemble_with_named_members_becomes_a_group_of_new_people(family, festival):
    """Named members become person records on submission (once each, in the whole basket); the group has every member."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    members = [("Tom", "Roy", "2018-02-02"), ("Eva", "Roy", "2017-07-07")]
    html = page(client.get(group_url("501")))
    assert html.count('id="member-') == 8
    response = post_form(client, group_url("501"), group_form([zoe], members, group_name="Les Petits Chanteurs"))
    assert response.status_code == 302
    # The same trio in the string trio class, without a group name.
    assert post_form(client, group_url("401"), group_form([zoe], members)).status_code == 302
    ensemble, trio = drafts()
    assert [(m.first_name, m.birth_date, m.person_id) for m in ensemble.members] == [
        ("Tom", date(2018, 2, 2), None), ("Eva", date(2017, 7, 7), None)]
    assert db.session.scalar(select(func.count(Person.id)).where(Person.first_name == "Tom")) == 0
    basket = page(client.get(BASKET))
    assert "Les Petits Chanteurs" in basket and "Zoë Ngô, Tom Roy, Eva Roy" in basket
    submit(client)
    first, second = entries()
    toms = db.session.scalars(select(Person).where(Person.first_name == "Tom")).all()
    assert len(toms) == 1 and toms[0].birth_date == date(2018, 2, 2) and toms[0].guardian_id is None
    assert [p.person.first_name for p in first.performers] == ["Zoë", "Tom", "Eva"]
    assert [p.person_id for p in first.performers] == [p.person_id for p in second.performers]
    group = first.group
    assert group.name == "Les Petits Chanteurs" and {m.first_name for m in group.members} == {"Zoë", "Tom", "Eva"}
    # The group's contact is the child's guardian: the account holder.
    assert group.contact.full_name == "Ana Ngô" and first.performer_names == "Les Petits Chanteurs"
    assert second.group is None
    ensemble, _trio = drafts()
    assert [m.person_id for m in ensemble.members] == [toms[0].id, first.performers[2].person_id]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-created").order_by(AuditEvent.id)).first()
    assert f'"group": {group.id}' in event.details and "Chanteurs" not in event.details
    assert f'"performers": {[p.person_id for p in first.performers]}' in event.details and "Tom" not in event.details


def test_a_group_is_found_by_name_and_members_never_by_name_alone(family, festival):
    """The same ensemble entered again joins its group; another group of the same name (someone else's) is never joined."""
    client, other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    leo = child(FAMILY, "Léo", date(2019, 3, 3))
    max_ = child(OTHER, "Max", date(2018, 5, 5))
    post_form(other, group_url("501"), group_form([max_], [("Tom", "Roy", "2018-02-02")], group_name="Aurora"))
    submit(other)
    post_form(client, group_url("501"), group_form([zoe, leo], group_name="aurora"))
    submit(client)
    theirs, ours = entries()
    assert theirs.group_id != ours.group_id and {m.first_name for m in ours.group.members} == {"Zoë", "Léo"}
    assert {m.first_name for m in theirs.group.members} == {"Max", "Tom"}
    group_id = ours.group_id
    # The family's Aurora in another ensemble class, submitted later: the same group.
    spring = db.session.get(Festival, festival)
    second_ensemble = make_class(spring, "502", "Second Ensemble", class_type="ensemble").id
    db.session.commit()
    post_form(client, f"{GROUPS}{second_ensemble}/entry", group_form([leo, zoe], group_name="Aurora"))
    submit(client)
    assert entries()[-1].group_id == group_id
    assert db.session.scalar(select(func.count(Group.id))) == 2


def test_a_member_no_longer_allowed_refuses_the_submission(family, festival):
    """A sibling's birth date changed after the duet was drafted: too old now, the whole submission is refused."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    leo = child(FAMILY, "Léo", date(2019, 3, 3))
    post_form(client, group_url("301"), group_form([zoe, leo]))
    person = db.session.get(Profile, zoe).person
    person.birth_date = date(2010, 1, 1)
    db.session.commit()
    submit(client)
    assert entries() == [] and [d.status for d in drafts()] == ["draft"]
    html = page(client.get(BASKET))
    assert 'data-blocked="true"' in html and 'data-code="age-too-old" data-severity="error"' in html


def test_a_group_sent_after_the_close_is_refused(family, festival):
    """The group form loaded while open and sent after the close: 403 with the closed message, nothing saved."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    leo = child(FAMILY, "Léo", date(2019, 3, 3))
    token = csrf_token(client, group_url("301"))
    spring = db.session.get(Festival, festival)
    spring.entries_close = TODAY - timedelta(days=1)
    db.session.commit()
    response = client.post(group_url("301"), data={**group_form([zoe, leo]), "csrf_token": token})
    assert response.status_code == 403 and "Entries closed on" in page(response)
    assert client.get(GROUPS).status_code == 403
    assert drafts() == []


# Set pieces


@pytest.fixture
def set_pieces(festival) -> tuple[int, int]:
    """A class with two set pieces, and another class with its own; returns the two classes' ids."""
    spring = db.session.get(Festival, festival)
    baroque = make_class(spring, "601", "Baroque Set Piece", set_pieces=[("Minuet in G", "Petzold"), ("Musette", "Bach")])
    other = make_class(spring, "602", "Romantic Set Piece", set_pieces=[("Träumerei", "Schumann")])
    db.session.commit()
    return baroque.id, other.id


def entry_url(profile_id: int, festival_class_id: int) -> str:
    """Return the solo entry form's address."""
    return f"{START}profiles/{profile_id}/classes/{festival_class_id}/entry"


def set_piece_id(festival_class_id: int, title: str) -> int:
    """Return the id of a class's set piece by its title."""
    return db.session.scalar(
        select(SetPiece.id).join(Piece, Piece.id == SetPiece.piece_id).where(SetPiece.class_id == festival_class_id, Piece.title == title)
    )


def test_set_pieces_are_offered_as_a_choice_and_played_first(family, set_pieces):
    """The form offers the class's set pieces in a select; the chosen one is the draft's first piece: no warning."""
    client, _other = family
    baroque, _other_class = set_pieces
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    html = page(client.get(entry_url(zoe, baroque)))
    assert 'id="set-piece"' in html and "<select" in html and "Musette (Bach)" in html and "Träumerei" not in html
    musette = set_piece_id(baroque, "Musette")
    data = {"set_piece": str(musette), "set_piece_duration": "1:10", "pieces-0-title": "Sonatina", "pieces-0-composer": "Clementi",
            "pieces-0-duration": "2:00"}
    assert post_form(client, entry_url(zoe, baroque), data).status_code == 302
    (draft,) = drafts()
    assert draft.pieces == [{"title": "Musette", "composer": "Bach", "duration": 70},
                            {"title": "Sonatina", "composer": "Clementi", "duration": 120}]
    assert "not-a-set-piece" not in codes_in(page(client.get(BASKET)))
    submit(client)
    (entry,) = entries()
    assert [p.piece.title for p in entry.pieces] == ["Musette", "Sonatina"]


def test_a_free_title_that_is_no_set_piece_gets_the_validators_warning(family, set_pieces):
    """No set piece chosen and another title typed: the validator's not-a-set-piece, shown and accepted (a warning)."""
    client, _other = family
    baroque, _other_class = set_pieces
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    data = {"set_piece": "", "pieces-0-title": "Für Elise", "pieces-0-composer": "Beethoven", "pieces-0-duration": "3:00"}
    assert post_form(client, entry_url(zoe, baroque), data).status_code == 302
    html = page(client.get(BASKET))
    assert codes_in(html) == ["not-a-set-piece"] and 'data-severity="warning"' in html
    # The set piece typed by hand (another spelling) is one all the same: no more warnings (another child's entry).
    leo = child(FAMILY, "Léo", date(2019, 3, 3))
    data["pieces-0-title"], data["pieces-0-composer"] = "minuet in g", "PETZOLD"
    post_form(client, entry_url(leo, baroque), data)
    assert len(drafts()) == 2 and codes_in(page(client.get(BASKET))) == ["not-a-set-piece"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"set_piece": "other-class"}, "Not a valid choice"),
        ({"set_piece": "999999"}, "Not a valid choice"),
        ({"set_piece": "musette", "set_piece_duration": ""}, "Give the piece's duration."),
        ({"set_piece": "", "set_piece_duration": "1:00", "pieces-0-title": ""}, "Choose the set piece this duration is for."),
        ({"set_piece": "", "pieces-0-title": "", "pieces-0-duration": ""}, "Give at least one piece."),
    ],
)
def test_a_set_piece_must_be_one_of_the_classs_with_its_duration(family, set_pieces, data, error):
    """A set piece of another class (or none) is not a choice; a set piece needs its duration; nothing is saved otherwise."""
    client, _other = family
    baroque, other_class = set_pieces
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    values = {"set_piece_duration": "1:00", "pieces-0-title": "Sonatina", "pieces-0-duration": "2:00", **data}
    named = {"other-class": set_piece_id(other_class, "Träumerei"), "musette": set_piece_id(baroque, "Musette")}
    values["set_piece"] = str(named.get(values["set_piece"], values["set_piece"]))
    response = post_form(client, entry_url(zoe, baroque), values)
    assert response.status_code == 200 and error in text_of(response)
    assert drafts() == []


def test_a_class_without_set_pieces_has_no_choice_and_ignores_a_posted_one(family, festival):
    """No set pieces: no select on the form; a set piece id posted anyway is not read."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    assert 'id="set-piece"' not in page(client.get(entry_url(zoe, class_id("101"))))
    data = {"set_piece": "1", "pieces-0-title": "Sonatina", "pieces-0-duration": "2:00"}
    assert post_form(client, entry_url(zoe, class_id("101")), data).status_code == 302
    assert [p["title"] for p in drafts()[0].pieces] == ["Sonatina"]


def test_a_group_chooses_its_set_piece_too(family, festival):
    """The group form offers the class's set pieces the same way."""
    client, _other = family
    spring = db.session.get(Festival, festival)
    duet = make_class(spring, "303", "Set Duet", class_type="duet", set_pieces=[("Jeux d'enfants", "Bizet")]).id
    db.session.commit()
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    leo = child(FAMILY, "Léo", date(2019, 3, 3))
    chosen = db.session.scalar(select(SetPiece.id).where(SetPiece.class_id == duet))
    data = group_form(
        [zoe, leo], **{"set_piece": str(chosen), "set_piece_duration": "2:30", "pieces-0-title": "", "pieces-0-duration": ""}
    )
    assert post_form(client, f"{GROUPS}{duet}/entry", data).status_code == 302
    assert drafts()[0].pieces == [{"title": "Jeux d'enfants", "composer": "Bizet", "duration": 150}]


# Accompanist and school


@pytest.fixture
def voice(festival) -> int:
    """A voice class that needs an accompanist; returns its id."""
    spring = db.session.get(Festival, festival)
    festival_class = make_class(spring, "701", "Art Song", discipline="Voice", accompanist_required=True)
    db.session.commit()
    return festival_class.id


def solo_form(**extra) -> dict:
    """Return a solo entry form with one piece."""
    return {"pieces-0-title": "Nina", "pieces-0-composer": "Pergolesi", "pieces-0-duration": "2:30", **extra}


def test_a_class_that_needs_an_accompanist_warns_when_none_is_given(family, voice):
    """The form says an accompanist is needed; without one the validator's accompanist-missing is a warning: accepted, shown."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    assert 'id="accompanist-required"' in page(client.get(entry_url(zoe, voice)))
    assert 'id="accompanist-required"' not in page(client.get(entry_url(zoe, class_id("101"))))
    assert post_form(client, entry_url(zoe, voice), solo_form()).status_code == 302
    html = page(client.get(BASKET))
    assert codes_in(html) == ["accompanist-missing"] and 'data-severity="warning"' in html
    assert submit(client).status_code == 302 and entries()[0].accompanist is None


def test_the_accompanist_and_school_are_shown_and_written_to_the_entry(family, festival, voice):
    """Named, the accompanist and school are in the basket, then on the entry: an accompanist and a school on file are found."""
    client, _other = family
    spring = db.session.get(Festival, festival)
    # Paul Durand already accompanies an entry; St. Cecilia Academy is on file.
    pianist = make_person("Paul", "Durand")
    make_entry(make_class(spring, "801", "Earlier"), [make_person("Someone", "Else", date(2015, 1, 1))], accompanist_id=pianist.id)
    cecilia = make_school("St. Cecilia Academy")
    db.session.commit()
    pianist_id, cecilia_id = pianist.id, cecilia.id
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    data = solo_form(accompanist_first_name="paul", accompanist_last_name="DURAND", school="st cecilia academy")
    assert post_form(client, entry_url(zoe, voice), data).status_code == 302
    html = page(client.get(BASKET))
    assert "Accompanist: paul DURAND" in html and "School: st cecilia academy" in html and codes_in(html) == []
    submit(client)
    entry = entries()[-1]
    assert (entry.accompanist_id, entry.school_id) == (pianist_id, cecilia_id)
    assert db.session.scalar(select(func.count(School.id))) == 1


def test_a_new_school_and_accompanist_are_added(family, voice):
    """A school and an accompanist not on file become new records on submission."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    data = solo_form(accompanist_first_name="Inès", accompanist_last_name="Blanc", school="Conservatoire de Lyon")
    post_form(client, entry_url(zoe, voice), data)
    submit(client)
    (entry,) = entries()
    assert entry.accompanist.full_name == "Inès Blanc" and entry.accompanist.birth_date is None
    assert entry.school.name == "Conservatoire de Lyon"


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"accompanist_first_name": "", "accompanist_last_name": "Blanc"}, "Give the accompanist's first name."),
        ({"school": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"accompanist_first_name": "x" * 101}, "Field cannot be longer than 100 characters."),
    ],
)
def test_the_accompanist_and_school_fields_are_bounded(family, voice, extra, error):
    """A last name without a first name, or a value longer than its column, is refused; nothing saved."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    response = post_form(client, entry_url(zoe, voice), solo_form(**extra))
    assert response.status_code == 200 and error in text_of(response)
    assert drafts() == []


def test_a_group_names_its_accompanist_and_school(family, festival):
    """The group form has the same fields; the entry gets them."""
    client, _other = family
    zoe = child(FAMILY, "Zoë", date(2018, 1, 1))
    leo = child(FAMILY, "Léo", date(2019, 3, 3))
    data = group_form([zoe, leo], accompanist_first_name="Inès", accompanist_last_name="Blanc", school="École Vivaldi")
    post_form(client, group_url("301"), data)
    submit(client)
    (entry,) = entries()
    assert entry.accompanist.full_name == "Inès Blanc" and entry.school.name == "École Vivaldi"
    assert db.session.scalar(select(func.count(BasketEntryMember.id))) == 1
