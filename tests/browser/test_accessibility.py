"""Accessibility in a real browser: every main page passes axe in English and in French, and the keyboard reaches what it must.

The `page` fixture runs axe-core (WCAG 2.1 A and AA, and axe's best practices) on every page a test
visits and fails the test on any violation; these tests make sure that the main pages are visited,
in both languages, and check by hand what axe cannot: where Tab goes.
"""

from __future__ import annotations

import pytest

from mfo.database import db
from tests.browser.conftest import AccessibilityChecks, axe_source_or_skip
from tests.browser.test_journeys import sign_in_with_code
from tests.conftest import create_user
from tests.festival_helpers import make_class, make_festival
from tests.invoice_helpers import build_billing
from tests.reports_helpers import BASE, REPORT_NAMES

ANONYMOUS_PAGES = ("/", "/login", "/register", "/reset", "/confirm")
ACCOUNT_PAGES = ("/", "/account/", "/account/security", "/change", "/tf-setup", "/mf-recovery-codes", "/wan-register")
FESTIVAL_PAGES = (
    "/festivals/",
    "/festivals/new",
    f"{BASE}/",
    f"{BASE}/edit",
    f"{BASE}/roll-over",
    f"{BASE}/classes/",
    f"{BASE}/people/",
    f"{BASE}/people/groups",
    f"{BASE}/people/schools",
    f"{BASE}/entries/",
    f"{BASE}/issues/",
    f"{BASE}/imports/",
    f"{BASE}/dashboard",
    f"{BASE}/reports/",
    *(f"{BASE}/reports/{name}" for name in REPORT_NAMES),
    *(f"{BASE}/reports/{name}" for name in ("invoices", "payments", "outstanding")),
    f"{BASE}/schedule/",
)


def admin_lists(app) -> list[str]:
    """Return the list page of every admin view of the app (the views every installed feature declares)."""
    admin = app.extensions["admin"][0]
    return [f"{view.url}/" for view in admin._views if view.endpoint != "admin"]


def visit(page, path: str, lang: str) -> None:
    """Open a page; it must answer, in the language asked for (axe checks it before the next action)."""
    response = page.goto(path)
    assert response.ok, f"{path} answered {response.status}"
    assert page.locator("html").get_attribute("lang") == lang, path


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_main_pages_pass_axe_in_english_and_french(page, live_server, app, lang):
    """Anonymous pages, sign-in with a second factor, account, every festival page, every admin list, form and record."""
    season = build_billing().season  # the reports' season, with invoices and payments for the fees reports
    create_user("curator@example.org", ("admin",))

    page.goto("/")
    if lang == "fr":
        # The footer's language buttons keep the choice in the session, across the sign-in too.
        page.click("#language-form button[value=fr]")
        page.wait_for_load_state()
    for path in ANONYMOUS_PAGES:
        visit(page, path, lang)

    sign_in_with_code(page, "curator@example.org")  # the sign-in and the code pages
    for path in ACCOUNT_PAGES:
        visit(page, path, lang)

    for path in (*FESTIVAL_PAGES, f"{BASE}/classes/{season.classes['1203A']}", f"{BASE}/entries/{season.entries['ann']}"):
        visit(page, path, lang)
    visit(page, f"{BASE}/people/", lang)
    person = page.locator("#people a").first.get_attribute("href")
    visit(page, person, lang)

    visit(page, "/admin/", lang)
    for path in admin_lists(live_server.app):
        visit(page, path, lang)
        # The first record's details and edit form, and the create form, where the view has them.
        for link in ("a[href*='/details/']", "a[href*='/edit/']", "a[href*='/new/']"):
            target = page.locator(f"main {link}").first
            if target.count():
                href = target.get_attribute("href")
                visit(page, href, lang)
                page.go_back()
    page.goto("/")  # the last admin page is checked before leaving it

    checked = {url.removeprefix(live_server.url).split("?")[0] for url in page.accessibility.checked}
    expected = {*ANONYMOUS_PAGES, *ACCOUNT_PAGES, *FESTIVAL_PAGES, "/tf-validate", "/admin/", *admin_lists(live_server.app)}
    assert expected <= checked, f"axe did not check {sorted(expected - checked)}"


def test_the_skip_link_is_the_first_stop_of_the_keyboard_and_leads_to_the_content(page, live_server, app):
    """On a site page and an admin page, the first Tab shows "Skip to main content"; Enter moves the focus to the main content."""
    create_user("keys@example.org", ("admin",))
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.is_visible()  # hidden until focused, then shown
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    page.keyboard.press("Tab")  # the next stop is in the content: the sign-in form, not the navigation
    assert page.evaluate("() => document.activeElement.closest('main') !== null")

    sign_in_with_code(page, "keys@example.org")
    page.goto("/admin/user/")
    page.keyboard.press("Tab")
    assert page.locator(":focus").inner_text() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"


