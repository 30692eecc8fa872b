"""Consents: asked per performer at submission, given by a minor's guardian, required ones enforced on the server,
shown to consent-read holders, and "no name published" honoured by the printed programme."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from flask_security.utils import naive_utcnow
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.consent.models import Consent
from mfo.consent.services import giver, name_may_be_published
from mfo.consent.wording import WORDING_VERSION
from mfo.database import db
from mfo.entries.models import Entry
from mfo.festival.models import Festival
from mfo.people.models import Person
from tests.admin_helpers import flashed, page
from tests.helpers import consents_in, post_form
from tests.test_enter import (  # noqa: F401  (fixtures used by name)
    BASKET,
    START,
    child_born,
    class_id,
    entry_form,
    entry_url,
    family,
    profiles_of,
    syllabus,
    user_id,
)
from tests.test_schedule import SATURDAY, season  # noqa: F401  (fixtures used by name)
from tests.test_schedule_io import BASE, placed  # noqa: F401

SUBMIT = BASKET + "/submit"


def consents() -> list[Consent]:
    """Return every recorded consent, read from the database."""
    db.session.expire_all()
    return list(db.session.scalars(select(Consent).order_by(Consent.person_id, Consent.kind)))


def child_in_basket(client, birth_date: date = date(2018, 1, 1), first_name: str = "Zoë") -> int:
    """Add a child, put them in class 101's basket; return the child's person id."""
    profile_id = child_born(client, birth_date, first_name)
    assert post_form(client, entry_url(profile_id, class_id("201")), entry_form()).status_code == 302
    return next(p.person_id for p in profiles_of("family@example.org") if p.id == profile_id)


def test_the_basket_asks_each_performers_consents_inside_its_form(family, syllabus):  # noqa: F811
    """One fieldset per performer: processing required, photos and name optional, nothing ticked beforehand."""
    client, _other = family
    person_id = child_in_basket(client)
    html = page(client.get(BASKET))
    form = html[html.index('id="submit-form"'):]
    assert f'data-consent-person="{person_id}"' in form
    assert f'name="consent-{person_id}-processing" id="consent-{person_id}-processing" value="yes" required' in form
    for kind in ("media", "publish-name"):
        assert f'name="consent-{person_id}-{kind}"' in form
    assert " checked" not in form
    assert f'data-wording-version="{WORDING_VERSION}"' in form
    assert "As Zoë Ngô’s guardian, you answer for them." in form


def test_a_minors_consents_are_recorded_as_given_by_the_guardians_account(family, syllabus):  # noqa: F811
    """The child is 8: the family account answers as guardian; time, account and wording version are kept."""
    client, _other = family
    person_id = child_in_basket(client)
    before = naive_utcnow().replace(microsecond=0)
    html = page(client.get(BASKET))
    response = post_form(client, SUBMIT, consents_in(html, ("processing", "media")), token_from=BASKET)
    assert response.status_code == 302
    assert len(db.session.scalars(select(Entry)).all()) == 1
    recorded = {c.kind: c for c in consents()}
    assert {kind: c.given for kind, c in recorded.items()} == {"media": True, "processing": True, "publish-name": False}
    for consent in recorded.values():
        assert (consent.person_id, consent.given_by_id, consent.given_as) == (person_id, user_id("family@example.org"), "guardian")
        assert consent.wording_version == WORDING_VERSION and consent.given_at >= before
    festival = db.session.get(Festival, syllabus)
    assert name_may_be_published(db.session.get(Person, person_id), festival) is False
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "consent-given")).one()
    assert event.target == f"person #{person_id}" and event.actor == "family@example.org"
    assert json.loads(event.details)["publish-name"] is False and "Zoë" not in event.details


def test_a_submission_without_the_required_consent_is_refused_and_saves_nothing(family, syllabus):  # noqa: F811
    """Posting without the processing box (whatever the page's `required` says): no entry, no consent, the draft stays."""
    client, _other = family
    person_id = child_in_basket(client)
    response = post_form(client, SUBMIT, {f"consent-{person_id}-media": "yes"}, token_from=BASKET, follow_redirects=True)
    assert "Processing of the entry" in flashed(response) and "is needed to enter" in flashed(response)
    assert db.session.scalars(select(Entry)).all() == [] and consents() == []
    assert 'data-basket-entry="' in page(client.get(BASKET))


def test_a_consent_box_for_someone_else_does_not_count(family, syllabus):  # noqa: F811
    """A crafted field naming another person id is ignored: the performer's own box is missing, so it is refused."""
    client, _other = family
    person_id = child_in_basket(client)
    crafted = {f"consent-{person_id + 1000}-processing": "yes", f"consent-{person_id}-processing": "on"}
    post_form(client, SUBMIT, crafted, token_from=BASKET)
    assert db.session.scalars(select(Entry)).all() == [] and consents() == []


@pytest.mark.parametrize(
    ("birth_date", "minor"),
    [(date(2010, 6, 2), True), (date(2010, 6, 1), False), (date(2010, 5, 31), False), (None, True)],
)
def test_the_consent_age_is_taken_on_the_day_of_the_answer(app, birth_date, minor):
    """16 on the day (the 16th birthday included) answers for themself; the day before, the guardian does."""
    from mfo.consent.services import is_minor

    festival = Festival(name="x", year=2027, slug="x", start_date=date(2027, 4, 1), end_date=date(2027, 4, 2),
                        age_cutoff=date(2026, 12, 31), consent_age=16)
    assert is_minor(Person(first_name="A", birth_date=birth_date), festival, date(2026, 6, 1)) is minor


def test_only_the_guardians_account_answers_for_a_minor(app, users):
    """Another account (not the guardian's) may not answer for a minor; it may for an adult, and says so."""
    from tests.conftest import create_user
    from tests.festival_helpers import make_festival, make_person

    festival = make_festival()
    stranger = create_user("stranger@example.org", ("end-user",))
    child = make_person("Zoë", "Ngô", date(2018, 1, 1))
    adult = make_person("Ana", "Ngô", date(1980, 1, 1))
    today = date(2026, 6, 1)
    assert giver(stranger, child, festival, today).allowed is False
    assert (giver(stranger, adult, festival, today).allowed, giver(stranger, adult, festival, today).given_as) == (True, "account")
    festival.consent_age = 5  # a festival may set a lower age: the child of 8 then answers for themself
    assert giver(stranger, child, festival, today).allowed is True


def test_organizers_see_consents_on_the_persons_page_and_the_list_staff_do_not(family, syllabus, organizer_client, staff_client):  # noqa: F811
    """consent-read (organizers): the panel and the list with who answered; staff: neither (403 for the list)."""
    client, _other = family
    person_id = child_in_basket(client)
    post_form(client, SUBMIT, consents_in(page(client.get(BASKET))), token_from=BASKET)
    person_url = f"/festivals/spring-2027/people/{person_id}"
    html = page(organizer_client.get(person_url))
    assert 'id="person-consents"' in html and 'data-consent="publish-name" data-given="no"' in html
    assert "the guardian" in html and "family@example.org" in html
    listing = page(organizer_client.get("/festivals/spring-2027/consent/"))
    assert f'data-person="{person_id}"' in listing and 'data-kind="processing" data-given="yes"' in listing
    withheld = page(organizer_client.get("/festivals/spring-2027/consent/?withheld=1"))
    assert f'data-person="{person_id}"' in withheld
    assert 'id="person-consents"' not in page(staff_client.get(person_url))
    assert staff_client.get("/festivals/spring-2027/consent/").status_code == 403


def test_the_printed_programme_withholds_the_name_of_a_performer_who_said_no(placed, users, staff_client):  # noqa: F811
    """Ana Pupil said no to her name being published: the programme prints "Name withheld", the others by name."""
    ana = db.session.scalar(select(Person).where(Person.first_name == "Ana", Person.last_name == "Pupil"))
    db.session.add(Consent(festival_id=placed["festival"], person_id=ana.id, kind="publish-name", given=False,
                           given_at=datetime(2026, 3, 1), given_as="guardian", wording_version=WORDING_VERSION))
    db.session.commit()
    html = page(staff_client.get(f"{BASE}/print", query_string={"day": SATURDAY.isoformat()}))
    assert "Ana Pupil" not in html and "Name withheld" in html
    assert "Dee Pupil" in html and "Paul Keys" in html


@pytest.mark.parametrize(("typed", "saved"), [("12", 12), ("", 16), ("22", None), ("-1", None)])
def test_organizers_set_the_consent_age_in_the_festivals_settings(app, users, organizer_client, typed, saved):
    """0 to 21, empty for the default 16; anything else is refused next to the field and nothing changes."""
    from tests.festival_helpers import make_festival
    from tests.test_festival import FORM

    make_festival("spring-2027", consent_age=14)
    db.session.commit()
    data = {**FORM, "name": "Spring Festival 2027", "slug": "spring-2027", "start_date": "2027-04-10", "end_date": "2027-04-18",
            "consent_age": typed}
    response = post_form(organizer_client, "/festivals/spring-2027/edit", data)
    db.session.expire_all()
    festival = db.session.scalar(select(Festival).where(Festival.slug == "spring-2027"))
    if saved is None:
        assert response.status_code == 200 and festival.consent_age == 14
    else:
        assert response.status_code == 303 and festival.consent_age == saved
        assert f'id="consent-age">{saved}<' in page(organizer_client.get("/festivals/spring-2027/"))


def test_a_minor_entered_by_another_account_waits_for_the_guardian_and_is_not_published(app, users, organizer_client):
    """A teacher's account enters a pupil of 8: no answer is recorded, nothing is refused, the name stays unpublished;
    an adult among its performers still needs the required answer; someone not among them (a member only named) waits."""
    from mfo.consent.panels import on_basket_submitted
    from mfo.consent.services import withheld_names
    from mfo.database.models import User
    from mfo.enter.models import BasketEntry, Profile
    from mfo.enter.services import Refused
    from mfo.syllabus.models import FestivalClass
    from tests.conftest import create_user
    from tests.festival_helpers import make_class, make_entry, make_festival, make_person

    festival = make_festival()
    teacher = create_user("teacher@example.org", ("end-user",))
    pupil = make_person("Zoë", "Ngô", date(2018, 1, 1))
    adult = make_person("Ana", "Adult", date(1990, 1, 1))
    typed = make_person("Tom", "Typed", date(2017, 1, 1))
    solo = make_class(festival, "101")
    online = make_entry(solo, [pupil], source="online")
    make_entry(solo, [typed])
    profile = Profile(user_id=teacher.id, person_id=pupil.id, relation="child")
    db.session.add_all([profile, Profile(user_id=teacher.id, person_id=adult.id, relation="child")])
    db.session.flush()
    db.session.add(BasketEntry(user_id=teacher.id, festival_id=festival.id, class_id=solo.id, profile_id=profile.id,
                               status="submitted", entry_id=online.id))
    db.session.commit()
    festival_id, pupil_id, typed_id, teacher_id, class_id_ = festival.id, pupil.id, typed.id, teacher.id, solo.id
    with app.test_request_context(method="POST", data={}):
        on_basket_submitted(festival, user=teacher, entries=[online], at=naive_utcnow())
        with pytest.raises(Refused):
            on_basket_submitted(festival, user=teacher, entries=[make_entry(solo, [adult], source="online")], at=naive_utcnow())
    # A submission made by code, not posted from the basket's page (the demo, a script): no answers, nothing refused.
    with app.test_request_context(method="GET"):
        on_basket_submitted(db.session.get(Festival, festival_id), user=teacher, entries=[make_entry(solo, [adult])],
                            at=naive_utcnow())
    with app.test_request_context(method="POST", data={}):
        named = make_person("Nat", "Named", date(1991, 1, 1))
        on_basket_submitted(db.session.get(Festival, festival_id), user=db.session.get(User, teacher_id),
                            entries=[make_entry(db.session.get(FestivalClass, class_id_), [named], source="online")], at=naive_utcnow())
    assert consents() == []
    # The pupil waits for a yes; the performer typed in by organizers carries the festival's own consent.
    assert withheld_names(db.session.get(Festival, festival_id), [pupil_id, typed_id]) == {pupil_id}
    html = page(organizer_client.get("/festivals/spring-2027/consent/"))
    assert f'<tr data-person="{pupil_id}" data-awaiting="true">' in html and 'data-published="no"' in html


def test_a_family_changes_its_answers_later_and_only_for_its_own_performers(family, syllabus):  # noqa: F811
    """The family says yes to the name after all (recorded, audited); a box for another account's performer is ignored;
    the required answer cannot be taken back here."""
    client, other = family
    person_id = child_in_basket(client)
    post_form(client, SUBMIT, consents_in(page(client.get(BASKET))), token_from=BASKET)
    mine = "/festivals/spring-2027/consent/mine"
    html = page(client.get(mine))
    assert f'data-consent-person="{person_id}"' in html
    assert f'name="consent-{person_id}-processing" id="consent-{person_id}-processing" value="yes" checked required' in html
    response = post_form(client, mine, consents_in(html, ("processing", "publish-name")))
    assert response.status_code == 302
    assert {c.kind: c.given for c in consents()} == {"media": False, "processing": True, "publish-name": True}
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "consent-given")).all()) == 2
    # Without the required box: refused, nothing changes.
    response = post_form(client, mine, {f"consent-{person_id}-publish-name": "yes"})
    assert response.status_code == 200 and "withdraw the entries" in page(response)
    assert {c.kind: c.given for c in consents()}["processing"] is True
    # Another account sees none of it and cannot answer for the child.
    assert f'data-consent-person="{person_id}"' not in page(other.get(mine))
    post_form(other, mine, {f"consent-{person_id}-processing": "yes"})
    assert {c.kind: c.given for c in consents()} == {"media": False, "processing": True, "publish-name": True}


def test_anonymous_visitors_are_sent_to_sign_in_for_their_consents(app, anon_client):
    """The answers page is an account's: a visitor signs in first."""
    from tests.festival_helpers import make_festival

    make_festival()
    db.session.commit()
    response = anon_client.get("/festivals/spring-2027/consent/mine")
    assert response.status_code == 302 and "/login" in response.location
