"""The archive package imported into an empty instance: verified against its manifest, then restored."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from lxml import etree
from sqlalchemy import func, select

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
from eoffice.records.package.layout import (
    DOC_FIELDS,
    FILE_FIELDS,
    HANDOVER_PDFS,
    MANIFEST,
    METADATA,
    NAMESPACE,
    PERMANENT,
)
from eoffice.storage.operations import store_file

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


class PackageInvalid(Exception):
    """A package that cannot be imported: the message says which part and why."""


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
