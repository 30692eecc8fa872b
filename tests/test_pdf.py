"""The PDF service: our templates only, autoescaped, bounded, offline (no URL outside the static folder), and a 503 without WeasyPrint."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jinja2
import pytest
from flask import render_template

from mfo.pdf import service
from mfo.pdf.service import PdfTooLarge, PdfUnavailable, pdf_html, render_document, render_pdf, static_path
from tests.admin_helpers import page
from tests.pdf_helpers import document_text

PROBE = "tests/pdf/probe.html"
PROBE_TEMPLATE = """{% extends "pdf/base.html" %}
{% block title %}Probe {{ number }}{% endblock %}
{% block content %}
  <h1>Probe {{ number }}</h1>
  <p>{{ value }}</p>
  {% for url in urls %}<img src="{{ url }}" alt="">{% endfor %}
  {% for _ in range(pages - 1) %}<p style="page-break-before: always">page</p>{% endfor %}
{% endblock %}"""


@pytest.fixture
def probe(app):
    """The app, with a PDF template of the tests' own (tests/pdf/probe.html) that shows given values and images."""
    app.jinja_env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({PROBE: PROBE_TEMPLATE}), app.jinja_env.loader])
    return app


@pytest.fixture
def listener():
    """A local HTTP server that counts the requests it receives: a PDF must never send it one."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            """Keep the test's output quiet."""

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()
    thread.join()


def probe_pdf(**context) -> bytes:
    """Render the probe template as PDF (inside a request, as a page would)."""
    context = {"number": "P-1", "value": "", "urls": [], "pages": 1, **context}
    return render_pdf(PROBE, **context)


def test_a_template_becomes_a_pdf_whose_pages_hold_its_text(probe):
    """The bytes are a PDF; the laid-out pages hold the template's text, the values filled in."""
    with probe.test_request_context():
        data = probe_pdf(number="P-42", value="Zoë Émond")
        document = render_document(PROBE, number="P-42", value="Zoë Émond", urls=[], pages=1)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = document_text(document)
    assert "Probe P-42" in text and "Zoë Émond" in text
    assert "1 / 1" in text  # the print stylesheet's page numbers


def test_values_are_escaped_never_markup(probe, listener):
    """A value holding HTML is text in the document: no element, no request to the address it names."""
    address, hits = listener
    evil = f'<img src="{address}/escaped.png"><script>alert(1)</script>'
    with probe.test_request_context():
        html = pdf_html(PROBE, number="P-1", value=evil, urls=[], pages=1)
        probe_pdf(value=evil)
    assert "&lt;img src=" in html and "<script>" not in html
    assert hits == []


def test_no_url_in_a_document_reaches_the_network_or_a_file_outside_the_static_folder(probe, listener, monkeypatch, tmp_path):
    """Network URLs and other files are refused before anything is opened; the static folder's files are read."""
    address, hits = listener
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for documents")
    asked: list[tuple[str, Path | None]] = []

    def recorded(url, folder):
        found = static_path(url, folder)
        asked.append((url, found))
        return found

    monkeypatch.setattr(service, "static_path", recorded)
    static = Path(probe.static_folder)
    urls = [
        f"{address}/direct.png",
        f"https://127.0.0.1:{address.rsplit(':', 1)[1]}/tls.png",
        "ftp://127.0.0.1/file.png",
        secret.as_uri(),
        "file:///etc/passwd",
        (static / ".." / "app.py").as_uri(),
        "favicon.svg",  # relative: the static folder's file
    ]
    with probe.test_request_context():
        assert probe_pdf(urls=urls).startswith(b"%PDF-")
    assert hits == []
    outcome = {url.rsplit("/", 1)[-1]: found for url, found in asked}
    assert outcome["favicon.svg"] == static / "favicon.svg"
    assert outcome["secret.png"] is None and outcome["passwd"] is None and outcome["app.py"] is None
    assert outcome["direct.png"] is None and outcome["tls.png"] is None and outcome["file.png"] is None


