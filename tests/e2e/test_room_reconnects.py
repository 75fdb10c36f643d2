"""A tablet in the room loses the network without anyone reloading it: it says so, goes on reading its
downloaded copy and keeping notes, and once the network is back reconnects by itself, catches up with the
presenter and sends its notes, once each.

Playwright's set_offline fires the browser's `offline` event, on which Socket.IO closes its connection, and
fails every request, the room's reconnection attempts included, until the network is back.
"""

from __future__ import annotations

from tests.e2e.conftest import wait_shows
from tests.e2e.meeting_book import (
    chair_and_tablet,
    download_book,
    meeting_with_book,
    notes_in_db,
    wait_note,
)


def _status(page, status: str) -> None:
    page.locator(f"[data-testid=meeting-room][data-status={status}]").wait_for()


def _present_next(chair, page_number: int) -> None:
    chair.get_by_role("button", name="Trình chiếu trang sau").click()
    wait_shows(chair, page_number)


def test_a_room_that_lost_the_network_reconnects_by_itself_catches_up_and_sends_its_notes_once(
    server, devices, screenshot
):
    meeting_id = meeting_with_book(server, "Họp giao ban trực tuyến quý IV", start=True)["id"]
    room = f"/meetings/{meeting_id}/room"
    chair, tablet = chair_and_tablet(devices)
    download_book(tablet, meeting_id, 2)

    chair.goto(room)
    wait_shows(chair, 1)
    chair.get_by_role("button", name="Trình chiếu trang", exact=True).click()
    _present_next(chair, 2)
    tablet.goto(room)
    wait_shows(tablet, 2)
    _status(tablet, "live")
    # Nothing below reloads the page: this mark would be gone.
    tablet.evaluate("() => { window.sameDocument = true; }")

    # The network goes: the room says it lost the server and keeps the document readable from the device.
    tablet.context.set_offline(True)
    _status(tablet, "reconnecting")
    tablet.get_by_test_id("connection-banner").wait_for()
    tablet.get_by_role("button", name="Xem trang sau").click()
    wait_shows(tablet, 3)
    assert tablet.get_by_test_id("document-source").inner_text().startswith("Bản trên máy, tải lúc")

    # A private note made meanwhile waits on the device.
    text = "Cần làm rõ tiến độ giải ngân vốn đầu tư công"
    tablet.get_by_label("Ghi chú cho trang 3 (chỉ bạn xem được)").fill(text)
    tablet.get_by_role("button", name="Lưu ghi chú").click()
    tablet.get_by_text("Đã lưu ghi chú trên máy; ghi chú sẽ được gửi khi có mạng.").wait_for()
    tablet.locator("[data-testid=notes-waiting][data-count='1']").wait_for()
    tablet.get_by_role("button", name="Theo người trình bày").click()
    wait_shows(tablet, 2)

    # The presenter moves on while the tablet is cut off, and it hears nothing of it.
    _present_next(chair, 3)
    _present_next(chair, 4)
    screenshot(tablet, "75-room-lost-network")
    wait_shows(tablet, 2)
    assert tablet.get_by_test_id("meeting-room").get_attribute("data-status") == "reconnecting"
    assert notes_in_db(server, meeting_id, text) == 0

    # The network is back: the room reconnects by itself, shows where the presenter is, sends the note.
    tablet.context.set_offline(False)
    _status(tablet, "live")
    tablet.get_by_test_id("connection-banner").wait_for(state="detached")
    wait_shows(tablet, 4)
    tablet.get_by_test_id("notes-waiting").wait_for(state="detached")
    assert notes_in_db(server, meeting_id, text) == 1
    tablet.get_by_role("button", name="Xem trang trước").click()
    wait_shows(tablet, 3)
    wait_note(tablet, text)

    # Cut off and back again: the note is not sent a second time.
    tablet.context.set_offline(True)
    _status(tablet, "reconnecting")
    tablet.context.set_offline(False)
    _status(tablet, "live")
    assert notes_in_db(server, meeting_id, text) == 1
    assert tablet.evaluate("() => window.sameDocument === true")
