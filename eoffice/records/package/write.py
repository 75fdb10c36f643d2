"""The archive package written as a stream: the metadata as XML and CSV, the files, and the manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from lxml import etree
from sqlalchemy.orm import object_session

from eoffice.accounts.models import Agency
from eoffice.records.models import CaseFile, Handover
from eoffice.records.package.layout import (
    CASE_FILES_CSV,
    DOC_FIELDS,
    DOCUMENTS_CSV,
    FILE_FIELDS,
    HANDOVER_PDFS,
    MANIFEST,
    METADATA,
    NAMESPACE,
    PERMANENT,
    file_path,
)
from eoffice.storage.backend import StorageBackend
from eoffice.storage.models import StoredFile


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
