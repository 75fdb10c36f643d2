"""The meetings REST API: meetings, their state machine, agenda, documents and opinion polls."""

from __future__ import annotations

from sqlalchemy import or_, select

from eoffice.api_base import ApiError, Blueprint
from eoffice.auth.session import caller_required, current_caller, current_user, login_required
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.storage.api import file_part, send_stored_file, upload_limits
from eoffice.storage.operations import commit_or_discard
from meetings import broadcasts, operations, policy, room, workflow
from meetings.models import (
    AgendaItem,
    Meeting,
    MeetingDocument,
    MeetingParticipant,
    OpinionAnswer,
    OpinionPoll,
)
from meetings.schemas import (
    AgendaItemCreateSchema,
    AgendaItemSchema,
    AgendaItemUpdateSchema,
    DocumentUploadFormSchema,
    MeetingCreateSchema,
    MeetingDetailSchema,
    MeetingDocumentSchema,
    MeetingQuerySchema,
    MeetingSchema,
    MeetingUpdateSchema,
    OpinionAnswerCreateSchema,
    OpinionAnswerSchema,
    OpinionPollCreateSchema,
    OpinionPollSchema,
)

blp = Blueprint("meetings", __name__, url_prefix="/api/v1/meetings", description="Paperless meetings")


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"meeting {meeting_id} not found")
    return meeting


def _viewable(meeting_id: int) -> Meeting:
    meeting = _meeting(meeting_id)
    policy.require(policy.may_view(current_caller(), meeting), "only invitees see this meeting")
    return meeting


def _item(meeting: Meeting, item_id: int | None) -> AgendaItem | None:
    if item_id is None:
        return None
    item = next((i for i in meeting.agenda_items if i.id == item_id), None)
    if item is None or not policy.may_see_item(current_caller(), item):
        raise ApiError(404, ErrorCode.NOT_FOUND, f"agenda item {item_id} of meeting {meeting.id} not found")
    return item


class _Item:
    """An agenda item with what the caller may do on it."""

    def __init__(self, meeting: Meeting, item: AgendaItem, user):
        self.item = item
        self.allowed_actions = [str(a) for a in workflow.actions_for(user, meeting, item)]

    def __getattr__(self, name: str):
        return getattr(self.item, name)


class _Detail:
    """A meeting as one user sees it: only the agenda items and documents open to them, and what they
    may do now (the client offers exactly that)."""

    def __init__(self, meeting: Meeting):
        user = current_user()
        self.meeting = meeting
        self.agenda = [_Item(meeting, item, user) for item in room.visible_items(meeting, user)]
        self.documents = room.visible_documents(meeting, user)
        self.allowed_actions = [str(a) for a in workflow.actions_for(user, meeting)]

    def __getattr__(self, name: str):
        return getattr(self.meeting, name)


def _detail(meeting: Meeting) -> _Detail:
    return _Detail(meeting)


@blp.post("")
@blp.arguments(MeetingCreateSchema)
@blp.response(201, MeetingDetailSchema)
@login_required
def create_meeting(body):
    meeting = operations.create_meeting(current_user(), body)
    db.session.commit()
    return _detail(meeting)


@blp.get("")
@blp.arguments(MeetingQuerySchema, location="query")
@blp.response(200, MeetingSchema(many=True))
@blp.doc(
    description="The caller's meetings (organised or invited to), newest first, at most 500. "
    "`from`/`to` (instants with an offset) keep those overlapping the period [from, to)."
)
@login_required
def list_my_meetings(query):
    user = current_user()
    mine = or_(
        Meeting.organiser_id == user.id,
        Meeting.participants.any(MeetingParticipant.user_id == user.id),
    )
    statement = select(Meeting).where(mine).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if "status" in query:
        statement = statement.where(Meeting.status == query["status"])
    if "from_" in query:
        statement = statement.where(Meeting.ends_at > query["from_"])
    if "to" in query:
        statement = statement.where(Meeting.starts_at < query["to"])
    return db.session.scalars(statement.limit(500)).all()


@blp.get("/<int:meeting_id>")
@blp.response(200, MeetingDetailSchema)
@login_required
def get_meeting(meeting_id):
    return _detail(_viewable(meeting_id))


@blp.patch("/<int:meeting_id>")
@blp.arguments(MeetingUpdateSchema)
@blp.response(200, MeetingDetailSchema)
@login_required
def update_meeting(body, meeting_id):
    meeting = _viewable(meeting_id)
    roles = {p.user_id: p.role for p in meeting.participants}
    operations.update_meeting(meeting, body, current_user())
    db.session.commit()
    now = {p.user_id: p.role for p in meeting.participants}
    broadcasts.remove_from_meeting(meeting.id, sorted(roles.keys() - now.keys()))
    # Whoever may have a device in the room and whose role changed is told what it may do now (the
    # organiser may be there before being a participant; other newcomers are not).
    in_room = roles.keys() | {meeting.organiser_id}
    broadcasts.tell_allowed_actions(
        meeting, sorted(u for u in now.keys() & in_room if roles.get(u) != now[u])
    )
    return _detail(meeting)


def _transition(meeting_id: int, action) -> _Detail:
    meeting = action(_viewable(meeting_id), current_user())
    db.session.commit()
    # The open rooms learn the step at once (closing: every device leaves the live controls).
    broadcasts.announce_meeting_status(meeting)
    return _detail(meeting)


@blp.post("/<int:meeting_id>/invite")
@blp.response(200, MeetingDetailSchema)
@login_required
def invite(meeting_id):
    return _transition(meeting_id, operations.invite)


@blp.post("/<int:meeting_id>/start")
@blp.response(200, MeetingDetailSchema)
@login_required
def start(meeting_id):
    return _transition(meeting_id, operations.start)


