"""What the axis does: register systems, accept packages and status notices, deliver them until acked."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from national_axis.auth import Caller, new_secret
from national_axis.database import begin_write, session
from national_axis.edxml import HEADER_PATH as PACKAGE_HEADER
from national_axis.edxml import ORGAN_ID, read_package
from national_axis.errors import AxisError, Problems, problem
from national_axis.models import Agency, Delivery, Message, System, utcnow
from national_axis.notices import HEADER_PATH as NOTICE_HEADER
from national_axis.notices import StatusNotice, read_status
from national_axis.xmlsafe import (
    XmlRefused,
    has_signature,
    load_certificate,
    parse_untrusted,
    verify_enveloped,
)


def register_system(payload: Any) -> tuple[System, str]:
    """A new connected system speaking for the given agencies; answers its one-time secret."""
    found: list[dict[str, str]] = []
    if not isinstance(payload, dict):
        raise Problems([problem("body", "a JSON object is required")])
    name = payload.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        found.append(problem("name", "a name of 1 to 200 characters is required"))
    certificate = payload.get("certificate")
    if not isinstance(certificate, str):
        found.append(problem("certificate", "the signing certificate (PEM) is required"))
    else:
        try:
            load_certificate(certificate)
        except ValueError as exc:
            found.append(problem("certificate", str(exc)))
    agencies = payload.get("agencies")
    if not isinstance(agencies, list) or not agencies:
        found.append(problem("agencies", "a non-empty list of {id, name, parent?} is required"))
        agencies = []
    rows: list[Agency] = []
    for index, item in enumerate(agencies):
        item_problems = _agency_problems(f"agencies[{index}]", item, rows)
        if item_problems:
            found += item_problems
        else:
            rows.append(Agency(id=item["id"], name=item["name"].strip(), parent_id=item.get("parent")))
    if found:
        raise Problems(found, "system refused")

    begin_write()
    db = session()
    taken = db.scalars(sa.select(Agency.id).where(Agency.id.in_([row.id for row in rows]))).all()
    if taken:
        listed = ", ".join(sorted(taken))
        raise AxisError(409, "agency_taken", f"already spoken for by another system: {listed}", sorted(taken))
    secret, secret_sha256 = new_secret()
    system = System(
        id=str(uuid.uuid4()), name=name.strip(), secret_sha256=secret_sha256, certificate_pem=certificate
    )
    db.add(system)
    db.flush()
    for row in rows:
        row.system_id = system.id
        db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        message = "an agency was registered by another system at the same time"
        raise AxisError(409, "agency_taken", message) from None
    return system, secret


def _agency_problems(field: str, item: Any, rows: list[Agency]) -> list[dict[str, str]]:
    if not isinstance(item, dict):
        return [problem(field, "must be an object {id, name, parent?}")]
    found = []
    organ_id, organ_name, parent = item.get("id"), item.get("name"), item.get("parent")
    if not isinstance(organ_id, str) or not ORGAN_ID.match(organ_id):
        found.append(problem(f"{field}.id", f"{organ_id!r} is not an agency identifier (like 000.00.00.H49)"))
    elif any(row.id == organ_id for row in rows):
        found.append(problem(f"{field}.id", f"{organ_id} is listed twice"))
    if not isinstance(organ_name, str) or not 1 <= len(organ_name.strip()) <= 200:
        found.append(problem(f"{field}.name", "a name of 1 to 200 characters is required"))
    if parent is not None and (not isinstance(parent, str) or not ORGAN_ID.match(parent)):
        found.append(problem(f"{field}.parent", f"{parent!r} is not an agency identifier"))
    return found


def list_agencies() -> list[Agency]:
    return list(session().scalars(sa.select(Agency).order_by(Agency.id)))


def _parse(body: bytes, field: str):
    try:
        return parse_untrusted(body, field)
    except XmlRefused as refused:
        raise Problems(refused.problems, f"{field} refused") from None


def _sender_certificate(caller: Caller) -> str:
    return session().get(System, caller.system_id).certificate_pem


BUSINESS_UPDATE = 2  # Bussiness › BussinessDocType of an update


def accept_package(caller: Caller, body: bytes) -> Message:
    """Check a package and keep it for its recipients; a repeated send answers the first message."""
    root = _parse(body, "package")
    found, signed = verify_enveloped(body, root, PACKAGE_HEADER, "edXMLHeader", _sender_certificate(caller))
    # Read what the signature covers; only when it does not verify, read the raw tree to name more problems.
    package, content_problems = read_package(signed if signed is not None else root)
    found += content_problems
    if package is not None:
        if package.from_organ_id and package.from_organ_id not in caller.organ_ids:
            found.append(problem("From.OrganId", _not_spoken_for(package.from_organ_id)))
        known = set(session().scalars(sa.select(Agency.id).where(Agency.id.in_(package.to_organ_ids))))
        for index, organ_id in package.recipients:
            if organ_id not in known:
                text = f"{organ_id} is not an agency connected to the axis"
                found.append(problem(f"To[{index}].OrganId", text))
    if found:
        raise Problems(found, "package refused")

    recipients = sorted(package.to_organ_ids)
    # Bussiness › BussinessDocType is part of it: an update or replacement is a new send, not a repeat.
    # An update keeps the DocumentId of the document it corrects: a second correction is another
    # package (other bytes), the same bytes again a repeat.
    fingerprint = "\n".join(
        [
            "edoc",
            package.from_organ_id,
            package.document_id,
            str(package.business_doc_type),
            ",".join(recipients),
            *([hashlib.sha256(body).hexdigest()] if package.business_doc_type == BUSINESS_UPDATE else []),
        ]
    )
    dedupe_key = _sha256(fingerprint.encode("utf-8"))
    begin_write()
    db = session()
    existing = _by_dedupe_key(dedupe_key)
    if existing is not None:
        return existing
    document_id = db.scalar(
        sa.select(Message.document_id)
        .where(Message.from_organ_id == package.from_organ_id)
        .where(Message.edxml_document_id == package.document_id, Message.kind == "edoc")
        .limit(1)
    )
    message = Message(
        id=str(uuid.uuid4()),
        kind="edoc",
        document_id=document_id or str(uuid.uuid4()),
        sender_system_id=caller.system_id,
        from_organ_id=package.from_organ_id,
        edxml_document_id=package.document_id,
        business_doc_type=package.business_doc_type,
        dedupe_key=dedupe_key,
        body=body,
        received_at=utcnow(),
    )
    return _store_once(message, recipients)


def accept_status(caller: Caller, body: bytes) -> Message:
    """Check a status notice, deliver it to its addressee and record it on the package it is about."""
    root = _parse(body, "status")
    # Notices come unsigned from real systems (the samples): the caller is authenticated already.
    found, signed = [], None
    if has_signature(root):
        found, signed = verify_enveloped(
            body, root, NOTICE_HEADER, "edXMLHeader", _sender_certificate(caller)
        )
    notice, content_problems = read_status(signed if signed is not None else root)
    found += content_problems
    delivery_id = None
    if notice is not None:
        addressing, delivery_id = _check_addressing(caller, notice)
        found += addressing
    if found:
        raise Problems(found, "status notice refused")

    begin_write()
    dedupe_key = _sha256(b"status\n" + hashlib.sha256(body).digest())
    existing = _by_dedupe_key(dedupe_key)
    if existing is not None:
        return existing
    db = session()
    message = Message(
        id=str(uuid.uuid4()),
        kind="status",
        sender_system_id=caller.system_id,
        from_organ_id=notice.from_organ_id,
        edxml_document_id=notice.document_id,
        status_code=notice.code,
        dedupe_key=dedupe_key,
        body=body,
        received_at=utcnow(),
    )
    # The latest notice by its own Timestamp wins, so a late retry of "arrived" cannot hide "accepted".
    db.execute(
        sa.update(Delivery)
        .where(Delivery.id == delivery_id)
        .where(sa.or_(Delivery.status_at.is_(None), Delivery.status_at <= notice.timestamp))
        .values(status_code=notice.code, status_description=notice.description, status_at=notice.timestamp)
    )
    return _store_once(message, [notice.addressee_id])


def _check_addressing(caller: Caller, notice: StatusNotice) -> tuple[list[dict[str, str]], int | None]:
    """A notice goes between a package's sender and one of its recipients, about that package."""
    found: list[dict[str, str]] = []
    sender, recipient = notice.original_sender_id, notice.recipient_id
    if notice.from_organ_id not in caller.organ_ids:
        found.append(problem("From.OrganId", _not_spoken_for(notice.from_organ_id)))
    if found:
        return found, None
    delivery_id = session().scalar(
        sa.select(Delivery.id)
        .join(Message, Message.seq == Delivery.message_seq)
        .where(Message.kind == "edoc", Message.from_organ_id == sender)
        .where(Message.edxml_document_id == notice.document_id, Delivery.organ_id == recipient)
        .order_by(Message.seq.desc())
        .limit(1)
    )
    if delivery_id is None:
        text = f"no package {notice.document_id} from {sender} to {recipient} has passed through the axis"
        found.append(problem("ResponseFor.DocumentId", text))
    return found, delivery_id


