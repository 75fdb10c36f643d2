"""Schemas of stored files and download links."""

import marshmallow as ma

from eoffice.api_base import ApiSchema


class StoredFileSchema(ApiSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    content_type = ma.fields.String()
    created_at = ma.fields.DateTime()


class UploadQuerySchema(ApiSchema):
    name = ma.fields.String(
        validate=ma.validate.Length(1, 255),
        metadata={"description": "File name, for a raw (non-multipart) body"},
    )


class DownloadLinkSchema(ApiSchema):
    url = ma.fields.String()
    expires_at = ma.fields.DateTime()


class SignedDownloadQuerySchema(ApiSchema):
    # A Unix time, never stored: past 2038, beyond the database's integer that ApiSchema would apply.
    expires = ma.fields.Integer(required=True, validate=ma.validate.Range(0, 2**63 - 1))
    signature = ma.fields.String(required=True, validate=ma.validate.Length(64, 64))
