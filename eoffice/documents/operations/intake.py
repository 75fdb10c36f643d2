"""Intake of incoming documents: one pipeline for clerk uploads, the national axis and e-mail.

Each arrival is an InboundRecord and goes through the same ordered steps: check the step is
allowed → validate the metadata → check the files → store them → write the document → number it.
Nothing is stored before the metadata and every file passed; whatever was stored is removed
again if the transaction fails (see eoffice.storage.operations.commit_or_discard).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, func, inspect, select
from sqlalchemy.exc import IntegrityError

from eoffice.accounts.models import Agency, User
from eoffice.db import savepoint
from eoffice.documents import clock, notifications, numbering, workflow
from eoffice.documents.models import Channel, Direction, Document, Status, TraceEntry
from eoffice.documents.operations.common import invalid, load, name, record, shown, step
from eoffice.documents.operations.files import (
    MAX_FILES,
    IncomingFile,
    attach_files,
    check_files,
)
from eoffice.documents.schemas import (
    AxisIncomingMetadataSchema,
    EmailIncomingMetadataSchema,
    IncomingMetadataSchema,
)
from eoffice.documents.workflow import Action, Transition
from eoffice.extensions import db
from eoffice.insert_now import insert_now
from eoffice.storage.operations import objects_discarded_on_error

IntakeWarning = dict[str, Any]
# Schemas hold no state between loads: one instance serves every arrival.
_METADATA = IncomingMetadataSchema()
_AXIS_METADATA = AxisIncomingMetadataSchema()
_CHANNEL_METADATA = {Channel.AXIS: _AXIS_METADATA, Channel.EMAIL: EmailIncomingMetadataSchema()}


@dataclass
class InboundRecord:
    """One arriving document, whatever its channel: metadata as the contract names it, files main first."""

    agency_id: str
    metadata: Any
    files: list[IncomingFile] = field(default_factory=list)
    channel: Channel = Channel.UPLOAD
    # The sender's identification (the axis DocumentId): the same reference arriving twice is one document.
    source_reference: str | None = None
    # What the channel says about the arrival (how the axis package was signed, its warnings):
    # recorded with the document's first trace entry.
    details: dict[str, Any] = field(default_factory=dict)
    # The axis brings the members of zip attachments as files: up to EOFFICE_AXIS_ZIP_MAX_FILES more.
    max_files: int = MAX_FILES


# Built once: constructing the statement costs more CPU than the database spends answering it.
_DUPLICATES = (
    select(Document.id)
    .where(
        Document.agency_id == bindparam("agency_id"),
        Document.direction == Direction.INCOMING,
        Document.issuer_id == bindparam("issuer_id"),
        Document.number == bindparam("number"),
        # Lowered by the database on both sides: SQLite's lower() folds ASCII only, so a notation
        # with Đ must not be compared with Python's Unicode lowering of it.
        func.lower(Document.notation) == func.lower(bindparam("notation", type_=String)),
    )
    .order_by(Document.id)
    .limit(10)
)


def probable_duplicates(agency_id: str, metadata: dict[str, Any]) -> list[IntakeWarning]:
    """Incoming documents of the agency with the same issuer, number and notation."""
    found = db.session.scalars(
        _DUPLICATES,
        {
            "agency_id": agency_id,
            "issuer_id": metadata["issuer_id"],
            "number": metadata["number"],
            "notation": metadata["notation"],
        },
    )
    return [
        {
            "code": "probable_duplicate",
            "document_id": document_id,
            "message": f"document {document_id} has the same issuer, number and notation",
        }
        for document_id in found
    ]


def _accept(
    inbound: InboundRecord, action: Action, actor: User | None
) -> tuple[Document, Transition, list[IntakeWarning]]:
    """The checks of every channel, in order, before anything is written."""
    document = Document(
        agency_id=inbound.agency_id,
        direction=Direction.INCOMING,
        channel=inbound.channel,
        source_reference=inbound.source_reference,
        # None yet: said here, so that answering with the new document does not read them back.
        assignments=[],
        reviews=[],
        recipients=[],
    )
    transition = workflow.check(document, action, actor)
    # A clerk's own agency exists (users.agency_id references it); the axis and e-mail name one.
    own_agency = actor is not None and actor.agency_id == inbound.agency_id
    if not own_agency and db.session.get(Agency, inbound.agency_id) is None:
        raise invalid("agency_id", f"unknown agency {inbound.agency_id}")
    schema = _CHANNEL_METADATA.get(inbound.channel, _METADATA)
    metadata = load(schema, inbound.metadata, location="form", prefix="metadata")
    # A message without documents is kept all the same: the clerk sees it and decides.
    check_files(inbound.files, max_files=inbound.max_files, required=inbound.channel != Channel.EMAIL)
    for key, value in metadata.items():
        setattr(document, key, value)
    return document, transition, probable_duplicates(inbound.agency_id, metadata)


def _store_files(document: Document, inbound: InboundRecord, uploader: User | None) -> None:
    attach_files(document, inbound.files, uploader)
    document.created_at = clock.now()


def _number_arrival(document: Document, moment: datetime, entry: TraceEntry) -> None:
    """Taken last, after every row is written: the counter stays locked only until the commit."""
    numbering.number_arrival(document, entry, clock.vietnam_date(moment), clock.now())


def register_upload(inbound: InboundRecord, actor: User) -> tuple[Document, list[IntakeWarning]]:
    """A clerk's upload: registered at once, with the next arrival number."""
    document, transition, warnings = _accept(inbound, Action.REGISTER, actor)
    _store_files(document, inbound, actor)
    moment = clock.now()
    document.created_by_id = actor.id
    document.registered_by_id = actor.id
    document.registered_at = moment
    name(document, actor)
    details = {"files": len(inbound.files), "channel": str(inbound.channel)}
    if warnings:
        details["probable_duplicates"] = [warning["document_id"] for warning in warnings]
    entry = step(document, transition, Status.REGISTERED, actor, Action.REGISTER, details=details)
    _write_new(document)
    _number_arrival(document, moment, entry)
    return document, warnings


