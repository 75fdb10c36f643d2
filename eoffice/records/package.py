"""The archive package of a hand-over (docs/records-package.md): a zip written as a stream, never held in
memory, with the metadata as XML and CSV, the files, and a SHA-256 manifest; and its import into an
empty instance, which restores the case files, their documents and files identically."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from eoffice.accounts.models import Agency
from eoffice.axis.xmlsig import hardened_parser
from eoffice.documents.fulltext import fold
from eoffice.documents.models import Document, DocumentFile
from eoffice.extensions import db
from eoffice.records.models import (
    CaseFile,
    CaseFileDocument,
    CaseFileEvent,
    CaseFileStatus,
    Handover,
    HandoverStatus,
)
from eoffice.storage.backend import StorageBackend
from eoffice.storage.models import StoredFile
from eoffice.storage.operations import store_file

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
_INTS = {
    "year",
    "document_count",
    "page_count",
    "number",
    "number_year",
    "arrival_number",
    "arrival_year",
    "ordinal",
    "position",
}
_DATES = {"start_date", "end_date", "issued_date", "due_date", "arrival_date", "deadline"}
_TIMES = {"created_at", "closed_at", "archived_at", "received_at", "proposed_at", "filed_at"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class PackageInvalid(Exception):
    """A package that cannot be imported: the message says which part and why."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _maintenance(years: int | None) -> str:
    return PERMANENT if years is None else str(years)


def _element(parent: etree._Element, name: str, value: Any) -> None:
    text = _text(value)
    if text is not None:
        etree.SubElement(parent, f"{{{NAMESPACE}}}{name}").text = text


def file_path(case_file: CaseFile, entry: CaseFileDocument, link: DocumentFile) -> str:
    """Where a document's file sits in the package: by case file code, ordinal and position."""
    name = _UNSAFE.sub("-", fold(link.stored_file.name).replace(" ", "-")).strip("-") or "file"
    return f"files/{case_file.code}/{entry.ordinal:04d}/{link.position:02d}-{name}"


