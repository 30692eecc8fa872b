"""The schedule board in a real browser: drag a class into a clash with the mouse, then move classes with the keyboard."""

from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.browser.test_journeys import sign_in_with_code
from tests.conftest import create_user
from tests.test_schedule_board import BOARD, SATURDAY, board_festival


def test_an_organizer_drags_a_class_into_a_clash_and_moves_it_with_the_keyboard(page, live_server, app):
    """The mouse drag reports the conflict it created at once; "Move to..." does the same without a mouse; no axe violation."""
    ids = board_festival()
    create_user("boss@example.org", ("organizer",))
    sign_in_with_code(page, "boss@example.org")
    page.goto(f"{BOARD}?day={SATURDAY}")
    unplaced = f"#card-class-{ids['unplaced']}"
    studio = f'ol[data-session="{ids["studio"]}"]'
    assert page.locator(f".board-tray {unplaced}").count() == 1

    # Ben's sonatina dragged first into the studio runs 9:00-9:05; he plays in the hall at 9:10, 15 minutes' walk away.
    page.drag_and_drop(f"{unplaced} .board-handle", studio)
    created = page.locator("#board-created")
    created.wait_for()
    assert "Ben Pupil" in created.inner_text()
    assert page.locator(f"{studio} {unplaced}").count() == 1
    assert page.locator(f"{unplaced} [data-time]").inner_text() == "09:00–09:05"
    assert page.locator(f"{unplaced} [data-badge]").is_visible()
    assert "Ben Pupil" in page.locator("#board-conflict-list").inner_text()
    assert not page.locator("#board-no-conflicts").is_visible()
    screenshot(page, "schedule-board")

    # The keyboard: "Move to..." back to the unscheduled classes removes the conflict...
    def move_with_keyboard(session: str, position: str) -> None:
        page.locator(f"{unplaced} .board-move summary").focus()
        page.keyboard.press("Enter")
        page.locator(f"#move-session-class-{ids['unplaced']}").select_option(session)
        field = page.locator(f"#move-position-class-{ids['unplaced']}")
        field.focus()
        field.fill(position)
        with page.expect_navigation():
            page.keyboard.press("Enter")

    move_with_keyboard("", "1")
    alerts = page.locator(".alert").all_inner_texts()
    assert any("Conflicts removed" in text and "Ben Pupil" in text for text in alerts), alerts
    assert page.locator(f".board-tray {unplaced}").count() == 1
    # ...and into the studio again creates it, reported after the page comes back.
    move_with_keyboard(str(ids["studio"]), "1")
    alerts = page.locator(".alert").all_inner_texts()
    assert any("Conflicts created" in text and "Ben Pupil" in text for text in alerts), alerts
    assert page.locator(f"{studio} {unplaced}").count() == 1
    assert page.locator("#board-conflicts").inner_text().count("Ben Pupil") >= 1


def test_a_drag_on_a_board_another_organizer_changed_reloads_it_and_says_why(page, live_server, app):
    """Someone else moves a class after this board was loaded: the drag is refused, the board reloads with the fresh schedule."""
    from mfo.database import db
    from mfo.schedule.models import Placement

    ids = board_festival()
    create_user("boss@example.org", ("organizer",))
    sign_in_with_code(page, "boss@example.org")
    page.goto(f"{BOARD}?day={SATURDAY}")
    # The other organizer takes Baroque off the schedule.
    db.session.delete(db.session.query(Placement).filter_by(class_id=ids["baroque"]).one())
    db.session.commit()
    unplaced = f"#card-class-{ids['unplaced']}"
    with page.expect_navigation():
        page.drag_and_drop(f"{unplaced} .board-handle", f'ol[data-session="{ids["studio"]}"]')
    alerts = page.locator(".alert").all_inner_texts()
    assert any("Someone else changed the schedule" in text for text in alerts), alerts
    # The fresh board: Baroque in the tray, the dragged class still there too (nothing was moved).
    assert page.locator(f".board-tray #card-class-{ids['baroque']}").count() == 1
    assert page.locator(f".board-tray {unplaced}").count() == 1
    # The refusal itself (409) is the one console line expected; anything else still fails the test.
    page.console_errors[:] = [line for line in page.console_errors if "status of 409" not in line]
