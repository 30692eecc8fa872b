"""Festivals: the list, creating and changing one, the current festival, a festival's page, roll-over, the CLI and the admin."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.entries.models import Entry
from mfo.features import FEATURES, current_link
from mfo.festival.models import Festival
from mfo.festival.services import (
    FestivalError,
    FestivalSettings,
    create_festival,
    make_current,
    shift_year,
    slugify,
    status_from_dates,
)
from mfo.syllabus.models import Discipline, FestivalClass, Level, SetPiece
from tests.admin_helpers import flashed, page, sign_in
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece
from tests.helpers import post_form

FORM = {
    "name": "Autumn Festival 2027",
    "year": "2027",
    "slug": "",
    "start_date": "2027-10-01",
    "end_date": "2027-10-05",
    "age_cutoff": "2026-12-31",
    "entries_open": "2027-06-01",
    "entries_close": "2027-08-31",
    "status": "draft",
}


def fresh(slug: str) -> Festival | None:
    """Read a festival again from the database."""
    db.session.expire_all()
    return db.session.scalar(select(Festival).where(Festival.slug == slug))


def events(action: str) -> list[AuditEvent]:
    """Return the audit events of an action, oldest first."""
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def settings(**changes) -> FestivalSettings:
    """Return valid festival settings with some changed."""
    values = {
        "name": "Spring Festival 2027",
        "year": 2027,
        "start_date": date(2027, 4, 10),
        "end_date": date(2027, 4, 18),
        "age_cutoff": date(2026, 12, 31),
        **changes,
    }
    return FestivalSettings(**values)


# --- services


def test_slugs_are_made_from_names_and_kept_unique(app):
    """The slug is the name without accents or punctuation; a second festival of that name gets -2; page words are avoided."""
    assert slugify("  Spring Fête 2027! ") == "spring-fete-2027"
    assert slugify("!!!") == "festival"
    first = create_festival(settings())
    second = create_festival(settings())
    third = create_festival(settings(name="New"))
    assert (first.slug, second.slug, third.slug) == ("spring-festival-2027", "spring-festival-2027-2", "new-2")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"year": 27}, "year"),
        ({"end_date": date(2027, 4, 1)}, "end_date"),
        ({"entries_open": date(2027, 3, 1), "entries_close": date(2027, 2, 1)}, "entries_close"),
        ({"status": "finished"}, "status"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "current"}, "slug"),
        ({"age_cutoff": None}, "age_cutoff"),
    ],
)
def test_wrong_settings_are_refused_with_the_field_named(app, changes, field):
    """Every rule says which field is wrong, and nothing is written."""
    with pytest.raises(FestivalError) as raised:
        create_festival(settings(**changes))
    assert field in raised.value.errors
    assert db.session.scalar(select(func.count(Festival.id))) == 0


def test_the_first_festival_is_current_and_exactly_one_stays_current(app):
    """The first festival becomes current; making another current leaves exactly one, recorded with the previous one."""
    first = create_festival(settings())
    second = create_festival(settings(name="Spring Festival 2028", year=2028))
    db.session.commit()
    assert first.is_current and not second.is_current
    assert make_current(second) is True
    db.session.commit()
    assert [f.slug for f in db.session.scalars(select(Festival).where(Festival.is_current.is_(True)))] == [second.slug]
    assert make_current(second) is False
    details = json.loads(events("festival-made-current")[0].details)
    assert details["previous"].startswith("festival Spring Festival 2027 [spring-festival-2027]")


def test_shifting_a_leap_day_by_a_year(app):
    """29 February moves to 28 February of a year without one."""
    assert shift_year(date(2028, 2, 29)) == date(2029, 2, 28)
    assert shift_year(date(2027, 4, 10)) == date(2028, 4, 10)
    assert shift_year(None) is None


# --- pages


def test_the_list_marks_the_current_festival_and_offers_changes_to_organizers_only(app, users, organizer_client, staff_client):
    """Organizers see edit and make-current buttons; staff see the list only."""
    make_festival("spring-2027", is_current=True)
    make_festival("spring-2026", name="Spring Festival 2026", year=2026, start_date=date(2026, 4, 10), end_date=date(2026, 4, 18))
    db.session.commit()
    html = page(organizer_client.get("/festivals/"))
    assert 'data-festival="spring-2027" class="table-active"' in html and 'data-current="true"' in html
    assert "/festivals/spring-2026/make-current" in html and 'id="new-festival"' in html
    assert "/festivals/spring-2027/make-current" not in html
    html = page(staff_client.get("/festivals/"))
    assert "make-current" not in html and "/edit" not in html and 'id="new-festival"' not in html


def test_the_empty_list_and_the_current_page_say_how_to_start(app, users, organizer_client, staff_client):
    """With no festival, organizers are shown how to create one; staff are told an organizer will."""
    assert 'id="no-festivals"' in page(organizer_client.get("/festivals/"))
    html = page(organizer_client.get("/festivals/current"))
    assert 'id="no-festival"' in html and 'href="/festivals/new"' in html
    html = page(staff_client.get("/festivals/current"))
    assert 'id="no-festival"' in html and "/festivals/new" not in html


def test_creating_a_festival_in_the_browser(app, users, organizer_client):
    """The form creates the festival with a slug from its name, records it and opens its page."""
    response = post_form(organizer_client, "/festivals/new", FORM)
    assert response.status_code == 303 and response.location.endswith("/festivals/autumn-festival-2027/")
    festival = fresh("autumn-festival-2027")
    assert festival.entries_close == date(2027, 8, 31) and festival.is_current
    [event] = events("festival-created")
    assert event.actor == users["organizer"] and event.target.startswith("festival Autumn Festival 2027")
    assert json.loads(event.details)["age_cutoff"] == "2026-12-31"


def test_a_wrong_form_keeps_what_was_typed_and_says_why(app, users, organizer_client):
    """Dates out of order and a taken address are refused next to their fields; the typed values stay."""
    make_festival("taken")
    db.session.commit()
    response = post_form(organizer_client, "/festivals/new", {**FORM, "end_date": "2027-09-01", "slug": "taken"})
    html = page(response)
    assert response.status_code == 200
    assert "The last day cannot be before the first day." in html and "Another festival already uses this address." in html
    assert 'value="Autumn Festival 2027"' in html
    assert fresh("autumn-festival-2027") is None and not events("festival-created")


def test_editing_records_each_changed_field(app, users, organizer_client):
    """An edit records before and after of what changed; saving again unchanged records nothing."""
    make_festival("spring-2027")
    db.session.commit()
    data = {**FORM, "name": "Spring Festival 2027", "slug": "spring-2027", "start_date": "2027-04-10", "end_date": "2027-04-19"}
    response = post_form(organizer_client, "/festivals/spring-2027/edit", data)
    assert response.status_code == 303
    assert fresh("spring-2027").end_date == date(2027, 4, 19)
    [event] = events("festival-updated")
    changes = json.loads(event.details)["changes"]
    assert changes["end_date"] == ["2027-04-18", "2027-04-19"] and "name" not in changes
    post_form(organizer_client, "/festivals/spring-2027/edit", data)
    assert len(events("festival-updated")) == 1


def test_making_current_asks_first_and_needs_a_post(app, users, organizer_client):
    """The link opens a confirmation page; only its POST changes the current festival."""
    make_festival("spring-2027", is_current=True)
    make_festival("spring-2028", name="Spring Festival 2028", year=2028, start_date=date(2028, 4, 8), end_date=date(2028, 4, 16))
    db.session.commit()
    html = page(organizer_client.get("/festivals/spring-2028/make-current"))
    assert 'id="make-current-form"' in html and "Spring Festival 2027 will no longer be the current festival" in html
    assert fresh("spring-2027").is_current
    response = post_form(organizer_client, "/festivals/spring-2028/make-current", {})
    assert response.status_code == 303
    assert fresh("spring-2028").is_current and not fresh("spring-2027").is_current
    assert organizer_client.get("/festivals/current").location.startswith("/festivals/spring-2028/")


def test_current_opens_the_dashboard_when_there_is_one(app, users):
    """With a festival dashboard installed, the Festival link opens it; without, the festival's page."""
    make_festival("spring-2027", is_current=True)
    db.session.commit()
    if "reports.dashboard" not in app.view_functions:
        # Stands in for the reports feature's dashboard (added before the app's first request).
        app.add_url_rule("/festivals/<festival_slug>/dashboard", "reports.dashboard", lambda festival_slug: "dashboard")
    client = sign_in(app, users["staff"])
    assert client.get("/festivals/current").location == "/festivals/spring-2027/dashboard"