def test_static_path_accepts_only_files_inside_the_folder(tmp_path):
    """Inside the folder: a file; outside it, through .., a link, a host, or another scheme: nothing."""
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "logo.svg").write_text("<svg/>")
    (tmp_path / "outside.txt").write_text("secret")
    (folder / "link.txt").symlink_to(tmp_path / "outside.txt")
    assert static_path((folder / "logo.svg").as_uri(), folder) == folder / "logo.svg"
    assert static_path(f"file://localhost{folder}/logo.svg", folder) == folder / "logo.svg"
    assert static_path((folder / ".." / "outside.txt").as_uri(), folder) is None
    assert static_path(f"file://{folder}/%2e%2e/outside.txt", folder) is None
    assert static_path((folder / "link.txt").as_uri(), folder) is None
    assert static_path((folder / "missing.svg").as_uri(), folder) is None
    assert static_path(folder.as_uri(), folder) is None  # the folder itself is no file
    assert static_path(f"file://server{folder}/logo.svg", folder) is None
    assert static_path(f"http://localhost{folder}/logo.svg", folder) is None


def test_only_pdf_templates_are_rendered(probe):
    """A name outside <feature>/pdf/<name>.html (another page, a text template, a path) is refused."""
    with probe.test_request_context():
        names = ("errors.html", "tests/pdf/probe.txt", "tests/pdf/../pdf/probe.html", "../tests/pdf/probe.html", "Tests/pdf/probe.html")
        for name in names:
            with pytest.raises(ValueError, match="not a PDF template"):
                render_pdf(name)


def test_documents_are_bounded_in_html_and_pages(probe, monkeypatch):
    """More HTML or more pages than the bounds allow is refused, not rendered on and on."""
    with probe.test_request_context():
        monkeypatch.setattr(service, "MAX_PAGES", 2)
        assert probe_pdf(pages=2).startswith(b"%PDF-")
        with pytest.raises(PdfTooLarge, match="3 pages"):
            probe_pdf(pages=3)
        monkeypatch.setattr(service, "MAX_HTML_CHARS", 500)
        with pytest.raises(PdfTooLarge, match="characters"):
            probe_pdf(value="x" * 600)


def test_documents_speak_the_visitors_language(probe):
    """The base template names the language of the page the document was asked from."""
    with probe.test_request_context(headers={"Accept-Language": "fr"}):
        assert '<html lang="fr">' in pdf_html(PROBE, number="P-1", value="", urls=[], pages=1)


def test_without_weasyprint_the_app_starts_and_a_pdf_is_a_503(probe, monkeypatch, anon_client):
    """Where WeasyPrint (or Pango) is missing, pages work and a PDF asked for answers 503 saying why."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now raises ImportError
    with probe.test_request_context(), pytest.raises(PdfUnavailable):
        probe_pdf()

    @probe.route("/probe.pdf")
    def probe_route():
        """A page that asks for a PDF."""
        return probe_pdf()

    assert anon_client.get("/").status_code == 200
    response = anon_client.get("/probe.pdf")
    assert response.status_code == 503
    assert "PDF documents unavailable" in page(response) and "cannot make PDF documents" in page(response)
    assert anon_client.get("/probe.pdf", headers={"Accept": "application/json"}).get_json()["error"]["code"] == 503
    french = anon_client.get("/probe.pdf", headers={"Accept-Language": "fr"})
    assert french.status_code == 503 and "PDF indisponibles" in page(french)


def test_pango_missing_is_the_same_503(probe, monkeypatch):
    """WeasyPrint installed but its system library absent raises OSError on import: also PdfUnavailable."""

    class NoPango:
        """An import finder that fails as WeasyPrint does when Pango cannot be loaded."""

        @staticmethod
        def find_spec(name, path=None, target=None):
            if name == "weasyprint":
                raise OSError("cannot load library 'libpango-1.0-0'")
            return None

    monkeypatch.delitem(sys.modules, "weasyprint")
    monkeypatch.setattr(sys, "meta_path", [NoPango, *sys.meta_path])
    with probe.test_request_context(), pytest.raises(PdfUnavailable, match="libpango"):
        probe_pdf()


def test_nothing_imports_weasyprint_when_the_app_starts():
    """WeasyPrint is imported inside the service's function only: no module of mfo imports it at its top."""
    import ast

    root = Path(service.__file__).resolve().parents[1]
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            assert not any(name.split(".")[0] == "weasyprint" for name in names), path


