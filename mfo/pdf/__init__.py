"""The PDF service: any feature renders one of its HTML templates as a PDF document (invoices, receipts, the programme).

No pages of its own: a blueprint that only lends its templates (`pdf/base.html`, the base of every
document), and the answer every page gives when this server cannot make PDFs (a 503 saying so).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, make_response, render_template
from flask_babel import lazy_gettext as _l

from mfo.errors import wants_json
from mfo.feature import Feature
from mfo.pdf.service import MIMETYPE, PdfUnavailable, render_pdf

__all__ = ["MIMETYPE", "PdfUnavailable", "feature", "render_pdf"]

bp = Blueprint("pdf", __name__, template_folder="templates")

UNAVAILABLE_TITLE = _l("PDF documents unavailable")
UNAVAILABLE_TEXT = _l(
    "This server cannot make PDF documents just now (the WeasyPrint library or its system libraries are missing). "
    "Every other page works; please ask the festival's organizers for the document."
)


def pdf_unavailable(error: PdfUnavailable):
    """Answer 503 with a page that says PDFs cannot be made here (logged for the operator with the cause)."""

    current_app.logger.error("PDF documents unavailable: %s", error)
    if wants_json():
        response = jsonify({"error": {"code": 503, "title": str(UNAVAILABLE_TITLE), "message": str(UNAVAILABLE_TEXT)}})
    else:
        response = make_response(render_template("errors.html", code=503, error_title=UNAVAILABLE_TITLE, error_text=UNAVAILABLE_TEXT))
    response.status_code = 503
    return response


def init_pdf(app: Flask) -> None:
    """Answer a PDF asked for on a server without WeasyPrint with a 503 page."""
    app.register_error_handler(PdfUnavailable, pdf_unavailable)


feature = Feature(name="pdf", blueprint=bp, init_app=init_pdf)
