"""Two e-office deployments, one database each, exchange documents through the mock axis over HTTP.

Agency A issues a document with a PDF to agency B; each server's own axis worker sends, takes and
reports; people act only through each server's API. Then the same with an axis that fails 30 % of
the calls, hangs on some, and restarts once in the middle.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests
import sqlalchemy as sa

from eoffice.pdfgen import text_pdf
from tests.fixtures.agency_server import AgencyServer
from tests.fixtures.axis import AxisServer

A_ID, A_NAME = "000.00.00.H49", "Ủy ban nhân dân tỉnh Quảng Nam"
B_ID, B_NAME = "000.00.01.H49", "Sở Nội vụ tỉnh Quảng Nam"
FAST = {
    "EOFFICE_AXIS_POLL_INTERVAL": "0.2",
    "EOFFICE_AXIS_RETRY_BASE_SECONDS": "0.2",
    "EOFFICE_AXIS_RETRY_MAX_SECONDS": "2",
    "EOFFICE_AXIS_TIMEOUT": "3",
}
STEPS = ["01", "03", "04", "05", "06"]


def wait_for(what: str, check: Callable[[], object], timeout: float = 90.0, servers=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    logs = "\n".join(f"--- {server.agency_id}\n{server.log()}" for server in servers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


@dataclass
class Agencies:
    a: AgencyServer
    b: AgencyServer
    axis: AxisServer

    def __iter__(self):
        return iter((self.a, self.b))


@pytest.fixture
def two_agencies(tmp_path, sqlite_template, axis_factory) -> Callable[..., Agencies]:
    """start(**axis_settings): the mock axis and the two agencies' servers, each connected to it."""
    started: list[AgencyServer] = []

    def start(**axis_settings) -> Agencies:
        axis = axis_factory(**axis_settings)
        servers = Agencies(
            AgencyServer(tmp_path / "a", A_ID, A_NAME, "UBND", settings=dict(FAST)),
            AgencyServer(tmp_path / "b", B_ID, B_NAME, "SNV", settings=dict(FAST)),
            axis,
        )
        for server in servers:
            server.seed(f"sqlite:///{server.workdir / 'eoffice.db'}", template=sqlite_template)
        servers.a.trust(servers.b)
        servers.b.trust(servers.a)
        admin = axis.api()
        for server in servers:
            system = admin.register_system(
                f"Văn phòng điện tử {server.agency_name}",
                [(server.agency_id, server.agency_name)],
                server.certificate_pem,
            )
            started.append(server.start(axis.url, system))
        return servers

    yield start
    for server in started:
        server.stop()


def attempts_and_sends(server: AgencyServer) -> tuple[int, int]:
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return tuple(connection.execute(sa.text("SELECT sum(attempts), count(*) FROM axis_sends")).one())
    finally:
        engine.dispose()


def issue(a: AgencyServer, subject: str, pdf: bytes, **more) -> int:
    """Draft with a PDF → review → signature → issuance at A, to agency B; the document's id.
    more: other metadata of the draft (replaces_id)."""
    drafter, reviewer, leader, clerk = (
        a.client(name) for name in ("chuyenvien", "truongphong", "lanhdao", "vanthu")
    )
    metadata = {
        "document_type": "CV",
        "subject": subject,
        "urgency": "urgent",
        "recipients": [{"agency_id": B_ID, "agency_name": B_NAME}],
        **more,
    }
    created = drafter.post(
        f"{a.url}/api/v1/documents/outgoing",
        data={"metadata": json.dumps(metadata)},
        files=[("files", ("cong-van.pdf", pdf, "application/pdf"))],
        timeout=30,
    )
    assert created.status_code == 201, created.text
    document_id = created.json()["id"]
    for session, action, body in [
        (
            drafter,
            "submit",
            {"reviewer_ids": [a.user_ids["truongphong"]], "signer_id": a.user_ids["lanhdao"]},
        ),
        (reviewer, "approve", {}),
        (leader, "approve", {}),
        (clerk, "issue", {}),
    ]:
        response = session.post(
            f"{a.url}/api/v1/documents/{document_id}/actions/{action}", json=body, timeout=30
        )
        assert response.status_code == 200, (action, response.text)
    return document_id


