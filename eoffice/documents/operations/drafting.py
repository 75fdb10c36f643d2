"""Outgoing drafts: metadata, recipients and files, from creation until they are submitted for review."""

from __future__ import annotations

from typing import Any

from eoffice.accounts.models import Agency, User
from eoffice.documents import clock, workflow
from eoffice.documents.document_types import UNTYPED, can_be_legal_normative
from eoffice.documents.models import (
    Channel,
    Direction,
    Document,
    DocumentFile,
    FileRole,
    Recipient,
    RecipientKind,
    Status,
)
from eoffice.documents.operations.common import agency_unit, agency_user, invalid, load, name, record, step
from eoffice.documents.operations.files import IncomingFile, attach_files, check_files, read_content
from eoffice.documents.policy import Permission, can
from eoffice.documents.schemas import OutgoingMetadataSchema, OutgoingUpdateSchema
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from eoffice.signing import operations as signing

_METADATA_FIELDS = (
    "document_type",
    "subject",
    "signer_name",
    "signer_position",
    "urgency",
    "confidentiality",
    "due_date",
    "page_count",
    "language",
    "note",
    "is_legal_normative",
)


def _recipients(document: Document, specs: list[dict[str, Any]]) -> list[Recipient]:
    recipients, seen = [], set()
    for index, spec in enumerate(specs):
        field = f"recipients[{index}]"
        if spec.get("agency_id") is not None:
            if document.is_confidential:
                raise invalid(field, "a confidential document is not sent over the national axis")
            key = ("external", spec["agency_id"])
            recipient = Recipient(
                kind=RecipientKind.EXTERNAL, agency_id=spec["agency_id"], agency_name=spec["agency_name"]
            )
        elif spec.get("unit_id") is not None:
            if document.is_confidential:
                raise invalid(field, "a confidential document goes to named people, not to a unit")
            unit = agency_unit(spec["unit_id"], document.agency_id, field)
            key = ("unit", unit.id)
            recipient = Recipient(kind=RecipientKind.UNIT, unit_id=unit.id, unit=unit)
        else:
            user = agency_user(spec["user_id"], document.agency_id, field)
            key = ("user", user.id)
            recipient = Recipient(kind=RecipientKind.USER, user_id=user.id, user=user)
        if key in seen:
            raise invalid(field, "this recipient is listed twice")
        seen.add(key)
        recipients.append(recipient)
    return recipients


def _check_drafting_unit(document: Document, unit_id: int | None) -> None:
    if unit_id is not None:
        document.drafting_unit = agency_unit(unit_id, document.agency_id, "drafting_unit_id")
        document.drafting_unit_id = unit_id
    if document.document_type in UNTYPED and document.drafting_unit_id is None:
        raise invalid("drafting_unit_id", "required for công văn and thư công: their notation names the unit")


def _check_legal_normative(document: Document) -> None:
    if document.is_legal_normative and not can_be_legal_normative(document.document_type):
        raise invalid(
            "is_legal_normative",
            f"a {document.document_type} is not a legal normative document: only "
            "Nghị quyết (NQ), Quyết định (QĐ), Nghị định (NĐ) and Thông tư (TT) can be",
        )


def _replaceable(replaces_id: int, actor: User) -> Document:
    original = db.session.get(Document, replaces_id)
    if (
        original is None
        or original.direction != Direction.OUTGOING
        or original.agency_id != actor.agency_id
        or not can(actor, Permission.VIEW_DOCUMENT, original)
    ):
        raise invalid("replaces_id", f"no outgoing document {replaces_id} of this agency you can see")
    if original.status not in (Status.ISSUED, Status.RECALLED):
        raise invalid(
            "replaces_id",
            f"document {replaces_id} is {original.status}: only issued or recalled ones are replaced",
        )
    return original


