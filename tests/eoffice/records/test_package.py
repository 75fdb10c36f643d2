"""The archive package: streamed export of a received hand-over, and its import into an empty instance."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import zipfile

import pytest
from lxml import etree

from eoffice import create_app
from eoffice.extensions import db
from eoffice.records import package
from eoffice.records.models import CaseFile, Handover
from eoffice.runtime import storage
from eoffice.storage.operations import commit_or_discard
from tests.conftest import make_settings
from tests.eoffice.records.conftest import act, handled, open_case_file
from tests.eoffice.records.test_handover import HANDOVERS, closed_case_file

NS = {"r": package.NAMESPACE}


@pytest.fixture
def received(client, people, as_user, archivist) -> int:
    """A received hand-over of two case files: three documents, one of them with two files."""
    handler = as_user(people.handler)
    first = closed_case_file(client, handler, people, notation="VX-01", keywords="ngân sách, dự toán")
    second = open_case_file(
        client,
        handler,
        notation="VX-02",
        title="Hồ sơ hội nghị",
        retention_years=None,
        access_regime="restricted",
    ).get_json()
    for subject in ("Giấy mời hội nghị", "Báo cáo kết quả hội nghị"):
        act(
            client,
            handler,
            second["id"],
            "file_document",
            document_id=handled(people, subject, page_count=5).id,
        )
    act(client, handler, second["id"], "close")
    proposed = client.post(HANDOVERS, json={"case_file_ids": [first["id"], second["id"]]}, headers=handler)
    handover_id = proposed.get_json()["id"]
    assert client.post(f"{HANDOVERS}/{handover_id}/receive", headers=as_user(archivist)).status_code == 200
    return handover_id


def exported(client, headers, handover_id: int) -> zipfile.ZipFile:
    response = client.get(f"{HANDOVERS}/{handover_id}/export", headers=headers)
    assert response.status_code == 200, response.get_data()[:300]
    assert response.mimetype == "application/zip" and response.is_streamed
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_the_export_holds_metadata_files_and_a_manifest_of_their_checksums(
    client, people, as_user, archivist, received
):
    archive = exported(client, as_user(archivist), received)

    names = archive.namelist()
    assert (
        names[:3] == ["records.xml", "case-files.csv", "documents.csv"] and names[-1] == "manifest-sha256.txt"
    )
    manifest = dict(
        line.split("  ")[::-1] for line in archive.read("manifest-sha256.txt").decode().splitlines()
    )
    assert set(manifest) == set(names) - {"manifest-sha256.txt"}
    assert all(hashlib.sha256(archive.read(name)).hexdigest() == digest for name, digest in manifest.items())

    root = etree.fromstring(archive.read("records.xml"))
    files = root.findall("r:File", NS)
    assert [f.findtext("r:FileCode", namespaces=NS) for f in files] == [
        "000.00.00.H49.2026.VX-01",
        "000.00.00.H49.2026.VX-02",
    ]
    second = files[1]
    assert second.findtext("r:Maintenance", namespaces=NS) == "permanent"
    assert second.findtext("r:Rights", namespaces=NS) == "restricted"
    assert [d.findtext("r:DocOrdinal", namespaces=NS) for d in second.findall("r:Doc", NS)] == ["1", "2"]
    for attachment in root.iterfind(".//r:Attachment", NS):
        path = attachment.findtext("r:Path", namespaces=NS)
        assert hashlib.sha256(archive.read(path)).hexdigest() == attachment.findtext(
            "r:Sha256", namespaces=NS
        )
    documents = list(csv.DictReader(io.StringIO(archive.read("documents.csv").decode("utf-8-sig"))))
    assert [(row["FileCode"][-5:], row["DocOrdinal"], row["Subject"]) for row in documents][1:] == [
        ("VX-02", "1", "Giấy mời hội nghị"),
        ("VX-02", "2", "Báo cáo kết quả hội nghị"),
    ]
    assert archive.read("handover/bien-ban-giao-nhan.pdf").startswith(b"%PDF")

    refused = client.get(f"{HANDOVERS}/{received}/export", headers=as_user(people.handler))
    assert refused.status_code == 403


def test_export_then_import_into_an_empty_instance_restores_files_and_metadata(
    client, as_user, archivist, received, tmp_path, sqlite_template
):
    original = exported(client, as_user(archivist), received)
    source = tmp_path / "package.zip"
    source.write_bytes(client.get(f"{HANDOVERS}/{received}/export", headers=as_user(archivist)).get_data())

    target_instance = tmp_path / "empty"
    target_instance.mkdir()
    shutil.copy(sqlite_template, target_instance / "eoffice.db")
    target = create_app(
        make_settings(target_instance, EOFFICE_DATABASE_URL=f"sqlite:///{target_instance / 'eoffice.db'}")
    )
    with target.app_context():
        with commit_or_discard():
            package.import_package(source)
        handover = db.session.scalars(db.select(Handover)).one()
        restored = zipfile.ZipFile(io.BytesIO(b"".join(package.export_package(handover, storage()))))
        case_files = db.session.scalars(db.select(CaseFile).order_by(CaseFile.notation)).all()
        stored = {
            link.stored_file.sha256: b"".join(storage().open(link.stored_file.key))
            for case_file in case_files
            for entry in case_file.entries
            for link in entry.document.files
        }
        assert [cf.status for cf in case_files] == ["archived", "archived"]
        with pytest.raises(package.PackageInvalid, match="empty"):
            package.import_package(source)
        db.session.remove()
        db.engine.dispose()

    assert restored.read("records.xml") == original.read("records.xml")
    assert restored.read("case-files.csv") == original.read("case-files.csv")
    assert restored.read("documents.csv") == original.read("documents.csv")
    files = [name for name in original.namelist() if name.startswith(("files/", "handover/"))]
    assert (
        files and [name for name in restored.namelist() if name.startswith(("files/", "handover/"))] == files
    )
    assert all(restored.read(name) == original.read(name) for name in files)
    assert {hashlib.sha256(data).hexdigest() for data in stored.values()} == set(stored)
    assert sorted(stored.values()) == sorted(original.read(n) for n in files if n.startswith("files/"))


def test_a_tampered_package_is_refused_and_nothing_is_stored(
    client, as_user, archivist, received, tmp_path, sqlite_template
):
    original = exported(client, as_user(archivist), received)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as out:
        for name in original.namelist():
            data = original.read(name)
            out.writestr(name, data + b"x" if name.startswith("files/") else data)

    target_instance = tmp_path / "empty"
    target_instance.mkdir()
    shutil.copy(sqlite_template, target_instance / "eoffice.db")
    target = create_app(
        make_settings(target_instance, EOFFICE_DATABASE_URL=f"sqlite:///{target_instance / 'eoffice.db'}")
    )
    with target.app_context():
        with pytest.raises(package.PackageInvalid, match="SHA-256"), commit_or_discard():
            package.import_package(tampered)
        assert db.session.scalars(db.select(CaseFile)).all() == []
        db.session.remove()
        db.engine.dispose()
    store = target.extensions["eoffice"]["settings"].effective_storage_path
    assert not [p for p in store.rglob("*") if p.is_file()]
