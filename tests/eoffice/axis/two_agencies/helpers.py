"""The two agencies' servers and what their people do through each server's API."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
import sqlalchemy as sa

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
