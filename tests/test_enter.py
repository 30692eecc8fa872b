"""Entering online: the entry window (before, during, after, a POST sent after the close), performer profiles that only
their account reaches, and the class picker at the age boundaries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.enter.models import Profile
from mfo.enter.window import State, entry_window
from mfo.festival.models import Festival
from mfo.people.models import Person
from tests.admin_helpers import page
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_festival
from tests.helpers import consents_in, csrf_token, login, post_form

TODAY = date.today()
START = "/festivals/spring-2027/enter/"
CHILD = START + "profiles/new/child"
SELF = START + "profiles/new/self"


def festival_window(opens: date | None, closes: date | None, status: str = "entries-open") -> Festival:
    """A festival in April 2027 whose entry window runs from `opens` to `closes`."""
    return Festival(
        name="Spring", year=2027, slug="x", start_date=date(2027, 4, 10), end_date=date(2027, 4, 18),
        age_cutoff=date(2026, 12, 31), status=status, entries_open=opens, entries_close=closes,
    )


@pytest.mark.parametrize(
    ("status", "opens", "closes", "state", "day"),
    [
        ("entries-open", TODAY + timedelta(days=1), TODAY + timedelta(days=9), State.BEFORE, TODAY + timedelta(days=1)),
        ("entries-open", TODAY, TODAY, State.OPEN, TODAY),
        ("entries-open", None, None, State.OPEN, None),
        ("entries-open", TODAY - timedelta(days=9), TODAY - timedelta(days=1), State.CLOSED, TODAY - timedelta(days=1)),
        ("draft", TODAY + timedelta(days=3), None, State.BEFORE, TODAY + timedelta(days=3)),
        ("draft", TODAY - timedelta(days=3), TODAY + timedelta(days=3), State.BEFORE, None),
        ("entries-closed", TODAY - timedelta(days=9), TODAY + timedelta(days=3), State.CLOSED, None),
        ("scheduled", TODAY - timedelta(days=9), TODAY - timedelta(days=2), State.CLOSED, TODAY - timedelta(days=2)),
    ],
)
def test_the_window_follows_the_status_and_both_dates_included(app, status, opens, closes, state, day):
    """Open only with status entries-open between the two dates (both days included); the date said is the one that matters."""
    window = entry_window(festival_window(opens, closes, status), TODAY)
    assert (window.state, window.day) == (state, day)


@pytest.fixture
def family(app, users):
    """A signed-in family account (no role but the default) and a second account; returns their clients."""
    create_user("family@example.org", ("end-user",))
    create_user("other@example.org", ("end-user",))
    first, second = app.test_client(), app.test_client()
    login(first, "family@example.org")
    login(second, "other@example.org")
    return first, second


def spring(opens: date | None = TODAY - timedelta(days=5), closes: date | None = TODAY + timedelta(days=5), **fields) -> int:
    """Add the spring festival with its entry window; return its id."""
    festival = make_festival("spring-2027", entries_open=opens, entries_close=closes, **fields)
    db.session.commit()
    return festival.id


def set_window(festival_id: int, opens: date | None, closes: date | None) -> None:
    """Move a festival's entry window, as an organizer would in its settings."""
    festival = db.session.get(Festival, festival_id)
    festival.entries_open, festival.entries_close = opens, closes
    db.session.commit()


CHILD_FORM = {
    "first_name": "Zoë", "last_name": "Ngô", "birth_date": "2018-05-17", "guardian_first_name": "Ana", "guardian_last_name": "Ngô",
}


def test_anonymous_visitors_are_sent_to_sign_in(app, anon_client):
    """The entry pages are for signed-in accounts: a visitor is sent to sign in (or register)."""
    spring()
    response = anon_client.get(START)
    assert response.status_code == 302 and response.location.startswith("/login")


