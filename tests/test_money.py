"""Money on every page in the festival's currency and the visitor's language; files keep plain numbers; the currency setting."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from mfo.database import db
from mfo.festival.models import Festival
from mfo.festival.scoping import format_money
from tests.admin_helpers import flashed, page
from tests.festival_helpers import make_class, make_entry, make_festival, make_person
from tests.helpers import post_form

FORM = {
    "name": "Autumn Festival 2027",
    "year": "2027",
    "slug": "",
    "start_date": "2027-10-01",
    "end_date": "2027-10-05",
    "age_cutoff": "2026-12-31",
    "status": "draft",
}


@pytest.fixture
def season(app):
    """A festival in Canadian dollars and one in euros, each with a class at 12.50 and an entry that paid 1,234.50."""
    ids = {}
    for slug, currency in (("spring-2027", "CAD"), ("paris-2027", "EUR")):
        festival = make_festival(slug, name=slug, currency=currency)
        festival_class = make_class(festival, "100", "Piano Solo", fee=Decimal("12.50"))
        entry = make_entry(festival_class, [make_person("Ann", f"Lee {currency}")], amount_paid=Decimal("1234.50"))
        ids[slug] = {"class": festival_class.id, "entry": entry.id}
    db.session.commit()
    return ids


def in_french(client, url: str) -> str:
    """Switch the client to French and return the page at url."""
    post_form(client, "/language", {"locale": "fr", "next": url})
    return page(client.get(url))


@pytest.mark.parametrize(
    ("locale", "currency", "shown"),
    [
        ("en", "CAD", "$1,234.50"),
        ("fr", "CAD", "1\u00a0234,50\u00a0$"),
        ("en", "EUR", "€1,234.50"),
        ("fr", "EUR", "1\u202f234,50\u00a0€"),
        ("en", "USD", "$1,234.50"),
        ("fr", "USD", "1\u202f234,50\u00a0$US"),
    ],
)
def test_an_amount_reads_in_the_visitors_language_and_the_festivals_currency(app, locale, currency, shown):
    """Canadian dollars are plainly "$" in Canadian English and French; other currencies say whose dollar; none is a dash."""
    with app.test_request_context(), force_locale(locale):
        assert format_money(Decimal("1234.50"), Festival(currency=currency)) == shown
        assert format_money(None) == "–"


def test_without_a_festival_the_default_currency_is_used(app):
    """Outside any festival's page (and with no festival given), amounts are in the default currency, CAD."""
    with app.test_request_context(), force_locale("en"):
        assert format_money(Decimal("12.5")) == "$12.50"


def test_the_entries_page_shows_money_in_english_and_french(season, users, staff_client):
    """The entries list: fee and paid in the festival's currency, as the visitor reads it."""
    url = "/festivals/spring-2027/entries/"
    html = page(staff_client.get(url))
    row = html.split(f'data-entry="{season["spring-2027"]["entry"]}"')[1].split("</tr>")[0]
    assert "$12.50" in row and "$1,234.50" in row
    french = in_french(staff_client, url)
    row = french.split(f'data-entry="{season["spring-2027"]["entry"]}"')[1].split("</tr>")[0]
    assert "12,50\u00a0$" in row and "1\u00a0234,50\u00a0$" in row
    assert "12.50" not in row


def test_the_class_page_shows_the_fee_in_english_and_french(season, users, staff_client):
    """A class's fee on its page."""
    url = f"/festivals/spring-2027/classes/{season['spring-2027']['class']}"
    assert "$12.50" in page(staff_client.get(url))
    assert "12,50\u00a0$" in in_french(staff_client, url)


def test_a_festival_in_euros_shows_euros(season, users, staff_client):
    """Same amounts, another festival's currency: the entries list and the class page say €."""
    html = page(staff_client.get("/festivals/paris-2027/entries/"))
    assert "€12.50" in html and "€1,234.50" in html and "$" not in html.split('id="entries"')[-1].split("</table>")[0]
    french = in_french(staff_client, f"/festivals/paris-2027/classes/{season['paris-2027']['class']}")
    assert "12,50\u00a0€" in french


def admin_row(html: str, entry_id: int) -> str:
    """Return the admin list's row of an entry."""
    return re.split(rf'<td class="col-id">\s*{entry_id}\b', html)[1].split("</tr>")[0]


def test_the_admin_entries_list_shows_each_rows_festival_currency(season, users, organizer_client):
    """The admin's list mixes festivals: each row in its own festival's currency, in the visitor's language."""
    html = page(organizer_client.get("/admin/entry/"))
    assert "$12.50" in admin_row(html, season["spring-2027"]["entry"])
    assert "$1,234.50" in admin_row(html, season["spring-2027"]["entry"])
    assert "€12.50" in admin_row(html, season["paris-2027"]["entry"])
    french = in_french(organizer_client, "/admin/entry/")
    assert "1\u00a0234,50\u00a0$" in admin_row(french, season["spring-2027"]["entry"])
    assert "1\u202f234,50\u00a0€" in admin_row(french, season["paris-2027"]["entry"])
    classes = page(organizer_client.get("/admin/classes/"))
    assert "12,50\u00a0$" in classes and "12,50\u00a0€" in classes