class _Sink:
    """What zipfile writes to: it keeps the bytes until the stream takes them (no seek: data descriptors)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _case_file_element(case_file: CaseFile) -> etree._Element:
    root = etree.Element(f"{{{NAMESPACE}}}File", nsmap={None: NAMESPACE})
    for name, attribute in FILE_FIELDS:
        value = getattr(case_file, attribute)
        _element(root, name, _maintenance(value) if attribute == "retention_years" else value)
    history = etree.SubElement(root, f"{{{NAMESPACE}}}History")
    for event in case_file.history:
        row = etree.SubElement(history, f"{{{NAMESPACE}}}Event")
        for name, value in (
            ("Action", event.action),
            ("Actor", event.actor_name),
            ("Reason", event.reason),
            ("At", event.created_at),
        ):
            _element(row, name, value)
    for entry in case_file.entries:
        doc = etree.SubElement(root, f"{{{NAMESPACE}}}Doc")
        _element(doc, "DocOrdinal", entry.ordinal)
        _element(doc, "FiledAt", entry.filed_at)
        for name, attribute in DOC_FIELDS:
            _element(doc, name, getattr(entry.document, attribute))
        for link in entry.document.files:
            attachment = etree.SubElement(doc, f"{{{NAMESPACE}}}Attachment")
            stored = link.stored_file
            for name, value in (
                ("Path", file_path(case_file, entry, link)),
                ("FileName", stored.name),
                ("Role", link.role),
                ("Position", link.position),
                ("ContentType", stored.content_type),
                ("Size", stored.size),
                ("Sha256", stored.sha256),
            ):
                _element(attachment, name, value)
    return root


def _metadata_xml(handover: Handover, agency: Agency) -> Iterator[bytes]:
    """records.xml, one case file at a time."""
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<ArchivePackage xmlns="{NAMESPACE}" version="1">\n'.encode()
    head = etree.Element(f"{{{NAMESPACE}}}Agency", nsmap={None: NAMESPACE})
    _element(head, "OrganId", agency.id)
    _element(head, "OrganName", agency.name)
    yield _fragment(head)
    transfer = etree.Element(f"{{{NAMESPACE}}}Handover", nsmap={None: NAMESPACE})
    for name, value in (
        ("Deadline", handover.deadline),
        ("ProposedAt", handover.proposed_at),
        ("ReceivedAt", handover.received_at),
        ("ReceivedBy", handover.received_by_name),
        ("Note", handover.note),
    ):
        _element(transfer, name, value)
    yield _fragment(transfer)
    for case_file in handover.case_files:
        yield _fragment(_case_file_element(case_file))
    yield b"</ArchivePackage>\n"


def _fragment(element: etree._Element) -> bytes:
    # Serialised alone, each element repeats the default namespace declaration; inside the root it is
    # inherited, so it is dropped here.
    text = etree.tostring(element, encoding="unicode", pretty_print=True)
    return ("  " + text.replace(f' xmlns="{NAMESPACE}"', "", 1)).encode()


def _csv_rows(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    yield "\ufeff".encode()
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(["" if value is None else _text(value) for value in row])
        yield buffer.getvalue().encode()


def _case_files_csv(handover: Handover) -> Iterator[bytes]:
    header = [name for name, _ in FILE_FIELDS]
    rows = (
        [
            _maintenance(cf.retention_years) if a == "retention_years" else getattr(cf, a)
            for _, a in FILE_FIELDS
        ]
        for cf in handover.case_files
    )
    return _csv_rows([header, *rows])


def _documents_csv(handover: Handover) -> Iterator[bytes]:
    header = ["FileCode", "DocOrdinal", *(name for name, _ in DOC_FIELDS), "Files"]
    rows = (
        [
            cf.code,
            entry.ordinal,
            *(getattr(entry.document, a) for _, a in DOC_FIELDS),
            " ".join(file_path(cf, entry, link) for link in entry.document.files),
        ]
        for cf in handover.case_files
        for entry in cf.entries
    )
    return _csv_rows([header, *rows])


def _entries(
    handover: Handover, store: StorageBackend
) -> Iterator[tuple[str, int, Iterable[bytes], int | None]]:
    """(path, compression, chunks, size if known) of every member but the manifest, in order."""
    session = object_session(handover)
    agency = session.get(Agency, handover.agency_id)
    yield METADATA, zipfile.ZIP_DEFLATED, _metadata_xml(handover, agency), None
    yield CASE_FILES_CSV, zipfile.ZIP_DEFLATED, _case_files_csv(handover), None
    yield DOCUMENTS_CSV, zipfile.ZIP_DEFLATED, _documents_csv(handover), None
    for kind, file_id in (("list", handover.list_file_id), ("record", handover.record_file_id)):
        if file_id is not None:
            stored = session.get(StoredFile, file_id)
            yield HANDOVER_PDFS[kind], zipfile.ZIP_STORED, store.open(stored.key), stored.size
    for case_file in handover.case_files:
        for entry in case_file.entries:
            for link in entry.document.files:
                stored = link.stored_file
                path = file_path(case_file, entry, link)
                # Stored as they are: PDFs and scans hardly compress, and copying is what the archive needs.
                yield path, zipfile.ZIP_STORED, store.open(stored.key), stored.size


def export_package(handover: Handover, store: StorageBackend) -> Iterator[bytes]:
    """The package as a stream of chunks: each file is read from the store and passed on as it comes.

    It reads through the handover's own session and the store given, never through the application's
    context: a server may iterate the stream after the request's context has gone."""
    sink = _Sink()
    stamp = (handover.received_at or handover.proposed_at).timetuple()[:6]
    manifest: list[str] = []
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
        for path, compression, chunks, size in _entries(handover, store):
            info = zipfile.ZipInfo(path, stamp)
            info.compress_type = compression
            if size is not None:
                info.file_size = size
            digest = hashlib.sha256()
            with archive.open(info, "w", force_zip64=size is None or size > 2**31) as member:
                for chunk in chunks:
                    digest.update(chunk)
                    member.write(chunk)
                    written = sink.take()
                    if written:
                        yield written
            manifest.append(f"{digest.hexdigest()}  {path}\n")
            yield sink.take()
        info = zipfile.ZipInfo(MANIFEST, stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, "".join(manifest))
    yield sink.take()


def package_name(handover: Handover) -> str:
    return f"nop-luu-{handover.agency_id}-{handover.id}.zip"


# Import.


