"""Records: a specialist files a handled document into a new case file and closes it, the archivist
receives it, and the archive package downloads."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from datetime import timedelta

from tests.e2e.conftest import log_in, open_menu
from tests.e2e.test_handling import _assigned_to_specialist, _today


def test_a_handled_document_is_filed_closed_received_and_exported(server, new_page, screenshot):
    subject = "V/v tổng kết công tác lưu trữ năm 2026"
    document_id = _assigned_to_specialist(server, subject, (_today().date() + timedelta(days=5)).isoformat())
    server.post(
        f"/api/v1/documents/{document_id}/actions/complete", "chuyenvien", json={"result_note": "Đã báo cáo."}
    )

    specialist = new_page()
    log_in(specialist, "chuyenvien")
    specialist.goto(f"/documents/{document_id}")
    panel = specialist.get_by_test_id("file-document")
    panel.get_by_label("Số, ký hiệu hồ sơ").fill("LT-01")
    panel.get_by_label("Tiêu đề hồ sơ").fill("Hồ sơ tổng kết công tác lưu trữ")
    panel.get_by_role("button", name="Lập hồ sơ").click()
    specialist.get_by_test_id("document-case-file").get_by_role("link", name="000.00.00.H49.").click()
    specialist.get_by_test_id("case-file-documents").get_by_text(subject).wait_for()
    specialist.get_by_role("button", name="Kết thúc hồ sơ").click()
    specialist.get_by_test_id("case-file-status").filter(has_text="Đã kết thúc").wait_for()
    specialist.get_by_role("button", name="Đề nghị nộp lưu").click()
    specialist.get_by_test_id("case-file-status").filter(has_text="Chờ nộp lưu").wait_for()
    screenshot(specialist, "61-case-file-proposed")
    code = specialist.get_by_test_id("case-file-code").inner_text()

    archivist = new_page()
    log_in(archivist, "luutru")
    open_menu(archivist, "Lưu trữ cơ quan")
    handover = archivist.locator("section[data-handover-id]").filter(has_text=code)
    handover.get_by_role("button", name="Tiếp nhận").click()
    handover.get_by_role("heading").filter(has_text="Đã tiếp nhận").wait_for()
    screenshot(archivist, "62-archive-received")
    with archivist.expect_download() as download:
        handover.get_by_role("button", name="Tải gói lưu trữ").click()

    package = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    names = package.namelist()
    assert {"records.xml", "case-files.csv", "documents.csv", "manifest-sha256.txt"} <= set(names)
    assert code in package.read("records.xml").decode()
    assert any(name.startswith(f"files/{code}/0001/") for name in names)
    case_file = server.get("/api/v1/records/case-files", "chuyenvien", document_id=document_id).json()[
        "items"
    ]
    assert [(item["code"], item["status"]) for item in case_file] == [(code, "archived")]


def _completed(server, subject: str) -> int:
    """An incoming document the specialist has handled: what goes into a case file."""
    document_id = _assigned_to_specialist(server, subject, (_today().date() + timedelta(days=5)).isoformat())
    server.post(
        f"/api/v1/documents/{document_id}/actions/complete", "chuyenvien", json={"result_note": "Đã xong."}
    )
    return document_id


def _case_file_with(server, notation: str, title: str, document_ids: list[int]) -> int:
    case_file = server.post(
        "/api/v1/records/case-files",
        "chuyenvien",
        json={"notation": notation, "title": title, "retention_years": 10},
    )
    for document_id in document_ids:
        server.post(
            f"/api/v1/records/case-files/{case_file['id']}/actions/file_document",
            "chuyenvien",
            json={"document_id": document_id},
        )
    return case_file["id"]


def _stored_order(server, case_file_id: int) -> list[tuple[int, int]]:
    with sqlite3.connect(server.instance / "eoffice.db") as db:
        return db.execute(
            "SELECT document_id, ordinal FROM case_file_documents WHERE case_file_id = ? ORDER BY ordinal",
            (case_file_id,),
        ).fetchall()


def _shown_order(page) -> list[tuple[int, int]]:
    return [
        (int(row.get_attribute("data-document-id")), int(row.get_attribute("data-ordinal")))
        for row in page.get_by_test_id("case-file-documents").locator("li").all()
    ]


def test_the_office_edits_and_deletes_file_list_entries_and_a_specialist_may_not(server, new_page):
    year = _today().year
    entries = {
        notation: server.post(
            "/api/v1/records/file-list",
            "vanthu",
            json={
                "year": year,
                "heading": "Phòng Tổng hợp",
                "notation": notation,
                "title": title,
                "retention_years": 5,
            },
        )["id"]
        for notation, title in (("TH-01", "Hồ sơ giao ban tuần"), ("TH-02", "Hồ sơ báo cáo tháng"))
    }
    handler_id = server.person_id("Lê Thị Thu Trang")

    clerk = new_page()
    log_in(clerk, "vanthu")
    clerk.goto("/records/file-list")
    clerk.get_by_role("button", name="Sửa hồ sơ TH-01").click()
    form = clerk.get_by_test_id(f"entry-{entries['TH-01']}-form")
    form.get_by_label("Tiêu đề hồ sơ").fill("Hồ sơ giao ban tuần của Ủy ban")
    form.get_by_label("Thời hạn bảo quản").fill("")
    form.get_by_label("Người lập hồ sơ").select_option(str(handler_id))
    form.get_by_role("button", name="Lưu").click()
    clerk.locator(f"li[data-entry-id='{entries['TH-01']}']").get_by_text("Vĩnh viễn").wait_for()

    clerk.get_by_role("button", name="Sửa hồ sơ TH-02").click()
    form = clerk.get_by_test_id(f"entry-{entries['TH-02']}-form")
    form.get_by_label("Số, ký hiệu hồ sơ").fill("TH-01")
    form.get_by_role("button", name="Lưu").click()
    form.get_by_text("Số, ký hiệu hồ sơ này đã có trong năm đó.").wait_for()
    form.get_by_role("button", name="Hủy").click()

    clerk.once("dialog", lambda dialog: dialog.accept())
    clerk.get_by_role("button", name="Xóa hồ sơ TH-02 khỏi danh mục").click()
    clerk.locator(f"li[data-entry-id='{entries['TH-02']}']").wait_for(state="detached")

    stored = {
        entry["notation"]: (entry["title"], entry["retention_years"], entry["responsible_id"])
        for entry in server.get("/api/v1/records/file-list", "vanthu", year=year).json()
        if entry["heading"] == "Phòng Tổng hợp"
    }
    assert stored == {"TH-01": ("Hồ sơ giao ban tuần của Ủy ban", None, handler_id)}

    specialist = new_page()
    log_in(specialist, "chuyenvien")
    specialist.goto("/records/file-list")
    specialist.get_by_text("Hồ sơ giao ban tuần của Ủy ban").wait_for()
    assert specialist.get_by_role("button", name="Sửa hồ sơ TH-01").count() == 0
    assert specialist.get_by_role("button", name="Xóa hồ sơ TH-01 khỏi danh mục").count() == 0


def test_a_specialist_reorders_documents_and_edits_metadata_and_a_closed_file_takes_the_archivists_reason(
    server, new_page, screenshot
):
    first = _completed(server, "V/v rà soát hồ sơ đất đai quý I")
    second = _completed(server, "V/v rà soát hồ sơ đất đai quý II")
    case_file_id = _case_file_with(server, "DD-01", "Hồ sơ rà soát đất đai", [first, second])

    specialist = new_page()
    log_in(specialist, "chuyenvien")
    specialist.goto(f"/records/case-files/{case_file_id}")
    specialist.get_by_role("button", name="Đưa văn bản số 2 lên trên").click()
    specialist.locator(f"li[data-document-id='{second}'][data-ordinal='1']").wait_for()
    # The keyboard stays on the document that moved: now first, on its other arrow.
    assert specialist.evaluate("() => document.activeElement.getAttribute('aria-label')") == (
        "Đưa văn bản số 1 xuống dưới"
    )
    assert _stored_order(server, case_file_id) == [(second, 1), (first, 2)]
    specialist.reload()
    specialist.get_by_test_id("case-file-documents").get_by_text("quý II").wait_for()
    assert _shown_order(specialist) == [(second, 1), (first, 2)]

    metadata = specialist.get_by_test_id("case-file-metadata")
    metadata.get_by_role("button", name="Sửa thông tin").click()
    metadata.get_by_label("Từ khóa").fill("đất đai, rà soát")
    metadata.get_by_label("Chế độ sử dụng").select_option(label="Hạn chế")
    metadata.get_by_label("Tình trạng vật lý").fill("Bản điện tử, đầy đủ")
    metadata.get_by_role("button", name="Lưu").click()
    metadata.get_by_text("đất đai, rà soát").wait_for()
    stored = server.get(f"/api/v1/records/case-files/{case_file_id}", "chuyenvien").json()
    assert (stored["keywords"], stored["access_regime"], stored["physical_state"]) == (
        "đất đai, rà soát",
        "restricted",
        "Bản điện tử, đầy đủ",
    )

    specialist.get_by_role("button", name="Kết thúc hồ sơ").click()
    specialist.get_by_test_id("case-file-status").filter(has_text="Đã kết thúc").wait_for()
    assert metadata.get_by_role("button", name="Sửa thông tin").count() == 0
    assert specialist.get_by_role("button", name="Đưa văn bản số 1 xuống dưới").count() == 0

    archivist = new_page()
    log_in(archivist, "luutru")
    archivist.goto(f"/records/case-files/{case_file_id}")
    metadata = archivist.get_by_test_id("case-file-metadata")
    metadata.get_by_role("button", name="Sửa thông tin").click()
    metadata.get_by_label("Tiêu đề hồ sơ").fill("Hồ sơ rà soát đất đai năm 2026")
    metadata.get_by_role("button", name="Lưu").click()
    reason = archivist.get_by_label("Lý do thay đổi")
    archivist.locator("#case-file-reason-error").filter(has_text="Không được để trống.").wait_for()
    assert server.get(f"/api/v1/records/case-files/{case_file_id}", "chuyenvien").json()["title"] == (
        "Hồ sơ rà soát đất đai"
    )
    reason.fill("Bổ sung năm vào tiêu đề theo danh mục")
    metadata.get_by_role("button", name="Lưu").click()
    archivist.get_by_role("heading", name="Hồ sơ rà soát đất đai năm 2026").wait_for()
    archivist.get_by_text("Bổ sung năm vào tiêu đề theo danh mục").wait_for()
    screenshot(archivist, "63-case-file-amended-by-the-archivist")
    stored = server.get(f"/api/v1/records/case-files/{case_file_id}", "chuyenvien").json()
    assert stored["title"] == "Hồ sơ rà soát đất đai năm 2026"
    assert [(e["action"], e["reason"]) for e in stored["history"]][-1] == (
        "edit",
        "Bổ sung năm vào tiêu đề theo danh mục",
    )
