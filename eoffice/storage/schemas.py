"""Schemas of stored files and download links."""

import marshmallow as ma


class StoredFileSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    content_type = ma.fields.String()
    created_at = ma.fields.DateTime()


class UploadQuerySchema(ma.Schema):
    name = ma.fields.String(
        validate=ma.validate.Length(1, 255),
        metadata={"description": "File name, for a raw (non-multipart) body"},
    )


class DownloadLinkSchema(ma.Schema):
    url = ma.fields.String()
    expires_at = ma.fields.DateTime()


class SignedDownloadQuerySchema(ma.Schema):
    expires = ma.fields.Integer(required=True)
    signature = ma.fields.String(required=True, validate=ma.validate.Length(64, 64))