def test_before_the_window_the_page_says_when_entries_open_and_forms_are_refused(family):
    """Before the window: the date entries open, no performers; every form answers the same message with a 403."""
    client, _other = family
    spring(opens=TODAY + timedelta(days=10), closes=TODAY + timedelta(days=40))
    html = page(client.get(START))
    assert 'data-window="before"' in html and "Entries open on" in html and 'id="add-child"' not in html
    for url in (CHILD, SELF):
        response = client.get(url)
        assert response.status_code == 403
        assert 'data-window="before"' in page(response) and "Entries open on" in page(response)


def test_during_the_window_anyone_signed_in_may_start(family):
    """During the window any account (no permission held) gets the page, the Enter tab and the profile forms."""
    client, _other = family
    spring()
    html = page(client.get(START))
    assert 'data-window="open"' in html and 'id="add-child"' in html and 'data-nav="enter.index"' in html
    assert client.get(CHILD).status_code == 200 and client.get(SELF).status_code == 200


def test_after_the_window_the_page_says_entries_closed(family):
    """After the close date the page says entries closed, and when."""
    client, _other = family
    spring(opens=TODAY - timedelta(days=40), closes=TODAY - timedelta(days=1))
    html = page(client.get(START))
    assert 'data-window="closed"' in html and "Entries closed on" in html and 'id="add-child"' not in html
    assert client.get(CHILD).status_code == 403


def test_a_post_sent_after_the_close_is_refused_and_saves_nothing(family):
    """A form loaded while open and sent after the close: refused with the closed message, no person made."""
    client, _other = family
    festival_id = spring()
    token = csrf_token(client, CHILD)
    set_window(festival_id, TODAY - timedelta(days=30), TODAY - timedelta(days=1))
    response = client.post(CHILD, data={**CHILD_FORM, "csrf_token": token})
    assert response.status_code == 403 and "Entries closed on" in page(response)
    assert db.session.scalar(select(func.count(Person.id))) == 0
    assert db.session.scalar(select(func.count(Profile.id))) == 0


# Pages that only show what an account already sent (its entries, a teacher's pupils' entries, a family's entries made
# by its teacher): readable after the close; what they offer to change is refused there like every form.
READ_ONLY = ("enter.my_entries", "enter.pupils", "enter.family_entries")


def test_every_entry_page_but_the_start_is_refused_outside_the_window(app, family):
    """Walk every URL rule of the feature: a page added later is refused outside the window too, unless it is the start
    page or one of the read-only lists."""
    client, _other = family
    spring(status="entries-closed")
    profile_id = 1
    token = csrf_token(client, "/")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("enter.") or rule.endpoint in ("enter.index", "enter.static", *READ_ONLY):
            continue
        url = rule.rule.replace("<festival_slug>", "spring-2027")
        for argument in ("<int:profile_id>", "<int:class_id>", "<int:item_id>"):
            url = url.replace(argument, str(profile_id))
        assert "<" not in url, f"add the argument of {rule.rule} to this test"
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (method, url)
            assert "Entries are closed." in page(response)


def test_organizers_still_add_late_entries_in_the_admin(app, users, organizer_client):
    """The admin's entry form does not read the window: it opens for an organizer after the close."""
    spring(opens=TODAY - timedelta(days=30), closes=TODAY - timedelta(days=1))
    assert organizer_client.get("/admin/entry/new/").status_code == 200


# Profiles


def profiles_of(email: str) -> list[Profile]:
    """Return an account's profiles, read from the database."""
    db.session.expire_all()
    return list(db.session.scalars(select(Profile).join(Profile.person).where(Profile.user_id == user_id(email)).order_by(Profile.id)))


def user_id(email: str) -> int:
    """Return an account's id."""
    from mfo.database.models import User

    return db.session.scalar(select(User.id).where(User.email == email))


