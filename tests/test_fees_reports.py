"""The fees reports: invoices with balances, payments by day and method, outstanding balances; who may read them."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.reports.catalogue import REPORTS
from tests.admin_helpers import page, sign_in, user_with_permissions
from tests.invoice_helpers import add_invoices, build_billing
from tests.reports_helpers import BASE, SLUG, csv_rows, table_column, xlsx_rows

FEES_REPORT_NAMES = ("invoices", "payments", "outstanding")


@pytest.fixture
def billing(app):
    """The reports' season with three invoices and their payments (tests.invoice_helpers)."""
    return build_billing()


def by_number(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Return CSV rows keyed by their invoice number."""
    return {row["Invoice"]: row for row in rows}


def test_the_fees_reports_follow_the_others_in_the_catalogue():
    """The three fees reports are declared after the eight others, each needing fees-read."""
    assert tuple(REPORTS)[-3:] == FEES_REPORT_NAMES
    assert all(REPORTS[name].permissions == ("fees-read",) for name in FEES_REPORT_NAMES)


# --- Invoices


def test_the_invoices_report_lists_each_invoice_with_its_payer_performers_and_sums(billing, organizer_client):
    """Number, payer (their own profile's name, else the account's), email, performers, total, paid (refunds off), balance."""
    rows = by_number(csv_rows(organizer_client.get(f"{BASE}/reports/invoices.csv")))
    assert list(rows) == ["SPR-0001", "SPR-0002", "SPR-0003"]  # not the other festival's AUT-0001
    first = rows["SPR-0001"]
    assert first["Payer"] == "Pat Lee" and first["Payer's email"] == "family@example.org"
    assert first["Performers"] == "Ann Lee; Bob Zed"  # Ann's entry and the Lee Duo's, each name once
    assert (first["Total"], first["Paid"], first["Balance"]) == ("35.00", "14.00", "21.00")
    second = rows["SPR-0002"]
    assert second["Payer"] == "Sam Other" and second["Performers"] == "Chloé Émond"
    assert (second["Total"], second["Paid"], second["Balance"]) == ("0.30", "0.30", "0.00")
    third = rows["SPR-0003"]
    assert third["Payer"] == "" and third["Payer's email"] == "emond@example.org"
    assert (third["Total"], third["Paid"], third["Balance"]) == ("0.00", "10.00", "-10.00")


def test_the_balance_filter_keeps_what_is_due_settled_or_owed_back(billing, organizer_client):
    """0.10 + 0.20 paid with 0.30 is settled, not a few billionths due (sums compared to the cent)."""

    def numbers(choice: str) -> list[str]:
        return list(by_number(csv_rows(organizer_client.get(f"{BASE}/reports/invoices.csv?balance={choice}"))))

    assert numbers("due") == ["SPR-0001"]
    assert numbers("settled") == ["SPR-0002"]
    assert numbers("credit") == ["SPR-0003"]
    assert numbers("nonsense") == ["SPR-0001", "SPR-0002", "SPR-0003"]  # an unknown choice is no filter


def test_invoices_sort_by_balance_and_payer_and_search_by_number_or_performer(billing, organizer_client):
    """Sortable by any number column, by payer; the search reads invoice numbers and performers' names, accents aside."""

    def numbers(query: str) -> list[str]:
        return table_column(page(organizer_client.get(f"{BASE}/reports/invoices?{query}")), "number")

    assert numbers("sort=balance&order=desc") == ["SPR-0001", "SPR-0002", "SPR-0003"]
    assert numbers("sort=balance") == ["SPR-0003", "SPR-0002", "SPR-0001"]
    assert numbers("sort=payer") == ["SPR-0003", "SPR-0001", "SPR-0002"]  # "", Pat Lee, Sam Other
    assert numbers("q=0002") == ["SPR-0002"]
    assert numbers("q=chloe") == ["SPR-0002", "SPR-0003"]  # a registration line's person, an entry's performer
    assert numbers("q=bob") == ["SPR-0001"]
    assert numbers("q=%25") == []  # wildcards are literal


def test_the_invoices_page_shows_money_in_the_festivals_currency_with_totals(billing, organizer_client):
    """Cells and the totals row as money ($, or French's 21,00 $); files keep plain numbers."""
    html = page(organizer_client.get(f"{BASE}/reports/invoices"))
    assert table_column(html, "balance") == ["$21.00", "$0.00", "-$10.00"]
    assert 'data-total="total">$35.30<' in html and 'data-total="paid">$24.30<' in html and 'data-total="balance">$11.00<' in html
    french = page(organizer_client.get(f"{BASE}/reports/invoices", headers={"Accept-Language": "fr"}))
    assert "Factures" in french and "21,00\xa0$" in french and "Solde dû" in french


def test_readers_without_people_read_see_payers_but_not_their_contacts(billing, app):
    """fees-read alone: the payer's name and the sums, never an email or a phone number, on pages or in files."""
    email = user_with_permissions("treasurer@example.org", "treasurer", {"festival-read", "fees-read"})
    client = sign_in(app, email)
    for name in ("invoices", "outstanding"):
        for suffix in ("", ".csv", ".xlsx"):
            response = client.get(f"{BASE}/reports/{name}{suffix}")
            assert response.status_code == 200
            body = response.get_data()
            assert b"family@example.org" not in body and b"555 0101" not in body, (name, suffix)
    rows = by_number(csv_rows(client.get(f"{BASE}/reports/outstanding.csv")))
    assert rows["SPR-0001"]["Payer"] == "Pat Lee" and "Payer's email" not in rows["SPR-0001"]


# --- Outstanding


def test_outstanding_lists_only_balances_owed_with_the_payers_contact(billing, organizer_client):
    """One invoice still owes: its payer's email and phone, the last payment's date, the balance due."""
    rows = csv_rows(organizer_client.get(f"{BASE}/reports/outstanding.csv"))
    assert [row["Invoice"] for row in rows] == ["SPR-0001"]
    row = rows[0]
    assert row["Payer"] == "Pat Lee" and row["Payer's email"] == "family@example.org" and row["Payer's phone"] == "555 0101"
    assert row["Last payment"] == "2027-03-02" and row["Balance due"] == "21.00" and row["Performers"] == "Ann Lee; Bob Zed"


def test_outstanding_xlsx_has_typed_money_and_dates(billing, organizer_client):
    """In the workbook, money and dates are typed cells a spreadsheet adds up."""
    from datetime import datetime

    (row,) = xlsx_rows(organizer_client.get(f"{BASE}/reports/outstanding.xlsx").data)
    assert row["Balance due"] == 21 and isinstance(row["Balance due"], float | int)
    assert row["Last payment"] == datetime(2027, 3, 2)


# --- Payments


def test_payments_by_day_and_method_count_refunds_as_negative(billing, organizer_client):
    """One row per day and method; refunds counted apart and taken off the net; totals over every row."""
    rows = [(r["Date"], r["Payment method"], r["Payments"], r["Refunds"], r["Received"], r["Refunded"], r["Net"])
            for r in csv_rows(organizer_client.get(f"{BASE}/reports/payments.csv?sort=net"))]
    assert sorted(rows) == [
        ("2027-03-01", "Bank transfer", "2", "0", "20.00", "0.00", "20.00"),
        ("2027-03-01", "Cash", "1", "0", "5.00", "0.00", "5.00"),
        ("2027-03-02", "Card (terminal)", "1", "0", "0.30", "0.00", "0.30"),
        ("2027-03-02", "Cash", "0", "1", "0.00", "-1.00", "-1.00"),
    ]
    assert [row[-1] for row in rows] == ["-1.00", "0.30", "5.00", "20.00"]  # sorted by net
    html = page(organizer_client.get(f"{BASE}/reports/payments"))
    assert 'data-total="net">$24.30<' in html and 'data-total="received">$25.30<' in html
    assert 'data-total="refunded">-$1.00<' in html and 'data-total="payments">4<' in html
    assert table_column(html, "method") == ["Bank transfer", "Cash", "Cash", "Card (terminal)"]  # by date, then first payment


def test_payments_filter_by_method_and_search_references(billing, organizer_client):
    """The method filter and a search in the payments' references narrow the rows."""
    cash = csv_rows(organizer_client.get(f"{BASE}/reports/payments.csv?method=cash"))
    assert [(r["Date"], r["Net"]) for r in cash] == [("2027-03-01", "5.00"), ("2027-03-02", "-1.00")]
    found = csv_rows(organizer_client.get(f"{BASE}/reports/payments.csv?q=terminal"))
    assert [r["Payment method"] for r in found] == ["Card (terminal)"]


def test_payment_methods_read_in_french(billing, organizer_client):
    """Headings and method labels in the reader's language, in files too."""
    text = organizer_client.get(f"{BASE}/reports/payments.csv", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Virement bancaire" in text and "Espèces" in text and "Remboursements" in text


# --- Sums and queries


def test_sums_are_exact_decimals_over_many_rows(billing, organizer_client):
    """Forty more invoices of 0.10 + 0.20, each paid 0.10: totals to the cent, and none settled by a float's error."""
    add_invoices(billing.season.festival_id, 40)
    html = page(organizer_client.get(f"{BASE}/reports/invoices"))
    assert 'data-total="total">$47.30<' in html  # 35.30 + 40 x 0.30
    assert 'data-total="paid">$28.30<' in html and 'data-total="balance">$19.00<' in html
    due = csv_rows(organizer_client.get(f"{BASE}/reports/invoices.csv?balance=due"))
    assert len(due) == 41 and {row["Balance"] for row in due} == {"21.00", "0.20"}
    payments = page(organizer_client.get(f"{BASE}/reports/payments"))
    assert 'data-total="net">$28.30<' in payments


def test_every_fees_report_runs_as_many_queries_whatever_its_size(billing, organizer_client):
    """Each page and export runs the same number of SQL statements with 3 invoices and with 33."""
    from tests.test_database import recorded_queries

    urls = [f"{BASE}/reports/{name}{suffix}" for name in FEES_REPORT_NAMES for suffix in ("", ".csv", ".xlsx")]

    def counts() -> dict[str, int]:
        found = {}
        for url in urls:
            organizer_client.get(url)  # warm up
            with recorded_queries() as statements:
                assert organizer_client.get(url).status_code == 200
            found[url] = len(statements)
        return found

    small = counts()
    add_invoices(billing.season.festival_id, 30)
    assert counts() == small
    # Sign-in (user, roles), the festival, totals, the rows, their performers; an export also writes its audit event.
    assert max(count for url, count in small.items() if not url.endswith((".csv", ".xlsx"))) <= 8, small
    assert max(small.values()) <= 12, small


# --- Who may read them


@pytest.mark.parametrize("role", ("staff", "end-user"))
def test_staff_and_entrants_may_not_open_the_fees_reports(billing, client_for, role):
    """Without fees-read: 403 on every page and export, and the reports index does not list them."""
    client = client_for(role)
    for name in FEES_REPORT_NAMES:
        for suffix in ("", ".csv", ".xlsx"):
            assert client.get(f"{BASE}/reports/{name}{suffix}").status_code == 403, (role, name, suffix)
    if role == "staff":
        html = page(client.get(f"{BASE}/reports/"))
        assert 'data-report="entries"' in html and 'data-report="invoices"' not in html


def test_organizers_see_the_fees_reports_in_the_index(billing, organizer_client):
    """The index lists the three fees reports to holders of fees-read."""
    html = page(organizer_client.get(f"{BASE}/reports/"))
    assert all(f'data-report="{name}"' in html for name in FEES_REPORT_NAMES)


def test_anonymous_visitors_are_sent_to_sign_in(billing, anon_client):
    """No page or export of the fees reports without signing in."""
    response = anon_client.get(f"{BASE}/reports/invoices.csv")
    assert response.status_code == 302 and "/login" in response.location


def test_a_fees_export_is_recorded_in_the_audit_trail(billing, organizer_client):
    """Who took a copy of the invoices, with personal data."""
    organizer_client.get(f"{BASE}/reports/invoices.csv?balance=due")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report-exported")).one()
    details = json.loads(event.details)
    assert details["report"] == "invoices" and details["rows"] == 1 and details["personal_data"] is True


# --- Command line


def test_the_invoices_report_from_the_command_line(billing, app):
    """`flask --app mfo reports invoices --festival SLUG --format csv` writes every invoice with its contact."""
    result = app.test_cli_runner().invoke(args=["reports", "invoices", "--festival", SLUG, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = by_number(list(csv.DictReader(io.StringIO(result.stdout))))
    assert list(rows) == ["SPR-0001", "SPR-0002", "SPR-0003"]
    assert rows["SPR-0001"]["Balance"] == "21.00" and rows["SPR-0001"]["Payer's email"] == "family@example.org"
    assert Decimal(rows["SPR-0003"]["Balance"]) == Decimal("-10.00")


@pytest.mark.parametrize("name", ("payments", "outstanding"))
def test_the_other_fees_reports_from_the_command_line(billing, app, tmp_path, name):
    """payments and outstanding export too, as CSV and as XLSX to a file."""
    result = app.test_cli_runner().invoke(args=["reports", name, "--festival", SLUG, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == (4 if name == "payments" else 1)
    target = tmp_path / f"{name}.xlsx"
    result = app.test_cli_runner().invoke(args=["reports", name, "--festival", SLUG, "--format", "xlsx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"PK")
