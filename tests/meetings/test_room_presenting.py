"""Presenting a document in the live room: pages reach every device in order; who may present and
what input is refused."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from eoffice.extensions import db
from meetings.models import Meeting, MinutesSection, SpeakerRequest, Vote
from tests.meetings.conftest import build_room


def test_every_participant_device_gets_each_page_in_order_with_rising_seq(live_server, devices, room):
    chair = devices(live_server, room.tokens["chutich"])
    watchers = [
        devices(live_server, room.tokens["daibieu1"]),
        devices(live_server, room.tokens["daibieu1"]),  # the same delegate on a second tablet
        devices(live_server, room.tokens["khachmoi"]),
    ]
    for device in [chair, *watchers]:
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    pages = [1, 2, 3, 5, 4]
    for page in pages:
        answer = chair.call(
            "present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": page}
        )
        assert answer["ok"] is True, answer
    for device in [chair, *watchers]:
        received = device.wait_for("presentation", len(pages))
        assert [(p["page"], p["seq"]) for p in received] == list(zip(pages, range(1, 6), strict=True))
        assert all(
            p["presenter_id"]
            == chair.call("join", {"meeting_id": room.meeting_id})["state"]["meeting"]["chair_id"]
            and p["document_id"] == room.document_id
            and p["meeting_id"] == room.meeting_id
            for p in received[:1]
        )


def test_only_the_chair_secretary_or_designated_presenter_may_present(live_server, devices, room, people):
    chair = devices(live_server, room.tokens["chutich"])
    presenter = devices(live_server, room.tokens["daibieu1"])
    watcher = devices(live_server, room.tokens["daibieu3"])
    for device in (chair, presenter, watcher):
        device.call("join", {"meeting_id": room.meeting_id})
    move = {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 3}
    refused = presenter.call("present", move)
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    assert (
        presenter.call(
            "designate_presenter", {"meeting_id": room.meeting_id, "user_id": people.delegates[0].id}
        )["ok"]
        is False
    )
    designated = chair.call(
        "designate_presenter", {"meeting_id": room.meeting_id, "user_id": people.delegates[0].id}
    )
    assert designated["ok"] is True
    assert presenter.call("present", move) == {"ok": True, "seq": 1}
    assert watcher.wait_for("presentation", 1)[0]["presenter_id"] == people.delegates[0].id
    assert watcher.call("present", move)["ok"] is False


def test_bad_presentation_input_answers_ok_false_and_changes_nothing(live_server, devices, room):
    chair = devices(live_server, room.tokens["chutich"])
    watcher = devices(live_server, room.tokens["daibieu2"])
    for device in (chair, watcher):
        device.call("join", {"meeting_id": room.meeting_id})
    good = {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 1}
    cases = [
        ({**good, "page": 6}, "validation_error"),
        ({**good, "page": 0}, "validation_error"),
        ({**good, "page": "2"}, "validation_error"),
        ({**good, "page": 2.5}, "validation_error"),
        ({k: v for k, v in good.items() if k != "document_id"}, "validation_error"),
        ({**good, "document_id": 999}, "not_found"),
        ({**good, "meeting_id": 999}, "not_found"),
        ([1, 2], "validation_error"),
        (None, "validation_error"),
    ]
    for payload, code in cases:
        answer = chair.call("present", payload)
        assert answer["ok"] is False and answer["error"]["code"] == code, (payload, answer)
        assert answer["error"]["message"]
    time.sleep(0.3)
    assert watcher.of("presentation") == []
    db.session.rollback()
    assert db.session.get(Meeting, room.meeting_id).presentation_seq == 0


def test_nul_text_and_ids_past_the_database_integer_are_refused_by_name_and_store_nothing(
    live_server, devices, room, people
):
    chair, secretary = (devices(live_server, room.tokens[name]) for name in ("chutich", "thuky"))
    for device in (chair, secretary):
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    meeting = {"meeting_id": room.meeting_id}
    vote = {**meeting, "question": "Thông qua báo cáo?", "options": ["Đồng ý", "Không đồng ý"]}
    edit = {**meeting, "agenda_item_id": room.item_id, "version": 0, "text": "Nội dung"}
    too_big = 2**63
    cases = [
        (chair, "vote_open", {**vote, "question": "Thông qua\x00báo cáo?"}, "question"),
        (chair, "vote_open", {**vote, "options": ["Đồng ý", "Không\x00đồng ý"]}, "options"),
        (chair, "vote_open", {**vote, "meeting_id": too_big}, "meeting_id"),
        (chair, "vote_cast", {**meeting, "vote_id": too_big, "option": "Đồng ý"}, "vote_id"),
        (chair, "vote_cast", {**meeting, "vote_id": 1, "option": "Đồng\x00ý"}, "option"),
        (secretary, "minutes_edit", {**edit, "text": "Nội\x00dung"}, "text"),
        (secretary, "minutes_edit", {**edit, "conclusion": "Kết\x00luận"}, "conclusion"),
        (secretary, "minutes_edit", {**edit, "agenda_item_id": too_big}, "agenda_item_id"),
        (secretary, "minutes_edit", {**edit, "version": too_big}, "version"),
        (secretary, "speak_request", {"meeting_id": too_big}, "meeting_id"),
        (chair, "give_floor", {**meeting, "user_id": too_big}, "user_id"),
        (chair, "speakers_order", {**meeting, "user_ids": [people.secretary.id, too_big]}, "user_ids"),
        (chair, "present", {**meeting, "document_id": room.document_id, "page": too_big}, "page"),
    ]
    for device, name, payload, field in cases:
        answer = device.call(name, payload)
        assert answer["ok"] is False and answer["error"]["code"] == "validation_error", (name, answer)
        # Named as a REST route names it: details {json: {field: ...}}, the message "field: ..." (a list's
        # item "field.1: ...").
        assert list(answer["error"]["details"]["json"]) == [field], (name, answer)
        assert answer["error"]["message"].startswith((f"{field}:", f"{field}.")), (name, answer)
    db.session.rollback()
    for model in (Vote, MinutesSection, SpeakerRequest):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert db.session.get(Meeting, room.meeting_id).presentation_seq == 0


def test_presenting_needs_a_meeting_in_progress(client, live_server, devices, people):
    room = build_room(client, people, start=False)
    chair = devices(live_server, room.tokens["chutich"])
    answer = chair.call(
        "present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 1}
    )
    assert answer["ok"] is False and answer["error"]["code"] == "invalid_state"
