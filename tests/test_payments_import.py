"""A bank statement imported as payments: lines matched to invoices by number, recorded once, shown when they cannot be."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.fees.importing import CODES, line_digest, number_key, numbers_in
from mfo.fees.models import Invoice, InvoiceLine, Payment
from mfo.fees.payments import record_payment
from mfo.imports import jobs
from mfo.imports.models import ImportBatch
from mfo.imports.plan import RowResult
from mfo.imports.undo import blockers, undo
from tests.admin_helpers import page
from tests.conftest import create_user
from tests.festival_helpers import make_festival
from tests.helpers import post_form
from tests.import_helpers import SLUG, confirm, csv_bytes, import_file, imports_url, plan_file, preview, run_cli, upload, uploaded_batch_id

HEADERS = ["date", "amount", "reference", "payer"]


@pytest.fixture(autouse=True)
def _jobs_finish():
    """Every background job of a test ends before its database is emptied."""
    yield
    jobs.wait_for_threads()


def statement(*lines: tuple[str, str, str, str]) -> bytes:
    """Return bank lines (date, amount, reference, payer) as a CSV statement."""
    return csv_bytes([dict(zip(HEADERS, line, strict=True)) for line in lines], HEADERS)


def make_invoice(festival, number: str, owed: str, email: str | None = None) -> Invoice:
    """Add an invoice of one entry line (its payer a new account when an email is given)."""
    user = create_user(email) if email else None
    invoice = Invoice(festival_id=festival.id, number=number, user_id=getattr(user, "id", None))
    invoice.lines.append(InvoiceLine(kind="entry", description="101 Piano Solo", amount=Decimal(owed)))
    db.session.add(invoice)
    db.session.flush()
    return invoice


def festival_with_invoices():
    """A festival with two invoices: INV-2027-0001 owes 45.00, INV-2027-0002 owes 30.00 (committed)."""
    festival = make_festival()
    first = make_invoice(festival, "INV-2027-0001", "45.00")
    second = make_invoice(festival, "INV-2027-0002", "30.00")
    db.session.commit()
    return festival, first, second


def payments_of(invoice: Invoice | int) -> list[Payment]:
    """Return an invoice's payments (the invoice or its id), fresh from the database."""
    invoice_id = invoice if isinstance(invoice, int) else invoice.id
    return list(db.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)))


def codes(plan) -> list[tuple[int, str]]:
    """Return the (row, code) of every issue of a plan."""
    return [(issue.row, issue.code) for issue in plan.issues]


# --- Finding an invoice number in a reference -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "found"),
    [
        ("INV-2027-0012 Smith", {"INV20270012"}),
        ("facture inv 2027 0012", {"INV20270012"}),
        ("Festival fees INV2027/0012.", {"INV20270012"}),
        ("INV-2027-00123", set()),  # a longer number is another number
        ("X2027-0012", set()),  # runs of letters are whole too
        ("INV-2027-0012 and INV-2027-0013", {"INV20270012", "INV20270013"}),
        ("", set()),
    ],
)
def test_an_invoice_number_is_found_as_whole_runs_of_letters_and_digits(reference, found):
    """Case, spaces, dashes and slashes aside; a number inside a longer run of digits or letters is not found."""
    known = {number_key("INV-2027-0012"), number_key("INV-2027-0013")}
    assert numbers_in(reference, known) == found


def test_a_number_that_is_part_of_a_longer_one_found_at_the_same_place_is_that_ones():
    """"2027" is an invoice number of its own, yet in "INV-2027-0012" it is part of the longer one."""
    assert numbers_in("INV 2027 0012", {"2027", "INV20270012"}) == {"INV20270012"}
    assert numbers_in("2027 and INV 2027 0012", {"2027", "INV20270012"}) == {"2027", "INV20270012"}