def document(server: AgencyServer, session: requests.Session, document_id: int) -> dict:
    response = session.get(f"{server.url}/api/v1/documents/{document_id}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def waiting_at_b(b: AgencyServer, clerk: requests.Session) -> list[dict]:
    response = clerk.get(
        f"{b.url}/api/v1/documents",
        params={"direction": "incoming", "status": "all", "limit": 100},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def recipient_status(a: AgencyServer, session: requests.Session, document_id: int) -> str | None:
    return document(a, session, document_id)["recipients"][0]["status_code"]


def statuses_in_trace(body: dict) -> list[str]:
    return [entry["details"]["status_code"] for entry in body["trace"] if entry["action"] == "axis_status"]


def file_sha256(server: AgencyServer, session: requests.Session, body: dict) -> str:
    [main] = [f for f in body["files"] if f["role"] == "main"]
    response = session.get(f"{server.url}/api/v1/documents/{body['id']}/files/{main['id']}", timeout=30)
    assert response.status_code == 200
    return hashlib.sha256(response.content).hexdigest()


def verified_signatures(server: AgencyServer, session: requests.Session, body: dict) -> list[dict]:
    """The signatures of a document's main file, as the server's verify tool sees them."""
    [main] = [f for f in body["files"] if f["role"] == "main"]
    content = session.get(
        f"{server.url}/api/v1/documents/{body['id']}/files/{main['id']}", timeout=30
    ).content
    response = session.post(
        f"{server.url}/api/v1/signatures/verify", files={"file": ("van-ban.pdf", content)}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()["signatures"]


def act(b: AgencyServer, session: requests.Session, document_id: int, action: str, body: dict) -> None:
    response = session.post(f"{b.url}/api/v1/documents/{document_id}/actions/{action}", json=body, timeout=30)
    assert response.status_code == 200, (action, response.text)


def handle_at_b(b: AgencyServer, document_id: int, until: Callable[[str], None] = lambda code: None) -> None:
    """B's clerk registers, the leader assigns, the specialist reports progress and completes.
    until(code) waits after each step for A to have seen its status (or does nothing)."""
    clerk, leader, specialist = (b.client(name) for name in ("vanthu", "lanhdao", "chuyenvien"))
    act(b, clerk, document_id, "register", {})
    until("03")
    act(b, clerk, document_id, "submit_for_direction", {"leader_id": b.user_ids["lanhdao"]})
    act(
        b,
        leader,
        document_id,
        "assign",
        {"primary_user_id": b.user_ids["chuyenvien"], "deadline": "2027-01-15"},
    )
    until("04")
    act(b, specialist, document_id, "record_progress", {"note": "Đang tổng hợp số liệu"})
    until("05")
    act(b, specialist, document_id, "complete", {"result_note": "Đã báo cáo kết quả"})
    until("06")


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


DOCUMENTS = 4


def test_through_an_axis_failing_30_percent_and_restarting_every_document_and_status_arrives_once(
    two_agencies,
):
    agencies = two_agencies(fault_rate=0.3, fault_hang_rate=0.05, fault_hang_seconds=4, fault_seed=2026)
    a, b = agencies.a, agencies.b
    a_clerk, b_clerk = a.client("vanthu"), b.client("vanthu")
    pdfs = {
        f"V/v số liệu đợt {n}": text_pdf(f"Công văn đợt {n}", [f"Nội dung đợt {n}"]) for n in range(DOCUMENTS)
    }
    sent = {subject: issue(a, subject, pdf) for subject, pdf in pdfs.items()}

    wait_for("a first document at B", lambda: waiting_at_b(b, b_clerk), servers=agencies)
    agencies.axis.restart()
    arrived = wait_for(
        "every document at B",
        lambda: (items := waiting_at_b(b, b_clerk)) and len(items) >= DOCUMENTS and items,
        timeout=180,
        servers=agencies,
    )
    for item in arrived:
        handle_at_b(b, item["id"])
    for subject, document_id in sent.items():
        wait_for(
            f"06 for {subject!r} at A",
            lambda document_id=document_id: recipient_status(a, a_clerk, document_id) == "06",
            timeout=180,
            servers=agencies,
        )
    time.sleep(2)  # anything still travelling (a repeat, a late duplicate) would arrive now

    copies = waiting_at_b(b, b_clerk)
    assert sorted(item["subject"] for item in copies) == sorted(pdfs)
    for item in copies:
        body = document(b, b_clerk, item["id"])
        assert body["status"] == "completed"
        issued = document(a, a_clerk, sent[item["subject"]])
        assert file_sha256(b, b_clerk, body) == file_sha256(a, a_clerk, issued)
    for document_id in sent.values():
        body = document(a, a_clerk, document_id)
        assert statuses_in_trace(body) == STEPS, body["trace"]
        assert [e["action"] for e in body["trace"]].count("axis_sent") == 1
    # The faults were real: sends needed more attempts than there were sends. Counted over both
    # sides together: A makes only DOCUMENTS sends, which all get through at the first try about
    # a quarter of the time at a 30 % fault rate; with B's status notices there are ~6 × DOCUMENTS.
    counts = [attempts_and_sends(server) for server in agencies]
    attempts, sends = (sum(column) for column in zip(*counts, strict=True))
    assert attempts > sends, counts


def test_an_update_a_replacement_and_a_recall_reach_b_through_a_failing_axis_and_each_answer_comes_back_once(
    two_agencies,
):
    agencies = two_agencies(fault_rate=0.3, fault_seed=15)
    a, b = agencies.a, agencies.b
    a_clerk, b_clerk = a.client("vanthu"), b.client("vanthu")

    def copy_at_b(subject_start: str) -> dict | None:
        found = [item for item in waiting_at_b(b, b_clerk) if item["subject"].startswith(subject_start)]
        return found and document(b, b_clerk, found[0]["id"])

    def seen_at_a(document_id: int, code: str) -> None:
        wait_for(
            f"{code} for document {document_id} at A",
            lambda: code in statuses_in_trace(document(a, a_clerk, document_id)),
            timeout=180,
            servers=agencies,
        )

    first_id = issue(a, "V/v kiểm tra công vụ năm 2027", text_pdf("Công văn kiểm tra", ["Nội dung"]))
    first = wait_for("the document at B", lambda: copy_at_b("V/v kiểm tra"), timeout=180, servers=agencies)
    act(b, b_clerk, first["id"], "register", {})
    seen_at_a(first_id, "03")

    # Update: A's clerk corrects the summary and the page count; B's copy takes them, its trace says so.
    act(
        a,
        a_clerk,
        first_id,
        "correct",
        {"reason": "Sai trích yếu", "subject": "V/v kiểm tra công vụ năm 2027 (đính chính)", "page_count": 2},
    )
    updated = wait_for(
        "the update at B",
        lambda: (body := document(b, b_clerk, first["id"]))["subject"].endswith("(đính chính)") and body,
        timeout=180,
        servers=agencies,
    )
    assert (updated["status"], updated["page_count"]) == ("registered", 2)
    [update] = [entry for entry in updated["trace"] if entry["action"] == "axis_update"]
    assert (update["note"], update["details"]["business_type"]) == ("Sai trích yếu", "update")
    assert update["details"]["changed"]["subject"] == {
        "from": "V/v kiểm tra công vụ năm 2027",
        "to": "V/v kiểm tra công vụ năm 2027 (đính chính)",
    }
    seen_at_a(first_id, "15")

    # Replacement: a new document of A replaces the first one; B registers nothing twice and links them.
    second_id = issue(
        a,
        "V/v kiểm tra công vụ năm 2027 (thay thế)",
        text_pdf("Công văn thay thế", ["Nội dung mới"]),
        replaces_id=first_id,
    )
    second = wait_for(
        "the replacement at B",
        lambda: copy_at_b("V/v kiểm tra công vụ năm 2027 (thay"),
        timeout=180,
        servers=agencies,
    )
    replaced = document(b, b_clerk, first["id"])
    assert (second["status"], second["replaces_id"]) == ("pending_registration", first["id"])
    assert (replaced["status"], replaced["replaced_by_id"]) == ("replaced", second["id"])
    seen_at_a(second_id, "01")

    # Recall of the replacement: B's copy is withdrawn, and B agrees.
    act(a, a_clerk, second_id, "recall", {"reason": "Ban hành nhầm"})
    recalled = wait_for(
        "the revocation at B",
        lambda: (body := document(b, b_clerk, second["id"]))["status"] == "recalled" and body,
        timeout=180,
        servers=agencies,
    )
    assert recalled["recall_reason"] == "Ban hành nhầm"
    seen_at_a(second_id, "15")
    time.sleep(2)  # anything still travelling (a repeat, a late duplicate) would arrive now

    # B holds two documents (the update and the revocation registered nothing), in the states above.
    copies = waiting_at_b(b, b_clerk)
    assert sorted((item["id"], item["status"]) for item in copies) == [
        (first["id"], "replaced"),
        (second["id"], "recalled"),
    ]
    # Every status B sent reached A once, in order: none lost, none repeated.
    assert statuses_in_trace(document(a, a_clerk, first_id)) == ["01", "03", "15"]
    assert statuses_in_trace(document(a, a_clerk, second_id)) == ["01", "15"]
    sent = {
        document_id: [
            entry["details"]["business_type"]
            for entry in document(a, a_clerk, document_id)["trace"]
            if entry["action"] == "axis_sent"
        ]
        for document_id in (first_id, second_id)
    }
    assert sent == {first_id: ["new", "update"], second_id: ["replacement", "revocation"]}
    counts = [attempts_and_sends(server) for server in agencies]
    attempts, sends = (sum(column) for column in zip(*counts, strict=True))
    assert attempts > sends, counts
