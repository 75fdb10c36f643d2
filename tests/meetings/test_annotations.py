"""Annotations in the live room: who receives them, the shape of their data, deleting them."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.extensions import db
from meetings.models import Annotation
from tests.meetings.conftest import add_confidential_item, make_pdf, upload


def _confidential_document(client, room, people) -> int:
    """A document of a confidential item named to the secretary and the first delegate."""
    item_id = add_confidential_item(client, room, [people.secretary.id, people.delegates[0].id])
    organiser = {"Authorization": f"Bearer {room.tokens['vanthu']}"}
    document = upload(client, organiser, room.meeting_id, make_pdf(2), agenda_item_id=item_id)
    assert document.status_code == 201, document.get_json()
    return document.get_json()["id"]


def _deep(levels: int) -> dict:
    data: dict = {"x": 1}
    for _ in range(levels):
        data = {"a": data}
    return data


def test_a_shared_annotation_on_a_confidential_document_reaches_only_the_items_people(
    client, live_server, devices, room, people
):
    document_id = _confidential_document(client, room, people)
    secretary, named, other, chair = (
        devices(live_server, room.tokens[name]) for name in ("thuky", "daibieu1", "daibieu2", "chutich")
    )
    for device in (secretary, named, other, chair):
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    secret = {"meeting_id": room.meeting_id, "document_id": document_id, "page": 1, "shared": True}
    answer = secretary.call("annotate", {**secret, "data": {"kind": "note", "text": "Nhân sự dự kiến"}})
    assert answer["ok"] is True, answer
    assert named.wait_for("annotation", 1)[0]["id"] == answer["annotation"]["id"]
    # A later annotation for the whole room comes behind it on each connection: whoever gets this
    # one without the first never gets the first.
    public = {**secret, "document_id": room.document_id, "data": {"highlight": [1, 2, 3, 4]}}
    assert secretary.call("annotate", public)["ok"] is True
    for device in (other, chair):
        assert [a["document_id"] for a in device.wait_for("annotation", 1)] == [room.document_id]
    assert len(named.wait_for("annotation", 2)) == 2

    def shared_ids(device) -> list[int]:
        state = device.call("join", {"meeting_id": room.meeting_id})["state"]
        return [a["document_id"] for a in state["annotations"]]

    assert shared_ids(named) == [document_id, room.document_id]
    assert shared_ids(other) == shared_ids(chair) == [room.document_id]


def test_annotation_data_out_of_shape_is_refused_by_name_and_nothing_is_stored(live_server, devices, room):
    delegate = devices(live_server, room.tokens["daibieu1"])
    delegate.call("join", {"meeting_id": room.meeting_id})
    note = {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 1}
    # 200 levels: the test's own client cannot encode the 900 of the finding (it recurses too).
    for data in (
        _deep(200),
        {"stroke": [[[[1, 2]]]]},
        {f"k{i}": 1 for i in range(51)},
        {"": "no name"},
        {"kind": "note", "text": "nul\x00"},
        {"kind\x00": "note"},
        "a note",
    ):
        answer = delegate.call("annotate", {**note, "data": data})
        assert answer["ok"] is False, data
        assert answer["error"]["code"] == "validation_error"
        assert answer["error"]["message"].startswith("data: ")
    db.session.rollback()
    assert db.session.scalars(select(Annotation)).all() == []
    # What the room's tablets send fits.
    for data in ({"kind": "note", "text": ""}, {"line": [0, 0, 1, 1]}, {"stroke": [[0, 0], [1, 1.5]]}):
        assert delegate.call("annotate", {**note, "data": data})["ok"] is True, data


def test_an_annotation_stored_out_of_shape_does_not_break_the_join_and_its_author_deletes_it(
    live_server, devices, room, people
):
    for shared, author in ((True, people.chair), (False, people.delegates[0])):
        db.session.add(
            Annotation(
                meeting_id=room.meeting_id,
                document_id=room.document_id,
                page=1,
                author_id=author.id,
                is_shared=shared,
                data=_deep(900),
            )
        )
    db.session.commit()
    delegate = devices(live_server, room.tokens["daibieu1"])
    answer = delegate.call("join", {"meeting_id": room.meeting_id})
    assert answer["ok"] is True, answer
    annotations = answer["state"]["annotations"]
    assert [(a["shared"], a["data"]) for a in annotations] == [(True, {}), (False, {})]
    mine = annotations[1]["id"]
    assert delegate.call("annotation_delete", {"meeting_id": room.meeting_id, "annotation_id": mine})["ok"]
    assert [
        a["id"] for a in delegate.call("join", {"meeting_id": room.meeting_id})["state"]["annotations"]
    ] == [annotations[0]["id"]]


def test_only_its_author_deletes_an_annotation_and_its_audience_is_told(live_server, devices, room):
    chair, delegate, delegate_tablet, other = (
        devices(live_server, room.tokens[name]) for name in ("chutich", "daibieu1", "daibieu1", "daibieu2")
    )
    for device in (chair, delegate, delegate_tablet, other):
        device.call("join", {"meeting_id": room.meeting_id})
    note = {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 1}
    shared = chair.call("annotate", {**note, "shared": True, "data": {"highlight": [1, 2, 3, 4]}})[
        "annotation"
    ]
    private = delegate.call("annotate", {**note, "data": {"kind": "note", "text": "Hỏi lại"}})["annotation"]

    def delete(device, annotation_id: int) -> dict:
        return device.call(
            "annotation_delete", {"meeting_id": room.meeting_id, "annotation_id": annotation_id}
        )

    assert delete(delegate, shared["id"])["error"]["code"] == "forbidden"
    # Someone else's private note is not found at all.
    assert delete(other, private["id"])["error"]["code"] == "not_found"
    assert delete(chair, shared["id"]) == {
        "ok": True,
        "annotation_deleted": {
            "meeting_id": room.meeting_id,
            "id": shared["id"],
            "document_id": room.document_id,
            "shared": True,
        },
    }
    assert other.wait_for("annotation_deleted", 1)[0]["id"] == shared["id"]
    assert delete(delegate, private["id"])["ok"] is True
    assert [d["id"] for d in delegate_tablet.wait_for("annotation_deleted", 2)] == [
        shared["id"],
        private["id"],
    ]
    assert delete(chair, shared["id"])["error"]["code"] == "not_found"
    db.session.rollback()
    assert db.session.scalars(select(Annotation)).all() == []
    assert other.call("join", {"meeting_id": room.meeting_id})["state"]["annotations"] == []


def test_a_bad_annotation_gets_the_same_error_from_the_room_as_from_rest(client, live_server, devices, room):
    delegate = devices(live_server, room.tokens["daibieu1"])
    assert delegate.call("join", {"meeting_id": room.meeting_id})["ok"]
    headers = {"Authorization": f"Bearer {room.tokens['daibieu1']}"}
    note = {"document_id": room.document_id, "page": 1, "data": {"kind": "note", "text": "Hỏi lại"}}
    for body in (
        {**note, "data": {"stroke": [[[[1, 2]]]]}},
        {**note, "data": {"": "no name"}},
        {**note, "data": "a note"},
        {**note, "page": "2"},
        {**note, "client_id": "not-a-uuid"},
        {key: value for key, value in note.items() if key != "document_id"},
    ):
        over_rest = client.post(f"/api/v1/meetings/{room.meeting_id}/annotations", json=body, headers=headers)
        assert over_rest.status_code == 422, body
        answer = delegate.call("annotate", {"meeting_id": room.meeting_id, **body})
        assert answer["ok"] is False
        assert answer["error"] == over_rest.get_json()["error"], body
    db.session.rollback()
    assert db.session.scalars(select(Annotation)).all() == []