def _not_spoken_for(organ_id: str) -> str:
    return f"{organ_id} is not an agency the calling system speaks for"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _by_dedupe_key(dedupe_key: str) -> Message | None:
    return session().scalar(sa.select(Message).where(Message.dedupe_key == dedupe_key))


def _store_once(message: Message, addressees: list[str]) -> Message:
    """Insert the message and its deliveries; a twin committed meanwhile wins (the unique dedupe_key)."""
    db = session()
    try:
        db.add(message)
        db.flush()
        db.add_all(Delivery(message_seq=message.seq, organ_id=organ_id) for organ_id in addressees)
        db.commit()
    except IntegrityError:
        db.rollback()
        existing = _by_dedupe_key(message.dedupe_key)
        if existing is None:
            raise
        return existing
    return message


def pending(caller: Caller, limit: int) -> list[sa.Row]:
    return list(
        session().execute(
            sa.select(Message.id, Message.kind, Message.from_organ_id, Message.received_at, Delivery.organ_id)
            .join(Message, Message.seq == Delivery.message_seq)
            .where(Delivery.organ_id.in_(caller.organ_ids), Delivery.acked_at.is_(None))
            .order_by(Message.seq, Delivery.organ_id)
            .limit(limit)
        )
    )


def _addressed_message(caller: Caller, message_id: str) -> tuple[Message, list[Delivery]]:
    db = session()
    message = db.scalar(sa.select(Message).where(Message.id == message_id))
    if message is None:
        raise AxisError(404, "not_found", f"no message {message_id}")
    deliveries = list(
        db.scalars(
            sa.select(Delivery)
            .where(Delivery.message_seq == message.seq)
            .where(Delivery.organ_id.in_(caller.organ_ids))
        )
    )
    if not deliveries:
        text = f"message {message_id} is not addressed to an agency of this system"
        raise AxisError(403, "not_addressee", text)
    return message, deliveries


