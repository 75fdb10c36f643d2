"""The signature check tool (any PDF a user uploads) and the demo CA's services: CRL, OCSP, time-stamps."""

from __future__ import annotations

from flask import Response, request

from eoffice.api_base import ApiError, Blueprint
from eoffice.auth.session import login_required
from eoffice.runtime import settings
from eoffice.signing import authority, trust
from eoffice.signing.operations import SignaturesUnchecked, check_signatures
from eoffice.signing.schemas import VerificationSchema
from eoffice.storage.api import apply_upload_limits, file_part

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
        code = "not_a_pdf" if exc.failure == "unreadable" else "pdf_not_checkable"
        raise ApiError(
            422, code, f"file: {exc.failure}: {exc.reason}", {"field": "file", "reason": str(exc.failure)}
        ) from exc


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
