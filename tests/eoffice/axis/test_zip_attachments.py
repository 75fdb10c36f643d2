"""Zip attachments of arriving packages (the SDK sends the document inside one): unpacked into the
document's files within limits; a hostile archive refuses the package with 02 naming the reason,
with nothing registered and nothing left in storage. The SDK's own sample goes through the mock axis
in test_samples.py."""

from __future__ import annotations

import io
import stat
import unicodedata
import zipfile

import pytest
from sqlalchemy import select

from eoffice.axis import inbound
from eoffice.axis.models import AxisReceipt, AxisSend
from eoffice.axis.package import EdocPackage, PackageFile, build_package
from eoffice.documents.fulltext import fold
from eoffice.documents.models import Document
from eoffice.documents.tasks import index_queued_texts
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.runtime import settings, storage
from eoffice.storage.models import StoredFile
from tests.eoffice.axis.conftest import RECIPIENT, SENDER, unreachable_connector
from tests.eoffice.axis.packages import a_package
from tests.eoffice.documents.conftest import stored_objects
from tests.fixtures.hostile_pdfs import MB, PeakRss

MAIN_PDF = text_pdf("Quyết định phê duyệt kế hoạch")


@pytest.fixture
def connector(app, key_dir):
    yield from unreachable_connector(key_dir)


def arriving() -> dict:
    return {"message_id": "m-1", "type": "edoc", "from": SENDER, "to": RECIPIENT}