def message_body(caller: Caller, message_id: str) -> tuple[str, bytes]:
    message, _ = _addressed_message(caller, message_id)
    return message.kind, message.body


def ack(caller: Caller, message_id: str, organ_id: str | None) -> None:
    """Stop offering the message to the caller's addressees (or the one named); acking twice is fine."""
    begin_write()
    message, deliveries = _addressed_message(caller, message_id)
    if organ_id is not None and all(delivery.organ_id != organ_id for delivery in deliveries):
        text = f"message {message_id} is not addressed to {organ_id} of this system"
        raise AxisError(403, "not_addressee", text)
    now = utcnow()
    for delivery in deliveries:
        if delivery.acked_at is None and organ_id in (None, delivery.organ_id):
            delivery.acked_at = now
    session().commit()


def sent(caller: Caller, limit: int, cursor: int | None) -> tuple[list[dict], int | None]:
    """The caller's packages, newest first, each with every recipient's ack and latest status."""
    db = session()
    query = (
        sa.select(Message.seq, Message.id, Message.document_id, Message.edxml_document_id)
        .add_columns(Message.received_at)
        .where(Message.sender_system_id == caller.system_id, Message.kind == "edoc")
        .order_by(Message.seq.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(Message.seq < cursor)
    rows = list(db.execute(query))
    page, more = rows[:limit], len(rows) > limit
    by_message: dict[int, list[Delivery]] = {row.seq: [] for row in page}
    if page:
        for delivery in db.scalars(
            sa.select(Delivery).where(Delivery.message_seq.in_(by_message)).order_by(Delivery.organ_id)
        ):
            by_message[delivery.message_seq].append(delivery)
    edocs = [
        {
            "document_id": row.document_id,
            "message_id": row.id,
            "edxml_document_id": row.edxml_document_id,
            "sent_at": row.received_at.isoformat(),
            "recipients": [
                {
                    "organ_id": delivery.organ_id,
                    "acked": delivery.acked_at is not None,
                    "status_code": delivery.status_code,
                    "description": delivery.status_description,
                    "updated_at": delivery.status_at.isoformat() if delivery.status_at else None,
                }
                for delivery in by_message[row.seq]
            ],
        }
        for row in page
    ]
    return edocs, (page[-1].seq if more else None)