def test_the_digest_ignores_spacing_and_tells_lines_apart():
    """The same line spaced otherwise has the same digest; another payer or amount another one."""
    day = date(2027, 3, 2)
    one = line_digest(day, Decimal("45.00"), "INV-1  Smith", "J SMITH")
    assert one == line_digest(day, Decimal("45.00"), "INV-1 Smith", " J  SMITH ") and one.startswith("bank:")
    assert one != line_digest(day, Decimal("45.00"), "INV-1 Smith", "R SMITH")
    assert one != line_digest(day, Decimal("46.00"), "INV-1 Smith", "J SMITH")
    assert len(one) <= Payment.__table__.c.external_id.type.length


# --- The plan and what it records -----------------------------------------------------------------------------------


def test_a_line_naming_an_invoice_is_recorded_as_a_transfer_on_it(app):
    """Two lines, two invoices: each a transfer received on the line's date, its digest kept, the import named."""
    festival, first, second = festival_with_invoices()
    data = statement(("2027-03-02", "45.00", "INV-2027-0001 Smith", "J SMITH"), ("03/03/2027", "10,00 $", "inv 2027 0002", "R ROY"))
    plan = plan_file(festival, "payments", data)
    assert (plan.created, plan.matched, plan.issues) == ({"payment": 2}, {}, [])
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    batch, _plan = import_file(festival, "payments", data)
    (paid,) = payments_of(first)
    assert (paid.method, paid.kind, paid.amount, paid.received_on) == ("transfer", "payment", Decimal("45.00"), date(2027, 3, 2))
    assert paid.external_id == line_digest(date(2027, 3, 2), Decimal("45.00"), "INV-2027-0001 Smith", "J SMITH")
    assert (paid.import_id, paid.reference) == (batch.id, "INV-2027-0001 Smith")
    (part,) = payments_of(second)
    assert (part.amount, part.received_on) == (Decimal("10.00"), date(2027, 3, 3))
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.balance, second.balance) == (Decimal("0.00"), Decimal("20.00"))
    recorded = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "payment-recorded")).all()
    assert sorted(event.target for event in recorded) == ["invoice INV-2027-0001", "invoice INV-2027-0002"]
    # No personal value in the trail: the payer's name is not there, nor the reference.
    assert not any("SMITH" in json.dumps(event.details).upper() for event in recorded)


def test_a_line_without_an_invoice_number_is_shown_and_not_recorded(app):
    """payment-unmatched: a warning, the row left out; another festival's invoice number is not this festival's."""
    festival, first, _second = festival_with_invoices()
    other = make_festival("autumn-2026", name="Autumn 2026")
    make_invoice(other, "AUT-0001", "20.00")
    db.session.commit()
    data = statement(
        ("2027-03-02", "45.00", "INV-2027-0001", "J SMITH"),
        ("2027-03-02", "20.00", "AUT-0001", "A ROY"),
        ("2027-03-04", "15.00", "festival donation", "B LEE"),
    )
    plan = plan_file(festival, "payments", data)
    assert codes(plan) == [(3, "payment-unmatched"), (4, "payment-unmatched")]
    assert plan.can_apply and plan.created == {"payment": 1}
    assert [r.outcome for r in plan.results] == ["created", "excluded", "excluded"]
    message = str(plan.issues[1].message)
    assert "not recorded" in message and "15.00" in message and "2027-03-04" in message
    import_file(festival, "payments", data)
    assert db.session.scalar(select(func.count(Payment.id))) == 1 and len(payments_of(first)) == 1


def test_a_reference_naming_two_invoices_is_not_shared_out(app):
    """payment-unmatched (several): the amount cannot be split between them, so nothing is recorded."""
    festival, _first, _second = festival_with_invoices()
    plan = plan_file(festival, "payments", statement(("2027-03-02", "75.00", "INV-2027-0001 + INV-2027-0002", "J SMITH")))
    (issue,) = plan.issues
    assert issue.code == "payment-unmatched" and "INV-2027-0001, INV-2027-0002" in str(issue.message)
    assert plan.created == {}


