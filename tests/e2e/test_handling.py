"""The specialist's side: an overdue assignment shown in red, progress and completion; a draft
submitted, approved by its reviewer and returned by the leader with a comment."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from eoffice.pdfgen import text_pdf
from tests.e2e.conftest import log_in, open_menu

PDF = text_pdf("Báo cáo", ["Nội dung báo cáo."])
CLERK, ADMIN, DRAFTER = "Nguyễn Thị Hoa", "Quản trị hệ thống", "Lê Thị Thu Trang"


def _today() -> datetime:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))


def _assigned_to_specialist(server, subject: str, deadline: str) -> int:
    metadata = {
        "issuer_id": "000.00.20.H49",
        "issuer_name": "Sở Y tế tỉnh Quảng Nam",
        "document_type": "CV",
        "number": 301,
        "notation": "SYT-KHTC",
        "issued_date": (_today().date() - timedelta(days=10)).isoformat(),
        "subject": subject,
    }
    document = server.post(
        "/api/v1/documents/incoming",
        "vanthu",
        data={"metadata": json.dumps(metadata)},
        files={"files": ("cv.pdf", PDF, "application/pdf")},
    )
    leader_id = server.person_id("Trần Văn Minh")
    server.post(
        f"/api/v1/documents/{document['id']}/actions/submit_for_direction",
        "vanthu",
        json={"leader_id": leader_id},
    )
    server.post(
        f"/api/v1/documents/{document['id']}/actions/assign",
        "lanhdao",
        json={"primary_user_id": server.person_id("Lê Thị Thu Trang"), "deadline": deadline},
    )
    return document["id"]


def test_specialist_sees_an_overdue_document_in_red_records_progress_and_completes_it(
    server, new_page, screenshot
):
    overdue_since = (_today().date() - timedelta(days=3)).isoformat()
    document_id = _assigned_to_specialist(
        server, "V/v báo cáo công tác phòng chống dịch quý IV", overdue_since
    )

    page = new_page()
    log_in(page, "chuyenvien")
    open_menu(page, "Văn bản của tôi")
    row = page.locator(f"tr[data-document-id='{document_id}']")
    row.wait_for()
    assert "overdue" in row.get_attribute("class")
    assert "Quá hạn 3 ngày" in row.locator("[data-deadline]").inner_text()
    # A style read from a row the list is just replacing is empty (CI saw ''),
    # so the colour is awaited, not read once.
    expect(row.locator("[data-deadline]")).to_have_css("color", "rgb(176, 0, 32)")
    screenshot(page, "31-specialist-overdue")

    row.get_by_role("link").click()
    page.get_by_role("button", name="Cập nhật tiến độ").click()
    page.get_by_label("Nội dung tiến độ").fill("Đã tổng hợp số liệu của các huyện.")
    page.get_by_label("Tỷ lệ hoàn thành (%)").fill("150")
    page.get_by_role("button", name="Cập nhật tiến độ").last.click()
    assert "0 đến 100" in page.locator("#action-percent-error").inner_text()
    page.get_by_label("Tỷ lệ hoàn thành (%)").fill("60")
    page.get_by_role("button", name="Cập nhật tiến độ").last.click()
    page.get_by_test_id("document-status").filter(has_text="Đang xử lý").wait_for()
    # The history shows the percentage recorded with the progress.
    assert page.get_by_test_id("trace-percent").last.inner_text().strip() == "Hoàn thành 60%"

    page.get_by_role("button", name="Hoàn thành").click()
    page.get_by_label("Kết quả xử lý").fill("Đã gửi báo cáo cho Sở Y tế.")
    page.get_by_role("button", name="Hoàn thành").last.click()
    page.get_by_test_id("document-status").filter(has_text="Đã hoàn thành").wait_for()
    screenshot(page, "32-specialist-completed")

    detail = server.get(f"/api/v1/documents/{document_id}", "chuyenvien").json()
    assert detail["status"] == "completed"
    assert detail["result_note"] == "Đã gửi báo cáo cho Sở Y tế."
    progress = [entry for entry in detail["trace"] if entry["action"] == "record_progress"]
    assert [entry["note"] for entry in progress] == ["Đã tổng hợp số liệu của các huyện."]


def test_a_draft_is_submitted_reviewed_and_returned_by_the_leader_with_a_comment(
    server, new_page, screenshot, tmp_path
):
    draft_file = tmp_path / "du-thao-bao-cao.pdf"
    draft_file.write_bytes(PDF)
    subject = "Báo cáo kết quả cải cách hành chính năm 2026"

    specialist = new_page()
    log_in(specialist, "chuyenvien")
    open_menu(specialist, "Soạn văn bản đi")
    specialist.get_by_label("Loại văn bản").select_option("BC")
    specialist.get_by_label("Trích yếu").fill(subject)
    specialist.get_by_label("Phòng Kinh tế").check()
    # The receiving agency from the directory, found without accents: its identifier and name filled in.
    specialist.get_by_label("Thêm cơ quan nhận từ danh bạ").fill("so noi vu")
    specialist.get_by_role("button", name="Sở Nội vụ tỉnh Quảng Nam").click()
    assert specialist.get_by_label("Mã định danh").input_value() == "000.00.01.H49"
    assert specialist.get_by_label("Tên cơ quan").input_value() == "Sở Nội vụ tỉnh Quảng Nam"
    specialist.locator("#draft-files").set_input_files(str(draft_file))
    screenshot(specialist, "33-specialist-draft")
    specialist.get_by_role("button", name="Lưu dự thảo").click()
    specialist.wait_for_url("**/documents/*")
    document_id = int(specialist.url.rsplit("/", 1)[1])

    specialist.get_by_role("button", name="Trình duyệt").click()
    reviewer_select = specialist.get_by_label("Người thẩm định cấp 1")
    reviewer_select.locator("option", has_text="Phạm Văn Hải").wait_for(state="attached")
    offered = reviewer_select.locator("option").all_inner_texts()
    # Only whom the server's rule accepts: not the clerk, the platform's administrator or the drafter.
    assert not [name for name in offered if any(who in name for who in (CLERK, ADMIN, DRAFTER))], offered
    reviewer_select.select_option(label="Phạm Văn Hải — Phòng Khoa giáo - Văn xã")
    specialist.get_by_label("Lãnh đạo ký").select_option(label="Trần Văn Minh — Văn phòng")
    specialist.get_by_role("button", name="Trình duyệt").last.click()
    specialist.get_by_test_id("document-status").filter(has_text="Đang thẩm định").wait_for()

    reviewer = new_page()
    log_in(reviewer, "truongphong")
    reviewer.goto(f"/documents/{document_id}")
    reviewer.get_by_role("button", name="Duyệt", exact=True).click()
    reviewer.get_by_role("button", name="Duyệt", exact=True).last.click()
    reviewer.get_by_test_id("document-status").filter(has_text="Chờ ký").wait_for()

    leader = new_page()
    log_in(leader, "lanhdao")
    open_menu(leader, "Văn bản chờ xử lý")
    leader.locator(f"tr[data-document-id='{document_id}']").get_by_role("link", name="Duyệt").click()
    leader.get_by_role("button", name="Trả lại").click()
    leader.get_by_role("button", name="Trả lại").last.click()
    assert leader.locator("#action-comment-error").inner_text() == "Không được để trống."
    leader.get_by_label("Lý do trả lại").fill("Bổ sung số liệu quý IV trước khi trình ký.")
    screenshot(leader, "23-leader-return-draft")
    leader.get_by_role("button", name="Trả lại").last.click()
    leader.get_by_test_id("document-status").filter(has_text="Bị trả lại").wait_for()

    detail = server.get(f"/api/v1/documents/{document_id}", "chuyenvien").json()
    assert detail["status"] == "returned"
    assert [(r["level"], r["decision"], r["comment"]) for r in detail["reviews"]] == [
        (1, "approved", None),
        (2, "returned", "Bổ sung số liệu quý IV trước khi trình ký."),
    ]
    assert {(r["unit_name"], r["agency_id"]) for r in detail["recipients"]} == {
        ("Phòng Kinh tế", None),
        (None, "000.00.01.H49"),
    }
    specialist.goto("/my-documents")
    specialist.locator(f"tr[data-document-id='{document_id}']").filter(has_text="Bị trả lại").wait_for()
