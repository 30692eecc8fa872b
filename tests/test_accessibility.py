"""Accessibility rules that need no browser: the palette's contrast, and every page's language, skip link and main landmark.

The browser journeys (tests/browser) run axe-core on every page they visit; these tests keep the
rules that the markup and the stylesheet alone decide, for every admin view, in a second.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mfo.database import db
from mfo.database.models import User
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_festival
from tests.helpers import post_form

STYLESHEET = Path(__file__).resolve().parents[1] / "mfo" / "static" / "mfo.css"

# Backgrounds the palette's text colours sit on: white, Bootstrap's light greys (footer, admin menu,
# breadcrumbs, table stripes), and the tinted rows and alerts of the import and issue pages.
WHITE, LIGHT, GREY_200, STRIPE, ERROR_ROW, WARNING_ROW = "#ffffff", "#f8f9fa", "#e9ecef", "#f2f2f2", "#fdecee", "#fff8e1"
ALERT_DANGER, ALERT_WARNING, NAVBAR_DARK = "#f8d7da", "#fff3cd", "#343a40"
PAGE_BACKGROUNDS = (WHITE, LIGHT, GREY_200, STRIPE, ERROR_ROW, WARNING_ROW)

# (text colour, background): every pair the site shows. A name is one of mfo.css's custom properties.
PAIRS = [
    *(("--mfo-primary", bg) for bg in (*PAGE_BACKGROUNDS, ALERT_DANGER, ALERT_WARNING)),
    *(("--mfo-primary-dark", bg) for bg in PAGE_BACKGROUNDS),
    *(("--mfo-muted", bg) for bg in PAGE_BACKGROUNDS),
    *(("--mfo-danger", bg) for bg in (*PAGE_BACKGROUNDS, ALERT_DANGER)),
    *(("--mfo-success", bg) for bg in (WHITE, LIGHT)),
    *(("--mfo-info", bg) for bg in (WHITE, LIGHT)),
    *(("--mfo-warning-text", bg) for bg in (WHITE, LIGHT, WARNING_ROW, ALERT_WARNING)),
    *(("--mfo-code", bg) for bg in PAGE_BACKGROUNDS),
    # White text on the solid buttons and badges, in their normal and hover colours.
    *((WHITE, fill) for fill in ("--mfo-primary", "--mfo-primary-dark", "--mfo-muted", "--mfo-muted-dark", "--mfo-success",
                                  "--mfo-info", "--mfo-danger", "--mfo-danger-dark")),
    ("--mfo-navbar-dark-link", NAVBAR_DARK),
    ("--mfo-navbar-light-link", LIGHT),
]


def palette() -> dict[str, str]:
    """Return the colours mfo.css defines as custom properties on :root, by name."""
    root = re.search(r":root\s*\{(.*?)\}", STYLESHEET.read_text(encoding="utf-8"), re.S).group(1)
    return dict(re.findall(r"(--mfo-[\w-]+):\s*(#[0-9a-fA-F]{6})\b", root))


def luminance(colour: str) -> float:
    """Return the relative luminance of a #rrggbb colour (WCAG 2.1)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_gives_the_known_ratios():
    """Black on white is 21:1; Bootstrap's blue on white the 3.97:1 the organizers measured."""
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#007bff", "#ffffff") == pytest.approx(3.97, abs=0.01)
    assert round(contrast("#9a9da0", "#343a40"), 2) == 4.22


@pytest.mark.parametrize(("text", "background"), PAIRS, ids=[f"{t} on {b}" for t, b in PAIRS])
def test_every_colour_pair_of_the_palette_meets_aa(text, background):
    """Each text colour of the palette has a contrast of at least 4.5:1 on each background it is used on."""
    colours = palette()
    text_colour, background_colour = colours.get(text, text), colours.get(background, background)
    assert contrast(text_colour, background_colour) >= 4.5, f"{text} {text_colour} on {background} {background_colour}"


@pytest.mark.parametrize("fill", ["--mfo-primary", "--mfo-success", "--mfo-info", "--mfo-muted", "--mfo-danger"])
def test_chart_bars_stand_out_from_their_track_and_the_page(fill):
    """The reports' bars are graphics: 3:1 against the grey track and the white page (WCAG 1.4.11)."""
    colour = palette()[fill]
    assert contrast(colour, GREY_200) >= 3 and contrast(colour, WHITE) >= 3


