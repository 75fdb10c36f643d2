"""Schemas of the offline meeting book and of what a device's outbox sends."""

import marshmallow as ma

from eoffice.api_base import ApiSchema
from meetings.schemas import AnnotationDataSchema


class OfflineDocumentSchema(ApiSchema):
    id = ma.fields.Integer()
    file_id = ma.fields.Integer()
    name = ma.fields.String()
    size = ma.fields.Integer()
    page_count = ma.fields.Integer(allow_none=True)
    etag = ma.fields.String(metadata={"description": "The download's ETag, quotes included"})
    content_type = ma.fields.String()
    agenda_item_id = ma.fields.Integer(allow_none=True)
    url = ma.fields.String(metadata={"description": "Where to download it; names this version for good"})
    direct_url = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "With S3, the store's own signed URL of the same bytes (ranges too), without the "
            "token: no request to the server; null with the local store. Once expired (the store answers "
            "403), download from `url`"
        },
    )
    direct_url_expires_at = ma.fields.DateTime(
        allow_none=True, metadata={"description": "When direct_url expires"}
    )


class OfflineBookSchema(ApiSchema):
    meeting_id = ma.fields.Integer()
    key = ma.fields.String(
        metadata={"description": "Base64 of the 32-byte AES key the device encrypts this book with at rest"}
    )
    key_id = ma.fields.String(
        metadata={"description": "Which key: changes when a device of the user is revoked"}
    )
    keep_until = ma.fields.DateTime(
        allow_none=True, metadata={"description": "Erase the book then; null while the meeting is not closed"}
    )
    auto_download = ma.fields.String(metadata={"description": "manual, on_invitation or day_before"})
    documents = ma.fields.List(ma.fields.Nested(OfflineDocumentSchema))


class AnnotationCreateSchema(AnnotationDataSchema):
    """An annotation or note made on a page, as the `annotate` event of the live room takes it."""

    document_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    page = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    shared = ma.fields.Boolean(load_default=False)
    client_id = ma.fields.UUID(
        load_default=None,
        allow_none=True,
        metadata={"description": "The UUID the device gave it: sent again, the first one is answered (200)"},
    )


class AnnotationSchema(ApiSchema):
    meeting_id = ma.fields.Integer()
    id = ma.fields.Integer()
    document_id = ma.fields.Integer()
    page = ma.fields.Integer()
    author_id = ma.fields.Integer()
    shared = ma.fields.Boolean()
    data = ma.fields.Dict()
    client_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.String()
