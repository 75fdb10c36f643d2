"""The demo documents: incoming and outgoing ones in every state, for the demo people of each agency."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.demo.document_steps import OUTGOING_STEPS, create_incoming, create_outgoing

# The people of each demo agency in the document flow. The head of the drafting unit reviews drafts
# (thẩm định) as their one review level (documents.policy.may_review_drafts).
_DOCUMENT_PEOPLE = {
    "000.00.00.H49": {
        "clerk": "vanthu",
        "leader": "lanhdao",
        "handler": "chuyenvien",
        "reviewer": "truongphong",
    },
    "000.00.01.H49": {
        "clerk": "vanthu.snv",
        "leader": "lanhdao.snv",
        "handler": "chuyenvien.snv",
        "reviewer": "truongphong.snv",
    },
}
_MOF = {"issuer_id": "000.00.12.H49", "issuer_name": "Sở Tài chính tỉnh Quảng Nam"}
_MOHA = {"issuer_id": "000.00.00.G09", "issuer_name": "Bộ Nội vụ"}

# (agency, state, metadata); subjects are unique per agency: they tell what is already loaded.
DEMO_DOCUMENTS = [
    (
        "000.00.00.H49",
        "pending_registration",
        {
            **_MOHA,
            "document_type": "CV",
            "number": 5120,
            "notation": "BNV-CCHC",
            "subject": "V/v góp ý dự thảo Nghị định về vị trí việc làm",
            "urgency": "urgent",
        },
    ),
    (
        "000.00.00.H49",
        "refused",
        {
            **_MOF,
            "document_type": "TB",
            "number": 88,
            "notation": "TB-STC",
            "subject": "Thông báo lịch tiếp công dân của Sở Tài chính (gửi nhầm)",
        },
    ),
    (
        "000.00.00.H49",
        "registered",
        {
            **_MOF,
            "document_type": "CV",
            "number": 1250,
            "notation": "STC-NS",
            "subject": "V/v hướng dẫn lập dự toán ngân sách năm 2027",
        },
    ),
    (
        "000.00.00.H49",
        "awaiting_direction",
        {
            **_MOHA,
            "document_type": "QĐ",
            "number": 715,
            "notation": "QĐ-BNV",
            "subject": "Quyết định phê duyệt kế hoạch cải cách hành chính năm 2027",
        },
    ),
    (
        "000.00.00.H49",
        "assigned",
        {
            **_MOF,
            "document_type": "CĐ",
            "number": 3,
            "notation": "CĐ-STC",
            "subject": "Công điện về việc bảo đảm kinh phí phòng chống bão số 13",
            "urgency": "flash",
        },
    ),
    (
        "000.00.00.H49",
        "in_progress",
        {
            **_MOHA,
            "document_type": "KH",
            "number": 412,
            "notation": "KH-BNV",
            "subject": "Kế hoạch tổ chức Hội nghị tổng kết công tác văn thư, lưu trữ",
        },
    ),
    (
        "000.00.00.H49",
        "completed",
        {
            **_MOF,
            "document_type": "CV",
            "number": 1102,
            "notation": "STC-HCSN",
            "subject": "V/v báo cáo tình hình sử dụng tài sản công năm 2026",
        },
    ),
    (
        "000.00.00.H49",
        "assigned",
        {
            **_MOHA,
            "document_type": "CV",
            "number": 77,
            "notation": "BNV-TCBC",
            "subject": "V/v rà soát biên chế công chức (tài liệu mật)",
            "confidentiality": "confidential",
        },
    ),
    (
        "000.00.00.H49",
        "draft",
        {"document_type": "TTr", "subject": "Tờ trình đề nghị phê duyệt đề án số hóa hồ sơ"},
    ),
    (
        "000.00.00.H49",
        "in_review",
        {"document_type": "KH", "subject": "Kế hoạch chuyển đổi số trong cơ quan nhà nước năm 2027"},
    ),
    (
        "000.00.00.H49",
        "returned",
        {"document_type": "BC", "subject": "Báo cáo kết quả cải cách hành chính quý IV"},
    ),
    (
        "000.00.00.H49",
        "awaiting_signature",
        {"document_type": "CV", "subject": "V/v đôn đốc triển khai văn bản điện tử liên thông"},
    ),
    (
        "000.00.00.H49",
        "approved",
        {"document_type": "TB", "subject": "Thông báo kết luận của Chủ tịch UBND tỉnh"},
    ),
    (
        "000.00.00.H49",
        "issued",
        {
            "document_type": "QĐ",
            "is_legal_normative": True,
            "subject": "Quyết định ban hành Quy chế công tác văn thư, lưu trữ",
            "recipients": [{"agency_id": "000.00.01.H49", "agency_name": "Sở Nội vụ tỉnh Quảng Nam"}],
        },
    ),
    (
        "000.00.00.H49",
        "recalled",
        {"document_type": "CV", "subject": "V/v tổ chức lễ phát động thi đua (thu hồi)"},
    ),
    (
        "000.00.00.H49",
        "replaced",
        {"document_type": "GM", "subject": "Giấy mời dự hội nghị trực tuyến (bị thay thế)"},
    ),
    (
        "000.00.01.H49",
        "registered",
        {
            **_MOHA,
            "document_type": "CV",
            "number": 5121,
            "notation": "BNV-TCBC",
            "subject": "V/v thẩm định đề án vị trí việc làm",
        },
    ),
    (
        "000.00.01.H49",
        "draft",
        {"document_type": "BC", "subject": "Báo cáo tình hình tổ chức bộ máy năm 2026"},
    ),
]


def load_demo_documents() -> bool:
    """Documents in every state for the demo people, each with a small PDF; True when any was created."""
    from eoffice.documents.models import Document
    from eoffice.extensions import db

    created = False
    for agency_id, state, metadata in DEMO_DOCUMENTS:
        loaded = db.session.scalar(
            select(Document.id).where(
                Document.agency_id == agency_id, Document.subject == metadata["subject"]
            )
        )
        if loaded is None:
            people = {
                part: db.session.scalar(select(User).where(User.username == username))
                for part, username in _DOCUMENT_PEOPLE[agency_id].items()
            }
            if state in OUTGOING_STEPS or state in ("returned", "replaced"):
                create_outgoing(state, dict(metadata), people)
            else:
                create_incoming(agency_id, state, dict(metadata), people)
            created = True
    return created