def test_a_parent_adds_a_child_and_becomes_the_guardian(family):
    """The first child makes the holder's own record (their name, the account's email) and names it as guardian."""
    client, _other = family
    spring()
    response = post_form(client, CHILD, CHILD_FORM)
    assert response.status_code == 302 and response.location.endswith(START)
    holder, child = profiles_of("family@example.org")
    assert (holder.relation, holder.person.full_name, holder.person.email, holder.person.birth_date) == (
        "self", "Ana Ngô", "family@example.org", None)
    assert (child.relation, child.person.full_name, child.person.birth_date) == ("child", "Zoë Ngô", date(2018, 5, 17))
    assert child.person.guardian_id == holder.person_id
    html = page(client.get(START))
    assert f'data-profile="{child.id}"' in html and 'id="add-self"' in html
    # A second child needs no guardian's name: the holder is on file.
    assert 'id="guardian"' not in page(client.get(CHILD))
    post_form(client, CHILD, {"first_name": "Léo", "last_name": "Ngô", "birth_date": "2020-02-29"})
    assert [p.person.guardian_id for p in profiles_of("family@example.org")[2:]] == [holder.person_id]
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("performer_profile-created") == 3
    # Names and birth dates stay out of the trail.
    details = " ".join(str(value) for row in db.session.execute(select(AuditEvent.target, AuditEvent.details)) for value in row)
    assert "Zoë" not in details and "2018" not in details


def test_a_first_child_needs_the_guardians_name(family):
    """Without a record of their own, the holder must give their name: nothing is saved without it."""
    client, _other = family
    spring()
    response = post_form(client, CHILD, {**CHILD_FORM, "guardian_first_name": "", "guardian_last_name": ""})
    assert response.status_code == 200 and "is-invalid" in page(response)
    assert profiles_of("family@example.org") == []


@pytest.mark.parametrize("birth_date", ["", "2090-01-01", "1850-01-01", "17/05/2018x"])
def test_a_childs_birth_date_is_needed_and_plausible(family, birth_date):
    """A child's birth date is needed (ages choose the classes) and may not be in the future or before 1900."""
    client, _other = family
    spring()
    response = post_form(client, CHILD, {**CHILD_FORM, "birth_date": birth_date})
    assert response.status_code == 200 and "is-invalid" in page(response)
    assert profiles_of("family@example.org") == []


def test_an_adult_adds_themself_then_changes_their_name(family):
    """An adult performer is their own profile; changing it is recorded with the fields changed, not their values."""
    client, _other = family
    spring()
    post_form(client, SELF, {"first_name": "Marc", "last_name": "Roy", "birth_date": "1990-03-04"})
    (profile,) = profiles_of("family@example.org")
    assert (profile.relation, profile.person.birth_date, profile.person.email) == ("self", date(1990, 3, 4), "family@example.org")
    # Their own record exists: "add yourself" now leads to it.
    response = client.get(SELF)
    assert response.status_code == 302 and response.location.endswith(f"/profiles/{profile.id}/edit")
    edit = f"{START}profiles/{profile.id}/edit"
    assert post_form(client, edit, {"first_name": "Marc", "last_name": "Roy-Ngô", "birth_date": "1990-03-04"}).status_code == 302
    assert profiles_of("family@example.org")[0].person.last_name == "Roy-Ngô"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "performer_profile-updated")).one()
    assert "last_name" in event.details and "Roy" not in event.details


def test_a_guardian_gives_their_own_birth_date_to_perform_too(family):
    """The holder's record made as a guardian has no birth date; "add yourself" gives it one, the same record."""
    client, _other = family
    spring()
    post_form(client, CHILD, CHILD_FORM)
    holder = profiles_of("family@example.org")[0]
    post_form(client, SELF, {"first_name": "Ana", "last_name": "Ngô", "birth_date": "1985-06-01"})
    profiles = profiles_of("family@example.org")
    assert len(profiles) == 2 and profiles[0].id == holder.id and profiles[0].person.birth_date == date(1985, 6, 1)


