"""What the document routes answer: a document with all it holds, pages of lists, what the forms offer."""

from __future__ import annotations

import marshmallow as ma

from eoffice.api_base import ApiSchema
from eoffice.documents.document_types import number_and_notation
from eoffice.documents.models import Direction, Status
from eoffice.signing.schemas import SignaturePlacementSchema


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
