"""What a download costs to authenticate: a hall of tablets fetches the same document at once, so its
token is checked from one statement of plain columns, without building the session, the user and his
roles as objects, and with every refusal of any other request."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, select

from eoffice.accounts.models import User, UserRole
from eoffice.auth import operations as auth_operations
from eoffice.auth.models import AuthSession
from eoffice.devices import operations as device_operations
from eoffice.devices.models import Device
from eoffice.extensions import db
from meetings.models import AgendaItem, Meeting, MeetingDocument, MeetingParticipant
from tests.conftest import TEST_PASSWORD, statements_run

TABLET = str(uuid.uuid4())


def _tablet(client, username: str) -> dict[str, str]:
    login = client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": TEST_PASSWORD},
        headers={"X-Device-Id": TABLET},
    )
    assert login.status_code == 200, login.get_json()
    return {"X-Device-Id": TABLET, "Authorization": f"Bearer {login.get_json()['access_token']}"}


def _urls(client, room, headers) -> list[str]:
    document = client.get(f"/api/v1/meetings/{room.meeting_id}/documents/{room.document_id}", headers=headers)
    return [
        f"/api/v1/files/{document.get_json()['file_id']}/content",
        f"/api/v1/meetings/{room.meeting_id}/documents/{room.document_id}/content",
    ]


@pytest.mark.parametrize("route", [0, 1], ids=["file", "meeting document"])
def test_a_download_checks_its_token_in_one_statement_without_building_the_user(app, client, room, route):
    headers = _tablet(client, "daibieu1")
    url = _urls(client, room, headers)[route]
    built: list[str] = []
    listeners = [
        (model, lambda target, context: built.append(type(target).__name__))
        for model in (User, AuthSession, UserRole)
    ]
    for model, listener in listeners:
        event.listen(model, "load", listener)
    try:
        with statements_run(db.engine) as statements:
            response = client.get(url, headers=headers)
    finally:
        for model, listener in listeners:
            event.remove(model, "load", listener)
    assert response.status_code == 200 and response.headers["ETag"]
    sessions = [s for s in statements if "auth_sessions" in s]
    assert len(sessions) == 1 and "user_roles" in sessions[0], sessions
    assert not [s for s in statements if " users" in s and s not in sessions], statements
    assert built == []


def test_the_file_of_a_meeting_paper_is_authorised_by_the_meeting_alone_in_one_statement(client, room):
    headers = _tablet(client, "daibieu1")
    url = _urls(client, room, headers)[0]
    with statements_run(db.engine) as statements:
        assert client.get(url, headers=headers).status_code == 200
    # The file's row with which features own it (EXISTS of each), then the owners' rules only.
    statements = [s for s in statements if "FROM stored_files" not in s]
    papers = [s for s in statements if "FROM meeting_documents" in s]
    # The paper, its meeting and its agenda item together; the features that come after it not asked.
    assert len(papers) == 1 and "JOIN meetings" in papers[0] and "meeting_agenda_items" in papers[0], papers
    assert not [s for s in statements if "FROM meetings " in s or "FROM meeting_agenda_items" in s]
    assert not [s for s in statements if "meeting_minutes" in s or "handovers" in s], statements


@pytest.mark.parametrize("route", [0, 1], ids=["file", "meeting document"])
def test_a_download_reads_the_device_with_the_session_and_the_paper_as_plain_columns(client, room, route):
    headers = _tablet(client, "daibieu1")
    url = _urls(client, room, headers)[route]
    built: list[str] = []
    models = (Device, MeetingDocument, Meeting, AgendaItem, MeetingParticipant)
    listeners = [(model, lambda target, context: built.append(type(target).__name__)) for model in models]
    for model, listener in listeners:
        event.listen(model, "load", listener)
    try:
        with statements_run(db.engine) as statements:
            response = client.get(url, headers=headers)
    finally:
        for model, listener in listeners:
            event.remove(model, "load", listener)
    assert response.status_code == 200 and response.headers["ETag"]
    sessions = [s for s in statements if "auth_sessions" in s]
    # The tablet's device (is it revoked? when was it last seen?) is read by the session's statement.
    assert len(sessions) == 1 and "JOIN devices" in sessions[0], sessions
    assert not [s for s in statements if "devices" in s and s not in sessions], statements
    if route == 0:
        # Whether the caller is invited, and named on a confidential item, asked with the paper.
        papers = [s for s in statements if "FROM meeting_documents" in s and "FROM stored_files" not in s]
        assert len(papers) == 1 and "meeting_participants" in papers[0], papers
        assert not [s for s in statements if "meeting_participants" in s and s not in papers], statements
        assert built == []
        # The file's row says which features own it: the documents' rule is not asked of a paper.
        (stored,) = [s for s in statements if "FROM stored_files" in s]
        assert "document_files" in stored and "meeting_documents" in stored and "handovers" in stored
        assert not [s for s in statements if "FROM documents" in s], statements


def _end_session(username: str) -> None:
    user = db.session.scalar(select(User).where(User.username == username))
    auth_operations.end_all_sessions(user.id, "logged out")


def _revoke_tablet(username: str) -> None:
    user = db.session.scalar(select(User).where(User.username == username))
    auth_operations.revoke_device(device_operations.find(user.id, TABLET), user)


def _deactivate(username: str) -> None:
    db.session.scalar(select(User).where(User.username == username)).is_active = False


@pytest.mark.parametrize(
    ("end", "code", "message"),
    [
        (_end_session, "unauthorized", "session ended"),
        (_revoke_tablet, "device_revoked", "removed from the account"),
        (_deactivate, "unauthorized", "account disabled"),
    ],
    ids=["logged out", "device revoked", "deactivated"],
)
@pytest.mark.parametrize("route", [0, 1], ids=["file", "meeting document"])
def test_a_download_is_refused_as_any_request_once_the_session_the_device_or_the_account_ended(
    client, room, route, end, code, message
):
    headers = _tablet(client, "daibieu1")
    url = _urls(client, room, headers)[route]
    assert client.get(url, headers=headers).status_code == 200
    end("daibieu1")
    db.session.commit()
    refused = client.get(url, headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == code
    assert message in refused.get_json()["error"]["message"]
    assert client.get(url, headers={"X-Device-Id": TABLET}).status_code == 401