def _hash_member(archive: zipfile.ZipFile, path: str) -> str:
    digest = hashlib.sha256()
    with archive.open(path) as member:
        for chunk in iter(lambda: member.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(archive: zipfile.ZipFile) -> None:
    names = set(archive.namelist())
    if MANIFEST not in names or METADATA not in names:
        raise PackageInvalid(f"{MANIFEST} and {METADATA} are required")
    listed = {}
    for line in archive.read(MANIFEST).decode("utf-8").splitlines():
        digest, _, path = line.partition("  ")
        listed[path] = digest
    if set(listed) != names - {MANIFEST}:
        differing = sorted(set(listed) ^ (names - {MANIFEST}))[:5]
        raise PackageInvalid(f"the manifest does not list exactly the package's files: {differing}")
    for path, digest in listed.items():
        if _hash_member(archive, path) != digest:
            raise PackageInvalid(f"{path}: its SHA-256 differs from the manifest's")


def _value(element: etree._Element, name: str, attribute: str) -> Any:
    found = element.find(f"{{{NAMESPACE}}}{name}")
    if found is None or found.text is None:
        return None
    text = found.text
    if attribute == "retention_years":
        return None if text == PERMANENT else int(text)
    if attribute in _INTS:
        return int(text)
    if attribute in _DATES:
        return date.fromisoformat(text)
    if attribute in _TIMES:
        return datetime.fromisoformat(text)
    if attribute == "is_legal_normative":
        return text == "true"
    return text


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return element.findall(f"{{{NAMESPACE}}}{name}")


def instance_is_empty() -> bool:
    return not any(
        db.session.scalar(select(func.count()).select_from(model)) for model in (Document, CaseFile)
    )


def import_package(source: str | Path | IO[bytes]) -> Handover:
    """Restore a package into an empty instance (no documents, no case files); the caller commits with
    commit_or_discard, which removes the stored objects if anything fails."""
    if not instance_is_empty():
        raise PackageInvalid("the instance holds documents or case files already: import into an empty one")
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as error:
        raise PackageInvalid(f"not a zip file: {error}") from error
    with archive:
        _verify(archive)
        try:
            with archive.open(METADATA) as member:
                root = etree.parse(member, hardened_parser()).getroot()
        except etree.XMLSyntaxError as error:
            raise PackageInvalid(f"{METADATA}: {error}") from error
        if root.tag != f"{{{NAMESPACE}}}ArchivePackage":
            raise PackageInvalid(f"{METADATA}: the root is not ArchivePackage in {NAMESPACE}")
        return _restore(archive, root)


def _restore(archive: zipfile.ZipFile, root: etree._Element) -> Handover:
    head = root.find(f"{{{NAMESPACE}}}Agency")
    agency_id, agency_name = _value(head, "OrganId", "id"), _value(head, "OrganName", "name")
    if db.session.get(Agency, agency_id) is None:
        db.session.add(Agency(id=agency_id, name=agency_name))
    transfer = root.find(f"{{{NAMESPACE}}}Handover")
    handover = Handover(
        agency_id=agency_id,
        status=HandoverStatus.RECEIVED,
        deadline=_value(transfer, "Deadline", "deadline"),
        proposed_at=_value(transfer, "ProposedAt", "proposed_at"),
        received_at=_value(transfer, "ReceivedAt", "received_at"),
        received_by_name=_value(transfer, "ReceivedBy", "name"),
        note=_value(transfer, "Note", "note"),
    )
    names = set(archive.namelist())
    for kind, path in HANDOVER_PDFS.items():
        if path in names:
            with archive.open(path) as member:
                stored = store_file(member, Path(path).name, uploaded_by=None)
            setattr(handover, f"{kind}_file_id", stored.id)
    db.session.add(handover)
    for element in _children(root, "File"):
        values = {a: _value(element, n, a) for n, a in FILE_FIELDS if a != "code"}
        case_file = CaseFile(**values, handover=handover, status=CaseFileStatus.ARCHIVED)
        db.session.add(case_file)
        if case_file.code != _value(element, "FileCode", "code"):
            raise PackageInvalid(
                f"FileCode {_value(element, 'FileCode', 'code')} is not OrganId.FileCatalog.FileNotation"
            )
        case_file.search_text = fold(" ".join([case_file.code, case_file.title, case_file.keywords or ""]))
        for event in _children(_children(element, "History")[0], "Event"):
            case_file.history.append(
                CaseFileEvent(
                    action=_value(event, "Action", "action"),
                    actor_name=_value(event, "Actor", "name"),
                    reason=_value(event, "Reason", "reason"),
                    created_at=_value(event, "At", "created_at"),
                )
            )
        for doc in _children(element, "Doc"):
            document = Document(
                agency_id=agency_id, channel="archive", **{a: _value(doc, n, a) for n, a in DOC_FIELDS}
            )
            for attachment in _children(doc, "Attachment"):
                path = _value(attachment, "Path", "path")
                if path not in names:
                    raise PackageInvalid(f"{path}: named in {METADATA}, missing from the package")
                with archive.open(path) as member:
                    stored = store_file(member, _value(attachment, "FileName", "name"), uploaded_by=None)
                if stored.sha256 != _value(attachment, "Sha256", "sha256"):
                    raise PackageInvalid(f"{path}: its SHA-256 differs from {METADATA}'s")
                stored.agency_id = agency_id
                document.files.append(
                    DocumentFile(
                        stored_file=stored,
                        role=_value(attachment, "Role", "role"),
                        position=_value(attachment, "Position", "position"),
                    )
                )
            case_file.entries.append(
                CaseFileDocument(
                    agency_id=agency_id,
                    document=document,
                    ordinal=_value(doc, "DocOrdinal", "ordinal"),
                    filed_at=_value(doc, "FiledAt", "filed_at"),
                )
            )
        db.session.flush()
    return handover
