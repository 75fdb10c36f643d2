"""Schemas of documents: the metadata contract, the body of each action, and the responses."""

from __future__ import annotations

import marshmallow as ma

from eoffice.accounts.models import AGENCY_ID_PATTERN
from eoffice.api_base import ApiSchema
from eoffice.documents.document_types import DOCUMENT_TYPES, normalize_type, number_and_notation
from eoffice.documents.models import Confidentiality, Direction, Status, Urgency
from eoffice.signing.schemas import SignaturePlacementSchema

MAX_INT = 2**31 - 1
MAX_TYPE_NAME = 100


class Text(ma.fields.String):
    """A string without surrounding blanks; required ones may not be blank."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and self.required:
            raise ma.ValidationError("may not be blank")
        return text or None


def _text(max_length: int, *, required: bool = False, **kwargs) -> Text:
    return Text(required=required, validate=ma.validate.Length(max=max_length), **kwargs)


class DocumentTypeField(ma.fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        code = normalize_type(super()._deserialize(value, attr, data, **kwargs))
        if code not in DOCUMENT_TYPES:
            raise ma.ValidationError(
                f"unknown document type {code!r}; one of the Decree 30 abbreviations, or CV, THC"
            )
        return code


agency_id_field = ma.fields.String(
    validate=ma.validate.Regexp(
        AGENCY_ID_PATTERN, error="must be a 13-character agency identifier like 000.00.00.H49"
    )
)
urgency_field = ma.fields.String(validate=ma.validate.OneOf([u.value for u in Urgency]))
confidentiality_field = ma.fields.String(validate=ma.validate.OneOf([c.value for c in Confidentiality]))
positive_int = ma.validate.Range(min=1, max=MAX_INT)


class _SharedMetadataSchema(ApiSchema):
    """What incoming and outgoing documents describe alike (the public metadata names)."""

    document_type = DocumentTypeField(required=True)
    subject = _text(500, required=True)
    signer_name = _text(200, allow_none=True, load_default=None)
    signer_position = _text(200, allow_none=True, load_default=None)
    urgency = ma.fields.String(load_default=Urgency.NORMAL.value, validate=urgency_field.validate)
    confidentiality = ma.fields.String(
        load_default=Confidentiality.NONE.value, validate=confidentiality_field.validate
    )
    due_date = ma.fields.Date(allow_none=True, load_default=None)
    page_count = ma.fields.Integer(allow_none=True, load_default=None, strict=True, validate=positive_int)
    language = ma.fields.String(load_default="vi", validate=ma.validate.Length(2, 10))
    note = _text(2000, allow_none=True, load_default=None)


class IncomingMetadataSchema(_SharedMetadataSchema):
    """The metadata contract of an incoming document, shared by clerk uploads, the axis and e-mail."""

    issuer_id = ma.fields.String(required=True, validate=agency_id_field.validate)
    issuer_name = _text(200, required=True)
    number = ma.fields.Integer(required=True, strict=True, validate=positive_int)
    notation = _text(30, required=True)
    issued_date = ma.fields.Date(required=True)


class TypeNameField(ma.fields.String):
    """A document type as another system names it: one of ours when it is, otherwise the name kept."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = normalize_type(super()._deserialize(value, attr, data, **kwargs))
        if not code or len(code) > MAX_TYPE_NAME:
            raise ma.ValidationError(f"a document type name of 1 to {MAX_TYPE_NAME} characters is required")
        return code


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
    notation = _text(30, allow_none=True, load_default=None)
    issued_date = ma.fields.Date(allow_none=True, load_default=None)


class RecipientInputSchema(ApiSchema):
    """One of: a unit or a person of the agency, or another agency by its identifier and name."""

    unit_id = ma.fields.Integer(strict=True)
    user_id = ma.fields.Integer(strict=True)
    agency_id = ma.fields.String(validate=agency_id_field.validate)
    agency_name = _text(200)

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


# Bodies of POST /documents/<id>/actions/<action>.


class EmptySchema(ApiSchema):
    """An action without input."""


class NoteSchema(ApiSchema):
    note = _text(2000, allow_none=True, load_default=None)


class RefuseSchema(ApiSchema):
    reason = _text(2000, required=True)


class SubmitForDirectionSchema(NoteSchema):
    leader_id = ma.fields.Integer(required=True, strict=True)