@pytest.mark.features(*(name for name in FEATURES if name not in ("mfo.reports", "mfo.demo")))
def test_without_a_dashboard_current_opens_the_festivals_page(app, users, staff_client):
    """The reports feature left out, the festival's own page is the way in."""
    make_festival("spring-2027", is_current=True)
    db.session.commit()
    assert "reports.dashboard" not in app.view_functions
    assert staff_client.get("/festivals/current").location == "/festivals/spring-2027/"


def test_the_festival_page_shows_settings_facts_and_actions(app, users, organizer_client, staff_client):
    """Settings with dates formatted, the facts other features give (classes, entries, fees), and the roll-over for organizers."""
    festival = make_festival("spring-2027", is_current=True)
    festival_class = make_class(festival, "101", discipline="Piano")
    make_entry(festival_class, [make_person("Ann", "Lee")], amount_paid=Decimal("10.00"))
    db.session.commit()
    html = page(organizer_client.get("/festivals/spring-2027/"))
    assert "Dec 31, 2026" in html and "9 days" in html
    assert 'data-fact="classes"' in html and 'data-fact="entries"' in html and 'data-action="roll-over"' in html
    assert 'href="/festivals/spring-2027/edit"' in html
    staff_html = page(staff_client.get("/festivals/spring-2027/"))
    assert 'data-fact="entries"' in staff_html and 'data-action="roll-over"' not in staff_html and "/edit" not in staff_html
    assert 'data-nav="festival.detail"' in staff_html and 'data-nav="syllabus.classes"' in staff_html


