"""The mailbox settings an admin gives (the password write-only) and what the API shows of a mailbox."""

from __future__ import annotations

import marshmallow as ma

from eoffice.api_base import ApiSchema
from eoffice.mailbox.models import Mailbox, Security


def _folder(default: str) -> ma.fields.String:
    return ma.fields.String(load_default=default, validate=ma.validate.Length(1, 255))


class MailboxInputSchema(ApiSchema):
    host = ma.fields.String(required=True, validate=ma.validate.Length(1, 255))
    port = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(1, 65535))
    security = ma.fields.String(
        load_default=Security.TLS.value,
        validate=ma.validate.OneOf([s.value for s in Security]),
        metadata={"description": "tls (IMAPS, 993), starttls (143) or none (only for a server on this host)"},
    )
    username = ma.fields.String(required=True, validate=ma.validate.Length(1, 255))
    password = ma.fields.String(
        load_only=True,
        validate=ma.validate.Length(1, 1000),
        metadata={
            "description": "Write-only, kept encrypted; required the first time, unchanged when left out"
        },
    )
    folder = _folder("INBOX")
    processed_folder = _folder("Processed")
    refused_folder = _folder("Refused")
    is_enabled = ma.fields.Boolean(load_default=True)

    @ma.validates_schema
    def _distinct_folders(self, data, **kwargs):
        folders = [data.get("folder"), data.get("processed_folder"), data.get("refused_folder")]
        if len(set(folders)) != 3:
            raise ma.ValidationError("the folder, processed_folder and refused_folder must differ", "folder")


class MailboxSchema(ApiSchema):
    agency_id = ma.fields.String()
    is_configured = ma.fields.Function(lambda mailbox: isinstance(mailbox, Mailbox))
    host = ma.fields.String()
    port = ma.fields.Integer()
    security = ma.fields.String()
    username = ma.fields.String()
    has_password = ma.fields.Function(lambda mailbox: isinstance(mailbox, Mailbox))
    folder = ma.fields.String()
    processed_folder = ma.fields.String()
    refused_folder = ma.fields.String()
    is_enabled = ma.fields.Boolean()
    checked_at = ma.fields.DateTime(allow_none=True)
    last_error = ma.fields.String(allow_none=True)


class MailReceiptSchema(ApiSchema):
    id = ma.fields.Integer()
    message_key = ma.fields.String(metadata={"description": "The Message-ID"})
    outcome = ma.fields.String(
        metadata={"description": "document (pending registration) or refused (by the intake, or by a clerk)"}
    )
    reason = ma.fields.String(allow_none=True)
    refused_at = ma.fields.DateTime(
        allow_none=True, metadata={"description": "When a clerk refused the document the message brought"}
    )
    sender = ma.fields.String(allow_none=True)
    subject = ma.fields.String(allow_none=True)
    document_id = ma.fields.Integer(allow_none=True)
    is_moved = ma.fields.Boolean(
        metadata={"description": "In the folder its outcome names; false while a move waits for the server"}
    )
    move_error = ma.fields.String(allow_none=True, metadata={"description": "Why it cannot be moved"})
    created_at = ma.fields.DateTime()
