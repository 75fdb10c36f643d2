"""The offline meeting book (what a tablet downloads ahead, and the key it encrypts it with at rest), the
meeting's offline_download setting, and the devices of the live room."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import pytest
import socketio
from sqlalchemy import event, select

from eoffice.accounts.models import User
from eoffice.extensions import db
from eoffice.storage.models import StoredFile
from meetings.models import AgendaItem, Meeting, MeetingDocument
from meetings.offline import operations as offline
from tests.conftest import TEST_PASSWORD, statements_run
from tests.meetings.conftest import NAMESPACE, add_confidential_item, make_pdf, meeting_body, upload


def _as(room, username: str, **extra) -> dict[str, str]:
    return {"Authorization": f"Bearer {room.tokens[username]}", **extra}


def _book(client, room, username: str, meeting_id: int | None = None):
    return client.get(
        f"/api/v1/meetings/{meeting_id or room.meeting_id}/offline", headers=_as(room, username)
    )


def test_the_book_holds_what_the_caller_may_read_and_a_key_of_their_own(client, room, people):
    item = add_confidential_item(client, room, [people.chair.id])
    secret = upload(client, _as(room, "vanthu"), room.meeting_id, make_pdf(3), agenda_item_id=item).get_json()
    chair, delegate = _book(client, room, "chutich"), _book(client, room, "daibieu1")
    assert chair.status_code == 200 and chair.headers["Cache-Control"] == "no-store"
    assert {d["id"] for d in chair.get_json()["documents"]} == {room.document_id, secret["id"]}
    # A confidential item's documents are only in the books of its named people.
    assert [d["id"] for d in delegate.get_json()["documents"]] == [room.document_id]
    book = delegate.get_json()
    assert book["meeting_id"] == room.meeting_id and book["keep_until"] is None
    assert book["auto_download"] == "manual"
    (document,) = book["documents"]
    assert document["agenda_item_id"] == room.item_id and document["content_type"] == "application/pdf"
    download = client.get(document["url"], headers=_as(room, "daibieu1"))
    assert download.status_code == 200 and len(download.data) == document["size"]
    assert download.headers["ETag"] == document["etag"]
    assert download.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    key = base64.b64decode(book["key"], validate=True)
    assert len(key) == 32
    # Derived, not drawn: the same at every request, another for another user or meeting.
    assert _book(client, room, "daibieu1").get_json()["key"] == book["key"]
    assert chair.get_json()["key"] != book["key"] and chair.get_json()["key_id"]
    other = client.post("/api/v1/meetings", json=meeting_body(people), headers=_as(room, "vanthu"))
    assert _book(client, room, "daibieu1", other.get_json()["id"]).get_json()["key"] != book["key"]


def test_the_book_is_read_as_plain_columns_in_three_statements_however_many_documents(client, room, people):
    item = add_confidential_item(client, room, [people.chair.id])
    for pages in (2, 3, 4):
        upload(client, _as(room, "vanthu"), room.meeting_id, make_pdf(pages))
    upload(client, _as(room, "vanthu"), room.meeting_id, make_pdf(5), agenda_item_id=item)
    built: list[str] = []

    def remember(target, context):
        built.append(type(target).__name__)

    watched = (User, Meeting, MeetingDocument, StoredFile, AgendaItem)
    for model in watched:
        event.listen(model, "load", remember)
    try:
        with statements_run(db.engine) as statements:
            book = _book(client, room, "daibieu1")
    finally:
        for model in watched:
            event.remove(model, "load", remember)
    # Four documents the delegate may read; the confidential item's fifth is not his.
    assert book.status_code == 200 and len(book.get_json()["documents"]) == 4
    # Who calls, the meeting, its documents and their files: plain columns, no object built.
    assert built == []
    assert book.get_json()["key"] == _book(client, room, "daibieu1").get_json()["key"]
    # A hall of tablets asks at once: the token's statement, the meeting's, the documents'.
    assert len(statements) == 3, statements
    (documents,) = [s for s in statements if "FROM meeting_documents" in s]
    assert "JOIN stored_files" in documents
    chair = _book(client, room, "chutich").get_json()
    assert len(chair["documents"]) == 5


def test_only_invitees_get_the_book(client, room, people):
    refused = _book(client, room, "nguoingoai")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_invited"
    assert client.get("/api/v1/meetings/999999/offline", headers=_as(room, "daibieu1")).status_code == 404
    # A delegate taken off the meeting loses the book at once.
    remaining = [{"user_id": d.id, "role": "delegate"} for d in people.delegates[1:]]
    changed = client.patch(
        f"/api/v1/meetings/{room.meeting_id}",
        json={"participants": remaining},
        headers=_as(room, "vanthu"),
    )
    assert changed.status_code == 200, changed.get_json()
    assert _book(client, room, "daibieu1").get_json()["error"]["code"] == "not_invited"


def test_the_book_is_kept_for_the_retention_after_the_meeting_closes(client, room, monkeypatch):
    assert (
        client.post(f"/api/v1/meetings/{room.meeting_id}/close", headers=_as(room, "vanthu")).status_code
        == 200
    )
    closed_at = db.session.get(Meeting, room.meeting_id).closed_at
    book = _book(client, room, "daibieu1").get_json()
    assert book["keep_until"] == (closed_at + timedelta(days=7)).isoformat()
    monkeypatch.setattr(offline, "utcnow", lambda: closed_at + timedelta(days=7))
    expired = _book(client, room, "daibieu1")
    assert expired.status_code == 410 and expired.get_json()["error"]["code"] == "offline_expired"


def test_a_cancelled_meetings_book_is_gone(client, people, login):
    organiser = login("vanthu")
    meeting_id = client.post("/api/v1/meetings", json=meeting_body(people), headers=organiser).get_json()[
        "id"
    ]
    assert client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=organiser).status_code == 200
    gone = client.get(f"/api/v1/meetings/{meeting_id}/offline", headers=login("daibieu1"))
    assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "offline_expired"


def test_the_organiser_chooses_when_tablets_fetch_the_book(client, people, login):
    organiser = login("vanthu")
    created = client.post(
        "/api/v1/meetings", json=meeting_body(people, offline_download="day_before"), headers=organiser
    )
    assert created.status_code == 201 and created.get_json()["offline_download"] == "day_before"
    meeting_id = created.get_json()["id"]
    changed = client.patch(
        f"/api/v1/meetings/{meeting_id}", json={"offline_download": "on_invitation"}, headers=organiser
    )
    assert changed.status_code == 200 and changed.get_json()["offline_download"] == "on_invitation"
    book = client.get(f"/api/v1/meetings/{meeting_id}/offline", headers=login("daibieu1")).get_json()
    assert book["auto_download"] == "on_invitation"
    refused = client.patch(
        f"/api/v1/meetings/{meeting_id}", json={"offline_download": "always"}, headers=organiser
    )
    assert refused.status_code == 422 and "offline_download" in refused.get_json()["error"]["details"]["json"]
    assert db.session.get(Meeting, meeting_id).offline_download == "on_invitation"


def test_revoking_one_of_a_users_devices_changes_their_keys_only(client, room):
    tablet = str(uuid.uuid4())
    before, chair_before = (
        _book(client, room, "daibieu1").get_json(),
        _book(client, room, "chutich").get_json(),
    )
    login = client.post(
        "/api/v1/auth/login",
        json={"username": "daibieu1", "password": TEST_PASSWORD},
        headers={"X-Device-Id": tablet},
    )
    assert login.status_code == 200
    revoked = client.post(f"/api/v1/devices/{tablet}/revoke", headers=_as(room, "daibieu1"))
    assert revoked.status_code == 200, revoked.get_json()
    after = _book(client, room, "daibieu1").get_json()
    assert after["key"] != before["key"] and after["key_id"] != before["key_id"]
    assert _book(client, room, "chutich").get_json()["key"] == chair_before["key"]


# The outbox's writes: private annotations and notes, made once however often they are sent.


def _note(room, text: str, client_id: str | None, **changes) -> dict:
    body = {"document_id": room.document_id, "page": 2, "data": {"kind": "note", "text": text}}
    return {**body, "client_id": client_id, **changes}


def _annotations(author_id: int) -> list:
    from meetings.models import Annotation

    return db.session.scalars(select(Annotation).where(Annotation.author_id == author_id)).all()


def test_an_annotation_sent_again_with_its_client_id_is_stored_once(client, room, people):
    url = f"/api/v1/meetings/{room.meeting_id}/annotations"
    client_id = str(uuid.uuid4())
    first = client.post(url, json=_note(room, "Cần làm rõ số liệu", client_id), headers=_as(room, "daibieu1"))
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["client_id"] == client_id and first.get_json()["shared"] is False
    again = client.post(
        url, json=_note(room, "Cần làm rõ số liệu!", client_id), headers=_as(room, "daibieu1")
    )
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert [a.data["text"] for a in _annotations(people.delegates[0].id)] == ["Cần làm rõ số liệu"]
    # Another author's device may have made the same UUID: it is theirs.
    theirs = client.post(url, json=_note(room, "Ghi chú", client_id), headers=_as(room, "daibieu3"))
    assert theirs.status_code == 201 and theirs.get_json()["id"] != first.get_json()["id"]
    # Without a client_id each sending is a new annotation, as before.
    for _ in range(2):
        assert (
            client.post(url, json=_note(room, "Lặp", None), headers=_as(room, "daibieu1")).status_code == 201
        )
    assert len(_annotations(people.delegates[0].id)) == 3
    bad = client.post(url, json=_note(room, "x", "not-a-uuid"), headers=_as(room, "daibieu1"))
    assert bad.status_code == 422 and "client_id" in bad.get_json()["error"]["details"]["json"]
    outsider = client.post(url, json=_note(room, "x", str(uuid.uuid4())), headers=_as(room, "nguoingoai"))
    assert outsider.status_code == 403
    assert len(_annotations(people.delegates[0].id)) == 3


def test_the_live_room_makes_an_annotation_once_and_tells_the_authors_devices_once(
    client, live_server, devices, room, people
):
    writing, reading = (devices(live_server, room.tokens["daibieu1"]) for _ in range(2))
    for device in (writing, reading):
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    client_id = str(uuid.uuid4())
    event = {"meeting_id": room.meeting_id, **_note(room, "Hỏi lại", client_id)}
    acks = [writing.call("annotate", event) for _ in range(2)]
    assert acks[0]["ok"] and acks[1] == acks[0] and acks[0]["annotation"]["client_id"] == client_id
    # Over REST too (the outbox of a device that was offline): the same one, and the devices are told once.
    url = f"/api/v1/meetings/{room.meeting_id}/annotations"
    assert (
        client.post(url, json=_note(room, "Hỏi lại", client_id), headers=_as(room, "daibieu1")).status_code
        == 200
    )
    other = client.post(url, json=_note(room, "Ý kiến", str(uuid.uuid4())), headers=_as(room, "daibieu1"))
    assert other.status_code == 201
    received = reading.wait_for("annotation", 2)
    assert [a["id"] for a in received] == [acks[0]["annotation"]["id"], other.get_json()["id"]]
    assert len(_annotations(people.delegates[0].id)) == 2


def test_a_revoked_device_is_told_and_cannot_connect_again(client, live_server, devices, room):
    tablet = str(uuid.uuid4())
    login = client.post(
        "/api/v1/auth/login",
        json={"username": "daibieu1", "password": TEST_PASSWORD},
        headers={"X-Device-Id": tablet},
    ).get_json()
    connected = devices(live_server, login["access_token"], device_id=tablet, device_name="Máy tính bảng 12")
    assert connected.call("join", {"meeting_id": room.meeting_id})["ok"]
    user_id = db.session.scalar(select(User.id).where(User.username == "daibieu1"))
    listed = client.get("/api/v1/devices", headers=_as(room, "daibieu1")).get_json()
    assert [(d["device_id"], d["name"]) for d in listed] == [(tablet, "Máy tính bảng 12")]
    admin_free = client.post(
        f"/api/v1/devices/{tablet}/revoke?user_id={user_id}", headers=_as(room, "daibieu1")
    )
    assert admin_free.status_code == 200
    assert connected.disconnected.wait(15)
    assert connected.of("farewell")[0]["code"] == "device_revoked"
    refusals = []
    again = socketio.Client(reconnection=False)
    again.on("connect_error", refusals.append, namespace=NAMESPACE)
    fresh = client.post(
        "/api/v1/auth/login", json={"username": "daibieu1", "password": TEST_PASSWORD}
    ).get_json()
    with pytest.raises(socketio.exceptions.ConnectionError):
        again.connect(
            live_server,
            namespaces=[NAMESPACE],
            transports=["websocket"],
            auth={"token": fresh["access_token"], "device_id": tablet},
            wait_timeout=10,
        )
    assert refusals and refusals[0]["data"]["code"] == "device_revoked", refusals
