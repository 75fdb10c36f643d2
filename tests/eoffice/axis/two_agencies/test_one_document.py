"""Agency A issues a document with a PDF to agency B; each server's own axis worker sends, takes and
reports, and every status comes back."""

from __future__ import annotations

import hashlib

from eoffice.pdfgen import text_pdf
from tests.eoffice.axis.two_agencies.helpers import (
    A_ID,
    A_NAME,
    STEPS,
    document,
    file_sha256,
    handle_at_b,
    issue,
    recipient_status,
    statuses_in_trace,
    verified_signatures,
    wait_for,
    waiting_at_b,
)


def test_a_document_goes_from_agency_a_to_agency_b_and_every_status_comes_back(two_agencies):
    agencies = two_agencies()
    a, b = agencies.a, agencies.b
    pdf = text_pdf("Công văn về việc rà soát biên chế", ["Kính gửi: Sở Nội vụ tỉnh Quảng Nam"])
    a_clerk, b_clerk = a.client("vanthu"), b.client("vanthu")

    sent_id = issue(a, "V/v rà soát biên chế năm 2027 của các cơ quan, đơn vị", pdf)

    [arrived] = wait_for("the document at B", lambda: waiting_at_b(b, b_clerk), servers=agencies)
    # It is in what B's clerk has to act on.
    to_act_on = b_clerk.get(f"{b.url}/api/v1/documents", timeout=30).json()["items"]
    assert [item["id"] for item in to_act_on] == [arrived["id"]]
    copy = document(b, b_clerk, arrived["id"])
    assert (copy["status"], copy["channel"], copy["issuer_id"], copy["issuer_name"]) == (
        "pending_registration",
        "axis",
        A_ID,
        A_NAME,
    )
    assert (copy["subject"], copy["urgency"], copy["document_type"], copy["number_and_notation"]) == (
        "V/v rà soát biên chế năm 2027 của các cơ quan, đơn vị",
        "urgent",
        "CV",
        "01/UBND-VP",
    )
    original = document(a, a_clerk, sent_id)
    # B holds exactly what A issued: the draft signed by A's leader and sealed by A.
    assert (
        file_sha256(b, b_clerk, copy) == file_sha256(a, a_clerk, original) != hashlib.sha256(pdf).hexdigest()
    )
    signer, seal = verified_signatures(b, b_clerk, copy)
    assert (signer["signer_name"], signer["intact"], signer["modification"]) == (
        "Trần Văn Minh",
        True,
        "form_filling",
    )
    assert (seal["signer_name"], seal["intact"], seal["modification"]) == (A_NAME, True, "none")
    wait_for("01 at A", lambda: recipient_status(a, a_clerk, sent_id) == "01", servers=agencies)
    sent = document(a, a_clerk, sent_id)["recipients"][0]
    assert (sent["delivery_status"], sent["status_description"]) == ("sent", "Đã nhận văn bản")

    def seen_at_a(code: str) -> None:
        wait_for(f"{code} at A", lambda: recipient_status(a, a_clerk, sent_id) == code, servers=agencies)

    handle_at_b(b, arrived["id"], until=seen_at_a)

    final = document(a, a_clerk, sent_id)
    assert statuses_in_trace(final) == STEPS
    assert final["recipients"][0]["status_description"] == "Đã hoàn thành xử lý"
    assert len(waiting_at_b(b, b_clerk)) == 1