def test_an_account_never_reaches_another_accounts_profiles(family):
    """Another account's profile ids answer 404 to GET and POST, and its records stay as they were."""
    client, other = family
    spring()
    post_form(client, CHILD, CHILD_FORM)
    holder, child = profiles_of("family@example.org")
    for profile in (holder, child):
        edit = f"{START}profiles/{profile.id}/edit"
        picker = f"{START}profiles/{profile.id}/classes"
        assert other.get(edit).status_code == 404
        assert other.get(picker).status_code == 404
        token = csrf_token(other, START + "profiles/new/self")
        response = other.post(edit, data={"first_name": "Taken", "last_name": "Over", "birth_date": "2001-01-01", "csrf_token": token})
        assert response.status_code == 404
    assert [p.person.first_name for p in profiles_of("family@example.org")] == ["Ana", "Zoë"]
    # Nor does their list show them.
    assert "Zoë" not in page(other.get(START))
    assert other.get(f"{START}profiles/999999/edit").status_code == 404


# The class picker

CUTOFF = date(2026, 12, 31)  # the spring festival's age cut-off date


def child_born(client, birth_date: date, first_name: str = "Zoë") -> int:
    """Add a child through the page; return its profile's id."""
    response = post_form(client, CHILD, {**CHILD_FORM, "first_name": first_name, "birth_date": birth_date.isoformat()})
    assert response.status_code == 302
    return profiles_of("family@example.org")[-1].id


def offered(client, profile_id: int, q: str = "") -> tuple[list[str], dict[str, list[str]]]:
    """Return the class codes the picker offers, and those it does not with the codes of its reasons."""
    html = page(client.get(f"{START}profiles/{profile_id}/classes", query_string={"q": q} if q else None))
    shown, _sep, others = html.partition('id="not-offered"')
    codes = re.findall(r'<tr data-class="([^"]+)">', shown)
    rows = re.findall(r'<tr data-class="([^"]+)">(.*?)</tr>', others, re.S)
    reasons = {code: re.findall(r'data-reason="([^"]+)"', cells) for code, cells in rows}
    return codes, reasons


@pytest.fixture
def syllabus(app):
    """The spring festival (open for entries) with a class for 9 and over, one for 9 and under, one for all ages and a duet."""
    festival_id = spring()
    festival = db.session.get(Festival, festival_id)
    make_class(festival, "101", "Junior Baroque", discipline="Piano", level="Grade 1", max_age=9)
    make_class(festival, "102", "Senior Baroque", discipline="Piano", level="Grade 3", min_age=9)
    make_class(festival, "201", "Folk Song", discipline="Voice", level="Open")
    make_class(festival, "301", "Piano Duet", discipline="Piano", level="Open", class_type="duet")
    db.session.commit()
    return festival_id


@pytest.mark.parametrize(
    ("birth_date", "age", "offered_codes", "refused"),
    [
        # The cut-off date is the day before the 9th birthday: still 8.
        (date(2018, 1, 1), 8, ["101", "201"], {"102": ["age-too-young"], "301": ["performer-count"]}),
        # The cut-off date is the 9th birthday: 9, in both.
        (date(2017, 12, 31), 9, ["101", "102", "201"], {"301": ["performer-count"]}),
        # The cut-off date is the day after the 9th birthday: 9.
        (date(2017, 12, 30), 9, ["101", "102", "201"], {"301": ["performer-count"]}),
        # The cut-off date is the day before the 10th birthday: still 9.
        (date(2017, 1, 1), 9, ["101", "102", "201"], {"301": ["performer-count"]}),
        # The cut-off date is the 10th birthday: too old for the junior class.
        (date(2016, 12, 31), 10, ["102", "201"], {"101": ["age-too-old"], "301": ["performer-count"]}),
    ],
)
def test_the_picker_offers_the_classes_the_age_on_the_cut_off_date_allows(family, syllabus, birth_date, age, offered_codes, refused):
    """Ages are taken on the cut-off date (a birthday on that day counts); a solo profile is not offered a duet."""
    client, _other = family
    profile_id = child_born(client, birth_date)
    html = page(client.get(f"{START}profiles/{profile_id}/classes"))
    assert f"is {age} on" in html
    assert offered(client, profile_id) == (offered_codes, refused)


