"""The agency's official mailbox: its admin configures it and sees what was taken and refused."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.accounts.models import Agency
from eoffice.api_base import ApiError, Blueprint
from eoffice.auth.session import current_user, login_required
from eoffice.documents.policy import Permission, authorize
from eoffice.extensions import db
from eoffice.mailbox import operations
from eoffice.mailbox.models import Mailbox, MailReceipt
from eoffice.mailbox.schemas import MailboxInputSchema, MailboxSchema, MailReceiptSchema

blp = Blueprint(
    "mailbox", __name__, url_prefix="/api/v1/mailboxes", description="The agencies' official mailboxes (IMAP)"
)

RECEIPTS_SHOWN = 200


def _agency(agency_id: str) -> None:
    authorize(current_user(), Permission.MANAGE_DOCUMENT_SETTINGS, agency_id)
    if db.session.get(Agency, agency_id) is None:
        raise ApiError(404, "not_found", f"agency {agency_id} not found")


@blp.get("/<agency_id>")
@blp.response(200, MailboxSchema)
@blp.doc(
    description="The agency's mailbox settings (is_configured false, and nothing else, before the first PUT)."
)
@login_required
def get_mailbox(agency_id):
    _agency(agency_id)
    return db.session.get(Mailbox, agency_id) or {"agency_id": agency_id}


@blp.put("/<agency_id>")
@blp.arguments(MailboxInputSchema)
@blp.response(200, MailboxSchema)
@blp.doc(description="Configure the agency's mailbox; the password is kept encrypted and never shown.")
@login_required
def put_mailbox(body, agency_id):
    _agency(agency_id)
    mailbox = operations.configure_mailbox(agency_id, body)
    db.session.commit()
    return mailbox


@blp.get("/<agency_id>/messages")
@blp.response(200, MailReceiptSchema(many=True))
@blp.doc(description=f"The latest {RECEIPTS_SHOWN} messages taken from the mailbox, refused ones with why.")
@login_required
def list_messages(agency_id):
    _agency(agency_id)
    return db.session.scalars(
        select(MailReceipt)
        .where(MailReceipt.agency_id == agency_id)
        .order_by(MailReceipt.id.desc())
        .limit(RECEIPTS_SHOWN)
    ).all()
