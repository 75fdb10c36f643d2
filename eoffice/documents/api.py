"""The documents API: intake, drafts, one route per workflow action, reading, lists and file downloads."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from eoffice.accounts.models import Agency, User
from eoffice.api_base import ApiError, Blueprint, error_response, json_body
from eoffice.auth.session import caller_required, current_caller, current_user, login_required
from eoffice.documents import operations, queries, workflow
from eoffice.documents.document_types import DOCUMENT_TYPES, can_be_legal_normative
from eoffice.documents.models import Document
from eoffice.documents.operations.common import invalid, load
from eoffice.documents.operations.files import MAX_FILES, IncomingFile
from eoffice.documents.policy import Permission, authorize, can
from eoffice.documents.schemas import (
    ApproveSchema,
    AssignSchema,
    CompleteSchema,
    CorrectSchema,
    DocumentPageSchema,
    DocumentQuerySchema,
    DocumentSchema,
    DocumentSettingsSchema,
    DocumentTypeSchema,
    DuplicateCheckSchema,
    EmptySchema,
    IssueSchema,
    NoteSchema,
    OpinionSchema,
    ProbableDuplicateSchema,
    ProgressSchema,
    RecallSchema,
    RefuseSchema,
    ReturnSchema,
    ReviewCandidatesSchema,
    SubmitForDirectionSchema,
    SubmitSchema,
)
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from eoffice.storage.api import apply_upload_limits, send_stored_file
from eoffice.storage.operations import commit_or_discard

blp = Blueprint(
    "documents",
    __name__,
    url_prefix="/api/v1/documents",
    description="Official documents, incoming and outgoing",
)

# An operation of eoffice.documents.operations: (document, actor, **body); it checks the step itself.
Operation = Callable[..., Any]

# POST /documents/<id>/actions/<action>: the body schema and the operation of each action.
ACTIONS: dict[str, tuple[type[ma.Schema], Operation]] = {
    Action.REGISTER: (NoteSchema, operations.register),
    Action.REFUSE: (RefuseSchema, operations.refuse),
    Action.SUBMIT_FOR_DIRECTION: (SubmitForDirectionSchema, operations.submit_for_direction),
    Action.ASSIGN: (AssignSchema, operations.assign),
    Action.REASSIGN: (AssignSchema, functools.partial(operations.assign, action=Action.REASSIGN)),
    Action.RECORD_PROGRESS: (ProgressSchema, operations.record_progress),
    Action.ADD_OPINION: (OpinionSchema, operations.add_opinion),
    Action.MARK_READ: (EmptySchema, operations.mark_read),
    Action.COMPLETE: (CompleteSchema, operations.complete),
    Action.SUBMIT: (SubmitSchema, operations.submit),
    Action.APPROVE: (ApproveSchema, operations.approve),
    Action.RETURN: (ReturnSchema, operations.return_draft),
    Action.ISSUE: (IssueSchema, operations.issue),
    Action.RECALL: (RecallSchema, operations.recall),
    Action.CORRECT: (CorrectSchema, operations.correct),
}
# What a client may offer on a document: the actions above, and editing a draft.
OFFERED_ACTIONS = frozenset(ACTIONS) | {Action.EDIT}


@blp.errorhandler(StaleDataError)
def _changed_meanwhile(_error):
    db.session.rollback()
    return error_response(409, "conflict", "the document was changed by someone else meanwhile; reload it")


class DocumentView:
    """A document as its reader sees it: with what they may do now and, after intake, the warnings."""

    def __init__(self, document: Document, user: User, warnings: list[dict] = ()):
        self._document = document
        self.allowed_actions = [str(a) for a in workflow.actions_for(user, document) if a in OFFERED_ACTIONS]
        self.warnings = list(warnings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._document, name)


def _document(document_id: int) -> Document:
    """The document if the caller may see it: 404 when missing, 403 when hidden from them."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise ApiError(404, "not_found", f"document {document_id} not found")
    authorize(current_caller(), Permission.VIEW_DOCUMENT, document)
    return document


