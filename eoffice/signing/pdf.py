"""Signing PDFs as we issue them: the signer's certification, the number and date, the agency's seal.

The signer's signature certifies the document allowing form filling (DocMDP level 2) and
carries the empty fields that issuance fills: the number/notation, the date, and the agency's
signature field. Each later step is an incremental update, so pyHanko and other validators
report what came after the signer's signature as form filling, and that signature stays valid.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pyhanko.pdf_utils import content, generic, layout
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import ExpiredError, PathError, RevokedError, ValidationError

from eoffice.documents.clock import VIETNAM
from eoffice.errors import ErrorCode
from eoffice.pdfgen import stamp_pdf

# Its faster reader of hex strings (a signature's /Contents) serves the signing of signed PDFs too.
from eoffice.signing import verify  # noqa: F401
from eoffice.signing.threads import off_the_event_loop

NUMBER_FIELD = "so_ky_hieu"
DATE_FIELD = "ngay_ban_hanh"
SIGNER_FIELD = "chu_ky_nguoi_ky"
AGENCY_FIELD = "chu_ky_co_quan"
MM = 72 / 25.4
# Placement on A4-like pages, in points from the bottom-left corner.
SIGNATURE_SIZE = (65 * MM, 24 * MM)
SEAL_SIZE = (40 * MM, 24 * MM)
ATTACHMENT_STAMP_SIZE = (70 * MM, 16 * MM)
MARGIN = 20 * MM


class _RevocationFromDisk(logging.Filter):
    """pyHanko warns at every B-LT signature made without fetching: with the demo CA alone that is by
    design, its CRL being read from disk (eoffice.signing.trust.fetches_revocation)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Validation/revocation info will be embedded, but fetching")


log = logging.getLogger(__name__)
logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_RevocationFromDisk())


class PdfRefused(Exception):
    """The PDF cannot be signed as it is (encrypted, malformed): the message is for the user."""


class CertificateRefused(Exception):
    """The key's certificate is not usable now (expired, revoked, not trusted)."""

    def __init__(self, code: ErrorCode | str, message: str):
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message


class TimeStampUnavailable(Exception):
    """The time-stamp authority gave no time-stamp: nothing was signed."""


@dataclass(frozen=True)
class Placement:
    page: int
    box: tuple[float, float, float, float]


class _Appearance(content.PdfContent):
    """A page made by ReportLab (eoffice.pdfgen.stamp_pdf), drawn as a signature's appearance."""

    def __init__(self, page: bytes):
        super().__init__()
        self.page = page

    def render(self) -> bytes:
        xobject = self._ensure_writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.page)))
        self.resources.xobject["/Appearance"] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
        return b"/Appearance Do"


def _style(
    lines: list[str], box: tuple[float, float, float, float], *, border: float = 1
) -> StaticStampStyle:
    size = (box[2] - box[0], box[3] - box[1])
    return StaticStampStyle(background=_Appearance(stamp_pdf(lines, size, border=border)), border_width=0)


