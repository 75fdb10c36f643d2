"""Tablets in the hall: the meeting book downloaded ahead, read without the network, notes made offline sent
once, and a revoked tablet erasing everything at its next contact.

The app shell comes from the service worker (http://127.0.0.1 is a secure origin); set_offline cuts the
page and the worker alike (Playwright applies it to service workers).
"""

from __future__ import annotations

import hashlib

from eoffice.pdfgen import text_pdf
from tests.e2e.conftest import TABLET, log_in, wait_shows
from tests.e2e.meeting_book import (
    DESKTOP,
    chair_and_tablet,
    download_book,
    meeting_with_book,
    notes_in_db,
    offline_fetch_fails,
    shell_ready,
    stored_offline,
    user_id,
    wait_note,
)


def test_a_downloaded_book_opens_offline_and_notes_made_offline_reach_the_server_once(
    server, devices, screenshot
):
    meeting = meeting_with_book(server, "Họp trực tuyến đánh giá kinh tế - xã hội quý IV", start=True)
    meeting_id = meeting["id"]
    room = f"/meetings/{meeting_id}/room"
    chair, tablet = chair_and_tablet(devices)

    download_book(tablet, meeting_id, 2)
    rows = tablet.get_by_test_id("offline-book").locator("li[data-status=done]")
    assert rows.count() == 2
    screenshot(tablet, "70-offline-book-downloaded")
    stored = stored_offline(tablet)
    assert stored["entries"]["chunks"] >= 2 and stored["entries"]["keys"] == 1

    # The chair presents page 3; the tablet follows it, from its own copy.
    chair.goto(room)
    wait_shows(chair, 1)
    chair.get_by_role("button", name="Trình chiếu trang", exact=True).click()
    chair.get_by_role("button", name="Trình chiếu trang sau").click()
    wait_shows(chair, 2)
    chair.get_by_role("button", name="Trình chiếu trang sau").click()
    wait_shows(chair, 3)
    tablet.goto(room)
    wait_shows(tablet, 3)
    assert tablet.get_by_test_id("document-source").inner_text().startswith("Bản trên máy, tải lúc")
    # The room's state as of page 3 is kept with the book.
    tablet.locator("[data-testid=meeting-room][data-saved-seq]").wait_for()

    # The network goes: a reload opens the room from the device, where the presenter was.
    tablet.context.set_offline(True)
    tablet.reload()
    tablet.get_by_test_id("offline-banner").wait_for()
    wait_shows(tablet, 3)
    assert offline_fetch_fails(tablet)
    assert tablet.get_by_test_id("document-source").inner_text().startswith("Bản trên máy, tải lúc")
    tablet.get_by_role("button", name="Xem trang sau").click()
    wait_shows(tablet, 4)
    screenshot(tablet, "71-offline-room")

    # A private note made offline waits in the outbox, and a reload keeps it.
    text = "Đề nghị bổ sung số liệu giải ngân vốn đầu tư công"
    tablet.get_by_label("Ghi chú cho trang 4 (chỉ bạn xem được)").fill(text)
    tablet.get_by_role("button", name="Lưu ghi chú").click()
    tablet.get_by_text("Đã lưu ghi chú trên máy; ghi chú sẽ được gửi khi có mạng.").wait_for()
    tablet.locator("[data-testid=notes-waiting][data-count='1']").wait_for()
    tablet.reload()
    tablet.get_by_test_id("offline-banner").wait_for()
    tablet.locator("[data-testid=notes-waiting][data-count='1']").wait_for()
    tablet.get_by_role("button", name="Xem trang sau").click()
    wait_shows(tablet, 4)
    wait_note(tablet, text)
    assert notes_in_db(server, meeting_id, text) == 0
    # The meeting page opens too, from the copy kept with the book, its documents readable.
    tablet.goto(f"/meetings/{meeting_id}")
    tablet.get_by_test_id("meeting-kept-copy").wait_for()
    tablet.get_by_role("heading", name=meeting["title"]).wait_for()
    tablet.get_by_role("button", name="Xem Phụ lục số liệu.pdf").click()
    tablet.get_by_test_id("document-preview").locator("canvas[data-page='1']").wait_for()
    tablet.goto(room)
    tablet.get_by_test_id("offline-banner").wait_for()

    # The network comes back: the room reconnects and the note reaches the server, once.
    tablet.context.set_offline(False)
    tablet.get_by_test_id("offline-banner").wait_for(state="hidden")
    tablet.get_by_test_id("notes-waiting").wait_for(state="detached")
    assert notes_in_db(server, meeting_id, text) == 1
    tablet.reload()
    wait_shows(tablet, 3)
    tablet.get_by_role("button", name="Xem trang sau").click()
    wait_shows(tablet, 4)
    wait_note(tablet, text)
    assert tablet.get_by_test_id("notes-waiting").count() == 0
    assert notes_in_db(server, meeting_id, text) == 1