def _multipart_files(what: str) -> list[IncomingFile]:
    """The `files` parts of a multipart request (spooled by Werkzeug, nothing stored yet)."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", f"send multipart/form-data with {what}")
    apply_upload_limits(MAX_FILES)
    return [IncomingFile(part.filename, part.stream) for part in request.files.getlist("files")]


def _multipart() -> tuple[Any, list[IncomingFile]]:
    """The `metadata` part (JSON) and the `files` parts of a multipart request."""
    files = _multipart_files("a `metadata` part and `files` parts")
    raw = request.form.get("metadata")
    if raw is None:
        raise invalid("metadata", "a multipart part named 'metadata' holding JSON is required", "form")
    try:
        metadata = json.loads(raw)
    except ValueError as exc:
        raise invalid("metadata", f"not valid JSON: {exc}", "form") from exc
    except RecursionError as exc:
        raise invalid("metadata", "not valid JSON: nested too deeply", "form") from exc
    return metadata, files


_MULTIPART_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "metadata": {"type": "string", "description": "The metadata as a JSON object"},
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "The main document first, then attachments",
                        },
                    },
                    "required": ["metadata"],
                }
            }
        }
    }
}


@blp.get("")
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, DocumentPageSchema)
@login_required
def list_documents(filters):
    items, next_cursor = queries.list_documents(current_user(), filters)
    return {"items": items, "next_cursor": next_cursor}


@blp.get("/types")
@blp.response(200, DocumentTypeSchema(many=True))
@login_required
def list_document_types():
    """The Decree 30 types with their abbreviations, as the metadata's `document_type` takes them."""
    return [
        {"code": code, "name": name, "can_be_legal_normative": can_be_legal_normative(code)}
        for code, name in DOCUMENT_TYPES.items()
    ]


@blp.post("/incoming")
@blp.response(201, DocumentSchema)
@blp.alt_response(413, description="A file larger than EOFFICE_MAX_UPLOAD_SIZE")
@blp.alt_response(415, description="A file of a type not accepted")
@blp.doc(
    description="Register an incoming document: a `metadata` part (IncomingMetadata as JSON) and one or "
    "more `files` parts, the main document first. Answers with `warnings` on a probable duplicate.",
    **_MULTIPART_DOC,
)
@login_required
def create_incoming():
    user = current_user()
    authorize(user, Permission.CREATE_INCOMING, user.agency_id)
    metadata, files = _multipart()
    with commit_or_discard(keep_loaded=True):
        document, warnings = operations.register_upload(
            operations.InboundRecord(agency_id=user.agency_id, metadata=metadata, files=files), user
        )
    return DocumentView(document, user, warnings)


@blp.post("/incoming/duplicates")
@blp.response(200, ProbableDuplicateSchema(many=True))
@blp.doc(
    description="The incoming documents of the caller's agency with the same issuer, number and notation, "
    "found before registering: nothing is written and no arrival number is taken. JSON body: `issuer_id`, "
    "`number`, `notation` (as in IncomingMetadata)."
)
@login_required
def check_duplicates():
    user = current_user()
    # Who may register is asked before the body is judged, as on POST /incoming.
    authorize(user, Permission.CREATE_INCOMING, user.agency_id)
    body = load(DuplicateCheckSchema(), json_body())
    found = []
    for warning in operations.probable_duplicates(user.agency_id, body):
        document = db.session.get(Document, warning["document_id"])
        if not can(user, Permission.VIEW_DOCUMENT, document):
            found.append({"document_id": document.id, "visible": False})
            continue
        found.append(
            {
                "document_id": document.id,
                "visible": True,
                "number_and_notation": document.number_and_notation,
                "subject": document.subject,
                "issuer_name": document.issuer_name,
                "arrival_number": document.arrival_number,
                "arrival_date": document.arrival_date,
                "status": str(document.status),
            }
        )
    return found


@blp.post("/outgoing")
@blp.response(201, DocumentSchema)
@blp.doc(
    description="Create a draft: multipart like the incoming route (OutgoingMetadata), or the metadata as a "
    "JSON body and the files later through POST /documents/<id>/files.",
    **_MULTIPART_DOC,
)
@login_required
def create_outgoing():
    user = current_user()
    authorize(user, Permission.CREATE_OUTGOING, user.agency_id)
    if request.mimetype == "multipart/form-data":
        metadata, files = _multipart()
        location, prefix = "form", "metadata"
    else:
        metadata, files, location, prefix = request.get_json(), [], "json", None
    with commit_or_discard():
        document = operations.create_draft(user, metadata, files, location=location, prefix=prefix)
    return DocumentView(document, user)


