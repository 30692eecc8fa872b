"""The draw: its order follows from its method (random with a recorded seed, alphabetical, by age), a reorder by hand is "manual"."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.festival.models import Festival
from mfo.people.models import Group
from mfo.schedule.draws import DrawEntry, DrawRefused, order_entries, redraw
from mfo.schedule.loading import class_key, load_problem
from mfo.schedule.models import ClassDraw, ScheduleEntry
from mfo.schedule.moves import move_in_draw
from mfo.syllabus.models import FestivalClass
from tests.admin_helpers import flashed, page
from tests.festival_helpers import make_class, make_entry, make_festival, make_person
from tests.helpers import csrf_token, post_form

DRAWS = "/festivals/spring-2027/schedule/draws"
# (first name, last name, birth date): ages on the cut-off date 2027-01-01 are 9, 9, 10, 12, 8, 11, unknown.
PEOPLE = [
    ("Zoé", "Arnaud", date(2017, 5, 1)),
    ("Liam", "Brun", date(2017, 3, 1)),
    ("Emma", "Côté", date(2016, 6, 1)),
    ("Noah", "Dubois", date(2014, 2, 1)),
    ("Léa", "Roy", date(2018, 9, 1)),
    ("Adam", "Bélanger", date(2015, 11, 1)),
    ("Chloé", "Tremblay", None),
]


@pytest.fixture
def drawn_class(app) -> dict:
    """A festival (cut-off 2027-01-01) with a class of seven solo entries and one group entry, none drawn."""
    festival = make_festival("spring-2027", age_cutoff=date(2027, 1, 1))
    festival_class = make_class(festival, "1101", "Piano solo")
    entries = {}
    for first, last, born in PEOPLE:
        entries[last] = make_entry(festival_class, [make_person(first, last, born)]).id
    kids = [make_person("Ana", "Zed", date(2019, 1, 1)), make_person("Ben", "Zed", date(2013, 1, 1))]
    group = Group(name="Allegro Trio", name_key="allegro trio", members=kids)
    db.session.add(group)
    db.session.flush()
    entries["group"] = make_entry(festival_class, kids, group_id=group.id).id
    db.session.commit()
    return {"festival": festival.id, "class": festival_class.id, "entries": entries}


def positions(class_id: int) -> list[int]:
    """Return the class's entry ids in the order the loader gives (the draw)."""
    db.session.expire_all()
    festival = db.session.get(FestivalClass, class_id).festival
    return [entry.entry_id for entry in load_problem(festival).units[class_key(class_id)].entries]


def test_the_same_seed_gives_the_same_order_and_another_seed_another():
    """A seeded shuffle: seed 7 twice is one order, seed 8 another (on twelve entries), each a permutation of the entries."""
    entries = [DrawEntry(i, f"name {i}", None) for i in range(1, 13)]
    first = order_entries(entries, "random", 7)
    assert first == order_entries(list(reversed(entries)), "random", 7)
    assert first != order_entries(entries, "random", 8)
    assert sorted(first) == list(range(1, 13))
    ids = list(range(1, 13))
    random.Random(7).shuffle(ids)
    assert first == ids
    with pytest.raises(ValueError):
        order_entries(entries, "random", None)


def test_a_random_draw_records_its_seed_and_gives_its_order(drawn_class):
    """Drawing at random writes the seeded order and the seed; the same seed again gives the same order."""
    festival = db.session.get(Festival, drawn_class["festival"])
    result = redraw(festival, drawn_class["class"], "random", seed=1234)
    db.session.commit()
    assert result.seed == 1234 and sorted(result.order) == sorted(drawn_class["entries"].values())
    assert positions(drawn_class["class"]) == result.order
    row = db.session.get(ClassDraw, drawn_class["class"])
    assert (row.method, row.seed) == ("random", 1234)
    again = redraw(festival, drawn_class["class"], "random", seed=1234)
    assert again.order == result.order
    fresh = redraw(festival, drawn_class["class"], "random")
    assert fresh.seed is not None and fresh.seed != 1234
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("class_draw-%")).order_by(AuditEvent.id)).first()
    details = json.loads(event.details)
    assert event.action == "class_draw-created" and details["seed"] == 1234 and details["order"] == result.order


def test_alphabetical_and_age_orders(drawn_class):
    """Alphabetical by group or last name (accents aside); by age youngest first, then name, unknown ages last."""
    festival = db.session.get(Festival, drawn_class["festival"])
    e = drawn_class["entries"]
    redraw(festival, drawn_class["class"], "alphabetical")
    db.session.commit()
    assert positions(drawn_class["class"]) == [
        e["group"], e["Arnaud"], e["Bélanger"], e["Brun"], e["Côté"], e["Dubois"], e["Roy"], e["Tremblay"]
    ]
    redraw(festival, drawn_class["class"], "age")
    db.session.commit()
    # Roy 8, Arnaud 9 and Brun 9 (by name), Côté 10, Bélanger 11, Dubois 12, the trio's oldest 13, Tremblay unknown.
    assert positions(drawn_class["class"]) == [
        e["Roy"], e["Arnaud"], e["Brun"], e["Côté"], e["Bélanger"], e["Dubois"], e["group"], e["Tremblay"]
    ]
    assert db.session.get(ClassDraw, drawn_class["class"]).seed is None