@blp.post("/<int:meeting_id>/close")
@blp.response(200, MeetingDetailSchema)
@login_required
def close(meeting_id):
    return _transition(meeting_id, operations.close)


@blp.post("/<int:meeting_id>/cancel")
@blp.response(200, MeetingDetailSchema)
@login_required
def cancel(meeting_id):
    return _transition(meeting_id, operations.cancel)


@blp.post("/<int:meeting_id>/agenda")
@blp.arguments(AgendaItemCreateSchema)
@blp.response(201, AgendaItemSchema)
@login_required
def add_agenda_item(body, meeting_id):
    item = operations.add_agenda_item(_viewable(meeting_id), body, current_user())
    db.session.commit()
    return item


@blp.patch("/<int:meeting_id>/agenda/<int:item_id>")
@blp.arguments(AgendaItemUpdateSchema)
@blp.response(200, AgendaItemSchema)
@login_required
def update_agenda_item(body, meeting_id, item_id):
    meeting = _viewable(meeting_id)
    item = operations.update_agenda_item(meeting, _item(meeting, item_id), body, current_user())
    db.session.commit()
    return item


@blp.get("/<int:meeting_id>/documents")
@blp.response(200, MeetingDocumentSchema(many=True))
@login_required
def list_documents(meeting_id):
    return room.visible_documents(_viewable(meeting_id), current_user())


@blp.post("/<int:meeting_id>/documents")
@upload_limits
@blp.arguments(DocumentUploadFormSchema, location="form")
@blp.response(201, MeetingDocumentSchema)
@blp.doc(
    description="multipart/form-data with a `file` part and an optional `agenda_item_id`. "
    "`page_count` is the number of pages of a PDF, null for any other file (shown as one page)."
)
@login_required
def upload_document(form, meeting_id):
    user = current_user()
    meeting = _viewable(meeting_id)
    item = _item(meeting, form.get("agenda_item_id"))
    part = file_part()
    with commit_or_discard():
        document = operations.add_document(meeting, item, part.stream, part.filename, user)
    return document


def _document(meeting_id: int, document_id: int) -> MeetingDocument:
    meeting = _meeting(meeting_id)
    document = db.session.get(MeetingDocument, document_id)
    if document is None or document.meeting_id != meeting.id:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"document {document_id} of meeting {meeting_id} not found")
    policy.require(
        policy.may_read_document(current_caller(), meeting, document),
        "only invitees (named ones, for a confidential item) read this document",
    )
    return document


@blp.get("/<int:meeting_id>/documents/<int:document_id>")
@blp.response(200, MeetingDocumentSchema)
@login_required
def get_document(meeting_id, document_id):
    return _document(meeting_id, document_id)


@blp.get("/<int:meeting_id>/documents/<int:document_id>/content")
@blp.doc(responses={"200": {"description": "The bytes"}, "206": {"description": "A byte range"}})
@caller_required
def download_document(meeting_id, document_id):
    return send_stored_file(_document(meeting_id, document_id).file, immutable=False)


def _poll_view(poll: OpinionPoll, meeting: Meeting) -> dict:
    user = current_user()
    results = {option: 0 for option in poll.options}
    for answer in poll.answers:
        results[answer.option] = results.get(answer.option, 0) + 1
    mine = next((a for a in poll.answers if a.user_id == user.id), None)
    return {
        "id": poll.id,
        "meeting_id": poll.meeting_id,
        "question": poll.question,
        "options": poll.options,
        "deadline": poll.deadline,
        "created_by_id": poll.created_by_id,
        "results": results,
        "answered": len(poll.answers),
        "eligible": sum(1 for p in meeting.participants if p.is_voting),
        "my_answer": mine,
        # Who answered what is for those who run the meeting; a delegate sees the totals.
        "answers": poll.answers if policy.may_manage(user, meeting) else [],
        "allowed_actions": ["answer"] if operations.may_answer_poll(meeting, poll, user) else [],
    }


def _poll(meeting: Meeting, poll_id: int) -> OpinionPoll:
    poll = db.session.get(OpinionPoll, poll_id)
    if poll is None or poll.meeting_id != meeting.id:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"opinion poll {poll_id} of meeting {meeting.id} not found")
    return poll


@blp.post("/<int:meeting_id>/opinions")
@blp.arguments(OpinionPollCreateSchema)
@blp.response(201, OpinionPollSchema)
@login_required
def create_poll(body, meeting_id):
    meeting = _viewable(meeting_id)
    poll = operations.create_poll(meeting, body, current_user())
    db.session.commit()
    return _poll_view(poll, meeting)


@blp.get("/<int:meeting_id>/opinions")
@blp.response(200, OpinionPollSchema(many=True))
@login_required
def list_polls(meeting_id):
    meeting = _viewable(meeting_id)
    polls = db.session.scalars(
        select(OpinionPoll).where(OpinionPoll.meeting_id == meeting.id).order_by(OpinionPoll.id)
    )
    return [_poll_view(poll, meeting) for poll in polls]


@blp.get("/<int:meeting_id>/opinions/<int:poll_id>")
@blp.response(200, OpinionPollSchema)
@login_required
def get_poll(meeting_id, poll_id):
    meeting = _viewable(meeting_id)
    return _poll_view(_poll(meeting, poll_id), meeting)


@blp.post("/<int:meeting_id>/opinions/<int:poll_id>/answers")
@blp.arguments(OpinionAnswerCreateSchema)
@blp.response(201, OpinionAnswerSchema)
@login_required
def answer_poll(body, meeting_id, poll_id):
    meeting = _viewable(meeting_id)
    answer: OpinionAnswer = operations.answer_poll(meeting, _poll(meeting, poll_id), current_user(), body)
    db.session.commit()
    return answer
