"""The demo province's agencies, their units and one account per role, with the demo CA's certificates."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.accounts import operations
from eoffice.accounts.models import Agency, User

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


def load_demo_people() -> bool:
    """Create whichever demo agencies, units and accounts are missing; True when something was created."""
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
    return created


def issue_demo_certificates_to_leaders() -> None:
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