def test_the_picker_says_why_a_class_is_not_offered_with_the_validators_words(family, syllabus):
    """The reasons are the validator's messages: the same the Issues page and the imports give."""
    client, _other = family
    profile_id = child_born(client, date(2019, 6, 1))
    html = page(client.get(f"{START}profiles/{profile_id}/classes"))
    assert "class 102 is for ages 9 and over" in html
    assert "Class 301 (Duet) needs 2 performers; this entry has 1." in html


@pytest.mark.parametrize(
    ("q", "codes"),
    [("101", ["101"]), ("baroque", ["101"]), ("VOICE", ["201"]), ("grade 1", ["101"]), ("piano grade", ["101"]), ("open", ["201"]),
     ("nothing", [])],
)
def test_the_picker_searches_number_name_discipline_and_level(family, syllabus, q, codes):
    """Every word typed must be in the class's number, name, discipline or level (case ignored)."""
    client, _other = family
    profile_id = child_born(client, date(2019, 6, 1))
    assert offered(client, profile_id, q)[0] == codes


def test_the_picker_matches_the_validator_on_the_same_entry(app, syllabus):
    """One rule: what the picker refuses, check_entry reports for an entry of the same performer in the same class."""
    from mfo.enter.services import class_choice
    from mfo.issues.festival import class_infos
    from mfo.issues.rules import EntryDraft, PersonRef, check_entry

    festival = db.session.get(Festival, syllabus)
    child = Person(first_name="Zoë", last_name="Ngô", name_key="zoe ngo", birth_date=date(2018, 1, 1))
    choice = class_choice(festival, child)
    infos = class_infos(festival.id)
    for festival_class, reasons in choice.not_offered:
        draft = EntryDraft(festival_class.code, infos[festival_class.id], performers=[PersonRef("Zoë", "Ngô", date(2018, 1, 1))])
        assert {r.code for r in reasons} <= {i.code for i in check_entry(draft, festival.age_cutoff)}


def test_a_profile_without_a_birth_date_is_asked_for_one(family, syllabus):
    """The holder's record made as a guardian has no birth date: the picker asks for it rather than guessing."""
    client, _other = family
    child_born(client, date(2018, 1, 1))
    holder = profiles_of("family@example.org")[0]
    html = page(client.get(f"{START}profiles/{holder.id}/classes"))
    assert 'id="no-birth-date"' in html and 'id="offered"' not in html


# The entry form and the basket

BASKET = START + "basket"


def entry_url(profile_id: int, class_id: int) -> str:
    """Return the entry form's address for a profile and a class."""
    return f"{START}profiles/{profile_id}/classes/{class_id}/entry"


def class_id(code: str) -> int:
    """Return the id of the spring festival's class with this number."""
    from mfo.syllabus.models import FestivalClass

    return db.session.scalar(select(FestivalClass.id).where(FestivalClass.number == code))


def entry_form(title: str = "Minuet in G", composer: str = "Bach", duration: str = "1:30", **extra) -> dict:
    """Return an entry form with one piece (and a teacher unless told otherwise)."""
    return {"pieces-0-title": title, "pieces-0-composer": composer, "pieces-0-duration": duration,
            "teacher_first_name": "Marie", "teacher_last_name": "Lefèvre", **extra}


def basket_rows():
    """Return every basket entry, read from the database."""
    from mfo.enter.models import BasketEntry

    db.session.expire_all()
    return db.session.scalars(select(BasketEntry).order_by(BasketEntry.id)).all()


def entries():
    """Return every entry of the festival, read from the database."""
    from mfo.entries.models import Entry

    db.session.expire_all()
    return db.session.scalars(select(Entry).order_by(Entry.id)).all()


