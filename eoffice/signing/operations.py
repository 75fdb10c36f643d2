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
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.sign.timestamps import TimeStamper

from eoffice.accounts.models import Agency, User
from eoffice.api_base import ApiError, invalid
from eoffice.config import Settings
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.runtime import settings
from eoffice.signing import authority, pdf, trust
from eoffice.signing.keys import SigningRefused, agency_label, key_store, person_label
from eoffice.signing.models import SignatureCheck
from eoffice.storage.models import StoredFile
from eoffice.untrusted import Limits, Parsed, pdf_page_boxes, pdf_page_count, pdf_text_box, run_parser

PDF = "application/pdf"
TSA_TIMEOUT_SECONDS = 10


def _time_stamper(config: Settings) -> TimeStamper | None:
    """The configured RFC 3161 time-stamp authority's client, or None."""
    if not config.signing_tsa_url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(config.signing_tsa_url, timeout=TSA_TIMEOUT_SECONDS)


def _tsa_name(url: str) -> str:
    """The TSA's address without credentials an operator may have put in it."""
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""), parts.path, "", "")
    )


@contextlib.contextmanager
def _refusals_as_api_errors(label: str, field: str) -> Iterator[None]:
    """Every reason a signature cannot be made, as the 4xx that names it; nothing has been written yet."""
    try:
        yield
    except (SigningRefused, pdf.CertificateRefused) as exc:
        raise ApiError(409, exc.code, exc.message, {"owner": label}) from exc
    except pdf.PdfRefused as exc:
        raise invalid(field, str(exc), "files", code=ErrorCode.PDF_NOT_SIGNABLE) from exc
    except pdf.TimeStampUnavailable as exc:
        tsa = _tsa_name(settings().signing_tsa_url)
        raise ApiError(
            503,
            "time_stamp_unavailable",
            f"the time-stamp authority {tsa} gave no time-stamp; nothing was signed, try again later",
            {"tsa": tsa},
        ) from exc


def _read_safely(parsed: Parsed, field: str) -> str:
    """What the bounded child found in a PDF about to be signed; a PDF it could not read within its limits
    is not handed to pyHanko in the server's process (a decompression bomb would take the server down)."""
    if parsed.failure is not None:
        raise invalid(
            field,
            f"the PDF cannot be signed: {parsed.failure} ({parsed.reason})",
            "files",
            code=ErrorCode.PDF_NOT_SIGNABLE,
        )
    return parsed.output


def chosen_placement(
    content: bytes, placement: dict[str, Any], field: str, placement_field: str
) -> pdf.Placement:
    """A placement someone chose (SignaturePlacementSchema), checked against the pages of the PDF as the
    bounded child reads them; a 422 naming placement_field when it does not fit.

    field: the PDF's own name in refusals about the file itself (unreadable, too many pages).
    """
    lines = _read_safely(pdf_page_boxes(io.BytesIO(content)), field).splitlines()
    page = placement["page"]
    if page > len(lines):
        raise invalid(placement_field, f"page {page} is beyond the PDF, which has {len(lines)} page(s)")
    left, bottom, right, top = (float(value) for value in lines[page - 1].split())
    x, y = placement["x"], placement["y"]
    x2, y2 = x + placement["width"], y + placement["height"]
    if x < left or y < bottom or x2 > right or y2 > top:
        raise invalid(
            placement_field,
            f"the rectangle ({x:g}, {y:g}) to ({x2:g}, {y2:g}) is not inside page {page}, "
            f"which spans ({left:g}, {bottom:g}) to ({right:g}, {top:g}) points",
        )
    chosen = pdf.Placement(page - 1, (x, y, x2, y2))
    # The agency's seal overlaps the left third of this signature and reaches below and left of it: it
    # must land on the page too (a seal half off the page is no seal).
    seal_left, seal_bottom, seal_right, seal_top = pdf.seal_placement(chosen).box
    if seal_left < left or seal_bottom < bottom or seal_top > top:
        raise invalid(
            placement_field,
            f"the agency's seal, which overlaps the left third of the signature, would leave page {page}: "
            f"it would span ({seal_left:.0f}, {seal_bottom:.0f}) to ({seal_right:.0f}, {seal_top:.0f}) "
            f"points; move the rectangle further from the page's edge",
        )
    return chosen


def sign_as_signer(
    content: bytes,
    signer: User,
    pin: str | None,
    moment: datetime,
    field: str,
    *,
    numbered: bool = True,
    placement: pdf.Placement | None = None,
) -> bytes:
    """The signer's certification signature (a draft's main PDF, approved minutes).

    placement: where the visible signature goes (chosen_placement); else above the signer's printed name
    when the last page shows it, else the bottom right of that page.
    """
    label = person_label(signer.username)
    name_box = None
    if placement is None:
        box = _read_safely(pdf_text_box(io.BytesIO(content), -1, signer.full_name), field)
        name_box = tuple(float(value) for value in box.split()) if box else None
    with _refusals_as_api_errors(label, field), key_store(settings()).open_signer(label, pin) as key:
        return pdf.sign_as_signer(
            content,
            key,
            trust.validation_context(settings()),
            signer_name=signer.full_name,
            name_box=name_box,
            placement=placement,
            moment=moment,
            numbered=numbered,
            timestamper=_time_stamper(settings()),
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
    """The agency's signature: into the field the signer's signature prepared, or alone on an attachment.

    An attachment is first read by the bounded child, as any file is before pyHanko parses it here. A
    main file is not read again: it is the signer's signature's output, whose draft the child read
    before that signature (sign_as_signer) and to which only that signature was added since (a draft's
    files change only while it is a draft).
    """
    label = agency_label(agency.id)
    if attachment:
        _read_safely(pdf_page_count(io.BytesIO(content)), field)
    with _refusals_as_api_errors(label, field), key_store(settings()).open_signer(label, pin) as key:
        context = trust.validation_context(settings())
        timestamper = _time_stamper(settings())
        if attachment:
            return pdf.seal_attachment(
                content,
                key,
                context,
                agency_name=agency.name,
                number_and_notation=number_and_notation,
                moment=moment,
                timestamper=timestamper,
            )
        return pdf.seal_issued(
            content,
            key,
            context,
            agency_name=agency.name,
            number_and_notation=number_and_notation,
            issued_date=issued_date,
            moment=moment,
            timestamper=timestamper,
        )


def sign_minutes(
    content: bytes, chair: User, agency: Agency, moment: datetime, pin: str | None = None
) -> bytes:
    """Approved minutes: the chair's signature (pin: unlocks the chair's key, else EOFFICE_SIGNING_PIN),
    then the agency's (its PIN from EOFFICE_SIGNING_PIN)."""
    signed = sign_as_signer(content, chair, pin, moment, "minutes", numbered=False)
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
    # The certificate an administrator uploaded before (eoffice.signing.certificates) is no longer it.
    (folder / f"{label}.crt.pem").unlink(missing_ok=True)


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