def test_more_than_the_balance_is_recorded_with_a_warning(app):
    """payment-over: counted against the balance left by the file's earlier lines; recorded, the invoice in credit."""
    festival, first, _second = festival_with_invoices()
    data = statement(("2027-03-02", "30.00", "INV-2027-0001", "J SMITH"), ("2027-03-09", "20.00", "INV-2027-0001", "J SMITH"))
    plan = plan_file(festival, "payments", data)
    assert codes(plan) == [(3, "payment-over")]
    assert "15.00" in str(plan.issues[0].message) and plan.can_apply
    import_file(festival, "payments", data)
    db.session.refresh(first)
    assert first.balance == Decimal("-5.00")


def test_the_same_statement_imported_again_records_nothing(app):
    """payment-duplicate: each line seen already is matched, not recorded again (an overlapping export adds the new)."""
    festival, first, _second = festival_with_invoices()
    line = ("2027-03-02", "20.00", "INV-2027-0001", "J SMITH")
    import_file(festival, "payments", statement(line))
    newer = ("2027-03-10", "25.00", "INV-2027-0001", "J SMITH")
    plan = plan_file(festival, "payments", statement(line, newer))
    assert codes(plan) == [(2, "payment-duplicate")] and (plan.created, plan.matched) == ({"payment": 1}, {"payment": 1})
    assert plan.results[0].outcome == "matched" and "imported already" in str(plan.issues[0].message)
    import_file(festival, "payments", statement(line, newer))
    assert [p.amount for p in payments_of(first)] == [Decimal("20.00"), Decimal("25.00")]


def test_a_line_twice_in_one_file_is_recorded_once(app):
    """payment-duplicate (file): the second copy names the first row; one payment."""
    festival, first, _second = festival_with_invoices()
    line = ("2027-03-02", "20.00", "INV-2027-0001", "J SMITH")
    plan = plan_file(festival, "payments", statement(line, line))
    assert codes(plan) == [(3, "payment-duplicate")] and "row 2" in str(plan.issues[0].message)
    import_file(festival, "payments", statement(line, line))
    assert len(payments_of(first)) == 1


def test_a_line_left_out_does_not_make_its_copy_a_duplicate(app):
    """The organizer leaves out the first copy: the second is then the one recorded."""
    festival, first, _second = festival_with_invoices()
    line = ("2027-03-02", "20.00", "INV-2027-0001", "J SMITH")
    plan = plan_file(festival, "payments", statement(line, line), excluded=[2])
    assert plan.issues == [] and plan.created == {"payment": 1} and plan.results[1].outcome == "created"


def test_a_payment_recorded_by_hand_is_not_a_duplicate(app):
    """Only the same bank line is a duplicate: a cheque of the same amount typed in by an organizer is another payment."""
    festival, first, _second = festival_with_invoices()
    record_payment(first, Decimal("20.00"), "cheque", date(2027, 3, 2), reference="INV-2027-0001")
    db.session.commit()
    plan = plan_file(festival, "payments", statement(("2027-03-02", "20.00", "INV-2027-0001", "J SMITH")))
    assert plan.created == {"payment": 1} and plan.issues == []


@pytest.mark.parametrize(
    ("amount", "problem"),
    [("-45.00", "negative"), ("(45.00)", "negative"), ("0.00", "zero"), ("forty", "unreadable"), ("1" * 60, "unreadable")],
)
def test_an_amount_that_is_not_a_positive_number_is_an_error(app, amount, problem):
    """payment-amount: a debit, zero or text blocks the file (nothing written) until the row is left out."""
    festival, first, _second = festival_with_invoices()
    data = statement(("2027-03-02", "45.00", "INV-2027-0001", "J SMITH"), ("2027-03-02", amount, "INV-2027-0002", "R ROY"))
    plan = plan_file(festival, "payments", data)
    (issue,) = plan.issues
    assert (issue.row, issue.code, issue.severity, issue.params["problem"]) == (3, "payment-amount", "error", problem)
    assert not plan.can_apply
    left_out = plan_file(festival, "payments", data, excluded=[3])
    assert left_out.can_apply and left_out.created == {"payment": 1}


