"""The matrix's meeting routes: meetings, agenda, documents, annotations, minutes, opinions
(`meetings.policy`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import TestResponse

from eoffice.accounts.models import User
from eoffice.extensions import db
from meetings import policy as meeting_policy
from meetings.models import AgendaItem, Meeting, MeetingDocument
from tests.authorization.helpers import (
    DEADLINE,
    Entry,
    Probe,
    Target,
    anyone,
    get,
    ids_of,
    load_meeting,
    multipart,
    reads_meeting_document,
    send,
)
from tests.authorization.world import assert_roles_get_what_the_rules_allow
from tests.meetings.conftest import ENDS, STARTS

AGENDA = ("agenda:ordinary", "agenda:confidential")
MEETING_DOCUMENTS = ("meeting_document:ordinary", "meeting_document:confidential")


def _item(t: Target) -> AgendaItem:
    return db.session.get(AgendaItem, t.item_id)


def _meeting_rule(check: Callable[[User, Meeting], bool]) -> Callable[[User, Target], bool]:
    return lambda user, t: check(user, load_meeting(t))


def _uploads_to_item(user: User, t: Target) -> bool:
    meeting = load_meeting(t)
    return meeting_policy.may_view(user, meeting) and meeting_policy.may_upload(user, meeting, _item(t))


def _lists_visible_meetings(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    meetings = db.session.scalars(sa.select(Meeting)).all()
    assert ids_of(body) == {m.id for m in meetings if meeting_policy.may_view(user, m)}, "meetings listed"


def _expected_documents(user: User, meeting: Meeting) -> set[int]:
    documents = db.session.scalars(sa.select(MeetingDocument).where(MeetingDocument.meeting_id == meeting.id))
    return {d.id for d in documents if meeting_policy.may_read_document(user, meeting, d)}


def _shows_visible_agenda(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    meeting = load_meeting(t)
    items = {i.id for i in meeting.agenda_items if meeting_policy.may_see_item(user, i)}
    assert ids_of(body["agenda"]) == items, "agenda items shown"
    assert ids_of(body["documents"]) == _expected_documents(user, meeting), "documents shown"


def _shows_visible_minutes(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    meeting = load_meeting(t)
    items = {i.id for i in meeting.agenda_items if meeting_policy.may_see_item(user, i)}
    assert {s["agenda_item_id"] for s in body["sections"]} - {None} == items, "minutes sections shown"


def _shows_answers_to_managers(user: User, t: Target, response: TestResponse) -> None:
    """Who answered what is for those who run the meeting; a delegate sees the totals."""
    body = response.get_json()
    polls = body if isinstance(body, list) else [body]
    shown = {bool(poll["answers"]) for poll in polls}
    assert shown == {meeting_policy.may_manage(user, load_meeting(t))}, "answers of each person shown"


def _lists_readable_meeting_documents(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    assert ids_of(body) == _expected_documents(user, load_meeting(t)), "meeting documents listed"


def _lists_readable_offline_documents(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    assert ids_of(body["documents"]) == _expected_documents(user, load_meeting(t)), "offline book's documents"


MEETINGS: dict[tuple[str, str], Entry] = {
    # Meetings.
    ("POST", "/api/v1/meetings"): Entry(
        ("caller",),
        lambda t, user: Probe(
            "POST",
            "/api/v1/meetings",
            {
                "json": {
                    "title": "Họp thử",
                    "starts_at": STARTS,
                    "ends_at": ENDS,
                    "chair_id": user.id if user else 1,
                }
            },
        ),
        lambda user, t: meeting_policy.may_organise(user),
    ),
    ("GET", "/api/v1/meetings"): Entry(
        ("caller",), get("/api/v1/meetings"), anyone, listed=_lists_visible_meetings
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>"): Entry(
        ("meeting",),
        get("/api/v1/meetings/{t.meeting_id}"),
        _meeting_rule(meeting_policy.may_view),
        listed=_shows_visible_agenda,
    ),
    ("PATCH", "/api/v1/meetings/<int:meeting_id>"): Entry(
        ("meeting",),
        send("PATCH", "/api/v1/meetings/{t.meeting_id}", json={"location": "Phòng họp số 2"}),
        _meeting_rule(meeting_policy.may_manage),
    ),
    **{
        ("POST", f"/api/v1/meetings/<int:meeting_id>/{step}"): Entry(
            ("meeting",),
            send("POST", f"/api/v1/meetings/{{t.meeting_id}}/{step}"),
            _meeting_rule(meeting_policy.may_manage),
        )
        for step in ("invite", "start", "close", "cancel")
    },
    ("POST", "/api/v1/meetings/<int:meeting_id>/agenda"): Entry(
        ("meeting",),
        send("POST", "/api/v1/meetings/{t.meeting_id}/agenda", json={"title": "Mục mới"}),
        _meeting_rule(meeting_policy.may_manage),
    ),
    ("PATCH", "/api/v1/meetings/<int:meeting_id>/agenda/<int:item_id>"): Entry(
        AGENDA,
        send("PATCH", "/api/v1/meetings/{t.meeting_id}/agenda/{t.item_id}", json={"title": "Tên mục mới"}),
        lambda user, t: (
            meeting_policy.may_manage(user, load_meeting(t)) and meeting_policy.may_see_item(user, _item(t))
        ),
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/documents"): Entry(
        ("meeting",),
        get("/api/v1/meetings/{t.meeting_id}/documents"),
        _meeting_rule(meeting_policy.may_view),
        listed=_lists_readable_meeting_documents,
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/documents"): Entry(
        AGENDA,
        multipart(
            "POST", "/api/v1/meetings/{t.meeting_id}/documents", lambda t: {"agenda_item_id": str(t.item_id)}
        ),
        _uploads_to_item,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/documents/<int:document_id>"): Entry(
        MEETING_DOCUMENTS,
        get("/api/v1/meetings/{t.meeting_id}/documents/{t.meeting_document_id}"),
        reads_meeting_document,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/documents/<int:document_id>/content"): Entry(
        MEETING_DOCUMENTS,
        get("/api/v1/meetings/{t.meeting_id}/documents/{t.meeting_document_id}/content"),
        reads_meeting_document,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/offline"): Entry(
        ("meeting",),
        get("/api/v1/meetings/{t.meeting_id}/offline"),
        _meeting_rule(meeting_policy.may_view),
        listed=_lists_readable_offline_documents,
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/annotations"): Entry(
        MEETING_DOCUMENTS,
        lambda t, user: Probe(
            "POST",
            f"/api/v1/meetings/{t.meeting_id}/annotations",
            {
                "json": {
                    "document_id": t.meeting_document_id,
                    "page": 1,
                    "data": {"kind": "note", "text": "Ý kiến"},
                }
            },
        ),
        reads_meeting_document,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/minutes"): Entry(
        ("meeting",),
        get("/api/v1/meetings/{t.meeting_id}/minutes"),
        _meeting_rule(meeting_policy.may_view),
        listed=_shows_visible_minutes,
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes/submit"): Entry(
        ("meeting",),
        send("POST", "/api/v1/meetings/{t.meeting_id}/minutes/submit"),
        _meeting_rule(meeting_policy.may_write_minutes),
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes/return"): Entry(
        ("meeting",),
        send("POST", "/api/v1/meetings/{t.meeting_id}/minutes/return", json={"comment": "Đề nghị sửa"}),
        _meeting_rule(meeting_policy.may_approve_minutes),
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes/approve"): Entry(
        ("meeting",),
        send("POST", "/api/v1/meetings/{t.meeting_id}/minutes/approve"),
        _meeting_rule(meeting_policy.may_approve_minutes),
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/minutes/pdf"): Entry(
        ("meeting",),
        get("/api/v1/meetings/{t.meeting_id}/minutes/pdf"),
        _meeting_rule(meeting_policy.may_view),
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/opinions"): Entry(
        ("meeting",),
        send(
            "POST",
            "/api/v1/meetings/{t.meeting_id}/opinions",
            json={"question": "Ý kiến về dự thảo?", "deadline": DEADLINE},
        ),
        _meeting_rule(meeting_policy.may_manage),
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/opinions"): Entry(
        ("meeting",),
        get("/api/v1/meetings/{t.meeting_id}/opinions"),
        _meeting_rule(meeting_policy.may_view),
        listed=_shows_answers_to_managers,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/opinions/<int:poll_id>"): Entry(
        ("poll",),
        get("/api/v1/meetings/{t.meeting_id}/opinions/{t.poll_id}"),
        _meeting_rule(meeting_policy.may_view),
        listed=_shows_answers_to_managers,
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/opinions/<int:poll_id>/answers"): Entry(
        ("poll",),
        send(
            "POST", "/api/v1/meetings/{t.meeting_id}/opinions/{t.poll_id}/answers", json={"option": "Đồng ý"}
        ),
        _meeting_rule(lambda user, m: meeting_policy.may_view(user, m) and meeting_policy.may_vote(user, m)),
    ),
}


@pytest.mark.parametrize("key", sorted(MEETINGS), ids=" ".join)
def test_each_role_gets_from_the_route_what_the_permission_rules_allow(world_app, world, key):
    assert_roles_get_what_the_rules_allow(world_app, world, MEETINGS, key)
