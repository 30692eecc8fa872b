"""The "Build the schedule" page in a real browser: its priorities open from the keyboard, labelled, with no axe violation."""

from __future__ import annotations

from tests.browser.test_journeys import sign_in_with_code
from tests.conftest import create_user
from tests.test_schedule_board import board_festival


def test_an_organizer_opens_the_solvers_priorities_with_the_keyboard(page, live_server, app):
    """The priorities are closed at first; Enter on their summary shows each weight's labelled field with its default."""
    board_festival()
    create_user("boss@example.org", ("organizer",))
    sign_in_with_code(page, "boss@example.org")
    page.goto("/festivals/spring-2027/schedule/solve")
    field = page.get_by_label("Teachers with pupils in two venues at the same time: points per pair of classes")
    assert not field.is_visible()
    page.locator("#solver-priorities summary").focus()
    page.keyboard.press("Enter")
    assert field.is_visible() and field.input_value() == "300"
