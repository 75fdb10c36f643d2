"""Where everything sits in the archive package, and the element that holds each attribute."""

from __future__ import annotations

import re

from eoffice.documents.fulltext import fold
from eoffice.documents.models import DocumentFile
from eoffice.records.models import CaseFile, CaseFileDocument

NAMESPACE = "urn:eoffice:records:package:1"
METADATA = "records.xml"
CASE_FILES_CSV = "case-files.csv"
DOCUMENTS_CSV = "documents.csv"
MANIFEST = "manifest-sha256.txt"
HANDOVER_PDFS = {"list": "handover/muc-luc-ho-so.pdf", "record": "handover/bien-ban-giao-nhan.pdf"}
PERMANENT = "permanent"

# Case file (Decree 30 Appendix VI names) and document elements, with the attribute each one holds.
FILE_FIELDS = [
    ("FileCode", "code"),
    ("OrganId", "agency_id"),
    ("FileCatalog", "year"),
    ("FileNotation", "notation"),
    ("Title", "title"),
    ("Maintenance", "retention_years"),
    ("Rights", "access_regime"),
    ("Language", "language"),
    ("StartDate", "start_date"),
    ("EndDate", "end_date"),
    ("DocTotal", "document_count"),
    ("PageTotal", "page_count"),
    ("KeyWord", "keywords"),
    ("Format", "physical_state"),
    ("Description", "note"),
    ("Responsible", "responsible_name"),
    ("CreatedAt", "created_at"),
    ("ClosedAt", "closed_at"),
    ("ArchivedAt", "archived_at"),
]
DOC_FIELDS = [
    ("Direction", "direction"),
    ("Status", "status"),
    ("OrganIdOfIssuer", "issuer_id"),
    ("OrganName", "issuer_name"),
    ("TypeName", "document_type"),
    ("CodeNumber", "number"),
    ("CodeNotation", "notation"),
    ("IsLegalNormative", "is_legal_normative"),
    ("NumberYear", "number_year"),
    ("Series", "series"),
    ("IssuedDate", "issued_date"),
    ("Subject", "subject"),
    ("Language", "language"),
    ("PageAmount", "page_count"),
    ("Description", "note"),
    ("SignerPosition", "signer_position"),
    ("SignerFullName", "signer_name"),
    ("Priority", "urgency"),
    ("Confidentiality", "confidentiality"),
    ("DueDate", "due_date"),
    ("ArrivalNumber", "arrival_number"),
    ("ArrivalYear", "arrival_year"),
    ("ArrivalDate", "arrival_date"),
    ("CreatedAt", "created_at"),
]
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_path(case_file: CaseFile, entry: CaseFileDocument, link: DocumentFile) -> str:
    """Where a document's file sits in the package: by case file code, ordinal and position."""
    name = _UNSAFE.sub("-", fold(link.stored_file.name).replace(" ", "-")).strip("-") or "file"
    return f"files/{case_file.code}/{entry.ordinal:04d}/{link.position:02d}-{name}"
