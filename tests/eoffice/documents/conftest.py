"""A small province for the document tests: two agencies, their units, one person per part they play."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from eoffice.accounts import operations as accounts
from eoffice.accounts.models import User
from eoffice.documents.models import Document, FileRole, TraceEntry
from eoffice.extensions import db
from eoffice.runtime import settings, storage
from eoffice.signing.operations import issue_demo_certificates
from eoffice.storage.models import StoredFile
from eoffice.storage.operations import commit_or_discard
from tests.factories import create_document, create_user
from tests.fixtures.signing import shared_key

HOME, OTHER = "000.00.00.H49", "000.00.01.H49"


@dataclass
class People:
    clerk: User  # vanthu: registers and issues
    clerk2: User
    leader: User  # lanhdao: directs and signs
    leader2: User
    handler: User  # chuyenvien (KGVX): handles, drafts
    colleague: User  # chuyenvien2, same unit as the handler
    co_handler: User  # chuyenvien.kt (KT)
    informed: User  # chuyenvien.kt2 (KT)
    reviewer: User  # truongphong (KGVX)
    reviewer2: User  # phochanhvp (VP)
    admin: User  # admin.ubnd: agency admin
    platform_admin: User  # quantri
    outsider_clerk: User  # vanthu.snv, another agency
    outsider_leader: User
    units: dict[str, int]

    def by_name(self, name: str) -> User:
        return getattr(self, name)


@pytest.fixture
def people(app) -> People:
    home = accounts.create_agency(HOME, "Ủy ban nhân dân tỉnh Quảng Nam", abbreviation="UBND")
    other = accounts.create_agency(OTHER, "Sở Nội vụ tỉnh Quảng Nam", abbreviation="SNV", parent_id=HOME)
    units = {
        abbreviation: accounts.create_unit(home, name, abbreviation=abbreviation).id
        for name, abbreviation in [
            ("Văn phòng", "VP"),
            ("Phòng Khoa giáo - Văn xã", "VX"),
            ("Phòng Kinh tế", "KT"),
        ]
    }
    other_unit = accounts.create_unit(other, "Văn phòng Sở", abbreviation="VP").id
    db.session.commit()
    # Agencies sign what they issue: a seal certificate each, from the test CA.
    issue_demo_certificates(settings(), agencies=[home, other], key=shared_key())

    def user(username, roles, unit=None, agency=HOME, full_name=None, **kwargs):
        unit_id = other_unit if agency == OTHER else units.get(unit)
        return create_user(
            username, roles=roles, agency_id=agency, unit_id=unit_id, full_name=full_name, **kwargs
        )

    return People(
        clerk=user("vanthu", ["clerk"], "VP", full_name="Nguyễn Thị Hoa"),
        clerk2=user("vanthu2", ["clerk"], "VP", full_name="Phan Thị Mai"),
        leader=user("lanhdao", ["leader"], "VP", full_name="Trần Văn Minh"),
        leader2=user("lanhdao2", ["leader"], "VP", full_name="Hồ Quang Bửu"),
        handler=user("chuyenvien", ["specialist"], "VX", full_name="Lê Thị Thu Trang"),
        colleague=user("chuyenvien2", ["specialist"], "VX", full_name="Võ Văn Tám"),
        co_handler=user("chuyenvien.kt", ["specialist"], "KT", full_name="Đỗ Minh Khoa"),
        informed=user("chuyenvien.kt2", ["specialist"], "KT", full_name="Ngô Thị Lan"),
        reviewer=user("truongphong", ["specialist"], "VX", full_name="Phạm Văn Hải"),
        reviewer2=user("phochanhvp", ["specialist"], "VP", full_name="Trương Thị Nga"),
        admin=user("admin.ubnd", ["admin"], full_name="Quản trị UBND"),
        platform_admin=user("quantri", ["admin"], is_platform_admin=True, full_name="Quản trị hệ thống"),
        outsider_clerk=user("vanthu.snv", ["clerk"], agency=OTHER, full_name="Võ Thị Lan"),
        outsider_leader=user("lanhdao.snv", ["leader"], agency=OTHER, full_name="Đặng Văn Hùng"),
        units=units,
    )


@pytest.fixture
def as_user(client, login):
    """as_user(user) -> headers of a logged-in session, one login per user and test."""
    cache: dict[str, dict[str, str]] = {}

    def headers(user: User) -> dict[str, str]:
        if user.username not in cache:
            cache[user.username] = login(user.username)
        return cache[user.username]

    return headers


def snapshot(document_id: int) -> tuple:
    """Everything an action could change about a document: its row, its trace and related rows."""
    db.session.expire_all()
    document = db.session.get(Document, document_id)
    columns = {c.key: getattr(document, c.key) for c in Document.__table__.columns}
    return (
        columns,
        db.session.scalar(
            select(func.count()).select_from(TraceEntry).where(TraceEntry.document_id == document_id)
        ),
        [(a.id, a.superseded_at) for a in document.assignments],
        [(r.id, r.decision) for r in document.reviews],
        [(r.id, r.delivery_status) for r in document.recipients],
        [(p.user_id, p.read_at) for p in document.participants],
        [link.stored_file_id for link in document.files],
    )


def stored_objects(app) -> list:
    root = app.extensions["eoffice"]["settings"].effective_storage_path
    return sorted(p for p in root.rglob("*") if p.is_file())


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def nothing_stored(app) -> bool:
    return count(Document) == 0 and count(StoredFile) == 0 and stored_objects(app) == []


def act(client, headers, document_id, action, body=None):
    return client.post(f"/api/v1/documents/{document_id}/actions/{action}", json=body or {}, headers=headers)


def flow(people, status, **metadata):
    """An outgoing document in this status, drafted, reviewed and signed by the province's people."""
    return create_document(
        status,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        clerk=people.clerk,
        metadata=metadata or None,
    )


def key_file(label: str):
    """The PKCS#12 file of a signer's key (see eoffice.signing.keys for the labels)."""
    return settings().effective_signing_key_dir / f"{label}.p12"


def content_of(stored: StoredFile) -> bytes:
    return b"".join(storage().open(stored.key))


def replace_main(document_id: int, content: bytes, actor) -> StoredFile:
    from eoffice.documents import operations

    with commit_or_discard():
        links = db.session.get(Document, document_id).files
        link = next(link for link in links if link.role == FileRole.MAIN)
        operations.files.replace_content(link, content, actor)
    return link.stored_file


@pytest.fixture
def live_server(app):
    """The app on a real threaded HTTP server: concurrent requests, each in its own thread and session."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
