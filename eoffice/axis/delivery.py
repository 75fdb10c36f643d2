"""Sending the axis outbox: leased sends, signed and posted, retried with backoff, outcomes recorded.

A send whose thread (one document, one counterpart) has an earlier send still waiting is not
taken: the axis sees a thread's messages in the order they were recorded.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, update
from sqlalchemy.orm import aliased

from eoffice import outbox
from eoffice.axis import outbound
from eoffice.axis.client import Refused, TemporaryFailure
from eoffice.axis.connector import Connector
from eoffice.axis.models import AxisSend, SendKind, SendStatus
from eoffice.axis.notices import build_notice
from eoffice.axis.package import BUSINESS_TYPES, REVOCATION, UPDATE, build_package
from eoffice.db import utcnow
from eoffice.documents.models import DeliveryStatus
from eoffice.documents.operations.common import record
from eoffice.extensions import db
from eoffice.logs import bound_request_id
from eoffice.storage.backend import StorageError

log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """This send will never go out as it is (the axis refused it, or it cannot be built)."""


def claim_due(limit: int, lease_seconds: float) -> tuple[str, list[int]]:
    earlier = aliased(AxisSend)
    waiting_behind = exists().where(
        earlier.thread == AxisSend.thread,
        earlier.id < AxisSend.id,
        earlier.status.in_([SendStatus.PENDING, SendStatus.SENDING]),
    )
    return outbox.claim_due(AxisSend, limit, lease_seconds, order_by=[AxisSend.id], where=[~waiting_behind])


def _payload(send: AxisSend, connector: Connector) -> bytes:
    identity = connector.identity(send.agency_id)
    if send.kind == SendKind.STATUS:
        if send.payload is None:
            send.payload = build_notice(outbound.notice_of(send), identity)
        return send.payload
    if send.document is None or send.recipient is None:
        raise PermanentFailure("the document or its recipient was deleted")
    try:
        package = outbound.package_of(send)
    except StorageError as exc:
        raise TemporaryFailure(f"a file of the document cannot be read: {exc}") from exc
    send.edxml_document_id = package.document_id
    body = build_package(package, identity)
    limit = connector.settings.axis_max_package_bytes
    if len(body) > limit:
        raise PermanentFailure(f"the package is {len(body)} bytes, larger than the limit of {limit} bytes")
    return body


def _post(send: AxisSend, body: bytes, connector: Connector) -> str:
    client = connector.client_for(send.agency_id)
    try:
        reply = client.send_edoc(body) if send.kind == SendKind.EDOC else client.send_status(body)
    except Refused as exc:
        raise PermanentFailure(f"refused by the axis: {exc}") from exc
    return str(reply.get("message_id") or "")


def _finish(send_id: int, token: str, **values) -> bool:
    """Record the outcome if this worker still holds the lease (one committed statement follows)."""
    result = db.session.execute(
        update(AxisSend)
        .where(AxisSend.id == send_id, AxisSend.lease_token == token)
        .values(lease_until=None, lease_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _acts_on_delivered(send: AxisSend) -> bool:
    """A revocation or update: the recipient's delivery is the document's package's, not this one's."""
    return send.business_type in (REVOCATION, UPDATE)


def _delivered(send: AxisSend, message_id: str) -> None:
    recipient, document = send.recipient, send.document
    if send.kind != SendKind.EDOC or recipient is None or document is None:
        return
    if not _acts_on_delivered(send):
        recipient.delivery_status = DeliveryStatus.SENT
        recipient.delivered_at = utcnow()
    record(
        document,
        None,
        "axis_sent",
        note=recipient.agency_name,
        details={
            "organ_id": send.to_organ_id,
            "message_id": message_id,
            "document_id": send.edxml_document_id,
            "business_type": BUSINESS_TYPES[send.business_type],
        },
        system="axis",
    )


def _given_up(send: AxisSend, reason: str) -> None:
    recipient, document = send.recipient, send.document
    if send.kind != SendKind.EDOC or recipient is None or document is None:
        log.warning("axis send %s (%s %s) given up: %s", send.id, send.kind, send.status_code, reason)
        return
    if not _acts_on_delivered(send):
        recipient.delivery_status = DeliveryStatus.FAILED
        recipient.status_description = reason
        recipient.status_at = utcnow()
    record(
        document,
        None,
        "axis_failed",
        note=reason,
        details={"organ_id": send.to_organ_id, "business_type": BUSINESS_TYPES[send.business_type]},
        system="axis",
    )


def _retry_or_give_up(send_id: int, token: str, connector: Connector, error: str) -> str:
    settings = connector.settings
    send = db.session.get(AxisSend, send_id)
    if send.attempts >= settings.axis_max_attempts:
        reason = f"gave up after {send.attempts} attempts: {error}"
        if _finish(send_id, token, status=SendStatus.FAILED, last_error=reason[:4000]):
            _given_up(send, reason)
        db.session.commit()
        return "failed"
    delay = outbox.retry_delay(
        send.attempts, settings.axis_retry_base_seconds, settings.axis_retry_max_seconds
    )
    log.info("axis send %s will be retried in %.1f s: %s", send_id, delay, error)
    _finish(
        send_id,
        token,
        status=SendStatus.PENDING,
        last_error=error[:4000],
        next_attempt_at=utcnow() + timedelta(seconds=delay),
    )
    db.session.commit()
    return "retry"


def attempt(send_id: int, token: str, connector: Connector) -> str:
    """Send one leased row and record what happened: "sent", "retry" or "failed"."""
    send = db.session.get(AxisSend, send_id)
    # The lines about this row carry the id of the request that queued it.
    with bound_request_id(send.request_id if send is not None else None):
        return _attempt(send_id, token, connector)


def _attempt(send_id: int, token: str, connector: Connector) -> str:
    try:
        send = db.session.get(AxisSend, send_id)
        body = _payload(send, connector)
        # Ends the transaction before the call, nothing stays locked while the axis thinks; keeps a
        # notice's signed bytes and a package's DocumentId for the retries and the statuses to come.
        db.session.commit()
        message_id = _post(send, body, connector)
    except PermanentFailure as exc:
        db.session.rollback()
        send = db.session.get(AxisSend, send_id)
        if _finish(send_id, token, status=SendStatus.FAILED, last_error=str(exc)[:4000]):
            _given_up(send, str(exc))
        db.session.commit()
        return "failed"
    except TemporaryFailure as exc:
        db.session.rollback()
        return _retry_or_give_up(send_id, token, connector, str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug or a broken file: retried with backoff, then given up
        log.exception("axis send %s could not be made", send_id)
        db.session.rollback()
        return _retry_or_give_up(send_id, token, connector, f"{type(exc).__name__}: {exc}")
    send = db.session.get(AxisSend, send_id)
    if _finish(
        send_id, token, status=SendStatus.SENT, sent_at=utcnow(), axis_message_id=message_id, last_error=None
    ):
        _delivered(send, message_id)
    db.session.commit()
    log.info("axis send %s (%s) sent to %s: message %s", send_id, send.kind, send.to_organ_id, message_id)
    return "sent"


def send_due(connector: Connector, batch_size: int = 20) -> int:
    """One pass: lease due sends and try each. Returns how many were tried."""
    token, claimed = claim_due(batch_size, connector.settings.axis_lease_seconds)
    for send_id in claimed:
        try:
            attempt(send_id, token, connector)
        except Exception:  # noqa: BLE001 - one broken send must not stop the others; its lease runs out
            log.exception("axis send %s failed unexpectedly", send_id)
            db.session.rollback()
    return len(claimed)
