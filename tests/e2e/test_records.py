"""Records: a specialist files a handled document into a new case file and closes it, the archivist
receives it, and the archive package downloads."""

from __future__ import annotations

import io
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