def test_the_base_template_is_shared(probe):
    """Every document extends pdf/base.html, which the PDF feature lends to every feature."""
    with probe.test_request_context():
        assert "document-footer" in render_template("pdf/base.html")


# --- Invoices and receipts (mfo.fees.documents)


@pytest.fixture
def billing(app):
    """The reports' season with three invoices and their payments (tests.invoice_helpers)."""
    from tests.invoice_helpers import build_billing

    return build_billing()


@pytest.fixture
def rendered(monkeypatch):
    """Keep every document the PDF service lays out in this test, to read its pages' text."""
    documents = []
    original = service.render_document

    def keep(template_name, **context):
        document = original(template_name, **context)
        documents.append(document)
        return document

    monkeypatch.setattr(service, "render_document", keep)
    return documents


def entrant(app, email: str):
    """Return a client signed in as an entrant's account."""
    from tests.admin_helpers import sign_in

    return sign_in(app, email)


INVOICE_URL = "/festivals/{slug}/fees/invoices/{id}.pdf"
RECEIPT_URL = "/festivals/{slug}/fees/payments/{id}/receipt.pdf"


def test_an_entrant_downloads_their_invoice_as_pdf(billing, app, rendered):
    """The family's invoice: a PDF whose pages hold its number, lines, performers, payments and balance."""
    from tests.invoice_helpers import FAMILY

    response = entrant(app, FAMILY).get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0001"]))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert 'filename="spring-2027-invoice-SPR-0001.pdf"' in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    (document,) = rendered
    text = document_text(document)
    expected_texts = (
        "Invoice", "SPR-0001", "Pat Lee", "family@example.org", "1203A Baroque", "Ann Lee, Bob Zed",
        "Invoice SPR-0001 · Spring Festival 2027", "$15.00", "$20.00", "$35.00", "Bank transfer", "Virement SPR-0001",
        "-$1.00", "$14.00", "Balance due: $21.00", "Spring Festival 2027",
    )
    for expected in expected_texts:
        assert expected in text, expected


def test_an_invoice_in_french(billing, app, rendered):
    """Asked in French: the labels, dates and amounts read in French."""
    from tests.invoice_helpers import FAMILY

    response = entrant(app, FAMILY).get(
        INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0001"]), headers={"Accept-Language": "fr"}
    )
    assert response.status_code == 200
    text = document_text(rendered[0])
    expected_texts = (
        "Facture", "SPR-0001", "Virement bancaire", "35,00\xa0$", "Solde dû\xa0: 21,00\xa0$", "1 mars 2027", "Date de la facture",
    )
    for expected in expected_texts:
        assert expected in text, expected


def test_credit_and_settled_invoices_say_so(billing, organizer_client, rendered):
    """A settled invoice says it is paid in full; one where the festival owes money says how much."""
    organizer_client.get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0002"]))
    organizer_client.get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0003"]))
    settled, credit = (document_text(document) for document in rendered)
    assert "Paid in full" in settled and "Chloé Émond" in settled and "Registration fee" in settled
    assert "Owed to you: $10.00" in credit and "Refund on withdrawal" in credit


