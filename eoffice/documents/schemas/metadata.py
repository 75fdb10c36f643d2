"""The metadata contract of documents: incoming ones by each channel, outgoing drafts and their recipients."""

from __future__ import annotations

import marshmallow as ma

from eoffice.api_base import ApiSchema
from eoffice.documents.models import Confidentiality, Urgency
from eoffice.documents.schemas.fields import (
    DocumentTypeField,
    TypeNameField,
    agency_id_field,
    confidentiality_field,
    positive_int,
    text_field,
    urgency_field,
)
from eoffice.signing.schemas import SignaturePlacementSchema


class _SharedMetadataSchema(ApiSchema):
    """What incoming and outgoing documents describe alike (the public metadata names)."""

    document_type = DocumentTypeField(required=True)
    subject = text_field(500, required=True)
    signer_name = text_field(200, allow_none=True, load_default=None)
    signer_position = text_field(200, allow_none=True, load_default=None)
    urgency = ma.fields.String(load_default=Urgency.NORMAL.value, validate=urgency_field.validate)
    confidentiality = ma.fields.String(
        load_default=Confidentiality.NONE.value, validate=confidentiality_field.validate
    )
    due_date = ma.fields.Date(allow_none=True, load_default=None)
    page_count = ma.fields.Integer(allow_none=True, load_default=None, strict=True, validate=positive_int)
    language = ma.fields.String(load_default="vi", validate=ma.validate.Length(2, 10))
    note = text_field(2000, allow_none=True, load_default=None)


class IncomingMetadataSchema(_SharedMetadataSchema):
    """The metadata contract of an incoming document, shared by clerk uploads, the axis and e-mail."""

    issuer_id = ma.fields.String(required=True, validate=agency_id_field.validate)
    issuer_name = text_field(200, required=True)
    number = ma.fields.Integer(required=True, strict=True, validate=positive_int)
    notation = text_field(30, required=True)
    issued_date = ma.fields.Date(required=True)


class AxisIncomingMetadataSchema(IncomingMetadataSchema):
    """An arrival by the national axis: real senders name types the Decree does not list, and number
    documents with codes that are not numbers (the number is then absent, the code kept)."""

    document_type = TypeNameField(required=True)
    number = ma.fields.Integer(allow_none=True, load_default=None, strict=True, validate=positive_int)


class EmailIncomingMetadataSchema(IncomingMetadataSchema):
    """An arrival by e-mail (the agency's official mailbox): the sender is an address, not an agency with
    an identifier, and the number, notation and date of the document are the clerk's to read from it."""

    issuer_id = ma.fields.String(allow_none=True, load_default=None, validate=agency_id_field.validate)
    number = ma.fields.Integer(allow_none=True, load_default=None, strict=True, validate=positive_int)
    notation = text_field(30, allow_none=True, load_default=None)
    issued_date = ma.fields.Date(allow_none=True, load_default=None)


class RecipientInputSchema(ApiSchema):
    """One of: a unit or a person of the agency, or another agency by its identifier and name."""

    unit_id = ma.fields.Integer(strict=True)
    user_id = ma.fields.Integer(strict=True)
    agency_id = ma.fields.String(validate=agency_id_field.validate)
    agency_name = text_field(200)

    @ma.validates_schema
    def _one_kind(self, data, **kwargs):
        given = [key for key in ("unit_id", "user_id", "agency_id") if data.get(key) is not None]
        if len(given) != 1:
            raise ma.ValidationError("give exactly one of unit_id, user_id, agency_id", "_schema")
        if "agency_id" in given and not data.get("agency_name"):
            raise ma.ValidationError("required with agency_id", "agency_name")


class OutgoingMetadataSchema(_SharedMetadataSchema):
    """A draft's metadata: the number, notation and issued date are the system's, at issuance."""

    is_legal_normative = ma.fields.Boolean(load_default=False)
    drafting_unit_id = ma.fields.Integer(allow_none=True, load_default=None, strict=True)
    replaces_id = ma.fields.Integer(allow_none=True, load_default=None, strict=True)
    recipients = ma.fields.List(ma.fields.Nested(RecipientInputSchema), load_default=list)


class OutgoingUpdateSchema(OutgoingMetadataSchema):
    """PATCH of a draft: only the fields given change (the draft's replaces_id is fixed at creation)."""

    class Meta:
        exclude = ("replaces_id",)

    # Checked against the main PDF's pages by the operation; null goes back to the automatic choice.
    signature_placement = ma.fields.Nested(SignaturePlacementSchema, allow_none=True)


class DuplicateCheckSchema(ApiSchema):
    """The fields that identify an incoming document, checked before it is registered."""

    issuer_id = ma.fields.String(required=True, validate=agency_id_field.validate)
    number = ma.fields.Integer(required=True, strict=True, validate=positive_int)
    notation = text_field(30, required=True)