class AssignSchema(ApiSchema):
    primary_user_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)
    primary_unit_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)
    co_handler_ids = ma.fields.List(ma.fields.Integer(strict=True), load_default=list)
    informed_ids = ma.fields.List(ma.fields.Integer(strict=True), load_default=list)
    deadline = ma.fields.Date(allow_none=True, load_default=None)
    direction_text = _text(2000, allow_none=True, load_default=None)

    @ma.validates_schema
    def _one_primary(self, data, **kwargs):
        if (data.get("primary_user_id") is None) == (data.get("primary_unit_id") is None):
            raise ma.ValidationError(
                "give exactly one of primary_user_id, primary_unit_id", "primary_user_id"
            )


class ProgressSchema(ApiSchema):
    note = _text(2000, required=True)
    percent = ma.fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=ma.validate.Range(0, 100)
    )


class OpinionSchema(ApiSchema):
    note = _text(2000, required=True)


class CompleteSchema(ApiSchema):
    result_note = _text(2000, required=True)
    reply_document_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)


class SubmitSchema(NoteSchema):
    reviewer_ids = ma.fields.List(
        ma.fields.Integer(strict=True), required=True, validate=ma.validate.Length(min=1, max=20)
    )
    signer_id = ma.fields.Integer(required=True, strict=True)


class CommentSchema(ApiSchema):
    comment = _text(2000, allow_none=True, load_default=None)


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
    comment = _text(2000, required=True)


class RecallSchema(ApiSchema):
    reason = _text(2000, required=True)


class CorrectSchema(ApiSchema):
    """The fields of an issued document that are put right (those given), and why. Its number, type and
    date are not corrected: a document with others is a replacement."""

    reason = _text(2000, required=True)
    subject = _text(500)
    signer_name = _text(200, allow_none=True)
    signer_position = _text(200, allow_none=True)
    urgency = ma.fields.String(validate=urgency_field.validate)
    due_date = ma.fields.Date(allow_none=True)
    page_count = ma.fields.Integer(allow_none=True, strict=True, validate=positive_int)


class DocumentSettingsSchema(ApiSchema):
    agency_id = ma.fields.String(dump_only=True)
    review_levels = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(1, 10))


# Responses.


class DocumentFileSchema(ApiSchema):
    id = ma.fields.Integer(attribute="stored_file.id")
    name = ma.fields.String(attribute="stored_file.name")
    size = ma.fields.Integer(attribute="stored_file.size")
    sha256 = ma.fields.String(attribute="stored_file.sha256")
    content_type = ma.fields.String(attribute="stored_file.content_type")
    role = ma.fields.String(
        metadata={
            "description": "main, attachment, or original: a scan kept as it arrived beside the searchable "
            "PDF the OCR made of it, which took its role"
        }
    )
    position = ma.fields.Integer()
    derived_from = ma.fields.Method(
        "_derived_from",
        metadata={"description": "For a searchable PDF made by OCR, the id of the scan it was made from"},
    )
    signatures = ma.fields.Method(
        "_signatures",
        metadata={
            "description": "Each signature of the PDF as the signature worker validated it "
            "(see /api/v1/signatures/verify); null unless signature_check is done"
        },
    )
    signature_check = ma.fields.Method(
        "_signature_check",
        metadata={
            "description": "pending (queued for the signature worker), done (signatures holds what it "
            "found, [] for an unsigned PDF) or failed (signature_check_error says why); null for a file "
            "that is not a PDF or a PDF stored before signatures were checked",
        },
    )
    signature_check_error = ma.fields.Method(
        "_signature_check_error", metadata={"description": "Why the signatures could not be checked"}
    )

    @staticmethod
    def _check_of(link):
        from eoffice.extensions import db
        from eoffice.signing.models import SignatureCheck
        from eoffice.signing.operations import PDF

        # Only PDFs are queued (signing.queue_check): no lookup for the others.
        if link.stored_file.content_type != PDF:
            return None
        return db.session.get(SignatureCheck, link.stored_file_id)

    def _derived_from(self, link) -> int | None:
        if link.derived_from_id is None:
            return None
        source = next((other for other in link.document.files if other.id == link.derived_from_id), None)
        return source.stored_file_id if source is not None else None

    def _signatures(self, link) -> list[dict] | None:
        check = self._check_of(link)
        return check.signatures if check is not None else None

    def _signature_check(self, link) -> str | None:
        check = self._check_of(link)
        return check.state if check is not None else None

    def _signature_check_error(self, link) -> str | None:
        check = self._check_of(link)
        return check.error if check is not None else None