def test_a_receipt_for_a_payment_and_for_a_refund(billing, app, rendered):
    """A receipt names the invoice, the amount, method and reference, and the balance left."""
    from tests.invoice_helpers import FAMILY

    client = entrant(app, FAMILY)
    response = client.get(RECEIPT_URL.format(slug="spring-2027", id=billing.payments["family-transfer"]))
    assert response.status_code == 200 and response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert client.get(RECEIPT_URL.format(slug="spring-2027", id=billing.payments["family-refund"])).status_code == 200
    receipt, refund = (document_text(document) for document in rendered)
    for expected in ("Receipt", "SPR-0001", "$10.00", "Bank transfer", "Virement SPR-0001", "$21.00", "March 1, 2027", "Receipt SPR-0001-"):
        assert expected in receipt, expected
    assert "Refund receipt" in refund and "Amount refunded" in refund and "$1.00" in refund


def test_another_accounts_invoice_or_payment_is_not_found(billing, app):
    """An entrant asking for another account's invoice or receipt, or one of another festival, gets 404."""
    from tests.invoice_helpers import FAMILY, STRANGER

    family = entrant(app, FAMILY)
    for url in (
        INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0002"]),
        RECEIPT_URL.format(slug="spring-2027", id=billing.payments["other-card"]),
        INVOICE_URL.format(slug="spring-2027", id=999999),
        # Its own invoice under another festival's address is not found either.
        INVOICE_URL.format(slug="autumn-2027", id=billing.invoices["SPR-0001"]),
        RECEIPT_URL.format(slug="autumn-2027", id=billing.payments["family-transfer"]),
    ):
        assert family.get(url).status_code == 404, url
    stranger = entrant(app, STRANGER)
    assert stranger.get(INVOICE_URL.format(slug="autumn-2027", id=billing.invoices["AUT-0001"])).status_code == 200
    assert stranger.get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices["AUT-0001"])).status_code == 404


def test_organizers_download_any_invoice_of_their_festival_and_staff_none(billing, client_for, anon_client):
    """fees-read opens every invoice and receipt of the festival; staff (no fees-read) get 404; visitors sign in first."""
    organizer, staff = client_for("organizer"), client_for("staff")
    for number in ("SPR-0001", "SPR-0002", "SPR-0003"):
        assert organizer.get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices[number])).status_code == 200
    assert organizer.get(RECEIPT_URL.format(slug="spring-2027", id=billing.payments["other-card"])).status_code == 200
    assert organizer.get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices["AUT-0001"])).status_code == 404
    assert staff.get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0001"])).status_code == 404
    response = anon_client.get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0001"]))
    assert response.status_code == 302 and "/login" in response.location


def test_values_typed_by_entrants_stay_text_in_an_invoice(billing, app, listener, rendered):
    """A payment reference and a line holding markup and an address are printed as text; nothing is fetched."""
    from mfo.database import db
    from mfo.fees.models import Payment
    from tests.invoice_helpers import FAMILY

    address, hits = listener
    payment = db.session.get(Payment, billing.payments["family-transfer"])
    payment.reference = f'<img src="{address}/ref.png">'
    payment.invoice.lines[0].description = f'<link rel="stylesheet" href="{address}/x.css">'
    db.session.commit()
    response = entrant(app, FAMILY).get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0001"]))
    assert response.status_code == 200 and hits == []
    text = document_text(rendered[0])
    assert '<img src="' in text and '<link rel="stylesheet"' in text  # shown as the text they are


def test_an_invoice_pdf_is_a_503_where_weasyprint_is_missing(billing, app, monkeypatch):
    """Without WeasyPrint the invoice answers 503 with the clear message, in the visitor's language."""
    from tests.invoice_helpers import FAMILY

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    client = entrant(app, FAMILY)
    url = INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0001"])
    response = client.get(url)
    assert response.status_code == 503 and "cannot make PDF documents" in page(response)
    assert client.get(RECEIPT_URL.format(slug="spring-2027", id=billing.payments["family-transfer"])).status_code == 503
    assert "Documents PDF indisponibles" in page(client.get(url, headers={"Accept-Language": "fr"}))
    # The checks come first: another account's invoice is still a 404, not a 503 that says it exists.
    assert client.get(INVOICE_URL.format(slug="spring-2027", id=billing.invoices["SPR-0002"])).status_code == 404
