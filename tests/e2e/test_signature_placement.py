"""The leader drags where the signature goes on page 1 of the draft and approves it: the signed PDF's
signature widget is inside the rectangle dragged on screen."""

from __future__ import annotations

import io
import json

import pypdf
import requests

from eoffice.pdfgen import text_pdf
from eoffice.signing.pdf import SIGNER_FIELD
from tests.e2e.conftest import log_in

PDF = text_pdf("Quyết định", ["Điều 1. Phê duyệt kế hoạch.", "Điều 2. Hiệu lực."], page_per_paragraph=True)


def _awaiting_the_leaders_signature(server) -> int:
    metadata = {"document_type": "QĐ", "subject": "Quyết định phê duyệt kế hoạch chuyển đổi số năm 2027"}
    document = server.post(
        "/api/v1/documents/outgoing",
        "chuyenvien",
        data={"metadata": json.dumps(metadata)},
        files={"files": ("du-thao-quyet-dinh.pdf", PDF, "application/pdf")},
    )
    server.post(
        f"/api/v1/documents/{document['id']}/actions/submit",
        "chuyenvien",
        json={
            "reviewer_ids": [server.person_id("Phạm Văn Hải")],
            "signer_id": server.person_id("Trần Văn Minh"),
        },
    )
    server.post(f"/api/v1/documents/{document['id']}/actions/approve", "truongphong", json={})
    return document["id"]


def _signature_widget(server, document_id: int) -> tuple[int, list[float]]:
    detail = server.get(f"/api/v1/documents/{document_id}", "lanhdao").json()
    main = next(file for file in detail["files"] if file["role"] == "main")
    content = requests.get(
        f"{server.url}/api/v1/documents/{document_id}/files/{main['id']}",
        headers=server.token("lanhdao"),
        timeout=10,
    ).content
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(content)).pages, start=1):
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            if annotation.get("/T") == SIGNER_FIELD:
                return number, [float(v) for v in annotation["/Rect"]]
    raise AssertionError("the signed PDF has no signer's widget")


def test_the_leader_drags_the_signatures_place_on_page_one_and_approves(server, new_page, screenshot):
    document_id = _awaiting_the_leaders_signature(server)

    leader = new_page()
    log_in(leader, "lanhdao")
    leader.goto(f"/documents/{document_id}")
    leader.get_by_role("button", name="Duyệt", exact=True).click()
    assert "góc dưới bên phải trang cuối" in leader.get_by_test_id("placement-summary").inner_text()
    leader.get_by_role("button", name="Chọn vị trí chữ ký").click()
    canvas = leader.locator(".placement-stage canvas[data-page='1']")
    canvas.wait_for()
    # The page's top part in the window: the mouse acts on what is on screen.
    canvas.evaluate("(element) => element.scrollIntoView({ block: 'start' })")
    box = canvas.bounding_box()

    # From a third across and a fifth down to two thirds across and a third down of page 1 .
    start = (box["x"] + box["width"] / 3, box["y"] + box["height"] / 5)
    end = (box["x"] + box["width"] * 2 / 3, box["y"] + box["height"] / 3)
    leader.mouse.move(*start)
    leader.mouse.down()
    leader.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=5)
    leader.mouse.move(*end, steps=5)
    leader.mouse.up()
    assert "Vị trí chữ ký: trang 1" in leader.get_by_test_id("placement-summary").inner_text()
    screenshot(leader, "24-leader-signature-placement")
    leader.get_by_role("button", name="Duyệt", exact=True).last.click()
    leader.get_by_test_id("document-status").filter(has_text="Đã ký duyệt").wait_for()

    # The dragged rectangle in PDF points, the origin at the page's bottom-left.
    media = pypdf.PdfReader(io.BytesIO(PDF)).pages[0].mediabox
    width, height = float(media.width), float(media.height)
    dragged = (width / 3, height - height / 3, width * 2 / 3, height - height / 5)
    page, (x1, y1, x2, y2) = _signature_widget(server, document_id)
    assert page == 1
    tolerance = 1.0
    assert dragged[0] - tolerance <= x1 < x2 <= dragged[2] + tolerance
    assert dragged[1] - tolerance <= y1 < y2 <= dragged[3] + tolerance
    # And it fills the rectangle: the widget is the rectangle, not a default box somewhere inside it.
    assert (x2 - x1) > (dragged[2] - dragged[0]) - 2 * tolerance