@blp.get("/<int:document_id>")
@blp.response(200, DocumentSchema)
@login_required
def get_document(document_id):
    return DocumentView(_document(document_id), current_user())


@blp.patch("/<int:document_id>")
@blp.response(200, DocumentSchema)
@blp.doc(description="Change a draft (or a returned draft): the OutgoingMetadata fields given, as JSON.")
@login_required
def update_document(document_id):
    document = _document(document_id)
    with commit_or_discard():
        operations.update_draft(document, current_user(), request.get_json())
    return DocumentView(document, current_user())


@blp.post("/<int:document_id>/files")
@blp.response(200, DocumentSchema)
@blp.doc(
    description="Add files to a draft: multipart `files` parts; `replace_main=true` makes the first one "
    "the new main file."
)
@login_required
def add_files(document_id):
    document = _document(document_id)
    files = _multipart_files("`files` parts")
    replace_main = request.form.get("replace_main", "false").lower() in ("1", "true", "yes")
    with commit_or_discard():
        operations.add_files(document, current_user(), files, replace_main=replace_main)
    return DocumentView(document, current_user())


@blp.get("/<int:document_id>/review-candidates")
@blp.response(200, ReviewCandidatesSchema)
@blp.doc(description="Whom the caller may name as reviewers and signer when submitting this draft.")
@login_required
def review_candidates(document_id):
    document = _document(document_id)
    authorize(current_user(), Permission.EDIT_DRAFT, document)
    return operations.review_candidates(document, current_user())


@blp.post("/<int:document_id>/actions/<action>")
@blp.response(200, DocumentSchema)
@blp.doc(
    description="Take one step of the workflow. Actions and their JSON bodies: "
    + "; ".join(f"`{name}` ({schema.__name__})" for name, (schema, _op) in ACTIONS.items())
    + ". 409 `invalid_state` when the state does not allow it, 403 when the caller may not."
)
@login_required
def take_action(document_id, action):
    if action not in ACTIONS:
        raise ApiError(404, "not_found", f"unknown action {action!r}; one of {', '.join(sorted(ACTIONS))}")
    document = _document(document_id)
    schema, operation = ACTIONS[action]
    try:
        body = load(schema(), json_body())
    except (ApiError, HTTPException):
        # A step that cannot happen now is refused as such (409, 403) before its body is judged;
        # a valid body leaves that check to the operation, so that it runs once.
        workflow.check(document, Action(action), current_user())
        raise
    with commit_or_discard():
        operation(document, current_user(), **body)
    return DocumentView(document, current_user())


@blp.get("/<int:document_id>/files/<int:file_id>")
@blp.doc(responses={"200": {"description": "The bytes"}, "206": {"description": "A byte range"}})
@caller_required
def download_file(document_id, file_id):
    document = _document(document_id)
    link = next((link for link in document.files if link.stored_file_id == file_id), None)
    if link is None:
        raise ApiError(404, "not_found", f"document {document_id} has no file {file_id}")
    return send_stored_file(link.stored_file, immutable=True)


@blp.get("/settings/<agency_id>")
@blp.response(200, DocumentSettingsSchema)
@login_required
def get_settings(agency_id):
    user = current_user()
    if user.agency_id != agency_id:
        authorize(user, Permission.MANAGE_DOCUMENT_SETTINGS, agency_id)
    if db.session.get(Agency, agency_id) is None:
        raise ApiError(404, "not_found", f"agency {agency_id} not found")
    return {"agency_id": agency_id, "review_levels": operations.review_levels(agency_id)}


@blp.put("/settings/<agency_id>")
@blp.arguments(DocumentSettingsSchema)
@blp.response(200, DocumentSettingsSchema)
@login_required
def put_settings(body, agency_id):
    authorize(current_user(), Permission.MANAGE_DOCUMENT_SETTINGS, agency_id)
    if db.session.get(Agency, agency_id) is None:
        raise ApiError(404, "not_found", f"agency {agency_id} not found")
    operations.update_settings(agency_id, review_levels=body["review_levels"])
    db.session.commit()
    return {"agency_id": agency_id, "review_levels": body["review_levels"]}