def test_a_family_puts_an_entry_in_the_basket_then_submits_it(family, syllabus):
    """The draft stays out of the festival's entries until submitted; then the entry is made, online, and recorded."""
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    assert 'data-enter="101"' in page(client.get(f"{START}profiles/{profile_id}/classes"))
    assert client.get(entry_url(profile_id, class_id("101"))).status_code == 200
    response = post_form(client, entry_url(profile_id, class_id("101")), entry_form())
    assert response.status_code == 302 and response.location.endswith(BASKET)
    (draft,) = basket_rows()
    assert (draft.status, draft.pieces) == ("draft", [{"title": "Minuet in G", "composer": "Bach", "duration": 90}])
    assert entries() == []
    html = page(client.get(BASKET))
    assert f'data-basket-entry="{draft.id}"' in html and 'id="basket-total">$15.00' in html

    response = post_form(client, BASKET + "/submit", consents_in(html), token_from=BASKET)
    assert response.status_code == 302
    (entry,) = entries()
    assert (entry.status, entry.source, entry.fee, entry.festival_class.number) == ("submitted", "online", 15, "101")
    assert [p.person.first_name for p in entry.performers] == ["Zoë"]
    assert [(p.piece.title, p.piece.composer, p.duration) for p in entry.pieces] == [("Minuet in G", "Bach", 90)]
    assert entry.teacher.full_name == "Marie Lefèvre"
    (draft,) = basket_rows()
    assert (draft.status, draft.entry_id) == ("submitted", entry.id) and draft.submitted_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry-created")).one()
    assert event.target == f"entry #{entry.id}" and '"online"' in event.details
    # Submitting again sends nothing more.
    post_form(client, BASKET + "/submit", consents_in(html), token_from=BASKET)
    assert len(entries()) == 1
    assert f'data-entry="{entry.id}"' in page(client.get(BASKET))


def test_the_entry_page_says_an_entry_came_online_and_from_which_account_to_people_read_only(family, syllabus, organizer_client,
                                                                                             staff_client):
    """Organizers read who submitted it and when; staff (no people-read) read when, never the account's email."""
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    post_form(client, entry_url(profile_id, class_id("101")), entry_form())
    post_form(client, BASKET + "/submit", consents_in(page(client.get(BASKET))), token_from=BASKET)
    (entry,) = entries()
    url = f"/festivals/spring-2027/entries/{entry.id}"
    organizer_html = page(organizer_client.get(url))
    assert 'id="entry-origin"' in organizer_html and "Submitted by the account family@example.org on" in organizer_html
    staff_html = page(staff_client.get(url))
    assert 'id="entry-origin"' in staff_html and "Submitted from an entrant’s account on" in staff_html
    assert "family@example.org" not in staff_html


def test_warnings_are_shown_and_accepted(family, syllabus):
    """Over the class's time limit is a warning (the validator's): the entry is kept, the basket shows it."""
    client, _other = family
    festival = db.session.get(Festival, syllabus)
    limited = make_class(festival, "401", "Short Pieces", time_limit=120).id
    db.session.commit()
    profile_id = child_born(client, date(2018, 1, 1))
    response = post_form(client, entry_url(profile_id, limited), entry_form(duration="3:00"))
    assert response.status_code == 302 and len(basket_rows()) == 1
    assert 'data-code="over-time-limit"' in page(client.get(BASKET))


def test_entering_the_same_class_twice_is_a_duplicate_entry_warning(family, syllabus):
    """The second draft of the same performer in the same class gets the validator's duplicate-entry warning."""
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    post_form(client, entry_url(profile_id, class_id("101")), entry_form())
    post_form(client, entry_url(profile_id, class_id("101")), entry_form(title="Gavotte"))
    assert page(client.get(BASKET)).count('data-code="duplicate-entry"') == 2


@pytest.mark.parametrize(
    ("form", "saved"),
    [
        ({"pieces-0-title": "", "pieces-0-duration": ""}, False),  # no piece
        ({"pieces-0-duration": ""}, False),  # a piece without its duration
        ({"pieces-0-duration": "soon"}, False),  # a duration that is not one
        ({"pieces-1-duration": "2:00"}, False),  # a duration without its piece
        ({"teacher_first_name": ""}, False),  # a teacher's last name without a first name
        ({"teacher_first_name": "", "teacher_last_name": ""}, True),  # no teacher at all is fine
    ],
)
def test_the_entry_form_refuses_what_cannot_be_an_entry(family, syllabus, form, saved):
    """Errors block: the form comes back with the error, and nothing is put in the basket."""
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    response = post_form(client, entry_url(profile_id, class_id("101")), entry_form(**form))
    assert (response.status_code == 302) == saved
    assert len(basket_rows()) == int(saved)
    if not saved:
        assert "invalid-feedback" in page(response)