@pytest.mark.parametrize(
    ("status", "opens", "closes", "implied"),
    [
        ("entries-closed", 10, 40, "draft"),  # the example seen: closed before the window opens
        ("entries-open", 10, 40, "draft"),
        ("draft", -5, 20, "entries-open"),
        ("entries-open", -40, -1, "entries-closed"),
        ("draft", -40, -1, "entries-closed"),
        ("entries-open", -5, 20, None),
        ("entries-closed", -40, -1, None),
        ("published", 10, 40, None),  # a later step is the organizer's to take
        ("draft", None, None, None),  # no dates, no opinion
    ],
)
def test_the_status_the_dates_imply(app, status, opens, closes, implied):
    """Before the window a draft, inside it entries open, after it entries closed; later steps and missing dates are left alone."""
    today = date(2027, 2, 1)
    festival = Festival(status=status, entries_open=today + timedelta(days=opens) if opens is not None else None,
                        entries_close=today + timedelta(days=closes) if closes is not None else None)
    assert status_from_dates(festival, today) == implied


def test_the_festival_page_shows_a_status_the_dates_contradict_and_offers_theirs(app, users, organizer_client, staff_client):
    """"Entries closed" before the window opens: the page says so; an organizer's one click sets "Draft", recorded; staff only read it."""
    today = date.today()
    make_festival("spring-2027", status="entries-closed", entries_open=today + timedelta(days=10), entries_close=today + timedelta(days=40))
    db.session.commit()
    html = page(organizer_client.get("/festivals/spring-2027/"))
    assert 'id="status-contradiction" data-implied="draft"' in html and "but entries open on" in html
    staff_html = page(staff_client.get("/festivals/spring-2027/"))
    assert 'id="status-contradiction"' in staff_html and "/status-from-dates" not in staff_html
    # The server checks the permission, not the page: staff cannot post it.
    assert staff_client.post("/festivals/spring-2027/status-from-dates").status_code in (400, 403)
    assert fresh("spring-2027").status == "entries-closed"
    response = post_form(organizer_client, "/festivals/spring-2027/status-from-dates", {}, token_from="/festivals/spring-2027/",
                         follow_redirects=True)
    assert "The status is now “Draft”." in flashed(response)
    assert fresh("spring-2027").status == "draft"
    assert json.loads(events("festival-updated")[-1].details)["changes"]["status"] == ["entries-closed", "draft"]
    assert 'id="status-contradiction"' not in page(organizer_client.get("/festivals/spring-2027/"))


