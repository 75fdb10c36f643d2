"""The payloads of the live room's events (meetings.live), as request schemas of the REST API are written.

Each event's payload names its meeting; a refused one is the 422 a route answers, {json: {field: [msgs]}}.
Fields a payload carries beyond these are ignored, as they always were for the room's devices.
"""

from __future__ import annotations

import marshmallow as ma

from eoffice.api_base import ApiSchema
from eoffice.documents.schemas.fields import text_field
from meetings.minutes.operations import MAX_CONCLUSION, MAX_TEXT
from meetings.models import AttendanceMode
from meetings.offline.schemas import AnnotationCreateSchema

DEFAULT_VOTE_OPTIONS = ["Tán thành", "Không tán thành", "Không biểu quyết"]


def _id(**kwargs) -> ma.fields.Integer:
    kwargs.setdefault("required", True)
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1), **kwargs)


def _distinct(options: list[str]) -> None:
    if len(set(options)) != len(options):
        raise ma.ValidationError("options must differ")


class MeetingEventSchema(ApiSchema):
    """An event of one meeting's room, with nothing more: join, leave, speak_request, speak_withdraw,
    end_floor."""

    class Meta:
        unknown = ma.EXCLUDE

    meeting_id = _id()


class PresentSchema(MeetingEventSchema):
    document_id = _id()
    page = _id()


class DesignatePresenterSchema(MeetingEventSchema):
    user_id = _id(required=False, load_default=None, allow_none=True, metadata={"description": "null: none"})


class AgendaGotoSchema(MeetingEventSchema):
    agenda_item_id = _id()


class CheckInSchema(MeetingEventSchema):
    mode = ma.fields.String(
        load_default=AttendanceMode.IN_PERSON.value,
        validate=ma.validate.OneOf([m.value for m in AttendanceMode]),
    )


class SpeakersOrderSchema(MeetingEventSchema):
    user_ids = ma.fields.List(_id(), required=True)


class GiveFloorSchema(MeetingEventSchema):
    user_id = _id()


class VoteOpenSchema(MeetingEventSchema):
    question = text_field(500, required=True)
    options = ma.fields.List(
        text_field(100, required=True),
        load_default=lambda: list(DEFAULT_VOTE_OPTIONS),
        validate=[ma.validate.Length(2, 20), _distinct],
    )
    is_secret = ma.fields.Boolean(load_default=False)


class VoteSchema(MeetingEventSchema):
    """vote_close."""

    vote_id = _id()


class VoteCastSchema(VoteSchema):
    option = text_field(100, required=True)


class AnnotateSchema(MeetingEventSchema, AnnotationCreateSchema):
    """The REST API's annotation (a device's offline outbox sends it there) in the meeting's room."""


class AnnotationDeleteSchema(MeetingEventSchema):
    annotation_id = _id()


class MinutesEditSchema(MeetingEventSchema):
    # Required even though null has a meaning: a forgotten field is not taken for the general part.
    agenda_item_id = _id(
        allow_none=True,
        error_messages={"required": "Missing data for required field (null for the general part)."},
    )
    version = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0))
    # May be empty (a section emptied on purpose); absent, the field is left as it is.
    text = ma.fields.String(validate=ma.validate.Length(max=MAX_TEXT))
    conclusion = ma.fields.String(validate=ma.validate.Length(max=MAX_CONCLUSION))

    @ma.validates_schema
    def check_something_written(self, data, **kwargs):
        if "text" not in data and "conclusion" not in data:
            raise ma.ValidationError("give text, conclusion or both", "text")