def test_offline_the_room_keeps_the_minutes_last_received_and_withholds_what_needs_the_network(
    server, devices, screenshot
):
    meeting = meeting_with_book(server, "Họp rà soát kế hoạch đầu tư công", start=True, secretary="vanthu")
    room = f"/meetings/{meeting['id']}/room"
    secretary = devices(DESKTOP, touch=False)
    log_in(secretary, "vanthu")
    secretary.goto(room)
    tablet = devices(TABLET, touch=True)
    log_in(tablet, "chuyenvien")
    shell_ready(tablet)
    download_book(tablet, meeting["id"], 2)
    tablet.goto(room)
    wait_shows(tablet, 1)
    speak = tablet.get_by_role("button", name="Đăng ký phát biểu")
    speak.wait_for()

    # The secretary writes; the tablet receives it and keeps it with the book.
    written = secretary.get_by_test_id("room-minutes").get_by_label("Diễn biến: Phần chung")
    written.fill("Khai mạc lúc 8 giờ; đại biểu thống nhất chương trình.")
    written.press("Tab")
    minutes = tablet.get_by_test_id("room-minutes")
    minutes.get_by_text("Khai mạc lúc 8 giờ; đại biểu thống nhất chương trình.").wait_for()
    sections = server.get(f"/api/v1/meetings/{meeting['id']}/minutes", "chuyenvien").json()["sections"]
    versions = sum(section["version"] for section in sections)
    tablet.locator(f"[data-testid=meeting-room][data-saved-minutes='{versions}']").wait_for()
    assert tablet.get_by_test_id("room-offline-controls").count() == 0

    # Without the network: the minutes as last received; asking to speak waits for it, and says so.
    tablet.context.set_offline(True)
    tablet.reload()
    tablet.get_by_test_id("offline-banner").wait_for()
    minutes.get_by_text("Khai mạc lúc 8 giờ; đại biểu thống nhất chương trình.").wait_for()
    tablet.get_by_test_id("room-offline-controls").get_by_text("đăng ký phát biểu, biểu quyết").wait_for()
    assert speak.count() == 0
    assert tablet.get_by_label("Ghi chú cho trang 1 (chỉ bạn xem được)").is_editable()
    screenshot(tablet, "74-offline-room-minutes")