def vietnam_time(moment: datetime) -> str:
    """ISO 8601 in Vietnam time, as the stamps show it (2026-12-02T09:30:00+07:00)."""
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def _open(content: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise PdfRefused(f"the file is not a readable PDF ({exc})") from exc
    if writer.prev.encrypted:
        raise PdfRefused("the PDF is encrypted: it cannot be signed")
    return writer


def _page_size(writer: IncrementalPdfFileWriter, index: int) -> tuple[float, float, int]:
    count = int(writer.root["/Pages"]["/Count"])
    page, _ = writer.find_page_for_modification(index % count)
    left, bottom, right, top = (float(v) for v in page.get_object()["/MediaBox"])
    return right - left, top - bottom, count


def signer_placement(
    writer: IncrementalPdfFileWriter, name: tuple[float, float, float, float] | None
) -> Placement:
    """Above the signer's printed name on the last page (its box, found by eoffice.untrusted.pdf_text_box),
    as on paper; else the bottom right of that page."""
    width, height, count = _page_size(writer, -1)
    w, h = SIGNATURE_SIZE
    if name is not None:
        centre = (name[0] + name[2]) / 2
        # Room on the left for the seal, which reaches two thirds of its width past the signature.
        x = min(max(centre - w / 2, SEAL_SIZE[0] - w / 3 + 5 * MM), width - w)
        y = min(name[3] + 1 * MM, height - h)
        return Placement(count - 1, (x, y, x + w, y + h))
    x = width - MARGIN - w
    return Placement(count - 1, (x, MARGIN + 10 * MM, x + w, MARGIN + 10 * MM + h))


def seal_placement(signer: Placement) -> Placement:
    """The seal's right third covers the left third of the signer's signature, as on paper."""
    x1, y1, x2, y2 = signer.box
    third = (x2 - x1) / 3
    w, h = SEAL_SIZE
    return Placement(signer.page, (x1 + third - w, y1 - 4 * MM, x1 + third, y1 - 4 * MM + h))


def _text_field(writer: IncrementalPdfFileWriter, name: str, page: int, box: tuple[float, ...]) -> None:
    page_ref, _ = writer.find_page_for_modification(page)
    widget = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Tx"),
            pdf_name("/T"): pdf_string(name),
            pdf_name("/F"): generic.NumberObject(4),
            # Read-only for people: only issuance fills it, through this module.
            pdf_name("/Ff"): generic.NumberObject(1),
            pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in box),
            pdf_name("/P"): page_ref,
            pdf_name("/DA"): pdf_string("/Helv 10 Tf 0 g"),
        }
    )
    ref = writer.add_object(widget)
    page_obj = page_ref.get_object()
    annotations = page_obj.get("/Annots")
    if annotations is None:
        page_obj[pdf_name("/Annots")] = generic.ArrayObject([ref])
        writer.update_container(page_obj)
    else:
        annotations.append(ref)
        writer.update_container(annotations)
    fields_array = writer.root["/AcroForm"]["/Fields"]
    fields_array.append(ref)
    writer.update_container(fields_array)


def _fill_text_field(writer: IncrementalPdfFileWriter, name: str, value: str) -> None:
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == name:
            x1, y1, x2, y2 = _field_box(writer, name)
            page = stamp_pdf([value], (x2 - x1, y2 - y1), border=0, font_size=11)
            field[pdf_name("/V")] = pdf_string(value)
            field[pdf_name("/AP")] = generic.DictionaryObject(
                {pdf_name("/N"): writer.import_page_as_xobject(PdfFileReader(io.BytesIO(page)))}
            )
            writer.update_container(field)
            return
    raise PdfRefused(f"the signed PDF has no field {name} for issuance to fill")


def _check_certificate(signer: signers.Signer, context: ValidationContext) -> None:
    """Refuse before signing: an expired, revoked or untrusted certificate would sign nothing valid."""
    validator = CertificateValidator(
        signer.signing_cert, intermediate_certs=list(signer.cert_registry), validation_context=context
    )
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))
    except RevokedError as exc:
        raise CertificateRefused("signing_certificate_revoked", "the signing certificate is revoked") from exc
    except ExpiredError as exc:
        raise CertificateRefused("signing_certificate_expired", "the signing certificate expired") from exc
    except (ValidationError, PathError) as exc:
        raise CertificateRefused(
            "signing_certificate_unusable", f"the signing certificate cannot be used: {exc}"
        ) from exc


# What a signing act hands _sign: the writer with every change but the signature, the signature's
# metadata, its appearance and the field to create for it (None: it exists).
_Prepared = tuple[
    IncrementalPdfFileWriter, signers.PdfSignatureMetadata, StaticStampStyle, fields.SigFieldSpec | None
]


def _reserved_size(signer: signers.Signer) -> int:
    """Room for the signature's CMS, as hex, from what it holds: the certificates, the RSA signature and
    the signed attributes (a few hundred bytes, given 4 KB). pyHanko would size it by making a whole
    dry-run signature first; a time-stamp token, whose size only the TSA knows, still goes that way."""
    certificates = [signer.signing_cert, *signer.cert_registry]
    key_bytes = (signer.signing_cert.public_key.bit_size + 7) // 8
    return 2 * (sum(len(certificate.dump()) for certificate in certificates) + key_bytes + 4096)


def _sign(
    prepare: Callable[[], _Prepared],
    signer: signers.Signer,
    context: ValidationContext,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """prepare: what to sign (_Prepared), made again for a second try, with pyHanko's own size estimate,
    if the room reserved for the signature proves too small."""
    _check_certificate(signer, context)
    reserved = None if timestamper is not None else _reserved_size(signer)
    while True:
        writer, metadata, style, new_field = prepare()
        pdf_signer = signers.PdfSigner(
            metadata, signer=signer, timestamper=timestamper, stamp_style=style, new_field_spec=new_field
        )
        try:
            return pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()
        except TimestampRequestError as exc:
            raise TimeStampUnavailable(str(exc)) from exc
        except SigningError as exc:
            if reserved is not None and "larger than expected" in str(exc):
                log.warning("the signature outgrew the %d bytes reserved for it: estimating", reserved)
                reserved = None
                continue
            raise CertificateRefused("signing_failed", f"the PDF could not be signed: {exc}") from exc


def _metadata(field: str, context: ValidationContext, **extra) -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True,
        validation_context=context,
        **extra,
    )