def test_the_palette_is_defined_once():
    """The colours are custom properties on :root, and the rules use them: no rule repeats a palette colour."""
    css = STYLESHEET.read_text(encoding="utf-8")
    root = re.search(r":root\s*\{.*?\}", css, re.S)
    rest = css[: root.start()] + css[root.end() :]
    repeated = {colour for colour in palette().values() if colour.lower() in rest.lower()}
    assert not repeated, f"colours written outside :root: {sorted(repeated)}"


class Landmarks(HTMLParser):
    """Reads what the accessibility rules look at: the page's language, skip link, main, header cells, select boxes."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.first_link: dict[str, str | None] | None = None
        self.mains: list[dict[str, str | None]] = []
        self.headers: list[str] = []
        self.row_boxes: list[str | None] = []
        self._header: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "a" and self.first_link is None:
            self.first_link = attributes
        elif tag == "main":
            self.mains.append(attributes)
        elif tag == "th":
            self._header = []
        elif tag == "input" and self._header is not None:
            self._header.append(attributes.get("aria-label") or "")
        elif tag == "input" and "action-checkbox" in (attributes.get("class") or ""):
            self.row_boxes.append(attributes.get("aria-label"))

    def handle_data(self, data):
        if self._header is not None:
            self._header.append(data)

    def handle_endtag(self, tag):
        if tag == "th" and self._header is not None:
            self.headers.append(" ".join("".join(self._header).split()))
            self._header = None


def read(client, url: str) -> Landmarks:
    """GET a page (it must answer 200) and read it."""
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    parser = Landmarks()
    parser.feed(response.get_data(as_text=True))
    return parser


def admin_pages(app) -> list[str]:
    """Return the admin's overview and every view's list and create page (the create page where the view has one)."""
    admin = app.extensions["admin"][0]
    pages = ["/admin/"]
    for view in admin._views:
        if view.endpoint != "admin":
            pages += [f"{view.url}/", f"{view.url}/new/"]
    return pages


def assert_landmarks(page: Landmarks, url: str, lang: str) -> None:
    """The page says its language, begins with a skip link to #content, and has one main landmark, #content."""
    assert page.lang == lang, url
    assert page.first_link and "skip-link" in (page.first_link.get("class") or "") and page.first_link.get("href") == "#content", url
    assert len(page.mains) == 1 and page.mains[0].get("id") == "content", url


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_admin_page_says_its_language_and_has_a_skip_link_and_a_main(app, admin_client, lang):
    """Flask-Admin's own skeleton had no lang and no main: every admin list and form now has both, and the skip link."""
    create_user("listed@example.org", ("staff",))
    if lang == "fr":
        post_form(admin_client, "/language", {"locale": "fr", "next": "/"})
    pages = admin_pages(app)
    assert "/admin/user/new/" in pages and "/admin/audit/" in pages
    for url in pages:
        if url.endswith("/new/") and admin_client.get(url).status_code != 200:
            continue  # a view without a create form sends the admin back to its list, or refuses
        assert_landmarks(read(admin_client, url), url, lang)


@pytest.mark.parametrize("url", ["/", "/login", "/register", "/reset"])
def test_site_pages_say_their_language_and_have_a_skip_link_and_a_main(anon_client, url):
    """The site's layout gives every page the same: lang, a skip link first, one main."""
    assert_landmarks(read(anon_client, url), url, "en")


def test_the_user_list_names_each_select_box_after_its_row_and_has_no_empty_header(app, admin_client):
    """"Select jane@example.org", not a tooltip saying "Select record"; the row actions' column is named too."""
    create_user("listed@example.org", ("staff",))
    page = read(admin_client, "/admin/user/")
    emails = sorted(user.email for user in User.query)
    assert sorted(page.row_boxes) == [f"Select {email}" for email in emails]
    assert page.headers[:2] == ["Select all records", "Actions"]
    assert all(page.headers), f"empty header cells: {page.headers}"


def test_rows_are_named_by_the_record_s_own_name_else_the_first_column(app):
    """A class is "1203A Baroque" (its own name: its first column, the festival, says little); a user their email."""
    views = {view.endpoint: view for view in app.extensions["admin"][0]._views}
    festival_class = make_class(make_festival("spring-2027"), "1203", "Baroque", suffix="A")
    user = create_user("listed@example.org", ("staff",))
    db.session.commit()
    assert views["classes"].row_label(festival_class) == "1203A Baroque"
    assert views["user"].row_label(user) == "listed@example.org"
