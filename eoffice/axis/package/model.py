"""What an edXML package carries: the agencies, the files, the business and the document (`EdocPackage`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from eoffice.axis import mapping
from eoffice.axis.xmlsig import q
from eoffice.documents.document_types import number_and_notation

HEADER_PATH = q("edXMLEnvelope", "edXMLHeader")
MAIN_DESCRIPTION = "Văn bản chính"
ATTACHMENT_DESCRIPTION = "Tài liệu kèm theo"


@dataclass(frozen=True)
class Organ:
    """An agency as From and To carry it (the full organ block of the samples)."""

    organ_id: str
    name: str
    in_charge: str | None = None
    address: str | None = None
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None


# Organ's optional fields and their edXML names, in the order the samples write them.
ORGAN_DETAILS = (
    ("address", "OrganAdd"),
    ("email", "Email"),
    ("telephone", "Telephone"),
    ("fax", "Fax"),
    ("website", "Website"),
)


@dataclass(frozen=True)
class PackageFile:
    name: str
    content_type: str
    content: bytes
    description: str = ""


NEW, REVOCATION, UPDATE, REPLACEMENT = 0, 1, 2, 3
BUSINESS_TYPES = {NEW: "new", REVOCATION: "revocation", UPDATE: "update", REPLACEMENT: "replacement"}
# StaffInfo's fields and their edXML names, in the order the samples write them.
BUSINESS_STAFF_FIELDS = (
    ("staff_department", "Department"),
    ("staff_name", "Staff"),
    ("staff_email", "Email"),
    ("staff_mobile", "Mobile"),
)


@dataclass(frozen=True)
class Replacement:
    """ReplacementInfo: a document the package replaces, and the agencies whose copy it replaces."""

    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Business:
    """TraceHeaderList › Bussiness (the standard's spelling): what the package does to earlier documents."""

    doc_type: int = NEW
    reason: str | None = None
    # Paper: 1 when the paper original is sent as well.
    paper: int = 0
    # Bussiness › DocumentId: the earlier document an update (or a revocation) is about, when it is not
    # the package's own DocumentId.
    document_id: str | None = None
    staff_department: str | None = None
    staff_name: str | None = None
    staff_email: str | None = None
    staff_mobile: str | None = None
    # BussinessDocumentInfo of an update: whether the document's information and its receivers changed,
    # and the receivers ((OrganId, ReceiverType), as written).
    document_info_changed: bool | None = None
    receivers_changed: bool | None = None
    receivers: tuple[tuple[str, int], ...] = ()
    replacements: tuple[Replacement, ...] = ()


@dataclass
class EdocPackage:
    sender: Organ
    recipients: list[Organ]
    document_type: str
    subject: str
    issued_date: date
    number: int | None
    notation: str | None
    files: list[PackageFile]
    signer_name: str | None = None
    signer_position: str | None = None
    signer_competence: str | None = None
    urgency: str = "normal"
    due_date: date | None = None
    page_count: int | None = None
    place: str | None = None
    to_places: list[str] = field(default_factory=list)
    business: Business = field(default_factory=Business)
    steering_type: int = 1
    content: str | None = None
    # OtherInfo besides Priority and PageAmount.
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None
    promulgation_amount: int | None = None
    direction: bool | None = None
    appendixes: list[str] = field(default_factory=list)
    # (OrganId, moment) of each system the package passed, oldest first.
    traces: list[tuple[str, datetime]] = field(default_factory=list)
    # The DocumentId as an arriving package wrote it, when it is not From + date + Code: it still
    # names the document (deduplication and status notices key on it).
    written_document_id: str | None = field(default=None, compare=False)
    # What was accepted but is not as the standard says ({"code", "message"}), for the trace.
    warnings: list[dict[str, str]] = field(default_factory=list, compare=False)

    @property
    def code(self) -> str:
        """`05/QĐ-UBND`, as Code carries it (number with its leading zero, then the notation)."""
        return number_and_notation(self.number, self.notation) or ""

    @property
    def document_id(self) -> str:
        """`<sender OrganId>,<yyyy/MM/dd>,<number>/<notation>`: the sender's identification of it."""
        return self.written_document_id or self.standard_document_id

    @property
    def business_doc_type(self) -> int:
        return self.business.doc_type

    @property
    def referenced_document_ids(self) -> list[str]:
        """The earlier documents the package acts on: a revocation or update names one (Bussiness ›
        DocumentId, else its own DocumentId, as the SDK's revocation does), a replacement those it lists."""
        if self.business.doc_type in (REVOCATION, UPDATE):
            return [self.business.document_id or self.document_id]
        if self.business.doc_type == REPLACEMENT:
            return list(dict.fromkeys(item.document_id for item in self.business.replacements))
        return []

    @property
    def standard_document_id(self) -> str:
        return f"{self.sender.organ_id},{mapping.format_date(self.issued_date)},{self.code}"
