"""A clerk registers an incoming document and submits it; the leader assigns it; the state is checked
through the API; the specialist finds it among her documents. Screens are saved for review."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from eoffice.pdfgen import text_pdf
from tests.e2e.conftest import awaiting_direction, first_held, hold_back, log_in, open_menu

SUBJECT = "V/v triển khai chuyển đổi số trong trường học năm 2027"
SPECIALIST = "Lê Thị Thu Trang"
LEADER = "Trần Văn Minh"


@pytest.fixture
def scanned_letter(tmp_path):
    path = tmp_path / "cong-van-so-giao-duc.pdf"
    path.write_bytes(
        text_pdf("Công văn của Sở Giáo dục và Đào tạo", ["Về việc chuyển đổi số trong trường học."])
    )
    return path


def _drop_file(page, name: str, content: bytes) -> None:
    transfer = page.evaluate_handle(
        """([name, bytes]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, { type: "application/pdf" }));
            return transfer;
        }""",
        [name, list(content)],
    )
    page.get_by_test_id("dropzone").dispatch_event("drop", {"dataTransfer": transfer})


def _fill_incoming(page, number: str, files) -> None:
    page.get_by_role("textbox", name="Cơ quan ban hành", exact=True).fill(
        "Sở Giáo dục và Đào tạo tỉnh Quảng Nam"
    )
    page.get_by_label("Mã định danh cơ quan ban hành").fill("000.00.15.H49")
    page.get_by_label("Loại văn bản").select_option("CV")
    page.get_by_role("textbox", name="Số", exact=True).fill(number)
    page.get_by_label("Ký hiệu").fill("SGDĐT-VP")
    page.get_by_label("Ngày ban hành").fill("2026-11-18")
    page.get_by_label("Trích yếu").fill(SUBJECT)
    page.get_by_label("Độ khẩn").select_option("urgent")
    if files:
        page.locator("#in-files").set_input_files(files)


def test_clerk_registers_and_leader_assigns(server, new_page, screenshot, scanned_letter):
    clerk = new_page()
    log_in(clerk, "vanthu")
    open_menu(clerk, "Vào sổ văn bản đến")
    clerk.get_by_role("heading", name="Vào sổ văn bản đến").wait_for()

    # Nothing filled: every required field is named, nothing is sent.
    clerk.get_by_role("button", name="Vào sổ", exact=True).click()
    assert clerk.get_by_role("alert").first.inner_text() == "Vui lòng sửa các mục được đánh dấu."
    assert clerk.locator("#in-subject").get_attribute("aria-invalid") == "true"
    assert "Cần ít nhất một tệp" in clerk.locator("#in-files-error").inner_text()

    _fill_incoming(clerk, "125", [str(scanned_letter)])
    # The page count is read from the PDF picked.
    expect(clerk.get_by_label("Số trang")).to_have_value("1")
    clerk.get_by_label("Mã định danh cơ quan ban hành").fill("H49")
    clerk.get_by_role("button", name="Vào sổ", exact=True).click()
    assert "13 ký tự" in clerk.locator("#in-issuer-id-error").inner_text()
    clerk.get_by_label("Mã định danh cơ quan ban hành").fill("000.00.15.H49")
    screenshot(clerk, "10-clerk-register-form")

    clerk.get_by_role("button", name="Vào sổ", exact=True).click()
    registered = clerk.get_by_test_id("registered")
    registered.wait_for()
    assert "Đã vào sổ văn bản đến số" in registered.inner_text()

    # Submit to the leader from the same screen.
    clerk.get_by_role("button", name="Trình lãnh đạo").click()
    clerk.get_by_label("Lãnh đạo").select_option(label=f"{LEADER} — Văn phòng")
    clerk.get_by_label("Ý kiến đề xuất").fill("Kính trình đồng chí cho ý kiến chỉ đạo.")
    screenshot(clerk, "11-clerk-registered-submit")
    clerk.get_by_role("button", name="Trình lãnh đạo").last.click()
    clerk.wait_for_url("**/documents/*")
    document_id = int(clerk.url.rsplit("/", 1)[1])
    clerk.get_by_test_id("document-status").filter(has_text="Chờ chỉ đạo").wait_for()
    # The history says which leader it went to.
    clerk.locator(".timeline li").filter(has_text=f"Trình lãnh đạo: {LEADER}").wait_for()

    leader = new_page()
    log_in(leader, "lanhdao")
    open_menu(leader, "Văn bản chờ xử lý")
    row = leader.locator(f"tr[data-document-id='{document_id}']")
    row.wait_for()
    assert "Khẩn" in row.inner_text()
    screenshot(leader, "20-leader-inbox")

    row.get_by_role("button", name="Phân công xử lý").click()
    dialog = leader.get_by_role("dialog")
    dialog.get_by_label("Cán bộ", exact=True).select_option(label=f"{SPECIALIST} — Phòng Khoa giáo - Văn xã")
    dialog.get_by_label("Phối hợp: Nguyễn Thị Hoa").check()
    dialog.get_by_label("Để biết: Quản trị hệ thống").check()
    deadline = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() + timedelta(days=7)).isoformat()
    dialog.get_by_label("Hạn xử lý").fill(deadline)
    dialog.get_by_label("Ý kiến chỉ đạo").fill("Giao Phòng KGVX chủ trì tham mưu, báo cáo trước hạn.")
    screenshot(leader, "21-leader-assign-dialog")
    dialog.get_by_role("button", name="Phân công", exact=True).click()
    leader.get_by_test_id("notices").filter(has_text="Đã thực hiện: Phân công xử lý.").wait_for()
    assert leader.locator(f"tr[data-document-id='{document_id}']").count() == 0

    # What the browser did is what the server holds.
    detail = server.get(f"/api/v1/documents/{document_id}", "lanhdao").json()
    people = {person["full_name"]: person["id"] for person in server.get("/api/v1/people", "lanhdao").json()}
    assert detail["status"] == "assigned"
    assert detail["subject"] == SUBJECT
    assert detail["urgency"] == "urgent"
    assert detail["number_and_notation"] == "125/SGDĐT-VP"
    assert detail["arrival_number"] is not None
    assert [file["name"] for file in detail["files"]] == ["cong-van-so-giao-duc.pdf"]
    assignment = detail["current_assignment"]
    assert assignment["primary"]["user_id"] == people[SPECIALIST]
    assert [member["user_id"] for member in assignment["co_handlers"]] == [people["Nguyễn Thị Hoa"]]
    assert [member["user_id"] for member in assignment["informed"]] == [people["Quản trị hệ thống"]]
    assert assignment["deadline"] == deadline
    assert assignment["direction_text"] == "Giao Phòng KGVX chủ trì tham mưu, báo cáo trước hạn."
    assert assignment["assigned_by_id"] == people[LEADER]
    assert [entry["action"] for entry in detail["trace"]][-3:] == [
        "register",
        "submit_for_direction",
        "assign",
    ]

    leader.goto(f"/documents/{document_id}")
    leader.get_by_test_id("assignment").wait_for()
    # The PDF is drawn in the page by the bundled pdf.js and its worker, with nothing fetched outside.
    leader.get_by_role("button", name="Xem").click()
    canvas = leader.get_by_role("img", name="cong-van-so-giao-duc.pdf")
    canvas.wait_for()
    leader.wait_for_function(
        """() => {
            const canvas = document.querySelector("canvas.pdf-canvas");
            if (!canvas || !canvas.width) return false;
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 100 && pixels[i + 3] > 0) return true;
            return false;
        }"""
    )
    screenshot(leader, "22-document-assigned")

    specialist = new_page()
    log_in(specialist, "chuyenvien")
    open_menu(specialist, "Văn bản của tôi")
    specialist.locator(f"tr[data-document-id='{document_id}']").wait_for()
    screenshot(specialist, "30-specialist-my-documents")


def test_a_probable_duplicate_is_shown_before_registering_and_the_clerk_stops_or_goes_on(
    server, new_page, screenshot, scanned_letter
):
    clerk = new_page()
    log_in(clerk, "vanthu")
    clerk.goto("/documents/incoming/new")
    _fill_incoming(clerk, "77", [])
    # The file arrives by drag and drop onto the drop zone.
    _drop_file(clerk, scanned_letter.name, scanned_letter.read_bytes())
    clerk.locator(".file-list").filter(has_text=scanned_letter.name).wait_for()
    clerk.get_by_role("button", name="Vào sổ", exact=True).click()
    clerk.get_by_test_id("registered").wait_for()
    first_id = int(clerk.get_by_role("link", name="Mở văn bản").get_attribute("href").rsplit("/", 1)[1])
    first = server.get(f"/api/v1/documents/{first_id}", "vanthu").json()

    def arrivals() -> list[int]:
        page = server.get("/api/v1/documents", "vanthu", direction="incoming", status="all", limit=100).json()
        return sorted(item["arrival_number"] for item in page["items"] if item["arrival_number"])

    before = arrivals()
    clerk.goto("/documents/incoming/new")
    _fill_incoming(clerk, "77", [str(scanned_letter)])
    clerk.get_by_role("button", name="Vào sổ", exact=True).click()
    check = clerk.get_by_test_id("duplicate-check")
    check.wait_for()
    # The earlier document, before anything is registered: its number, subject and arrival number.
    assert f"{first['number_and_notation']} — {SUBJECT}" in check.inner_text()
    assert f"Số đến {first['arrival_number']}" in check.inner_text()
    screenshot(clerk, "12-clerk-duplicate-check")
    check.get_by_role("button", name="Dừng, không vào sổ").click()
    check.wait_for(state="detached")
    assert arrivals() == before  # stopped: no document, no arrival number taken

    clerk.get_by_role("button", name="Vào sổ", exact=True).click()
    clerk.get_by_test_id("duplicate-check").get_by_role("button", name="Vẫn vào sổ").click()
    clerk.get_by_test_id("registered").wait_for()
    warning = clerk.get_by_test_id("duplicate-warning")
    assert "Có thể trùng" in warning.inner_text()
    assert arrivals() == sorted([*before, max(before) + 1])
    warning.get_by_role("link").click()
    clerk.get_by_role("heading", name=SUBJECT).wait_for()


def test_an_issued_document_shows_each_recipient_with_its_delivery(server, new_page, screenshot):
    issued_id = server.get("/api/v1/documents", "vanthu", status="issued", q="văn thư, lưu trữ").json()[
        "items"
    ][0]["id"]
    recipients = server.get(f"/api/v1/documents/{issued_id}", "vanthu").json()["recipients"]
    assert recipients
    words = {
        "queued": "Đang chờ gửi",
        "sent": "Đã gửi lên trục",
        "failed": "Gửi lỗi",
        "delivered": "Đã chuyển",
    }
    clerk = new_page()
    log_in(clerk, "vanthu")
    clerk.goto(f"/documents/{issued_id}")
    shown = clerk.get_by_test_id("recipients")
    shown.wait_for()
    for recipient in recipients:
        row = shown.locator(f"[data-recipient='{recipient['agency_id']}']")
        assert recipient["agency_name"] in row.inner_text()
        status = row.get_by_test_id("delivery-status").inner_text()
        assert status.startswith(words[recipient["delivery_status"]])
        if recipient["status_code"]:
            assert recipient["status_code"] in status
    screenshot(clerk, "16-issued-recipients")


def test_registers_search_and_pending_queue_screens(server, new_page, screenshot):
    clerk = new_page()
    log_in(clerk, "vanthu")
    open_menu(clerk, "Sổ văn bản")
    clerk.get_by_label("Kỳ").select_option("this_year")
    with clerk.expect_download() as download:
        clerk.get_by_role("button", name="Tải CSV").click()
    assert download.value.suggested_filename.startswith("so-van-ban-den-")
    content = download.value.path().read_bytes().decode("utf-8-sig")
    lines = content.splitlines()
    assert lines[0].startswith("Ngày đến,Số đến,Tác giả")
    # The demo's incoming documents of this year are in it.
    assert any("ngân sách" in line for line in lines[1:])
    screenshot(clerk, "13-clerk-registers")
    clerk.get_by_label("Sổ theo dõi giải quyết văn bản đến").check()
    with clerk.expect_download() as follow_up:
        clerk.get_by_role("button", name="Tải CSV").click()
    assert follow_up.value.suggested_filename.startswith("so-theo-doi-giai-quyet-van-ban-den-")
    follow_up_lines = follow_up.value.path().read_bytes().decode("utf-8-sig").splitlines()
    assert follow_up_lines[0] == (
        "Số đến,Trích yếu nội dung,Đơn vị hoặc người giải quyết,Thời hạn giải quyết,"
        "Tiến độ giải quyết,Kết quả giải quyết,Ghi chú"
    )
    assert any("ngân sách" in line for line in follow_up_lines[1:])

    open_menu(clerk, "Văn bản chờ vào sổ")
    clerk.get_by_role("heading", name="Văn bản chờ vào sổ").wait_for()
    screenshot(clerk, "14-clerk-pending-queue")
    row = clerk.locator("table.documents tbody tr").first
    waiting_id = int(row.get_attribute("data-document-id"))
    row.get_by_role("button", name="Vào sổ").click()
    clerk.get_by_test_id("notices").filter(has_text="Đã vào sổ văn bản đến số").wait_for()
    clerk.locator(f"tr[data-document-id='{waiting_id}']").wait_for(state="detached")
    registered = server.get(f"/api/v1/documents/{waiting_id}", "vanthu").json()
    assert registered["status"] == "registered"
    assert registered["arrival_number"] is not None

    open_menu(clerk, "Tra cứu văn bản")
    clerk.get_by_label("Từ khóa").fill("ngan sach")
    clerk.get_by_role("button", name="Tìm", exact=True).click()
    clerk.wait_for_url("**/documents?q=ngan+sach")
    clerk.locator("table.documents tbody tr").first.wait_for()
    subjects = clerk.locator("table.documents tbody tr td:nth-child(2) a").all_inner_texts()
    assert subjects and all("ngân sách" in subject.lower() for subject in subjects)
    screenshot(clerk, "15-search")


def test_the_clerk_picks_the_issuer_from_the_agency_directory(server, new_page):
    clerk = new_page()
    log_in(clerk, "vanthu")
    open_menu(clerk, "Vào sổ văn bản đến")
    clerk.get_by_label("Chọn cơ quan gửi từ danh bạ").fill("so noi vu")
    clerk.get_by_role("button", name="Sở Nội vụ tỉnh Quảng Nam").click()
    issuer = clerk.get_by_role("textbox", name="Cơ quan ban hành", exact=True)
    assert issuer.input_value() == "Sở Nội vụ tỉnh Quảng Nam"
    assert clerk.get_by_label("Mã định danh cơ quan ban hành").input_value() == "000.00.01.H49"


def test_the_assign_dialog_proposes_the_documents_due_date_and_the_assignment_keeps_it(server, new_page):
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    due = (today + timedelta(days=10)).isoformat()
    with_due = awaiting_direction(server, "V/v báo cáo tình hình dịch bệnh quý IV", due_date=due)
    overdue = awaiting_direction(
        server, "V/v báo cáo số liệu tiêm chủng", due_date=(today - timedelta(days=2)).isoformat()
    )

    leader = new_page()
    log_in(leader, "lanhdao")
    open_menu(leader, "Văn bản chờ xử lý")
    # A due date already past is no deadline to propose: the leader sets one.
    leader.locator(f"tr[data-document-id='{overdue}']").get_by_role("button", name="Phân công xử lý").click()
    dialog = leader.get_by_role("dialog")
    expect(dialog.get_by_label("Hạn xử lý")).to_have_value("")
    dialog.get_by_role("button", name="Hủy").click()

    leader.locator(f"tr[data-document-id='{with_due}']").get_by_role("button", name="Phân công xử lý").click()
    expect(dialog.get_by_label("Hạn xử lý")).to_have_value(due)
    dialog.get_by_label("Cán bộ", exact=True).select_option(label=f"{SPECIALIST} — Phòng Khoa giáo - Văn xã")
    dialog.get_by_role("button", name="Phân công", exact=True).click()
    leader.get_by_test_id("notices").filter(has_text="Đã thực hiện: Phân công xử lý.").wait_for()
    assignment = server.get(f"/api/v1/documents/{with_due}", "lanhdao").json()["current_assignment"]
    assert assignment["deadline"] == due


def test_a_draft_opened_for_editing_shows_its_form_only_once_the_draft_has_arrived(server, new_page):
    subject = "Tờ trình đề nghị phê duyệt đề án số hóa hồ sơ"
    draft = server.get("/api/v1/documents", "chuyenvien", status="draft", q=subject).json()["items"][0]
    handler = new_page()
    log_in(handler, "chuyenvien")
    # The draft is held back: an empty form typed into before it arrives would be overwritten by it.
    held = hold_back(handler, f"**/api/v1/documents/{draft['id']}")
    handler.goto(f"/documents/{draft['id']}/edit")
    arrival = first_held(handler, held)
    handler.get_by_text("Đang tải…").wait_for()
    assert handler.get_by_label("Trích yếu").count() == 0
    arrival.continue_()
    handler.get_by_role("heading", name="Sửa dự thảo").wait_for()
    assert handler.get_by_label("Trích yếu").input_value() == subject
    assert handler.get_by_label("Loại văn bản").input_value() == "TTr"
