"""Factories that build rows through the same operations the API uses."""

from __future__ import annotations

from eoffice.accounts import operations
from eoffice.accounts.models import Agency, User
from eoffice.extensions import db
from eoffice.runtime import settings
from eoffice.signing.operations import issue_demo_certificates
from tests.conftest import TEST_PASSWORD
from tests.fixtures.signing import shared_key


def create_agency(
    agency_id: str, name: str, *, units: list[str] = (), abbreviation: str | None = None
) -> Agency:
    agency = operations.create_agency(agency_id, name, abbreviation=abbreviation)
    for unit_name in units:
        operations.create_unit(agency, unit_name)
    db.session.commit()
    issue_demo_certificates(settings(), agencies=[agency], key=shared_key())
    return agency


def create_user(
    username: str,
    *,
    agency_id: str = "000.00.00.H49",
    roles: list[str] = (),
    password: str = TEST_PASSWORD,
    is_platform_admin: bool = False,
    unit_id: int | None = None,
    full_name: str | None = None,
) -> User:
    user = operations.create_user(
        username=username,
        password=password,
        full_name=full_name or username.title(),
        email=f"{username}@example.gov.vn",
        agency_id=agency_id,
        unit_id=unit_id,
        roles=list(roles),
        is_platform_admin=is_platform_admin,
    )
    db.session.commit()
    if "leader" in roles:
        # Leaders sign what they approve: each gets a personal certificate from the test CA.
        issue_demo_certificates(settings(), people=[user], key=shared_key())
    return user


def pdf_file(name: str = "van-ban.pdf", title: str = "Văn bản"):
    """A small valid PDF, as a channel hands it to the document operations."""
    import io

    from eoffice.documents.operations import IncomingFile
    from eoffice.pdfgen import text_pdf

    return IncomingFile(name, io.BytesIO(text_pdf(title)))


def incoming_metadata(**overrides) -> dict:
    """Metadata of an incoming document under the public contract's names."""
    return {
        "issuer_id": "000.00.12.H49",
        "issuer_name": "Sở Tài chính tỉnh Quảng Nam",
        "document_type": "CV",
        "number": 125,
        "notation": "STC-NS",
        "issued_date": "2026-11-20",
        "subject": "V/v hướng dẫn lập dự toán ngân sách năm 2027",
        "signer_name": "Nguyễn Văn An",
        "signer_position": "Giám đốc",
        "urgency": "normal",
        "confidentiality": "none",
        **overrides,
    }


def outgoing_metadata(**overrides) -> dict:
    return {
        "document_type": "QĐ",
        "subject": "Quyết định ban hành quy chế làm việc",
        **overrides,
    }


_INCOMING_PATH = ["registered", "awaiting_direction", "assigned", "in_progress", "completed"]
_OUTGOING_PATH = ["draft", "in_review", "awaiting_signature", "approved", "issued", "recalled"]


def create_document(
    status: str,
    *,
    clerk: User | None = None,
    leader: User | None = None,
    handler: User | None = None,
    drafter: User | None = None,
    reviewers: list[User] = (),
    signer: User | None = None,
    metadata: dict | None = None,
    assignment: dict | None = None,
):
    """A document brought to `status` through the operations the API uses, one commit per step.

    Incoming states need the clerk (and the leader and handler once past registration);
    outgoing ones the drafter (and the reviewers, signer and clerk as far as they go).
    """
    from eoffice.documents import operations
    from eoffice.documents.models import Channel
    from eoffice.storage.operations import commit_or_discard

    def commit(step, *args, **kwargs):
        with commit_or_discard():
            return step(*args, **kwargs)

    if status in ("pending_registration", "refused") or status in _INCOMING_PATH:
        meta = incoming_metadata(**(metadata or {}))
        if status in ("pending_registration", "refused"):
            document, _ = commit(
                operations.receive_incoming,
                operations.InboundRecord(
                    agency_id=clerk.agency_id, metadata=meta, files=[pdf_file()], channel=Channel.AXIS
                ),
            )
            if status == "refused":
                commit(operations.refuse, document, clerk, reason="Gửi nhầm cơ quan")
            return document
        document, _ = commit(
            operations.register_upload,
            operations.InboundRecord(agency_id=clerk.agency_id, metadata=meta, files=[pdf_file()]),
            clerk,
        )
        steps = _INCOMING_PATH[1 : _INCOMING_PATH.index(status) + 1]
        for step in steps:
            if step == "awaiting_direction":
                commit(operations.submit_for_direction, document, clerk, leader_id=leader.id)
            elif step == "assigned":
                commit(
                    operations.assign,
                    document,
                    leader,
                    **(assignment or {"primary_user_id": handler.id, "direction_text": "Đề nghị xử lý"}),
                )
            elif step == "in_progress":
                commit(operations.record_progress, document, handler, note="Đang tổng hợp")
            elif step == "completed":
                commit(operations.complete, document, handler, result_note="Đã trả lời")
        return document

    meta = outgoing_metadata(**(metadata or {}))
    document = commit(operations.create_draft, drafter, meta, [pdf_file("du-thao.pdf")])
    if status == "draft":
        return document
    commit(operations.submit, document, drafter, reviewer_ids=[r.id for r in reviewers], signer_id=signer.id)
    if status == "returned":
        commit(operations.return_draft, document, reviewers[0], comment="Đề nghị sửa trích yếu")
        return document
    for step in _OUTGOING_PATH[2 : _OUTGOING_PATH.index(status) + 1]:
        if step == "awaiting_signature":
            for reviewer in reviewers:
                commit(operations.approve, document, reviewer)
        elif step == "approved":
            commit(operations.approve, document, signer)
        elif step == "issued":
            commit(operations.issue, document, clerk)
        elif step == "recalled":
            commit(operations.recall, document, clerk, reason="Sai sót nội dung")
    return document