def test_a_festival_that_does_not_exist_is_404(app, users, organizer_client):
    """An unknown slug is a 404, for its pages and the other features' festival pages alike."""
    for url in ("/festivals/nope/", "/festivals/nope/edit", "/festivals/nope/classes/", "/festivals/nope/entries/"):
        assert organizer_client.get(url).status_code == 404, url


def test_nav_card_and_tabs_follow_festival_read(app, users, staff_client, end_user_client):
    """Staff get the Festival link and card; end users get neither and a 403 on the pages."""
    assert 'data-nav="festival.current"' in page(staff_client.get("/"))
    assert 'href="/festivals/current"' in page(staff_client.get("/"))
    home = page(end_user_client.get("/"))
    assert 'data-nav="festival.current"' not in home and "/festivals/current" not in home
    assert end_user_client.get("/festivals/").status_code == 403


# --- roll-over


def rolled_source() -> Festival:
    """A festival with disciplines, levels, classes (one with set pieces) and an entry."""
    festival = make_festival("spring-2027", name="Spring Festival 2027", entries_open=date(2027, 1, 15))
    make_class(festival, "1203", "Baroque", suffix="A", discipline="Piano", level="Grade 3", time_limit=240,
               set_pieces=[("Minuet in G", "Bach"), ("Musette", "Bach")], min_age=8, max_age=10, accompanist_required=True)
    other = make_class(festival, "2001", "Art song", discipline="Voice")
    make_entry(other, [make_person("Ann", "Lee")])
    db.session.commit()
    return festival


def test_roll_over_copies_the_syllabus_but_no_entries(app):
    """Disciplines, levels, classes and set pieces are copied; entries are not; one event records it all."""
    from mfo.syllabus.services import next_season, roll_over

    source = rolled_source()
    proposed = next_season(source)
    assert (proposed.name, proposed.year, proposed.slug) == ("Spring Festival 2028", 2028, "spring-festival-2028")
    assert (proposed.start_date, proposed.age_cutoff, proposed.entries_open) == (date(2028, 4, 10), date(2027, 12, 31), date(2028, 1, 15))
    new = roll_over(source, proposed)
    db.session.commit()
    copied = db.session.scalar(select(FestivalClass).where(FestivalClass.festival_id == new.id, FestivalClass.number == "1203"))
    assert (copied.suffix, copied.time_limit, copied.min_age, copied.max_age, copied.accompanist_required) == ("A", 240, 8, 10, True)
    assert copied.discipline.festival_id == new.id and copied.level.name == "Grade 3" and copied.level.festival_id == new.id
    assert [str(sp.piece) for sp in copied.set_pieces] == ["Minuet in G (Bach)", "Musette (Bach)"]
    assert db.session.scalar(select(func.count(Discipline.id)).where(Discipline.festival_id == new.id)) == 2
    assert db.session.scalar(select(func.count(Level.id)).where(Level.festival_id == new.id)) == 1
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.festival_id == new.id)) == 0
    assert db.session.scalar(select(func.count(SetPiece.id))) == 4
    [event] = events("festival-rolled-over")
    details = json.loads(event.details)
    assert details["copied"] == {"disciplines": 2, "levels": 1, "classes": 2, "set_pieces": 2}
    assert details["from"].startswith("festival Spring Festival 2027") and not events("festival-created")


