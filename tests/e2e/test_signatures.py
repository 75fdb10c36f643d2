"""The signature panel and the 'Kiểm tra chữ ký số' page, on the demo's issued decision: its PDF carries
the signer's and the agency's signatures from the demo CA, which the e2e server trusts (no roots are
configured, so the demo CA is the root)."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.conftest import log_in, open_menu

ISSUED_SUBJECT = "Quyết định ban hành Quy chế công tác văn thư, lưu trữ"
SIGNERS = ["Trần Văn Minh", "Ủy ban nhân dân tỉnh Quảng Nam"]
# The worker checks the demo's PDFs after the server starts; the panel asks again until it has.
CHECKED_WITHIN_MS = 60_000


@pytest.fixture
def issued(server) -> dict:
    page = server.get("/api/v1/documents", "vanthu", status="issued", q=ISSUED_SUBJECT).json()
    (summary,) = [item for item in page["items"] if item["subject"] == ISSUED_SUBJECT]
    return server.get(f"/api/v1/documents/{summary['id']}", "vanthu").json()


def _main_pdf(server, document: dict) -> bytes:
    main = next(file for file in document["files"] if file["role"] == "main")
    response = requests.get(
        f"{server.url}/api/v1/documents/{document['id']}/files/{main['id']}",
        headers=server.token("vanthu"),
        timeout=10,
    )
    response.raise_for_status()
    return response.content


def _verify(page, name: str, content: bytes):
    page.locator("#verify-file").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": content}
    )
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    result = page.get_by_test_id("verify-result").filter(has_text=name)
    result.wait_for()
    return result


def test_the_verify_page_shows_a_signed_pdf_green_and_the_same_pdf_changed_red(
    server, new_page, screenshot, issued
):
    signed = _main_pdf(server, issued)
    clerk = new_page()
    log_in(clerk, "vanthu")
    open_menu(clerk, "Kiểm tra chữ ký số")
    clerk.get_by_role("heading", name="Kiểm tra chữ ký số").wait_for()

    result = _verify(clerk, "quyet-dinh.pdf", signed)
    signatures = result.get_by_test_id("signature")
    assert signatures.get_by_test_id("signer").all_inner_texts() == SIGNERS
    assert [signatures.nth(i).get_attribute("data-level") for i in range(2)] == ["green", "green"]
    # The colour comes with words, for readers who do not see it.
    assert signatures.get_by_test_id("signature-level").all_inner_texts() == ["✓ Hợp lệ", "✓ Hợp lệ"]
    assert "Sau khi ký chỉ điền số, ngày ban hành" in signatures.first.inner_text()
    screenshot(clerk, "60-verify-signatures-valid")

    # One byte changed in the ReportLab comment near the top: inside every signature's signed range.
    first_range_end = int(re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)", signed).group(1))
    at = signed.index(b"ReportLab Generated") + len(b"ReportLab Generate")
    assert at < first_range_end
    changed = signed[:at] + b"X" + signed[at + 1 :]
    clerk.get_by_role("button", name="Bỏ quyet-dinh.pdf").click()
    result = _verify(clerk, "quyet-dinh-da-sua.pdf", changed)
    signatures = result.get_by_test_id("signature")
    assert [signatures.nth(i).get_attribute("data-level") for i in range(2)] == ["red", "red"]
    assert signatures.get_by_test_id("signature-level").all_inner_texts() == ["✕ Không hợp lệ"] * 2
    assert "Chữ ký không còn nguyên vẹn" in signatures.first.inner_text()
    screenshot(clerk, "61-verify-signatures-changed")

    # Not a PDF: the client's words for the server's code, not the server's English.
    clerk.get_by_role("button", name="Bỏ quyet-dinh-da-sua.pdf").click()
    result = _verify(clerk, "anh-chup.pdf", b"\x89PNG\r\n\x1a\n not a pdf")
    assert result.get_by_role("alert").inner_text() == "Tệp không phải là PDF đọc được."
    assert result.get_by_test_id("signature").count() == 0


def test_the_document_page_shows_the_signatures_of_its_pdf(new_page, screenshot, issued):
    clerk = new_page()
    log_in(clerk, "vanthu")
    clerk.goto(f"/documents/{issued['id']}")
    main = next(file for file in issued["files"] if file["role"] == "main")
    panel = clerk.get_by_test_id("signature-panel").locator(
        f"[data-file-id='{main['id']}'][data-check='done']"
    )
    panel.wait_for(timeout=CHECKED_WITHIN_MS)
    assert panel.get_by_test_id("signer").all_inner_texts() == SIGNERS
    assert panel.get_by_test_id("signature-level").all_inner_texts() == ["✓ Hợp lệ", "✓ Hợp lệ"]
    screenshot(clerk, "62-document-signature-panel")
