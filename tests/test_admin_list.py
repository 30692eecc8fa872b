"""The admin's lean list template: the same page as Flask-Admin's, rows in one loop, one CSRF token, named checkboxes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import flask_admin
import pytest
from jinja2 import ChoiceLoader, DictLoader

from mfo.database import db
from mfo.people.models import Group
from tests.admin_helpers import fresh_user, page, user_id
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_school
from tests.test_database import recorded_queries

# Flask-Admin's own list template, which ours replaces under the same name.
STOCK_LIST = Path(flask_admin.__file__).parent / "templates" / "bootstrap4" / "admin" / "model" / "list.html"


def body_rows(html: str) -> list[str]:
    """Return the table rows of a list page after its header."""
    table = html.split("</thead>", 1)[1].split("</table>", 1)[0]
    return [row.split("</tr>", 1)[0] for row in table.split("<tr>")[1:]]


def cells(row: str) -> list[tuple[str, str]]:
    """Return a row's data cells as (class, text with whitespace collapsed), the row's buttons and checkbox left out."""
    found = re.findall(r'<td class="(col-[^"]+)">(.*?)</td>', row, re.S)
    return [(name, " ".join(re.sub(r"<[^>]+>", " ", text).split())) for name, text in found]


def buttons(row: str) -> list[str]:
    """Return the links and delete forms a row offers, with their targets."""
    links = re.findall(r'<a class="icon" href="([^"]+)"', row)
    deletes = re.findall(r'<form class="icon" method="POST" action="([^"]+)">\s*<input id="id" name="id" type="hidden" value="(\d+)">', row)
    return links + [f"{action} {record}" for action, record in deletes]


def checkbox_values(html: str) -> list[str]:
    """Return the record ids of the rows' checkboxes, in order."""
    return re.findall(r'<input type="checkbox" name="rowid" class="action-checkbox" value="([^"]+)"', html)


def render_with_stock_template(app, client, path: str) -> str:
    """GET a users list page rendered by Flask-Admin's own list template instead of ours."""
    with pytest.MonkeyPatch.context() as patch:
        loader = ChoiceLoader([DictLoader({"stock/model/list.html": STOCK_LIST.read_text()}), app.jinja_env.loader])
        patch.setattr(app.jinja_env, "loader", loader)
        view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "user")
        patch.setattr(view, "list_template", "stock/model/list.html")
        return page(client.get(path))


def many_users(count: int = 12) -> None:
    """Add users with names, a role each, one of them invited and one locked (cells with formatters)."""
    for n in range(count):
        create_user(f"listed{n:02}@example.org", ("staff",) if n % 2 else ("end-user",), name=f"Listed <b>{n}</b>")


def test_lean_list_shows_what_flask_admins_list_shows(app, admin_client, users):
    """Every row has the same cells, buttons and checkbox as with Flask-Admin's own template, in the same order."""
    many_users()
    path = "/admin/user/?page_size=100"
    ours = page(admin_client.get(path))
    theirs = render_with_stock_template(app, admin_client, path)
    assert 'aria-label="Select admin@example.org"' in ours and "aria-label=\"Select admin" not in theirs  # two templates
    our_rows, their_rows = body_rows(ours), body_rows(theirs)
    assert len(our_rows) == len(their_rows) == len(users) + 12
    for mine, stock in zip(our_rows, their_rows, strict=True):
        assert cells(mine) == cells(stock)
        assert buttons(mine) == buttons(stock)
        assert len(buttons(mine)) in (2, 3)  # view, and edit and delete where allowed
    assert checkbox_values(ours) == checkbox_values(theirs)
    # The page around the table: the same menu, filters, pager and action form.
    for part in ('id="action_form"', 'class="nav nav-tabs"', 'id="filter-groups-data"', 'name="search"', "Add Filter", "pagination"):
        assert (part in ours) == (part in theirs), part
    cells_of_row = [name for name, _text in cells(our_rows[0])]
    assert cells_of_row == [
        "col-email", "col-name", "col-roles", "col-active", "col-invited_at", "col-confirmed_at", "col-current_login_at", "col-locked_until"
    ]


def test_names_are_escaped_in_cells_and_checkbox_labels(app, admin_client, users, monkeypatch):
    """A name with markup, in a cell and in a row's name (a view naming rows by name), is shown as text."""
    create_user("markup@example.org", ("staff",), name='<img src=x onerror=alert(1)>"')
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "user")
    monkeypatch.setattr(view, "row_label", lambda row: row.name or row.email)
    html = page(admin_client.get("/admin/user/?page_size=100"))
    assert "<img src=x" not in html
    assert '<td class="col-name">&lt;img src=x onerror=alert(1)&gt;&#34;</td>' in html
    assert 'aria-label="Select &lt;img src=x onerror=alert(1)&gt;&#34;"' in html