def test_roll_over_page_proposes_next_year_and_starts_it(app, users, organizer_client):
    """The form is filled with next year's dates; its POST creates the festival and opens its page."""
    rolled_source()
    html = page(organizer_client.get("/festivals/spring-2027/roll-over"))
    assert 'value="Spring Festival 2028"' in html and 'value="2028-04-10"' in html and 'value="2027-12-31"' in html
    data = {**FORM, "name": "Spring Festival 2028", "year": "2028", "start_date": "2028-04-08", "end_date": "2028-04-16",
            "age_cutoff": "2027-12-31"}
    response = post_form(organizer_client, "/festivals/spring-2027/roll-over", data)
    assert response.status_code == 303 and response.location.endswith("/festivals/spring-festival-2028/")
    new = fresh("spring-festival-2028")
    assert new.start_date == date(2028, 4, 8)
    assert db.session.scalar(select(func.count(FestivalClass.id)).where(FestivalClass.festival_id == new.id)) == 2


def test_a_wrong_roll_over_writes_nothing(app, users, organizer_client):
    """Settings that are refused leave no festival and no copied class behind."""
    rolled_source()
    response = post_form(organizer_client, "/festivals/spring-2027/roll-over", {**FORM, "slug": "spring-2027"})
    assert response.status_code == 200 and "Another festival already uses this address." in page(response)
    assert db.session.scalar(select(func.count(Festival.id))) == 1
    assert db.session.scalar(select(func.count(FestivalClass.id))) == 2


# --- command line


