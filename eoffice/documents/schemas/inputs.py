"""What the document routes take besides metadata: action bodies, the agency's settings, the list's query."""

from __future__ import annotations

import marshmallow as ma

from eoffice.api_base import ApiSchema
from eoffice.documents.models import Direction, Status
from eoffice.documents.schemas.fields import positive_int, text_field, urgency_field
from eoffice.signing.schemas import SignaturePlacementSchema

# Bodies of POST /documents/<id>/actions/<action>.


class EmptySchema(ApiSchema):
    """An action without input."""


class NoteSchema(ApiSchema):
    note = text_field(2000, allow_none=True, load_default=None)


class RefuseSchema(ApiSchema):
    reason = text_field(2000, required=True)


class SubmitForDirectionSchema(NoteSchema):
    leader_id = ma.fields.Integer(required=True, strict=True)


class AssignSchema(ApiSchema):
    primary_user_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)
    primary_unit_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)
    co_handler_ids = ma.fields.List(ma.fields.Integer(strict=True), load_default=list)
    informed_ids = ma.fields.List(ma.fields.Integer(strict=True), load_default=list)
    deadline = ma.fields.Date(allow_none=True, load_default=None)
    direction_text = text_field(2000, allow_none=True, load_default=None)

    @ma.validates_schema
    def _one_primary(self, data, **kwargs):
        if (data.get("primary_user_id") is None) == (data.get("primary_unit_id") is None):
            raise ma.ValidationError(
                "give exactly one of primary_user_id, primary_unit_id", "primary_user_id"
            )


class ProgressSchema(ApiSchema):
    note = text_field(2000, required=True)
    percent = ma.fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=ma.validate.Range(0, 100)
    )


class OpinionSchema(ApiSchema):
    note = text_field(2000, required=True)


class CompleteSchema(ApiSchema):
    result_note = text_field(2000, required=True)
    reply_document_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)


class SubmitSchema(NoteSchema):
    reviewer_ids = ma.fields.List(
        ma.fields.Integer(strict=True), required=True, validate=ma.validate.Length(min=1, max=20)
    )
    signer_id = ma.fields.Integer(required=True, strict=True)


class CommentSchema(ApiSchema):
    comment = text_field(2000, allow_none=True, load_default=None)


class ApproveSchema(CommentSchema):
    # Unlocks the signer's key when the signer's approval signs; never stored, never logged.
    pin = ma.fields.String(
        load_only=True, allow_none=True, load_default=None, validate=ma.validate.Length(1, 256)
    )
    # The signer's own choice of where the signature goes, at the signature step; overrides the draft's.
    placement = ma.fields.Nested(SignaturePlacementSchema, allow_none=True, load_default=None)


class IssueSchema(NoteSchema):
    # Unlocks the agency's key for its signature at issuance; never stored, never logged.
    pin = ma.fields.String(
        load_only=True, allow_none=True, load_default=None, validate=ma.validate.Length(1, 256)
    )


class ReturnSchema(ApiSchema):
    comment = text_field(2000, required=True)


class RecallSchema(ApiSchema):
    reason = text_field(2000, required=True)


class CorrectSchema(ApiSchema):
    """The fields of an issued document that are put right (those given), and why. Its number, type and
    date are not corrected: a document with others is a replacement."""

    reason = text_field(2000, required=True)
    subject = text_field(500)
    signer_name = text_field(200, allow_none=True)
    signer_position = text_field(200, allow_none=True)
    urgency = ma.fields.String(validate=urgency_field.validate)
    due_date = ma.fields.Date(allow_none=True)
    page_count = ma.fields.Integer(allow_none=True, strict=True, validate=positive_int)


# The agency's settings, and the query of the list.


class DocumentSettingsSchema(ApiSchema):
    agency_id = ma.fields.String(dump_only=True)
    review_levels = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(1, 10))


class DocumentQuerySchema(ApiSchema):
    direction = ma.fields.String(validate=ma.validate.OneOf([d.value for d in Direction]))
    status = ma.fields.String(
        metadata={
            "description": "One state, several separated by commas, or `all`; without it, the documents "
            "waiting for the caller to act"
        }
    )
    q = ma.fields.String(
        validate=ma.validate.Length(1, 200),
        metadata={"description": "Words of the subject, notation, issuer, signer, note or PDF text"},
    )
    from_ = ma.fields.Date(data_key="from", metadata={"description": "Created on or after (Vietnam date)"})
    to = ma.fields.Date(metadata={"description": "Created on or before (Vietnam date)"})
    urgency = ma.fields.String(validate=urgency_field.validate)
    cursor = ma.fields.String(validate=ma.validate.Length(max=200))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(1, 100))

    @ma.validates("status")
    def _known_states(self, value, **kwargs):
        if value == "all":
            return
        unknown = [part for part in value.split(",") if part not in {s.value for s in Status}]
        if unknown:
            raise ma.ValidationError(f"unknown state {', '.join(unknown)}")
