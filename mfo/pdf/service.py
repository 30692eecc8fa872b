"""Documents as PDF: one of our HTML templates, rendered by WeasyPrint with a print stylesheet, offline.

WeasyPrint is imported only when a document is asked for: it needs Pango, a system library, and
the app must start (and serve every other page) on a server without it; a PDF asked for there is
a 503 with a clear message (mfo.pdf registers the handler). Nothing in a document can make the
server fetch anything: every URL it names goes through `LocalOnly`, which reads files of the
app's static folder and `data:` URLs and refuses every other URL, network or file, before any
connection or file is opened. The template is ours (a name under `<feature>/pdf/`, autoescaped
like every .html template), its HTML and page count are bounded.
"""

from __future__ import annotations

import mimetypes
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template

# Where PDF templates live: `<feature>/pdf/<name>.html` (.html: Jinja autoescapes every value).
TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]*/pdf/[a-z][a-z0-9_]*\.html$")
# Bounds on one document: the HTML handed to WeasyPrint, and the pages it may lay out.
MAX_HTML_CHARS = 2_000_000
MAX_PAGES = 500
PRINT_STYLESHEET = Path(__file__).resolve().parent / "print.css"
MIMETYPE = "application/pdf"


class PdfUnavailable(RuntimeError):
    """This server cannot make PDF documents (WeasyPrint or the system's Pango is missing)."""


class PdfTooLarge(RuntimeError):
    """A document is larger than a PDF made on request may be (HTML or pages over the bounds)."""


class ResourceRefused(ValueError):
    """A document named a URL outside the app's static folder (a network address, another file)."""


def static_path(url: str, static_folder: str | Path) -> Path | None:
    """Return the file a `file:` URL names when it is a file inside the static folder; None for any other URL.

    The path is resolved (symbolic links and `..` followed) before it is compared, so
    `file:///.../static/../config.py` or a link pointing out of the folder is refused too; a URL
    naming a host (`file://server/share`) is refused whatever its path.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    folder = Path(static_folder).resolve()
    path = Path(unquote(parts.path)).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None


def _weasyprint():
    """Import WeasyPrint, or raise PdfUnavailable when it (or the system's Pango it loads) is missing."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: the module is there, Pango is not
        raise PdfUnavailable(str(error)) from error
    return weasyprint


@cache
def _fetcher_class(urls_module):
    """Return the URL fetcher class, built on WeasyPrint's once it is imported."""

    class LocalOnly(urls_module.URLFetcher):
        """Fetch files of the static folder and `data:` URLs; refuse everything else without opening it."""

        def __init__(self, static_folder: str | Path):
            super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
            self.static_folder = static_folder

        def fetch(self, url, headers=None):
            """Return the resource of an allowed URL; raise ResourceRefused for any other."""
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            path = static_path(url, self.static_folder)
            if path is None:
                raise ResourceRefused(f"a PDF may only use the app's static files, not {url[:200]!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return urls_module.URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return LocalOnly


def pdf_html(template_name: str, **context) -> str:
    """Return the HTML of a PDF template (one of ours, under `<feature>/pdf/`), checked against the bound."""
    if not TEMPLATE_NAME.match(template_name):
        raise ValueError(f"{template_name!r} is not a PDF template (<feature>/pdf/<name>.html)")
    html = render_template(template_name, **context)
    if len(html) > MAX_HTML_CHARS:
        raise PdfTooLarge(f"the document's HTML holds {len(html)} characters, more than {MAX_HTML_CHARS}")
    return html


def render_document(template_name: str, **context):
    """Lay a PDF template out as a WeasyPrint document (its pages), offline, with the print stylesheet."""
    weasyprint = _weasyprint()
    html = pdf_html(template_name, **context)
    static_folder = Path(current_app.static_folder)
    fetcher = _fetcher_class(weasyprint.urls)(static_folder)
    # Relative URLs in a template (`favicon.svg`) are the static folder's files.
    document = weasyprint.HTML(string=html, base_url=static_folder.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[weasyprint.CSS(string=PRINT_STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)]
    )
    if len(document.pages) > MAX_PAGES:
        raise PdfTooLarge(f"the document has {len(document.pages)} pages, more than {MAX_PAGES}")
    return document


def render_pdf(template_name: str, **context) -> bytes:
    """Return a PDF template rendered with the context as PDF bytes (raises PdfUnavailable without WeasyPrint)."""
    return render_document(template_name, **context).write_pdf()