def test_the_command_creates_a_festival_and_prints_its_slug_last(app):
    """`festival create` saves the festival through the services, records the CLI as actor and ends with the slug."""
    runner = app.test_cli_runner()
    args = ["festival", "create", "--name", "Spring Fête 2027", "--year", "2027", "--start", "2027-04-10", "--end", "2027-04-18",
            "--cutoff", "31/12/2026"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "spring-fete-2027"
    festival = fresh("spring-fete-2027")
    assert festival.age_cutoff == date(2026, 12, 31) and festival.is_current
    assert events("festival-created")[0].actor == "cli"
    again = runner.invoke(args=args)
    assert again.output.strip().splitlines()[-1] == "spring-fete-2027-2"


@pytest.mark.parametrize(
    "wrong",
    [
        ["--start", "2027-13-01"],
        ["--end", "2027-04-01"],
        ["--year", "27"],
        ["--slug", "Bad Slug"],
        ["--status", "finished"],
    ],
)
def test_the_command_exits_2_on_bad_arguments_and_writes_nothing(app, wrong):
    """Unreadable dates, dates out of order, a wrong year, slug or status: usage error, exit status 2, no festival."""
    args = {"--name": "Spring 2027", "--year": "2027", "--start": "2027-04-10", "--end": "2027-04-18", "--cutoff": "2026-12-31"}
    args.update(dict(zip(wrong[::2], wrong[1::2], strict=True)))
    result = app.test_cli_runner().invoke(args=["festival", "create", *[part for pair in args.items() for part in pair]])
    assert result.exit_code == 2, result.output
    assert db.session.scalar(select(func.count(Festival.id))) == 0
    assert not events("festival-created")


def test_the_command_needs_every_required_option(app):
    """A missing --cutoff is a usage error."""
    result = app.test_cli_runner().invoke(
        args=["festival", "create", "--name", "X", "--year", "2027", "--start", "2027-04-10", "--end", "2027-04-18"]
    )
    assert result.exit_code == 2 and "--cutoff" in result.output


# --- admin


def test_the_admin_creates_festivals_with_the_same_rules(app, users, admin_client):
    """The admin form makes the slug from the name, refuses dates out of order, and never offers to delete a season."""
    data = {"name": "Winter Gala", "year": "2027", "slug": "", "start_date": "2027-01-10", "end_date": "2027-01-12",
            "age_cutoff": "2026-12-31", "status": "draft"}
    response = post_form(admin_client, "/admin/festival/new/", data, token_from="/admin/festival/new/")
    assert response.status_code == 302, flashed(response)
    assert fresh("winter-gala").is_current
    assert events("festival-created")[0].target.startswith("festival Winter Gala [winter-gala]")
    bad = post_form(admin_client, "/admin/festival/new/", {**data, "name": "Other", "end_date": "2027-01-01"},
                    token_from="/admin/festival/new/", follow_redirects=True)
    assert "The last day cannot be before the first day." in flashed(bad)
    assert fresh("other") is None
    assert "/admin/festival/delete/" not in page(admin_client.get("/admin/festival/"))
    festival = fresh("winter-gala")
    post_form(admin_client, "/admin/festival/delete/", {"id": str(festival.id)}, token_from="/admin/festival/")
    assert fresh("winter-gala") is not None


def test_the_admin_overview_counts_festivals_classes_entries_and_people(app, users, organizer_client):
    """Each feature gives its number, linked to its list."""
    festival = make_festival()
    make_entry(make_class(festival, "101"), [make_person("Ann", "Lee"), make_person("Bob", "Ray")], [(make_piece("Air"), 60)])
    db.session.commit()
    html = page(organizer_client.get("/admin/"))
    for key, value in (("festivals", 1), ("classes", 1), ("entries", 1), ("people", 2)):
        assert f'data-count="{key}">{value}<' in html, key
    assert 'href="/admin/festival/"' in html and 'href="/admin/entry/"' in html


def test_the_admin_list_filters_festivals_by_year_and_status(app, users, organizer_client):
    """The year filter reads a number (PostgreSQL refuses comparing a number with text); status and name filter too."""
    make_festival("spring-2027")
    make_festival("spring-2026", name="Spring Festival 2026", year=2026, start_date=date(2026, 4, 10), end_date=date(2026, 4, 18))
    db.session.commit()
    for query, shown, hidden in (("flt0_1=2026", "Spring Festival 2026", "Spring Festival 2027"),
                                 ("flt0_0=entries-open&flt1_2=2027", "Spring Festival 2027", "Spring Festival 2026")):
        response = organizer_client.get(f"/admin/festival/?{query}")
        assert response.status_code == 200, query
        assert shown in page(response) and hidden not in page(response), query


def active_tabs(html: str) -> list[str]:
    """Return the festival tabs shown as current."""
    tabs = html.split('id="festival-tabs"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'class="nav-link active"[^>]*data-nav="([^"]+)"', tabs)


def test_exactly_one_festival_tab_is_current_on_every_page(app, users, organizer_client):
    """The dashboard and the reports are two tabs of one feature: each page shows one of them as current, not both."""
    festival = make_festival("spring-2027", is_current=True)
    festival_class = make_class(festival, "101")
    db.session.commit()
    expected = {
        "/festivals/spring-2027/dashboard": "reports.dashboard",
        "/festivals/spring-2027/reports/": "reports.index",
        "/festivals/spring-2027/reports/entries": "reports.index",
        f"/festivals/spring-2027/classes/{festival_class.id}": "syllabus.classes",
        "/festivals/spring-2027/": "festival.detail",
    }
    for url, tab in expected.items():
        assert active_tabs(page(organizer_client.get(url))) == [tab], url
    # A page under the dashboard (its longer endpoint begins with the dashboard's) belongs to the dashboard.
    with app.test_request_context("/festivals/spring-2027/dashboard/issues"):
        links = [("Dashboard", "/d", "reports.dashboard"), ("Reports", "/r", "reports.index")]
        assert current_link(links) == "reports.dashboard"
