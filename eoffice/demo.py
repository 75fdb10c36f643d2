"""Demo data: a small province with two agencies, their units and one account per role."""

from __future__ import annotations

import unicodedata

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
    ("quantri.snv", "Phạm Quốc Huy", "000.00.01.H49", "VP", ["admin"], False),
    ("vanthu.snv", "Võ Thị Lan", "000.00.01.H49", "VP", ["clerk"], False),
    ("lanhdao.snv", "Đặng Văn Hùng", "000.00.01.H49", "VP", ["leader"], False),
    ("chuyenvien.snv", "Huỳnh Ngọc Ánh", "000.00.01.H49", "TCBC", ["specialist"], False),
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
    from meetings.demo import load_demo_meeting

    created |= load_demo_meeting()
    return created


def minimal_pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A small valid one-page PDF showing the title (Helvetica: diacritics folded to ASCII)."""

    def ascii_text(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
        printable = "".join(c for c in folded if " " <= c <= "~")
        return printable.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    shown = [ascii_text(title), *(ascii_text(line) for line in lines)]
    text_ops = "".join(f"({line}) Tj 0 -18 Td " for line in shown)
    content = f"BT /F1 12 Tf 56 780 Td {text_ops}ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