@pytest.mark.parametrize("code", ["102", "301"])
def test_a_class_the_picker_does_not_offer_is_refused_by_the_form(family, syllabus, code):
    """Too young for 102, and 301 is a duet: GET and POST of the form answer 403 with the reason; nothing is saved."""
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    url = entry_url(profile_id, class_id(code))
    response = client.get(url)
    assert response.status_code == 403 and 'data-severity="error"' in page(response) and 'id="entry-form"' not in page(response)
    token = csrf_token(client, START + "profiles/new/self")
    assert client.post(url, data={**entry_form(), "csrf_token": token}).status_code == 403
    assert basket_rows() == []


def test_a_class_of_another_festival_is_a_404(family, syllabus):
    """A class id of another festival is not found through this one."""
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    elsewhere = make_class(make_festival("autumn-2027", name="Autumn"), "101", "Elsewhere").id
    db.session.commit()
    assert client.get(entry_url(profile_id, elsewhere)).status_code == 404


def test_an_account_never_reaches_another_accounts_basket(family, syllabus):
    """Another account cannot enter someone else's profile, see or remove their drafts, nor submit them."""
    client, other = family
    profile_id = child_born(client, date(2018, 1, 1))
    post_form(client, entry_url(profile_id, class_id("101")), entry_form())
    (draft,) = basket_rows()
    assert other.get(entry_url(profile_id, class_id("101"))).status_code == 404
    assert f'data-basket-entry="{draft.id}"' not in page(other.get(BASKET))
    token = csrf_token(other, BASKET)
    assert other.post(f"{BASKET}/{draft.id}/remove", data={"csrf_token": token}).status_code == 404
    other.post(BASKET + "/submit", data={"csrf_token": token})
    assert [row.status for row in basket_rows()] == ["draft"] and entries() == []
    # Its owner may remove it.
    assert post_form(client, f"{BASKET}/{draft.id}/remove", {}, token_from=BASKET).status_code == 302
    assert basket_rows() == []


def test_a_draft_no_longer_allowed_refuses_the_whole_submission(family, syllabus):
    """A birth date changed after drafting makes the child too old for 101: nothing is submitted, the draft stays."""
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    post_form(client, entry_url(profile_id, class_id("201")), entry_form())
    post_form(client, entry_url(profile_id, class_id("101")), entry_form())
    edit = f"{START}profiles/{profile_id}/edit"
    post_form(client, edit, {"first_name": "Zoë", "last_name": "Ngô", "birth_date": "2014-01-01"})
    response = post_form(client, BASKET + "/submit", {}, token_from=BASKET)
    assert response.status_code == 302
    assert entries() == [] and [row.status for row in basket_rows()] == ["draft", "draft"]
    html = page(client.get(BASKET))
    assert "class 101 is for ages up to 9" in html and html.count('data-blocked="true"') == 1
    # The same age is only a warning on the Issues page; here it stops the submission, and says so once.
    assert html.count('data-code="age-too-old" data-severity="error"') == 1


def test_a_submission_sent_after_the_close_is_refused(family, syllabus):
    """The basket loaded while open, submitted after the close: refused with the closed message, no entry made."""
    client, _other = family
    profile_id = child_born(client, date(2018, 1, 1))
    post_form(client, entry_url(profile_id, class_id("101")), entry_form())
    token = csrf_token(client, BASKET)
    set_window(syllabus, TODAY - timedelta(days=30), TODAY - timedelta(days=1))
    response = client.post(BASKET + "/submit", data={"csrf_token": token})
    assert response.status_code == 403 and "Entries closed on" in page(response)
    assert entries() == [] and [row.status for row in basket_rows()] == ["draft"]
