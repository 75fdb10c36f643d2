"""The exchange between the two agencies hosted here, as the axis tests drive it: issue to the other
agency, run the worker's passes, read what each side holds."""

from __future__ import annotations

import hashlib

from lxml import etree
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.axis.connector import Connector
from eoffice.axis.tasks import run_pass
from eoffice.axis.xmlsig import hardened_parser
from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.runtime import storage
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.axis.conftest import RECIPIENT, SENDER
from tests.factories import create_document

# The second agency of the document tests is the recipient: its own system on the axis.
OTHER = {"agency_id": RECIPIENT, "agency_name": "Sở Nội vụ tỉnh Quảng Nam"}


def exchange(connector: Connector, *, quiet_passes: int = 2, limit: int = 50) -> None:
    """Run worker passes until nothing moves any more."""
    quiet = 0
    for _ in range(limit):
        quiet = quiet + 1 if run_pass(connector, 20) == 0 else 0
        if quiet >= quiet_passes:
            return
    raise AssertionError("the exchange did not settle")


def issued_to_other(people) -> tuple[int, str]:
    """(id, DocumentId) of an outgoing document issued to the other agency. The worker's passes end
    the session: tests keep ids, not rows."""
    document = create_document(
        "issued",
        clerk=people.clerk,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        metadata={"recipients": [OTHER], "subject": "Về việc rà soát biên chế năm 2027", "urgency": "urgent"},
    )
    return document.id, f"{SENDER},{document.issued_date:%Y/%m/%d},01/QĐ-UBND"


def key(row) -> int:
    """The id of a row, also after the worker's passes ended the test's session (and detached it)."""
    return sa_inspect(row).identity[0]


def person(user: User) -> User:
    return db.session.get(User, key(user))


def act(step, document_id: str, user: User, **body) -> None:
    """A step on the received copy, by a person of the receiving agency, committed."""
    with commit_or_discard():
        step(received_copy(document_id), person(user), **body)


def received_copy(source_reference: str) -> Document | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Document).where(Document.agency_id == RECIPIENT, Document.source_reference == source_reference)
    )


def status_of(document_id: int) -> tuple:
    db.session.expire_all()
    recipient = db.session.get(Document, document_id).recipients[0]
    return recipient.delivery_status, recipient.status_code, recipient.status_description


def file_hashes(document: Document) -> list[str]:
    return [
        hashlib.sha256(b"".join(storage().open(link.stored_file.key))).hexdigest() for link in document.files
    ]


def axis_statuses(document_id: int) -> list[str]:
    db.session.expire_all()
    document = db.session.get(Document, document_id)
    return [entry.details["status_code"] for entry in document.trace if entry.action == "axis_status"]


def axis_message_body(connector: Connector, message_id: str) -> etree._Element:
    """A message as the axis delivers it to the recipient."""
    body = connector.client_for(RECIPIENT).message(message_id, connector.settings.axis_max_package_bytes)
    return etree.fromstring(body, parser=hardened_parser())