def test_a_missing_or_unreadable_date_is_an_error(app):
    """The date says when the money came in: blank is missing-field, unreadable is bad-date."""
    festival, _first, _second = festival_with_invoices()
    plan = plan_file(festival, "payments", statement(("", "45.00", "INV-2027-0001", "J"), ("31/02/2027", "5.00", "INV-2027-0002", "R")))
    assert codes(plan) == [(2, "missing-field"), (3, "bad-date")] and not plan.can_apply


def test_an_overlong_reference_is_refused(app):
    """A reference far longer than any bank's is a bad value, not something to search (the work stays bounded)."""
    festival, _first, _second = festival_with_invoices()
    plan = plan_file(festival, "payments", statement(("2027-03-02", "45.00", "INV-2027-0001 " + "x" * 600, "J")))
    assert codes(plan) == [(2, "bad-value")]


# --- Undo -----------------------------------------------------------------------------------------------------------


def test_undo_removes_the_payments_the_import_recorded(app):
    """The balance is back as it was; a payment recorded by hand since stays."""
    festival, first, _second = festival_with_invoices()
    batch, _plan = import_file(festival, "payments", statement(("2027-03-02", "20.00", "INV-2027-0001", "J SMITH")))
    record_payment(first, Decimal("5.00"), "cash", date(2027, 3, 5))
    db.session.commit()
    assert blockers(batch) == []
    result = undo(batch)
    db.session.commit()
    assert result["deleted"] == {"payment": 1}
    assert [p.method for p in payments_of(first)] == ["cash"]
    db.session.refresh(first)
    assert first.balance == Decimal("40.00")
    # Undone, the same statement can be imported again.
    _again, plan = import_file(festival, "payments", statement(("2027-03-02", "20.00", "INV-2027-0001", "J SMITH")))
    assert plan.created == {"payment": 1}


# --- The command line -----------------------------------------------------------------------------------------------


def test_the_command_line_dry_run_prints_the_codes_and_writes_nothing(app, tmp_path):
    """`payments import --dry-run --json`: the plan with its codes; then the real run records and exits 0."""
    festival_with_invoices()
    data = statement(("2027-03-02", "45.00", "INV-2027-0001", "J SMITH"), ("2027-03-02", "9.00", "no number", "X"))
    dry = run_cli(app, tmp_path, "payments", data, "--festival", SLUG, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.output)
    assert report["created"] == {"payment": 1} and [i["code"] for i in report["issues"]] == ["payment-unmatched"]
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    result = run_cli(app, tmp_path, "payments", data, "--festival", SLUG)
    assert result.exit_code == 0 and "row 3: warning payment-unmatched" in result.output
    assert db.session.scalar(select(func.count(Payment.id))) == 1


def test_the_command_line_refuses_a_statement_with_a_debit(app, tmp_path):
    """Exit status 1 and the row's code; nothing recorded."""
    festival_with_invoices()
    data = statement(("2027-03-02", "45.00", "INV-2027-0001", "J SMITH"), ("2027-03-02", "-9.00", "bank fee", ""))
    result = run_cli(app, tmp_path, "payments", data, "--festival", SLUG)
    assert result.exit_code == 1 and "row 3: error payment-amount" in result.output
    assert db.session.scalar(select(func.count(Payment.id))) == 0


# --- The pages ------------------------------------------------------------------------------------------------------


def test_an_organizer_previews_confirms_and_undoes_a_statement_on_the_imports_page(app, users, organizer_client):
    """The kind is offered; the preview shows the codes' messages (kept on the batch, read back); confirm; undo."""
    first = festival_with_invoices()[1].id
    index = page(organizer_client.get(imports_url()))
    assert '<option value="payments">' in index
    data = statement(("2027-03-02", "45.00", "INV-2027-0001", "J SMITH"), ("2027-03-02", "9.00", "donation", "X"))
    batch_id = uploaded_batch_id(upload(organizer_client, data, "statement.csv", kind="payments"))
    preview(organizer_client, batch_id)
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert 'data-code="payment-unmatched"' in shown and "No invoice number of this festival" in shown
    french = page(organizer_client.get(imports_url(str(batch_id)), headers={"Accept-Language": "fr"}))
    assert "Aucun numéro de facture" in french
    confirm(organizer_client, batch_id)
    assert db.session.get(ImportBatch, batch_id).status == "applied" and len(payments_of(first)) == 1
    undone = post_form(organizer_client, imports_url(f"{batch_id}/undo"), token_from=imports_url(str(batch_id)))
    assert undone.status_code == 302 and payments_of(first) == []