def _name_of(attribute: str):
    def get(obj):
        related = getattr(obj, attribute)
        if related is None:
            return None
        return getattr(related, "full_name", None) or getattr(related, "name", None)

    return ma.fields.Function(get)


class AssignmentMemberSchema(ApiSchema):
    user_id = ma.fields.Integer(allow_none=True)
    user_name = _name_of("user")
    unit_id = ma.fields.Integer(allow_none=True)
    unit_name = _name_of("unit")


class DocumentAssignmentSchema(ApiSchema):
    id = ma.fields.Integer()
    assigned_by_id = ma.fields.Integer(allow_none=True)
    assigned_by_name = _name_of("assigned_by")
    direction_text = ma.fields.String(allow_none=True)
    deadline = ma.fields.Date(allow_none=True)
    created_at = ma.fields.DateTime()
    superseded_at = ma.fields.DateTime(allow_none=True)
    primary = ma.fields.Nested(AssignmentMemberSchema)
    co_handlers = ma.fields.Function(
        lambda a: AssignmentMemberSchema(many=True).dump(a.members_in("co_handler")),
        metadata={"type": "array"},
    )
    informed = ma.fields.Function(
        lambda a: AssignmentMemberSchema(many=True).dump(a.members_in("informed")), metadata={"type": "array"}
    )


class DocumentReviewSchema(ApiSchema):
    round = ma.fields.Integer()
    level = ma.fields.Integer()
    kind = ma.fields.String()
    reviewer_id = ma.fields.Integer(allow_none=True)
    reviewer_name = _name_of("reviewer")
    decision = ma.fields.String()
    comment = ma.fields.String(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)


class DocumentRecipientSchema(ApiSchema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    unit_id = ma.fields.Integer(allow_none=True)
    unit_name = _name_of("unit")
    user_id = ma.fields.Integer(allow_none=True)
    user_name = _name_of("user")
    agency_id = ma.fields.String(allow_none=True)
    agency_name = ma.fields.String(allow_none=True)
    delivery_status = ma.fields.String(
        metadata={"description": "pending, delivered (internal), queued, sent or failed (another agency)"}
    )
    delivered_at = ma.fields.DateTime(allow_none=True)
    status_code = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Latest status from the receiving agency: 01 arrived, 02 refused, 03 accepted, "
            "04 assigned, 05 in progress, 06 completed, 15 recall agreed, 16 recall refused"
        },
    )
    status_description = ma.fields.String(allow_none=True)
    status_at = ma.fields.DateTime(allow_none=True)


class DocumentParticipantSchema(ApiSchema):
    user_id = ma.fields.Integer()
    user_name = _name_of("user")
    named_at = ma.fields.DateTime()
    read_at = ma.fields.DateTime(allow_none=True)


class DocumentTraceEntrySchema(ApiSchema):
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.String()
    action = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()
    created_at = ma.fields.DateTime()


class IntakeWarningSchema(ApiSchema):
    code = ma.fields.String()
    document_id = ma.fields.Integer()
    message = ma.fields.String()


class DuplicateCheckSchema(ApiSchema):
    """The fields that identify an incoming document, checked before it is registered."""

    issuer_id = ma.fields.String(required=True, validate=agency_id_field.validate)
    number = ma.fields.Integer(required=True, strict=True, validate=positive_int)
    notation = _text(30, required=True)


class ProbableDuplicateSchema(ApiSchema):
    document_id = ma.fields.Integer()
    visible = ma.fields.Boolean(
        metadata={"description": "Whether the caller may open it; the fields below are null when not"}
    )
    number_and_notation = ma.fields.String(allow_none=True)
    subject = ma.fields.String(allow_none=True)
    issuer_name = ma.fields.String(allow_none=True)
    arrival_number = ma.fields.Integer(allow_none=True)
    arrival_date = ma.fields.Date(allow_none=True)
    status = ma.fields.String(allow_none=True)


class ReviewCandidatesSchema(ApiSchema):
    reviewer_ids = ma.fields.List(
        ma.fields.Integer(), metadata={"description": "Who may be named a reviewer (not the caller)"}
    )
    signer_ids = ma.fields.List(ma.fields.Integer(), metadata={"description": "Who may be named the signer"})


