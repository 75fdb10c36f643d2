"""What a signature check answers, for the verify tool and for the files of documents."""

from __future__ import annotations

import marshmallow as ma


class SignatureSchema(ma.Schema):
    field = ma.fields.String(metadata={"description": "Name of the PDF signature field"})
    signer_name = ma.fields.String(allow_none=True, metadata={"description": "From the certificate (CN)"})
    organization = ma.fields.String(allow_none=True, metadata={"description": "From the certificate (O)"})
    signed_at = ma.fields.String(allow_none=True, metadata={"description": "Time-stamped or claimed, UTC"})
    signed_at_source = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "timestamp: from the signature's RFC 3161 time-stamp; claimed: the signer's "
            "own clock; null when the signature names no time"
        },
    )
    intact = ma.fields.Boolean(metadata={"description": "The signed revision's digest and signature match"})
    modification = ma.fields.String(
        metadata={"description": "Changes after signing: none, form_filling, annotations or other"}
    )
    trusted = ma.fields.Boolean(
        metadata={"description": "The chain reaches a configured trust root and nothing in it is revoked"}
    )
    revocation = ma.fields.String(metadata={"description": "good, revoked or unknown (could not be checked)"})
    covers_whole_document = ma.fields.Boolean()
    problems = ma.fields.List(ma.fields.String(), metadata={"description": "Each problem in words"})


class VerificationSchema(ma.Schema):
    signatures = ma.fields.List(ma.fields.Nested(SignatureSchema))