def test_staff_without_fees_write_cannot_import_a_statement(app, users, organizer_client, staff_client):
    """Staff may not upload a statement nor open an organizer's."""
    festival_with_invoices()
    data = statement(("2027-03-02", "45.00", "INV-2027-0001", "J"))
    batch_id = uploaded_batch_id(upload(organizer_client, data, "s.csv", kind="payments"))
    assert upload(staff_client, data, "s.csv", kind="payments").status_code == 403
    assert staff_client.get(imports_url(str(batch_id))).status_code == 403
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_the_kinds_own_codes_are_kept_on_the_batch_and_read_back():
    """A preview stores codes as data: each payments code comes back with its own definition, not as a bad value."""
    for code in CODES:
        row = RowResult.from_data({"row": 2, "label": "", "outcome": "created", "records": [],
                                   "issues": [{"code": code, "row": 2, "params": {}, "class_code": None}]})
        assert row.issues[0].code == code and row.issues[0].definition is CODES[code]


# --- The benchmark --------------------------------------------------------------------------------------------------


def test_the_benchmark_previews_a_small_statement_and_writes_its_section(app, tmp_path):
    """bench.payments at 60 lines: the preview would record most lines, flags the planted ones; checked again, all are seen."""
    from bench import payments as bench

    result = bench.measure_here(60, runs=1)
    first, again = result["first"], result["again"]
    assert first["rows"] == 60 and first["created"]["payment"] == result["confirm"]["created"]["payment"] >= 50
    assert {"payment-over", "payment-unmatched", "payment-duplicate"} <= set(first["codes"])
    # Every line recorded is now on file, and the line twice in the file is matched as before.
    assert again["created"] == {} and again["matched"]["payment"] == first["created"]["payment"] + first["matched"]["payment"]
    assert db.session.scalar(select(func.count(Payment.id))) == first["created"]["payment"]
    doc = tmp_path / "payments.md"
    doc.write_text("# Payments\n\n" + bench.MARKER_START + "\nold\n" + bench.MARKER_END + "\n\nAfter.\n")
    results = {"measured_at": "2027-01-01 00:00", "cores": 2, "load_before": 0.5, "load_after": 0.5, "databases": {"sqlite": result}}
    bench.write_section(doc, bench.render(results, "make bench-payments"))
    text = doc.read_text()
    assert "old" not in text and "| SQLite | 60 |" in text and text.endswith("After.\n")


def test_a_kind_may_not_declare_a_validator_code_or_one_another_kind_declares():
    """kinds.collect stops the app at start-up: a code of the validator's, or the same code in two kinds."""
    from dataclasses import replace

    from mfo.feature import Feature
    from mfo.features import FeatureError
    from mfo.fees.importing import PAYMENTS
    from mfo.imports import kinds
    from mfo.issues.codes import CODES as VALIDATOR_CODES

    taken = replace(PAYMENTS, name="statements", codes={"bad-value": VALIDATOR_CODES["bad-value"]})
    with pytest.raises(FeatureError, match="bad-value"):
        kinds.collect([Feature(name="a", import_kinds=(taken,))])
    twice = replace(PAYMENTS, name="statements")
    with pytest.raises(FeatureError, match="payment-"):
        kinds.collect([Feature(name="a", import_kinds=(PAYMENTS, twice))])
    assert set(kinds.collect([Feature(name="a", import_kinds=(PAYMENTS,))])) == {"payments"}
