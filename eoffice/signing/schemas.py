"""Where a signature goes, and what a signature check answers, for the verify tool and for documents."""

from __future__ import annotations

import marshmallow as ma

from eoffice.api_base import ApiSchema

# Below this a stamp's two lines (name, time) are no longer readable; said in the refusal.
MIN_PLACEMENT_SIZE = (100, 40)


class SignaturePlacementSchema(ApiSchema):
    """A rectangle on a page in PDF points, origin at the page's bottom-left (pdf.js convertToPdfPoint)."""

    page = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=100_000))
    x = ma.fields.Float(required=True)
    y = ma.fields.Float(required=True)
    width = ma.fields.Float(
        required=True,
        validate=ma.validate.Range(
            min=MIN_PLACEMENT_SIZE[0],
            error=f"must be at least {MIN_PLACEMENT_SIZE[0]} points for the signature to be readable",
        ),
    )
    height = ma.fields.Float(
        required=True,
        validate=ma.validate.Range(
            min=MIN_PLACEMENT_SIZE[1],
            error=f"must be at least {MIN_PLACEMENT_SIZE[1]} points for the signature to be readable",
        ),
    )


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


class CertificateUploadFormSchema(ApiSchema):
    """The form parts beside `file` (multipart/form-data); the secrets are never stored nor logged."""

    password = ma.fields.String(
        load_only=True,
        validate=ma.validate.Length(max=256),
        metadata={"description": "Password of the PKCS#12 file (key store pkcs12)"},
    )
    protection = ma.fields.String(
        validate=ma.validate.OneOf(["server", "password"]),
        metadata={
            "description": "pkcs12: server (default) keeps the key encrypted under EOFFICE_SIGNING_PIN; "
            "password keeps the owner's password, given as `pin` with each signing act"
        },
    )
    pin = ma.fields.String(
        load_only=True,
        validate=ma.validate.Length(1, 256),
        metadata={"description": "PIN of the token (key store pkcs11), when not EOFFICE_SIGNING_PIN"},
    )


class CertificateDetailsSchema(ma.Schema):
    subject = ma.fields.String()
    issuer = ma.fields.String()
    serial = ma.fields.String(metadata={"description": "Hexadecimal"})
    valid_from = ma.fields.String()
    valid_to = ma.fields.String()


class CertificateWarningSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "A reason code (eoffice.errors.ReasonCode)"})
    message = ma.fields.String()


class OwnerCertificateSchema(ma.Schema):
    owner = ma.fields.String(metadata={"description": "person-<username> or agency-<agency id>"})
    key_store = ma.fields.String(metadata={"description": "pkcs12 or pkcs11"})
    certificate = ma.fields.Nested(CertificateDetailsSchema, allow_none=True)
    warnings = ma.fields.List(
        ma.fields.Nested(CertificateWarningSchema),
        metadata={"description": "After an upload: what is doubtful (e.g. no trusted chain)"},
    )
