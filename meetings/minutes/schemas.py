"""Response and request schemas of the minutes REST API (the same shapes as the live room's events)."""

import marshmallow as ma

from eoffice.api_base import ApiSchema


class MinutesStatusSchema(ApiSchema):
    meeting_id = ma.fields.Integer()
    seq = ma.fields.Integer(metadata={"description": "Rises by one on every change of the minutes"})
    status = ma.fields.String(metadata={"description": "draft, submitted, returned or approved"})
    submitted_at = ma.fields.String(allow_none=True)
    submitted_by_id = ma.fields.Integer(allow_none=True)
    return_comment = ma.fields.String(allow_none=True)
    returned_at = ma.fields.String(allow_none=True)
    approved_at = ma.fields.String(allow_none=True)
    approved_by_id = ma.fields.Integer(allow_none=True)
    pdf_available = ma.fields.Boolean()


class MinutesSectionSchema(ApiSchema):
    agenda_item_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: the general part"})
    text = ma.fields.String()
    conclusion = ma.fields.String()
    version = ma.fields.Integer(metadata={"description": "0 until first written; +1 per edit"})
    updated_by_id = ma.fields.Integer(allow_none=True)
    updated_at = ma.fields.String(allow_none=True)


class MinutesVoteSchema(ApiSchema):
    vote_id = ma.fields.Integer()
    question = ma.fields.String()
    options = ma.fields.List(ma.fields.String())
    is_secret = ma.fields.Boolean()
    closed_at = ma.fields.String(allow_none=True)
    result = ma.fields.Dict(allow_none=True)


class MinutesPersonSchema(ApiSchema):
    user_id = ma.fields.Integer()
    full_name = ma.fields.String()
    role = ma.fields.String()
    mode = ma.fields.String(allow_none=True)


class MinutesAttendanceSchema(ApiSchema):
    present = ma.fields.List(ma.fields.Nested(MinutesPersonSchema))
    absent = ma.fields.List(ma.fields.Nested(MinutesPersonSchema))
    voting_present = ma.fields.Integer()
    voting_total = ma.fields.Integer()
    quorum_met = ma.fields.Boolean()


class MinutesSchema(MinutesStatusSchema):
    sections = ma.fields.List(ma.fields.Nested(MinutesSectionSchema))
    votes = ma.fields.List(ma.fields.Nested(MinutesVoteSchema))
    attendance = ma.fields.Nested(MinutesAttendanceSchema)
    allowed_actions = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "What the caller may do now: edit_minutes (in the live room), submit_minutes, "
            "return_minutes, approve_minutes"
        },
    )


class MinutesReturnSchema(ApiSchema):
    comment = ma.fields.String(required=True, validate=ma.validate.Length(1, 2000))


class MinutesApproveSchema(ApiSchema):
    # Unlocks the chair's key for the signature of the minutes; never stored, never logged.
    pin = ma.fields.String(
        load_only=True, allow_none=True, load_default=None, validate=ma.validate.Length(1, 256)
    )