def test_a_new_entry_joins_the_draw_when_it_is_made_again(drawn_class):
    """An entry added after the draw runs last; drawing again with the seed places it by the shuffle of all entries."""
    festival = db.session.get(Festival, drawn_class["festival"])
    first = redraw(festival, drawn_class["class"], "random", seed=99).order
    db.session.commit()
    late = make_entry(db.session.get(FestivalClass, drawn_class["class"]), [make_person("Late", "Comer")]).id
    db.session.commit()
    assert positions(drawn_class["class"]) == [*first, late]
    again = redraw(festival, drawn_class["class"], "random", seed=99).order
    db.session.commit()
    ids = sorted([*first, late])
    random.Random(99).shuffle(ids)
    assert again == ids == positions(drawn_class["class"])


def test_a_reorder_on_the_board_makes_the_draw_manual(drawn_class):
    """Moving an entry up on the board records the method as set by hand, keeping the seed."""
    festival = db.session.get(Festival, drawn_class["festival"])
    order = redraw(festival, drawn_class["class"], "random", seed=5).order
    db.session.commit()
    move_in_draw(festival, class_key(drawn_class["class"]), order[1], -1, list(order))
    row = db.session.get(ClassDraw, drawn_class["class"])
    db.session.refresh(row)
    assert (row.method, row.seed) == ("manual", 5)
    assert positions(drawn_class["class"]) == [order[1], order[0], *order[2:]]


def test_organizers_draw_from_the_page(drawn_class, users, organizer_client):
    """The page lists the class; choosing alphabetical and drawing writes the order, says so and shows it."""
    html = page(organizer_client.get(DRAWS))
    assert "1101" in html and 'name="method"' in html and "not drawn" in html
    response = post_form(organizer_client, f"{DRAWS}/{drawn_class['class']}", {"method": "alphabetical"}, token_from=DRAWS,
                         follow_redirects=True)
    assert response.status_code == 200 and "1101" in flashed(response)
    e = drawn_class["entries"]
    assert positions(drawn_class["class"])[:2] == [e["group"], e["Arnaud"]]
    response = post_form(organizer_client, f"{DRAWS}/{drawn_class['class']}", {"method": "random"}, token_from=DRAWS,
                         follow_redirects=True)
    seed = db.session.get(ClassDraw, drawn_class["class"]).seed
    assert seed is not None and f'data-seed="{seed}"' in page(response) and "Draw again" in page(response)
    french = page(organizer_client.get(DRAWS, headers={"Accept-Language": "fr"}))
    assert "Tirages et sections" in french and "Draws and sections" not in french


def test_staff_and_forged_or_foreign_requests_are_refused(drawn_class, users, staff_client, organizer_client):
    """Staff get 403 on the page and the action; no CSRF token is 400; another festival's class 404; an unknown method 400."""
    assert staff_client.get(DRAWS).status_code == 403
    token = csrf_token(staff_client, "/account/")
    assert staff_client.post(f"{DRAWS}/{drawn_class['class']}", data={"method": "age", "csrf_token": token}).status_code == 403
    assert organizer_client.post(f"{DRAWS}/{drawn_class['class']}", data={"method": "age"}).status_code == 400
    assert db.session.scalars(select(ScheduleEntry)).first() is None
    other = make_class(make_festival("autumn-2027"), "1101", "Elsewhere")
    db.session.commit()
    other_id = other.id
    assert post_form(organizer_client, f"{DRAWS}/{other_id}", {"method": "age"}, token_from=DRAWS).status_code == 404
    assert post_form(organizer_client, f"{DRAWS}/{drawn_class['class']}", {"method": "manual"}, token_from=DRAWS).status_code == 400
    with pytest.raises(DrawRefused):
        redraw(db.session.get(Festival, drawn_class["festival"]), other_id, "age")


def test_a_draw_saved_in_the_admin_makes_its_order(drawn_class, users, organizer_client):
    """Setting the method in the admin's Draws writes the order it gives; a random one without a seed gets one."""
    url = "/admin/draws/new/"
    data = {"festival_class": str(drawn_class["class"]), "method": "age", "seed": ""}
    response = post_form(organizer_client, url, data, token_from=url)
    assert response.status_code == 302, flashed(response)
    e = drawn_class["entries"]
    assert positions(drawn_class["class"])[:2] == [e["Roy"], e["Arnaud"]]
    edit = f"/admin/draws/edit/?id={drawn_class['class']}"
    response = post_form(organizer_client, edit, {"festival_class": str(drawn_class["class"]), "method": "random", "seed": ""},
                         token_from=edit)
    assert response.status_code == 302, flashed(response)
    row = db.session.get(ClassDraw, drawn_class["class"])
    db.session.refresh(row)
    assert row.seed is not None
    assert positions(drawn_class["class"]) == order_entries(
        [DrawEntry(i, "", None) for i in e.values()], "random", row.seed
    )