def _field_box(writer: IncrementalPdfFileWriter, name: str) -> tuple[float, float, float, float]:
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == name:
            x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
            return x1, y1, x2, y2
    raise PdfRefused(f"the signed PDF has no field {name} for issuance to fill")


@off_the_event_loop
def sign_as_signer(
    content: bytes,
    signer: signers.Signer,
    context: ValidationContext,
    *,
    signer_name: str,
    name_box: tuple[float, float, float, float] | None,
    moment: datetime,
    numbered: bool = True,
    placement: Placement | None = None,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The competent person's PAdES B-LT certification signature, with the fields the agency fills.

    placement: where the signature goes, as chosen on the PDF; else signer_placement with
    name_box: where the signer's name is printed on the last page, if it is.
    numbered: the document gets its number and date later (outgoing documents), in fields made now.
    timestamper: the TSA whose signature time-stamp the signature carries, when one is configured.
    """
    chosen = placement

    def prepare() -> _Prepared:
        writer = _open(content)
        placement = chosen or signer_placement(writer, name_box)
        seal = seal_placement(placement)
        new_field = fields.SigFieldSpec(SIGNER_FIELD, on_page=placement.page, box=placement.box)
        fields.append_signature_field(writer, new_field)
        # After the signer's field: the seal is drawn over the signature it overlaps.
        seal_field = fields.SigFieldSpec(AGENCY_FIELD, on_page=seal.page, box=seal.box)
        fields.append_signature_field(writer, seal_field)
        if numbered:
            _, height, _ = _page_size(writer, 0)
            number_box = (MARGIN, height - 18 * MM, MARGIN + 70 * MM, height - 12 * MM)
            _text_field(writer, NUMBER_FIELD, 0, number_box)
            _text_field(writer, DATE_FIELD, 0, (MARGIN, height - 25 * MM, MARGIN + 70 * MM, height - 19 * MM))
        style = _style([f"Ký bởi: {signer_name}", f"Thời gian: {vietnam_time(moment)}"], placement.box)
        permissions = fields.MDPPerm.FILL_FORMS
        metadata = _metadata(SIGNER_FIELD, context, certify=True, docmdp_permissions=permissions)
        return writer, metadata, style, None

    return _sign(prepare, signer, context, timestamper=timestamper)


@off_the_event_loop
def seal_issued(
    content: bytes,
    signer: signers.Signer,
    context: ValidationContext,
    *,
    agency_name: str,
    number_and_notation: str | None,
    issued_date: str | None,
    moment: datetime,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The agency's signature in the field the signer's signature prepared, after the number and date
    when the document has them."""

    def prepare() -> _Prepared:
        writer = _open(content)
        if number_and_notation is not None:
            _fill_text_field(writer, NUMBER_FIELD, f"Số: {number_and_notation}")
            _fill_text_field(writer, DATE_FIELD, f"Ngày ban hành: {issued_date}")
        style = _style([agency_name, vietnam_time(moment)], _field_box(writer, AGENCY_FIELD), border=2)
        return writer, _metadata(AGENCY_FIELD, context), style, None

    return _sign(prepare, signer, context, timestamper=timestamper)


@off_the_event_loop
def seal_attachment(
    content: bytes,
    signer: signers.Signer,
    context: ValidationContext,
    *,
    agency_name: str,
    number_and_notation: str,
    moment: datetime,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """An attachment carries the agency's signature alone, top right of page 1, naming the document."""

    def prepare() -> _Prepared:
        writer = _open(content)
        width, height, _ = _page_size(writer, 0)
        w, h = ATTACHMENT_STAMP_SIZE
        box = (width - MARGIN - w, height - 10 * MM - h, width - MARGIN, height - 10 * MM)
        style = _style([agency_name, f"Số: {number_and_notation}", vietnam_time(moment)], box)
        new_field = fields.SigFieldSpec(AGENCY_FIELD, on_page=0, box=box)
        return writer, _metadata(AGENCY_FIELD, context), style, new_field

    return _sign(prepare, signer, context, timestamper=timestamper)