def _write_new(document: Document) -> None:
    """The rows of a document just built, written as plain INSERTs (eoffice.insert_now): a clerk's
    registration is the hottest write of the system, and the ORM's flush is a large part of its CPU."""
    insert_now(
        db.session,
        [
            document,
            *(link.stored_file for link in document.files),
            *document.files,
            *document.participants,
            *([document.search] if document.search is not None else []),
            *inspect(document).attrs.text_extractions.history.added,
            *document.trace,
        ],
    )


def receive_incoming(inbound: InboundRecord) -> tuple[Document, list[IntakeWarning]]:
    """An arrival by the national axis or by e-mail: kept as pending_registration until a clerk registers it.

    Idempotent on the source reference: delivery is at-least-once, the same document arriving
    again returns the first one.
    """
    existing = _received_before(inbound)
    if existing is not None:
        return existing, []
    document, transition, warnings = _accept(inbound, Action.RECEIVE, None)
    details = {"files": len(inbound.files), "channel": str(inbound.channel), **inbound.details}
    if warnings:
        details["probable_duplicates"] = [warning["document_id"] for warning in warnings]
    try:
        # Two deliveries of one document racing: the second one's insert waits for the first and
        # then hits the unique source reference; it rolls back to here and finds the first document.
        with objects_discarded_on_error(), savepoint(db.session):
            _store_files(document, inbound, None)
            step(
                document,
                transition,
                Status.PENDING_REGISTRATION,
                None,
                Action.RECEIVE,
                details=details,
                system=str(inbound.channel),
            )
            db.session.add(document)
            db.session.flush()
    except IntegrityError:
        existing = _received_before(inbound)
        if existing is None:
            raise
        return existing, []
    return document, warnings


def _received_before(inbound: InboundRecord) -> Document | None:
    if inbound.source_reference is None:
        return None
    return db.session.scalar(
        select(Document).where(
            Document.agency_id == inbound.agency_id, Document.source_reference == inbound.source_reference
        )
    )


def register(document: Document, actor: User, *, note: str | None = None) -> Document:
    """A clerk registers a document that arrived by the axis or by e-mail."""
    transition = workflow.check(document, Action.REGISTER, actor)
    moment = clock.now()
    document.registered_by_id = actor.id
    document.registered_at = moment
    name(document, actor)
    entry = step(document, transition, Status.REGISTERED, actor, Action.REGISTER, note=note)
    # The version check of this flush lets only one of two clerks registering at once through.
    _number_arrival(document, moment, entry)
    return document


def refuse(document: Document, actor: User, *, reason: str) -> Document:
    """Invalid or misaddressed: not registered; the axis connector tells the sender (status 02)."""
    transition = workflow.check(document, Action.REFUSE, actor)
    document.refusal_reason = reason
    name(document, actor)
    step(document, transition, Status.REFUSED, actor, Action.REFUSE, note=reason)
    return document


def withdraw(
    document: Document, *, reason: str, system: str, details: dict[str, Any] | None = None
) -> Document:
    """The sender recalled it (national axis: status 13 or a revocation package): withdrawn here, whatever
    its handling reached, and the people working on it are told."""
    transition = workflow.check(document, Action.RECALL, None)
    document.recall_reason = reason
    document.recalled_at = clock.now()
    step(
        document,
        transition,
        Status.RECALLED,
        None,
        Action.RECALL,
        note=reason,
        details=details,
        system=system,
    )
    notifications.recalled(document, reason)
    return document


def amend(
    document: Document, inbound: InboundRecord, *, reason: str, system: str, details: dict
) -> TraceEntry:
    """The sender updated a document it sent (national axis, an update package): its metadata and files are
    now the package's, checked as any arrival's; the trace says what changed. Its handling goes on."""
    metadata = load(_AXIS_METADATA, inbound.metadata, location="form", prefix="metadata")
    check_files(inbound.files, required=True)
    changed = {}
    # The fields the package carries (one it leaves out keeps its value); the issuer stays: it sent it.
    for key in [key for key in inbound.metadata if key != "issuer_id"]:
        before, after = getattr(document, key), metadata[key]
        if before != after:
            changed[key] = {"from": shown(before), "to": shown(after)}
            setattr(document, key, after)
    before_files = [(link.stored_file.name, link.stored_file.sha256) for link in document.files]
    after_files = []
    for file in inbound.files:
        file.stream.seek(0)
        after_files.append((file.name, hashlib.sha256(file.stream.read()).hexdigest()))
        file.stream.seek(0)
    files = None
    if before_files != after_files:
        # The earlier files stay in the store with the trace naming them; the document shows the new ones.
        files = {"from": [name for name, _ in before_files], "to": [name for name, _ in after_files]}
        document.files.clear()
        attach_files(document, inbound.files, None)
    entry = record(
        document,
        None,
        "axis_update",
        note=reason,
        details={**details, "changed": changed, **({"files": files} if files else {})},
        system=system,
    )
    document.updated_at = clock.now()
    db.session.flush()
    return entry


def mark_replaced(document: Document, replacement: Document, *, reason: str | None, system: str) -> Document:
    """The sender replaced a document it sent by another one (national axis): not handled further here."""
    transition = workflow.check(document, Action.REPLACE, None)
    step(
        document,
        transition,
        Status.REPLACED,
        None,
        Action.REPLACE,
        note=reason,
        details={"replaced_by": replacement.id},
        system=system,
    )
    return document