def test_the_admin_export_keeps_plain_numbers(season, users, organizer_client):
    """A file is for adding up: the admin's entries export writes 12.50, no symbol."""
    response = organizer_client.get("/admin/entry/export/csv/")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["Fee"] for row in rows} == {"12.50"}
    assert {row["Amount paid"] for row in rows} == {"1234.50"}


# --- the setting


def test_a_festival_takes_its_currency_from_the_form(app, users, organizer_client):
    """Typed in lower case it is kept as the ISO code; left out, a new festival is in Canadian dollars."""
    response = post_form(organizer_client, "/festivals/new", {**FORM, "currency": " eur "})
    assert response.status_code == 303
    assert db.session.scalar(select(Festival.currency).where(Festival.slug == "autumn-festival-2027")) == "EUR"
    post_form(organizer_client, "/festivals/new", {**FORM, "name": "Winter 2027"})
    assert db.session.scalar(select(Festival.currency).where(Festival.slug == "winter-2027")) == "CAD"
    assert "EUR" in page(organizer_client.get("/festivals/autumn-festival-2027/"))


@pytest.mark.parametrize("wrong", ["ABC", "DOLLARS", "$", "12"])
def test_a_wrong_currency_is_refused_by_the_form(app, users, organizer_client, wrong):
    """A code Babel does not know is refused next to the field, in the page's language; nothing is saved."""
    response = post_form(organizer_client, "/festivals/new", {**FORM, "currency": wrong})
    assert response.status_code == 200
    html = page(response)
    assert "Give the currency as its three-letter code" in html or "Field cannot be longer than 3 characters" in html
    assert db.session.scalar(select(func.count(Festival.id))) == 0


def test_a_wrong_currency_is_refused_in_french_and_on_edit(app, users, organizer_client):
    """Editing a festival to an unknown code keeps its currency; the refusal reads in French."""
    make_festival("spring-2027", currency="EUR")
    db.session.commit()
    in_french(organizer_client, "/festivals/spring-2027/edit")
    data = {**FORM, "name": "Spring Festival 2027", "slug": "spring-2027", "currency": "XYZ"}
    response = post_form(organizer_client, "/festivals/spring-2027/edit", data)
    assert response.status_code == 200 and "Donnez la devise par son code à trois lettres" in page(response)
    db.session.expire_all()
    assert db.session.scalar(select(Festival.currency).where(Festival.slug == "spring-2027")) == "EUR"
    post_form(organizer_client, "/festivals/spring-2027/edit", {**data, "currency": "usd"})
    db.session.expire_all()
    assert db.session.scalar(select(Festival.currency).where(Festival.slug == "spring-2027")) == "USD"


def test_the_admin_and_the_command_line_refuse_a_wrong_currency(app, users, admin_client):
    """The festival admin checks the code as the pages do; `festival create --currency` too (usage error, exit 2)."""
    data = {**FORM, "name": "Winter Gala", "currency": "ZZZ"}
    bad = post_form(admin_client, "/admin/festival/new/", data, token_from="/admin/festival/new/", follow_redirects=True)
    assert "Give the currency as its three-letter code" in flashed(bad)
    assert db.session.scalar(select(func.count(Festival.id))) == 0
    good = post_form(admin_client, "/admin/festival/new/", {**data, "currency": "gbp"}, token_from="/admin/festival/new/")
    assert good.status_code == 302, flashed(good)
    assert db.session.scalar(select(Festival.currency).where(Festival.slug == "winter-gala")) == "GBP"
    args = ["festival", "create", "--name", "Spring", "--year", "2027", "--start", "2027-04-10", "--end", "2027-04-18",
            "--cutoff", "2026-12-31"]
    result = app.test_cli_runner().invoke(args=[*args, "--currency", "QQQ"])
    assert result.exit_code == 2 and "currency" in result.output
    result = app.test_cli_runner().invoke(args=[*args, "--currency", "eur"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Festival.currency).where(Festival.slug == "spring")) == "EUR"


def test_a_roll_over_keeps_the_currency_and_the_festival_page_shows_it(app, users, organizer_client):
    """Next season is proposed in the same currency; the festival page's fee facts are in it."""
    from mfo.syllabus.services import next_season

    festival = make_festival("spring-2027", currency="EUR")
    make_entry(make_class(festival, "1", fee=Decimal("20.00")), [make_person("Ann", "Lee")], amount_paid=Decimal("5.00"))
    db.session.commit()
    assert next_season(festival).currency == "EUR"
    html = page(organizer_client.get("/festivals/spring-2027/"))
    assert "€20.00" in html and "€5.00" in html and 'id="currency">EUR<' in html
