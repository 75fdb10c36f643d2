"""The meeting's tools in the room and its minutes, as people use them on their devices.

A chair on a desktop moves the agenda and designates the presenter while a tablet follows; a phone gets
the vote in front of it and votes; the chair closes the meeting and every open device says so at once.
The secretary writes the minutes on two devices at once (merged, not lost), submits them, the chair
returns them with a comment, then approves and signs them, and a delegate downloads the signed PDF.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from eoffice.pdfgen import text_pdf
from tests.e2e.conftest import TABLET, log_in

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
ITEMS = ("Báo cáo tình hình kinh tế - xã hội", "Kế hoạch đầu tư công năm 2027")
GENERAL = "Diễn biến: Phần chung"


def _meeting_in_progress(server, title: str, secretary: str | None = None) -> tuple[int, list[int]]:
    """A started meeting of the demo agency with two agenda items and a PDF: (meeting id, item ids)."""
    starts = datetime.now(UTC).replace(microsecond=0)
    body = {
        "title": title,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "Phòng họp số 1",
        "chair_id": server.person_id("Trần Văn Minh"),
        "participants": [
            {"user_id": server.person_id("Đặng Văn Hùng", "000.00.01.H49"), "role": "delegate"},
            {"user_id": server.person_id("Huỳnh Ngọc Ánh", "000.00.01.H49"), "role": "delegate"},
        ],
    }
    if secretary:
        body["secretary_id"] = server.person_id(secretary)
    else:
        body["participants"].append({"user_id": server.person_id("Lê Thị Thu Trang"), "role": "delegate"})
    meeting_id = server.post("/api/v1/meetings", "vanthu", json=body)["id"]
    items = [
        server.post(f"/api/v1/meetings/{meeting_id}/agenda", "vanthu", json={"title": title})["id"]
        for title in ITEMS
    ]
    book = text_pdf("Báo cáo", ["Trang 1.", "Trang 2."], page_per_paragraph=True)
    server.post(
        f"/api/v1/meetings/{meeting_id}/documents",
        "vanthu",
        files={"file": ("Báo cáo.pdf", book, "application/pdf")},
    )
    server.post(f"/api/v1/meetings/{meeting_id}/invite", "vanthu")
    server.post(f"/api/v1/meetings/{meeting_id}/start", "vanthu")
    return meeting_id, items


def _secretary_on_two_devices(server, devices, title: str):
    """A started meeting whose secretary has its room open on a tablet and its minutes page on a desktop:
    (meeting id, item ids, the tablet, the desktop)."""
    meeting_id, items = _meeting_in_progress(server, title, secretary="Lê Thị Thu Trang")
    in_room, on_page = devices(TABLET, True), devices(DESKTOP, False)
    for page in (in_room, on_page):
        log_in(page, "chuyenvien")
    in_room.goto(f"/meetings/{meeting_id}/room")
    on_page.goto(f"/meetings/{meeting_id}/minutes")
    return meeting_id, items, in_room, on_page


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"] and box["x"] >= 0


def test_the_chair_runs_the_room_a_phone_is_prompted_to_vote_and_the_close_reaches_every_device(
    server, devices, screenshot
):
    meeting_id, items = _meeting_in_progress(server, "Họp giao ban tháng 12")
    room = f"/meetings/{meeting_id}/room"
    chair, tablet, phone = devices(DESKTOP, False), devices(TABLET, True), devices(PHONE, True)
    for page, username in ((chair, "lanhdao"), (tablet, "chuyenvien"), (phone, "lanhdao.snv")):
        log_in(page, username)
        page.goto(room)
        page.get_by_test_id("room-agenda").wait_for()

    # The chair moves the meeting to the second item: the tablet shows it as the one under discussion.
    current = tablet.get_by_test_id("room-agenda").locator("li[aria-current=step]")
    expect(current).to_contain_text(ITEMS[0])
    chair.get_by_role("button", name=f"Chuyển cuộc họp đến nội dung {ITEMS[1]}").click()
    expect(current).to_contain_text(ITEMS[1])
    expect(current.get_by_test_id("current-item")).to_have_text("Đang thảo luận")
    # … and designates a delegate to present: the tablet says who.
    chair.get_by_label("Chỉ định người trình bày").select_option(label="Lê Thị Thu Trang")
    chair.get_by_role("button", name="Lưu chỉ định").click()
    expect(tablet.get_by_test_id("designated-presenter")).to_have_text(
        "Người trình bày được chỉ định: Lê Thị Thu Trang"
    )
    # The designated presenter now has the presentation controls on the tablet.
    tablet.get_by_test_id("chair-controls").wait_for()
    screenshot(tablet, "70-room-agenda-and-presenter-tablet")

    # Named attendance: who is here, how, and who is not.
    chair.get_by_role("button", name="Có mặt tại phòng họp").click()
    tablet.get_by_role("button", name="Tham dự trực tuyến").click()
    tablet.get_by_test_id("attendance-names").locator("summary").click()
    present = tablet.get_by_test_id("present-list")
    expect(present).to_contain_text("Trần Văn Minh (Chủ trì · tại phòng họp)")
    expect(present).to_contain_text("Lê Thị Thu Trang (Đại biểu · trực tuyến)")
    expect(tablet.get_by_test_id("absent-list")).to_contain_text("Đặng Văn Hùng (Đại biểu)")

    # On the phone the speakers' queue is one tap away from the top, not at the bottom of a long column.
    phone.get_by_test_id("room-nav").locator("[data-panel=speakers]").click()
    speakers = phone.get_by_test_id("speakers")
    expect(speakers.get_by_role("heading", name="Phát biểu", exact=True)).to_be_focused()
    heading = speakers.get_by_role("heading", name="Phát biểu", exact=True)
    assert _in_viewport(phone, heading)
    bar = phone.get_by_test_id("room-nav").bounding_box()
    assert heading.bounding_box()["y"] >= bar["y"] + bar["height"], "the panel's title is under the bar"
    phone.get_by_role("button", name="Đăng ký phát biểu").click()
    expect(chair.get_by_test_id("speaker-queue")).to_contain_text("Đặng Văn Hùng")

    # A vote opens: the phone (not checked in yet) gets it in front of it, wherever it had scrolled.
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    chair.get_by_label("Nội dung biểu quyết").fill("Thông qua kế hoạch đầu tư công năm 2027")
    chair.get_by_role("button", name="Mở biểu quyết").click()
    prompt = phone.get_by_test_id("vote-prompt")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("Thông qua kế hoạch đầu tư công năm 2027")
    assert _in_viewport(phone, prompt.get_by_role("heading", name="Biểu quyết đang mở"))
    expect(chair.get_by_test_id("vote-prompt")).to_have_count(0)  # who opened it has it already
    prompt.get_by_role("button", name="Điểm danh có mặt").click()
    screenshot(phone, "71-room-vote-prompt-phone")
    prompt.get_by_role("button", name="Chọn phương án: Tán thành").click()
    expect(prompt).to_have_count(0)
    phone.get_by_test_id("voted").wait_for()
    expect(chair.get_by_test_id("votes-cast")).to_contain_text("Đã có 1/")
    # The tablet's user sets the prompt aside: the vote stays in its panel.
    tablet.get_by_test_id("vote-prompt").get_by_role("button", name="Để sau").click()
    expect(tablet.get_by_test_id("vote-prompt")).to_have_count(0)
    tablet.get_by_test_id("vote").get_by_role("button", name="Chọn phương án: Tán thành").wait_for()

    # The chair closes the meeting from its page: the open rooms say so at once and leave the live controls.
    chair.goto(f"/meetings/{meeting_id}")
    chair.once("dialog", lambda dialog: dialog.accept())
    chair.locator("[data-action=close]").click()
    for page in (tablet, phone):
        expect(page.get_by_test_id("meeting-ended")).to_contain_text("Cuộc họp đã kết thúc.")
        expect(page.get_by_role("button", name="Đăng ký phát biểu")).to_have_count(0)
        expect(page.get_by_role("button", name="Có mặt tại phòng họp")).to_have_count(0)
        expect(page.get_by_test_id("open-vote")).to_have_count(0)
        expect(page.get_by_test_id("chair-controls")).to_have_count(0)
    # The vote closed with the meeting: its result came with the join that followed.
    expect(tablet.get_by_test_id("vote-result")).to_contain_text("Tán thành: 1 phiếu")
    screenshot(tablet, "72-room-closed-tablet")
    tablet.reload()
    expect(tablet.get_by_test_id("meeting-ended")).to_contain_text("Cuộc họp đã kết thúc.")
    expect(tablet.get_by_text("chưa bắt đầu")).to_have_count(0)


def test_the_minutes_written_on_two_devices_are_merged_submitted_returned_approved_and_downloaded(
    server, devices, screenshot
):
    meeting_id, items, in_room, on_page = _secretary_on_two_devices(
        server, devices, "Họp thông qua báo cáo quý IV"
    )
    room_general = in_room.get_by_test_id("room-minutes").get_by_label(GENERAL)
    page_general = on_page.get_by_label(GENERAL)

    # The secretary writes in the room; the other device shows it as it is saved.
    room_general.fill("Khai mạc.")
    room_general.press("Tab")
    expect(page_general).to_have_value("Khai mạc.")

    # Both devices change the general part at once, from the same version: both changes are kept.
    page_general.fill("Khai mạc.\nĐại biểu thống nhất chương trình.")
    room_general.fill("Khai mạc lúc 8 giờ.")
    room_general.press("Tab")
    merged = "Khai mạc lúc 8 giờ.\nĐại biểu thống nhất chương trình."
    expect(room_general).to_have_value(merged, timeout=20_000)
    expect(page_general).to_have_value(merged, timeout=20_000)
    in_room.get_by_test_id("room-minutes").locator("[data-section=general]").get_by_text("Đã lưu").wait_for()
    on_page.locator("[data-section=general]").get_by_text("Đã lưu").wait_for()
    stored = server.get(f"/api/v1/meetings/{meeting_id}/minutes", "chuyenvien").json()
    assert stored["sections"][0]["text"] == merged

    item = in_room.get_by_test_id("room-minutes").locator(f"[data-section='{items[0]}']")
    item.get_by_label(f"Diễn biến: 1. {ITEMS[0]}").fill("Tăng trưởng đạt 7,2%.")
    item.get_by_label(f"Kết luận: 1. {ITEMS[0]}").fill("Thống nhất báo cáo.")
    item.get_by_label(f"Kết luận: 1. {ITEMS[0]}").press("Tab")
    item.get_by_text("Đã lưu").wait_for()
    screenshot(in_room, "73-minutes-in-the-room-tablet")

    # The meeting closes: the secretary may submit now (the page learns it without a reload).
    server.post(f"/api/v1/meetings/{meeting_id}/close", "vanthu")
    on_page.get_by_role("button", name="Trình chủ trì duyệt").click()
    expect(on_page.get_by_test_id("minutes-status")).to_have_text("Đã trình chủ trì")
    # Attendance and votes as the system filled them in.
    expect(on_page.get_by_test_id("minutes-attendance")).to_contain_text("Trần Văn Minh")

    chair = devices(DESKTOP, False)
    log_in(chair, "lanhdao")
    chair.goto(f"/meetings/{meeting_id}/minutes")
    chair.get_by_role("button", name="Trả lại biên bản").click()
    expect(chair.get_by_text("Nhập ý kiến để thư ký biết cần sửa gì.")).to_be_visible()
    chair.get_by_label("Ý kiến của chủ trì").fill("Bổ sung số liệu thu ngân sách.")
    chair.get_by_role("button", name="Trả lại biên bản").click()
    expect(on_page.get_by_test_id("return-comment")).to_have_text(
        "Chủ trì trả lại: Bổ sung số liệu thu ngân sách."
    )
    screenshot(on_page, "74-minutes-returned-secretary")

    on_page.locator(f"[data-section='{items[0]}']").get_by_label(f"Diễn biến: 1. {ITEMS[0]}").fill(
        "Tăng trưởng đạt 7,2%. Thu ngân sách đạt 95% dự toán."
    )
    on_page.get_by_role("button", name="Trình chủ trì duyệt").click()
    expect(on_page.get_by_test_id("minutes-status")).to_have_text("Đã trình chủ trì")

    chair.get_by_role("button", name="Duyệt và ký biên bản").click()
    expect(chair.get_by_test_id("minutes-status")).to_have_text("Đã duyệt và ký", timeout=30_000)
    screenshot(chair, "75-minutes-approved-chair")

    delegate = devices(TABLET, True)
    log_in(delegate, "lanhdao.snv")
    delegate.goto(f"/meetings/{meeting_id}")
    expect(delegate.get_by_test_id("meeting-minutes-status")).to_have_text("Đã duyệt và ký")
    with delegate.expect_download() as download:
        delegate.get_by_test_id("meeting-minutes-pdf").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf, "the minutes' PDF is not signed"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "95%" in text and "7,2%" in text
    assert download.value.suggested_filename.endswith(".pdf")
    screenshot(delegate, "76-meeting-page-minutes-approved-delegate")


def test_a_passage_changed_on_two_devices_at_once_waits_on_the_later_one_for_its_users_choice(
    server, devices, screenshot
):
    meeting_id, _, in_room, on_page = _secretary_on_two_devices(server, devices, "Họp thẩm định dự án")
    room_general = in_room.get_by_test_id("room-minutes").get_by_label(GENERAL)
    page_general = on_page.get_by_label(GENERAL)
    room_general.fill("Mở đầu.\nKinh phí dự kiến 2 tỷ đồng.\nKết thúc.")
    room_general.press("Tab")
    expect(page_general).to_have_value("Mở đầu.\nKinh phí dự kiến 2 tỷ đồng.\nKết thúc.")

    # The same amount changed on both devices; the tablet's change reaches the server first.
    page_general.fill("Mở đầu.\nKinh phí dự kiến 3 tỷ đồng.\nKết thúc.")
    room_general.fill("Mở đầu.\nKinh phí dự kiến 2,5 tỷ đồng.\nKết thúc.")
    room_general.press("Tab")
    conflict = on_page.get_by_test_id("minutes-conflict")
    expect(conflict).to_be_visible(timeout=20_000)
    expect(conflict.get_by_test_id("conflict-mine")).to_contain_text("Kinh phí dự kiến 3 tỷ đồng.")
    expect(conflict.get_by_test_id("conflict-theirs")).to_contain_text("Kinh phí dự kiến 2,5 tỷ đồng.")
    expect(conflict.get_by_test_id("conflict-mine").locator("mark")).to_have_text("3")
    # The box proposes both lines; nothing of the page's is sent, nor the tablet's overwritten, meanwhile.
    expect(page_general).to_have_value(
        "Mở đầu.\nKinh phí dự kiến 2,5 tỷ đồng.\nKinh phí dự kiến 3 tỷ đồng.\nKết thúc."
    )
    expect(on_page.locator("[data-section=general]").get_by_test_id("save-state")).to_have_text(
        "Cần chọn phiên bản"
    )
    on_page.wait_for_timeout(1500)  # longer than the typing pause after which a device saves
    stored = server.get(f"/api/v1/meetings/{meeting_id}/minutes", "chuyenvien").json()
    assert stored["sections"][0]["text"] == "Mở đầu.\nKinh phí dự kiến 2,5 tỷ đồng.\nKết thúc."
    expect(in_room.get_by_test_id("minutes-conflict")).to_have_count(0)
    screenshot(on_page, "77-minutes-same-passage-conflict")

    # The page's user keeps their own amount: it is saved, and the tablet shows it.
    conflict.get_by_role("button", name="Giữ bản của tôi").click()
    expect(conflict).to_have_count(0)
    on_page.locator("[data-section=general]").get_by_text("Đã lưu").wait_for()
    chosen = "Mở đầu.\nKinh phí dự kiến 3 tỷ đồng.\nKết thúc."
    expect(room_general).to_have_value(chosen)
    stored = server.get(f"/api/v1/meetings/{meeting_id}/minutes", "chuyenvien").json()
    assert stored["sections"][0]["text"] == chosen