def a_zip(members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def zipped_package(content: bytes) -> EdocPackage:
    return a_package(files=[PackageFile("Hồ sơ.zip", "application/zip", content, "Văn bản chính")])


def only_document() -> Document:
    db.session.expire_all()
    [receipt] = db.session.scalars(select(AxisReceipt)).all()
    assert receipt.outcome == "imported", receipt.detail
    return db.session.get(Document, receipt.document_id)


def files_of(document: Document) -> list[tuple[str, str, bytes]]:
    return [
        (link.role, link.stored_file.name, b"".join(storage().open(link.stored_file.key)))
        for link in sorted(document.files, key=lambda link: link.position)
    ]


def test_members_of_a_zip_and_of_a_zip_inside_it_become_files_and_their_pdfs_are_read(
    connector, people, sender_identity
):
    decomposed = unicodedata.normalize("NFD", "Quyết định 05.pdf")
    inner = a_zip([("phụ lục/Bảng kê.txt", "Bảng kê kinh phí".encode())])
    outer = a_zip(
        [(f"hồ sơ/{decomposed}", MAIN_PDF), ("hồ sơ/", b""), ("trống.txt", b""), ("kèm theo.zip", inner)]
    )
    package = zipped_package(outer)

    inbound.import_package(connector, arriving(), build_package(package, sender_identity))
    if not settings().extracts_text_inline:
        assert index_queued_texts() == 1

    document = only_document()
    assert files_of(document) == [
        ("main", "Quyết định 05.pdf", MAIN_PDF),
        ("attachment", "Bảng kê.txt", "Bảng kê kinh phí".encode()),
        ("attachment", "Hồ sơ.zip", outer),
    ]
    assert [link.stored_file.content_type for link in document.files] == [
        "application/pdf",
        "text/plain",
        "application/zip",
    ]
    # The PDF inside went through the same text extraction as any PDF.
    assert fold("phê duyệt kế hoạch") in document.search.file_text


def test_a_docx_stays_a_file_although_its_bytes_are_a_zip(connector, people, sender_identity):
    docx_like = a_zip([("word/document.xml", b"<w:document/>")])
    package = a_package(
        files=[
            PackageFile("Quyết định.pdf", "application/pdf", MAIN_PDF, "Văn bản chính"),
            PackageFile("Dự thảo.docx", "application/octet-stream", docx_like, "Dự thảo"),
        ]
    )

    inbound.import_package(connector, arriving(), build_package(package, sender_identity))

    assert [name for _role, name, _ in files_of(only_document())] == ["Quyết định.pdf", "Dự thảo.docx"]


def _encrypted(archive: bytes) -> bytes:
    """The archive with its member marked encrypted (zipfile cannot write encryption)."""
    patched = bytearray(archive)
    local = patched.index(b"PK\x03\x04")
    central = patched.index(b"PK\x01\x02")
    patched[local + 6] |= 0x1
    patched[central + 8] |= 0x1
    return bytes(patched)


def _symlink() -> bytes:
    link = zipfile.ZipInfo("Quyết định.pdf")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return a_zip([(link, b"/etc/passwd")])


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """1 GiB of zeros deflated to about 1 MB, written in chunks so the test never holds the gigabyte."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("Quyết định.txt", "w", force_zip64=True) as member:
            chunk = bytes(MB)
            for _ in range(1024):
                member.write(chunk)
    return buffer.getvalue()


HOSTILE = {
    "traversal": (
        lambda: a_zip([("../../etc/cron.d/job", b"* * * * * root sh")]),
        "holds '../../etc/cron.d/job', a path outside the archive",
    ),
    "absolute": (
        lambda: a_zip([("/etc/passwd", b"root")]),
        "holds '/etc/passwd', a path outside the archive",
    ),
    "symlink": (_symlink, "holds 'Quyết định.pdf', a symbolic link"),
    "too-many-files": (
        lambda: a_zip([(f"tệp {index}.txt", b"x") for index in range(201)]),
        "the zip archives hold more than 200 files",
    ),
    "nested-3-deep": (
        lambda: a_zip([("a.zip", a_zip([("b.zip", a_zip([("c.txt", b"c")]))]))]),
        "holds the zip 'b.zip' nested more than one level deep",
    ),
    "encrypted": (lambda: _encrypted(a_zip([("mật.txt", b"secret")])), "holds 'mật.txt', which is encrypted"),
    "corrupt": (
        lambda: a_zip([("Quyết định.txt", b"x" * 5000)])[:60],
        "the zip archive 'Hồ sơ.zip' is corrupt",
    ),
    "not-a-zip": (lambda: MAIN_PDF, "the zip archive 'Hồ sơ.zip' is corrupt (File is not a zip file)"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_zip_refuses_the_package_with_02_naming_the_reason(
    app, connector, people, sender_identity, kind
):
    make, reason = HOSTILE[kind]
    package = zipped_package(make())

    inbound.import_package(connector, arriving(), build_package(package, sender_identity))

    _refused_naming(app, package.document_id, reason)


def test_a_zip_bomb_is_refused_while_memory_stays_bounded(app, connector, people, sender_identity, bomb):
    package = zipped_package(bomb)
    body = build_package(package, sender_identity)

    with PeakRss() as peak:
        inbound.import_package(connector, arriving(), body)
    # The members spool to disk past 1 MiB: the server does not hold what the bomb inflates to.
    assert peak.growth < 100 * MB

    _refused_naming(app, package.document_id, "inflate")


def test_the_limits_count_every_zip_of_the_package_together(key_dir, app, people, sender_identity):
    first, second = a_zip([("a.txt", b"a" * 600)]), a_zip([("b.txt", b"b" * 600)])
    package = a_package(
        files=[
            PackageFile("Quyết định.pdf", "application/pdf", MAIN_PDF, "Văn bản chính"),
            PackageFile("một.zip", "application/zip", first, "Kèm 1"),
            PackageFile("hai.zip", "application/x-zip-compressed", second, "Kèm 2"),
        ]
    )
    for connector in unreachable_connector(key_dir, axis_zip_max_bytes=1024):
        inbound.import_package(connector, arriving(), build_package(package, sender_identity))

    _refused_naming(
        app, package.document_id, "Attachment[2]: the zip archives inflate to more than 1024 bytes"
    )


def _refused_naming(app, document_id: str, reason: str) -> None:
    db.session.expire_all()
    [receipt] = db.session.scalars(select(AxisReceipt)).all()
    [send] = db.session.scalars(select(AxisSend)).all()
    assert receipt.outcome == "refused"
    assert reason in receipt.detail and receipt.detail.startswith("Attachment[")
    assert (send.status_code, send.to_organ_id, send.edxml_document_id) == ("02", SENDER, document_id)
    assert send.description.startswith("Từ chối tiếp nhận: ") and reason in send.description
    assert db.session.scalars(select(Document)).all() == []
    assert db.session.scalars(select(StoredFile)).all() == []
    assert stored_objects(app) == []