class DocumentSummarySchema(ApiSchema):
    id = ma.fields.Integer()
    agency_id = ma.fields.String()
    direction = ma.fields.String(metadata={"enum": [d.value for d in Direction]})
    status = ma.fields.String(metadata={"enum": [s.value for s in Status]})
    issuer_id = ma.fields.String()
    issuer_name = ma.fields.String()
    document_type = ma.fields.String()
    number = ma.fields.Integer(allow_none=True)
    notation = ma.fields.String(allow_none=True)
    number_and_notation = ma.fields.Function(
        # Of a document, or of a list item (a dict: queries.list_documents).
        lambda doc: number_and_notation(
            ma.utils.get_value(doc, "number"),
            ma.utils.get_value(doc, "notation"),
            ma.utils.get_value(doc, "number_year") if ma.utils.get_value(doc, "is_legal_normative") else None,
        ),
        metadata={"example": "15/QĐ-UBND", "description": "A legal normative document's: `15/2026/QĐ-UBND`"},
    )
    issued_date = ma.fields.Date(allow_none=True)
    subject = ma.fields.String()
    urgency = ma.fields.String()
    confidentiality = ma.fields.String()
    due_date = ma.fields.Date(allow_none=True)
    arrival_number = ma.fields.Integer(allow_none=True)
    arrival_date = ma.fields.Date(allow_none=True)
    # The current assignment's deadline: Document.deadline, or a list item's (queries.list_documents).
    deadline = ma.fields.Date(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime()


class DocumentSchema(DocumentSummarySchema):
    channel = ma.fields.String()
    signer_name = ma.fields.String(allow_none=True)
    signer_position = ma.fields.String(allow_none=True)
    page_count = ma.fields.Integer(allow_none=True)
    language = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    arrival_year = ma.fields.Integer(allow_none=True)
    registered_at = ma.fields.DateTime(allow_none=True)
    refusal_reason = ma.fields.String(allow_none=True)
    directing_leader_id = ma.fields.Integer(allow_none=True)
    result_note = ma.fields.String(allow_none=True)
    reply_document_id = ma.fields.Integer(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    drafting_unit_id = ma.fields.Integer(allow_none=True)
    is_legal_normative = ma.fields.Boolean()
    series = ma.fields.String(allow_none=True)
    review_level = ma.fields.Integer(allow_none=True)
    current_reviewer_id = ma.fields.Integer(allow_none=True)
    signer_id = ma.fields.Integer(allow_none=True)
    signature_placement = ma.fields.Nested(SignaturePlacementSchema, allow_none=True)
    issued_at = ma.fields.DateTime(allow_none=True)
    replaces_id = ma.fields.Integer(allow_none=True)
    replaced_by_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The document that replaced this one, if any"}
    )
    recalled_at = ma.fields.DateTime(allow_none=True)
    recall_reason = ma.fields.String(allow_none=True)
    created_by_id = ma.fields.Integer(allow_none=True)
    files = ma.fields.List(ma.fields.Nested(DocumentFileSchema))
    current_assignment = ma.fields.Nested(DocumentAssignmentSchema, allow_none=True)
    assignments = ma.fields.List(ma.fields.Nested(DocumentAssignmentSchema))
    reviews = ma.fields.List(ma.fields.Nested(DocumentReviewSchema))
    recipients = ma.fields.List(ma.fields.Nested(DocumentRecipientSchema))
    participants = ma.fields.List(ma.fields.Nested(DocumentParticipantSchema))
    trace = ma.fields.List(ma.fields.Nested(DocumentTraceEntrySchema))
    allowed_actions = ma.fields.List(
        ma.fields.String(), metadata={"description": "What the caller may do now"}
    )
    warnings = ma.fields.List(ma.fields.Nested(IntakeWarningSchema))


class DocumentTypeSchema(ApiSchema):
    code = ma.fields.String(metadata={"example": "QĐ"})
    name = ma.fields.String(metadata={"example": "Quyết định"})
    can_be_legal_normative = ma.fields.Boolean(
        metadata={"description": "Whether a draft of this type may be marked is_legal_normative"}
    )


class DocumentPageSchema(ApiSchema):
    items = ma.fields.List(ma.fields.Nested(DocumentSummarySchema))
    next_cursor = ma.fields.String(allow_none=True)


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