def main_pdf(document: Document, field: str = "files", location: str = "files") -> DocumentFile:
    """The draft's main file, refused unless it is a PDF: only a PDF carries the digital signatures."""
    link = next((link for link in document.files if link.role == FileRole.MAIN), None)
    if link is None or link.stored_file.content_type != signing.PDF:
        raise invalid(field, "the main file must be a PDF to carry the digital signatures", location)
    return link


def create_draft(
    actor: User,
    metadata: Any,
    files: list[IncomingFile],
    *,
    location: str = "json",
    prefix: str | None = None,
) -> Document:
    agency = db.session.get(Agency, actor.agency_id)
    document = Document(
        agency_id=agency.id,
        direction=Direction.OUTGOING,
        channel=Channel.DRAFT,
        issuer_id=agency.id,
        issuer_name=agency.name,
    )
    transition = workflow.check(document, Action.CREATE_DRAFT, actor)
    data = load(OutgoingMetadataSchema(), metadata, location=location, prefix=prefix)
    check_files(files)
    for key in _METADATA_FIELDS:
        setattr(document, key, data[key])
    _check_drafting_unit(document, data["drafting_unit_id"] or actor.unit_id)
    _check_legal_normative(document)
    if data["replaces_id"] is not None:
        document.replaces_id = _replaceable(data["replaces_id"], actor).id
    document.recipients = _recipients(document, data["recipients"])
    attach_files(document, files, actor)
    document.created_by_id = actor.id
    document.created_by = actor
    document.created_at = clock.now()
    name(document, actor)
    step(
        document,
        transition,
        Status.DRAFT,
        actor,
        Action.CREATE_DRAFT,
        details={"files": len(files), "replaces_id": document.replaces_id}
        if document.replaces_id
        else {"files": len(files)},
    )
    db.session.add(document)
    db.session.flush()
    return document


def update_draft(document: Document, actor: User, changes: Any) -> Document:
    workflow.check(document, Action.EDIT, actor)
    data = load(OutgoingUpdateSchema(partial=True), changes)
    for key in _METADATA_FIELDS:
        if key in data:
            if data[key] is None and key in (
                "document_type",
                "subject",
                "urgency",
                "confidentiality",
                "language",
            ):
                raise invalid(key, "may not be null")
            setattr(document, key, data[key])
    if "drafting_unit_id" in data or "document_type" in data:
        _check_drafting_unit(document, data.get("drafting_unit_id"))
    if data.get("signature_placement") is not None:
        link = main_pdf(document, "signature_placement", "json")
        signing.chosen_placement(
            read_content(link), data["signature_placement"], "files[0]", "signature_placement"
        )
    if "signature_placement" in data:
        document.signature_placement = data["signature_placement"]
    _check_legal_normative(document)
    if "recipients" in data:
        document.recipients = _recipients(document, data["recipients"])
    elif "confidentiality" in data:
        # Recipients chosen for an open document may not suit a confidential one.
        specs = [
            {
                "agency_id": r.agency_id,
                "agency_name": r.agency_name,
                "unit_id": r.unit_id,
                "user_id": r.user_id,
            }
            for r in document.recipients
        ]
        _recipients(document, specs)
    record(document, actor, Action.EDIT, details={"fields": sorted(data)})
    document.updated_at = clock.now()
    db.session.flush()
    return document


def add_files(
    document: Document, actor: User, files: list[IncomingFile], *, replace_main: bool = False
) -> Document:
    workflow.check(document, Action.EDIT, actor)
    check_files(files, required=True)
    replaced = [link.stored_file_id for link in document.files if link.role == FileRole.MAIN and replace_main]
    added = attach_files(document, files, actor, replace_main=replace_main)
    db.session.flush()
    details: dict[str, Any] = {"added_files": [link.stored_file_id for link in added]}
    if replaced:
        details["replaced_main_file"] = replaced[0]
    record(document, actor, Action.EDIT, details=details)
    document.updated_at = clock.now()
    db.session.flush()
    return document