def test_the_keyboard_removes_a_role_from_a_user_and_row_boxes_name_their_row(page, live_server, app):
    """The "x" on a chosen role is a button named "Remove <role>" that Tab reaches and Enter presses; row boxes say their row."""
    create_user("keys@example.org", ("admin",))
    user = create_user("flautist@example.org", ("staff", "organizer"))
    user_id = user.id
    sign_in_with_code(page, "keys@example.org")

    page.goto("/admin/user/")
    box = page.get_by_role("checkbox", name="Select flautist@example.org")
    assert box.count() == 1
    assert page.get_by_role("checkbox", name="Select all records").count() == 1

    page.goto(f"/admin/user/edit/?id={user_id}")
    # Each chosen role shows its name and description; its button is named after what it shows.
    assert page.get_by_role("button", name="Remove staff: Festival staff").count() == 1
    page.focus("#s2id_role_names input")  # the roles field; Shift+Tab walks back through its chosen roles
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.getAttribute('aria-label')").startswith("Remove staff:"):
            break
    else:
        pytest.fail("Shift+Tab from the roles field never reached the button that removes staff")
    page.keyboard.press("Enter")
    assert page.get_by_role("button", name="Remove staff:").count() == 0
    assert page.get_by_role("button", name="Remove organizer:").count() == 1
    assert page.evaluate("() => document.activeElement.classList.contains('select2-input')")  # the focus stays in the field
    with page.expect_navigation():
        page.click("input[type=submit][value=Save]")
    db.session.expire_all()
    assert sorted(role.name for role in db.session.get(type(user), user_id).roles) == ["organizer"]


def test_the_check_reports_a_violation_with_its_rule_target_and_summary(browser, live_server):
    """The checker itself: a page with an unnamed image and a low-contrast line fails, each said in words."""
    source = axe_source_or_skip()
    context = browser.new_context()
    try:
        raw = context.new_page()
        raw.set_content(
            '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>Test</h1>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="unnamed">'
            '<p class="pale" style="color:#aaa;background:#fff">Pale text</p></main></body></html>'
        )
        checks = AccessibilityChecks(raw, source)
        checks.check()
    finally:
        context.close()
    report = "\n".join(checks.violations)
    assert "image-alt (critical)" in report and "#unnamed" in report
    assert "color-contrast (serious)" in report and "insufficient color contrast of 2.32" in report


def test_a_search_and_a_new_inline_record_in_the_admin_pass_axe(page, live_server, app):
    """The search box and the "x" that clears a search are named; so is the "x" of a set piece added on a class's form."""
    create_user("keys@example.org", ("admin",))
    festival_class = make_class(make_festival("spring-2027"), "1203", "Baroque", suffix="A")
    db.session.commit()
    sign_in_with_code(page, "keys@example.org")

    page.goto("/admin/user/?search=keys")
    assert page.get_by_role("textbox", name="Search").input_value() == "keys"
    assert page.get_by_role("link", name="Clear the search").count() == 1

    page.goto(f"/admin/classes/edit/?id={festival_class.id}")
    page.click("#set_pieces-button")  # a new, empty set piece, with its "x" to take it away again
    remove = page.locator("#set_pieces .inline-remove-field").last
    assert remove.get_attribute("aria-label") == "Delete"
    page.accessibility.check()  # the form as it is now, with the new record (no new page loaded)


def focus_ring(page) -> dict:
    """Return the focused element's outline: its style, width in pixels and colour."""
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
                           nav: document.activeElement.closest('.navbar-dark') !== null}; }"""
    )


def test_the_keyboard_focus_is_plainly_visible_in_the_content_and_on_the_dark_top_bar(page, live_server, app):
    """A link in the content gets a solid 3px blue ring; a link of the dark top bar a white one (not the thin default)."""
    create_user("keys@example.org", ("organizer",))
    make_festival("spring-2027", is_current=True)
    db.session.commit()
    sign_in_with_code(page, "keys@example.org")
    page.goto("/festivals/")
    page.locator("main a").first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
    ring = focus_ring(page)
    assert not ring["nav"] and ring["style"] == "solid" and ring["width"] >= 3, ring
    assert ring["color"] == "rgb(0, 86, 179)", ring
    page.locator("nav.navbar a").first.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    ring = focus_ring(page)
    assert ring["nav"] and ring["style"] == "solid" and ring["width"] >= 3 and ring["color"] == "rgb(255, 255, 255)", ring
