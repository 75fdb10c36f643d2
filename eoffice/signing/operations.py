"""Signing acts on the files of documents, the queue of signature checks, and the demo certificates."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from eoffice.accounts.models import Agency, User
from eoffice.api_base import ApiError
from eoffice.config import Settings
from eoffice.extensions import db
from eoffice.runtime import settings
from eoffice.signing import authority, pdf, trust
from eoffice.signing.keys import SigningRefused, agency_label, key_store, person_label
from eoffice.signing.models import SignatureCheck
from eoffice.storage.models import StoredFile
from eoffice.untrusted import Limits, Parsed, pdf_page_count, pdf_text_box, run_parser

PDF = "application/pdf"


@contextlib.contextmanager
def _refusals_as_api_errors(label: str, field: str) -> Iterator[None]:
    """Every reason a signature cannot be made, as the 4xx that names it; nothing has been written yet."""
    try:
        yield
    except (SigningRefused, pdf.CertificateRefused) as exc:
        raise ApiError(409, exc.code, exc.message, {"owner": label}) from exc
    except pdf.PdfRefused as exc:
        raise ApiError(422, "pdf_not_signable", f"{field}: {exc}", {"field": field}) from exc


def _read_safely(parsed: Parsed, field: str) -> str:
    """What the bounded child found in a PDF about to be signed; a PDF it could not read within its limits
    is not handed to pyHanko in the server's process (a decompression bomb would take the server down)."""
    if parsed.failure is not None:
        raise ApiError(
            422,
            "pdf_not_signable",
            f"{field}: the PDF cannot be signed: {parsed.failure} ({parsed.reason})",
            {"field": field, "reason": str(parsed.failure)},
        )
    return parsed.output


def sign_as_signer(
    content: bytes, signer: User, pin: str | None, moment: datetime, field: str, *, numbered: bool = True
) -> bytes:
    """The signer's certification signature (a draft's main PDF, approved minutes)."""
    label = person_label(signer.username)
    box = _read_safely(pdf_text_box(io.BytesIO(content), -1, signer.full_name), field)
    with _refusals_as_api_errors(label, field), key_store(settings()).open_signer(label, pin) as key:
        return pdf.sign_as_signer(
            content,
            key,
            trust.validation_context(settings()),
            signer_name=signer.full_name,
            name_box=tuple(float(value) for value in box.split()) if box else None,
            moment=moment,
            numbered=numbered,
        )


def seal_as_agency(
    content: bytes,
    agency: Agency,
    pin: str | None,
    moment: datetime,
    field: str,
    *,
    number_and_notation: str | None,
    issued_date: str | None,
    attachment: bool = False,
) -> bytes:
    """The agency's signature: into the field the signer's signature prepared, or alone on an attachment."""
    label = agency_label(agency.id)
    _read_safely(pdf_page_count(io.BytesIO(content)), field)
    with _refusals_as_api_errors(label, field), key_store(settings()).open_signer(label, pin) as key:
        context = trust.validation_context(settings())
        if attachment:
            return pdf.seal_attachment(
                content,
                key,
                context,
                agency_name=agency.name,
                number_and_notation=number_and_notation,
                moment=moment,
            )
        return pdf.seal_issued(
            content,
            key,
            context,
            agency_name=agency.name,
            number_and_notation=number_and_notation,
            issued_date=issued_date,
            moment=moment,
        )


def sign_minutes(content: bytes, chair: User, agency: Agency, moment: datetime) -> bytes:
    """Approved minutes: the chair's signature, then the agency's (PINs from EOFFICE_SIGNING_PIN)."""
    signed = sign_as_signer(content, chair, None, moment, "minutes", numbered=False)
    return seal_as_agency(signed, agency, None, moment, "minutes", number_and_notation=None, issued_date=None)


class SignaturesUnchecked(Exception):
    """The bounded child gave no answer about a PDF's signatures: failure and reason say why."""

    def __init__(self, parsed: Parsed):
        super().__init__(parsed.reason)
        self.failure = parsed.failure
        self.reason = parsed.reason


def check_signatures(content: bytes, config: Settings) -> list[dict[str, Any]]:
    """Every signature of an untrusted PDF, validated in the bounded child (eoffice.signing.verify)."""
    given = {
        "trust_roots": [base64.b64encode(root.dump()).decode() for root in trust.trust_roots(config)],
        "crls": [base64.b64encode(crl).decode() for crl in trust.local_crls(config)],
        "fetch_revocation": trust.fetches_revocation(config),
    }
    # A file rather than the command line: a bundle of trust roots can outgrow an argument's size limit.
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as trust_file:
        json.dump(given, trust_file)
        trust_file.flush()
        parsed = run_parser("pdf_signatures", io.BytesIO(content), Limits.of(config), [trust_file.name])
    if parsed.failure is not None:
        raise SignaturesUnchecked(parsed)
    return json.loads(parsed.output)


def queue_check(stored: StoredFile) -> None:
    """A PDF's signatures are validated once, by the signature worker, after the commit."""
    if stored.content_type == PDF:
        db.session.add(SignatureCheck(stored_file=stored))


def ensure_demo_authority(config: Settings) -> authority.Authority:
    folder = trust.demo_ca_dir(config)
    return authority.load_authority(folder) or authority.create_authority(folder)


def _write_key(
    config: Settings, ca: authority.Authority, label: str, common_name: str, organization: str, key
) -> None:
    key, certificate = authority.issue_certificate(
        ca,
        common_name=common_name,
        organization=organization,
        public_url=config.effective_public_url,
        key=key,
    )
    folder = config.effective_signing_key_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{label}.p12").write_bytes(authority.pkcs12_bytes(key, certificate, ca, config.signing_pin))


def issue_demo_certificates(
    config: Settings,
    *,
    people: list[User] = (),
    agencies: list[Agency] = (),
    key: rsa.RSAPrivateKey | None = None,
) -> int:
    """Personal certificates for people and seal certificates for agencies that have none; how many.

    key: one key for all of them (tests, where generating RSA keys would cost more than the test).
    """
    ca = ensure_demo_authority(config)
    issued = 0
    for person in people:
        label = person_label(person.username)
        if not (config.effective_signing_key_dir / f"{label}.p12").is_file():
            agency = db.session.get(Agency, person.agency_id)
            _write_key(config, ca, label, person.full_name, agency.name if agency else "", key)
            issued += 1
    for agency in agencies:
        label = agency_label(agency.id)
        if not (config.effective_signing_key_dir / f"{label}.p12").is_file():
            _write_key(config, ca, label, agency.name, agency.name, key)
            issued += 1
    return issued
