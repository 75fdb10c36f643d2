"""The signature check tool (any PDF a user uploads) and the demo CA's services: CRL, OCSP, time-stamps."""

from __future__ import annotations

from flask import Response, request

from eoffice.accounts.models import Agency, User
from eoffice.api_base import ApiError, Blueprint, invalid
from eoffice.audit.operations import record_event
from eoffice.auth.policy import Permission, authorize
from eoffice.auth.session import current_user, login_required
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.runtime import settings
from eoffice.signing import authority, certificates, trust
from eoffice.signing.keys import agency_label, person_label
from eoffice.signing.operations import SignaturesUnchecked, check_signatures
from eoffice.signing.schemas import CertificateUploadFormSchema, OwnerCertificateSchema, VerificationSchema
from eoffice.storage.api import apply_upload_limits, file_part, upload_limits

blp = Blueprint("signatures", __name__, url_prefix="/api/v1/signatures", description="Digital signatures")


@blp.post("/verify")
@blp.response(200, VerificationSchema)
@blp.doc(description="multipart/form-data with a `file` part: every signature of the PDF, validated now.")
@login_required
def verify():
    apply_upload_limits()
    try:
        return {"signatures": check_signatures(file_part().stream.read(), settings())}
    except SignaturesUnchecked as exc:
        # Not a PDF (unreadable), or over the limits of the child that read it (too_large, timed_out).
        code = ErrorCode.NOT_A_PDF if exc.failure == "unreadable" else ErrorCode.PDF_NOT_CHECKABLE
        raise invalid("file", f"{exc.failure}: {exc.reason}", "files", code=code) from exc


@blp.get("/ca.crl")
@blp.doc(security=[], responses={"200": {"description": "The demo CA's CRL (DER)"}})
def revocation_list():
    path = trust.demo_ca_dir(settings()) / authority.CRL_FILE
    if not path.is_file():
        raise ApiError(404, "not_found", "this server runs no certification authority")
    return Response(
        path.read_bytes(), mimetype="application/pkix-crl", headers={"Cache-Control": "max-age=300"}
    )


@blp.post("/ocsp")
@blp.doc(
    security=[],
    description="OCSP (RFC 6960) for the demo CA's certificates: an application/ocsp-request body.",
    responses={"200": {"description": "application/ocsp-response"}},
)
def ocsp():
    ca = authority.load_authority(trust.demo_ca_dir(settings()))
    if ca is None:
        raise ApiError(404, "not_found", "this server runs no certification authority")
    # An OCSP request is a few hundred bytes; anything much larger is not one.
    request.max_content_length = 16 * 1024
    answer = authority.ocsp_response(ca, request.get_data())
    return Response(answer, mimetype="application/ocsp-response", headers={"Cache-Control": "no-store"})


@blp.post("/tsa")
@blp.doc(
    security=[],
    description="The demo time-stamp authority (RFC 3161): an application/timestamp-query body; its "
    "certificate is issued by the demo CA. EOFFICE_SIGNING_TSA_URL may point here.",
    responses={"200": {"description": "application/timestamp-reply"}},
)
def time_stamp():
    ca = authority.load_authority(trust.demo_ca_dir(settings()))
    if ca is None:
        raise ApiError(404, "not_found", "this server runs no certification authority")
    # A time-stamp query holds one digest: a few hundred bytes.
    request.max_content_length = 16 * 1024
    answer, granted = authority.time_stamp_response(ca, settings().effective_public_url, request.get_data())
    return Response(
        answer,
        status=200 if granted else 400,
        mimetype="application/timestamp-reply",
        headers={"Cache-Control": "no-store"},
    )


def _person(user_id: int) -> tuple[str, User]:
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(404, "not_found", f"user {user_id} not found")
    authorize(current_user(), Permission.MANAGE_SIGNING_CERTIFICATES, user)
    return person_label(user.username), user


def _agency(agency_id: str) -> tuple[str, Agency]:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise ApiError(404, "not_found", f"agency {agency_id} not found")
    authorize(current_user(), Permission.MANAGE_SIGNING_CERTIFICATES, agency.id)
    return agency_label(agency.id), agency


def _owner_certificate(label: str, certificate=None, warnings=None) -> dict:
    config = settings()
    certificate = certificate or certificates.current_certificate(config, label)
    return {
        "owner": label,
        "key_store": config.signing_key_store,
        "certificate": certificates.describe(certificate) if certificate else None,
        "warnings": warnings or [],
    }


def _upload(label: str, agency_id: str, form: dict) -> dict:
    """The PKCS#12 (file store) or the certificate (token) of an owner, checked, in place of the old."""
    content = file_part().stream.read(certificates.MAX_UPLOAD + 1)
    if len(content) > certificates.MAX_UPLOAD:
        raise ApiError(
            413,
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"file: over {certificates.MAX_UPLOAD} bytes",
            {"max_size": certificates.MAX_UPLOAD},
        )
    config = settings()
    if config.signing_key_store == "pkcs11":
        certificate, warnings = certificates.upload_token_certificate(config, label, content, form.get("pin"))
    else:
        certificate, warnings = certificates.upload_pkcs12(
            config, label, content, form.get("password"), form.get("protection")
        )
    record_event(
        "signing.certificate_uploaded",
        actor=current_user(),
        agency_id=agency_id,
        target_type="signing_key",
        target_id=label,
        details={"serial": f"{certificate.serial_number:x}", "key_store": config.signing_key_store},
    )
    db.session.commit()
    return _owner_certificate(label, certificate, warnings)


_UPLOAD_DOC = (
    "multipart/form-data. Key store pkcs12: `file` is the owner's PKCS#12 with its `password` (and "
    "`protection`); key store pkcs11: `file` is the certificate (PEM/DER) of the key labelled for the "
    "owner in the token (`pin` opens it). It must open, match its key, be valid now and allowed to sign "
    "(422 otherwise); a chain to no trust root is a warning. It replaces the owner's previous one."
)


@blp.get("/certificates/people/<int:user_id>")
@blp.response(200, OwnerCertificateSchema)
@login_required
def person_certificate(user_id):
    return _owner_certificate(_person(user_id)[0])


@blp.post("/certificates/people/<int:user_id>")
@upload_limits
@blp.arguments(CertificateUploadFormSchema, location="form")
@blp.response(200, OwnerCertificateSchema)
@blp.doc(description=_UPLOAD_DOC)
@login_required
def upload_person_certificate(form, user_id):
    label, user = _person(user_id)
    return _upload(label, user.agency_id, form)


@blp.get("/certificates/agencies/<agency_id>")
@blp.response(200, OwnerCertificateSchema)
@login_required
def agency_certificate(agency_id):
    return _owner_certificate(_agency(agency_id)[0])


@blp.post("/certificates/agencies/<agency_id>")
@upload_limits
@blp.arguments(CertificateUploadFormSchema, location="form")
@blp.response(200, OwnerCertificateSchema)
@blp.doc(description=_UPLOAD_DOC)
@login_required
def upload_agency_certificate(form, agency_id):
    label, agency = _agency(agency_id)
    return _upload(label, agency.id, form)