def test_each_row_checkbox_is_named_after_its_row(app, admin_client, users):
    """A row's checkbox says which record it selects (for users, the email); no header cell is empty."""
    many_users()
    html = page(admin_client.get("/admin/user/?page_size=100"))
    rows = body_rows(html)
    assert len(rows) == len(users) + 12
    for row in rows:
        email = cells(row)[0][1]
        label = re.search(r'class="action-checkbox"[^>]*aria-label="([^"]*)"', row).group(1)
        assert label == f"Select {email}"
    headers = re.findall(r"<th\b[^>]*>(.*?)</th>", html.split("</thead>")[0], re.S)
    assert len(headers) == 2 + 8
    assert 'aria-label="Select all records"' in headers[0]
    for header in headers[1:]:
        assert re.sub(r"<[^>]+>", "", header).strip(), header


def test_checkbox_names_and_header_text_are_french_in_french(app, admin_client, users):
    """In French the checkbox names and the buttons column's header are French."""
    fresh = fresh_user(users["admin"])
    fresh.locale = "fr"
    db.session.commit()
    html = page(admin_client.get("/admin/user/"))
    assert 'aria-label="Sélectionner admin@example.org"' in html
    assert 'aria-label="Sélectionner tous les enregistrements"' in html
    assert '<span class="sr-only">Actions</span>' in html


def test_every_csrf_token_on_the_list_is_one_token_and_it_deletes_the_row(app, admin_client, users):
    """The page carries a single CSRF token (in every row's delete form and the action form); a row's form deletes its user."""
    many_users()
    html = page(admin_client.get("/admin/user/?page_size=100"))
    tokens = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert len(tokens) >= len(users) + 12  # a delete form per row the admin may change, and the action form
    assert len(set(tokens)) == 1
    victim = user_id("listed03@example.org")
    row = next(row for row in body_rows(html) if f'value="{victim}"' in row)
    form = re.search(r'<form class="icon" method="POST" action="([^"]+)">(.*?)</form>', row, re.S)
    fields = dict(re.findall(r'<input id="[^"]*" name="([^"]+)" type="hidden" value="([^"]*)">', form.group(2)))
    fields["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.group(2)).group(1)
    assert fields["id"] == str(victim)
    response = admin_client.post(form.group(1), data=fields)
    assert response.status_code == 302
    assert fresh_user("listed03@example.org") is None
    # The same token sent with another record but altered is refused, and nothing is deleted.
    other = user_id("listed04@example.org")
    refused = admin_client.post(form.group(1), data={**fields, "id": str(other), "csrf_token": fields["csrf_token"][:-2] + "xx"})
    assert refused.status_code == 400
    assert fresh_user("listed04@example.org") is not None


def test_buttons_follow_each_rows_rights_when_rows_share_roles(app, organizer_client, users):
    """An organizer's answer for a role set is reused on the page, never carried to a row with other roles."""
    for n in range(6):
        create_user(f"staffer{n}@example.org", ("staff",))
        create_user(f"boss{n}@example.org", ("admin",))
    html = page(organizer_client.get("/admin/user/?page_size=100"))
    for n in range(6):
        assert f"/admin/user/edit/?id={user_id(f'staffer{n}@example.org')}&" in html
        assert f"/admin/user/edit/?id={user_id(f'boss{n}@example.org')}&" not in html
        assert f'name="id" type="hidden" value="{user_id(f"boss{n}@example.org")}"' not in html


def test_list_pages_of_other_views_render_with_the_lean_template(app, admin_client, users):
    """Roles and the audit trail use the same list template, with their own columns."""
    roles = page(admin_client.get("/admin/role/"))
    assert re.search(r'<td class="col-name">\s*admin\s*</td>', roles)
    assert '<th><span class="sr-only">Actions</span></th>' in roles  # ours: Flask-Admin's header cell is empty
    audit = page(admin_client.get("/admin/audit/"))
    assert body_rows(audit) and all(cells(row) for row in body_rows(audit))


def test_empty_list_says_so(app, admin_client, users):
    """A search that finds nobody shows Flask-Admin's empty-list message in one wide cell."""
    html = page(admin_client.get("/admin/user/?search=nobody-at-all"))
    assert re.search(r'<td colspan="999">\s*<div class="text-center">\s*There are no items in the table.\s*</div>', html)


@pytest.mark.parametrize("view", ["entry", "classes", "persons", "groups"])
def test_festival_lists_read_no_more_queries_with_more_rows(app, admin_client, users, view):
    """The festival features' admin lists, through the lean template, read as many queries for 3 rows as for 15."""
    counts = []
    for size in (3, 15):
        festival = make_festival(f"f{size}")
        school = make_school(f"School {size}")
        for n in range(size):
            people = [make_person(f"P{n}", f"Size{size}", date(2010, 1, 1), school_id=school.id) for _ in range(2)]
            group = Group(name=f"G{size}-{n}", name_key=f"g{size} {n}", school_id=school.id, contact_id=people[0].id, members=people)
            db.session.add(group)
            db.session.flush()
            make_entry(make_class(festival, f"{n + 100}", f"Duet {n}"), people, group_id=group.id)
        db.session.commit()
        url = f"/admin/{view}/?page_size=100"
        admin_client.get(url)
        with recorded_queries() as statements:
            html = page(admin_client.get(url))
        assert len(body_rows(html)) >= size
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
