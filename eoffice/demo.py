"""Demo data: a small province with two agencies, their units, one account per role, and documents."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from eoffice.accounts import operations
from eoffice.accounts.models import Agency, User
from eoffice.pdfgen import text_pdf

DEMO_PASSWORD = "Demo@2026"

AGENCIES = [
    {
        "id": "000.00.00.H49",
        "name": "Ủy ban nhân dân tỉnh Quảng Nam",
        "abbreviation": "UBND",
        "parent_id": None,
        "units": [("Văn phòng", "VP"), ("Phòng Khoa giáo - Văn xã", "KGVX"), ("Phòng Kinh tế", "KT")],
    },
    {
        "id": "000.00.01.H49",
        "name": "Sở Nội vụ tỉnh Quảng Nam",
        "abbreviation": "SNV",
        "parent_id": "000.00.00.H49",
        "units": [
            ("Văn phòng Sở", "VP"),
            ("Phòng Tổ chức - Biên chế", "TCBC"),
            ("Phòng Cải cách hành chính", "CCHC"),
        ],
    },
]

# (username, full name, agency, unit abbreviation or None, roles, platform admin)
USERS = [
    ("quantri", "Quản trị hệ thống", "000.00.00.H49", None, ["admin"], True),
    ("vanthu", "Nguyễn Thị Hoa", "000.00.00.H49", "VP", ["clerk"], False),
    ("lanhdao", "Trần Văn Minh", "000.00.00.H49", "VP", ["leader"], False),
    ("chuyenvien", "Lê Thị Thu Trang", "000.00.00.H49", "KGVX", ["specialist"], False),
    ("luutru", "Lê Văn Lưu", "000.00.00.H49", "VP", ["archivist"], False),
    ("truongphong", "Phạm Văn Hải", "000.00.00.H49", "KGVX", ["specialist"], False),
    ("quantri.snv", "Phạm Quốc Huy", "000.00.01.H49", "VP", ["admin"], False),
    ("vanthu.snv", "Võ Thị Lan", "000.00.01.H49", "VP", ["clerk"], False),
    ("lanhdao.snv", "Đặng Văn Hùng", "000.00.01.H49", "VP", ["leader"], False),
    ("chuyenvien.snv", "Huỳnh Ngọc Ánh", "000.00.01.H49", "TCBC", ["specialist"], False),
    ("truongphong.snv", "Lương Văn Tín", "000.00.01.H49", "TCBC", ["specialist"], False),
]


def load_demo_data() -> bool:
    """Create whatever part of the demo province is missing; True when something was created."""
    from eoffice.extensions import db

    created = False
    units: dict[tuple[str, str], int] = {}
    for spec in AGENCIES:
        agency = db.session.get(Agency, spec["id"])
        if agency is None:
            agency = operations.create_agency(
                spec["id"], spec["name"], abbreviation=spec["abbreviation"], parent_id=spec["parent_id"]
            )
            created = True
        existing = {unit.abbreviation: unit.id for unit in agency.units}
        for name, abbreviation in spec["units"]:
            if abbreviation not in existing:
                existing[abbreviation] = operations.create_unit(agency, name, abbreviation=abbreviation).id
                created = True
            units[(agency.id, abbreviation)] = existing[abbreviation]
    for username, full_name, agency_id, unit, roles, platform_admin in USERS:
        if db.session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        operations.create_user(
            username=username,
            password=DEMO_PASSWORD,
            full_name=full_name,
            email=f"{username}@quangnam.demo.gov.vn",
            agency_id=agency_id,
            unit_id=units[(agency_id, unit)] if unit else None,
            roles=roles,
            is_platform_admin=platform_admin,
        )
        created = True
    _demo_certificates()
    created |= load_demo_documents()
    from meetings.demo import load_demo_meeting

    created |= load_demo_meeting()
    return created


def _demo_certificates() -> None:
    """The demo CA ("CA chuyên dùng thử nghiệm") certifies the leaders and each agency's seal.

    Only with keys in PKCS#12 files (the embedded default): keys in a token are the operator's.
    """
    from eoffice.extensions import db
    from eoffice.runtime import settings
    from eoffice.signing.operations import issue_demo_certificates

    if settings().signing_key_store != "pkcs12":
        return
    db.session.flush()
    leaders = [username for username, _, _, _, roles, _ in USERS if "leader" in roles]
    issue_demo_certificates(
        settings(),
        people=list(db.session.scalars(select(User).where(User.username.in_(leaders)))),
        agencies=[db.session.get(Agency, spec["id"]) for spec in AGENCIES],
    )


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
_INCOMING_STEPS = ["registered", "awaiting_direction", "assigned", "in_progress", "completed"]
_OUTGOING_STEPS = ["draft", "in_review", "awaiting_signature", "approved", "issued", "recalled"]


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
            if state in _OUTGOING_STEPS or state in ("returned", "replaced"):
                _demo_outgoing(state, dict(metadata), people)
            else:
                _demo_incoming(agency_id, state, dict(metadata), people)
            created = True
    return created


def _demo_pdf(subject: str, name: str):
    from eoffice.documents.operations import IncomingFile

    return IncomingFile(name, io.BytesIO(text_pdf(subject, [name])))


def _committed(operation, *args, **kwargs):
    from eoffice.storage.operations import commit_or_discard

    with commit_or_discard():
        return operation(*args, **kwargs)


def _demo_incoming(agency_id: str, state: str, metadata: dict, people: dict[str, User]) -> None:
    from eoffice.documents import clock, operations
    from eoffice.documents.models import Channel

    clerk, leader, handler = people["clerk"], people["leader"], people["handler"]
    metadata.setdefault("issued_date", (clock.now() - timedelta(days=3)).date().isoformat())
    metadata.setdefault("signer_name", "Nguyễn Văn An")
    record = operations.InboundRecord(
        agency_id=agency_id, metadata=metadata, files=[_demo_pdf(metadata["subject"], "van-ban.pdf")]
    )
    if state in ("pending_registration", "refused"):
        record.channel = Channel.AXIS
        record.source_reference = f"{metadata['issuer_id']},{metadata['issued_date']},{metadata['notation']}"
        document, _ = _committed(operations.receive_incoming, record)
        if state == "refused":
            _committed(operations.refuse, document, clerk, reason="Văn bản gửi nhầm cơ quan")
        return
    document, _ = _committed(operations.register_upload, record, clerk)
    deadline = (clock.now() + timedelta(days=7)).date()
    for reached in _INCOMING_STEPS[1 : _INCOMING_STEPS.index(state) + 1]:
        if reached == "awaiting_direction":
            _committed(
                operations.submit_for_direction, document, clerk, leader_id=leader.id, note="Kính trình"
            )
        elif reached == "assigned" and state == "assigned":
            _committed(
                operations.assign,
                document,
                leader,
                primary_user_id=handler.id,
                informed_ids=[clerk.id],
                deadline=deadline,
                direction_text="Giao chuyên viên tham mưu, báo cáo trước hạn",
            )
        elif reached == "assigned":
            _committed(
                operations.assign,
                document,
                leader,
                primary_unit_id=handler.unit_id,
                deadline=deadline,
                direction_text="Giao phòng chủ trì tham mưu",
            )
        elif reached == "in_progress":
            _committed(
                operations.record_progress, document, handler, note="Đã dự thảo, đang xin ý kiến", percent=60
            )
        elif reached == "completed":
            _committed(operations.complete, document, handler, result_note="Đã tổng hợp, báo cáo lãnh đạo")


def _demo_outgoing(state: str, metadata: dict, people: dict[str, User]) -> None:
    from eoffice.documents import operations

    handler = people["handler"]
    files = [_demo_pdf(metadata["subject"], "du-thao.pdf"), _demo_pdf(metadata["subject"], "phu-luc.pdf")]
    document = _committed(operations.create_draft, handler, metadata, files)
    if state == "replaced":
        _advance_draft(document, "issued", people)
        replacement = {
            **metadata,
            "subject": metadata["subject"].replace("(bị thay thế)", "(thay thế)"),
            "replaces_id": document.id,
        }
        new = _committed(
            operations.create_draft, handler, replacement, [_demo_pdf(replacement["subject"], "giay-moi.pdf")]
        )
        _advance_draft(new, "issued", people)
    else:
        _advance_draft(document, state, people)


def _advance_draft(document, state: str, people: dict[str, User]) -> None:
    from eoffice.documents import operations

    clerk, leader, handler, reviewer = (
        people["clerk"],
        people["leader"],
        people["handler"],
        people["reviewer"],
    )
    if state == "draft":
        return
    _committed(operations.submit, document, handler, reviewer_ids=[reviewer.id], signer_id=leader.id)
    if state == "returned":
        _committed(operations.return_draft, document, reviewer, comment="Đề nghị sửa lại phần căn cứ pháp lý")
        return
    for reached in _OUTGOING_STEPS[2 : _OUTGOING_STEPS.index(state) + 1]:
        if reached == "awaiting_signature":
            _committed(operations.approve, document, reviewer, comment="Nội dung đạt yêu cầu")
        elif reached == "approved":
            _committed(operations.approve, document, leader)
        elif reached == "issued":
            _committed(operations.issue, document, clerk)
        elif reached == "recalled":
            _committed(operations.recall, document, clerk, reason="Phát hiện sai sót về thời gian tổ chức")