def test_the_room_reads_a_document_not_downloaded_by_ranges_page_1_first(server, devices):
    # Numbers that do not compress: the stored file stays large after linearisation. ReportLab hangs the
    # 400 pages under one flat node; the upload balances it, else pdf.js, which checks the last page on
    # opening, would read every page object spread over the file before page 1 shows.
    book = text_pdf(
        "Dự thảo quy hoạch tỉnh thời kỳ 2026 - 2030",
        [
            f"Trang {n}: " + " ".join(hashlib.sha256(f"{n}-{k}".encode()).hexdigest() for k in range(24))
            for n in range(1, 401)
        ],
        page_per_paragraph=True,
    )
    meeting = meeting_with_book(server, "Họp thẩm định quy hoạch", start=True, extra=("Quy hoạch.pdf", book))
    document = meeting["documents"][-1]
    assert document["size"] > 4 * 128 * 1024
    chair = devices(DESKTOP, touch=False)
    log_in(chair, "lanhdao")
    chair.goto(f"/meetings/{meeting['id']}/room")
    chair.locator("#room-document").select_option(label="Quy hoạch.pdf")
    chair.get_by_test_id("following").wait_for()

    tablet = devices(TABLET, touch=True)
    log_in(tablet, "chuyenvien")
    content = f"/api/v1/meetings/{meeting['id']}/documents/{document['id']}/content"
    fetched: list[tuple[str | None, int]] = []
    tablet.on(
        "requestfinished",
        lambda request: (
            fetched.append((request.headers.get("range"), request.sizes()["responseBodySize"]))
            if request.url.endswith(content)
            else None
        ),
    )
    tablet.goto(f"/meetings/{meeting['id']}/room")
    wait_shows(tablet, 1)
    assert tablet.get_by_test_id("document-source").inner_text() == "Bản mới từ máy chủ"
    # Page 1 drawn from ranges of the file, not the whole of it.
    assert fetched and all(range_ and range_.startswith("bytes=") for range_, _size in fetched), fetched
    read = sum(size for _range, size in fetched)
    size_kb = document["size"] / 1024
    print(f"\npage 1 of a {size_kb:.0f} kB book drawn after {read / 1024:.0f} kB, {len(fetched)} ranges")
    # Flat, pdf.js read the whole file (every page object) on its way to the last page; balanced, the
    # first part and the one range holding the /Pages nodes (177 kB of 561 kB when measured).
    assert read < document["size"] / 2


def test_a_book_due_downloads_by_itself_and_a_revoked_tablet_erases_it_at_its_next_contact(
    server, devices, screenshot
):
    # Its setting says the tablets fetch the book as soon as the invitation is out: nobody taps anything.
    meeting = meeting_with_book(
        server, "Họp giao ban tháng 12", start=False, offline_download="on_invitation"
    )
    tablet = devices(TABLET, touch=True)
    log_in(tablet, "chuyenvien")
    shell_ready(tablet)
    tablet.goto(f"/meetings/{meeting['id']}")
    tablet.locator("[data-testid=offline-summary][data-done='2'][data-total='2']").wait_for()
    held = stored_offline(tablet)
    assert held["entries"]["chunks"] >= 2 and held["caches"]
    device_id = tablet.evaluate("() => localStorage.getItem('eoffice.device')")

    # From the desk, the same user revokes the tablet ("Thiết bị của tôi").
    desk = devices(DESKTOP, touch=False)
    log_in(desk, "chuyenvien")
    desk.goto("/devices")
    entry = desk.locator(f"li[data-device-id='{device_id}']")
    entry.wait_for()
    assert desk.locator("li[data-current]").count() == 1
    desk.once("dialog", lambda dialog: dialog.accept())
    entry.get_by_role("button", name="Thu hồi").click()
    entry.get_by_text("Đã thu hồi lúc").wait_for()
    screenshot(desk, "72-my-devices-revoked")

    # An administrator sees it too, from the admin area.
    admin = devices(DESKTOP, touch=False)
    log_in(admin, "quantri")
    admin.goto("/admin/devices")
    admin.get_by_label("Người dùng", exact=True).select_option(str(user_id(server, "chuyenvien")))
    admin.locator(f"li[data-device-id='{device_id}']").get_by_text("Đã thu hồi lúc").wait_for()

    # The tablet's next contact: refused, it erases everything and shows the login.
    tablet.goto(f"/meetings/{meeting['id']}")
    tablet.wait_for_url("**/login?revoked=1")
    tablet.get_by_text("Thiết bị này đã bị gỡ khỏi tài khoản của bạn").wait_for()
    tablet.wait_for_function("() => caches.keys().then((names) => names.length === 0)")
    erased = stored_offline(tablet)
    assert all(count == 0 for count in erased["entries"].values()), erased
    assert erased["caches"] == []
    assert tablet.evaluate("() => localStorage.getItem('eoffice.session')") is None
    screenshot(tablet, "73-revoked-tablet-login")

    # Logging in again makes it a new device.
    log_in(tablet, "chuyenvien")
    assert tablet.evaluate("() => localStorage.getItem('eoffice.device')") != device_id
